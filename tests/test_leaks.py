"""No compiled kernel call leaks memory or references, on its fast path, its
Unicode path or its error path. tracemalloc sees every object a call allocates
and keeps; sys.getrefcount sees a reference taken or dropped on the argument.

Only the compiled twin is checked: it is the one that counts references by
hand (and PyPy, which runs only the pure twin, has neither tool).
"""

from __future__ import annotations

import contextlib
import sys

import pytest

from tests._impl import Impl

pytestmark = pytest.mark.c_extension

CALLS = 50_000


def fresh(text: str) -> str:
    """A new, non-interned, mortal copy of ``text``: literals are interned
    and, from Python 3.12, immortal, so their reference counts never move."""
    return "".join(list(text))


CASES = [
    ("environ_key", lambda: fresh("X-Forwarded-For")),
    ("environ_key", lambda: fresh("content-type")),
    ("environ_key", lambda: fresh("Straße")),
    ("environ_key", lambda: b"X-Foo" + bytes(1)),
    ("header_name", lambda: fresh("HTTP_ACCEPT_ENCODING")),
    ("header_name", lambda: fresh("CONTENT_LENGTH")),
    ("header_name", lambda: fresh("HTTP_ÉCOLE")),
    ("header_name", lambda: fresh("wsgi.input")),
    ("header_name", lambda: float("7.5")),
]


@pytest.mark.parametrize(("function", "make_argument"), CASES)
def test_calls_keep_nothing(function, make_argument):
    import tracemalloc

    call = getattr(Impl("c").module("headers"), function)
    argument = make_argument()

    def repeat(times):
        for _ in range(times):
            with contextlib.suppress(TypeError):
                call(argument)

    repeat(1_000)  # warm caches: interned strings, type caches
    refs = sys.getrefcount(argument)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        repeat(CALLS)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert sys.getrefcount(argument) == refs
    assert grown < 16_384, f"{grown} bytes kept after {CALLS} calls"
