"""The headers core: header names and WSGI environ keys, header values, and the
storage operations of ``Headers`` and ``EnvironHeaders``.

A WSGI server files each request header under ``HTTP_`` plus its name in upper
case with ``-`` turned into ``_``, except ``Content-Type`` and
``Content-Length``, which it files without the prefix (PEP 3333). The functions
here map both ways exactly as werkzeug's ``EnvironHeaders`` does, including its
Unicode case rules (``"ß".upper() == "SS"``), so a lookup or an iteration finds
the same headers under the same names.

``HeadersStorage`` and ``EnvironHeadersStorage`` hold the operations a request
or a response runs on its headers: lookups, ``add``, ``set``, iteration. The
public classes in ``tumbler.datastructures`` inherit them, so that in the
compiled twin each of these operations is one compiled call, with no Python
method in between. They read and write ``self._list`` (a list of
``(name, value)`` tuples, as in werkzeug) and ``self.environ``.

This is the reference twin of ``headers_c``: the API, the docs and the oracle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.http import dump_options_header

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "EnvironHeadersStorage",
    "HeadersStorage",
    "environ_key",
    "header_name",
    "header_value",
]

T = TypeVar("T")

#: The two headers a WSGI server files without the ``HTTP_`` prefix.
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
#: Their prefixed forms, which some servers add as well and werkzeug ignores.
_PREFIXED_UNPREFIXED = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})

_NEWLINE_MESSAGE = "Header values must not contain newline characters."


def environ_key(name: str) -> str:
    """Return the WSGI environ key that holds the header ``name``.

    ``"X-Foo"`` and ``"x_foo"`` both give ``"HTTP_X_FOO"``; ``"Content-Type"``
    gives ``"CONTENT_TYPE"``.

    :raises TypeError: if ``name`` is not a ``str``.
    """
    if not isinstance(name, str):
        raise TypeError(f"header name must be str, not {type(name).__name__}")
    key = name.upper().replace("-", "_")
    return key if key in _UNPREFIXED else f"HTTP_{key}"


def header_name(key: str) -> str | None:
    """Return the name of the header that the WSGI environ key ``key`` holds,
    or ``None`` if it holds no header.

    ``"HTTP_X_FOO"`` gives ``"X-Foo"`` and ``"CONTENT_TYPE"`` gives
    ``"Content-Type"``. ``"HTTP_CONTENT_TYPE"`` and ``"HTTP_CONTENT_LENGTH"``
    give ``None``: the unprefixed keys are the real ones.

    :raises TypeError: if ``key`` is not a ``str``.
    """
    if not isinstance(key, str):
        raise TypeError(f"environ key must be str, not {type(key).__name__}")
    if key.startswith("HTTP_"):
        rest = key[5:]
        return None if rest in _UNPREFIXED else rest.replace("_", "-").title()
    return key.replace("_", "-").title() if key in _UNPREFIXED else None


def header_value(value: Any) -> str:
    """Return ``value`` as a header value: a ``str`` as it is, anything else
    through ``str()``, as werkzeug converts it.

    :raises ValueError: if the value contains ``\\r`` or ``\\n``, which would
        let it inject a header of its own.
    """
    if type(value) is not str:
        if not isinstance(value, str):
            value = str(value)
        # NOTE: str's own __contains__, not the value's: a str subclass must
        # not be able to hide a newline from this check.
        if str.__contains__(value, "\n") or str.__contains__(value, "\r"):
            raise ValueError(_NEWLINE_MESSAGE)
        return value  # type: ignore[no-any-return]
    if "\n" in value or "\r" in value:
        raise ValueError(_NEWLINE_MESSAGE)
    return value


# PERF: header names a program looks up, and environ keys a server sends, are
# few and repeat on every request: each plain str is mapped once, then found in
# a dict. The caches stop growing at _CACHE_SIZE, so names sent by an attacker
# cannot grow them without bound. A str subclass is never cached: werkzeug
# calls its methods, which it may override.
_CACHE_SIZE = 1024
_ENVIRON_KEYS: dict[str, str] = {}
_HEADER_NAMES: dict[str, str] = {}


def _cached_environ_key(name: str) -> str:
    key = _ENVIRON_KEYS.get(name) if type(name) is str else None
    if key is None:
        key = environ_key(name)
        if type(name) is str and len(_ENVIRON_KEYS) < _CACHE_SIZE:
            _ENVIRON_KEYS[name] = key
    return key


def _environ_items(environ: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The headers of a WSGI environ, in its order, in one walk: werkzeug's
    rule, which skips an empty ``CONTENT_TYPE`` or ``CONTENT_LENGTH`` (servers
    set them for every request) but keeps every other empty header."""
    items = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key in _PREFIXED_UNPREFIXED:
                continue
            name = _HEADER_NAMES.get(key) if type(key) is str else None
            if name is None:
                name = key[5:].replace("_", "-").title()
                if type(key) is str and len(_HEADER_NAMES) < _CACHE_SIZE:
                    _HEADER_NAMES[key] = name
            items.append((name, value))
        elif key in _UNPREFIXED and value:
            items.append((key.replace("_", "-").title(), value))
    return items


def _with_options(value: Any, options: dict[str, Any]) -> str:
    """``value`` with ``options`` as werkzeug's ``dump_options_header``
    writes them, ``_`` in an option name turned into ``-``."""
    return dump_options_header(value, {k.replace("_", "-"): v for k, v in options.items()})


def _collect(
    items: list[tuple[str, Any]], ikey: str, type: Callable[[str], Any] | None
) -> list[Any]:
    """Every value whose lower-cased name is ``ikey``, converted with
    ``type``; a value that ``type`` rejects with ``ValueError`` is left out."""
    if type is None:
        return [v for k, v in items if k.lower() == ikey]
    result = []
    for k, v in items:
        if k.lower() == ikey:
            try:
                result.append(type(v))
            except ValueError:
                continue
    return result


def _missing_key(key: Any) -> BadRequestKeyError:
    return BadRequestKeyError(key)


class HeadersStorage:
    """The storage operations of ``Headers``, on ``self._list``."""

    _list: list[tuple[str, str]]

    def __init__(self, defaults: Any = None) -> None:
        """Start with no headers, then ``extend`` with ``defaults``."""
        self._list = []
        if defaults is not None:
            self.extend(defaults)  # type: ignore[attr-defined]

    def __getitem__(self, key: Any) -> Any:
        """Return the first value of the header ``key`` in any case (a
        ``str``), the item at an index (an ``int``), or the headers in a
        slice as a new object of this class.

        :raises werkzeug.exceptions.BadRequestKeyError: if there is no header
            ``key``.
        """
        if isinstance(key, str):
            ikey = key.lower()
            for k, v in self._list:
                if k.lower() == ikey:
                    return v
            raise _missing_key(key)
        if isinstance(key, int):
            return self._list[key]
        return self.__class__(self._list[key])

    def get(self, key: str, default: Any = None, type: Callable[[str], T] | None = None) -> Any:
        """Return the first value of the header ``key``, or ``default``.

        :param type: converts the value; if it raises ``ValueError``,
            ``default`` is returned instead.
        """
        ikey = key.lower()
        for k, v in self._list:
            if k.lower() == ikey:
                if type is None:
                    return v
                try:
                    return type(v)
                except ValueError:
                    return default
        return default

    def getlist(self, key: str, type: Callable[[str], T] | None = None) -> list[Any]:
        """Return every value of the header ``key``, in order; an empty list
        if there is none.

        :param type: converts each value; a value it rejects with
            ``ValueError`` is left out.
        """
        ikey = key.lower()
        if type is None:
            return [v for k, v in self._list if k.lower() == ikey]
        return _collect(self._list, ikey, type)

    def __contains__(self, key: str) -> bool:
        """Say whether there is a header ``key``, in any case."""
        ikey = key.lower()
        # PERF: a loop, not any() over a generator, which costs a frame.
        for k, _ in self._list:  # noqa: SIM110
            if k.lower() == ikey:
                return True
        return False

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Yield the ``(name, value)`` items in order."""
        return iter(self._list)

    def __len__(self) -> int:
        """Count the items."""
        return len(self._list)

    def add(self, key: str, value: Any, /, **kwargs: Any) -> None:
        """Add a header; the ones already there stay.

        Keyword arguments become options of the value, as
        ``dump_options_header`` writes them, with ``_`` in their names turned
        into ``-``.

        :raises ValueError: if the value contains a newline.
        """
        if kwargs:
            value = _with_options(value, kwargs)
        self._list.append((key, header_value(value)))

    def set(self, key: str, value: Any, /, **kwargs: Any) -> None:
        """Replace the header ``key`` with one value: it takes the place of
        the first one, the others are removed, and if there was none it is
        added at the end. Keyword arguments as for ``add``.

        :raises ValueError: if the value contains a newline.
        """
        if kwargs:
            value = _with_options(value, kwargs)
        value = header_value(value)
        items = self._list
        if not items:
            items.append((key, value))
            return
        ikey = key.lower()
        rest = iter(items)
        for index, (name, _) in enumerate(rest):
            if name.lower() == ikey:
                items[index] = (key, value)
                break
        else:
            items.append((key, value))
            return
        # PERF: the rest is rebuilt only if another header of the name is in
        # it, which is rare.
        for item in rest:
            if item[0].lower() == ikey:
                break
        else:
            return
        items[index + 1 :] = [item for item in items[index + 1 :] if item[0].lower() != ikey]

    def remove(self, key: str) -> None:
        """Remove every header ``key``, in any case; none is no error."""
        ikey = key.lower()
        self._list[:] = [item for item in self._list if item[0].lower() != ikey]

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return the ``(name, value)`` items as a new list, as WSGI's
        ``start_response`` takes them."""
        return list(self._list)

    def copy(self) -> Self:
        """Return a new object of this class with the same items."""
        return self.__class__(self._list)


class EnvironHeadersStorage:
    """The read operations of ``EnvironHeaders``, on ``self.environ``."""

    environ: Mapping[str, Any]
    _list: list[tuple[str, str]]

    def __init__(self, environ: Mapping[str, Any]) -> None:
        """Read the headers of ``environ``, a WSGI environ."""
        self._list = []
        self.environ = environ

    def __getitem__(self, key: Any) -> Any:
        """Return the value of the header ``key``, in any case.

        :raises werkzeug.exceptions.BadRequestKeyError: if ``key`` is not a
            ``str``.
        :raises KeyError: from the environ, if there is no header ``key``.
        """
        if not isinstance(key, str):
            raise _missing_key(key)
        return self.environ[_cached_environ_key(key)]

    def get(self, key: str, default: Any = None, type: Callable[[str], T] | None = None) -> Any:
        """Return the value of the header ``key``, or ``default``.

        :param type: converts the value; if it raises ``ValueError``,
            ``default`` is returned instead.
        """
        if not isinstance(key, str):
            return default
        try:
            value = self.environ[_cached_environ_key(key)]
        except KeyError:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except ValueError:
            return default

    def getlist(self, key: str, type: Callable[[str], T] | None = None) -> list[Any]:
        """Return the values of the headers that iteration names ``key``, in
        any case.

        :param type: converts each value; a value it rejects with
            ``ValueError`` is left out.
        """
        ikey = key.lower()
        return _collect(_environ_items(self.environ), ikey, type)

    def __contains__(self, key: Any) -> bool:
        """Say whether there is a header ``key``, in any case."""
        if not isinstance(key, str):
            return False
        try:
            self.environ[_cached_environ_key(key)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """Yield the ``(name, value)`` headers of the environ, in its order."""
        return iter(_environ_items(self.environ))

    def __len__(self) -> int:
        """Count the headers of the environ."""
        return len(_environ_items(self.environ))

    def to_wsgi_list(self) -> list[tuple[str, Any]]:
        """Return the ``(name, value)`` headers of the environ as a list."""
        return _environ_items(self.environ)
