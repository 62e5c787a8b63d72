"""The compiled and the pure-Python twin of every unit expose the same API."""

from __future__ import annotations

import inspect

import pytest

from tests._impl import Impl
from tumbler._speedups import MODULES

pytestmark = pytest.mark.c_extension


def twins(unit):
    return Impl("c").module(unit), Impl("py").module(unit)


def shape(function):
    """A signature without annotations: what a caller can rely on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def summary(obj):
    return (inspect.getdoc(obj) or "").split("\n\n")[0]


@pytest.mark.parametrize("unit", MODULES)
def test_same_names(unit):
    c, py = twins(unit)
    assert c.__all__ == py.__all__
    assert all(hasattr(c, name) for name in c.__all__)


def public_methods(cls):
    return sorted(
        name for name in vars(cls) if not name.startswith("_") and callable(vars(cls)[name])
    )


@pytest.mark.parametrize("unit", MODULES)
def test_same_signatures_and_summaries(unit):
    c, py = twins(unit)
    for name in py.__all__:
        c_obj, py_obj = getattr(c, name), getattr(py, name)
        if not callable(py_obj):
            assert c_obj == py_obj, name  # a constant: the same value
            continue
        assert summary(c_obj) == summary(py_obj), name
        if not isinstance(py_obj, type):
            assert shape(c_obj) == shape(py_obj), name
            continue
        assert public_methods(c_obj) == public_methods(py_obj), name
        for method in public_methods(py_obj):
            c_method, py_method = getattr(c_obj, method), getattr(py_obj, method)
            assert shape(c_method) == shape(py_method), f"{name}.{method}"
            assert summary(c_method) == summary(py_method), f"{name}.{method}"
