"""Generated routing cases, and the comparison of tumbler with werkzeug on them.

Used by ``tests/test_routing_differential.py`` (hypothesis) and by
``tests/routing_fuzz.py`` (a seeded generator run over many cases). Both drive
the same generator (:func:`generate_case`) through a :class:`Chooser`: one
draws from ``random.Random``, the other from hypothesis, so hypothesis can
shrink what it finds.

A :class:`Case` is plain data: the map's options, rule specs (rules and rule
factories), the requests to match, the URLs to build and WSGI environs to
bind to. :func:`outcomes` runs a case on one routing module (werkzeug's, or
tumbler's with a given ``Map`` class) and turns every answer into comparable
data; :func:`compare` lists where tumbler's answers differ from werkzeug's;
:func:`render` writes a case out as a script that shows the difference.

This module is not collected (its name does not start with ``test_``).
"""

from __future__ import annotations

import random
import re
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any, TypeVar

import werkzeug.routing as wz
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

import tumbler.routing as tb

T = TypeVar("T")

# -- custom converters: two written for werkzeug, three for tumbler ----------


class TwoDigits(wz.BaseConverter):
    """werkzeug's base, a lighter weight than ``int``, an ``int`` value."""

    regex = r"\d\d"
    weight = 40

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return f"{int(value):02d}"


class Pair(wz.BaseConverter):
    """werkzeug's base, a regex with ``/`` in it: not part-isolating."""

    regex = r"[^/]+/[^/]+"


class Lower(tb.BaseConverter):
    """tumbler's base; refuses (``ValidationError``) words starting with z."""

    regex = "[a-z]+"
    weight = 80

    def to_python(self, value: str) -> str:
        if value.startswith("z"):
            raise tb.ValidationError()
        return value.upper()

    def to_url(self, value: Any) -> str:
        return str(value).lower()


class Even(tb.BaseConverter):
    """tumbler's base; odd numbers fail to match and fail to build."""

    regex = r"\d+"
    weight = 60

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise tb.ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        if int(value) % 2:
            raise tb.ValidationError()
        return str(int(value))


class Grouped(tb.BaseConverter):
    """tumbler's base, with an unnamed group in its regex and an argument."""

    def __init__(self, map: Any, letters: str = "ab") -> None:
        super().__init__(map)
        self.regex = f"([{re.escape(letters)}])+"


CONVERTERS = {"two": TwoDigits, "pair": Pair, "lower": Lower, "even": Even, "grouped": Grouped}


class Moved:
    """A ``redirect_to`` callable (an object, so that it has a useful repr)."""

    def __call__(self, adapter: Any, **values: Any) -> str:
        return "moved/" + "/".join(f"{key}={values[key]}" for key in sorted(values))

    def __repr__(self) -> str:
        return "Moved()"


class ReverseKey:
    """A ``sort_key`` for ``sort_parameters``: by reversed key, then value."""

    def __call__(self, item: tuple[str, Any]) -> Any:
        return (item[0][::-1], str(item[1]))

    def __repr__(self) -> str:
        return "ReverseKey()"


def examples(normal: int) -> int:
    """``normal`` examples per property, unless a hypothesis profile other
    than the default one (such as ``fuzz``) sets its own number."""
    from hypothesis import settings

    current = settings().max_examples
    return normal if current == settings.get_profile("default").max_examples else current


# -- the choosers -------------------------------------------------------------


class RandomChooser:
    """Choices from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.random.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def chance(self, percent: int) -> bool:
        return self.random.randrange(100) < percent


class DrawChooser:
    """Choices drawn by hypothesis (``data.draw`` or a composite's ``draw``).

    Each draw shrinks towards the first option, the low integer and "no", so
    simple cases list their options first.
    """

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        from hypothesis import strategies

        self.draw = draw
        self.st = strategies

    def choice(self, options: Sequence[T]) -> T:
        return options[self.draw(self.st.integers(0, len(options) - 1))]

    def integer(self, low: int, high: int) -> int:
        return self.draw(self.st.integers(low, high))  # type: ignore[no-any-return]

    def chance(self, percent: int) -> bool:
        return self.draw(self.st.integers(0, 99)) >= 100 - percent  # type: ignore[no-any-return]


# -- what is generated ---------------------------------------------------------

#: Placeholders, with ``{v}`` for the variable name, and the kind of value
#: each one takes (a key of SAMPLES and BUILD_VALUES).
PLACEHOLDERS = [
    ("<{v}>", "string"),
    ("<int:{v}>", "int"),
    ("<string:{v}>", "string"),
    ("<default:{v}>", "string"),
    ("<string(minlength=2):{v}>", "string"),
    ("<string(maxlength=3):{v}>", "string"),
    ("<string(length=2):{v}>", "string"),
    ("<string(2, 4):{v}>", "string"),
    ("<string(minlength=0):{v}>", "string"),
    ("<int(fixed_digits=2):{v}>", "int"),
    ("<int(min=1, max=99):{v}>", "int"),
    ("<int(signed=True):{v}>", "int"),
    ("<int(signed=True, max=5):{v}>", "int"),
    ("<float:{v}>", "float"),
    ("<float(signed=True):{v}>", "float"),
    ("<float(min=0.5, max=10):{v}>", "float"),
    ("<uuid:{v}>", "uuid"),
    ("<any(a, b, 'c.d'):{v}>", "any"),
    ("<any('x|y', '(', ')', 'a b', '', '.*', \"é\"):{v}>", "any"),
    ("<path:{v}>", "path"),
    ("<two:{v}>", "two"),
    ("<pair:{v}>", "pair"),
    ("<lower:{v}>", "lower"),
    ("<even:{v}>", "even"),
    ("<grouped:{v}>", "grouped"),
    ("<grouped('x.'):{v}>", "grouped"),
]

#: Path text for each kind of placeholder: fits first, then near misses and oddities.
SAMPLES: dict[str, list[str]] = {
    "string": [
        "x",
        "ab",
        "abc",
        "é",
        "a b",
        "%",
        "1",
        "\u0661\u0662",
        "a.b",
        "zzz",
        "",
        "\n",
        "a\x00b",
    ],
    "int": [
        "1",
        "42",
        "007",
        "-3",
        "\u0661\u0662",
        "0",
        "x",
        "1.5",
        "²",
        "\U0001d7d8",
        "+1",
        "99999999999999999999",
    ],
    "float": [
        "1.5",
        "0.0",
        "-1.5",
        "1.",
        ".5",
        "1e5",
        "\u0661.\u0665",
        "1.5.5",
        "12.50",
        "nan",
        "2",
    ],
    "uuid": [
        "8b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e",
        "8B5E52A8-7A3C-4B70-9A07-B2A6A4B51C0E",
        "8b5e52a87a3c4b709a07b2a6a4b51c0e",
        "8b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0eX",
        "gb5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e",
        "\uff18b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e",
    ],
    "any": ["a", "b", "c.d", "cxd", "x|y", "x", "(", ")", "a b", "", ".*", "é", "A", "ab"],
    "path": ["a", "a/b", "a//b", "a/b/", "/a", "a\nb", "\na", "a\n", ".", "é/%", "a/ "],
    "two": ["12", "1", "123", "\u0661\u0662", "ab"],
    "pair": ["a/b", "a", "a/b/c", "a//b", "a/b/", "é/1"],
    "lower": ["abc", "zed", "ABC", "a1", "é"],
    "even": ["2", "3", "10", "\u0664", "x"],
    "grouped": ["a", "ab", "ba", "x.", "c", "x"],
}

#: Values to build each kind of placeholder with.
BUILD_VALUES: dict[str, list[Any]] = {
    "string": ["x", "a b", "é", "a/b", 1, "", "%", "?#", "~", 2.5],
    "int": [1, 42, -1, "7", 3.0, 0, True, 1234],
    "float": [1.5, 2, -0.25, "3.5", 1e20],
    "uuid": [uuid.UUID("8b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e"), "not-a-uuid"],
    "any": ["a", "b", "c.d", "x|y", "nope", ""],
    "path": ["a/b", "a b/c", "/x", "é", "a/../b"],
    "two": [7, 12, "5"],
    "pair": ["a/b", "a"],
    "lower": ["ABC", "x"],
    "even": [2, 3, "10"],
    "grouped": ["ab", "x"],
}

STATIC_WORDS = ["a", "b", "ab", "users", "page", "x.y", "é", "a b", "~x", "1", "\u0661", "-", "%41"]
JUNK = [
    "",
    "x",
    "\x00",
    "\n",
    "%2F",
    "%",
    "\u0661\u0662",
    "\uff0f",
    "..",
    "é",
    " ",
    "a" * 300,
    "?",
    "#",
    "\t",
]
METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "--", "PROPPATCH"]
#: The methods the compiled kernel tests as bits (its ``_COMMON_METHODS``);
#: the tests name them on their own, as werkzeug's users would.
COMMON_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]
RULE_METHODS: list[list[str] | None] = [
    None,
    None,
    ["GET"],
    ["POST"],
    ["GET", "POST"],
    ["PUT", "DELETE"],
    ["get"],
    ["OPTIONS"],
    # Enough methods for the set to grow its table; one that is not among the
    # common methods the compiled kernel tests as bits.
    ["GET", "POST", "PUT", "PATCH", "DELETE", "PROPPATCH"],
]
ENDPOINTS = ["e0", "e1", "e2", "e3"]
#: Subdomain and host rules, as pieces: text, or (placeholder, kind).
SUBDOMAINS: list[Any] = [
    None,
    ("",),
    ("www",),
    (("<{v}>", "string"),),
    (("<string(length=2):{v}>", "string"),),
    ("api.", ("<{v}>", "string")),
    (("<int:{v}>", "int"),),
]
HOSTS: list[Any] = [
    None,
    ("example.com",),
    (("<{v}>", "string"), ".example.com"),
    ("api.example.com",),
    (("<{v}>", "string"),),
    ("x.org:8080",),
]
SERVER_NAMES = ["example.com", "api.example.com", "x.example.com", "EXAMPLE.com", "x.org:8080"]
#: What an adapter is bound to, compared after ``bind_to_environ`` (its map aside).
BOUND_FIELDS = (
    "server_name",
    "script_name",
    "subdomain",
    "url_scheme",
    "path_info",
    "default_method",
    "query_args",
    "websocket",
)
BOUND_SUBDOMAINS = [None, "", "www", "api", "de", "a.b", "7", "<invalid>"]
QUERY_ARGS: list[Any] = [None, "", "q=1", {"a": "b c"}, {"x": ["1", "2"], "y": None}]


@dataclass
class Bind:
    """``Map.bind`` arguments."""

    server_name: str = "example.com"
    subdomain: str | None = None
    script_name: str | None = None
    url_scheme: str = "http"
    default_method: str = "GET"
    path_info: str | None = None
    query_args: Any = None


@dataclass
class Request:
    """One ``MapAdapter.match`` call (and ``allowed_methods`` for its path)."""

    bind: Bind
    path: str | None
    method: str | None = None
    websocket: bool | None = None
    query_args: Any = None


@dataclass
class Build:
    """One ``MapAdapter.build`` call; ``multi`` turns ``values`` (a list of
    pairs then) into a ``MultiDict``."""

    bind: Bind
    endpoint: Any
    values: Any = None
    multi: bool = False
    method: str | None = None
    force_external: bool = False
    append_unknown: bool = True
    url_scheme: str | None = None


@dataclass
class Environ:
    """One ``Map.bind_to_environ`` call, then a ``match()`` of its path."""

    environ: dict[str, str]
    server_name: str | None = None
    subdomain: str | None = None


@dataclass
class Case:
    """A rule set and what is asked of it.

    ``rules`` holds specs: ``("Rule", string, kwargs)``, or a factory,
    ``(name, argument, [specs])`` for ``Submount``, ``Subdomain``,
    ``EndpointPrefix`` and ``RuleTemplate`` (whose argument is its context).
    """

    options: dict[str, Any]
    rules: list[Any]
    requests: list[Request] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)
    environs: list[Environ] = field(default_factory=list)

    def size(self) -> int:
        return len(self.requests) + len(self.builds) + len(self.environs)


@dataclass
class Shape:
    """What the generator knows of a rule it made, to aim requests at it."""

    endpoint: Any
    path: list[Any]  # static text, or (variable, kind)
    domain: list[Any]

    def variables(self) -> list[tuple[str, str]]:
        return [piece for piece in self.domain + self.path if isinstance(piece, tuple)]


class _Names:
    """Variable names, unique within a rule set (werkzeug rejects a rule
    that uses one name twice, unless a default fills it: see ``_rule``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"v{self.count}"


def _placeholder(ch: Any, names: _Names, allow_final: bool = True) -> tuple[str, tuple[str, str]]:
    while True:
        template, kind = ch.choice(PLACEHOLDERS)
        if allow_final or kind not in {"path", "pair"}:
            break
    name = names()
    return template.format(v=name), (name, kind)


def _segment(ch: Any, names: _Names, allow_final: bool = True) -> list[Any]:
    """One path segment as pieces: text, and ``(text, (name, kind))``."""
    roll = ch.integer(0, 99)
    if roll < 45:
        return [ch.choice(STATIC_WORDS)]
    if roll < 80:
        return [_placeholder(ch, names, allow_final)]
    shape = ch.integer(0, 3)
    if shape == 0:
        return [ch.choice(STATIC_WORDS) + "-", _placeholder(ch, names, False)]
    if shape == 1:
        return [_placeholder(ch, names, False), ".", _placeholder(ch, names, False)]
    if shape == 2:
        return [_placeholder(ch, names, False), "-" + ch.choice(STATIC_WORDS)]
    return [ch.choice(STATIC_WORDS), _placeholder(ch, names, allow_final), "x"]


def _rule_path(ch: Any, names: _Names, segments: int | None = None) -> list[Any]:
    if segments is None:
        segments = ch.integer(0, 4)
    pieces: list[Any] = []
    for _ in range(segments):
        pieces.append("//" if ch.chance(4) else "/")
        pieces.extend(_segment(ch, names))
    if not pieces or ch.chance(30):
        pieces.append("/")
    return pieces


def _text(pieces: list[Any]) -> str:
    return "".join(piece if isinstance(piece, str) else piece[0] for piece in pieces)


def _shape_pieces(pieces: list[Any]) -> list[Any]:
    return [piece if isinstance(piece, str) else piece[1] for piece in pieces]


def _domain(ch: Any, host_matching: bool, names: _Names) -> tuple[str | None, list[Any]]:
    """A subdomain (or host) rule and its shape."""
    template = ch.choice(HOSTS if host_matching else SUBDOMAINS)
    if template is None:
        return None, []
    pieces: list[Any] = []
    for piece in template:
        if isinstance(piece, str):
            pieces.append(piece)
        else:
            name = names()
            pieces.append((piece[0].format(v=name), (name, piece[1])))
    return _text(pieces), _shape_pieces(pieces)


def _rule(
    ch: Any, names: _Names, host_matching: bool, endpoint: Any = None, path: list[Any] | None = None
) -> tuple[Any, Shape]:
    """One ``("Rule", string, kwargs)`` spec and its shape."""
    if path is None:
        path = _rule_path(ch, names)
    endpoint = endpoint if endpoint is not None else ch.choice(ENDPOINTS)
    kwargs: dict[str, Any] = {"endpoint": endpoint}
    # NOTE: with host matching, a rule without a host matches only the host "".
    wants_domain = ch.chance(90 if host_matching else 30)
    domain, domain_shape = _domain(ch, host_matching, names) if wants_domain else (None, [])
    if domain is not None:
        kwargs["host" if host_matching else "subdomain"] = domain
    websocket = ch.chance(6)
    if websocket:
        kwargs["websocket"] = True
        methods = ch.choice(
            [None, ["GET"], ["GET", "OPTIONS"], ["OPTIONS"], ["POST"]] if ch.chance(20) else [None]
        )
    else:
        methods = ch.choice(RULE_METHODS)
    if methods is not None:
        kwargs["methods"] = methods
    for option in ("strict_slashes", "merge_slashes"):
        setting = ch.choice([None, None, True, False])
        if setting is not None:
            kwargs[option] = setting
    variables = [piece[1][0] for piece in path if isinstance(piece, tuple)]
    roll = ch.integer(0, 99)
    if roll < 4:
        kwargs["build_only"] = True
    elif roll < 8:
        kwargs["redirect_to"] = ch.choice(
            [f"moved/<{variables[0]}>" if variables else "moved", "/abs", "http://other.org/x"]
        )
    elif roll < 11:
        kwargs["redirect_to"] = Moved()
    elif roll < 15:
        kwargs["defaults"] = ch.choice(
            [{"extra": "x"}, {"extra": 1}, {variables[0]: "1"} if variables else {"v0": 2}]
        )
        # werkzeug takes a variable named twice when a default fills it.
        if variables and variables[0] in kwargs["defaults"] and ch.chance(50):
            first = next(piece for piece in path if isinstance(piece, tuple))
            path = [*path, "/", first]
    shape = Shape(endpoint, _shape_pieces(path), domain_shape)
    return ("Rule", _text(path), kwargs), shape


def _canonical_pair(ch: Any, names: _Names, host_matching: bool) -> tuple[list[Any], list[Shape]]:
    """``/w/`` with ``defaults={"page": 1}`` and ``/w/page/<int:page>``: the
    redirect_defaults pattern (the second rule redirects to the first)."""
    endpoint = ch.choice(ENDPOINTS)
    word = ch.choice(STATIC_WORDS)
    name = names()
    converter, default, kind = ch.choice(
        [("int", 1, "int"), ("string", "1", "string"), ("int(fixed_digits=2)", 1, "int")]
    )
    first = ("Rule", f"/{word}/", {"endpoint": endpoint, "defaults": {name: default}})
    second_path = ["/", word, "/page/", (f"<{converter}:{name}>", (name, kind))]
    if ch.chance(30):
        second_path.append("/")
    second: dict[str, Any] = {"endpoint": endpoint}
    if ch.chance(25):
        second["methods"] = ch.choice(RULE_METHODS[2:])
    specs = [first, ("Rule", _text(second_path), second)]
    shapes = [
        Shape(endpoint, ["/", word, "/"], []),
        Shape(endpoint, _shape_pieces(second_path), []),
    ]
    if ch.chance(50):
        specs.reverse()
    return specs, shapes


def _alias_pair(ch: Any, names: _Names, host_matching: bool) -> tuple[list[Any], list[Shape]]:
    endpoint = ch.choice(ENDPOINTS)
    name = names()
    template, kind = ch.choice(PLACEHOLDERS[:17])
    placeholder = (template.format(v=name), (name, kind))
    canonical = ["/", ch.choice(STATIC_WORDS), "/", placeholder]
    alias = ["/", "old", "/", placeholder]
    specs = [
        ("Rule", _text(canonical), {"endpoint": endpoint}),
        ("Rule", _text(alias), {"endpoint": endpoint, "alias": True}),
    ]
    shapes = [
        Shape(endpoint, _shape_pieces(canonical), []),
        Shape(endpoint, _shape_pieces(alias), []),
    ]
    return specs, shapes


def _factory(ch: Any, names: _Names, host_matching: bool) -> tuple[list[Any], list[Shape]]:
    inner: list[Any] = []
    shapes: list[Shape] = []
    for _ in range(ch.integer(1, 2)):
        spec, shape = _rule(ch, names, host_matching)
        inner.append(spec)
        shapes.append(shape)
    kind = ch.integer(0, 3)
    if kind == 0:
        prefix = ch.choice(["/sub", "/s/", "/<int:{v}>"])
        if "{v}" in prefix:
            name = names()
            prefix = prefix.format(v=name)
            head: list[Any] = ["/", (name, "int")]
        else:
            head = ["/", prefix.strip("/")]
        spec = ("Submount", prefix, inner)
        for shape in shapes:
            shape.path = head + shape.path
        return [spec], shapes
    if kind == 1 and not host_matching:
        name = names()
        for shape in shapes:
            shape.domain = [(name, "string")]
        return [("Subdomain", f"<{name}>", inner)], shapes
    if kind == 2:
        for shape in shapes:
            shape.endpoint = "p." + shape.endpoint
        return [("EndpointPrefix", "p.", inner)], shapes
    # RuleTemplate keeps only the rule, defaults, subdomain, methods,
    # build_only, endpoint and strict_slashes of its rules.
    template_rules = []
    for spec, shape in zip(inner, shapes, strict=True):
        _, string, kwargs = spec
        template_rules.append(("Rule", "/$t" + string, {**kwargs, "endpoint": "$t." + "e"}))
        shape.path = ["/", "tt", *shape.path]
        shape.endpoint = "tt.e"
    return [("RuleTemplate", {"t": "tt"}, template_rules)], shapes


def _sample(ch: Any, pieces: list[Any]) -> str:
    """Text for a rule's pieces; each placeholder gets one of its first
    three samples (which fit) more often than the rest."""
    return "".join(
        piece
        if isinstance(piece, str)
        else ch.choice(SAMPLES[piece[1]][: None if ch.chance(25) else 3])
        for piece in pieces
    )


def _mutate(ch: Any, path: str) -> str:
    """Make a path a little (or very) wrong."""
    roll = ch.integer(0, 17)
    if roll == 0:
        return path + "/"
    if roll == 1:
        return path[:-1] if path.endswith("/") else path
    if roll == 2:
        cut = ch.integer(0, len(path))
        return path[:cut] + "/" + path[cut:]
    if roll == 3:
        segments = path.split("/")
        segments[ch.integer(0, len(segments) - 1)] = ch.choice(JUNK)
        return "/".join(segments)
    if roll == 4:
        return path + "/" + ch.choice(JUNK)
    if roll == 5:
        return path.replace("/", "//", 1)
    if roll == 6:
        return path.upper()
    if roll == 7:
        cut = ch.integer(0, len(path))
        return path[:cut] + ch.choice(["\x00", "\n", "\r\n", "%00"]) + path[cut:]
    if roll == 8:
        return path.lstrip("/")
    if roll == 9:
        return "///" + path.lstrip("/")
    if roll == 10:
        return path + "/a" * ch.choice([50, 500])
    if roll == 11:
        return path.replace("/", "%2F")
    if roll == 12:
        return ""
    return path


def _request_bind(ch: Any, host_matching: bool, shape: Shape | None) -> Bind:
    bind = Bind()
    if host_matching:
        if shape is not None and shape.domain and ch.chance(80):
            bind.server_name = _sample(ch, shape.domain)
        else:
            bind.server_name = ch.choice(SERVER_NAMES)
    else:
        bind.server_name = ch.choice(["example.com", "example.com", "localhost:5000"])
        if shape is not None and shape.domain and ch.chance(80):
            bind.subdomain = _sample(ch, shape.domain)
        elif ch.chance(30):
            bind.subdomain = ch.choice(BOUND_SUBDOMAINS)
    if ch.chance(30):
        bind.script_name = ch.choice(["/", "/app", "/app/", "/é"])
    if ch.chance(30):
        bind.url_scheme = ch.choice(["https", "ws", "wss", ""])
    if ch.chance(30):
        bind.query_args = ch.choice(QUERY_ARGS)
    return bind


def _request(ch: Any, host_matching: bool, shapes: list[Shape]) -> Request:
    shape = ch.choice(shapes) if shapes and ch.chance(90) else None
    bind = _request_bind(ch, host_matching, shape)
    if shape is not None:
        path = _sample(ch, shape.path)
    else:
        path = "/" + "/".join(ch.choice(STATIC_WORDS + JUNK) for _ in range(ch.integer(0, 3)))
    for _ in range(ch.choice([0, 0, 0, 0, 1, 1, 2])):
        path = _mutate(ch, path)
    if ch.chance(5):
        bind.path_info = path
        path = None  # type: ignore[assignment]
    websocket = ch.choice([None, False, True]) if ch.chance(30) else None
    method = ch.choice(["GET", None, *METHODS]) if ch.chance(60) else None
    query_args = ch.choice(QUERY_ARGS[1:]) if ch.chance(20) else None
    return Request(bind, path, method, websocket, query_args)


def _build(ch: Any, host_matching: bool, shapes: list[Shape]) -> Build:
    shape = ch.choice(shapes) if shapes else None
    bind = _request_bind(ch, host_matching, shape if ch.chance(50) else None)
    endpoint = shape.endpoint if shape is not None and ch.chance(92) else ch.choice(["e0", "nope"])
    values: dict[str, Any] = {}
    if shape is not None:
        for name, kind in shape.variables():
            if ch.chance(88):
                values[name] = ch.choice(BUILD_VALUES[kind])
    if ch.chance(35):
        values.update(
            ch.choice(
                [
                    {"q": "1"},
                    {"tags": ["a", "b"]},
                    {"n": None},
                    {"é": "ü v"},
                    {"q": ("x", "y"), "a": 0},
                    {"extra": "x"},
                    {"z": "&=?#"},
                ]
            )
        )
    if values and ch.chance(10):
        names = list(values)
        values[ch.choice(names)] = None
    multi = ch.chance(10)
    value_spec: Any = values
    if multi:
        pairs = [(key, value) for key, value in values.items()]
        if pairs and ch.chance(50):
            pairs.append((pairs[0][0], "again"))
        value_spec = pairs
    return Build(
        bind,
        endpoint,
        value_spec if values or ch.chance(50) else None,
        multi,
        ch.choice([None, None, "GET", "POST", "PUT", "HEAD"]),
        ch.chance(25),
        not ch.chance(20),
        ch.choice([None, None, "http", "https", "ws", "wss", ""]),
    )


def _environ(ch: Any, shapes: list[Shape]) -> Environ:
    path = _sample(ch, ch.choice(shapes).path) if shapes else "/"
    if ch.chance(30):
        path = _mutate(ch, path)
    wire = path.encode("utf-8", "surrogatepass").decode("latin-1")
    if ch.chance(10):
        wire = ch.choice(["/\xff\xfe", "/caf\xc3", "/€"])
    scheme = ch.choice(["http", "https"])
    environ = {
        "REQUEST_METHOD": ch.choice(METHODS),
        "wsgi.url_scheme": scheme,
        "SERVER_NAME": ch.choice(["example.com", "localhost", "10.0.0.1"]),
        "SERVER_PORT": ch.choice(["80", "443", "8080"]),
        "PATH_INFO": wire,
        "SCRIPT_NAME": ch.choice(["", "/app", "/caf\xc3\xa9"]),
        "QUERY_STRING": ch.choice(["", "a=1&b=%20", "caf\xc3\xa9=1"]),
    }
    if ch.chance(70):
        environ["HTTP_HOST"] = ch.choice(
            ["example.com", "www.example.com", "a.b.example.com", "example.com:443", "other.org"]
        )
    if ch.chance(25):
        environ["HTTP_UPGRADE"] = ch.choice(["websocket", "WebSocket", "h2c"])
        environ["HTTP_CONNECTION"] = ch.choice(["Upgrade", "keep-alive, upgrade", "keep-alive"])
    return Environ(
        environ,
        ch.choice([None, None, "example.com", "example.com:80", "EXAMPLE.com:443", "other.org"]),
        ch.choice([None, None, "www", ""]),
    )


def generate_case(ch: Any, requests: int = 8, builds: int = 4) -> Case:
    """Generate a valid rule set (werkzeug accepts it) and what to ask of it."""
    options: dict[str, Any] = {}
    host_matching = ch.chance(15)
    if host_matching:
        options["host_matching"] = True
    for option, percent in (("strict_slashes", 20), ("merge_slashes", 20)):
        if ch.chance(percent):
            options[option] = False
    if ch.chance(10):
        options["redirect_defaults"] = False
    if not host_matching and ch.chance(10):
        options["default_subdomain"] = "www"
    if ch.chance(25):
        options["sort_parameters"] = True
        if ch.chance(50):
            options["sort_key"] = ReverseKey()
    names = _Names()
    specs: list[Any] = []
    shapes: list[Shape] = []
    for _ in range(ch.integer(1, 6)):
        roll = ch.integer(0, 99)
        if roll < 10:
            more, more_shapes = _canonical_pair(ch, names, host_matching)
        elif roll < 15:
            more, more_shapes = _alias_pair(ch, names, host_matching)
        elif roll < 25:
            more, more_shapes = _factory(ch, names, host_matching)
        else:
            spec, shape = _rule(ch, names, host_matching)
            more, more_shapes = [spec], [shape]
        specs.extend(more)
        shapes.extend(more_shapes)
    case = Case(options, specs)
    case.requests = [
        _request(ch, host_matching, shapes) for _ in range(ch.integer(1, max(1, requests)))
    ]
    case.builds = [_build(ch, host_matching, shapes) for _ in range(ch.integer(0, builds))]
    if ch.chance(15):
        case.environs = [_environ(ch, shapes)]
    return case


# -- rule strings, converter arguments: the parser on its own ----------------

RULE_FRAGMENTS = [
    "/",
    "a",
    "<a>",
    "<b>",
    "<int:c>",
    "<a>.<b>",
    "<",
    ">",
    "(",
    ")",
    ":",
    "<int(",
    "<string(length=2):d>",
    "<string(length=x):e>",
    "<int(foo=1):f>",
    "<nope:g>",
    "<any(a, 'b)', \"c:d>\"):h>",
    "<any(a,b c):i>",
    "<path:j>",
    "<pair:k>",
    "<None>",
    "<True>",
    "<a>",
    "<int:a>",
    "<1x>",
    "<a b>",
    "<é>",
    "\n",
    "<int(\n):l>",
    "<int(min=1)>",
    "<int():m>",
    "<_:n>",
    "<two:o>",
    "<float(1, 2):p>",
    "<string(minlength=2, maxlength=2):q>",
    "é",
    "%",
    "//",
]

ARGUMENT_FRAGMENTS = [
    "1",
    "2.5",
    "-1",
    "x",
    "'a'",
    '"b c"',
    "u'u'",
    "r'r'",
    "True",
    "None",
    "min=1",
    " max = 2 ",
    "name='a, b'",
    "1.2.3",
    "'",
    "a b",
    "=",
    "é",
    "1_0",
    "",
    "x.y",
    "1,2",
    "'unterminated",
    "\n",
]


def generate_rule_string(ch: Any) -> str:
    """A rule string, often malformed or with a bad converter."""
    text = "".join(ch.choice(RULE_FRAGMENTS) for _ in range(ch.integer(0, 6)))
    return "/" + text if ch.chance(95) else text


def generate_argument_string(ch: Any) -> str:
    return ",".join(ch.choice(ARGUMENT_FRAGMENTS) for _ in range(ch.integer(0, 4)))


def parse_outcome(module: ModuleType, text: str) -> Any:
    """``parse_converter_args(text)``, or the class of its error. Values by
    type and repr, so that a ``nan`` equals its twin and ``-0.0`` differs
    from ``0.0``."""
    try:
        args, kwargs = module.parse_converter_args(text)
    except Exception as exc:
        return ("error", _werkzeug_class(exc))
    return (
        "ok",
        [(type(a).__name__, repr(a)) for a in args],
        sorted((key, type(value).__name__, repr(value)) for key, value in kwargs.items()),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    return value


def rule_outcome(routing: ModuleType, map_class: type, string: str, **kwargs: Any) -> Any:
    """What a map makes of one rule: the error class, or what decides how it
    matches and builds: its parts (the text of a static part; a dynamic
    part's regex, flags and weight), its trace and its arguments."""
    try:
        rule = routing.Rule(string, endpoint="x", **kwargs)
        map_class([rule], converters=CONVERTERS)
    except Exception as exc:
        return ("error", _werkzeug_class(exc))
    parts = [
        (part.content, True)
        if part.static
        else (part.content, part.final, False, part.suffixed, _plain(part.weight))
        for part in rule._parts
    ]
    return ("ok", parts, list(rule._trace), sorted(rule.arguments))


# -- running a case -------------------------------------------------------------


def _werkzeug_class(exc: BaseException) -> str:
    """The name of the first class of ``exc`` that is not tumbler's (or
    these tests'): tumbler may raise a subclass of werkzeug's class."""
    for cls in type(exc).__mro__:
        if not cls.__module__.startswith(("tumbler", "tests")):
            return cls.__name__
    return type(exc).__name__  # pragma: no cover - object is never tumbler's


def error(exc: BaseException) -> tuple[Any, ...]:
    """An exception as comparable data: the class; for HTTP errors also the
    redirect target and the allowed methods."""
    if isinstance(exc, HTTPException):
        methods = getattr(exc, "valid_methods", None)
        return (
            "error",
            _werkzeug_class(exc),
            getattr(exc, "new_url", None),
            # NOTE: in order: Flask's Allow header lists them as they come.
            None if methods is None else list(methods),
        )
    return ("error", _werkzeug_class(exc))


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def _rule_id(rule: Any, positions: dict[int, int]) -> Any:
    return (
        positions.get(id(rule)),
        rule.rule,
        rule.endpoint,
        None if rule.methods is None else sorted(rule.methods),
        rule.subdomain,
        rule.host,
        rule.websocket,
    )


def make_rules(routing: ModuleType, specs: list[Any]) -> list[Any]:
    """Turn rule specs into ``routing``'s rules and factories."""
    made = []
    for spec in specs:
        kind, argument, rest = spec
        if kind == "Rule":
            kwargs = dict(rest)
            if isinstance(kwargs.get("defaults"), dict):
                kwargs["defaults"] = dict(kwargs["defaults"])
            if isinstance(kwargs.get("methods"), list):
                kwargs["methods"] = list(kwargs["methods"])
            made.append(routing.Rule(argument, **kwargs))
        elif kind == "RuleTemplate":
            made.append(routing.RuleTemplate(make_rules(routing, rest))(**argument))
        else:
            made.append(getattr(routing, kind)(argument, make_rules(routing, rest)))
    return made


def _values(build: Build) -> Any:
    if build.values is None:
        return None
    if build.multi:
        return MultiDict(list(build.values))
    return dict(build.values)


def _adapter(url_map: Any, bind: Bind) -> Any:
    return url_map.bind(
        bind.server_name,
        script_name=bind.script_name,
        subdomain=bind.subdomain,
        url_scheme=bind.url_scheme,
        default_method=bind.default_method,
        path_info=bind.path_info,
        query_args=bind.query_args,
    )


def _call(function: Callable[[], Any]) -> Any:
    try:
        return ("ok", function())
    except Exception as exc:
        return error(exc)


def outcomes(case: Case, routing: ModuleType, map_class: type) -> list[Any]:
    """Run ``case`` with ``routing``'s rules and factories in a ``map_class``
    map; one comparable answer per step (the map, each request, build and
    environ)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        return _outcomes(case, routing, map_class, caught)


def _outcomes(case: Case, routing: ModuleType, map_class: type, caught: list[Any]) -> list[Any]:
    try:
        url_map = map_class(make_rules(routing, case.rules), converters=CONVERTERS, **case.options)
        rules = list(url_map.iter_rules())
    except Exception as exc:
        return [("map", error(exc))]
    positions = {id(rule): index for index, rule in enumerate(rules)}
    answers: list[Any] = [("map", [_rule_id(rule, positions) for rule in rules])]

    def matched(adapter: Any, request: Request) -> Any:
        rule, values = adapter.match(
            request.path,
            request.method,
            return_rule=True,
            query_args=request.query_args,
            websocket=request.websocket,
        )
        return _rule_id(rule, positions), sorted((k, _value(v)) for k, v in values.items())

    for request in case.requests:
        adapter = _call(lambda request=request: _adapter(url_map, request.bind))
        if adapter[0] != "ok":
            answers.append(("bind", adapter))
            continue
        adapter = adapter[1]
        answers.append(("match", _call(lambda a=adapter, r=request: matched(a, r))))
        allowed = _call(lambda a=adapter, r=request: sorted(a.allowed_methods(r.path)))
        answers.append(("allowed_methods", allowed))
    for build in case.builds:
        adapter = _call(lambda build=build: _adapter(url_map, build.bind))
        if adapter[0] != "ok":
            answers.append(("bind", adapter))
            continue
        answers.append(
            (
                "build",
                _call(
                    lambda a=adapter[1], b=build: a.build(
                        b.endpoint,
                        _values(b),
                        b.method,
                        force_external=b.force_external,
                        append_unknown=b.append_unknown,
                        url_scheme=b.url_scheme,
                    )
                ),
            )
        )
    for bound in case.environs:
        del caught[:]
        adapter = _call(
            lambda b=bound: url_map.bind_to_environ(
                dict(b.environ), server_name=b.server_name, subdomain=b.subdomain
            )
        )
        seen = sorted((w.category.__name__, str(w.message)) for w in caught)
        if adapter[0] != "ok":
            answers.append(("bind_to_environ", adapter, seen))
            continue
        a = adapter[1]
        fields = tuple(getattr(a, name) for name in BOUND_FIELDS)
        answers.append(("bind_to_environ", fields, seen))
        answers.append(("environ match", _call(lambda a=a: matched(a, Request(Bind(), None)))))
    return answers


def compare(case: Case, map_classes: dict[str, type]) -> list[tuple[str, int, Any, Any]]:
    """Where tumbler's twins answer differently from werkzeug on ``case``:
    ``(twin, step, werkzeug's answer, the twin's answer)`` for each step."""
    expected = outcomes(case, wz, wz.Map)
    found = []
    for name, map_class in map_classes.items():
        got = outcomes(case, tb, map_class)
        if got[0] != expected[0]:
            # The maps differ (one was refused): the rest would only echo that.
            found.append((name, 0, expected[0], got[0]))
        elif got != expected:
            for step in range(max(len(got), len(expected))):
                want = expected[step] if step < len(expected) else None
                have = got[step] if step < len(got) else None
                if want != have:
                    found.append((name, step, want, have))
    return found


def signature(difference: tuple[str, int, Any, Any]) -> str:
    """A short name for a kind of difference, to group many findings."""
    _, _, want, have = difference

    def brief(answer: Any) -> str:
        if answer is None:
            return "-"
        label, result = answer[0], answer[1]
        if isinstance(result, tuple) and result and result[0] == "error":
            return f"{label}:{result[1]}"
        return f"{label}:ok"

    return f"{brief(want)} vs {brief(have)}"


def shrink(case: Case, still_fails: Callable[[Case], bool]) -> Case:
    """Drop rules, requests, builds and environs while the case still fails."""
    case = replace(case)
    changed = True
    while changed:
        changed = False
        for name in ("requests", "builds", "environs", "rules"):
            items = getattr(case, name)
            index = 0
            while index < len(items):
                smaller = replace(case, **{name: items[:index] + items[index + 1 :]})
                try:
                    fails = still_fails(smaller)
                except Exception:
                    fails = False
                if fails:
                    case, items, changed = smaller, items[:index] + items[index + 1 :], True
                else:
                    index += 1
        for option in list(case.options):
            smaller = replace(case, options={k: v for k, v in case.options.items() if k != option})
            if still_fails(smaller):
                case, changed = smaller, True
    return case


# -- writing a case out ---------------------------------------------------------


def _spec_code(spec: Any, routing: str) -> str:
    kind, argument, rest = spec
    if kind == "Rule":
        arguments = "".join(f", {key}={value!r}" for key, value in rest.items())
        return f"{routing}.Rule({argument!r}{arguments})"
    inner = ", ".join(_spec_code(item, routing) for item in rest)
    if kind == "RuleTemplate":
        return f"{routing}.RuleTemplate([{inner}])(**{argument!r})"
    return f"{routing}.{kind}({argument!r}, [{inner}])"


def render(case: Case) -> str:
    """A script that runs ``case`` on werkzeug and on tumbler and prints both."""
    lines = [
        "import uuid",
        "from uuid import UUID",
        "import werkzeug.routing as werkzeug_routing",
        "import tumbler.routing as tumbler_routing",
        "from werkzeug.datastructures import MultiDict",
        "from tests.routing_cases import CONVERTERS, Moved, ReverseKey, error",
        "",
        "for r in (werkzeug_routing, tumbler_routing):",
        "    print(r.__name__)",
        "    try:",
        "        url_map = r.Map(",
        "            [" + ", ".join(_spec_code(spec, "r") for spec in case.rules) + "],",
        f"            converters=CONVERTERS, **{case.options!r})",
        "        url_map.update()",
        "    except Exception as exc:",
        "        print('  Map:', error(exc))",
        "        continue",
    ]

    def bind_code(bind: Bind) -> str:
        fields = {k: v for k, v in vars(bind).items() if v != getattr(Bind(), k)}
        server = fields.pop("server_name", "example.com")
        return f"url_map.bind({server!r}" + "".join(f", {k}={v!r}" for k, v in fields.items()) + ")"

    def attempt(expression: str) -> None:
        lines.extend(
            [
                "    try:",
                f"        print('  ', {expression!r}, '->', {expression})",
                "    except Exception as exc:",
                f"        print('  ', {expression!r}, '->', error(exc))",
            ]
        )

    for request in case.requests:
        attempt(
            f"{bind_code(request.bind)}.match({request.path!r}, {request.method!r},"
            f" return_rule=True, query_args={request.query_args!r},"
            f" websocket={request.websocket!r})"
        )
        attempt(f"sorted({bind_code(request.bind)}.allowed_methods({request.path!r}))")
    for build in case.builds:
        values = f"MultiDict({build.values!r})" if build.multi else repr(build.values)
        attempt(
            f"{bind_code(build.bind)}.build({build.endpoint!r}, {values}, {build.method!r},"
            f" force_external={build.force_external!r},"
            f" append_unknown={build.append_unknown!r}, url_scheme={build.url_scheme!r})"
        )
    for bound in case.environs:
        attempt(
            f"[getattr(url_map.bind_to_environ({bound.environ!r},"
            f" server_name={bound.server_name!r}, subdomain={bound.subdomain!r}), name)"
            f" for name in {BOUND_FIELDS!r}]"
        )
        attempt(
            f"url_map.bind_to_environ({bound.environ!r}, server_name={bound.server_name!r},"
            f" subdomain={bound.subdomain!r}).match(return_rule=True)"
        )
    return "\n".join(lines)
