# cython: language_level=3, auto_pickle=False
"""Compiled twin of ``tumbler._speedups.local_py``: context-local storage and
the proxy that reads it, as extension types. ``local_py`` holds the
documentation.

PERF: ``proxy.attr`` is the hot path of every Flask app (``request.method``,
``g.user``). Here it is one C ``tp_getattro``: the ``ContextVar`` is read with
``PyContextVar_Get`` and the attribute with ``PyObject_GetAttr``, with no
Python frame, no failed lookup on the proxy and no exception raised. What is
rare (a proxy's dunder read as an attribute, a dotted name) is handed to
``local_py``, so that the twins agree by construction.
"""

cimport cython
from cpython.dict cimport PyDict_GetItemWithError
from cpython.number cimport (
    PyNumber_Add,
    PyNumber_And,
    PyNumber_Multiply,
    PyNumber_Or,
    PyNumber_Subtract,
    PyNumber_Xor,
)
from cpython.object cimport (
    Py_TYPE,
    PyObject,
    PyObject_GetItem,
    PyObject_IsInstance,
    PyTypeObject,
)
from cpython.ref cimport Py_DECREF
from cpython.type cimport PyType_IsSubtype

import builtins
import copy
import math
import operator
from contextvars import ContextVar
from operator import attrgetter
from types import GenericAlias

from tumbler._speedups import local_py

cdef extern from "Python.h":
    int PyContextVar_Get(object var, PyObject *default_value, PyObject **value) except -1
    object PyContextVar_Set(object var, object value)
    bint PyContextVar_CheckExact(object obj)
    bint PyUnicode_CheckExact(object obj)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    Py_UCS4 PyUnicode_READ_CHAR(object text, Py_ssize_t index)
    Py_ssize_t PyUnicode_FindChar(object text, Py_UCS4 ch, Py_ssize_t start,
                                  Py_ssize_t end, int direction) except -2
    object PyObject_GenericGetAttr(object obj, object name)
    void PyType_Modified(PyTypeObject *type)
    int Py_EnterRecursiveCall(const char *where)
    void Py_LeaveRecursiveCall()
    object PyObject_GenericGetDict(object obj, void *context)
    # NOTE: CPython's lookup through a type's attribute cache; a borrowed
    # reference, and no error set. Cython's own code calls it on CPython.
    PyObject *_PyType_Lookup(PyTypeObject *type, object name)
    ctypedef PyObject *(*getattrofunc)(PyObject *, PyObject *)
    ctypedef PyObject *(*binaryfunc)(PyObject *, PyObject *)
    ctypedef PyObject *(*ternaryfunc)(PyObject *, PyObject *, PyObject *)
    ctypedef struct PyNumberMethods:
        binaryfunc nb_add
        binaryfunc nb_subtract
        binaryfunc nb_multiply
        binaryfunc nb_remainder
        binaryfunc nb_divmod
        ternaryfunc nb_power
        binaryfunc nb_lshift
        binaryfunc nb_rshift
        binaryfunc nb_and
        binaryfunc nb_xor
        binaryfunc nb_or
        binaryfunc nb_floor_divide
        binaryfunc nb_true_divide
        binaryfunc nb_matrix_multiply
    ctypedef struct _TypeSlots "PyTypeObject":
        getattrofunc tp_getattro
        PyNumberMethods *tp_as_number

__all__ = ["Local", "LocalProxy", "LocalStack"]

cdef str _UNBOUND = "object is not bound"
cdef str _GET_CURRENT_OBJECT = "_get_current_object"
# NOTE: CPython's next(), not the one Cython inlines, whose error says less.
cdef object _next = builtins.next
cdef dict _READS = local_py.READS
cdef object _missed = local_py._missed
cdef object _follow = local_py.follow
cdef object _check_chain = local_py.check_chain
cdef type _PURE_PROXY = local_py.LocalProxy


cdef object _UNSET = object()
cdef object _ALL_BUT_LAST = slice(None, -1)


cdef inline object _value(object var, bint stack):
    """What the ``ContextVar`` ``var`` holds in this context, else
    ``_UNSET``; read with the C API when ``var`` is a plain ContextVar.
    Anything else is asked ``var.get([])`` (``stack``) or ``var.get({})``,
    as werkzeug asks it, and its answer is taken as it is: its ``get`` may
    look at the default (a ``dict``'s fails on it), or fill it in."""
    cdef PyObject *value = NULL
    if not PyContextVar_CheckExact(var):
        return var.get([] if stack else {})
    PyContextVar_Get(var, NULL, &value)
    if value == NULL:
        return _UNSET
    obj = <object>value
    Py_DECREF(obj)
    return obj


cdef inline void _store(object var, object value) except *:
    if PyContextVar_CheckExact(var):
        PyContextVar_Set(var, value)
    else:
        var.set(value)


cdef inline bint _public(object name):
    """Whether ``name`` is a plain ``str`` that does not start with ``_``."""
    return (PyUnicode_CheckExact(name) and PyUnicode_GET_LENGTH(name) > 0
            and PyUnicode_READ_CHAR(name, 0) != c'_')


cdef inline bint _generic_finds(object obj, object name) except -1:
    """Whether Python's generic lookup finds ``obj.<name>``, on the class or
    in the instance's ``__dict__``, so that ``__getattr__`` is not asked
    unless what it finds raises ``AttributeError``. PERF: learnt without an
    ``AttributeError`` raised and caught."""
    if _PyType_Lookup(Py_TYPE(obj), name) != NULL:
        return True
    return Py_TYPE(obj).tp_dictoffset != 0 and name in PyObject_GenericGetDict(obj, NULL)


cdef inline bint _other_getattr(object cls, object getattr_):
    """Whether ``cls`` has a ``__getattr__`` other than ``getattr_``, its
    compiled base's (put there by ``_give``): a subclass's. NOTE: ``cls``
    and the subclasses below are untyped: a class's metaclass may be any
    subclass of ``type`` (``ABCMeta``), which Cython's ``type`` refuses."""
    return _PyType_Lookup(<PyTypeObject *>cls, "__getattr__") != <PyObject *>getattr_


cdef inline bint _getattr_next(object obj, type base):
    """Whether Python calls a ``__getattr__`` when ``obj``'s (``base``'s)
    ``__getattribute__`` raises ``AttributeError``: whether ``obj``'s type
    has Python's getattr slot rather than ``base``'s own (see
    ``_base_getattro``). Where it does, that ``__getattr__`` looks the name
    up, and ``__getattribute__`` must not look first."""
    return (<_TypeSlots *>Py_TYPE(obj)).tp_getattro != (<_TypeSlots *>base).tp_getattro


cdef int _enter() except -1:
    """Py_EnterRecursiveCall, whose error is any non-zero return."""
    if Py_EnterRecursiveCall(" while a LocalProxy looks for its object") != 0:
        return -1
    return 0


cdef object _counted(object function, tuple args):
    """``function(*args)``, counted as a level of recursion. NOTE: for a
    proxy's read of another proxy, or of a dotted name: from C, one proxy
    calling another counts none, so that one which comes to stand for itself
    through such a read would overflow the C stack."""
    _enter()
    try:
        return function(*args)
    finally:
        Py_LeaveRecursiveCall()


cdef class Local:
    """A namespace of context-local attributes, held as a ``dict`` in a
    ``ContextVar``."""

    cdef readonly object _Local__storage

    def __init__(self, context_var=None):
        if context_var is None:
            context_var = ContextVar(f"tumbler.Local<{id(self)}>.storage")
        self._Local__storage = context_var

    def __iter__(self):
        """Yield the ``(name, value)`` attributes set in this context."""
        return iter(self._Local__storage.get({}).items())

    def __call__(self, name, *, unbound_message=None):
        """Return a proxy to the attribute ``name`` of this namespace."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self):
        """Forget every attribute set in this context."""
        self._Local__storage.set({})

    cdef object _lookup(self, object name, bint strict):
        """The attribute ``name`` from the namespace; if it is not there,
        ``AttributeError`` (``strict``) or ``NotImplemented``."""
        cdef PyObject *value
        values = _value(self._Local__storage, False)
        if values is _UNSET:
            values = {}
        if type(values) is dict:
            value = PyDict_GetItemWithError(values, name)
            if value != NULL:
                return <object>value
        else:
            # NOTE: counted as a level of recursion (see _counted): a
            # namespace that is no dict may be a proxy that reads this Local.
            _enter()
            try:
                if name in values:
                    return values[name]
            finally:
                Py_LeaveRecursiveCall()
        if strict:
            raise AttributeError(name)
        return NotImplemented

    def __getattribute__(self, name):
        # PERF: a public name on a plain Local is in the namespace or nowhere;
        # any other name is, unless the class or instance has it.
        if (type(self) is Local and _public(name)) or not (
                _generic_finds(self, name) or _getattr_next(self, Local)):
            return self._lookup(name, True)
        try:
            return PyObject_GenericGetAttr(self, name)
        except AttributeError:
            # A __getattr__ (a subclass's own first) is asked next (see _give).
            if _getattr_next(self, Local):
                raise
            return self._lookup(name, True)

    def __setattr__(self, name, value):
        storage = self._Local__storage
        values = storage.get({}).copy()
        values[name] = value
        storage.set(values)

    def __delattr__(self, name):
        storage = self._Local__storage
        values = storage.get({})
        if name not in values:
            raise AttributeError(name)
        values = values.copy()
        del values[name]
        storage.set(values)


cdef void _give(type cls, str name, object value) except *:
    """Put ``value`` in the dict of the compiled ``cls`` as ``name``, which
    Cython cannot do for these two names.

    ``__getattr__``: Cython folds one written in the class into the type's
    own getattr slot, behind ``__getattribute__``, so that a subclass's
    ``__getattr__`` would be asked only for what that one lacks. Put in the
    dict instead, it leaves the type's slot as it is, and Python gives a
    subclass a slot that calls ``__getattribute__`` and then its
    ``__getattr__``, the subclass's own first, which may call this one with
    ``super()``: as werkzeug's classes have it. The pure twin's method
    serves, as it is only called for a subclass or by name.

    ``__init_subclass__``: Cython refuses one in an extension type.
    """
    (<dict>(<PyTypeObject *>cls).tp_dict)[name] = value
    PyType_Modified(<PyTypeObject *>cls)


cdef void _base_getattro(object cls, type base, object getattr_) except *:
    """Give ``cls``, a subclass of the compiled ``base``, ``base``'s own
    getattr slot, unless it has a ``__getattr__`` (other than ``getattr_``,
    the base's) or a ``__getattribute__`` of its own.

    Why: the ``__getattr__`` in the base's dict (``_give``) gives
    every subclass Python's slot that calls ``__getattribute__`` and then
    ``__getattr__`` through bound method objects, for every read. The base's
    slot does what both would, when neither is the subclass's. Python puts
    its own slot back if the class, or a base, is given one later.
    """
    if _other_getattr(cls, getattr_) or (
            _PyType_Lookup(<PyTypeObject *>cls, "__getattribute__")
            != _PyType_Lookup(<PyTypeObject *>base, "__getattribute__")):
        return
    (<_TypeSlots *>cls).tp_getattro = (<_TypeSlots *>base).tp_getattro
    PyType_Modified(<PyTypeObject *>cls)


cdef object _LOCAL_GETATTR = local_py.Local.__dict__["__getattr__"]
_give(Local, "__getattr__", _LOCAL_GETATTR)


def _local_subclass(cls, **kwargs):
    """``Local.__init_subclass__``: see ``_base_getattro``."""
    super(Local, cls).__init_subclass__(**kwargs)
    _base_getattro(cls, Local, _LOCAL_GETATTR)


_give(Local, "__init_subclass__", classmethod(_local_subclass))


cdef class LocalStack:
    """A context-local stack, held as a ``list`` in a ``ContextVar``."""

    cdef public object _storage

    def __init__(self, context_var=None):
        if context_var is None:
            context_var = ContextVar(f"tumbler.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    @classmethod
    def __class_getitem__(cls, item):
        return GenericAlias(cls, item)

    def __release_local__(self):
        """Empty the stack in this context."""
        self._storage.set([])

    def push(self, obj):
        """Push ``obj`` and return the new stack."""
        stack = _value(self._storage, True)
        _enter()  # NOTE: see _top
        try:
            stack = [] if stack is _UNSET else stack.copy()
            stack.append(obj)
        finally:
            Py_LeaveRecursiveCall()
        _store(self._storage, stack)
        return stack

    def pop(self):
        """Pop the top item and return it; ``None`` if the stack is empty."""
        stack = _value(self._storage, True)
        _enter()  # NOTE: see _top
        try:
            if stack is _UNSET or len(stack) == 0:
                return None
            top = stack[-1]
            # NOTE: CPython's slice, whose errors Cython's words otherwise.
            rest = PyObject_GetItem(stack, _ALL_BUT_LAST)
        finally:
            Py_LeaveRecursiveCall()
        _store(self._storage, rest)
        return top

    cdef object _top(self):
        stack = _value(self._storage, True)
        # NOTE: counted as a level of recursion (see _counted): what the
        # variable holds may be a proxy that reads this stack again.
        _enter()
        try:
            return None if stack is _UNSET or len(stack) == 0 else stack[-1]
        finally:
            Py_LeaveRecursiveCall()

    @property
    def top(self):
        """The top item; ``None`` if the stack is empty."""
        return self._top()

    def __call__(self, name=None, *, unbound_message=None):
        """Return a proxy to the top item or, with ``name``, to that
        attribute of it."""
        return LocalProxy(self, name, unbound_message=unbound_message)


# How a proxy finds its object: the constructor forms.
cdef enum _Kind:
    _VAR = 1
    _STACK = 2
    _LOCAL = 3
    _CALL = 4
    # A proxy of a ContextVar, read with get(); a proxy, called (counted:
    # see _counted).
    _VAR_PROXY = 5
    _CALL_PROXY = 6


@cython.final
cdef class _Resolver:
    """Finds what a proxy stands for, as werkzeug's constructor forms define
    it. NOTE: a separate object, so that the bound method a proxy hands out
    as ``_get_current_object`` refers to this, not to the proxy: no cycle."""

    cdef object local
    cdef _Kind kind
    # The attribute to read from what local holds (None for the object
    # itself); dotted: read it with the getter, as it is dotted or not an
    # exact str.
    cdef object name
    cdef bint dotted
    # PERF: a Local's value read from its values directly, for a Local of
    # this very class and a plain name its class has not (getattr finds the
    # class's attribute first, as in werkzeug).
    cdef bint from_values
    # attrgetter(name): the read of a dotted name, or of a proxy's attribute
    # (either counted as a level of recursion).
    cdef object getter
    cdef object message

    cdef inline object _attribute(self, object obj):
        if self.name is None:
            return obj
        # NOTE: counted where the read may reach a proxy's slots: a dotted
        # name reads the attribute of an attribute, which may be a proxy
        # even where obj is not one.
        if self.dotted or isinstance(obj, LocalProxy):
            return _counted(self.getter, (obj,))
        return getattr(obj, self.name)

    cdef object resolve(self):
        """The object, or ``RuntimeError``."""
        cdef PyObject *value = NULL
        cdef object obj
        if self.kind == _VAR:
            PyContextVar_Get(self.local, NULL, &value)
            if value == NULL:
                raise RuntimeError(self.message)
            obj = <object>value
            Py_DECREF(obj)
            return self._attribute(obj)
        if self.kind == _STACK:
            if type(self.local) is LocalStack:
                obj = (<LocalStack>self.local)._top()
            else:
                obj = self.local.top
            if obj is None:
                raise RuntimeError(self.message)
            return self._attribute(obj)
        if self.kind == _LOCAL:
            if self.from_values:
                try:
                    obj = (<Local>self.local)._lookup(self.name, False)
                except AttributeError:
                    # Raised by a namespace that is no dict (a proxy, say):
                    # werkzeug's lookup takes any AttributeError for unbound.
                    raise RuntimeError(self.message) from None
                if obj is NotImplemented:
                    raise RuntimeError(self.message)
                return obj
            try:
                return self._attribute(self.local)
            except AttributeError:
                raise RuntimeError(self.message) from None
        if self.kind == _VAR_PROXY:
            try:
                return self._attribute(self.local.get())
            except LookupError:
                raise RuntimeError(self.message) from None
        if self.kind == _CALL_PROXY:
            return self._attribute(_counted(self.local, ()))
        return self._attribute(self.local())

    @cython.binding(False)
    def current_object(self):
        """Return the object the proxy stands for."""
        return self.resolve()


cdef object _forwarded(object proxy, object forwarded, bint getattr_next):
    """``proxy.<name>`` for a dunder werkzeug's proxy forwards, read through
    its descriptor in the pure twin (``forwarded``). A read that fails leaves
    its error for the ``__getattr__`` Python calls next (``local_py``'s
    ``_Forwarded``); unless one is (``getattr_next``), it is dropped, as a
    held error keeps its traceback's frames alive."""
    try:
        return forwarded.__get__(proxy, type(proxy))
    except AttributeError:
        if not getattr_next:
            _missed.__dict__.pop("last", None)
        raise


cdef class LocalProxy:
    """A proxy to the object a context-local holds: every operation on a
    LocalProxy, from attribute access to operators, ``with`` and ``await``,
    is forwarded to that object, found anew each time."""

    cdef _Resolver _resolver
    # _get_current_object, bound once: reading it allocates nothing.
    cdef object _bound_get

    def __init__(self, local, name=None, *, unbound_message=None):
        cdef _Resolver resolver = _Resolver.__new__(_Resolver)
        resolver.message = _UNBOUND if unbound_message is None else unbound_message
        # As werkzeug does, attrgetter first: a name that is no str fails
        # before what is proxied is looked at.
        getter = None if name is None else attrgetter(name)
        # NOTE: Python's isinstance, as werkzeug's: a proxy of a Local, a
        # stack or a ContextVar is taken for one (its __class__ says so).
        if PyObject_IsInstance(local, Local):
            if name is None:
                raise TypeError("'name' is required when proxying a 'Local' object.")
            resolver.kind = _LOCAL
        elif PyObject_IsInstance(local, LocalStack):
            resolver.kind = _STACK
        elif PyObject_IsInstance(local, ContextVar):
            resolver.kind = _VAR if PyContextVar_CheckExact(local) else _VAR_PROXY
        elif callable(local):
            resolver.kind = _CALL_PROXY if isinstance(local, LocalProxy) else _CALL
        else:
            raise TypeError(f"Don't know how to proxy '{type(local)}'.")
        resolver.local = local
        resolver.name = name
        resolver.getter = getter
        resolver.dotted = name is not None and not (
            PyUnicode_CheckExact(name) and PyUnicode_FindChar(
                name, c'.', 0, PyUnicode_GET_LENGTH(name), 1) < 0)
        resolver.from_values = (
            resolver.kind == _LOCAL and type(local) is Local and not resolver.dotted
            and not hasattr(Local, name))
        self._resolver = resolver
        self._bound_get = resolver.current_object

    @classmethod
    def __class_getitem__(cls, item):
        return GenericAlias(cls, item)

    cdef inline object _current(self):
        """The object an operation on this proxy is forwarded to, or
        ``RuntimeError``: what it stands for or, where that is a plain proxy,
        what ``local_py.follow`` finds down the chain (a proxy that comes to
        stand for itself then raises ``RecursionError``: from one slot to the
        next, C counts no recursion). A subclass's proxy looks down the
        chain first (``local_py.check_chain``), as it is not followed."""
        obj = self._resolver.resolve()
        if type(obj) is LocalProxy:
            obj = _follow(obj)
        # PERF: the test check_chain asks of its callers, in C (a proxy of either twin).
        if type(self) is not LocalProxy and (
                PyType_IsSubtype(type(obj), LocalProxy)
                or PyType_IsSubtype(type(obj), _PURE_PROXY)):
            _check_chain(obj)
        return obj

    def __getattribute__(self, name):
        # PERF: _get_current_object is compared by identity first: the name
        # in the caller's code is the same interned string as this one.
        if <PyObject *>name == <PyObject *>_GET_CURRENT_OBJECT:
            return self._bound_get
        # PERF: a public name on a plain proxy is the object's: no lookup on
        # the proxy first, and no AttributeError raised and caught.
        if type(self) is LocalProxy and _public(name):
            return getattr(self._current(), name)
        if name == "_get_current_object":
            return self._bound_get
        if name == "_LocalProxy__wrapped":
            return self._resolver.local
        forwarded = _READS.get(name)
        # NOTE: unless a subclass has its own (a docstring, say): Python finds
        # that first, on the class, as werkzeug's and the pure twin's do.
        if forwarded is not None and (
                type(self) is LocalProxy or _PyType_Lookup(Py_TYPE(self), name)
                == _PyType_Lookup(<PyTypeObject *>LocalProxy, name)):
            return _forwarded(self, forwarded, _getattr_next(self, LocalProxy))
        # PERF: any other name is the object's, unless the class or instance has it.
        if not (_generic_finds(self, name) or _getattr_next(self, LocalProxy)):
            return getattr(self._current(), name)
        try:
            return PyObject_GenericGetAttr(self, name)
        except AttributeError:
            # A __getattr__ (a subclass's own first) is asked next (see _give).
            if _getattr_next(self, LocalProxy):
                raise
            return getattr(self._current(), name)

    def __setattr__(self, name, value):
        setattr(self._current(), name, value)

    def __delattr__(self, name):
        delattr(self._current(), name)

    def __reduce_ex__(self, protocol):
        """A proxy cannot be pickled: pickle ``_get_current_object()``."""
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")

    def __repr__(self):
        try:
            obj = self._current()
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        except Exception:
            # What CPython gives when werkzeug's __repr__ cannot be read.
            return f"<{type(self).__name__} object at {id(self):#x}>"
        return repr(obj)

    def __bool__(self):
        try:
            obj = self._current()
        except RuntimeError:
            return False
        return bool(obj)

    def __dir__(self):
        try:
            obj = self._current()
        except RuntimeError:
            return []
        return dir(obj)

    def __str__(self):
        return str(self._current())

    def __bytes__(self):
        return bytes(self._current())

    def __format__(self, format_spec):
        return self._current().__format__(format_spec)

    def __lt__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj < other

    def __le__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj <= other

    # NOTE: a proxy whose object cannot be found compares as NotImplemented,
    # hashes and iterates with a TypeError and awaits with an AttributeError,
    # whatever the cause: what CPython makes of werkzeug's proxy, whose
    # dunders are descriptors that raise when read.
    def __eq__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj == other

    def __ne__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj != other

    def __gt__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj > other

    def __ge__(self, other):
        try:
            obj = self._current()
        except Exception:
            return NotImplemented
        return obj >= other

    def __hash__(self):
        try:
            obj = self._current()
        except Exception:
            raise TypeError(f"unhashable type: '{type(self).__name__}'") from None
        return hash(obj)

    def __instancecheck__(self, other):
        return isinstance(other, self._current())

    def __subclasscheck__(self, other):
        return issubclass(other, self._current())

    def __call__(self, *args, **kwargs):
        return self._current()(*args, **kwargs)

    def __len__(self):
        return len(self._current())

    @property
    def __length_hint__(self):
        # NOTE: read as werkzeug's is, so that a lookup that fails raises:
        # CPython's length_hint takes a TypeError raised by the call of a
        # __length_hint__ it has found for "no hint", not one raised as it
        # reads it.
        return _forwarded(self, _READS["__length_hint__"], False)

    def __getitem__(self, key):
        # NOTE: CPython's subscript, whose errors Cython's words otherwise.
        return PyObject_GetItem(self._current(), key)

    def __setitem__(self, key, value):
        self._current()[key] = value

    def __delitem__(self, key):
        del self._current()[key]

    def __iter__(self):
        try:
            obj = self._current()
        except Exception:
            raise TypeError(f"'{type(self).__name__}' object is not iterable") from None
        return iter(obj)

    def __next__(self):
        return _next(self._current())

    def __reversed__(self):
        return reversed(self._current())

    def __contains__(self, item):
        return item in self._current()

    # NOTE: +, -, *, &, ^ and | call CPython's operators by name. Cython's
    # own, given an int or float operand, take shortcuts that answer
    # otherwise: 0 + -0.0 gave -0.0 (IEEE says 0.0), and a float times a
    # sequence raised "unsupported operand" instead of "can't multiply".
    def __add__(self, other):
        return PyNumber_Add(self._current(), other)

    def __sub__(self, other):
        return PyNumber_Subtract(self._current(), other)

    def __mul__(self, other):
        return PyNumber_Multiply(self._current(), other)

    def __matmul__(self, other):
        return self._current() @ other

    def __truediv__(self, other):
        return self._current() / other

    def __floordiv__(self, other):
        return self._current() // other

    def __mod__(self, other):
        return self._current() % other

    def __divmod__(self, other):
        return divmod(self._current(), other)

    def __pow__(self, other, modulo):
        obj = self._current()
        return pow(obj, other) if modulo is None else pow(obj, other, modulo)

    def __lshift__(self, other):
        return self._current() << other

    def __rshift__(self, other):
        return self._current() >> other

    def __and__(self, other):
        return PyNumber_And(self._current(), other)

    def __xor__(self, other):
        return PyNumber_Xor(self._current(), other)

    def __or__(self, other):
        return PyNumber_Or(self._current(), other)

    def __radd__(self, other):
        return PyNumber_Add(other, self._current())

    def __rsub__(self, other):
        return PyNumber_Subtract(other, self._current())

    def __rmul__(self, other):
        return PyNumber_Multiply(other, self._current())

    def __rmatmul__(self, other):
        return other @ self._current()

    def __rtruediv__(self, other):
        return other / self._current()

    def __rfloordiv__(self, other):
        return other // self._current()

    def __rmod__(self, other):
        return other % self._current()

    def __rdivmod__(self, other):
        return divmod(other, self._current())

    def __rpow__(self, other, modulo):
        # NOTE: CPython calls no Python class's __rpow__ with a modulo.
        if modulo is not None:
            return NotImplemented
        return pow(other, self._current())

    def __rlshift__(self, other):
        return other << self._current()

    def __rrshift__(self, other):
        return other >> self._current()

    def __rand__(self, other):
        return PyNumber_And(other, self._current())

    def __rxor__(self, other):
        return PyNumber_Xor(other, self._current())

    def __ror__(self, other):
        return PyNumber_Or(other, self._current())

    # In place: the object's in-place operator runs, and the name stays bound
    # to the proxy, whatever the operator returned.
    def __iadd__(self, other):
        operator.iadd(self._current(), other)
        return self

    def __isub__(self, other):
        operator.isub(self._current(), other)
        return self

    def __imul__(self, other):
        operator.imul(self._current(), other)
        return self

    def __imatmul__(self, other):
        operator.imatmul(self._current(), other)
        return self

    def __itruediv__(self, other):
        operator.itruediv(self._current(), other)
        return self

    def __ifloordiv__(self, other):
        operator.ifloordiv(self._current(), other)
        return self

    def __imod__(self, other):
        operator.imod(self._current(), other)
        return self

    def __ipow__(self, other, modulo):
        operator.ipow(self._current(), other)
        return self

    def __ilshift__(self, other):
        operator.ilshift(self._current(), other)
        return self

    def __irshift__(self, other):
        operator.irshift(self._current(), other)
        return self

    def __iand__(self, other):
        operator.iand(self._current(), other)
        return self

    def __ixor__(self, other):
        operator.ixor(self._current(), other)
        return self

    def __ior__(self, other):
        operator.ior(self._current(), other)
        return self

    def __neg__(self):
        return -self._current()

    def __pos__(self):
        return +self._current()

    def __abs__(self):
        return abs(self._current())

    def __invert__(self):
        return ~self._current()

    def __complex__(self):
        return complex(self._current())

    def __int__(self):
        return int(self._current())

    def __float__(self):
        return float(self._current())

    def __index__(self):
        return operator.index(self._current())

    def __round__(self, ndigits=None):
        obj = self._current()
        return round(obj) if ndigits is None else round(obj, ndigits)

    def __trunc__(self):
        return math.trunc(self._current())

    def __floor__(self):
        return math.floor(self._current())

    def __ceil__(self):
        return math.ceil(self._current())

    def __enter__(self):
        return self._current().__enter__()

    def __exit__(self, *exc_info):
        return self._current().__exit__(*exc_info)

    def __await__(self):
        return self._async_method("__await__")()

    def __aiter__(self):
        return self._async_method("__aiter__")()

    def __anext__(self):
        return self._async_method("__anext__")()

    cdef object _async_method(self, str name):
        try:
            return getattr(self._current(), name)
        except Exception:
            raise AttributeError(
                f"object {type(self).__name__} does not have {name} method") from None

    def __aenter__(self):
        return self._current().__aenter__()

    def __aexit__(self, *exc_info):
        return self._current().__aexit__(*exc_info)

    def __copy__(self):
        return copy.copy(self._current())

    def __deepcopy__(self, memo):
        return copy.deepcopy(self._current(), memo)


cdef object _PROXY_GETATTR = local_py.LocalProxy.__dict__["__getattr__"]
_give(LocalProxy, "__getattr__", _PROXY_GETATTR)


cdef bint _inherits(object cls, str name):
    """Whether ``cls`` has ``LocalProxy``'s own ``__<name>__`` and
    ``__r<name>__``."""
    for dunder in (f"__{name}__", f"__r{name}__"):
        if (_PyType_Lookup(<PyTypeObject *>cls, dunder)
                != _PyType_Lookup(<PyTypeObject *>LocalProxy, dunder)):
            return False
    return True


cdef void _base_operators(object cls) except *:
    """Give ``cls``, a subclass of ``LocalProxy``, its base's slot for each
    binary operator of which it has neither form of its own.

    Why: Cython gives the base's operators to Python as methods, not slot
    wrappers, so Python gives a subclass its generic slots, and CPython then
    calls a subclass's proxy's reflected method first where it is the right
    operand (``plain + sub`` asked ``sub.__radd__`` before ``plain.__add__``).
    It does that only for a reflected method the subclass overrides, as
    werkzeug's and the pure twin's classes show. The base's slot tries the
    left operand first, and Python puts its own back if the class, or a
    base, is given an operator later.
    """
    mine = (<_TypeSlots *>cls).tp_as_number
    base = (<_TypeSlots *>LocalProxy).tp_as_number
    if _inherits(cls, "add"):
        mine.nb_add = base.nb_add
    if _inherits(cls, "sub"):
        mine.nb_subtract = base.nb_subtract
    if _inherits(cls, "mul"):
        mine.nb_multiply = base.nb_multiply
    if _inherits(cls, "mod"):
        mine.nb_remainder = base.nb_remainder
    if _inherits(cls, "divmod"):
        mine.nb_divmod = base.nb_divmod
    if _inherits(cls, "pow"):
        mine.nb_power = base.nb_power
    if _inherits(cls, "lshift"):
        mine.nb_lshift = base.nb_lshift
    if _inherits(cls, "rshift"):
        mine.nb_rshift = base.nb_rshift
    if _inherits(cls, "and"):
        mine.nb_and = base.nb_and
    if _inherits(cls, "xor"):
        mine.nb_xor = base.nb_xor
    if _inherits(cls, "or"):
        mine.nb_or = base.nb_or
    if _inherits(cls, "floordiv"):
        mine.nb_floor_divide = base.nb_floor_divide
    if _inherits(cls, "truediv"):
        mine.nb_true_divide = base.nb_true_divide
    if _inherits(cls, "matmul"):
        mine.nb_matrix_multiply = base.nb_matrix_multiply
    PyType_Modified(<PyTypeObject *>cls)


def _proxy_subclass(cls, **kwargs):
    """``LocalProxy.__init_subclass__``: see ``_base_getattro`` and
    ``_base_operators``."""
    super(LocalProxy, cls).__init_subclass__(**kwargs)
    _base_getattro(cls, LocalProxy, _PROXY_GETATTR)
    _base_operators(cls)


_give(LocalProxy, "__init_subclass__", classmethod(_proxy_subclass))
local_py.add_plain_proxy(LocalProxy)
