"""The locals core, compiled (``[c]``) and pure Python (``[py]``), beside
werkzeug 3.1's ``LocalProxy``, ``Local`` and ``LocalStack``: a proxy read
the way Flask's ``request.method`` is, backed by a ``ContextVar``, and the
floor of that read, ``cv.get().method``, which no proxy can beat."""

from __future__ import annotations

from contextvars import ContextVar

import pytest
from werkzeug import local as wz

from benchmarks._repeat import repeated


class Request:
    method = "GET"


_request = ContextVar("benchmarks.request")
_request.set(Request())
_count = ContextVar("benchmarks.count")
_count.set(41)
_namespace = ContextVar("benchmarks.namespace")
_stack = ContextVar("benchmarks.stack")


@pytest.fixture(scope="session")
def lc(impl):
    return impl.module("local")


@pytest.mark.benchmark(group="LocalProxy: request.method")
def test_proxy_attribute(benchmark, lc):
    request = lc.LocalProxy(_request, unbound_message="no request")
    assert repeated(benchmark, "request.method", {"request": request}) == "GET"


@pytest.mark.benchmark(group="LocalProxy: request.method")
def test_proxy_attribute_werkzeug(benchmark):
    request = wz.LocalProxy(_request, unbound_message="no request")
    assert repeated(benchmark, "request.method", {"request": request}) == "GET"


@pytest.mark.benchmark(group="LocalProxy: request.method")
def test_proxy_attribute_floor(benchmark):
    assert repeated(benchmark, "cv.get().method", {"cv": _request}) == "GET"


@pytest.mark.benchmark(group="LocalProxy: _get_current_object()")
def test_current_object(benchmark, lc):
    request = lc.LocalProxy(_request)
    got = repeated(benchmark, "request._get_current_object()", {"request": request})
    assert got is _request.get()


@pytest.mark.benchmark(group="LocalProxy: _get_current_object()")
def test_current_object_werkzeug(benchmark):
    request = wz.LocalProxy(_request)
    got = repeated(benchmark, "request._get_current_object()", {"request": request})
    assert got is _request.get()


def subclass_read(benchmark, module):
    """As an extension that subclasses ``LocalProxy`` reads through it."""
    request = type("RequestProxy", (module.LocalProxy,), {})(_request)
    return repeated(benchmark, "request.method", {"request": request})


@pytest.mark.benchmark(group="LocalProxy subclass: request.method")
def test_subclass_attribute(benchmark, lc):
    assert subclass_read(benchmark, lc) == "GET"


@pytest.mark.benchmark(group="LocalProxy subclass: request.method")
def test_subclass_attribute_werkzeug(benchmark):
    assert subclass_read(benchmark, wz) == "GET"


def operator_on(benchmark, module):
    """An operator (a forwarded dunder): ``count + 1``."""
    count = module.LocalProxy(_count)
    return repeated(benchmark, "count + 1", {"count": count})


@pytest.mark.benchmark(group="LocalProxy: count + 1")
def test_operator(benchmark, lc):
    assert operator_on(benchmark, lc) == 42


@pytest.mark.benchmark(group="LocalProxy: count + 1")
def test_operator_werkzeug(benchmark):
    assert operator_on(benchmark, wz) == 42


def local_read(benchmark, module):
    ns = module.Local(_namespace)
    ns.user = "admin"
    return repeated(benchmark, "ns.user", {"ns": ns})


@pytest.mark.benchmark(group="Local: read an attribute")
def test_local_read(benchmark, lc):
    assert local_read(benchmark, lc) == "admin"


@pytest.mark.benchmark(group="Local: read an attribute")
def test_local_read_werkzeug(benchmark):
    assert local_read(benchmark, wz) == "admin"


def stack_push_top_pop(module):
    stack = module.LocalStack(_stack)

    def run():
        stack.push(1)
        top = stack.top
        return stack.pop() if top == 1 else None

    return run


@pytest.mark.benchmark(group="LocalStack: push, top, pop")
def test_stack(benchmark, lc):
    assert benchmark(stack_push_top_pop(lc)) == 1


@pytest.mark.benchmark(group="LocalStack: push, top, pop")
def test_stack_werkzeug(benchmark):
    assert benchmark(stack_push_top_pop(wz)) == 1
