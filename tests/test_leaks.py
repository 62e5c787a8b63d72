"""No compiled call leaks memory or references, on its fast path, its Unicode
path or its error path: the kernels, the storage operations of the headers
classes, and the locals. tracemalloc sees every object a call allocates and
keeps; sys.getrefcount sees a reference taken or dropped on what it is given.

Only the compiled twin is checked: it is the one that counts references by
hand (and PyPy, which runs only the pure twin, has neither tool).
"""

from __future__ import annotations

import contextlib
import sys
from contextvars import ContextVar

import pytest

from tests._impl import Impl
from tests._twins import header_classes

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


_bound = ContextVar("tests.leaks.bound")
_unbound = ContextVar("tests.leaks.unbound")
_namespace = ContextVar("tests.leaks.namespace")
_stack = ContextVar("tests.leaks.stack")


class Thing:
    def __init__(self):
        self.method = fresh("GET")
        self.other = fresh("x")


def header_cases():
    """``(label, make)``: ``make()`` returns the call to repeat and the
    objects whose reference counts it must leave alone."""
    ds = header_classes(Impl("c").module("headers"))
    value = fresh("text/html")

    def headers():
        return ds.Headers([("Content-Type", value), ("X-A", fresh("1")), ("Set-Cookie", "a")])

    environ = {
        "HTTP_HOST": fresh("example.com"),
        "HTTP_X_FORWARDED_FOR": fresh("203.0.113.7"),
        "CONTENT_TYPE": value,
        "CONTENT_LENGTH": "",
        "REQUEST_METHOD": "GET",
    }
    odd_environ = {"HTTP_ÉCOLE": value, "HTTP_HOST": "h"}

    def case(call_with):
        def make():
            key = fresh(call_with[1])
            return (lambda: call_with[0](key)), [key, value]

        return make

    h, e, o = headers(), ds.EnvironHeaders(environ), ds.EnvironHeaders(odd_environ)
    return [
        ("Headers.get hit", case((h.get, "content-type"))),
        ("Headers.get miss", case((h.get, "x-missing"))),
        ("Headers.get non-ASCII", case((h.get, "Ünï"))),
        ("Headers[] miss", case((h.__getitem__, "x-missing"))),
        ("Headers contains", case((h.__contains__, "SET-COOKIE"))),
        ("Headers.getlist", case((h.getlist, "set-cookie"))),
        ("Headers.set", case((lambda k: h.set(k, value), "X-A"))),
        ("Headers.add and remove", case((lambda k: (h.add(k, value), h.remove(k)), "X-New"))),
        ("Headers.add newline", case((lambda k: h.add(k, "a\nb"), "X-Bad"))),
        ("Headers.to_wsgi_list", case((lambda k: h.to_wsgi_list(), "unused"))),
        ("Headers()", case((lambda k: ds.Headers([(k, value)]), "X"))),
        ("EnvironHeaders[] hit", case((e.__getitem__, "x-forwarded-for"))),
        ("EnvironHeaders[] miss", case((e.__getitem__, "x-missing"))),
        ("EnvironHeaders.get content", case((e.get, "content-type"))),
        ("EnvironHeaders contains", case((e.__contains__, "host"))),
        ("EnvironHeaders list", case((lambda k: list(e), "unused"))),
        ("EnvironHeaders len", case((lambda k: len(e), "unused"))),
        ("EnvironHeaders getlist", case((e.getlist, "host"))),
        ("EnvironHeaders non-ASCII environ", case((lambda k: list(o), "unused"))),
    ]


def local_cases():
    lc = Impl("c").module("local")
    thing = Thing()
    _bound.set(thing)
    ns = lc.Local(_namespace)
    ns.thing = thing
    stack = lc.LocalStack(_stack)
    stack.push(thing)
    proxy = lc.LocalProxy(_bound)
    unbound = lc.LocalProxy(_unbound, unbound_message=fresh("unbound"))
    sub = type("Sub", (lc.LocalProxy,), {"own": "own"})(_bound)
    ns_sub = type("SubLocal", (lc.Local,), {})(_namespace)

    def case(call):
        def make():
            return call, [thing, thing.method]

        return make

    return [
        ("proxy.attr", case(lambda: proxy.method)),
        ("proxy._get_current_object()", case(lambda: proxy._get_current_object())),
        ("proxy named attr", case(lambda: lc.LocalProxy(_bound, "method").upper())),
        ("proxy dotted", case(lambda: lc.LocalProxy(_bound, "method.upper")())),
        ("proxy unbound attr", case(lambda: unbound.method)),
        ("proxy unbound hash", case(lambda: hash(unbound))),
        ("proxy unbound eq", case(lambda: unbound == thing)),
        ("proxy repr", case(lambda: repr(proxy))),
        ("proxy special attribute", case(lambda: proxy.__class__)),
        ("proxy missing attr", case(lambda: proxy.missing)),
        ("proxy setattr", case(lambda: setattr(proxy, "other", thing.method))),
        ("subclass proxy.attr", case(lambda: sub.method)),
        ("subclass proxy own attr", case(lambda: sub.own)),
        ("subclass proxy missing dunder", case(lambda: sub.__enter__)),
        ("subclass proxy operator", case(lambda: sub + thing)),
        ("subclass Local get", case(lambda: ns_sub.thing)),
        ("Local proxy", case(lambda: ns("thing").method)),
        ("LocalStack proxy", case(lambda: stack("method").upper())),
        ("Local get", case(lambda: ns.thing)),
        ("Local missing", case(lambda: ns.missing)),
        ("Local set and delete", case(lambda: (setattr(ns, "x", thing), delattr(ns, "x")))),
        ("LocalStack push and pop", case(lambda: (stack.push(thing), stack.pop()))),
    ]


EXPECTED = (TypeError, KeyError, ValueError, RuntimeError, AttributeError)


HEADER_LABELS = [
    "Headers.get hit",
    "Headers.get miss",
    "Headers.get non-ASCII",
    "Headers[] miss",
    "Headers contains",
    "Headers.getlist",
    "Headers.set",
    "Headers.add and remove",
    "Headers.add newline",
    "Headers.to_wsgi_list",
    "Headers()",
    "EnvironHeaders[] hit",
    "EnvironHeaders[] miss",
    "EnvironHeaders.get content",
    "EnvironHeaders contains",
    "EnvironHeaders list",
    "EnvironHeaders len",
    "EnvironHeaders getlist",
    "EnvironHeaders non-ASCII environ",
]
LOCAL_LABELS = [
    "proxy.attr",
    "proxy._get_current_object()",
    "proxy named attr",
    "proxy dotted",
    "proxy unbound attr",
    "proxy unbound hash",
    "proxy unbound eq",
    "proxy repr",
    "proxy special attribute",
    "proxy missing attr",
    "proxy setattr",
    "subclass proxy.attr",
    "subclass proxy own attr",
    "subclass proxy missing dunder",
    "subclass proxy operator",
    "subclass Local get",
    "Local proxy",
    "LocalStack proxy",
    "Local get",
    "Local missing",
    "Local set and delete",
    "LocalStack push and pop",
]


@pytest.mark.parametrize("label", HEADER_LABELS + LOCAL_LABELS)
def test_operations_keep_nothing(label):
    """The cases are built in the test, from the compiled twins: building
    them at collection would import the twins where they are deselected."""
    import tracemalloc

    headers = label in HEADER_LABELS
    cases = dict(header_cases() if headers else local_cases())
    assert sorted(cases) == sorted(HEADER_LABELS if headers else LOCAL_LABELS)
    call, watched = cases[label]()

    def repeat(times):
        for _ in range(times):
            with contextlib.suppress(*EXPECTED):
                call()

    repeat(1_000)  # warm caches: interned strings, type caches, name caches
    refs = [sys.getrefcount(obj) for obj in watched]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        repeat(CALLS // 5)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert [sys.getrefcount(obj) for obj in watched] == refs, label
    assert grown < 16_384, f"{label}: {grown} bytes kept after {CALLS // 5} calls"
