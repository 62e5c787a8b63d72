"""The compiled and the pure-Python twin of every unit expose the same API:
the same names, and for each function and class the same signatures (where
both can be read), summaries and members."""

from __future__ import annotations

import inspect

import pytest

from tests._impl import Impl
from tumbler._speedups import MODULES

pytestmark = pytest.mark.c_extension

#: Members that say how a twin is built rather than what it offers: an
#: extension type has a C ``__new__`` and a vtable, a Python class a module,
#: slots and typing bookkeeping; the proxy keeps its object's resolver under a
#: slot in one twin and a method in the other. What they do is tested in
#: tests/test_local.py, on both twins.
HOW_BUILT = frozenset(
    {
        "__new__",
        "__pyx_vtable__",
        "__module__",
        "__slots__",
        "__dict__",  # where a pure instance keeps its state
        "__weakref__",
        # pickling hooks: Cython's generated ones, or object's over slots;
        # tests/test_routing_bind.py copies adapters on both twins
        "__reduce__",
        "__reduce_cython__",
        "__setstate__",
        "__setstate_cython__",
        "__annotations__",
        "__orig_bases__",
        "__parameters__",
        "_is_protocol",
        # attribute hooks: __getattribute__ (compiled) or __getattr__ plus
        # descriptors (pure); both answer as local_py._special_attribute says
        "__getattribute__",
        "__getattr__",
        "__wrapped__",
        "_get_current_object",
        "_current_object",
        "_LocalProxy__wrapped",
    }
)


def twins(unit):
    return Impl("c").module(unit), Impl("py").module(unit)


def shape(function):
    """A signature without annotations: what a caller can rely on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def readable_shape(function):
    """``shape``, or ``None`` where the signature cannot be read: the slot
    methods of an extension type (``__init__``, ``__call__``), whose calls
    tests/test_local.py makes with every parameter by name."""
    try:
        return shape(function)
    except ValueError:
        return None


def summary(obj):
    return (inspect.getdoc(obj) or "").split("\n\n")[0]


def members(cls):
    return {
        name
        for name in dir(cls)
        if getattr(cls, name, None) is not getattr(object, name, None) and name not in HOW_BUILT
    }


def exported(unit, kind):
    c, py = twins(unit)
    return [
        (name, getattr(c, name), getattr(py, name))
        for name in py.__all__
        if _kind(getattr(py, name)) == kind
    ]


def _kind(obj):
    if isinstance(obj, type):
        return "class"
    return "function" if callable(obj) else "constant"


@pytest.mark.parametrize("unit", MODULES)
def test_same_constants(unit):
    for name, c, py in exported(unit, "constant"):
        assert c == py, name


@pytest.mark.parametrize("unit", MODULES)
def test_same_names(unit):
    c, py = twins(unit)
    assert c.__all__ == py.__all__
    assert all(hasattr(c, name) for name in c.__all__)


@pytest.mark.parametrize("unit", MODULES)
def test_same_function_signatures_and_summaries(unit):
    for name, c, py in exported(unit, "function"):
        assert shape(c) == shape(py), name
        assert summary(c) == summary(py), name


@pytest.mark.parametrize("unit", MODULES)
def test_same_classes(unit):
    for name, c, py in exported(unit, "class"):
        assert isinstance(c, type), name
        assert summary(c) == summary(py), name
        assert members(c) == members(py), name
        for member in members(py):
            c_member, py_member = getattr(c, member), getattr(py, member)
            # A dunder is called by the interpreter, positionally: an extension
            # type's slot wrapper names its parameters its own way.
            dunder = member.startswith("__")
            if callable(py_member) and not isinstance(py_member, type) and not dunder:
                c_shape = readable_shape(c_member)
                if c_shape is not None:
                    assert c_shape == readable_shape(py_member), f"{name}.{member}"
            if inspect.isfunction(py_member) and py_member.__doc__:
                assert summary(c_member) == summary(py_member), f"{name}.{member}"
