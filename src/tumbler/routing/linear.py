"""A dynamic part's regex matched in time linear in the text: ``re``'s
answer without ``re``'s backtracking.

werkzeug matches a part that holds several converters
(``<name>-<version>.whl``, ``<path:folder>/<path:name>``) with one regex, and
``re`` backtracks: on a text that does not fit, it tries every way of cutting
the text between the converters, a number that grows as the text's length to
the power of their count. Here werkzeug takes 3 s to refuse a 2,000-character
segment against ``<a>-<b>-<c>.x``, and 39 s a 4,000-character path against
three path converters: one request pins a worker.

Every converter regex werkzeug ships says plainly where it may end, so a part
made of text and those converters is matched the other way round:

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

__all__ = ["SUFFIX", "LinearPattern", "compile_part"]

#: How many steps ``re`` may take on a text: a part whose converters of
#: varying length number n keeps ``re`` for texts up to this n-th root long
#: (``LinearPattern.short``).
_BUDGET = 2**18
_DIGIT_RUNS = re.compile(r"\d+")

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
        self._firsts: dict[str, list[int]] = {}
        self._run_ends: list[int] | None = None

    def firsts(self, char: str) -> list[int]:
        """``_firsts`` of ``char`` in the text."""
        table = self._firsts.get(char)
        if table is None:
            table = self._firsts[char] = _firsts(self.text, char)
        return table

    def run_ends(self) -> list[int]:
        """For each position and the one past the end, where the run of
        decimal digits from there ends (``\\d`` is any Unicode one)."""
        if self._run_ends is None:
            ends: list[int] = []
            for run in _DIGIT_RUNS.finditer(self.text):
                start, end = run.span()
                ends.extend(range(len(ends), start))
                ends.extend([end] * (end - start))
            ends.extend(range(len(ends), self.size + 1))
            self._run_ends = ends
        return self._run_ends


class _Words:
    """Literal text (one word), or an ``any`` converter's choices, tried in
    the regex's order."""

    def __init__(self, words: Sequence[str], captures: bool) -> None:
        self.words = tuple(words)
        self.captures = captures

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

    def __init__(self, regex: re.Pattern[str], length: int) -> None:
        self.regex = regex
        self.length = length

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
    """A converter whose ends from a start are a range of positions: the
    ``path`` one (lazy: the nearest end first), ``default``/``string``,
    ``int`` and ``float`` (greedy: the farthest first)."""

    captures = True

    def __init__(self, kind: int, argument: Any) -> None:
        self.kind = kind
        self.argument = argument
        self.lazy = kind == kernel.KIND_REST

    def span(self, text: _Text) -> _Span:
        """Where the converter may end on ``text``, from where it starts."""
        string, size, argument = text.text, text.size, self.argument
        if self.kind == kernel.KIND_REST:
            # [^/].*? : one character but "/", then any but a newline.
            newline = text.firsts("\n")
            return lambda start: (
                (start + 1, newline[start + 1])
                if start < size and string[start] != "/"
                else _NO_SPAN
            )
        if self.kind == kernel.KIND_SEGMENT:
            # [^/]{low,high} (high -1: no bound), greedy.
            low, high = argument
            slash = text.firsts("/")
            if high < 0:
                return lambda start: (start + low, slash[start])
            return lambda start: (start + low, min(slash[start], start + high))
        # -?\d+ or -?\d+\.\d+ (``argument``: the sign), greedy; the whole
        # number's digits run up to the point, which they cannot take.
        ends = text.run_ends()
        fraction = self.kind == kernel.KIND_FLOAT

        def number(start: int) -> tuple[int, int]:
            if argument and string.startswith("-", start):
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


class _Suffix:
    """werkzeug's ``(?<!/)(/?)``: not just after a slash; then the slash,
    if there is one and the end can be reached after it."""

    captures = True

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
# marked ``start`` on re's way through; ``captures``: whether it is a group.
_Step = _Words | _Fixed | _Spanning | _Suffix


def _step(piece: Any) -> _Step:
    if isinstance(piece, _Suffix):
        return piece
    if isinstance(piece, str):
        return _Words((piece,), captures=False)
    kind, argument = piece
    if kind == kernel.KIND_CHOICE:
        return _Words(argument, captures=True)
    if kind == kernel.KIND_UUID:
        return _Fixed(argument, 36)
    return _Spanning(kind, argument)


def _varies(step: _Step) -> bool:
    """Whether the step's length varies with the text (what makes ``re``
    try several cuts)."""
    if isinstance(step, _Words):
        return len({len(word) for word in step.words}) > 1
    if isinstance(step, _Spanning):
        return step.kind != kernel.KIND_SEGMENT or step.argument[0] != step.argument[1]
    return False


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
        werkzeug ships, else ``None``: literal text (a ``str``), ``SUFFIX``,
        or a converter's ``(kind, argument)`` (``rules.fast_kind``'s, but
        ``KIND_REST`` for ``path``, an ``any`` converter's choices in order,
        and a UUID's compiled regex).
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
    varying = sum(map(_varies, steps))
    if varying < 2:
        return regex
    return LinearPattern(regex, steps, int(_BUDGET ** (1 / varying)))
