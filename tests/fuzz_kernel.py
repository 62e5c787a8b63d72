"""Coverage-guided fuzz of the compiled routing kernel, meant to run under
AddressSanitizer.

    python -m tests.fuzz_kernel [--runs N] [--no-werkzeug] [libFuzzer options] [corpus dirs]
    python -m tests.fuzz_kernel --show FILE     # what one input decodes to

Why: the differential tests (``tests/test_routing_differential.py``,
``tests/routing_fuzz.py``) compare answers, so they cannot see the compiled
kernel read past a block, a key or a path and still answer right, or use a
node after ``update`` freed it. The kernel lays its nodes out in raw 64-byte
blocks from ``PyMem_Malloc``, keeps borrowed pointers to rules, keys and
converters, and reads ``str`` data eight bytes at a time; AddressSanitizer
turns any such slip into a report, and libFuzzer, fed the C code's own
coverage when the extension is built with ``-fsanitize=fuzzer-no-link``,
steers towards the branches (table growth, long keys, deep paths, mixed
``str`` kinds, many refused converters) that reach them.
``bash scripts/fuzz-asan`` builds such a copy of the tree and runs this.

An input is read through ``atheris.FuzzedDataProvider``: first the case the
existing generator makes (``tests.routing_cases.generate_case``, with its
choices taken from the input rather than from a seed), then more of the same
kind aimed at the kernel's edges: rules with fuzzed static text and built-in
converters with fuzzed arguments, many siblings or many variables; requests
with paths of any code points (NUL and lone surrogates too), very long parts,
many slashes, odd methods and the WebSocket flag; builds with odd endpoints,
methods and values of odd types; WSGI environs with odd paths and hosts.

A finding is any of:

- a crash, or an AddressSanitizer report, in either twin;
- a step (map, match, ``allowed_methods``, build, ``bind_to_environ``) whose
  outcome (the result, or the exception's class, ``new_url`` and
  ``valid_methods``, as ``tests.routing_cases.outcomes`` records them)
  differs between the compiled and the pure twin;
- the same difference between the compiled twin and werkzeug, where
  werkzeug is cheap to ask (every path at most ``WERKZEUG_PATH_LIMIT``
  characters; ``--no-werkzeug`` turns it off), less the differences the
  README lists as made on purpose (see :func:`undocumented`).

Each input also runs, on the compiled twin only, code that changes what the
kernel is reading: a value whose ``str`` empties the dict being built from,
and a converter that adds a rule to its own map and matches again while the
outer match is under way. Their answers may legitimately differ between the
twins (the order of calls differs), so only a crash counts there.

libFuzzer writes a finding's input to ``crash-<sha1>``; ``--show`` on that
file prints the case as a script, and the differing steps. Where the
extension gives no C coverage (built with gcc), tumbler's Python code is
instrumented instead (``--python-coverage``), so the fuzz is still guided,
by the shell's and the pure twin's branches.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

atheris = require_atheris("fuzz_kernel")

#: The longest path werkzeug is asked about: its regexes backtrack on long
#: parts of several converters (under ASan, a 256-character path once took
#: werkzeug over two minutes, which libFuzzer reports as a timeout).
WERKZEUG_PATH_LIMIT = 64

#: Lengths where the kernel changes its ways: 7/8 (a method's code, a word
#: load), 15/16 (a key held in a node), 63/64/65 (parts held on the stack,
#: parts counted against the recursion limit), 255/256 (a key's size byte).
EDGE_LENGTHS = [0, 1, 2, 3, 7, 8, 9, 14, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1000, 4097]
#: Characters of each str kind (1, 2 and 4 bytes), and ones the kernel treats apart.
EDGE_CHARS = ["a", "/", "\x00", "\xe9", "\xff", "\u0100", "\u0661", "\ud800", "\U0001d7d8", "-"]
#: Method names around the kernel's method codes: empty, 7 and 8 ASCII
#: characters, lower case, not ASCII, with a NUL.
ODD_METHODS = [
    "",
    "G",
    "GET",
    "HEAD",
    "OPTIONS",
    "CONNECT",
    "PROPFIND",
    "GETGETGE",
    "get",
    "G\xc9T",
    "G\x00T",
    "GET\x00",
    "\u0100",
    "M" * 300,
]
#: Integer and float arguments for the built-in converters, around C's limits.
ODD_INTS = [0, 1, -1, 2, 9, 10, 99, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64 + 1, -(2**63) - 1]
ODD_FLOATS = ["0.0", "0.5", "-1.5", "1e308", "-1e308", "1e-320", "3"]


class IntWithText(int):
    """An ``int`` whose ``str`` is not its digits (a converter may call either)."""

    def __str__(self) -> str:
        return "not-digits"

    def __repr__(self) -> str:
        return f"IntWithText({int(self)})"


#: Build values of odd types, each deterministic: the twins may call ``str``,
#: ``int`` or ``==`` on them any number of times.
ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**64,
    True,
    float("nan"),
    float("inf"),
    -0.0,
    b"a/b",
    bytearray(b"x"),
    [],
    ["a", None, 1],
    ("x", "y"),
    {"k": "v"},
    "",
    "\ud800",
    "a\x00b",
    "/" * 70,
    "\U0001d7d8" * 20,
    OddText("a/b"),
    OddText("\udfff"),
    Unprintable(),
    IntWithText(7),
    object,
]
#: Endpoints that no generated rule has, of odd types.
ODD_ENDPOINTS: list[Any] = [None, 0, ("e0",), "e0\x00", "", "\ud800", 1.5]

# Set by main(): imported after atheris is told what to instrument.
rc: Any = None
wz: Any = None
tb: Any = None


class Trial:
    """What one input decodes to: a case for ``tests.routing_cases.outcomes``
    and the shapes of its extra rules (which the meddling step aims at)."""

    def __init__(self, case: Any, shapes: list[Any], host_matching: bool) -> None:
        self.case = case
        self.shapes = shapes
        self.host_matching = host_matching


# -- decoding an input ------------------------------------------------------------


def odd_text(provider: Any, ch: ProviderChooser, long: bool = True) -> str:
    """Text of any code points; with ``long``, maybe thousands of them."""
    roll = ch.integer(0, 9)
    if roll <= 3:
        return provider.ConsumeUnicode(ch.integer(0, 24))  # type: ignore[no-any-return]
    if roll <= 5:
        return provider.ConsumeUnicodeNoSurrogates(ch.integer(0, 24))  # type: ignore[no-any-return]
    if roll == 6 and long:
        return ch.choice(EDGE_CHARS) * ch.choice(EDGE_LENGTHS)
    if roll == 7 and long:
        return "/" * ch.choice(EDGE_LENGTHS)
    if roll == 8 and long:
        part = ch.choice(rc.STATIC_WORDS + EDGE_CHARS)
        return "/".join([part] * ch.choice(EDGE_LENGTHS))
    # A word the rules have, in a wider str kind or with one character off.
    word = ch.choice(rc.STATIC_WORDS)
    return word + ch.choice(EDGE_CHARS) if ch.chance(50) else word[:-1]


def static_word(provider: Any, ch: ProviderChooser) -> str:
    """A rule's static text: no ``<``, ``>`` or ``/`` (those make another rule)."""
    if ch.chance(40):
        word = ch.choice(rc.STATIC_WORDS)
        return word * ch.choice([1, 1, 2, 5, 8, 16, 40])
    # NOTE: seldom a lone surrogate: a map of such a rule is refused (as
    # werkzeug refuses it, UnicodeEncodeError), and the input tests no more.
    consume = provider.ConsumeUnicode if ch.chance(5) else provider.ConsumeUnicodeNoSurrogates
    text = consume(ch.choice([1, 2, 7, 8, 14, 15, 16, 17, 30]))
    return text.replace("<", "(").replace(">", ")").replace("/", "|") or "w"


def argument_word(provider: Any, ch: ProviderChooser) -> str:
    """An ``any`` converter's word, quoted as werkzeug's argument parser reads it."""
    text = provider.ConsumeUnicodeNoSurrogates(ch.integer(0, 9))
    return '"' + text.replace('"', "'").replace("\\", "") + '"'


def placeholder(provider: Any, ch: ProviderChooser, names: Any) -> tuple[str, tuple[str, str]]:
    """A built-in converter with fuzzed arguments, as a rule path piece."""
    name = names()
    kind = ch.choice(["int", "float", "string", "any", "path", "uuid", "default"])
    arguments: list[str] = []
    if kind == "int":
        if ch.chance(30):
            arguments.append(f"fixed_digits={ch.choice(EDGE_LENGTHS[:12])}")
        for option in ("min", "max"):
            if ch.chance(40):
                arguments.append(f"{option}={ch.choice(ODD_INTS)}")
        if ch.chance(40):
            arguments.append(f"signed={ch.choice(['True', 'False'])}")
    elif kind == "float":
        for option in ("min", "max"):
            if ch.chance(40):
                arguments.append(f"{option}={ch.choice(ODD_FLOATS)}")
        if ch.chance(40):
            arguments.append(f"signed={ch.choice(['True', 'False'])}")
    elif kind in {"string", "default"}:
        # NOTE: low before high: a regex werkzeug cannot compile is refused
        # when the rule is added (a documented difference), and the input
        # would test nothing else.
        low, high = sorted([ch.choice(EDGE_LENGTHS[1:]), ch.choice(EDGE_LENGTHS[1:])])
        if ch.chance(30):
            arguments.append(f"minlength={low}")
        if ch.chance(30):
            arguments.append(f"maxlength={high}")
        if ch.chance(20):
            arguments.append(f"length={ch.choice(EDGE_LENGTHS[1:])}")
    elif kind == "any":
        arguments = [argument_word(provider, ch) for _ in range(ch.integer(1, 5))]
    converter = kind + (f"({', '.join(arguments)})" if arguments else "")
    sample_kind = "string" if kind == "default" else kind
    return f"<{converter}:{name}>", (name, sample_kind)


def rule_path(provider: Any, ch: ProviderChooser, names: Any, prefix: list[Any]) -> list[Any]:
    """A rule's path as ``tests.routing_cases`` pieces (text, or a
    placeholder and its ``(name, kind)``), after ``prefix``; up to 18
    parts, so that some rules have more variables than the kernel's quick
    build takes (16)."""
    pieces = list(prefix)
    parts = ch.choice([1, 1, 2, 3, 4, 5, 17, 18])
    for _ in range(parts):
        pieces.append("//" if ch.chance(5) else "/")
        shape = ch.integer(0, 5)
        if shape <= 1:
            pieces.append(static_word(provider, ch))
        elif shape <= 3:
            pieces.append(placeholder(provider, ch, names))
        elif shape == 4:
            pieces.extend([static_word(provider, ch), placeholder(provider, ch, names)])
        else:
            pieces.extend(
                [
                    placeholder(provider, ch, names),
                    ch.choice([".", "-", "~"]),
                    placeholder(provider, ch, names),
                ]
            )
    if ch.chance(30):
        pieces.append("/")
    return pieces


def extra_rules(
    provider: Any, ch: ProviderChooser, host_matching: bool
) -> tuple[list[Any], list[Any]]:
    """Rule specs and shapes: siblings under one fuzzed prefix (enough, at
    times, for a static table to grow and for many converters to refuse one
    part), each with the existing generator's options (methods,
    strict_slashes, merge_slashes, defaults, redirect_to, subdomain or host)."""
    names = rc._Names()
    names.count = 1000  # NOTE: apart from the generated case's v1, v2, ...
    prefix = ["/", static_word(provider, ch)] if ch.chance(70) else []
    specs, shapes = [], []
    for _ in range(ch.choice([0, 1, 1, 2, 3, 9, 17, 33])):
        spec, shape = rc._rule(
            ch, names, host_matching, path=rule_path(provider, ch, names, prefix)
        )
        if ch.chance(15):
            spec[2]["methods"] = [ch.choice(ODD_METHODS) for _ in range(ch.integer(1, 3))]
        specs.append(spec)
        shapes.append(shape)
    return specs, shapes


def odd_path(provider: Any, ch: ProviderChooser, path: str | None) -> str:
    """``path`` (or ``/``) made odd: a part replaced, text put in front,
    behind or in the middle, or the whole path of fuzzed text."""
    path = path or "/"
    roll = ch.integer(0, 5)
    text = odd_text(provider, ch)
    if roll == 0:
        parts = path.split("/")
        parts[ch.integer(0, len(parts) - 1)] = text
        return "/".join(parts)
    if roll == 1:
        return path + text
    if roll == 2:
        return text + path
    if roll == 3:
        cut = ch.integer(0, len(path))
        return path[:cut] + text + path[cut:]
    if roll == 4:
        return "/" + text
    return text


def odd_requests(provider: Any, ch: ProviderChooser, trial: Trial, shapes: list[Any]) -> None:
    """Requests from the generator (aimed at ``shapes``), then made odd."""
    for _ in range(ch.integer(0, 6)):
        request = rc._request(ch, trial.host_matching, shapes)
        if ch.chance(80):
            if request.path is None:
                request.bind.path_info = odd_path(provider, ch, request.bind.path_info)
            else:
                request.path = odd_path(provider, ch, request.path)
        if ch.chance(30):
            request.method = ch.choice(ODD_METHODS) if ch.chance(70) else odd_text(provider, ch)
        if ch.chance(10):
            request.bind.default_method = ch.choice(ODD_METHODS)
        if ch.chance(10):
            request.bind.subdomain = None if trial.host_matching else odd_text(provider, ch, False)
        trial.case.requests.append(request)


def odd_builds(provider: Any, ch: ProviderChooser, trial: Trial, shapes: list[Any]) -> None:
    """Builds from the generator (aimed at ``shapes``), with odd values,
    endpoints and methods."""
    for _ in range(ch.integer(0, 4)):
        build = rc._build(ch, trial.host_matching, shapes)
        if build.values is not None and not build.multi and ch.chance(70):
            for key in list(build.values):
                if ch.chance(50):
                    build.values[key] = ch.choice(ODD_VALUES)
            if ch.chance(20):
                build.values[odd_text(provider, ch, False)] = ch.choice(ODD_VALUES)
        if ch.chance(10):
            build.endpoint = ch.choice(ODD_ENDPOINTS)
        if ch.chance(20):
            build.method = ch.choice(ODD_METHODS)
        trial.case.builds.append(build)


def odd_environs(provider: Any, ch: ProviderChooser, trial: Trial, shapes: list[Any]) -> None:
    """A WSGI environ from the generator with an odd path, method or host
    (as WSGI gives them: latin-1 text)."""
    if not shapes or not ch.chance(30):
        return
    bound = rc._environ(ch, shapes)
    if ch.chance(70):
        path = odd_path(provider, ch, bound.environ["PATH_INFO"])
        bound.environ["PATH_INFO"] = path.encode("utf-8", "surrogatepass").decode("latin-1")
    if ch.chance(30):
        bound.environ["REQUEST_METHOD"] = ch.choice(ODD_METHODS)
    if ch.chance(20):
        host = odd_text(provider, ch, False).encode("utf-8", "surrogatepass")
        bound.environ["HTTP_HOST"] = host.decode("latin-1")
    trial.case.environs.append(bound)


def decode(data: bytes) -> Trial:
    """Turn the fuzzer's bytes into a :class:`Trial`."""
    provider = atheris.FuzzedDataProvider(data)
    ch = ProviderChooser(provider)
    case = rc.generate_case(ch)
    host_matching = bool(case.options.get("host_matching"))
    specs, shapes = extra_rules(provider, ch, host_matching)
    case.rules.extend(specs)
    trial = Trial(case, shapes, host_matching)
    aimed = shapes or [rc.Shape("e0", ["/"], [])]
    odd_requests(provider, ch, trial, aimed)
    odd_builds(provider, ch, trial, aimed)
    odd_environs(provider, ch, trial, aimed)
    return trial


# -- running an input ----------------------------------------------------------------


def longest_path(case: Any) -> int:
    """The longest path any step of ``case`` matches."""
    paths = [r.path or "" for r in case.requests] + [r.bind.path_info or "" for r in case.requests]
    paths += [e.environ.get("PATH_INFO", "") for e in case.environs]
    return max((len(path) for path in paths), default=0)


def undocumented(found: list[tuple[int, Any, Any]], expected: list[Any]) -> list[Any]:
    """The differences from werkzeug that the README does not list as made
    on purpose: a converter regex that does not compile refused when its
    rule is added (werkzeug takes the map and raises ``re.error`` at its
    match), and a search deep enough to raise ``RecursionError`` (the depth
    differs)."""
    if found and found[0][0] == 0:
        mine = found[0][1]
        refused = mine[1][:2] == ("error", "ValueError")
        if refused and any(_raised(answer, "error") for answer in expected[1:]):
            return []
    return [
        (step, mine, theirs)
        for step, mine, theirs in found
        if not (_raised(mine, "RecursionError") or _raised(theirs, "RecursionError"))
    ]


def _raised(answer: Any, name: str) -> bool:
    """Whether a step's answer (``(label, outcome)``) is the error ``name``."""
    return (
        isinstance(answer, tuple)
        and len(answer) > 1
        and isinstance(answer[1], tuple)
        and answer[1][:2] == ("error", name)
    )


def check(trial: Trial, maps: dict[str, type], werkzeug: bool) -> None:
    """Run the trial's case on both twins (and werkzeug where cheap) and
    raise :class:`Finding` on any difference."""
    compiled = rc.outcomes(trial.case, tb, maps["c"])
    pure = rc.outcomes(trial.case, tb, maps["py"])
    found = differences(compiled, pure)
    if found:
        raise Finding(describe("compiled and pure twins differ", found, ("c", "py")))
    if werkzeug and longest_path(trial.case) <= WERKZEUG_PATH_LIMIT:
        expected = rc.outcomes(trial.case, wz, wz.Map)
        found = undocumented(differences(compiled, expected), expected)
        if found:
            raise Finding(describe("compiled twin and werkzeug differ", found, ("c", "wz")))


class Meddler:
    """A build value whose ``str`` empties, then refills, the dict the
    build reads it from (the kernel holds borrowed pointers into it)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __str__(self) -> str:
        self.values.clear()
        self.values.update({f"k{index}": "x" * index for index in range(20)})
        return "meddled"


def meddling_converter(depth: list[int]) -> type:
    """A converter that, once per outer match, adds a rule to its map and
    matches again: the map is laid out anew while the outer search still
    walks the old layout (the kernel must keep it until the search ends)."""

    class Meddling(tb.BaseConverter):
        regex = "[^/]+"

        def to_python(self, value: str) -> str:
            if depth[0] == 0:
                depth[0] += 1
                try:
                    self.map.add(
                        tb.Rule(f"/added/{len(list(self.map.iter_rules()))}", endpoint="added")
                    )
                    with contextlib.suppress(Exception):
                        self.map.bind("example.com").match("/added/0")
                finally:
                    depth[0] -= 1
            return value

    return Meddling


def meddle(trial: Trial, map_class: type) -> None:
    """On the compiled twin only: a meddling converter's rule among the
    case's, matched by the case's requests; and builds whose values change
    as they are read. Only a crash is a finding here."""
    depth = [0]
    converters = {**rc.CONVERTERS, "meddle": meddling_converter(depth)}
    try:
        rules = rc.make_rules(tb, trial.case.rules)
        rules.insert(0, tb.Rule("/<meddle:m1>/<path:m2>", endpoint="meddle"))
        rules.append(tb.Rule("/<meddle:m3>", endpoint="meddle"))
        url_map = map_class(rules, converters=converters, **trial.case.options)
        url_map.update()
    except Exception:
        return
    for request in trial.case.requests:
        try:
            adapter = url_map.bind("example.com", subdomain=None, path_info=request.bind.path_info)
            adapter.match(request.path, request.method)
        except Exception:
            pass
    for shape in trial.shapes:
        values: dict[str, Any] = {}
        for name, _ in shape.variables():
            values[name] = "v"
        if not values:
            continue
        values[next(iter(values))] = Meddler(values)
        with contextlib.suppress(Exception):
            url_map.bind("example.com").build(shape.endpoint, values)


def fuzz_one(maps: dict[str, type], werkzeug: bool) -> Callable[[bytes], None]:
    """The function libFuzzer calls with each input."""

    def run(data: bytes) -> None:
        trial = decode(data)
        check(trial, maps, werkzeug)
        meddle(trial, maps["c"])

    return run


# -- setting up -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    global rc, wz, tb
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--no-werkzeug", action="store_true", help="compare the twins only, not with werkzeug"
    )
    args, rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    # NOTE: tumbler is first imported here, so that atheris can instrument
    # it (the twins' kernels come in with map_class).
    with instrumenting("fuzz_kernel", ["matcher"], args.python_coverage):
        import werkzeug.routing

        import tumbler.routing
        from tests import routing_cases
        from tests._impl import Impl

        rc, wz, tb = routing_cases, werkzeug.routing, tumbler.routing
        maps = {kind: Impl(kind).map_class() for kind in ("c", "py")}

    if args.show:
        show(Path(args.show).read_bytes(), maps)
        return
    fuzz(rest, args.runs, fuzz_one(maps, not args.no_werkzeug))


def show(data: bytes, maps: dict[str, type]) -> None:
    """Print the case an input decodes to, as a script, and where the
    twins (and werkzeug) differ on it."""
    trial = decode(data)
    print(rc.render(trial.case))
    compiled = rc.outcomes(trial.case, tb, maps["c"])
    for name, other in (
        ("py", rc.outcomes(trial.case, tb, maps["py"])),
        ("wz", rc.outcomes(trial.case, wz, wz.Map)),
    ):
        found = differences(compiled, other)
        print(f"# c vs {name}: " + (describe("differ", found, ("c", name)) if found else "same"))
    meddle(trial, maps["c"])
    print("# meddling step: no crash")


if __name__ == "__main__":
    main()
