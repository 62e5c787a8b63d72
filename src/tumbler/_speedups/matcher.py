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
        BuildEntry,
        RuleBuilder,
        StateMachine,
        bind_to_environ,
        build,
        match,
        partial_build,
    )
else:
    KIND_CHOICE = _impl.KIND_CHOICE
    KIND_DIGITS = _impl.KIND_DIGITS
    KIND_FLOAT = _impl.KIND_FLOAT
    KIND_REGEX = _impl.KIND_REGEX
    KIND_REST = _impl.KIND_REST
    KIND_SEGMENT = _impl.KIND_SEGMENT
    KIND_UUID = _impl.KIND_UUID
    MATCHED = _impl.MATCHED
    NO_MATCH = _impl.NO_MATCH
    REDIRECT = _impl.REDIRECT
    RuleBuilder = _impl.RuleBuilder
    StateMachine = _impl.StateMachine
    BuildEntry = _impl.BuildEntry
    bind_to_environ = _impl.bind_to_environ
    match = _impl.match
    build = _impl.build
    partial_build = _impl.partial_build

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
    "BuildEntry",
    "RuleBuilder",
    "StateMachine",
    "bind_to_environ",
    "build",
    "match",
    "partial_build",
]
