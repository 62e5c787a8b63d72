"""A dynamic part's regex matched in time linear in the text: ``re``'s
answer without ``re``'s backtracking.

werkzeug matches a part that holds several converters
(``<name>-<version>.whl``, ``<path:folder>/<path:name>``) with one regex, and
``re`` backtracks: on a text that does not fit, it tries every way of cutting
the text between the converters, a number that grows as the text's length to
the power of their count. Here werkzeug takes 3 s to refuse a 2,000-character
segment against ``<a>-<b>-<c>.x``, and 39 s a 4,000-character path against
three path converters: one request pins a worker.

Every converter regex werkzeug ships says plainly where it may end, and so
does a custom converter's regex that is one character's test repeated
(``[a-z]+``), so a part made of text and those converters is matched the other
way round:

1. from the text's end back to its start, for each step of the part, the
   positions from which that step and those after it reach the end (one pass
   a step);
2. from the start, each step takes the first end, in the order ``re`` tries
   them (a lazy step the shortest first, a greedy one the longest), from
   which the steps after it still reach the end.

That is the match ``re`` finds, since it returns the first way through in that
same order. A short text keeps ``re``, faster there, its cost bounded by the
length (see ``LinearPattern``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._speedups import matcher as kernel

try:  # the parser that re.compile runs, to read a custom converter's regex
    from re import _parser as _regex_parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10 names it apart
    import sre_parse as _regex_parser

__all__ = ["SUFFIX", "LinearPattern", "compile_part", "run_piece"]

#: How many steps ``re`` may take on a text: a part whose converters of
#: varying length number n keeps ``re`` for texts up to this n-th root long
#: (``LinearPattern.short``).
_BUDGET = 2**18
# The runs of characters a step takes: \d (any Unicode decimal digit),
# "[^/]" and "." (any but a newline).
_DIGIT_RUNS = re.compile(r"\d+")
_NOT_SLASH_RUNS = re.compile("[^/]+")
_LINE_RUNS = re.compile(".+")

#: Where a converter may end, from where it starts: the first and the last
#: possible end (an empty range, first > last, where there is none).
_Span = Callable[[int], tuple[int, int]]
_NO_SPAN = (1, 0)


def _firsts(sequence: Any, item: Any) -> list[int]:
    """For each position of ``sequence`` and the one past its end, the first
    position from there that holds ``item``; ``len(sequence)`` where none
    does. PERF: built by ``find`` from one ``item`` to the next."""
    firsts: list[int] = []
    size = len(sequence)
    start = 0
    while True:
        found = sequence.find(item, start)
        if found < 0:
            firsts.extend([size] * (size + 1 - start))
            return firsts
        firsts.extend([found] * (found + 1 - start))
        start = found + 1


class _Text:
    """A text being matched, with the tables the steps read, each made when
    a step first asks for it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        self._run_ends: dict[re.Pattern[str], list[int]] = {}

    def run_ends(self, runs: re.Pattern[str]) -> list[int]:
        """For each position and the one past the end, where the run of
        characters that ``runs`` finds (one character's test, repeated)
        ends from there; the position itself where none starts there."""
        ends = self._run_ends.get(runs)
        if ends is None:
            ends = self._run_ends[runs] = []
            for run in runs.finditer(self.text):
                start, end = run.span()
                ends.extend(range(len(ends), start))
                ends.extend([end] * (end - start))
            ends.extend(range(len(ends), self.size + 1))
        return ends


class _Words:
    """Literal text (one word), or an ``any`` converter's choices, tried in
    the regex's order."""

    def __init__(self, words: Sequence[str], captures: bool) -> None:
        self.words = tuple(words)
        self.captures = captures
        self.varies = len({len(word) for word in self.words}) > 1

    def reach(self, text: _Text, after: bytearray) -> bytearray:
        marks = bytearray(len(after))
        for word in self.words:
            start = text.text.find(word)
            while start >= 0:
                if after[start + len(word)]:
                    marks[start] = 1
                start = text.text.find(word, start + 1)
        return marks

    def end(self, text: _Text, start: int, after: bytearray) -> int:
        return next(
            start + len(word)
            for word in self.words
            if text.text.startswith(word, start) and after[start + len(word)]
        )


class _Fixed:
    """A converter of one length, checked by its own regex (a UUID's)."""

    captures = True
    varies = False

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.length: int = _regex_parser.parse(regex.pattern).getwidth()[0]

    def reach(self, text: _Text, after: bytearray) -> bytearray:
        marks = bytearray(len(after))
        end = after.find(1, self.length)
        while end >= 0:
            if self.regex.fullmatch(text.text, end - self.length, end):
                marks[end - self.length] = 1
            end = after.find(1, end + 1)
        return marks

    def end(self, text: _Text, start: int, after: bytearray) -> int:
        return start + self.length


class _Spanning:
    """A converter whose ends from a start are a range of positions
    (``span``'s), which ``re`` tries the nearest first where the converter's
    repeat is ``lazy``, else the farthest first."""

    captures = True
    varies = True
    lazy = False

    def span(self, text: _Text) -> _Span:
        """Where the converter may end on ``text``, from where it starts."""
        raise NotImplementedError

    def reach(self, text: _Text, after: bytearray) -> bytearray:
        span = self.span(text)
        nearest = _firsts(after, 1)
        marks = bytearray(len(after))
        for start in range(len(after)):
            first, last = span(start)
            if first <= last and nearest[first] <= last:
                marks[start] = 1
        return marks

    def end(self, text: _Text, start: int, after: bytearray) -> int:
        first, last = self.span(text)(start)
        if self.lazy:
            return after.find(1, first, last + 1)
        return after.rfind(1, first, last + 1)


class _Path(_Spanning):
    """werkzeug's ``path``, ``[^/].*?``: one character but "/", then any but
    a newline, lazily."""

    lazy = True

    def span(self, text: _Text) -> _Span:
        string, size = text.text, text.size
        line_ends = text.run_ends(_LINE_RUNS)
        return lambda start: (
            (start + 1, line_ends[start + 1]) if start < size and string[start] != "/" else _NO_SPAN
        )


class _Number(_Spanning):
    """``int``'s ``\\d+`` or ``float``'s ``\\d+\\.\\d+``, either with ``-?``
    before it when ``signed``; greedy. The whole number's digits run up to
    the point, which they cannot take."""

    def __init__(self, fraction: bool, signed: bool) -> None:
        self.fraction = fraction
        self.signed = signed

    def span(self, text: _Text) -> _Span:
        string, fraction, signed = text.text, self.fraction, self.signed
        ends = text.run_ends(_DIGIT_RUNS)

        def number(start: int) -> tuple[int, int]:
            if signed and string.startswith("-", start):
                start += 1
            whole = ends[start]
            if whole == start:
                return _NO_SPAN
            if not fraction:
                return start + 1, whole
            if not string.startswith(".", whole):
                return _NO_SPAN
            return whole + 2, ends[whole + 1]

        return number


class _Run(_Spanning):
    """One character's test repeated ``low`` to ``high`` times (-1: no
    bound): ``default``/``string``'s ``[^/]{low,high}``, or a custom
    converter's regex of that shape (``[a-z]+``, ``\\w{2,8}?``, see
    ``run_piece``). ``runs`` finds the runs of characters that pass the test."""

    def __init__(self, runs: re.Pattern[str], low: int, high: int, lazy: bool) -> None:
        self.runs = runs
        self.low = low
        self.high = high
        self.lazy = lazy
        self.varies = low != high

    def span(self, text: _Text) -> _Span:
        ends, low, high = text.run_ends(self.runs), self.low, self.high
        if high < 0:
            return lambda start: (start + low, ends[start])
        return lambda start: (start + low, min(ends[start], start + high))


_REPEATS = {_regex_parser.MAX_REPEAT: False, _regex_parser.MIN_REPEAT: True}  # -> lazy
_CHARACTER_TESTS = {
    _regex_parser.IN,
    _regex_parser.LITERAL,
    _regex_parser.NOT_LITERAL,
    _regex_parser.ANY,
}
_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})\Z")
_NO_FLAGS = _regex_parser.parse("").state.flags


def run_piece(regex: str) -> _Run | None:
    """The piece of a converter of a ``regex`` of its own for
    ``compile_part``, when that regex is one character's test repeated
    (``[a-z]+``, ``\\w{2,8}?``, ``.+``): its ends from a start are then as
    plain as those of the converters werkzeug ships. Else ``None``: the
    part keeps ``re``.

    The regex is read by the parser ``re.compile`` runs; the test's own text,
    the regex but its quantifier, must read back as the same test.
    """
    try:
        parsed = _regex_parser.parse(regex)
        if len(parsed) != 1 or parsed.state.flags != _NO_FLAGS or parsed[0][0] not in _REPEATS:
            return None
        low, high, repeated = parsed[0][1]
        lazy = _REPEATS[parsed[0][0]]
        # NOTE: the lazy mark is known from the parse, not the text, whose
        # last "?" may be a quantifier of an escaped "?" ("\\??").
        quantifier = _QUANTIFIER.search(regex[:-1] if lazy else regex)
        if len(repeated) != 1 or repeated[0][0] not in _CHARACTER_TESTS or quantifier is None:
            return None
        test = regex[: quantifier.start()]
        if list(_regex_parser.parse(test)) != list(repeated):
            return None
    except re.error:
        # A regex that reads only inside its rule's ("a)(b").
        return None
    high = -1 if high == _regex_parser.MAXREPEAT else high
    return _Run(re.compile(f"(?:{test})+"), low, high, lazy)


class _Suffix:
    """werkzeug's ``(?<!/)(/?)``: not just after a slash; then the slash,
    if there is one and the end can be reached after it."""

    captures = True
    varies = False

    def reach(self, text: _Text, after: bytearray) -> bytearray:
        string = text.text
        marks = bytearray(len(after))
        for start in range(len(after)):
            if (start == 0 or string[start - 1] != "/") and (
                after[start] or (string.startswith("/", start) and after[start + 1])
            ):
                marks[start] = 1
        return marks

    def end(self, text: _Text, start: int, after: bytearray) -> int:
        return start + 1 if text.text.startswith("/", start) and after[start + 1] else start


#: The piece that stands for werkzeug's ``(?<!/)(/?)``, the end of a final
#: part whose rule ends in ``/``: it captures that slash when the text has it.
SUFFIX = _Suffix()

# A step of a part: ``reach(text, after)`` marks the positions from which it
# and the steps after it reach the text's end, given ``after``, the marks of
# the steps after it; ``end(text, start, after)`` is where it ends from a
# marked ``start`` on re's way through; ``captures``: whether it is a group;
# ``varies``: whether its length varies with the text (what makes ``re``
# try several cuts).
_Step = _Words | _Fixed | _Spanning | _Suffix


def _step(piece: Any) -> _Step:
    if isinstance(piece, (_Suffix, _Run)):
        return piece
    if isinstance(piece, str):
        return _Words((piece,), captures=False)
    kind, argument = piece
    if kind == kernel.KIND_CHOICE:
        return _Words(argument, captures=True)
    if kind == kernel.KIND_UUID:
        return _Fixed(argument)
    if kind == kernel.KIND_REST:
        return _Path()
    if kind == kernel.KIND_SEGMENT:
        low, high = argument
        return _Run(_NOT_SLASH_RUNS, low, high, lazy=False)
    return _Number(kind == kernel.KIND_FLOAT, argument)


class _Found:
    """What ``LinearPattern.match`` found: ``re.Match.group`` by a
    converter's group name or by a group's number."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: Mapping[str, int], values: list[str]) -> None:
        self._names = names
        self._values = values

    def group(self, key: str | int) -> str:
        return self._values[key if isinstance(key, int) else self._names[key]]


class LinearPattern:
    """A part's ``regex``, matched as ``re`` matches it, in linear time on a
    text longer than ``short``: ``re`` is faster on a shorter one, and its
    cost there is bounded by the length. It offers what the matchers use of
    a compiled regex: ``match`` and ``groups``, and the match's ``group``.
    """

    __slots__ = ("_regex", "_steps", "groups", "short")

    def __init__(self, regex: re.Pattern[str], steps: Sequence[_Step], short: int) -> None:
        self._regex = regex
        self._steps = tuple(steps)
        self.groups = regex.groups
        self.short = short

    def match(self, text: str) -> re.Match[str] | _Found | None:
        if len(text) <= self.short:
            return self._regex.match(text)
        return self.match_linear(text)

    def match_linear(self, text: str) -> _Found | None:
        """``match`` the linear way, whatever the text's length."""
        walk = _Text(text)
        after = bytearray(walk.size + 1)
        after[walk.size] = 1  # \Z
        reach = [after]
        for step in reversed(self._steps):
            after = step.reach(walk, after)
            reach.append(after)
        if not after[0]:
            return None
        reach.reverse()
        values = [text]
        start = 0
        for step, after in zip(self._steps, reach[1:], strict=True):
            end = step.end(walk, start, after)
            if step.captures:
                values.append(text[start:end])
            start = end
        return _Found(self._regex.groupindex, values)


def compile_part(content: str, pieces: Sequence[Any] | None) -> re.Pattern[str] | LinearPattern:
    """The pattern the matchers run on a dynamic part whose regex is
    ``content``: a ``LinearPattern`` where ``re`` may take more than linear
    time, when two or more of its converters vary in length (``re`` tries
    every way of cutting a text between them); else the compiled regex.

    :param pieces: the part in order, when every converter in it is one
        werkzeug ships or one ``run_piece`` reads, else ``None``: literal text
        (a ``str``), ``SUFFIX``, ``run_piece``'s piece, or a converter's
        ``(kind, argument)`` (``rules.fast_kind``'s, but ``KIND_REST`` for
        ``path``, an ``any`` converter's choices in order, and a UUID's
        compiled regex).
    """
    regex = re.compile(content)
    if pieces is None:
        return regex
    merged: list[Any] = []  # one literal text where the part has several in turn
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    steps = [_step(piece) for piece in merged]
    varying = sum(step.varies for step in steps)
    if varying < 2:
        return regex
    return LinearPattern(regex, steps, int(_BUDGET ** (1 / varying)))
