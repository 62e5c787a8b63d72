"""A part of several converters is matched in linear time with ``re``'s
answers (``tumbler.routing.linear``).

- The linear match gives what ``re`` gives on the part's regex, on generated
  parts of every converter werkzeug ships and on generated texts.
- Through a ``Map`` of either twin, with every text matched the linear way,
  matching still agrees with werkzeug.
- Paths that make ``re`` backtrack without end get their answer.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from werkzeug.routing import BaseConverter as WerkzeugConverter
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)

from tests.routing_cases import DrawChooser, examples, generate_case
from tests.test_routing_differential import assert_agrees
from tumbler._speedups import matcher as kernel
from tumbler.routing import NotFound, RequestRedirect, Rule, linear
from tumbler.routing.linear import SUFFIX, LinearPattern, compile_part

_UUID_TEXT = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
# Characters that each converter treats apart: "/", a newline (which ``.``
# does not take), "-" and "." (signs and points), ASCII and Arabic-Indic
# digits (``\d`` takes both), hexadecimal letters, "?" (which a custom run
# may take) and others.
_ALPHABET = "ab/-.\n19\u0663fF?"

_words = st.text(_ALPHABET, min_size=1, max_size=3)


# A custom converter's regex that is one character's test repeated: the
# tests and the repeats, greedy and lazy.
_TESTS = ["[a-z]", r"\w", ".", "[^-.]", r"\d", "a", "[^a]", "(?:[0-9a-f])", r"\-", r"\?"]
_REPEATS = ["+", "*", "?", "{2}", "{1,3}", "{2,}", "{,2}"]


@st.composite
def converter(draw):
    """A converter's regex, as werkzeug's own converter makes it (or a
    custom one of a character's test repeated), and its linear piece."""
    kind = draw(st.sampled_from(["path", "string", "int", "float", "uuid", "any", "run"]))
    if kind == "run":
        regex = draw(st.sampled_from(_TESTS)) + draw(st.sampled_from(_REPEATS))
        regex += draw(st.sampled_from(["", "?"]))
        piece = linear.run_piece(regex)
        assert piece is not None, regex
        return regex, piece
    if kind == "path":
        return PathConverter(None).regex, (kernel.KIND_REST, None)
    if kind == "string":
        low = draw(st.integers(0, 3))
        high = draw(st.sampled_from([-1, low, low + 1, low + 3]))
        made = UnicodeConverter(None, minlength=low, maxlength=None if high < 0 else high)
        return made.regex, (kernel.KIND_SEGMENT, (low, high))
    if kind in ("int", "float"):
        signed = draw(st.booleans())
        made = (IntegerConverter if kind == "int" else FloatConverter)(None, signed=signed)
        kernel_kind = kernel.KIND_DIGITS if kind == "int" else kernel.KIND_FLOAT
        return made.regex, (kernel_kind, signed)
    if kind == "uuid":
        regex = UUIDConverter(None).regex
        return regex, (kernel.KIND_UUID, re.compile(regex))
    choices = tuple(draw(st.lists(st.text(_ALPHABET, max_size=3), min_size=1, max_size=3)))
    return AnyConverter(None, *choices).regex, (kernel.KIND_CHOICE, choices)


@st.composite
def parts(draw):
    """A dynamic part's regex, as werkzeug makes it, and its pieces."""
    content, pieces, groups = "", [], 0
    for _ in range(draw(st.integers(2, 6))):
        if draw(st.booleans()):
            word = draw(_words)
            content += re.escape(word)
            pieces.append(word)
        else:
            regex, piece = draw(converter())
            content += f"(?P<__werkzeug_{groups}>{regex})"
            pieces.append(piece)
            groups += 1
    if draw(st.booleans()):
        content += "(?<!/)(/?)"
        pieces.append(SUFFIX)
    return content + r"\Z", pieces


@st.composite
def texts(draw):
    pieces = draw(st.lists(st.one_of(st.text(_ALPHABET, max_size=6), st.just(_UUID_TEXT))))
    return "".join(pieces)


@settings(max_examples=examples(400), deadline=None)
@given(part=parts(), text=texts())
def test_the_linear_match_is_res(part, text):
    content, pieces = part
    pattern = compile_part(content, pieces)
    assume(isinstance(pattern, LinearPattern))
    regex = re.compile(content)
    want = regex.match(text)
    have = pattern.match_linear(text)
    if want is None:
        assert have is None
    else:
        assert have is not None
        for group in range(1, regex.groups + 1):
            assert have.group(group) == want.group(group)
        for name in regex.groupindex:
            assert have.group(name) == want.group(name)


@pytest.mark.parametrize(
    ("rule", "linear_part"),
    [
        ("/<a>-<b>.whl", True),
        ("/<path:a>/<path:b>", True),
        ("/<path:a>/<int:b>/", True),
        ("/<int:a>.<float:b>", True),
        ("/x/<a>.json", False),  # one converter of varying length
        ("/<uuid:a>-<b>", False),  # a UUID has one length
        ("/<string(length=2):a><string(length=3):b>", False),
        ("/<a>-<any(x, y):b>", False),  # choices of one length
        ("/<a>-<any(x, yz):b>", True),
    ],
)
def test_parts_of_two_converters_of_varying_length_are_matched_linearly(Map, rule, linear_part):
    (made,) = Map([Rule(rule, endpoint="x")]).iter_rules()
    linear = [isinstance(part.pattern, LinearPattern) for part in made._parts]
    assert any(linear) == linear_part


class Letters(WerkzeugConverter):
    """A converter of a regex of its own: one character's test repeated."""

    regex = "[a-z]+"


class Words(WerkzeugConverter):
    """A converter of a regex of its own that only ``re`` knows how to match."""

    regex = "[a-z]+(?:,[a-z]+)*"


@pytest.mark.parametrize(
    ("regex", "run"),
    [
        ("[a-z]+", ("(?:[a-z])+", 1, -1, False)),
        (r"\w{2,8}?", (r"(?:\w)+", 2, 8, True)),
        (".*", ("(?:.)+", 0, -1, False)),
        ("(?:[^-])?", ("(?:(?:[^-]))+", 0, 1, False)),
        (r"\{{3,}", (r"(?:\{)+", 3, -1, False)),
        ("[a-z]", None),  # no repeat: one length
        ("[a-z]+(?:,[a-z]+)*", None),
        ("([ab])+", None),  # a group: numbered in the part's regex
        ("(?:ab)+", None),  # two characters repeated
        ("(?i)[a-z]+", None),  # a flag for the whole part
        ("a)(b", None),  # reads only inside its rule's regex
        (r"\??", (r"(?:\?)+", 0, 1, False)),  # an escaped "?", then its quantifier
        (r"\???", (r"(?:\?)+", 0, 1, True)),
        (r"\?+?", (r"(?:\?)+", 1, -1, True)),
    ],
)
def test_a_custom_converters_regex_is_read_as_a_run_only_when_it_is_one(regex, run):
    piece = linear.run_piece(regex)
    if run is None:
        assert piece is None
    else:
        assert piece is not None
        assert (piece.runs.pattern, piece.low, piece.high, piece.lazy) == run


def test_a_custom_converter_of_a_repeated_test_is_matched_linearly(Map, monkeypatch):
    monkeypatch.setattr(linear, "_BUDGET", 1)
    rules = [Rule("/<letters:a>-<b>", endpoint="x")]
    url_map = Map(rules, converters={"letters": Letters})
    (made,) = url_map.iter_rules()
    assert isinstance(made._parts[-1].pattern, LinearPattern)
    assert url_map.bind("h").match("/ab-c-d") == ("x", {"a": "ab", "b": "c-d"})
    with pytest.raises(NotFound):
        url_map.bind("h").match("/a1-c")


def test_a_custom_converter_of_another_regex_keeps_re(Map):
    url_map = Map([Rule("/<words:a>-<b>", endpoint="x")], converters={"words": Words})
    (made,) = url_map.iter_rules()
    assert isinstance(made._parts[-1].pattern, re.Pattern)
    assert url_map.bind("h").match("/ab,cd-e-f") == ("x", {"a": "ab,cd", "b": "e-f"})


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_maps_matching_every_text_linearly_agree_with_werkzeug(Map, monkeypatch, data):
    monkeypatch.setattr(linear, "_BUDGET", 1)
    assert_agrees(generate_case(DrawChooser(data.draw)), Map)


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        # re tries every way to cut the text at two of its "-", "." or "/"
        # (at three of them, for the last two): years at these lengths.
        ("/<a>-<b>.x", "/" + "a-" * 500_000),
        ("/<a>.<b>.<c>.x", "/" + "a." * 500_000 + "y"),
        ("/<path:a>/<path:b>/<path:c>/x", "/" + "a/" * 500_000 + "y"),
        ("/<letters:a>-<b>-<c>.x", "/" + "a-" * 500_000),
    ],
)
def test_paths_that_make_re_backtrack_get_their_answer(Map, rule, path):
    url_map = Map([Rule(rule, endpoint="x")], converters={"letters": Letters})
    with pytest.raises(NotFound):
        url_map.bind("h").match(path)


def test_a_long_path_is_cut_as_re_cuts_it(Map):
    adapter = Map([Rule("/<path:a>/<path:b>/<int:c>/", endpoint="x")]).bind("h")
    path = "/" + "a/" * 1000 + "7"
    want = re.match(r"(?P<a>[^/].*?)/(?P<b>[^/].*?)/(?P<c>\d+)", path[1:]).groupdict()
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match(path)
    assert redirect.value.new_url == "http://h" + path + "/"
    assert adapter.match(path + "/") == ("x", {**want, "c": 7})
