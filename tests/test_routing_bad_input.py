"""Bad rules are refused with a useful error; bad requests are answered.

- A malformed rule string raises ``ValueError`` naming the rule and the
  position of the problem; an unknown converter raises ``LookupError`` naming
  it; bad converter arguments raise an error that says what is wrong.
- Rule strings crafted to make a backtracking parser hang parse in one pass.
- A request path of any content gives a match, a redirect, a 404 or a 405:
  never another exception, on both twins.
"""

from __future__ import annotations

import pytest
import werkzeug.routing as wz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.routing_cases import CONVERTERS, PLACEHOLDERS, examples
from tumbler.routing import MethodNotAllowed, NotFound, RequestRedirect, Rule
from tumbler.routing.parser import _scan, parse_rule


@pytest.mark.parametrize(
    ("rule", "position"),
    [
        ("/<a", 1),
        ("/x/<int:>", 3),
        ("/<a b>", 1),
        ("/<1a>", 1),
        ("/ok/<b>/<", 8),
        ("/<int(min=1)>", 1),
        ("/<int(\n):x>", 1),
        ("/a<b>c<:d>", 6),
        ("/<\u00e9>", 1),
    ],
)
def test_malformed_rule_names_rule_and_position(Map, rule, position):
    with pytest.raises(ValueError) as caught:
        Map([Rule(rule, endpoint="x")])
    message = str(caught.value)
    assert repr(rule) in message
    assert f"position {position}" in message


def test_rule_must_start_with_a_slash():
    with pytest.raises(ValueError, match="'x/y' must start with a slash"):
        Rule("x/y")


def test_unknown_converter_is_named(Map):
    with pytest.raises(LookupError, match="'nope'"):
        Map([Rule("/<nope:x>", endpoint="x")])


@pytest.mark.parametrize(
    ("rule", "error", "says"),
    [
        ("/<int(foo=1):x>", TypeError, "foo"),
        ("/<int(1, 2, 3, 4, 5):x>", TypeError, "positional argument"),
        ("/<string(length=x):y>", ValueError, "'x'"),
        ("/<any(a, b c):v>", ValueError, "Cannot parse converter argument ' b'"),
        ("/<float(fixed_digits=2):f>", TypeError, "fixed_digits"),
        # werkzeug accepts this map and fails when a match reaches the part;
        # tumbler compiles the part when the rule is added, and names it.
        ("/<string(minlength=3, maxlength=2):a>", ValueError, "URL rule '/<string"),
    ],
)
def test_bad_converter_arguments_say_what_is_wrong(Map, rule, error, says):
    with pytest.raises(error, match=says.replace("(", r"\(")):
        Map([Rule(rule, endpoint="x")])


def _tokens(parse, rule):
    try:
        return list(parse(rule))
    except ValueError as exc:
        return str(exc)


@given(st.text(alphabet="<>/():=,'\"\n ab1_Z\u00e9\u0661", max_size=40))
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_rule_tokens_are_the_whole_scans(rule):
    assert _tokens(parse_rule, rule) == _tokens(lambda text: _scan(text, 0), rule)


@pytest.mark.parametrize(
    "rule",
    ["/a/<any('x/y', z):v>/b", "/<re('[^/]+/x'):p>/<q>", "/a/<b>/<c", "//<x>//", "/<int(\n):x>/y"],
)
def test_rule_tokens_with_slashed_arguments_and_errors(rule):
    assert _tokens(parse_rule, rule) == _tokens(lambda text: _scan(text, 0), rule)


@pytest.mark.parametrize("rule", ["/<int(foo=1):f><1x>", "/<int(foo=1):f>/<1x>"])
def test_a_bad_converter_is_reported_before_a_later_malformed_placeholder(Map, rule):
    with pytest.raises(TypeError, match="foo"):
        Map([Rule(rule, endpoint="x")])


# -- parsing stays linear ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "position"),
    [
        ("/<" + "a(" * 50_000, 1),
        ("/<" * 50_000, 1),
        ("/<a:" + "b" * 100_000, 1),
        ("/<int(" + "(" * 50_000 + ":x>", 1),
        ("/<int(" + ")" * 50_000, 1),
        ("/" + "a" * 100_000 + "<", 100_001),
        ("/" + "<a>" * 5_000 + "<", 15_001),
    ],
)
def test_adversarial_rule_strings_are_refused(Map, rule, position):
    with pytest.raises(ValueError) as caught:
        Map([Rule(rule, endpoint="x")])
    assert f"position {position}" in str(caught.value)


def test_long_argument_lists_parse(Map):
    items = [f"i{number}" for number in range(20_000)]
    rule = "/<any(" + ", ".join(items) + "):v>"
    adapter = Map([Rule(rule, endpoint="x")]).bind("e.com")
    assert adapter.match("/i19999") == ("x", {"v": "i19999"})
    with pytest.raises(NotFound):
        adapter.match("/i20000")
    with pytest.raises(TypeError):
        Map([Rule("/<int(" + "1, " * 50_000 + "1):x>", endpoint="x")])


# -- requests of any content ----------------------------------------------------------

ANSWERS = (NotFound, MethodNotAllowed, RequestRedirect)


def every_converter(Map):
    rules = [
        Rule(
            f"/{index}/" + template.format(v="v") + ("/" if index % 3 == 0 else ""), endpoint=index
        )
        for index, (template, _) in enumerate(PLACEHOLDERS)
    ]
    rules += [
        Rule("/", endpoint="root"),
        Rule("/<path:rest>", endpoint="rest", methods=["POST"]),
        Rule("/s/<a>/<b>/", endpoint="two"),
        Rule("/m/<int:n>", endpoint="m", methods=["GET"]),
    ]
    return Map(rules, converters=CONVERTERS).bind("example.com")


def answer(adapter, path, method="GET"):
    try:
        return adapter.match(path, method)
    except ANSWERS as exc:
        return exc


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(path=st.text(), method=st.sampled_from(["GET", "POST", "PUT"]))
def test_any_path_gets_an_answer(Map, path, method):
    adapter = every_converter(Map)
    for candidate in (path, "/" + path, f"/{len(PLACEHOLDERS) - 1}/{path}", f"/s/{path}"):
        answer(adapter, candidate, method)


@pytest.mark.parametrize(
    "path",
    [
        "/\x00",
        "/a\x00b/\x00",
        "/1/\x00",
        "/m/\x00",
        "/\n",
        "/m/1\n",
        "/%00/%2F/%",
        "/\ufffd\ufffd",
        "/" * 100_000,
        "/a" * 10_000,
        "/s" + "/" * 10_000 + "x",
        "/" + "a" * 1_000_000,
        "/1/" + "\u0661" * 100_000,
        "/\u200b/\ufeff/\u202e",
    ],
)
def test_odd_paths_get_an_answer(Map, path):
    adapter = every_converter(Map)
    assert answer(adapter, path, "GET") is not None
    assert answer(adapter, path, "POST") is not None


def test_huge_paths_give_the_expected_answers(Map):
    adapter = every_converter(Map)
    big = "a" * 1_000_000
    assert adapter.match("/" + big, "POST") == ("rest", {"rest": big})
    with pytest.raises(MethodNotAllowed):
        adapter.match("/" + big, "GET")
    deep = "/".join(["a"] * 10_000)
    assert adapter.match("/" + deep, "POST") == ("rest", {"rest": deep})
    with pytest.raises(MethodNotAllowed):  # not an int: only <path:rest> (POST) fits
        adapter.match("/m/" + "1" * 4_000 + "x")
    assert adapter.match("/m/" + "7" * 4_000) == ("m", {"n": int("7" * 4_000)})
    # int() refuses more than 4300 digits (ValueError, so ValidationError): a 404
    with pytest.raises(NotFound):
        adapter.match("/m/" + "7" * 5_000)


def test_a_search_as_deep_as_a_long_rule_raises_recursion_error(Map):
    """werkzeug's search recurses once per part, so a rule of thousands of
    parts makes its match raise RecursionError; so does ours, compiled too,
    where the C stack would otherwise run out (a crash at 200,000 parts)."""
    parts = "/".join(f"s{number}" for number in range(5_000))
    adapter = Map([Rule(f"/{parts}/<x>", endpoint="deep"), Rule("/a", endpoint="a")]).bind("e")
    with pytest.raises(RecursionError):
        adapter.match(f"/{parts}/v")
    assert adapter.match("/a") == ("a", {})  # and the map still answers
    shallow = "/".join(f"s{number}" for number in range(50))
    assert Map([Rule(f"/{shallow}/<x>", endpoint="d")]).bind("e").match(f"/{shallow}/v") == (
        "d",
        {"x": "v"},
    )


def test_a_subclass_of_werkzeugs_rule_in_a_tumbler_map_is_refused_with_a_message(Map):
    """A tumbler map copies werkzeug's own rules (see test_routing), but a
    subclass's overrides would not come along: it is refused (alone or from a
    factory) with a TypeError that says what to do, not an AttributeError
    from deep in the matcher."""

    class Mine(wz.Rule):
        pass

    for rules in ([Mine("/a", endpoint="a")], [wz.Submount("/s", [Mine("/<int:n>")])]):
        with pytest.raises(TypeError, match=r"takes tumbler\.routing rules.*url_rule_class"):
            Map(rules)


def test_a_werkzeug_rule_bound_already_is_refused_as_werkzeug_refuses_it(Map):
    rule = wz.Rule("/a", endpoint="a")
    wz.Map([rule])
    with pytest.raises(RuntimeError, match="already bound to map"):
        Map([rule])
    with pytest.raises(RuntimeError, match="already bound to map"):
        wz.Map([rule])


def test_a_tumbler_rule_in_a_werkzeug_map_is_refused_with_a_message():
    """The other way round: a tumbler rule refuses to bind to werkzeug's map,
    and stays unbound."""
    rule = Rule("/u/<int:x>", endpoint="u")
    with pytest.raises(TypeError, match=r"'/u/<int:x>' is tumbler's.*url_map_class"):
        wz.Map([rule])
    assert rule.map is None


@pytest.mark.parametrize(
    ("rule", "options", "map_options"),
    [
        ("/a\udfdfb", {}, {}),
        ("/a\udfdfb", {"build_only": True}, {}),
        ("/\udfdf/<a>/<a>", {}, {}),  # before the variable named twice
        ("/<None>/\udfdf", {}, {}),  # before the variable named None
        ("/x/<int:n>/\udfdf", {"defaults": {"n": 1}}, {}),
        ("/x", {"subdomain": "s\udfdf"}, {}),
        ("/x", {"host": "h\udfdf"}, {"host_matching": True}),
    ],
)
def test_static_text_utf8_cannot_encode_fails_when_the_rule_is_added(
    Map, rule, options, map_options
):
    """werkzeug quotes a rule's static text (path and domain) when the rule
    is added, and a lone surrogate fails there with UnicodeEncodeError;
    tumbler, which quotes when it first builds, checks it then too."""
    with pytest.raises(UnicodeEncodeError) as want:
        wz.Map([wz.Rule(rule, endpoint="e", **options)], **map_options)
    with pytest.raises(UnicodeEncodeError) as have:
        Map([Rule(rule, endpoint="e", **options)], **map_options)
    assert str(have.value) == str(want.value)
