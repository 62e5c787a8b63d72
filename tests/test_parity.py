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


@pytest.mark.parametrize("unit", MODULES)
def test_same_signatures_and_summaries(unit):
    c, py = twins(unit)
    for name in py.__all__:
        assert shape(getattr(c, name)) == shape(getattr(py, name)), name
        assert summary(getattr(c, name)) == summary(getattr(py, name)), name
