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
    # The twins share one __all__ (the parity tests hold them equal).
    globals().update((name, getattr(_impl, name)) for name in _impl.__all__)

__all__ = [
    "IMPLEMENTATION",
    "EnvironHeadersStorage",
    "HeadersStorage",
    "environ_key",
    "header_name",
    "header_value",
]
