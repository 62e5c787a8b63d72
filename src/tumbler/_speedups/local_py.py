"""The locals core: context-local storage and the proxy that reads it.

``Local`` is a namespace and ``LocalStack`` a stack, each held in a
``ContextVar``, so that every thread, asyncio task and greenlet (where greenlet
gives each its own context) sees its own. ``LocalProxy`` stands for the object
one of them, or a bare ``ContextVar``, or a function, holds at the moment of
use: Flask's ``request``, ``session``, ``g`` and ``current_app`` are proxies.

All three behave as werkzeug 3.1's classes do, down to what each dunder
attribute of a proxy returns. The compiled twin (``local_c``) makes them
extension types, because there the class itself is the cost: a Python class
cannot forward ``proxy.attr`` without a failed lookup and a Python call.

This is the reference twin of ``local_c``: the API, the docs and the oracle.
"""

from __future__ import annotations

import copy
import math
import operator
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import partial
from operator import attrgetter
from typing import Any, Generic, TypeVar

__all__ = ["Local", "LocalProxy", "LocalStack"]

T = TypeVar("T")

_get = object.__getattribute__
_set = object.__setattr__

_UNBOUND = "object is not bound"


class Local:
    """A namespace of context-local attributes, held as a ``dict`` in a
    ``ContextVar``.

    Setting or deleting an attribute replaces the dict, never
    changes it, so that a context copied from this one keeps what it saw.

    :param context_var: the ``ContextVar`` to hold the namespace; by default
        a new one. Create locals at module level: a ``ContextVar`` is never
        freed.
    """

    __slots__ = ("_Local__storage",)

    def __init__(self, context_var: ContextVar[dict[str, Any]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"tumbler.Local<{id(self)}>.storage")
        _set(self, "_Local__storage", context_var)

    # PERF: the slot is read as an attribute, which Python specialises, not
    # with object.__getattribute__ (a call).
    _Local__storage: ContextVar[dict[str, Any]]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """Yield the ``(name, value)`` attributes set in this context."""
        return iter(self._Local__storage.get({}).items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[Any]:
        """Return a proxy to the attribute ``name`` of this namespace.

        :param unbound_message: the ``RuntimeError`` message when the
            attribute is not set.
        """
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        """Forget every attribute set in this context."""
        self._Local__storage.set({})

    def __getattr__(self, name: str) -> Any:
        """Return the attribute ``name`` from this context's namespace.

        Called by Python when ``name`` is not found on the object itself;
        a subclass's own ``__getattr__`` may call it through ``super()``.
        """
        values = self._Local__storage.get({})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        storage = self._Local__storage
        values = storage.get({}).copy()
        values[name] = value
        storage.set(values)

    def __delattr__(self, name: str) -> None:
        storage = self._Local__storage
        values = storage.get({})
        if name not in values:
            raise AttributeError(name)
        values = values.copy()
        del values[name]
        storage.set(values)


class LocalStack(Generic[T]):
    """A context-local stack, held as a ``list`` in a ``ContextVar``.

    Each push and pop replaces the list, never changes it, so that a context
    copied from this one keeps what it saw.

    :param context_var: the ``ContextVar`` to hold the stack; by default a
        new one. Create stacks at module level: a ``ContextVar`` is never
        freed.
    """

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"tumbler.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    def __release_local__(self) -> None:
        """Empty the stack in this context."""
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Push ``obj`` and return the new stack."""
        storage = self._storage
        # NOTE: werkzeug's copy() and append(), which fail as werkzeug's do
        # on a variable that holds no list (a Local's dict, on a shared one);
        # and a new default each time, as a variable's get may change it.
        stack = storage.get([]).copy()
        stack.append(obj)
        storage.set(stack)
        return stack

    def pop(self) -> T | None:
        """Pop the top item and return it; ``None`` if the stack is empty."""
        # NOTE: len(), and the top read before the stack is replaced, as
        # werkzeug has them: a variable that holds no list fails alike.
        storage = self._storage
        stack = storage.get([])
        if len(stack) == 0:
            return None
        top: T = stack[-1]
        storage.set(stack[:-1])
        return top

    @property
    def top(self) -> T | None:
        """The top item; ``None`` if the stack is empty."""
        stack = self._storage.get([])
        return stack[-1] if len(stack) else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[Any]:
        """Return a proxy to the top item or, with ``name``, to that
        attribute of it.

        :param unbound_message: the ``RuntimeError`` message when the stack
            is empty.
        """
        return LocalProxy(self, name, unbound_message=unbound_message)


def _unbound(message: str) -> Callable[[], Any]:
    def fail() -> Any:
        raise RuntimeError(message)

    return fail


def _resolver(local: Any, name: str | None, message: str) -> Callable[[], Any]:
    """The function that finds what a proxy stands for, as werkzeug's
    constructor forms define it."""
    # NOTE: attrgetter first, as werkzeug does: a name that is no str fails
    # before what is proxied is looked at (isinstance may ask a proxy).
    get_name = attrgetter(name) if name is not None else None
    if isinstance(local, Local):
        if get_name is None:
            raise TypeError("'name' is required when proxying a 'Local' object.")
        read = get_name

        def from_local() -> Any:
            try:
                return read(local)
            except AttributeError:
                raise RuntimeError(message) from None

        return from_local
    if isinstance(local, LocalStack):

        def from_stack() -> Any:
            obj = local.top
            if obj is None:
                raise RuntimeError(message)
            return obj if get_name is None else get_name(obj)

        return from_stack
    if isinstance(local, ContextVar):
        var: ContextVar[Any] = local

        def from_var() -> Any:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(message) from None
            return obj if get_name is None else get_name(obj)

        return from_var
    if callable(local):

        def from_call() -> Any:
            obj = local()
            return obj if get_name is None else get_name(obj)

        return from_call
    raise TypeError(f"Don't know how to proxy '{type(local)}'.")


def _swapped(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``op`` with its operands swapped: the reflected operator."""

    def reflected(obj: Any, other: Any) -> Any:
        return op(other, obj)

    return reflected


def _call(obj: Any, /, *args: Any, **kwargs: Any) -> Any:
    return obj(*args, **kwargs)


def _isinstance(obj: Any, other: Any) -> bool:
    return isinstance(other, obj)


def _issubclass(obj: Any, other: Any) -> bool:
    return issubclass(other, obj)


#: What ``proxy.<dunder>`` is, for every dunder werkzeug's proxy forwards:
#: ``name -> (function, fallback)``. With the object bound, the attribute is
#: ``function`` with the object as its first argument (``None``: the object's
#: own attribute of that name). Unbound, it is ``fallback(proxy)``, or a
#: ``RuntimeError`` if there is none.
_FORWARDED: dict[str, tuple[Callable[..., Any] | None, Callable[[Any], Any] | None]] = {
    "__repr__": (repr, lambda p: lambda: f"<{type(p).__name__} unbound>"),
    "__str__": (str, None),
    "__bytes__": (bytes, None),
    "__format__": (None, None),
    "__lt__": (operator.lt, None),
    "__le__": (operator.le, None),
    "__eq__": (operator.eq, None),
    "__ne__": (operator.ne, None),
    "__gt__": (operator.gt, None),
    "__ge__": (operator.ge, None),
    "__hash__": (hash, None),
    "__bool__": (bool, lambda p: lambda: False),
    "__setattr__": (setattr, None),
    "__delattr__": (delattr, None),
    "__dir__": (dir, lambda p: lambda: []),
    "__instancecheck__": (_isinstance, None),
    "__subclasscheck__": (_issubclass, None),
    "__call__": (_call, None),
    "__len__": (len, None),
    "__length_hint__": (operator.length_hint, None),
    "__getitem__": (operator.getitem, None),
    "__setitem__": (operator.setitem, None),
    "__delitem__": (operator.delitem, None),
    "__iter__": (iter, None),
    "__next__": (next, None),
    "__reversed__": (reversed, None),
    "__contains__": (operator.contains, None),
    "__neg__": (operator.neg, None),
    "__pos__": (operator.pos, None),
    "__abs__": (abs, None),
    "__invert__": (operator.invert, None),
    "__complex__": (complex, None),
    "__int__": (int, None),
    "__float__": (float, None),
    "__index__": (operator.index, None),
    "__round__": (round, None),
    "__trunc__": (math.trunc, None),
    "__floor__": (math.floor, None),
    "__ceil__": (math.ceil, None),
    "__enter__": (None, None),
    "__exit__": (None, None),
    "__await__": (None, None),
    "__aiter__": (None, None),
    "__anext__": (None, None),
    "__aenter__": (None, None),
    "__aexit__": (None, None),
    "__copy__": (copy.copy, None),
    "__deepcopy__": (copy.deepcopy, None),
}
#: The binary operators, each with its reflected and its in-place form.
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "matmul": operator.matmul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "divmod": divmod,
    "pow": pow,
    "lshift": operator.lshift,
    "rshift": operator.rshift,
    "and": operator.and_,
    "xor": operator.xor,
    "or": operator.or_,
}
for _name, _op in _BINARY.items():
    _FORWARDED[f"__{_name}__"] = (_op, None)
    _FORWARDED[f"__r{_name}__"] = (_swapped(_op), None)
#: In-place operators: applied to the object, they return the proxy.
_IN_PLACE = {
    f"__i{name}__": getattr(operator, f"i{name}")
    for name in (
        *("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow"),
        *("lshift", "rshift", "and", "xor", "or"),
    )
}
#: Plain attributes rather than methods: unbound, the fallback is the value.
_ATTRIBUTES: dict[str, Callable[[Any], Any]] = {
    "__class__": lambda p: type(p),
    "__doc__": lambda p: type(p).__doc__,
    "__wrapped__": lambda p: p._LocalProxy__wrapped,
}


#: The plain proxy classes, this twin's and the compiled twin's (each adds
#: its own with ``add_plain_proxy``): a proxy of one of them forwards every
#: operation to its object, so that one which stands for another may pass an
#: operation straight to the end of the chain (see ``follow``).
PLAIN_PROXIES: set[type] = set()
#: The same classes as a tuple, for ``issubclass`` (PERF: made once).
_PLAIN_BASES: tuple[type, ...] = ()


def add_plain_proxy(cls: type) -> None:
    """Count ``cls`` among ``PLAIN_PROXIES``."""
    global _PLAIN_BASES
    PLAIN_PROXIES.add(cls)
    _PLAIN_BASES = tuple(PLAIN_PROXIES)


def follow(proxy: Any) -> Any:
    """What an operation on ``proxy``, a plain proxy another proxy stands
    for, reaches: the first object down the chain of plain proxies that is
    not one, or the first proxy whose object cannot be found (the
    operation then meets that proxy's own fallback, as it would through
    the chain).

    Why: each proxy calling the next counts a level of recursion only in
    Python frames, and from C (the compiled twin's slots, or CPython's
    between a dunder and the next) not at all, so a proxy that comes to
    stand for itself overflowed the C stack (werkzeug's does on ``bool()``).
    Followed in a loop, such a cycle raises ``RecursionError`` after as many
    steps as the recursion limit allows, and a chain that ends gives every
    operation the answer each proxy in turn would have given.
    """
    return _down(proxy, plain_only=True)


#: The message of the ``RecursionError`` that ``_down`` raises for a cycle
#: it finds. NOTE: told from an overflow's by identity, not by its words,
#: which the compiled twin's overflow shares (see _overflows_through_wrapped).
_CYCLE_FOUND = "maximum recursion depth exceeded while a LocalProxy looks for its object"


def _down(obj: Any, plain_only: bool) -> Any:
    """The first object down the chain from ``obj`` that is no proxy (with
    ``plain_only``, no plain proxy), or the first proxy whose object cannot
    be found; ``RecursionError`` past as many steps as the recursion limit."""
    for _ in range(sys.getrecursionlimit()):
        followed = type(obj) in PLAIN_PROXIES if plain_only else issubclass(type(obj), _PLAIN_BASES)
        if not followed:
            return obj
        try:
            obj = obj._get_current_object()
        except RecursionError:
            # NOTE: a cycle further down, not this proxy's object missing:
            # taken for the latter, the operation would be tried once more
            # at every level of the cycle, in time exponential in its depth.
            raise
        except Exception:
            return obj
    raise RecursionError(_CYCLE_FOUND)


def check_chain(obj: Any) -> None:
    """Raise ``RecursionError`` if ``obj``, what a proxy of a ``LocalProxy``
    subclass stands for, is a proxy whose chain does not end within the
    recursion limit.

    Why: ``follow`` passes an operation through plain proxies only (a
    subclass may override one), so a subclass's proxy takes each operation
    itself, and one that comes back to it through a cycle would pass it from
    one slot to the next, which counts no recursion in C, until the stack
    overflowed. Looking down the chain first turns that into the error a
    plain cycle gives; a chain that ends is read once more. Both twins call
    it only where a subclass's proxy stands for a proxy (its type a subclass
    of one in ``PLAIN_PROXIES``), and test that first (PERF: no call).
    """
    _down(obj, plain_only=False)


def _overflows_through_wrapped(error: RuntimeError) -> bool:
    """Whether ``error``, which a proxy's read of ``__wrapped__`` met as it
    looked for the object, is the stack overflowing in a cycle that passes
    through another read of ``__wrapped__`` (one that encloses this one, or
    one between it and the overflow): that read then raises the error rather
    than take the fallback.

    Why: the fallback is the proxy's own ``local``, and in such a cycle what
    is done with it leads back into the cycle, to overflow once more and
    take another fallback, at every level: time exponential in the depth.
    werkzeug's proxy does just that, and hangs on every such cycle at the
    default recursion limit. A cycle ``_down`` finds without recursing, or
    an overflow that meets no other ``__wrapped__`` read, still takes the
    fallback, as in werkzeug.
    """
    if not isinstance(error, RecursionError):
        return False
    if error.args and error.args[0] is _CYCLE_FOUND:
        return False  # a cycle found, not the stack overflowing
    reads = _Forwarded.__get__.__code__
    # NOTE: the traceback starts at the frame of the read that caught it.
    traceback = error.__traceback__
    assert traceback is not None
    frames = []
    below = traceback.tb_next
    while below is not None:
        frames.append(below.tb_frame)
        below = below.tb_next
    above = traceback.tb_frame.f_back
    while above is not None:
        frames.append(above)
        above = above.f_back
    return any(
        frame.f_code is reads and frame.f_locals.get("self") is READS["__wrapped__"]
        for frame in frames
    )


def _in_place(op: Callable[[Any, Any], Any], obj: Any, proxy: Any, other: Any) -> Any:
    op(obj, other)
    return proxy


#: Every dunder a proxy answers for the object rather than for itself.
SPECIAL_NAMES = frozenset(_FORWARDED) | frozenset(_IN_PLACE) | frozenset(_ATTRIBUTES)
# NOTE: werkzeug's proxy answers proxy.__getattr__ as partial(getattr, obj);
# here it is the proxy's own forwarding method (see LocalProxy.__getattr__),
# which does the same when called.


#: The proxy, name and ``AttributeError`` of the last ``_Forwarded`` read
#: that failed on this thread, for the ``__getattr__`` call that follows it.
_missed = threading.local()


#: The ``_Forwarded`` of each name in ``SPECIAL_NAMES``, by name: what the
#: compiled twin reads its dunders through.
READS: dict[str, _Forwarded] = {}


class _Forwarded:
    """A dunder of ``LocalProxy`` that stands for the object's: read from a
    proxy, it is what ``__get__`` says; called by Python for an operator or a
    protocol (``len(p)``, ``p + 1``, ``with p``), it is read the same way,
    so both follow werkzeug's semantics exactly."""

    __slots__ = ("class_value", "fallback", "function", "in_place", "name")

    def __init__(self, class_value: Any = None) -> None:
        self.class_value = class_value

    def __set_name__(self, owner: type, name: str) -> None:
        # PERF: what the tables say of the name is looked up once, here.
        self.name = name
        self.function, self.fallback = _FORWARDED.get(name, (None, _ATTRIBUTES.get(name)))
        self.in_place = _IN_PLACE.get(name)
        READS[name] = self

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        """``instance.<name>``, as werkzeug's proxy answers it: the function
        bound to the object, the in-place operator that returns the proxy,
        or the object's own attribute; unbound, the fallback, if any."""
        if instance is None:
            return self if self.class_value is None else self.class_value
        try:
            try:
                obj = instance._get_current_object()
                if type(obj) in PLAIN_PROXIES:
                    obj = follow(obj)
                if type(instance) not in PLAIN_PROXIES and issubclass(type(obj), _PLAIN_BASES):
                    check_chain(obj)
            except RuntimeError as error:
                if self.fallback is None or (
                    self.name == "__wrapped__" and _overflows_through_wrapped(error)
                ):
                    raise
                return self.fallback(instance)
            if self.function is not None:
                return partial(self.function, obj)
            if self.in_place is not None:
                return partial(_in_place, self.in_place, obj, instance)
            return getattr(obj, self.name)
        except AttributeError as error:
            # NOTE: Python calls __getattr__ next, for the same name, and it
            # raises this error again rather than look for the object once
            # more (as werkzeug's does): in a proxy that reads a dunder of
            # itself, looking again at every level of the recursion took
            # time exponential in its depth.
            _missed.last = (instance, self.name, error)
            raise

    def __call__(self, instance: Any, /, *args: Any, **kwargs: Any) -> Any:
        # type(p).__copy__(p), as copy.copy calls it, reaches here.
        return self.__get__(instance)(*args, **kwargs)


class LocalProxy(Generic[T]):
    """A proxy to the object a context-local holds: every operation on a
    LocalProxy, from attribute access to operators, ``with`` and ``await``,
    is forwarded to that object, found anew each time.

    ``repr``, ``isinstance`` (through ``__class__``) and ``__doc__`` are the
    object's too; ``issubclass(type(x), LocalProxy)`` tells a proxy. Unbound,
    a proxy is false, its ``repr`` says so, and anything else raises
    ``RuntimeError`` with ``unbound_message``.

    :param local: what holds the object: a ``ContextVar``; a ``LocalStack``
        (its top item); a ``Local`` (its attribute ``name``, which is then
        required); or a function, called each time.
    :param name: proxy this attribute of the object instead (dotted names
        reach further).
    :param unbound_message: the ``RuntimeError`` message when nothing is
        bound.
    """

    __slots__ = ("_LocalProxy__wrapped", "_get_current_object")

    _get_current_object: Callable[[], T]

    def __init__(
        self,
        local: ContextVar[T] | Local | LocalStack[T] | Callable[[], T],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        message = _UNBOUND if unbound_message is None else unbound_message
        _set(self, "_get_current_object", _resolver(local, name, message))
        _set(self, "_LocalProxy__wrapped", local)

    # PERF: a plain method, called only once the proxy's own attributes are
    # searched, unlike werkzeug's descriptor that builds a partial each time.
    # NOTE: not through follow(): a chain of these counts its depth in
    # Python frames, and has the same answers.
    def __getattr__(self, name: str) -> Any:
        if name in SPECIAL_NAMES:  # its _Forwarded has just failed
            missed = _missed.__dict__.pop("last", None)
            if missed is not None and missed[0] is self and missed[1] == name:
                raise missed[2]
        return getattr(self._get_current_object(), name)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """A proxy cannot be pickled: pickle ``_get_current_object()``."""
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")

    __doc__ = _Forwarded(class_value=__doc__)
    __class__ = _Forwarded()
    __wrapped__ = _Forwarded()
    __repr__ = _Forwarded()
    __str__ = _Forwarded()
    __bytes__ = _Forwarded()
    __format__ = _Forwarded()
    __lt__ = _Forwarded()
    __le__ = _Forwarded()
    __eq__ = _Forwarded()
    __ne__ = _Forwarded()
    __gt__ = _Forwarded()
    __ge__ = _Forwarded()
    __hash__ = _Forwarded()
    __bool__ = _Forwarded()
    __setattr__ = _Forwarded()
    __delattr__ = _Forwarded()
    __dir__ = _Forwarded()
    __instancecheck__ = _Forwarded()
    __subclasscheck__ = _Forwarded()
    __call__ = _Forwarded()
    __len__ = _Forwarded()
    __length_hint__ = _Forwarded()
    __getitem__ = _Forwarded()
    __setitem__ = _Forwarded()
    __delitem__ = _Forwarded()
    __iter__ = _Forwarded()
    __next__ = _Forwarded()
    __reversed__ = _Forwarded()
    __contains__ = _Forwarded()
    __add__ = _Forwarded()
    __sub__ = _Forwarded()
    __mul__ = _Forwarded()
    __matmul__ = _Forwarded()
    __truediv__ = _Forwarded()
    __floordiv__ = _Forwarded()
    __mod__ = _Forwarded()
    __divmod__ = _Forwarded()
    __pow__ = _Forwarded()
    __lshift__ = _Forwarded()
    __rshift__ = _Forwarded()
    __and__ = _Forwarded()
    __xor__ = _Forwarded()
    __or__ = _Forwarded()
    __radd__ = _Forwarded()
    __rsub__ = _Forwarded()
    __rmul__ = _Forwarded()
    __rmatmul__ = _Forwarded()
    __rtruediv__ = _Forwarded()
    __rfloordiv__ = _Forwarded()
    __rmod__ = _Forwarded()
    __rdivmod__ = _Forwarded()
    __rpow__ = _Forwarded()
    __rlshift__ = _Forwarded()
    __rrshift__ = _Forwarded()
    __rand__ = _Forwarded()
    __rxor__ = _Forwarded()
    __ror__ = _Forwarded()
    __iadd__ = _Forwarded()
    __isub__ = _Forwarded()
    __imul__ = _Forwarded()
    __imatmul__ = _Forwarded()
    __itruediv__ = _Forwarded()
    __ifloordiv__ = _Forwarded()
    __imod__ = _Forwarded()
    __ipow__ = _Forwarded()
    __ilshift__ = _Forwarded()
    __irshift__ = _Forwarded()
    __iand__ = _Forwarded()
    __ixor__ = _Forwarded()
    __ior__ = _Forwarded()
    __neg__ = _Forwarded()
    __pos__ = _Forwarded()
    __abs__ = _Forwarded()
    __invert__ = _Forwarded()
    __complex__ = _Forwarded()
    __int__ = _Forwarded()
    __float__ = _Forwarded()
    __index__ = _Forwarded()
    __round__ = _Forwarded()
    __trunc__ = _Forwarded()
    __floor__ = _Forwarded()
    __ceil__ = _Forwarded()
    __enter__ = _Forwarded()
    __exit__ = _Forwarded()
    __await__ = _Forwarded()
    __aiter__ = _Forwarded()
    __anext__ = _Forwarded()
    __aenter__ = _Forwarded()
    __aexit__ = _Forwarded()
    __copy__ = _Forwarded()
    __deepcopy__ = _Forwarded()


add_plain_proxy(LocalProxy)
