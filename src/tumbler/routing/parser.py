"""Reading rule strings such as ``/user/<int(min=1):id>/``.

The placeholder grammar is werkzeug's. The rule string is scanned by hand, in
one pass, so that no rule (however odd) makes parsing backtrack: werkzeug's
rule regex was once made to hang by a crafted rule. A malformed rule raises
``ValueError`` naming the rule and the position of the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

__all__ = ["Placeholder", "parse_converter_args", "parse_rule"]


class Placeholder(NamedTuple):
    """One ``<converter(arguments):variable>`` of a rule string."""

    converter: str | None
    arguments: str | None
    variable: str


#: A token of a rule string: ``"/"``, static text, or a placeholder.
Token = str | Placeholder


def _identifier_end(text: str, pos: int) -> int:
    """Return where the identifier (``[a-zA-Z_][a-zA-Z0-9_]*``, ASCII) that
    starts at ``pos`` ends; ``pos`` itself if there is none."""
    end = pos
    size = len(text)
    if end < size and text[end].isascii() and (text[end].isalpha() or text[end] == "_"):
        end += 1
        while end < size and text[end].isascii() and (text[end].isalnum() or text[end] == "_"):
            end += 1
    return end


def _placeholder(rule: str, start: int) -> tuple[Placeholder, int] | None:
    """Read the placeholder whose ``<`` is at ``start``.

    :return: the placeholder and the position after its ``>``, or ``None`` if
        the text there is not a placeholder.
    """
    name_end = _identifier_end(rule, start + 1)
    if name_end == start + 1:
        return None
    name = rule[start + 1 : name_end]
    follow = rule[name_end : name_end + 1]
    if follow == ">":
        return Placeholder(None, None, name), name_end + 1
    if follow == ":":
        variable = _variable(rule, name_end + 1)
        if variable is None:
            return None
        return Placeholder(name, None, variable[0]), variable[1]
    if follow != "(":
        return None
    # The arguments run to the first ")" that is followed by ":variable>";
    # they cannot span a line break (werkzeug's grammar says so too).
    close = rule.find(")", name_end + 1)
    line_end = rule.find("\n", name_end + 1)
    while close != -1 and (line_end == -1 or close < line_end):
        if rule[close + 1 : close + 2] == ":":
            variable = _variable(rule, close + 2)
            if variable is not None:
                return Placeholder(name, rule[name_end + 1 : close], variable[0]), variable[1]
        close = rule.find(")", close + 1)
    return None


def _variable(rule: str, pos: int) -> tuple[str, int] | None:
    """Read ``variable>`` at ``pos``: the name and the position after ``>``."""
    end = _identifier_end(rule, pos)
    if end == pos or rule[end : end + 1] != ">":
        return None
    return rule[pos:end], end + 1


def parse_rule(rule: str) -> Iterator[Token]:
    """Cut a rule string (or a subdomain or host rule) into tokens, in order.

    PERF: the rule is cut at each ``/`` first, and only the segments with a
    ``<`` are scanned, each alone (a lone placeholder is read by a regex
    instead, see ``_LONE_PLACEHOLDER``). A placeholder that ends inside its segment
    ends there in a scan of the whole rule too, so the tokens are the same.
    A segment that does not scan alone (a ``/`` in a converter's arguments,
    or a malformed placeholder) ends the shortcut: the rest of the rule is
    scanned from that segment on, which gives the whole scan's tokens, and
    its error, with the position in the whole rule. Each segment's tokens
    are handed on before the next is scanned, so that a converter that
    fails is reported before a later malformed placeholder, as in werkzeug.

    :raises ValueError: if a ``<`` does not start a well-formed placeholder.
    """
    start = 0
    for index, text in enumerate(rule.split("/")):
        if index:
            yield "/"
        if "<" not in text:
            if text:
                yield text
        elif (lone := _LONE_PLACEHOLDER.fullmatch(text)) is not None:
            yield Placeholder(lone[1], None, lone[2])
        else:
            try:
                tokens = list(_scan(text, 0))
            except ValueError:
                yield from _scan(rule, start)
                return
            yield from tokens
        start += len(text) + 1


#: A segment that is one placeholder without arguments, ``<variable>`` or
#: ``<converter:variable>``: the commonest segment with a placeholder.
#: PERF: one regex call reads it (the scanner reads what this does not
#: match); it cannot backtrack more than once, so it stays linear.
_LONE_PLACEHOLDER = re.compile(r"<(?:([A-Za-z_][A-Za-z0-9_]*):)?([A-Za-z_][A-Za-z0-9_]*)>")


def _scan(rule: str, pos: int) -> Iterator[Token]:
    """Scan ``rule`` from ``pos`` on, one character after another, into
    tokens (see :func:`parse_rule`).

    :raises ValueError: if a ``<`` does not start a well-formed placeholder.
    """
    size = len(rule)
    while pos < size:
        char = rule[pos]
        if char == "/":
            yield "/"
            pos += 1
        elif char != "<":
            end = pos
            while end < size and rule[end] not in "</":
                end += 1
            yield rule[pos:end]
            pos = end
        else:
            found = _placeholder(rule, pos)
            if found is None:
                raise ValueError(
                    f"malformed url rule: {rule!r}: the placeholder at position {pos}"
                    " is not <variable>, <converter:variable> or"
                    " <converter(arguments):variable>"
                )
            yield found[0]
            pos = found[1]


# NOTE: the argument grammar is werkzeug's, quirks included (a number's "."
# is any character, so "1,2" is one value), because rule strings written for
# werkzeug must mean the same here. Each match is anchored where the previous
# one ended, so the text is read once.
_ARGUMENT = re.compile(
    r"""\s*
    (?:(?P<name>\w+)\s*=\s*)?
    (?P<value>True|False|\d+.\d+|\d+.|\d+|[\w.]+|[urUR]?(?P<quoted>"[^"]*"|'[^']*'))
    \s*,""",
    re.VERBOSE,
)

_CONSTANTS: dict[str, Any] = {"None": None, "True": True, "False": False}


def _literal(text: str) -> Any:
    """Read one argument value: a constant, an int, a float, else a string
    (with surrounding quotes removed)."""
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    if text[:1] == text[-1:] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_converter_args(argstr: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Read the text between a converter's parentheses into positional and
    keyword arguments: ``"2, maxlength=8"`` gives ``((2,), {"maxlength": 8})``.

    :raises ValueError: naming the text that is not an argument.
    """
    text = argstr + ","
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    pos = 0
    while (found := _ARGUMENT.match(text, pos)) is not None:
        quoted = found.group("quoted")
        value = _literal(quoted if quoted is not None else found.group("value"))
        name = found.group("name")
        if name:
            kwargs[name] = value
        else:
            args.append(value)
        pos = found.end()
    later = _ARGUMENT.search(text, pos)
    if later is not None:
        raise ValueError(f"Cannot parse converter argument '{text[pos : later.start()]}'")
    return tuple(args), kwargs
