"""``Headers`` and ``EnvironHeaders``: werkzeug 3.1's classes, with the
operations a request or a response runs on every call compiled.

Both are subclasses of their werkzeug namesakes, so that code which checks
``isinstance(headers, werkzeug.datastructures.Headers)`` (werkzeug's
``Response`` and test client, Flask's ``make_response``, extensions) takes them
as they are; but every public method is tumbler's own, and none of werkzeug's
runs on them. The hot operations come from the headers core
(``tumbler._speedups.headers``), compiled where it can be; the rest is here.
"""

from __future__ import annotations

import collections.abc as cabc
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from werkzeug import datastructures as _wz
from werkzeug.datastructures import MultiDict, iter_multi_items
from werkzeug.exceptions import BadRequestKeyError

from .._speedups.headers import EnvironHeadersStorage, HeadersStorage, header_value

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["EnvironHeaders", "Headers"]

#: What ``pop`` returns when no default is given; any object may be a default.
_missing: Any = object()


class Headers(HeadersStorage, _wz.Headers):  # type: ignore[misc]
    """An ordered, case-insensitive multi-dict of HTTP headers, with
    werkzeug 3.1's API. A name may appear more than once; iterating yields
    ``(name, value)`` items.

    A value that is not a ``str`` is stored as ``str(value)``, and a value
    with ``\\r`` or ``\\n`` in it raises ``ValueError``, so no header can
    inject another. Names are trusted: they are stored as given.

    A missing name raises :exc:`~werkzeug.exceptions.BadRequestKeyError`, a
    ``KeyError`` that renders as ``400 Bad Request`` if nothing catches it.

    :param defaults: headers to start with: a :class:`Headers`, a
        ``MultiDict``, a mapping (whose list, tuple and set values each give
        one header per item) or an iterable of ``(name, value)`` pairs.
    """

    __hash__ = None

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # NOTE: the other's names lowered first, as werkzeug does: where both
        # hold a name that is no str, the error names the other's.
        theirs = {(item[0].lower(), *item[1:]) for item in other._list}
        return {(item[0].lower(), *item[1:]) for item in self._list} == theirs

    def get_all(self, name: str) -> list[str]:
        """Return every value of the header ``name``: ``getlist`` under the
        name :mod:`wsgiref`'s ``Headers`` gives it."""
        return self.getlist(name)

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        """Yield the ``(name, value)`` items; with ``lower``, names in lower
        case."""
        for key, value in self:
            yield (key.lower() if lower else key), value

    def keys(self, lower: bool = False) -> Iterator[str]:
        """Yield the names, repeated ones as often as they appear; with
        ``lower``, in lower case."""
        for key, _ in self.items(lower):
            yield key

    def values(self) -> Iterator[str]:
        """Yield the values in order."""
        for _, value in self.items():
            yield value

    def extend(self, arg: Any = None, /, **kwargs: Any) -> None:
        """Add headers from ``arg`` (anything the constructor takes) and
        from keyword arguments, keeping the ones already there. ``update``
        replaces instead.

        :raises ValueError: if a value contains a newline.
        """
        if arg is not None:
            for key, value in iter_multi_items(arg):
                self.add(key, value)
        for key, value in iter_multi_items(kwargs):
            self.add(key, value)

    def __delitem__(self, key: str | int | slice) -> None:
        """Remove every header ``key`` (a ``str``, in any case), or the items
        at an index or in a slice."""
        if isinstance(key, str):
            self.remove(key)
        else:
            del self._list[key]

    def pop(self, key: str | int | None = None, default: Any = _missing) -> Any:
        """Remove and return the last item (no ``key``), the item at an index
        (an ``int``), or the first value of the header ``key`` after removing
        every header of that name.

        :raises werkzeug.exceptions.BadRequestKeyError: if there is no header
            ``key`` and no ``default``.
        """
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        value = self.get(key, _missing)
        if value is _missing:
            if default is not _missing:
                return default
            raise BadRequestKeyError(key)
        self.remove(key)
        return value

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last ``(name, value)`` item."""
        return self._list.pop()

    def add_header(self, key: str, value: Any, /, **kwargs: Any) -> None:
        """Add a header: ``add`` under the name :mod:`wsgiref`'s ``Headers``
        gives it."""
        self.add(key, value, **kwargs)

    def clear(self) -> None:
        """Remove every header."""
        self._list.clear()

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace the header ``key`` with one header per item of ``values``;
        an empty ``values`` removes it.

        :raises ValueError: if a value contains a newline.
        """
        if values:
            rest = iter(values)
            self.set(key, next(rest))
            for value in rest:
                self.add(key, value)
        else:
            self.remove(key)

    def setdefault(self, key: str, default: Any) -> str:
        """Return the first value of the header ``key``, setting it to
        ``default`` first if there is none.

        :raises ValueError: if ``default`` is needed and contains a newline.
        """
        value = self.get(key, _missing)
        if value is _missing:
            self.set(key, default)
            value = self.get(key)
        return value  # type: ignore[no-any-return]

    def setlistdefault(self, key: str, default: Iterable[Any]) -> list[str]:
        """Return every value of the header ``key``, setting them to
        ``default`` first if there is none. The list returned is a copy:
        changing it changes no header.

        :raises ValueError: if ``default`` is needed and a value contains a
            newline.
        """
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def __setitem__(self, key: str | int | slice, value: Any) -> None:
        """Set the header ``key`` (a ``str``) as ``set`` does, or replace the
        item at an index with a ``(name, value)`` pair, or the items in a
        slice with an iterable of pairs.

        :raises ValueError: if a value contains a newline.
        """
        if isinstance(key, str):
            self.set(key, value)
        elif isinstance(key, int):
            self._list[key] = value[0], header_value(value[1])
        else:
            self._list[key] = [(k, header_value(v)) for k, v in value]

    def update(self, arg: Any = None, /, **kwargs: Any) -> None:
        """Replace headers with those from ``arg`` (anything the constructor
        takes) and from keyword arguments: each name given replaces every
        header of that name. ``extend`` adds instead.

        :raises ValueError: if a value contains a newline.
        """
        if arg is not None:
            if isinstance(arg, (_wz.Headers, MultiDict)):
                # NOTE: keys(), not iteration, which yields (name, value) pairs.
                for key in arg.keys():  # noqa: SIM118
                    self.setlist(key, arg.getlist(key))
            elif isinstance(arg, cabc.Mapping):
                for key, value in arg.items():
                    self._update_one(key, value)
            else:
                for key, value in arg:
                    self.set(key, value)
        for key, value in kwargs.items():
            self._update_one(key, value)

    def _update_one(self, key: str, value: Any) -> None:
        """A list, tuple or set replaces with each of its items, anything
        else with itself."""
        if isinstance(value, (list, tuple, set)):
            self.setlist(key, value)
        else:
            self.set(key, value)

    def __or__(self, other: Any) -> Self:
        """A copy updated with the mapping ``other``."""
        if not isinstance(other, cabc.Mapping):
            return NotImplemented
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other: Any) -> Self:
        """Update with the mapping or iterable of pairs ``other``."""
        if not isinstance(other, (cabc.Mapping, cabc.Iterable)):
            return NotImplemented
        self.update(other)
        return self

    def __copy__(self) -> Self:
        return self.copy()

    def __str__(self) -> str:
        """The headers as an HTTP header block, ending in an empty line."""
        lines = [f"{key}: {value}" for key, value in self.to_wsgi_list()]
        lines.append("\r\n")
        return "\r\n".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


def _immutable(self: object) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class EnvironHeaders(EnvironHeadersStorage, Headers, _wz.EnvironHeaders):  # type: ignore[misc]
    """The headers of a WSGI environ, read-only and live: the ``HTTP_*``
    keys and a non-empty ``CONTENT_TYPE`` or ``CONTENT_LENGTH``, named as a
    browser sent them (``HTTP_X_FORWARDED_FOR`` is ``X-Forwarded-For``).

    A lookup reads one environ key, and iterating walks the environ once.
    Any change raises ``TypeError``, as werkzeug's does (which leaves
    ``clear()`` alone: it empties nothing and raises nothing).

    :param environ: the WSGI environ.
    """

    __hash__ = None

    def __eq__(self, other: object) -> bool:
        """Two are equal if they read the same environ."""
        if not isinstance(other, _wz.EnvironHeaders):
            return NotImplemented
        return self.environ is other.environ

    def copy(self) -> NoReturn:
        """Raise ``TypeError``: a view of an environ has no copies."""
        raise TypeError(f"cannot create {type(self).__name__!r} copies")

    def __or__(self, other: Any) -> NoReturn:
        raise TypeError(f"cannot create {type(self).__name__!r} copies")

    # Every change raises, with the parameters werkzeug's methods take, so
    # that a wrong call fails the same way too.
    def __delitem__(self, key: Any, **kwargs: Any) -> NoReturn:
        _immutable(self)

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        _immutable(self)

    def set(self, key: Any, value: Any, /, **kwargs: Any) -> NoReturn:
        _immutable(self)

    def setlist(self, key: Any, values: Any) -> NoReturn:
        _immutable(self)

    def add(self, key: Any, value: Any, /, **kwargs: Any) -> NoReturn:
        _immutable(self)

    def add_header(self, key: Any, value: Any, /, **kwargs: Any) -> NoReturn:
        _immutable(self)

    def remove(self, key: Any) -> NoReturn:
        _immutable(self)

    def extend(self, arg: Any, /, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        _immutable(self)

    def update(self, arg: Any, /, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        _immutable(self)

    def __ior__(self, other: Any) -> NoReturn:
        _immutable(self)

    def insert(self, pos: Any, value: Any) -> NoReturn:
        _immutable(self)

    def pop(self, key: Any = None, default: Any = _missing) -> NoReturn:
        _immutable(self)

    def popitem(self) -> NoReturn:
        _immutable(self)

    def setdefault(self, key: Any, default: Any) -> NoReturn:
        _immutable(self)

    def setlistdefault(self, key: Any, default: Any) -> NoReturn:
        _immutable(self)
