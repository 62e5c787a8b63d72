"""Facade of the routing kernel: the compiled state machine and builder where
available, else the pure-Python ones (see ``matcher_py`` for what they do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._switch import select

_impl, IMPLEMENTATION = select("matcher")

if TYPE_CHECKING:
    from .matcher_py import (
        KIND_CHOICE,
        KIND_DIGITS,
        KIND_FLOAT,
        KIND_REGEX,
        KIND_REST,
        KIND_SEGMENT,
        KIND_UUID,
        MATCHED,
        NO_MATCH,
        REDIRECT,
        AdapterBase,
        BuildEntry,
        RuleBuilder,
        StateMachine,
        bind_to_environ,
        build,
        match,
        partial_build,
    )
else:
    # The twins share one __all__ (the parity tests hold them equal).
    globals().update((name, getattr(_impl, name)) for name in _impl.__all__)

__all__ = [
    "IMPLEMENTATION",
    "KIND_CHOICE",
    "KIND_DIGITS",
    "KIND_FLOAT",
    "KIND_REGEX",
    "KIND_REST",
    "KIND_SEGMENT",
    "KIND_UUID",
    "MATCHED",
    "NO_MATCH",
    "REDIRECT",
    "AdapterBase",
    "BuildEntry",
    "RuleBuilder",
    "StateMachine",
    "bind_to_environ",
    "build",
    "match",
    "partial_build",
]
