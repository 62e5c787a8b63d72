"""Facade of the locals core: the compiled classes where available, else the
pure-Python ones (see ``local_py`` for what they do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._switch import select

_impl, IMPLEMENTATION = select("local")

if TYPE_CHECKING:
    from .local_py import Local, LocalProxy, LocalStack
else:
    Local = _impl.Local
    LocalProxy = _impl.LocalProxy
    LocalStack = _impl.LocalStack

__all__ = ["IMPLEMENTATION", "Local", "LocalProxy", "LocalStack"]
