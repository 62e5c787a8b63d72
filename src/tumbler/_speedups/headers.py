"""Facade of the headers core: the compiled kernels where available, else the
pure-Python ones (see ``headers_py`` for what they do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._switch import select

_impl, IMPLEMENTATION = select("headers")

if TYPE_CHECKING:
    from .headers_py import environ_key, header_name
else:
    environ_key = _impl.environ_key
    header_name = _impl.header_name

__all__ = ["IMPLEMENTATION", "environ_key", "header_name"]
