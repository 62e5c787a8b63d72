"""Facade of the headers core: the compiled kernels where available, else the
pure-Python ones (see ``headers_py`` for what they do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._switch import select

_impl, IMPLEMENTATION = select("headers")

if TYPE_CHECKING:
    from .headers_py import (
        EnvironHeadersStorage,
        HeadersStorage,
        environ_key,
        header_name,
        header_value,
    )
else:
    EnvironHeadersStorage = _impl.EnvironHeadersStorage
    HeadersStorage = _impl.HeadersStorage
    environ_key = _impl.environ_key
    header_name = _impl.header_name
    header_value = _impl.header_value

__all__ = [
    "IMPLEMENTATION",
    "EnvironHeadersStorage",
    "HeadersStorage",
    "environ_key",
    "header_name",
    "header_value",
]
