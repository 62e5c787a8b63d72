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
