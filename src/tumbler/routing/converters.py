"""URL converters: what a ``<converter(args):name>`` placeholder matches, and
how its value goes to Python and back into a URL.

They behave as werkzeug's do, and a converter written for werkzeug works in a
tumbler map unchanged. The matcher reads only a converter's ``regex``,
``weight`` and ``part_isolating``; the regexes of the built-in converters are
the ones it knows how to match without ``re`` (see ``rules.fast_kind``).
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.routing.converters import BaseConverter as _WerkzeugBase
from werkzeug.routing.converters import ValidationError

if TYPE_CHECKING:
    from .map import Map

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


class BaseConverter:
    """The base of every converter: one non-empty path segment, as a string.

    :param map: the :class:`Map` the converter's rule belongs to.

    A subclass that sets its own ``regex`` containing a ``/`` gets
    ``part_isolating = False`` unless it says otherwise, because such a regex
    can only be matched against the rest of the path, not one segment.
    """

    regex = "[^/]+"
    weight = 100
    part_isolating = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """Turn the matched text into the view's argument (here: unchanged)."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value into URL text: ``str()`` then percent-encoding."""
        return quote_segment(str(value))


class UnicodeConverter(BaseConverter):
    """The default converter: any text of one segment, so no ``/``.

    :param map: the :class:`Map`.
    :param minlength: the least number of characters (at least 1).
    :param maxlength: the most number of characters, or ``None`` for no limit.
    :param length: the exact number of characters; overrides the other two.
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            bounds = f"{int(length)}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            bounds = f"{int(minlength)},{upper}"
        self.regex = f"[^/]{{{bounds}}}"


class AnyConverter(BaseConverter):
    """One of the given items, such as ``<any(about, help):page>``.

    :param map: the :class:`Map`.
    :param items: the accepted values; building any other value is an error.
    """

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        self.items = set(items)
        self.regex = "(?:" + "|".join(re.escape(item) for item in items) + ")"

    def to_url(self, value: Any) -> str:
        if value in self.items:
            return str(value)
        choices = ", ".join(f"'{item}'" for item in sorted(self.items))
        raise ValueError(f"'{value}' is not one of {choices}")


class PathConverter(BaseConverter):
    """Like the default converter, but slashes included: the rest of a path,
    for wikis and file trees (``<path:name>``)."""

    part_isolating = False
    regex = "[^/].*?"
    weight = 200


class NumberConverter(BaseConverter):
    """The shared part of :class:`IntegerConverter` and :class:`FloatConverter`.

    :param map: the :class:`Map`.
    :param fixed_digits: the exact number of digits in the URL, or 0 for any.
    :param min: the least value accepted.
    :param max: the greatest value accepted.
    :param signed: accept a leading ``-``.
    """

    weight = 50
    num_convert: Callable[[Any], Any] = int

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        if signed:
            self.regex = self.signed_regex
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self.num_convert(value)
        except ValueError as exc:
            raise ValidationError() from exc
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        text = str(self.num_convert(value))
        return text.zfill(self.fixed_digits) if self.fixed_digits else text

    @property
    def signed_regex(self) -> str:
        """The regex with an optional leading minus sign."""
        return f"-?{self.regex}"


class IntegerConverter(NumberConverter):
    """A whole number, ``<int:page>``; unsigned unless ``signed=True``.

    The digits are any Unicode decimal digits, as Python's ``\\d`` is.
    """

    regex = r"\d+"


class FloatConverter(NumberConverter):
    """A decimal number with a point, ``<float:ratio>``; unsigned unless
    ``signed=True``.

    :param map: the :class:`Map`.
    :param min: the least value accepted.
    :param max: the greatest value accepted.
    :param signed: accept a leading ``-``.
    """

    regex = r"\d+\.\d+"
    num_convert = float

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)  # type: ignore[arg-type]


class UUIDConverter(BaseConverter):
    """A UUID in its 8-4-4-4-12 hex form, given to the view as :class:`uuid.UUID`."""

    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID) -> str:
        return str(value)


#: The converters every map knows, by the name used in rules.
DEFAULT_CONVERTERS: Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}


def python_converter(converter: Any) -> Callable[[str], Any] | None:
    """Return ``converter.to_python``, or ``None`` when it gives the text back
    unchanged (the base class's), so that the matcher can skip the call."""
    if type(converter).to_python in _IDENTITY:
        return None
    return converter.to_python  # type: ignore[no-any-return]


# A converter for werkzeug (subclassing werkzeug's base) counts the same.
_IDENTITY = frozenset({BaseConverter.to_python, _WerkzeugBase.to_python})
