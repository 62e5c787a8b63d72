"""No kernel call leaks memory or references, on its fast path, its Unicode
path or its error path. tracemalloc sees every object a call allocates and
keeps; sys.getrefcount sees a reference taken or dropped on the argument."""

from __future__ import annotations

import contextlib
import sys
import tracemalloc

import pytest

CALLS = 50_000
CALLS_CASES = [
    ("environ_key", "X-Forwarded-For"),
    ("environ_key", "content-type"),
    ("environ_key", "Straße"),
    ("environ_key", b"X-Foo"),
    ("header_name", "HTTP_ACCEPT_ENCODING"),
    ("header_name", "CONTENT_LENGTH"),
    ("header_name", "HTTP_ÉCOLE"),
    ("header_name", "wsgi.input"),
    ("header_name", 7),
]


@pytest.mark.parametrize(("function", "argument"), CALLS_CASES)
def test_calls_keep_nothing(impl, function, argument):
    call = getattr(impl.module("headers"), function)

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
