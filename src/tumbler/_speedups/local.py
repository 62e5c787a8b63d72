"""Facade of the locals core: the compiled classes where available, else the
pure-Python ones (see ``local_py`` for what they do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._switch import select

_impl, IMPLEMENTATION = select("local")

if TYPE_CHECKING:
    from .local_py import Local, LocalProxy, LocalStack
else:
    # The twins share one __all__ (the parity tests hold them equal).
    globals().update((name, getattr(_impl, name)) for name in _impl.__all__)

__all__ = ["IMPLEMENTATION", "Local", "LocalProxy", "LocalStack"]
