"""Header names and WSGI environ keys, the mapping ``EnvironHeaders`` stands on.

A WSGI server files each request header under ``HTTP_`` plus its name in upper
case with ``-`` turned into ``_``, except ``Content-Type`` and
``Content-Length``, which it files without the prefix (PEP 3333). These
functions map both ways exactly as werkzeug's ``EnvironHeaders`` does, including
its Unicode case rules (``"ß".upper() == "SS"``), so a lookup or an iteration
finds the same headers under the same names.

This is the reference twin of ``headers_c``: the API, the docs and the oracle.
"""

from __future__ import annotations

__all__ = ["environ_key", "header_name"]

#: The two headers a WSGI server files without the ``HTTP_`` prefix.
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


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
