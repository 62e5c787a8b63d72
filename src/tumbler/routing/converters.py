"""URL converters: what a ``<converter(args):name>`` placeholder matches, and
how its value goes to Python and back into a URL.

The converters are werkzeug's own classes, so that code that knows
werkzeug's (an OpenAPI generator mapping ``IntegerConverter`` to ``integer``,
an ``isinstance`` check in an extension) knows a tumbler map's, and a
converter written for werkzeug is one written for tumbler. The matcher reads
only a converter's ``regex``, ``weight`` and ``part_isolating``; the regexes of
the built-in converters are the ones it knows how to match without ``re``
(see ``rules.fast_kind``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.routing.converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "python_converter",
    "quote_segment",
]

#: What may stay unquoted in a path segment: the WHATWG "path-segment string"
#: set, which is what werkzeug keeps unquoted too.
SEGMENT_SAFE = "!$&'()*+,/:;=@"


#: Every character ``quote_segment`` leaves as it is: what ``quote`` never
#: quotes, and the safe set. The compiled routing kernel reads it too.
UNQUOTED = string.ascii_letters + string.digits + "_.-~" + SEGMENT_SAFE
_NEEDS_NO_QUOTING = re.compile(f"[{re.escape(UNQUOTED)}]*").fullmatch


def quote_segment(value: str) -> str:
    """Percent-encode ``value`` (UTF-8) for a URL path, as werkzeug does."""
    if _NEEDS_NO_QUOTING(value):
        # PERF: most text needs no quoting, and quote() is slow to say so.
        return value
    return quote(value, safe=SEGMENT_SAFE)


def python_converter(converter: Any) -> Callable[[str], Any] | None:
    """Return ``converter.to_python``, or ``None`` when it gives the text back
    unchanged (the base class's), so that the matcher can skip the call."""
    if type(converter).to_python is BaseConverter.to_python:
        return None
    return converter.to_python  # type: ignore[no-any-return]
