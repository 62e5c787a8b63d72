"""Coverage-guided fuzz of the compiled headers and locals cores
(``headers_c``, ``local_c``), meant to run under AddressSanitizer.

    python -m tests.fuzz_cores [--runs N] [--core headers|local|both] [--no-werkzeug]
                               [libFuzzer options] [corpus dirs]
    python -m tests.fuzz_cores --show FILE     # what one input decodes to

Why: the kernel tests compare answers on inputs someone thought of. The
headers core reads ``str`` data as raw bytes, walks a dict environ with
borrowed pointers and writes items into ``Headers._list`` by index with bounds
checks off; the locals core reads ``ContextVar`` values with the C API and
hands references around by hand. AddressSanitizer turns a slip there into a
report, and libFuzzer, fed the C code's own coverage when the extensions are
built with ``-fsanitize=fuzzer-no-link``, steers towards the branches that
reach it. ``bash scripts/fuzz-asan fuzz --target cores`` builds such a copy
of the tree and runs this.

An input is read through ``atheris.FuzzedDataProvider`` into a script of
steps, each run in three worlds side by side: tumbler's public classes on the
compiled twin, on the pure twin, and werkzeug's own classes, the oracle:

- ``Headers`` built from lists, dicts, ``MultiDict``, other ``Headers`` and
  ``EnvironHeaders``; ``add`` (with keyword options), ``set``, ``setdefault``,
  ``setlist``, ``extend``, ``update``, ``remove``, ``pop``, ``popitem``,
  ``get``, ``getlist`` and ``get_all`` (with converters), ``[]`` by name,
  index and slice (read, set, delete), ``in``, iteration, ``len``, ``keys``,
  ``values``, ``items`` (``lower``), ``copy``, ``clear``, ``to_wsgi_list``,
  ``==``, ``|`` and ``|=``, with names and values of any code points (NUL,
  CR/LF, lone surrogates, wide and long text), ``str`` subclasses, bytes,
  numbers and objects whose ``str`` is odd or raises;
- the same operations on ``EnvironHeaders`` over fuzzed environs (``HTTP_*``
  keys, ``CONTENT_TYPE``/``CONTENT_LENGTH``, odd keys, values that are not
  text, a mapping that is not a ``dict``), with the environ changed between
  calls (keys set and deleted, a value changed in place);
- the kernel helpers ``environ_key``, ``header_name`` and ``header_value``
  (werkzeug has only the last, as ``_str_header_value``);
- ``Local`` attributes set, read and deleted, ``LocalStack`` push, pop and
  top, a ``ContextVar`` set, ``Local`` and ``LocalStack`` on a shared
  variable, steps run in ``contextvars.copy_context().run``, and
  ``LocalProxy`` over each of them and over callables (names plain, dotted
  and odd; unbound messages), read, written and deleted attributes,
  operators (reflected, in place, three-argument ``pow``), calls, items,
  iteration, ``with``, ``await``, ``_get_current_object`` and the unbound
  errors. werkzeug is the oracle for the locals until a step puts a proxy
  where a proxy may find it (a cycle of proxies may crash or hang
  werkzeug's, README); from then on the twins are compared with each other.

Each step's outcome is its result (or its exception's class and message)
and what the object holds after it. A finding is any of:

- a crash, or an AddressSanitizer report;
- a step whose outcome differs between the compiled and the pure twin;
- the same difference between the compiled twin and werkzeug
  (``--no-werkzeug`` turns it off). Most differences the README lists as
  made on purpose cannot arise here: each iteration is consumed at once (an
  ``EnvironHeaders`` that ``extend`` or ``update`` reads holds only ``str``
  keys, so that its walk cannot fail), no method is overridden, and every
  call has the right number of arguments. The others are left out of the
  comparison where they arise: docstrings, ``proxy.__getattr__``, werkzeug's
  proxy of ``None`` and ``deepcopy`` that falls back on pickling (see
  :func:`_as_readme_says` and :func:`_binds_none`), and the compiled type's
  name in messages (see :func:`clean`).

Each input also runs, on the compiled twin only, code that changes what the
core is reading (see :func:`meddle`): a header name whose ``lower()`` cuts the
item list being searched, a converter that empties it, and a finalizer that
replaces an environ's values while the environ is walked (run by the garbage
collector at an allocation, as CPython 3.10 and 3.11 do). Only a crash counts
there.

libFuzzer writes a finding's input to ``crash-<sha1>``; ``--show`` on that
file prints the script and the differing steps.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import gc
import math
import operator
import re
import reprlib
import sys
import types
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from werkzeug.datastructures import EnvironHeaders as WerkzeugEnvironHeaders
from werkzeug.datastructures import Headers as WerkzeugHeaders
from werkzeug.datastructures import MultiDict

from tests._fuzzing import (
    Finding,
    OddText,
    ProviderChooser,
    Unprintable,
    argument_parser,
    describe,
    differences,
    fuzz,
    instrumenting,
    require_atheris,
)
from tests._subclasses import KINDS, kinds

atheris = require_atheris("fuzz_cores")

# -- what inputs are made of ----------------------------------------------------------

#: Characters of each ``str`` kind (1, 2 and 4 bytes) and those the cores
#: treat apart: CR, LF, NUL, ``-`` and ``_``, and letters whose case mapping
#: leaves ASCII or changes length (ß, İ, the Kelvin sign, ǅ, ﬀ).
EDGE_CHARS = [
    *("a", "A", "-", "_", "\r", "\n", "\x00", " ", "\x7f", "\xe9", "\xdf", "\xff"),
    *("\u0130", "\u212a", "\u01c5", "\ufb00", "\ud800", "\U0001d7d8"),
]
#: Lengths around the ``HTTP_`` prefix (5), the unprefixed keys (12, 14) and
#: their prefixed forms (17, 19), and long ones.
EDGE_LENGTHS = [0, 1, 2, 4, 5, 6, 12, 14, 17, 19, 64, 1000, 5000]
#: Header names: the two unprefixed ones in every spelling, usual ones, and
#: names whose case mapping is not ASCII.
NAMES = [
    *("Content-Type", "content-type", "CONTENT_TYPE", "Content_Type", "Content-Length"),
    *("content_length", "X-Foo", "x-foo", "X_FOO", "x-Foo-Bar", "Set-Cookie", "Host"),
    *("Accept", "", "-", "_", "HTTP_X", "Stra\xdfe", "\u212aey", "key", "\u0130", "i\u0307"),
    *("\u01c5-x", "\ufb00", "x\x00", "\xe9", "\ud800", "a b", "1a-2b"),
]
#: WSGI environ keys: headers, the unprefixed two and their prefixed forms
#: (which werkzeug skips), keys that are no headers.
ENVIRON_KEYS = [
    *("HTTP_X_FOO", "HTTP_HOST", "HTTP_ACCEPT", "HTTP_", "HTTP_x_foo", "HTTP_A__B"),
    *("HTTP_1A", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "CONTENT_TYPE"),
    *("CONTENT_LENGTH", "REQUEST_METHOD", "PATH_INFO", "wsgi.input", "HTTP_\xe9"),
    *("HTTP_\u0100", "HTTP_\ud800", "HTTP_\u01c5", "HTTP_\xdf", "HTTP", "http_x"),
]
VALUE_WORDS = ["text/html", "", "0", "5", "a b", "\r", "\n", "x\r\ny", "\x00", "\xe9", "\ud800"]
#: Option names for ``add``/``set`` keyword arguments (``_`` becomes ``-``).
OPTION_NAMES = ["filename", "charset", "q", "a_b", "_", "x", "\xe9", "filename*"]
OPTION_VALUES: list[Any] = ["x", "a b", "\xe9", None, 1, "", 'q"', "a\nb", True]
#: Attribute names for locals and proxies: plain, private, dunders a proxy
#: forwards or answers itself, and odd ones.
ATTRIBUTES = [
    *("value", "items", "double", "kind", "real", "upper", "append", "missing", "x"),
    *("_private", "__class__", "__doc__", "__wrapped__", "__len__", "__add__"),
    *("__iadd__", "__repr__", "__getattr__", "_get_current_object", "__dict__"),
    *("__init__", "__iter__", "__release_local__", "_Local__storage", "_storage"),
    *("push", "top", "", "\xe9", "\ud800", "__dunder__"),
]
#: Names a proxy may be made with. NOTE: not "_get_current_object": such a
#: proxy of a proxy stands for a built-in method in the compiled twin and a
#: function in the pure one (README), whose attributes differ (a function
#: takes new ones), not for anything of the cores.
PROXY_NAMES: list[Any] = [
    *(None, None, None, "value", "value.real", "items", "upper", "kind"),
    *("", ".", "a..b", "\xe9", "__wrapped__", "double"),
]
MESSAGES: list[Any] = [None, None, "", "custom", "\ud800", 5]
FORMAT_SPECS = ["", "x", ">5", "d", ".2f", "!", "\x00"]


class Name(str):
    """A header name or key of a ``str`` subclass, with ``str``'s methods."""

    def __repr__(self) -> str:
        return f"Name({str.__repr__(self)})"


class ShoutName(str):
    """A name whose ``lower()`` and ``upper()`` are swapped: each twin must
    call them as werkzeug does, never read the characters instead."""

    def lower(self) -> str:  # type: ignore[override]
        return str.upper(self)

    def upper(self) -> str:  # type: ignore[override]
        return str.lower(self)

    def __repr__(self) -> str:
        return f"ShoutName({str.__repr__(self)})"


class HidingText(str):
    """A value that hides its newlines from ``in``: the check must read the
    characters."""

    def __contains__(self, item: object) -> bool:
        return False

    def __repr__(self) -> str:
        return f"HidingText({str.__repr__(self)})"


class SubclassText:
    """A value whose ``str`` is a ``str`` subclass."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return HidingText(self.text)

    def __repr__(self) -> str:
        return f"SubclassText({self.text!r})"


class NotText:
    """A value whose ``__str__`` returns no ``str``."""

    def __str__(self) -> Any:
        return 5

    def __repr__(self) -> str:
        return "NotText()"


ODD_VALUES: list[Any] = [
    *(0, -1, 2**70, None, True, 1.5, float("nan"), b"x", b"a\nb", ("a", "b")),
    *(Name("v"), HidingText("a\nb"), HidingText("ok"), OddText("x\ny"), OddText("\ud800")),
    *(SubclassText("ok"), SubclassText("a\rb"), Unprintable(), NotText()),
]
ODD_NAMES: list[Any] = [5, None, b"X-Foo", 1.5, ("x",), True]


def odd_text(provider: Any, ch: ProviderChooser) -> str:
    """Text of any code points: fuzzed, an edge character repeated to an
    edge length, or a known name with an edge character in it."""
    roll = ch.integer(0, 7)
    if roll <= 2:
        return provider.ConsumeUnicode(ch.integer(0, 24))  # type: ignore[no-any-return]
    if roll <= 4:
        return provider.ConsumeUnicodeNoSurrogates(ch.integer(0, 24))  # type: ignore[no-any-return]
    if roll == 5:
        return ch.choice(EDGE_CHARS) * ch.choice(EDGE_LENGTHS)  # type: ignore[no-any-return]
    word = ch.choice(NAMES)
    cut = ch.integer(0, len(word))
    return word[:cut] + ch.choice(EDGE_CHARS) + word[cut:]  # type: ignore[no-any-return]


def header_name(provider: Any, ch: ProviderChooser) -> Any:
    roll = ch.integer(0, 19)
    if roll <= 10:
        return ch.choice(NAMES)
    if roll <= 14:
        return odd_text(provider, ch)
    if roll <= 16:
        return Name(ch.choice(NAMES))
    if roll == 17:
        return ShoutName(ch.choice(NAMES))
    return ch.choice(ODD_NAMES)


def header_value(provider: Any, ch: ProviderChooser) -> Any:
    roll = ch.integer(0, 9)
    if roll <= 3:
        return odd_text(provider, ch)
    if roll <= 6:
        return ch.choice(VALUE_WORDS)
    return ch.choice(ODD_VALUES)


def options(provider: Any, ch: ProviderChooser) -> dict[str, Any]:
    """Keyword options for ``add``/``set``: mostly none."""
    if not ch.chance(25):
        return {}
    return {ch.choice(OPTION_NAMES): ch.choice(OPTION_VALUES) for _ in range(ch.integer(1, 3))}


def pairs(provider: Any, ch: ProviderChooser) -> list[Any]:
    """``(name, value)`` pairs, now and then an odd item among them."""
    items: list[Any] = []
    for _ in range(ch.choice([0, 1, 2, 3, 5, 9, 17])):
        if ch.chance(5):
            items.append(ch.choice([("a",), ("a", "b", "c"), "ab", 5, ["X", "y"]]))
        else:
            items.append((header_name(provider, ch), header_value(provider, ch)))
    return items


class Fresh:
    """An argument made anew in each world when a step runs: a mutable
    object, or one of the world's own classes."""

    def __init__(self, label: str, build: Callable[[World], Any]) -> None:
        self.label = label
        self.build = build

    def __repr__(self) -> str:
        return self.label


def headers_source(provider: Any, ch: ProviderChooser) -> Any:
    """What ``Headers(...)``, ``extend``, ``update`` and ``|=`` take."""
    roll = ch.integer(0, 10)
    if roll <= 3:
        return pairs(provider, ch)
    if roll <= 5:
        mapping: dict[Any, Any] = {}
        for _ in range(ch.integer(0, 5)):
            values = [header_value(provider, ch) for _ in range(ch.integer(0, 3))]
            kind = ch.choice(["one", "list", "tuple", "set"])
            if kind == "one":
                mapping[header_name(provider, ch)] = values[0] if values else ""
            elif kind == "set":
                try:
                    mapping[header_name(provider, ch)] = set(values)
                except TypeError:
                    mapping[header_name(provider, ch)] = values
            else:
                mapping[header_name(provider, ch)] = values if kind == "list" else tuple(values)
        return mapping
    items = pairs(provider, ch)
    if roll == 6:
        return Fresh(f"MultiDict({items!r})", lambda w: MultiDict(items))
    if roll == 7:
        return Fresh(f"Headers({items!r})", lambda w: w.Headers(items))
    if roll == 8:
        # NOTE: of the environ's str keys only: with others, iter() fails at
        # once (README: the walk is made when iter() is called), where
        # werkzeug's lazy walk lets extend or update fail on a value first.
        return Fresh("EnvironHeaders(str keys of environ)", _str_keyed)
    if roll == 9:
        return None
    once = Fresh("iter([('a', 'b')])", lambda w: iter([("a", "b")]))
    return ch.choice(["ab", 5, b"ab", [("a", "b")] * 3, once])


def _str_keyed(w: World) -> Any:
    return w.EnvironHeaders({k: v for k, v in w.environ.items() if isinstance(k, str)})


def environ_key(provider: Any, ch: ProviderChooser) -> Any:
    roll = ch.integer(0, 19)
    if roll <= 11:
        return ch.choice(ENVIRON_KEYS)
    if roll <= 14:
        return "HTTP_" + odd_text(provider, ch)
    if roll <= 16:
        return odd_text(provider, ch)
    if roll == 17:
        return Name(ch.choice(ENVIRON_KEYS))
    return ch.choice([5, None, b"HTTP_X", ("HTTP_X",)])


def environ_value(provider: Any, ch: ProviderChooser) -> Any:
    roll = ch.integer(0, 9)
    if roll <= 2:
        return odd_text(provider, ch)
    if roll <= 6:
        return ch.choice(VALUE_WORDS)
    if roll == 7:
        return Fresh("[]", lambda w: [])
    if roll == 8:
        return Fresh("[1]", lambda w: [1])
    return ch.choice([None, 0, 5, b"", b"x", Name("v"), 1.5])


# -- the objects behind the locals --------------------------------------------------


class Thing:
    """An object with attributes, items, a length, a call and a hash, to
    stand behind a proxy. Its ``repr`` never reads what it holds (which may
    be a proxy)."""

    kind = "thing"

    def __init__(self) -> None:
        self.value: Any = 1
        self.items: dict[Any, Any] = {"a": 1}

    def double(self) -> Any:
        return self.value * 2

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return ("called", args, kwargs)

    def __getitem__(self, key: Any) -> Any:
        return self.items[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.items[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.items[key]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self.items))

    def __hash__(self) -> int:
        return 7

    def __repr__(self) -> str:
        return "Thing()"


class Manager:
    """A context manager that counts its uses. Its ``repr`` reads the count
    only where a step has left it an ``int`` (it may delete it, or set it to
    a proxy)."""

    def __init__(self) -> None:
        self.entered = 0

    def __enter__(self) -> Any:
        self.entered += 1
        return ("entered", self.entered)

    def __exit__(self, *exc_info: Any) -> bool:
        return False

    def __repr__(self) -> str:
        entered = vars(self).get("entered")
        return f"Manager({entered})" if type(entered) is int else "Manager(?)"


class Waitable:
    """Something to ``await`` and to iterate asynchronously."""

    def __await__(self) -> Any:
        return (yield from ("awaited",))

    def __aiter__(self) -> Any:
        return self

    def __anext__(self) -> Any:
        return Waitable()

    def __repr__(self) -> str:
        return "Waitable()"


def _proxy(index: int) -> Callable[[World], Any]:
    return lambda w: w.proxies[index] if index < len(w.proxies) else None


#: What a local may hold, or an operator take: each made anew in each world.
OBJECTS: dict[str, Callable[[World], Any]] = {
    "7": lambda w: 7,
    "-3": lambda w: -3,
    # NOTE: a big int, but no big exponent (x ** 2**70 never ends).
    "-(2**63)": lambda w: -(2**63),
    "2.5": lambda w: 2.5,
    "0": lambda w: 0,
    "'text'": lambda w: "text",
    "'\\xe9\\ud800'": lambda w: "\xe9\ud800",
    "b'ab'": lambda w: b"ab",
    "None": lambda w: None,
    "True": lambda w: True,
    "(1, 2)": lambda w: (1, 2),
    "[1, 'a']": lambda w: [1, "a"],
    "{'a': 1}": lambda w: {"a": 1},
    "Thing()": lambda w: Thing(),
    "Manager()": lambda w: Manager(),
    "Waitable()": lambda w: Waitable(),
    "iter([1, 2])": lambda w: iter([1, 2]),
    "int": lambda w: int,
    "dict": lambda w: dict,
    "Unprintable()": lambda w: Unprintable(),
    "proxy[0]": _proxy(0),
    "proxy[1]": _proxy(1),
}
# NOTE: no class a step could change (a proxy standing for Thing or for a
# twin's class, set through): the change would outlive the world. No Local or
# LocalStack either: CPython treats an extension type's missing slots apart
# from a Python class's (``del local[proxy]`` asks the proxy's __index__ of
# the pure twin's Local only), which says nothing about the cores.


def thing(ch: ProviderChooser) -> Fresh:
    """An object from :data:`OBJECTS`."""
    label = ch.choice(list(OBJECTS))
    return Fresh(label, OBJECTS[label])


# -- worlds: the same steps on each twin and on werkzeug --------------------------------

#: The outcome of a step a world does not take (werkzeug has no kernel
#: helpers, and is no oracle for locals that may hold a cycle of proxies).
SKIP = ("skip",)
MISSING = Fresh("MISSING", lambda w: MISSING)


#: The subclasses ``_kinds`` made: ``shape`` names them as it names the
#: classes they subclass.
_SUBCLASSES: weakref.WeakSet[type] = weakref.WeakSet()


def _kinds(base: type) -> dict[str, type]:
    """``base`` and a subclass of each other kind in ``KINDS``, made anew for
    each input so that no step's change to a class outlives its world."""
    made = kinds(base)
    _SUBCLASSES.update(cls for cls in made.values() if cls is not base)
    return made


class World:
    """One side of the comparison: the classes a step runs on, and the
    state steps leave for the next (the headers, the environ and its
    ``EnvironHeaders``, the locals and the proxies made so far)."""

    def __init__(
        self, name: str, headers: Any, header_value: Callable[[Any], Any], kernel: Any, local: Any
    ) -> None:
        self.name = name
        self.Headers = headers.Headers
        self.EnvironHeaders = headers.EnvironHeaders
        self.header_value = header_value
        #: The twins' modules; ``None`` for werkzeug, which has no kernel
        #: helpers.
        self.kernel = kernel
        self.local = local
        #: Whether a step may have made a cycle of proxies: werkzeug's proxy
        #: crashes or hangs on some (README), so from then on werkzeug is no
        #: oracle for the locals.
        self.cyclic = False

    def start(self) -> None:
        self.h = self.Headers()
        self.environ_dict: dict[Any, Any] = {}
        self.environ: Any = self.environ_dict
        self.eh = self.EnvironHeaders(self.environ)
        if self.local is not None:
            self.var: contextvars.ContextVar[Any] = contextvars.ContextVar("fuzz.var")
            self.local_kinds = _kinds(self.local.Local)
            self.proxy_kinds = _kinds(self.local.LocalProxy)
            self.locals = [self.local.Local(), self.local.Local()]
            self.stacks = [self.local.LocalStack(), self.local.LocalStack()]
            self.proxies: list[Any] = []
        self.cyclic = False

    def answers(self, step: Step) -> bool:
        """Whether this world's outcome of ``step`` is compared: a twin's
        always; werkzeug's for the headers, and for the locals until a step
        puts a proxy where a proxy may find it (a ``ContextVar``, a
        ``Local``, a stack, an object's attribute or item), except a read of
        a docstring (each library writes its own)."""
        if not step.op.__name__.startswith("l_"):
            return self.kernel is not None or step.op not in (k_environ_key, k_header_name)
        if self.kernel is not None:
            return True
        self.cyclic = self.cyclic or any(_holds_proxy(arg) for arg in step.args)
        return not self.cyclic and not _reads_doc(step) and not _as_readme_says(self, step)

    def make(self, spec: Any) -> Any:
        return spec.build(self) if isinstance(spec, Fresh) else spec

    def run(self, steps: list[Step]) -> list[Any]:
        """Every step's outcome, in a context of its own."""
        self.start()
        return contextvars.Context().run(self.run_steps, steps)

    def run_steps(self, steps: list[Step]) -> list[Any]:
        return [step.outcome(self) for step in steps]


def attempt(call: Callable[..., Any], *args: Any, raw: bool = False) -> Any:
    """``call(*args)``'s result (as it is if ``raw``, else its shape), or
    the exception it raised, comparable."""
    try:
        result = call(*args)
    except Exception as exc:
        return raised(exc)
    return ("ok", result if raw else shape(result))


class Step:
    """One operation: ``op(target, *args)``, where the target is the
    world's ``Headers`` (``"h"``), its ``EnvironHeaders`` (``"eh"``) or the
    world itself (``None``). Its outcome is the answer and, for a step on
    the headers or the locals, what they hold after it."""

    __slots__ = ("args", "op", "target")

    def __init__(self, op: Callable[..., Any], target: str | None, *args: Any) -> None:
        self.op = op
        self.target = target
        self.args = args

    def outcome(self, w: World) -> Any:
        local = self.op.__name__.startswith("l_")
        if not w.answers(self):
            return SKIP
        subject = w if self.target is None else getattr(w, self.target)
        answer = attempt(
            lambda: self.result(w, subject),
            raw=self.op is l_context,  # already outcomes
        )
        if self.op is l_context and answer[0] == "ok" and SKIP in answer[1]:
            return SKIP
        if local:
            return answer, local_state(w)
        if self.target == "h" or self.op is h_new:
            return answer, shape(w.h._list)
        return answer

    def result(self, w: World, subject: Any) -> Any:
        result = self.op(subject, *[w.make(arg) for arg in self.args])
        if type(result) is str and _reads_doc(self):
            # NOTE: a compiled twin repeats only its docstring's summary line
            # (DESIGN.md), and the twins' classes are in reach of __doc__.
            return result.split("\n")[0]
        return result

    def __repr__(self) -> str:
        short = reprlib.Repr()
        short.maxstring = short.maxother = 60
        args = [repr(self.target)] if self.target else []
        args += [short.repr(arg) for arg in self.args]
        return f"{self.op.__name__}({', '.join(args)})"


def _holds_proxy(arg: Any) -> bool:
    """Whether a step's argument is, or makes, a proxy: a step that stores
    it may close a cycle."""
    if isinstance(arg, Fresh):
        return arg.label.startswith("proxy[")
    return isinstance(arg, (tuple, list)) and any(_holds_proxy(item) for item in arg)


def _as_readme_says(w: World, step: Step) -> bool:
    """Whether ``step`` meets a difference from werkzeug that README lists
    and that no message shows (see _binds_none): ``proxy.__getattr__``,
    which is the proxy's own method, not the object's attribute; a call of
    a proxy of ``None``, or of a chain that ends there, with arguments
    (werkzeug's takes the first for the function to call); and
    ``deepcopy`` of a proxy of ``None`` (werkzeug's
    returns ``{}``) or of one whose lookup, or that of a proxy down its
    chain, raises ``AttributeError`` (which falls back on pickling)."""
    if step.op is l_getattr:
        return step.args[1] == "__getattr__"
    if step.op is l_call and w.proxies:
        end = _chain_end(w, _p(w, step.args[0]))
        return end is None or isinstance(end, Exception)
    if step.op is not l_unary or step.args[1] != "deepcopy" or not w.proxies:
        return False
    end = _chain_end(w, _p(w, step.args[0]))
    return end is None or isinstance(end, AttributeError)


def _chain_end(w: World, held: Any) -> Any:
    """Where a chain of the world's proxies from ``held`` ends: the first
    object down it that is no proxy, or the error a lookup raised."""
    for _ in range(100):  # never a cycle here: see World.answers
        if not issubclass(type(held), w.local.LocalProxy):
            return held
        try:
            held = held._get_current_object()
        except Exception as error:
            return error
    return RecursionError()


#: What werkzeug's proxy of ``None`` raises for a dunder it binds to the
#: object with ``function.__get__``, which for ``None`` gives the unbound
#: function (a difference README lists): ``__call__``,
#: ``__instancecheck__``, ``__subclasscheck__``, the reflected and in-place
#: operators and ``__copy__``, on that proxy or further down a chain.
_BINDS_NONE = re.compile(r"^\S*(<lambda>|r_op|i_op|copy)\(\) missing 1 required positional")


def _binds_none(outcome: Any) -> bool:
    """Whether werkzeug's ``outcome`` of a step (or of a step within it) is
    the error of its proxy of ``None``."""
    if isinstance(outcome, tuple) and outcome[:2] == ("raised", "TypeError"):
        return bool(_BINDS_NONE.match(outcome[2]))
    return isinstance(outcome, (tuple, list)) and any(_binds_none(part) for part in outcome)


def _reads_doc(step: Step) -> bool:
    return "__doc__" in step.args and step.op in (l_unary, l_getattr, l_get)


def local_state(w: World) -> Any:
    """What the locals hold after a step (read without any proxy)."""
    held = [attempt(list, local) for local in w.locals]
    held += [attempt(lambda stack=stack: stack.top) for stack in w.stacks]
    held.append(attempt(w.var.get, "<unset>"))
    return held


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_TWIN_MODULE = re.compile(r"tumbler\._speedups\.\w+?_(c|py)\.")
_BUILTIN_METHOD = re.compile(r"\bbuiltin_function_or_method\b")
# "f() takes exactly 0 positional arguments (2 given)", as a compiled
# function words it, and "g() takes 0 positional arguments but 2 were
# given", as a Python one does.
_ARGUMENT_COUNT = re.compile(
    r"\S+\(\) takes (?:exactly |at most |at least )?(\d+) positional arguments?"
    r" (?:\((\d+) given\)|but (\d+) (?:was|were) given)"
)
# "__call__() got an unexpected keyword argument 'k'", as a compiled method
# words it, and "LocalStack.__call__() got ...", as a Python one does.
_KEYWORD = re.compile(r"\S+\(\) got an unexpected keyword argument")


def clean(text: str) -> str:
    """A message without addresses, and with the twins' class names as the
    pure twin writes them (``tumbler._speedups.local_c.LocalProxy`` is
    ``LocalProxy``, and its ``_get_current_object`` a
    ``builtin_function_or_method``, not a ``function``: the compiled proxy is
    an extension type, README); a call with the wrong number of arguments,
    or an unexpected keyword, is told without the function's name or
    wording (README)."""
    text = _TWIN_MODULE.sub("", _ADDRESS.sub("0x", text))
    # PERF: only where it can match: on a long run of text without spaces,
    # the pattern's leading \S+ backtracks in time quadratic in its length.
    if "() takes " in text:
        text = _ARGUMENT_COUNT.sub(lambda m: f"takes {m[1]} arguments, {m[2] or m[3]} given", text)
    if "() got " in text:
        text = _KEYWORD.sub("got an unexpected keyword argument", text)
    # NOTE: quoted or not: math.floor writes "must be real number, not X".
    return _BUILTIN_METHOD.sub("function", text)


def raised(exc: BaseException) -> tuple[Any, ...]:
    if isinstance(exc, RecursionError):
        # NOTE: where the limit is hit (and so the message) depends on the
        # frames each twin puts on the stack.
        return ("raised", "RecursionError")
    try:
        message = clean(str(exc))
    except Exception as error:  # pragma: no cover - an odd exception's str
        message = f"<str raised {type(error).__name__}>"
    if isinstance(exc, KeyError):
        return ("raised", type(exc).__name__, message, shape(exc.args))
    return ("raised", type(exc).__name__, message)


_TEXT_TYPES = (bytes, bool, int, float, complex)


def shape(value: Any, depth: int = 0) -> Any:
    """What a result or state is, comparable across worlds: no proxy is
    asked anything (its type says what it is), no address is kept, and
    classes are named as the pure twin and werkzeug name them."""
    kind = type(value)
    if depth > 6:
        return ("deep",)
    module = kind.__module__
    # NOTE: type(), issubclass() and the module first: isinstance() would
    # ask a proxy for its __class__.
    if issubclass(kind, WerkzeugEnvironHeaders):
        return (kind.__name__,)
    if issubclass(kind, WerkzeugHeaders):
        return (kind.__name__, shape(value._list, depth + 1))
    if module.startswith("tumbler.") or module == "werkzeug.local" or kind in _SUBCLASSES:
        return (kind.__name__,)
    if value is None or isinstance(value, bytearray):
        return repr(value)
    if isinstance(value, str):
        # NOTE: a repr may name an address or a twin's module.
        return (kind.__name__, clean(str.__repr__(value)))
    for base in _TEXT_TYPES:
        if isinstance(value, base):
            return (kind.__name__, base.__repr__(value))
    if isinstance(value, (list, tuple)):
        return (kind.__name__, *(shape(item, depth + 1) for item in value))
    if isinstance(value, (set, frozenset)):
        return (kind.__name__, *sorted(repr(shape(item, depth + 1)) for item in value))
    if isinstance(value, dict):
        items = [(shape(k, depth + 1), shape(v, depth + 1)) for k, v in value.items()]
        return (kind.__name__, *items)
    if isinstance(value, type):
        return ("type", value.__qualname__)
    if isinstance(value, Thing):
        return ("Thing", shape(vars(value), depth + 1))
    if module == __name__ or module == "tests._fuzzing":
        return ("object", repr(value))
    if callable(value):
        return ("callable",)
    return ("object", kind.__qualname__)


# -- steps on Headers and EnvironHeaders (target: the world's h or eh) -----------------


def h_new(w: World, defaults: Any) -> None:
    w.h = w.Headers(defaults)


def add(h: Any, name: Any, value: Any, options: dict[str, Any]) -> None:
    h.add(name, value, **options)


def add_header(h: Any, name: Any, value: Any, options: dict[str, Any]) -> None:
    h.add_header(name, value, **options)


def set_(h: Any, name: Any, value: Any, options: dict[str, Any]) -> None:
    h.set(name, value, **options)


def setdefault(h: Any, name: Any, value: Any) -> Any:
    return h.setdefault(name, value)


def setlist(h: Any, name: Any, values: Any) -> None:
    h.setlist(name, values)


def setlistdefault(h: Any, name: Any, values: Any) -> Any:
    return h.setlistdefault(name, values)


def extend(h: Any, arg: Any, options: dict[str, Any]) -> None:
    h.extend(arg, **options)


def update(h: Any, arg: Any, options: dict[str, Any]) -> None:
    h.update(arg, **options)


def remove(h: Any, name: Any) -> None:
    h.remove(name)


def pop(h: Any, key: Any, default: Any) -> Any:
    return h.pop(key) if default is MISSING else h.pop(key, default)


def get(h: Any, name: Any, default: Any, convert: Any) -> Any:
    return h.get(name, default, convert)


def getlist(h: Any, name: Any, convert: Any) -> Any:
    return h.getlist(name, convert)


def get_all(h: Any, name: Any) -> Any:
    return h.get_all(name)


def getitem(h: Any, key: Any) -> Any:
    return h[key]


def setitem(h: Any, key: Any, value: Any) -> None:
    h[key] = value


def delitem(h: Any, key: Any) -> None:
    del h[key]


def contains(h: Any, key: Any) -> Any:
    return key in h


def equals(h: Any, other: Any) -> Any:
    return h == other, h != other


def or_(h: Any, other: Any) -> Any:
    return h | other


def ior(h: Any, other: Any) -> Any:
    return operator.ior(h, other)


def read(h: Any, how: str) -> Any:
    return READS[how](h)


READS: dict[str, Callable[[Any], Any]] = {
    "list": list,
    "len": len,
    "keys": lambda h: list(h.keys()),
    "keys(lower=True)": lambda h: list(h.keys(lower=True)),
    "values": lambda h: list(h.values()),
    "items": lambda h: list(h.items()),
    "items(lower=True)": lambda h: list(h.items(lower=True)),
    "to_wsgi_list": lambda h: h.to_wsgi_list(),
    "str": str,
    "repr": repr,
    "copy": lambda h: h.copy(),
    "copy.copy": copy.copy,
    "clear": lambda h: h.clear(),
    "bool": bool,
    "popitem": lambda h: h.popitem(),
    "len after list": lambda h: (list(h), len(h)),
}


def odd_convert(value: Any) -> Any:
    """A converter that refuses text with ``x`` in it (``ValueError``: left
    out) and fails on anything but text (``TypeError``: raised)."""
    if "x" in value:
        raise ValueError("has x")
    return value.upper()


CONVERTERS: list[Any] = [None, None, int, str.upper, len, float, odd_convert, bytes]


def header_key(provider: Any, ch: ProviderChooser) -> Any:
    """A key for ``[]``: a name, an index or a slice, or something odd."""
    roll = ch.integer(0, 9)
    if roll <= 4:
        return header_name(provider, ch)
    if roll <= 6:
        return ch.choice([0, 1, -1, 2, -3, 5, 2**63, True])
    if roll <= 8:
        bounds = [None, 0, 1, -1, 3, -5, 2**64]
        return slice(ch.choice(bounds), ch.choice(bounds), ch.choice([None, 1, 2, -1, 0]))
    return ch.choice([1.5, None, b"x", (0,)])


def item_value(provider: Any, ch: ProviderChooser, key: Any) -> Any:
    """What ``h[key] = ...`` is given for ``key``."""
    if isinstance(key, slice):
        return pairs(provider, ch) if ch.chance(90) else ch.choice(["ab", 5])
    if isinstance(key, int) and not ch.chance(10):
        return (header_name(provider, ch), header_value(provider, ch))
    return header_value(provider, ch)


def d_headers_step(provider: Any, ch: ProviderChooser, target: str) -> Step:
    """A step on the target (``h`` or ``eh``)."""
    roll = ch.integer(0, 20)
    if roll == 0:
        return Step(
            ch.choice([add, add_header]), target, *_named_value(provider, ch), options(provider, ch)
        )
    if roll == 1:
        return Step(set_, target, *_named_value(provider, ch), options(provider, ch))
    if roll == 2:
        return Step(setdefault, target, *_named_value(provider, ch))
    if roll == 3:
        values = [header_value(provider, ch) for _ in range(ch.integer(0, 3))]
        return Step(ch.choice([setlist, setlistdefault]), target, header_name(provider, ch), values)
    if roll == 4:
        return Step(
            ch.choice([extend, update]), target, headers_source(provider, ch), options(provider, ch)
        )
    if roll == 5:
        return Step(remove, target, header_name(provider, ch))
    if roll == 6:
        key = ch.choice([None, 0, -1, 3]) if ch.chance(40) else header_name(provider, ch)
        default = MISSING if ch.chance(60) else header_value(provider, ch)
        return Step(pop, target, key, default)
    if roll == 7:
        default = ch.choice([None, "default", MISSING])
        return Step(get, target, header_name(provider, ch), default, ch.choice(CONVERTERS))
    if roll == 8:
        return Step(getlist, target, header_name(provider, ch), ch.choice(CONVERTERS))
    if roll == 9:
        return Step(get_all, target, header_name(provider, ch))
    if roll <= 11:
        return Step(getitem, target, header_key(provider, ch))
    if roll == 12:
        key = header_key(provider, ch)
        return Step(setitem, target, key, item_value(provider, ch, key))
    if roll == 13:
        return Step(delitem, target, header_key(provider, ch))
    if roll == 14:
        return Step(contains, target, header_name(provider, ch))
    if roll == 15:
        other = ch.choice(
            [
                Fresh("h.copy()", lambda w: w.h.copy()),
                Fresh("Headers()", lambda w: w.Headers()),
                Fresh("EnvironHeaders(environ)", lambda w: w.EnvironHeaders(w.environ)),
                Fresh("EnvironHeaders({})", lambda w: w.EnvironHeaders({})),
                None,
                {},
            ]
        )
        if ch.chance(30):
            items = pairs(provider, ch)
            other = Fresh(f"Headers({items!r})", lambda w: w.Headers(items))
        return Step(equals, target, other)
    if roll == 16:
        other = headers_source(provider, ch)
        return Step(ch.choice([or_, ior]), target, other)
    return Step(read, target, ch.choice(list(READS)))


def _named_value(provider: Any, ch: ProviderChooser) -> tuple[Any, Any]:
    return header_name(provider, ch), header_value(provider, ch)


# -- steps on the environ and on the kernel helpers (target: the world) ----------------


def e_new(w: World, items: list[tuple[Any, Any]], wrapper: str) -> None:
    """A new environ (values made anew in this world) and its ``EnvironHeaders``."""
    w.environ_dict = {key: w.make(value) for key, value in items}
    w.environ = WRAPPERS[wrapper](w.environ_dict)
    w.eh = w.EnvironHeaders(w.environ)


class ReadOnlyEnviron(Mapping[Any, Any]):
    """An environ that is a ``Mapping`` but no ``dict``."""

    def __init__(self, data: dict[Any, Any]) -> None:
        self.data = data

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


WRAPPERS: dict[str, Callable[[dict[Any, Any]], Any]] = {
    "dict": lambda data: data,
    "MappingProxyType": types.MappingProxyType,
    "ReadOnlyEnviron": ReadOnlyEnviron,
}


def e_set(w: World, key: Any, value: Any) -> None:
    w.environ_dict[key] = value


def e_del(w: World, key: Any) -> None:
    w.environ_dict.pop(key, None)


def e_touch(w: World, key: Any) -> None:
    """Change a list value in place (its truth flips; the dict does not
    change): for ``CONTENT_TYPE``/``CONTENT_LENGTH``, whose truth counts,
    ``len()`` must see it (the compiled twin's count of its last walk did
    not)."""
    value = w.environ_dict.get(key)
    if isinstance(value, list):
        if value:
            value.clear()
        else:
            value.append(1)


def e_rebuild(w: World) -> None:
    """The same environ, as a new ``dict`` (with a new version tag)."""
    w.environ_dict = dict(w.environ_dict)
    w.environ = w.environ_dict
    w.eh = w.EnvironHeaders(w.environ)


def k_environ_key(w: World, name: Any) -> Any:
    return w.kernel.environ_key(name)


def k_header_name(w: World, key: Any) -> Any:
    return w.kernel.header_name(key)


def k_header_value(w: World, value: Any) -> Any:
    return w.header_value(value)


def d_environ_step(provider: Any, ch: ProviderChooser) -> Step:
    roll = ch.integer(0, 13)
    if roll <= 1:
        items = [
            (environ_key(provider, ch), environ_value(provider, ch))
            for _ in range(ch.choice([0, 1, 2, 3, 5, 8, 13, 40]))
        ]
        return Step(e_new, None, items, ch.choice(["dict", "dict", "dict", *WRAPPERS]))
    if roll <= 3:
        return Step(e_set, None, environ_key(provider, ch), environ_value(provider, ch))
    if roll == 4:
        return Step(e_del, None, environ_key(provider, ch))
    if roll == 5:
        return Step(e_touch, None, ch.choice(["CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_FOO"]))
    if roll == 6:
        return Step(e_rebuild, None)
    if roll == 7:
        return Step(k_environ_key, None, header_name(provider, ch))
    if roll == 8:
        return Step(k_header_name, None, environ_key(provider, ch))
    if roll == 9:
        return Step(k_header_value, None, header_value(provider, ch))
    if roll <= 11:
        return Step(
            read, "eh", ch.choice(["list", "len", "len after list", "items", "keys(lower=True)"])
        )
    return d_headers_step(provider, ch, "eh")


# -- steps on the locals (target: the world) ----------------------------------------------


def l_set(w: World, index: int, name: Any, value: Any) -> None:
    setattr(w.locals[index], name, value)


def l_get(w: World, index: int, name: Any) -> Any:
    return getattr(w.locals[index], name)


def l_del(w: World, index: int, name: Any) -> None:
    delattr(w.locals[index], name)


def l_list(w: World, index: int) -> Any:
    return list(w.locals[index])


def l_release(w: World, kind: str, index: int) -> None:
    (w.locals if kind == "local" else w.stacks)[index].__release_local__()


def l_new(w: World, what: str, index: int, shared: bool, kind: str = "plain") -> None:
    """A new ``Local`` (of a kind in ``KINDS``) or ``LocalStack``, on the
    world's ``ContextVar`` if ``shared`` (which a proxy, the other kind and
    ``var_set`` may use too)."""
    var = w.var if shared else None
    if what == "local":
        w.locals[index] = w.local_kinds[kind](var)
    else:
        w.stacks[index] = w.local.LocalStack(var)


def l_push(w: World, index: int, value: Any) -> Any:
    return w.stacks[index].push(value)


def l_pop(w: World, index: int) -> Any:
    return w.stacks[index].pop()


def l_top(w: World, index: int) -> Any:
    return w.stacks[index].top


def l_var_set(w: World, value: Any) -> None:
    w.var.set(value)


def l_proxy(
    w: World, source: str, index: int, name: Any, message: Any, via_call: bool, kind: str = "plain"
) -> Any:
    """A new proxy (of a kind in ``KINDS``, unless a ``Local`` or stack makes
    it), kept as ``proxy[n]``."""
    if source == "local":
        local = w.locals[index]
    elif source == "stack":
        local = w.stacks[index]
    elif source == "var":
        local = w.var
    elif source == "callable":
        held = OBJECTS[list(OBJECTS)[index % len(OBJECTS)]](w)
        local = lambda: held  # noqa: E731
    elif source == "raises":
        error = [RuntimeError, ValueError, AttributeError, LookupError][index % 4]
        local = _raiser(error)
    else:
        local = OBJECTS[list(OBJECTS)[index % len(OBJECTS)]](w)
    if via_call and source in ("local", "stack"):
        proxy = local(name, unbound_message=message)
    else:
        proxy = w.proxy_kinds[kind](local, name, unbound_message=message)
    w.proxies.insert(0, proxy)
    del w.proxies[4:]
    return proxy


def _raiser(error: type[Exception]) -> Callable[[], Any]:
    def fail() -> Any:
        raise error("from the callable")

    return fail


def _p(w: World, index: int) -> Any:
    if not w.proxies:
        raise LookupError("no proxy yet")
    return w.proxies[index % len(w.proxies)]


def l_getattr(w: World, index: int, name: Any) -> Any:
    return getattr(_p(w, index), name)


def l_setattr(w: World, index: int, name: Any, value: Any) -> None:
    setattr(_p(w, index), name, value)


def l_delattr(w: World, index: int, name: Any) -> None:
    delattr(_p(w, index), name)


def l_current(w: World, index: int) -> Any:
    return _p(w, index)._get_current_object()


async def _awaiting(proxy: Any) -> Any:
    return await proxy


def _run_coroutine(coroutine: Any) -> Any:
    try:
        return ("yielded", coroutine.send(None))
    except StopIteration as stop:
        return ("returned", stop.value)
    finally:
        coroutine.close()


#: Names ``dir()`` of a proxy does not count. ``__slotnames__``: copy.copy
#: of an instance leaves it on its class, where the next world's dir() would
#: see it. The others: a Python class has them and an extension type not, or
#: the other way round; a proxy may stand for one of the twins' ``Local``s
#: or ``LocalStack``s (``__wrapped__``'s fallback hands them out), whose
#: classes differ so (README; the pure stack is ``Generic``, too).
NOT_COUNTED_IN_DIR = frozenset(
    {"__slotnames__", "__pyx_vtable__", "__slots__", "__annotations__", "__module__"}
    | {"__orig_bases__", "__parameters__", "_is_protocol"}
)


UNARY: dict[str, Callable[[Any], Any]] = {
    "-": operator.neg,
    "+": operator.pos,
    "abs": abs,
    "~": operator.invert,
    "int": int,
    "float": float,
    "complex": complex,
    "index": operator.index,
    "round": round,
    "round(2)": lambda p: round(p, 2),
    "trunc": math.trunc,
    "floor": math.floor,
    "ceil": math.ceil,
    "bool": bool,
    "len": len,
    "length_hint": operator.length_hint,
    "reversed": lambda p: list(reversed(p)),
    # NOTE: the object's own hash may be its address.
    "hash": lambda p: hash(p) == hash(p._get_current_object()),
    "repr": repr,
    "str": str,
    "bytes": bytes,
    "next": next,
    "iter": lambda p: list(iter(p)),
    "dir": lambda p: len(set(dir(p)) - NOT_COUNTED_IN_DIR),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "await": lambda p: _run_coroutine(_awaiting(p)),
    "aiter": aiter,
    "anext": anext,
    "with": lambda p: _with(p),
    "__wrapped__": lambda p: p.__wrapped__,
    "__class__": lambda p: p.__class__,
    "__doc__": lambda p: p.__doc__,
}


def _with(proxy: Any) -> Any:
    with proxy as entered:
        return entered


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    name: getattr(operator, name)
    for name in (
        *("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "lshift"),
        *("rshift", "and_", "xor", "or_", "lt", "le", "eq", "ne", "gt", "ge", "contains"),
        *("iadd", "isub", "imul", "imatmul", "itruediv", "ifloordiv", "imod", "ipow"),
        *("ilshift", "irshift", "iand", "ixor", "ior", "getitem", "delitem"),
    )
}
BINARY["divmod"] = divmod
BINARY["isinstance"] = isinstance
BINARY["issubclass"] = issubclass
BINARY["format"] = format


def l_unary(w: World, index: int, how: str) -> Any:
    return UNARY[how](_p(w, index))


#: The longest list a step may grow in place: ``+=`` of itself or ``*= 7``
#: in each step would outgrow the machine's memory within a script (a run
#: was killed at 24 GB).
GROWTH_LIMIT = 10_000


class TooLong(Exception):
    """A step would grow a list past :data:`GROWTH_LIMIT`: not taken."""


def l_binary(w: World, index: int, how: str, other: Any, reflected: bool) -> Any:
    proxy = _p(w, index)
    if how in ("iadd", "imul"):
        for operand in (proxy, other):
            held = _chain_end(w, operand)
            if type(held) is list and len(held) > GROWTH_LIMIT:
                raise TooLong(f"a list of {len(held)} items")
    return BINARY[how](other, proxy) if reflected else BINARY[how](proxy, other)


def l_pow3(w: World, index: int, other: Any, modulo: Any, reflected: bool) -> Any:
    proxy = _p(w, index)
    return pow(other, proxy, modulo) if reflected else pow(proxy, other, modulo)


def l_setitem(w: World, index: int, key: Any, value: Any) -> None:
    _p(w, index)[key] = value


def l_call(w: World, index: int, args: tuple[Any, ...], keywords: dict[str, Any]) -> Any:
    return _p(w, index)(*[w.make(arg) for arg in args], **keywords)


def l_context(w: World, steps: list[Step]) -> Any:
    """The steps in a copy of the current context: what they set stays there."""
    return contextvars.copy_context().run(w.run_steps, steps)


def d_local_step(provider: Any, ch: ProviderChooser, depth: int = 0) -> Step:
    roll = ch.integer(0, 21)
    index = ch.integer(0, 1)
    if roll <= 1:
        return Step(l_set, None, index, _attribute(provider, ch), thing(ch))
    if roll == 2:
        return Step(l_get, None, index, _attribute(provider, ch))
    if roll == 3:
        return Step(l_del, None, index, _attribute(provider, ch))
    if roll == 4:
        return Step(l_list, None, index)
    if roll == 5:
        return Step(l_release, None, ch.choice(["local", "stack"]), index)
    if roll == 6:
        what = ch.choice(["local", "stack"])
        return Step(l_new, None, what, index, ch.chance(50), _kind(ch))
    if roll == 7:
        return Step(l_push, None, index, thing(ch))
    if roll == 8:
        return Step(ch.choice([l_pop, l_top]), None, index)
    if roll == 9:
        return Step(l_var_set, None, thing(ch))
    if roll <= 11:
        source = ch.choice(["local", "stack", "var", "callable", "raises", "odd"])
        name = ch.choice(PROXY_NAMES) if ch.chance(90) else ch.choice([5, Name("value")])
        message = ch.choice(MESSAGES) if ch.chance(90) else odd_text(provider, ch)
        index, via_call = ch.integer(0, 40), ch.chance(30)
        return Step(l_proxy, None, source, index, name, message, via_call, _kind(ch))
    proxy = ch.integer(0, 3)
    if roll == 12:
        return Step(l_getattr, None, proxy, _attribute(provider, ch))
    if roll == 13:
        if ch.chance(50):
            return Step(l_delattr, None, proxy, _attribute(provider, ch))
        return Step(l_setattr, None, proxy, _attribute(provider, ch), thing(ch))
    if roll == 14:
        return Step(l_current, None, proxy)
    if roll <= 16:
        return Step(l_unary, None, proxy, ch.choice(list(UNARY)))
    if roll <= 18:
        how = ch.choice(list(BINARY))
        other = ch.choice(FORMAT_SPECS) if how == "format" else thing(ch)
        return Step(l_binary, None, proxy, how, other, ch.chance(30))
    if roll == 19:
        return Step(l_pow3, None, proxy, thing(ch), ch.choice([None, 5, 0, -1]), ch.chance(50))
    if roll == 20:
        if ch.chance(50):
            return Step(l_setitem, None, proxy, thing(ch), thing(ch))
        args = tuple(thing(ch) for _ in range(ch.integer(0, 2)))
        return Step(l_call, None, proxy, args, {"k": 1} if ch.chance(20) else {})
    if depth >= 2:
        return Step(l_list, None, index)
    steps = [d_local_step(provider, ch, depth + 1) for _ in range(ch.integer(0, 6))]
    return Step(l_context, None, steps)


def _kind(ch: ProviderChooser) -> str:
    """Mostly the class itself; a subclass of either kind in ``KINDS`` now and then."""
    return ch.choice(KINDS[1:]) if ch.chance(30) else "plain"


def _attribute(provider: Any, ch: ProviderChooser) -> Any:
    if ch.chance(90):
        return ch.choice(ATTRIBUTES)
    return ch.choice([odd_text(provider, ch), Name("value"), 5])


# -- decoding and running an input ----------------------------------------------------------


def h_step(provider: Any, ch: ProviderChooser) -> Step:
    if ch.chance(12):
        return Step(h_new, None, headers_source(provider, ch))
    return d_headers_step(provider, ch, "h")


#: The kinds of script an input may decode to: the first byte chooses.
SCRIPTS: dict[str, list[Callable[[Any, ProviderChooser], Step]]] = {
    "headers": [h_step],
    "environ": [d_environ_step],
    "locals": [d_local_step],
    "all": [h_step, d_environ_step, d_local_step],
}


class Script:
    """What one input decodes to: the steps, and how to meddle."""

    def __init__(self, steps: list[Step], meddling: tuple[Any, ...] | None) -> None:
        self.steps = steps
        self.meddling = meddling


def decode(data: bytes, cores: list[str]) -> Script:
    provider = atheris.FuzzedDataProvider(data)
    ch = ProviderChooser(provider)
    makers = SCRIPTS[ch.choice([name for name in SCRIPTS if _allowed(name, cores)])]
    steps = [ch.choice(makers)(provider, ch) for _ in range(ch.integer(0, 32))]
    meddling = None
    if "headers" in cores and ch.chance(30):
        meddling = (
            ch.choice(["set", "get", "getlist", "contains", "remove", "getitem", "convert"]),
            ch.integer(0, 6),
            ch.integer(0, 6),
            ch.integer(0, 6),
            ch.integer(0, 7),
            ch.chance(50),
        )
    return Script(steps, meddling)


def _allowed(script: str, cores: list[str]) -> bool:
    if script == "locals":
        return "local" in cores
    if script == "all":
        return cores == ["headers", "local"]
    return "headers" in cores


def outcomes(script: Script, worlds: dict[str, World]) -> dict[str, list[Any]]:
    return {name: world.run(script.steps) for name, world in worlds.items()}


def check(script: Script, worlds: dict[str, World]) -> None:
    """Run the script in every world and raise :class:`Finding` on any
    difference."""
    found = outcomes(script, worlds)
    twins = compared(found, "py")
    if twins:
        raise Finding(describe("compiled and pure twins differ", twins, ("c", "py")))
    if "wz" in found:
        against = compared(found, "wz")
        if against:
            raise Finding(describe("compiled twin and werkzeug differ", against, ("c", "wz")))


def compared(found: dict[str, list[Any]], name: str) -> list[tuple[int, Any, Any]]:
    """The steps whose outcomes differ between the compiled twin and the
    world ``name``, less those it does not take and, for werkzeug, its
    proxy of ``None``'s errors."""
    return [
        difference
        for difference in differences(found["c"], found[name])
        if difference[2] != SKIP and not (name == "wz" and _binds_none(difference[2]))
    ]


# -- meddling: only a crash counts ---------------------------------------------------------


class Cutting(str):
    """A header name whose ``lower()`` cuts the item list it sits in to its
    first ``keep`` items, then answers as ``str`` does."""

    items: list[Any]
    keep: int

    def lower(self) -> str:  # type: ignore[override]
        del self.items[self.keep :]
        return str.lower(self)


class Reaper:
    """Cyclic garbage whose finalizer, once ``countdown`` collections have
    passed, replaces every value of an environ (freeing the old ones);
    until then it leaves a new reaper behind, to be collected at the next
    allocation that runs the collector."""

    def __init__(self, environ: dict[Any, Any], countdown: int) -> None:
        self.environ = environ
        self.countdown = countdown
        self.cycle = self

    def __del__(self) -> None:
        if self.countdown > 0:
            Reaper(self.environ, self.countdown - 1)
            return
        for key in list(self.environ):
            self.environ[key] = "".join(["replaced-", str(key)])


def meddle(script: Script, world: World) -> None:
    """On the compiled twin only: operations whose own callbacks change what
    the core is reading. Only a crash is a finding here."""
    if script.meddling is None:
        return
    how, before, at, keep, countdown, walk = script.meddling
    headers = world.Headers()
    for index in range(before):
        headers.add(f"X-{index}", "v")
    name = Cutting("X-Cut")
    name.items = headers._list
    name.keep = min(keep, before)
    headers._list.append((name, "cut"))
    for index in range(at):
        headers.add(f"Y-{index}", "w")
    operation: Callable[[], Any] = {
        "set": lambda: headers.set("x-cut", "new"),
        "get": lambda: headers.get("x-cut"),
        "getlist": lambda: headers.getlist("x-cut"),
        "contains": lambda: "x-cut" in headers,
        "remove": lambda: headers.remove("x-cut"),
        "getitem": lambda: headers["x-cut"],
        "convert": lambda: headers.getlist("y-0", lambda v: headers.clear()),
    }[how]
    with contextlib.suppress(Exception):
        operation()
    # The environ: values the dict alone holds, replaced by a finalizer that
    # the collector runs at an allocation made during the walk.
    environ = {f"HTTP_K{index}": "".join(["v", str(index)]) for index in range(before + at + 1)}
    environ_headers = world.EnvironHeaders(environ)
    drained = [(None, index) for index in range(2100)]  # empties the 2-tuple free list
    thresholds = gc.get_threshold()
    enabled = gc.isenabled()
    Reaper(environ, countdown)
    gc.enable()
    gc.set_threshold(1)
    try:
        list(environ_headers) if walk else len(environ_headers)
    except Exception:
        pass
    finally:
        gc.set_threshold(*thresholds)
        if not enabled:
            gc.disable()
        del drained
        gc.collect()


def fuzz_one(worlds: dict[str, World], cores: list[str]) -> Callable[[bytes], None]:
    """The function libFuzzer calls with each input."""

    def run(data: bytes) -> None:
        script = decode(data, cores)
        check(script, worlds)
        meddle(script, worlds["c"])

    return run


# -- setting up -----------------------------------------------------------------


def make_worlds(werkzeug: bool) -> dict[str, World]:
    """The worlds: tumbler on each twin, and werkzeug."""
    from werkzeug import datastructures
    from werkzeug import local as werkzeug_local
    from werkzeug.datastructures import headers as werkzeug_headers

    from tests._impl import Impl
    from tests._twins import header_classes

    worlds = {}
    for kind in ("c", "py"):
        kernel = Impl(kind).module("headers")
        classes = header_classes(kernel)
        worlds[kind] = World(kind, classes, kernel.header_value, kernel, Impl(kind).module("local"))
    if werkzeug:
        value = werkzeug_headers._str_header_value
        worlds["wz"] = World("wz", datastructures, value, None, werkzeug_local)
    return worlds


def main(argv: list[str] | None = None) -> None:
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--no-werkzeug", action="store_true", help="compare the twins only, not with werkzeug"
    )
    parser.add_argument(
        "--core",
        choices=["headers", "local", "both"],
        default="both",
        help="fuzz one core only (default: both)",
    )
    args, rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    cores = ["headers", "local"] if args.core == "both" else [args.core]
    # NOTE: tumbler is first imported here, so that atheris can instrument it.
    with instrumenting("fuzz_cores", cores, args.python_coverage):
        worlds = make_worlds(not args.no_werkzeug)

    if args.show:
        show(Path(args.show).read_bytes(), worlds, cores)
        return
    fuzz(rest, args.runs, fuzz_one(worlds, cores))


def show(data: bytes, worlds: dict[str, World], cores: list[str]) -> None:
    """Print the script an input decodes to, each world's outcomes where
    they differ, and whether the meddling step crashes."""
    script = decode(data, cores)
    for number, step in enumerate(script.steps):
        print(f"{number}: {step!r}")
    print(f"# meddling: {script.meddling}")
    found = outcomes(script, worlds)
    for name in [name for name in found if name != "c"]:
        diff = compared(found, name)
        print(f"# c vs {name}: " + (describe("differ", diff, ("c", name)) if diff else "same"))
    meddle(script, worlds["c"])
    print("# meddling step: no crash")


if __name__ == "__main__":
    main()
