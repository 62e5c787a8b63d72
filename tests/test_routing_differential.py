"""tumbler's routing gives werkzeug's answers: c == py == werkzeug.

Every property runs on both twins (the ``Map`` fixture) against
``werkzeug.routing`` 3.1 as the oracle, on generated rule sets, requests,
builds and environs (see ``tests/routing_cases.py``). The normal run tries a
few dozen examples per property; ``pytest --hypothesis-profile=fuzz`` runs
thousands, and ``python -m tests.routing_fuzz`` runs the seeded generator over
100,000 cases and more.
"""

from __future__ import annotations

import pytest
import werkzeug.routing as wz
import werkzeug.routing.rules as wz_rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed

import tumbler.routing as tb
from tests.routing_cases import (
    COMMON_METHODS,
    PLACEHOLDERS,
    Bind,
    Build,
    Case,
    DrawChooser,
    Request,
    compare,
    examples,
    generate_argument_string,
    generate_case,
    generate_rule_string,
    parse_outcome,
    render,
    rule_outcome,
)

# The fuzz profile sets its own (large) example count; the default run stays short.
differential = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def cases(draw):
    return generate_case(DrawChooser(draw))


@st.composite
def rule_strings(draw):
    return generate_rule_string(DrawChooser(draw))


@st.composite
def argument_strings(draw):
    return generate_argument_string(DrawChooser(draw))


def assert_agrees(case, Map):
    differences = compare(case, {"tumbler": Map})
    assert not differences, (
        "tumbler and werkzeug disagree:\n"
        + "\n".join(
            f"step {step}: werkzeug {want!r}\n    tumbler {have!r}"
            for _, step, want, have in differences
        )
        + "\nreproduce with:\n"
        + render(case)
    )


@differential
@given(case=cases())
def test_rule_sets_match_and_build_alike(Map, case):
    assert_agrees(case, Map)


# One rule per converter (also inside a segment, and before a trailing
# slash), any text at all as the segment: the fast paths against the regexes.
@differential
@given(
    placeholder=st.sampled_from([template for template, _ in PLACEHOLDERS]),
    text=st.text(max_size=40),
    method=st.sampled_from(["GET", "POST"]),
)
def test_any_segment_text_matches_alike(Map, placeholder, text, method):
    converter = placeholder.format(v="v")
    case = Case(
        {},
        [
            ("Rule", f"/{converter}", {"endpoint": "plain", "methods": ["GET"]}),
            ("Rule", f"/in/x{converter}y", {"endpoint": "inside"}),
            ("Rule", f"/slash/{converter}/", {"endpoint": "slash"}),
        ],
        [
            Request(Bind(), path, method)
            for path in (f"/{text}", f"/in/x{text}y", f"/slash/{text}", f"/slash/{text}/")
        ],
    )
    assert_agrees(case, Map)


@differential
@given(string=rule_strings(), strict=st.booleans(), merge=st.booleans())
def test_rule_strings_parse_alike(Map, string, strict, merge):
    """Same parts, weights, trace and arguments, or the same error class:
    a rule werkzeug rejects is rejected by tumbler too."""
    options = {"strict_slashes": strict, "merge_slashes": merge}
    assert rule_outcome(tb, Map, string, **options) == rule_outcome(wz, wz.Map, string, **options)


@differential
@given(text=argument_strings() | st.text(max_size=30))
def test_converter_arguments_parse_alike(text):
    assert parse_outcome(tb, text) == parse_outcome(wz_rules, text)


@pytest.mark.parametrize(
    ("string", "options"),
    [
        ("/<a>/<a>", {}),
        ("/<a>.<a>", {}),
        ("/<a>", {"subdomain": "<a>"}),
        ("/<int:None>", {}),
        ("/<True>", {}),
        ("/<False>/x", {}),
        ("/<a>/<a>", {"defaults": {"b": 1}}),
        ("/<__debug__>", {}),
        ("/x", {"defaults": {"__debug__": 1}}),
        ("/<a>", {"defaults": {".self": 1}}),
        ("/<a>", {"defaults": {".kwargs": 1}}),
        ("/x", {"defaults": {1: "x", "1": "y"}}),
        ("/<None>/<b>/<b>", {"defaults": {"x": 1}}),
    ],
)
def test_rules_werkzeug_cannot_build_are_rejected(Map, string, options):
    """werkzeug compiles a builder function per rule whose parameters are
    ``.self``, the variables no default fills, the defaults' names and
    ``.kwargs``, so a name given twice, a variable that is a Python constant,
    or ``__debug__`` makes ``Map.add`` fail; a tumbler map must fail on it too."""
    expected = rule_outcome(wz, wz.Map, string, **options)
    assert expected[0] == "error"
    assert rule_outcome(tb, Map, string, **options) == expected
    # ... and tumbler's error is a ValueError that names the rule.
    with pytest.raises(ValueError, match=f"URL rule {string!r}"):
        Map([tb.Rule(string, endpoint="x", **options)])


@pytest.mark.parametrize(
    ("string", "defaults"),
    [
        ("/<a>/<a>", {"a": "1"}),
        ("/<a>/<int:a>/<b>", {"a": "7"}),
        ("/<int:a>/<a>/<int:b>", {"a": 7}),
        ("/<a>/<b>/<a>", {"a": "7"}),
        ("/<a>.<a>", {"a": "q"}),
        ("/<None>", {"None": "n"}),
        ("/<True>/<b>", {"True": "t"}),
    ],
)
def test_names_a_default_fills_are_taken_as_werkzeug_takes_them(Map, string, defaults):
    """A variable a default fills is constant text in werkzeug's builder, so
    it may be named twice or ``None``. werkzeug then pairs the rule's
    converters, one per name, with its texts in order and drops the extra
    texts: a later variable may get an earlier text."""
    paths = ["/1/2/3", "/q/5/z", "/5/q/7", "/1/1", "/7", "/q.q", "/n", "/x/y", "/1/x/2"]
    case = Case(
        {},
        [("Rule", string, {"endpoint": "e", "defaults": defaults})],
        [Request(Bind(), path) for path in paths],
        [Build(Bind(), "e", values) for values in ({}, {"b": "B"}, {**defaults, "b": 2})]
        + [Build(Bind(), "e", {name: "other" for name in defaults})],
    )
    assert_agrees(case, Map)


# Many static siblings (the compiled kernel hashes them) and few, with keys and
# requests of every character width: a segment is compared where it lies in
# the request's text, which may be wider than the key.
WIDE = ["a", "é", "€", "😀", "x€", "e\u0301"]


@differential
@given(
    siblings=st.integers(min_value=1, max_value=40),
    segment=st.sampled_from(WIDE) | st.text(max_size=6),
    tail=st.sampled_from([*WIDE, ""]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_static_siblings_of_any_width_match_alike(Map, siblings, segment, tail, method):
    names = [f"s{number}" for number in range(siblings)] + WIDE
    case = Case(
        {},
        [("Rule", f"/k/{name}", {"endpoint": name, "methods": ["GET"]}) for name in names]
        + [("Rule", f"/k/{name}/<v>", {"endpoint": f"{name}+"}) for name in names]
        + [("Rule", "/k/<v>/end", {"endpoint": "dynamic"})],
        [
            Request(Bind(), path, method)
            for path in (
                f"/k/{segment}",
                f"/k/{segment}/{tail}",
                f"/k/{segment}/end",
                f"/k/{segment}{tail}",
                f"/k/s{siblings - 1}/{tail}",
            )
        ],
    )
    assert_agrees(case, Map)


# Method names of every shape: the compiled kernel tests the common ones as
# bits, and looks the others up in the rule's set.
METHOD_NAMES = st.sampled_from(
    [*COMMON_METHODS, "get", "GET\x00", "GE", "GETS", "PROPPATCH", "MOVE"]
) | st.text(alphabet="GETPOSé\x00ß\u0131", min_size=0, max_size=9)


@differential
@given(
    method_sets=st.lists(st.lists(METHOD_NAMES, min_size=1, max_size=6), min_size=1, max_size=3),
    method=METHOD_NAMES,
)
def test_method_names_of_any_shape_match_alike(Map, method_sets, method):
    rules = []
    for number, methods in enumerate(method_sets):
        rules.append(("Rule", "/static", {"endpoint": f"static{number}", "methods": methods}))
        rules.append(("Rule", "/v/<v>", {"endpoint": f"dynamic{number}", "methods": methods}))
    requests = [Request(Bind(), path, method) for path in ("/static", "/v/x", "/static/")]
    assert_agrees(Case({}, rules, requests), Map)


# Static keys and fully static paths on both sides of the lengths whose
# characters the compiled kernel keeps in its tables (15 for a key, 56 for a
# path), of every width, asked for as they are and changed by one character.
@differential
@given(
    siblings=st.integers(min_value=1, max_value=20),
    length=st.integers(min_value=10, max_value=60),
    wide=st.sampled_from(["", *WIDE]),
    change=st.sampled_from(["same", "last", "shorter", "longer", "wider"]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_long_static_keys_and_paths_match_alike(Map, siblings, length, wide, change, method):
    names = [(wide + f"s{number}").rjust(length, "x") for number in range(siblings)]
    asked = {
        "same": names[-1],
        "last": names[-1][:-1] + "t",
        "shorter": names[-1][1:],
        "longer": "x" + names[-1],
        "wider": "\u20ac" + names[-1][1:],
    }[change]
    case = Case(
        {},
        [("Rule", f"/k/{name}", {"endpoint": name, "methods": ["GET"]}) for name in names]
        + [("Rule", f"/k/{name}/<v>", {"endpoint": f"{name}+"}) for name in names],
        [Request(Bind(), path, method) for path in (f"/k/{asked}", f"/k/{asked}/v")],
    )
    assert_agrees(case, Map)


# The values as build reads them: a plain dict's ``None`` values are dropped,
# a ``MultiDict``'s are kept (as text in the path, and for the sort key to
# see, though the query leaves them out); a key that is not text is refused.
@pytest.mark.parametrize(
    "values",
    [
        {"a": "x", "b": 1},
        {"a": "x", "b": 1, "c": None, "d": "y"},
        {"a": None, "b": 1},
        {"a": "x y", "b": 1, 3: "z"},
        {"a": "x", "b": 1, "q": ["1", "2"]},
        MultiDict([("a", "x"), ("b", 1), ("c", None), ("d", "y")]),
        MultiDict([("a", None), ("b", 1)]),
    ],
    ids=repr,
)
def test_build_values_alike(Map, values):
    def outcome(routing, map_class):
        seen = []

        def sort_key(item):
            seen.append(item)
            return str(item)

        url_map = map_class(
            [routing.Rule("/<a>/<int:b>", endpoint="e")], sort_parameters=True, sort_key=sort_key
        )
        try:
            built = url_map.bind("example.com").build("e", values)
        except (routing.BuildError, TypeError) as exc:
            built = type(exc).__name__
        return built, seen

    assert outcome(tb, Map) == outcome(wz, wz.Map)


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "LINK", "UNLINK", "COPY"]


@pytest.mark.parametrize(
    ("rules", "path", "options"),
    [
        # one path's rules, all refused; more than a search lists before it
        # makes a set of their methods; refusals in two states; without
        # merge_slashes; a path with "//" (searched again, merged)
        ([("/a", [method]) for method in METHODS[:3]], "/a", {}),
        ([("/a", [method, "SEARCH"]) for method in METHODS], "/a", {}),
        ([("/a", ["GET", "PUT"]), ("/<x>", ["POST"]), ("/<x>", ["PATCH", "GET"])], "/a", {}),
        ([("/a/<x>", ["PUT"]), ("/<y>/b", ["POST"]), ("/a/b", ["PATCH"])], "/a/b", {}),
        ([("/a", [method]) for method in METHODS[:3]], "/a", {"merge_slashes": False}),
        ([("/x/a", [method]) for method in METHODS[:3]], "/x//a", {}),
        ([("/x/<y>", ["GET"]), ("/x/a", ["PUT", "POST"])], "/x//a", {}),
    ],
)
def test_allowed_methods_listed_in_werkzeugs_order(Map, rules, path, options):
    """A 405 lists its methods in werkzeug's order (Flask's Allow header
    keeps it), not only the same ones."""
    listed = []
    for map_class, rule_class in ((Map, tb.Rule), (wz.Map, wz.Rule)):
        rule_objects = [rule_class(string, methods=methods) for string, methods in rules]
        url_map = map_class(rule_objects, **options)
        with pytest.raises(MethodNotAllowed) as caught:
            url_map.bind("example.com").match(path, "MOVE")
        listed.append(caught.value.valid_methods)
    assert listed[0] == listed[1]


def test_equal_method_sets_keep_each_rules_order(Map):
    """Two rules whose sets of methods are equal but list them in different
    orders (a hash collision, met in this process's hash seed) each give
    their own order to a 405."""
    pool = [f"M{number}" for number in range(64)]
    first, second = next(
        (a, b) for a in pool for b in pool if a != b and list({a, b}) != list({b, a})
    )
    listed = []
    for map_class, rule_class in ((Map, tb.Rule), (wz.Map, wz.Rule)):
        url_map = map_class(
            [
                rule_class("/a", endpoint="a", methods=[first, second]),
                rule_class("/b", endpoint="b", methods=[second, first]),
            ]
        )
        with pytest.raises(MethodNotAllowed) as caught:
            url_map.bind("example.com").match("/b", "GET")
        listed.append(caught.value.valid_methods)
    assert listed[0] == listed[1] == list({second, first})
