"""What the atheris targets (``tests/fuzz_kernel.py``, ``tests/fuzz_cores.py``)
share: the chooser that takes a generator's choices from the fuzzer's input,
the comparison of two twins' step-by-step outcomes, and the setting up of a
run (which compiled cores are there, whether they give C coverage, whether
AddressSanitizer is loaded, what atheris instruments, libFuzzer's arguments).

atheris is imported only where a run starts, so that this module (and a
target's ``--help``) loads without it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import reprlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def require_atheris(target: str) -> Any:
    """The atheris module, or exit saying that ``tests.<target>`` needs it."""
    try:
        import atheris
    except ImportError:  # pragma: no cover - the fuzz is run by hand
        raise SystemExit(
            f"tests.{target} needs atheris (pip install atheris); see scripts/fuzz-asan"
        ) from None
    return atheris


class ProviderChooser:
    """The chooser ``tests.routing_cases`` generates through, taking its
    choices from the fuzzer's input. An input that runs out gives the first
    option, the low integer and "no", as ``DrawChooser`` shrinks, so a
    short input is a simple case."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def choice(self, options: Any) -> Any:
        return options[self.provider.ConsumeIntInRange(0, len(options) - 1)]

    def integer(self, low: int, high: int) -> int:
        return self.provider.ConsumeIntInRange(low, high)  # type: ignore[no-any-return]

    def chance(self, percent: int) -> bool:
        return self.provider.ConsumeIntInRange(0, 99) >= 100 - percent  # type: ignore[no-any-return]


class OddText:
    """A value whose ``str`` is odd text (a slash, a NUL, a newline, a lone
    surrogate)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"OddText({self.text!r})"


class Unprintable:
    """A value whose ``str`` raises: both twins must raise the same."""

    def __str__(self) -> str:
        raise ValueError("no text")

    def __repr__(self) -> str:
        return "Unprintable()"


class Finding(AssertionError):
    """A difference between the twins, or between the compiled twin and werkzeug."""


def differences(one: list[Any], other: list[Any]) -> list[tuple[int, Any, Any]]:
    """The steps whose outcomes differ: ``(step, one's, other's)``."""
    found = []
    for step in range(max(len(one), len(other))):
        mine = one[step] if step < len(one) else None
        theirs = other[step] if step < len(other) else None
        if mine != theirs:
            found.append((step, mine, theirs))
    return found


def describe(title: str, found: list[tuple[int, Any, Any]], names: tuple[str, str]) -> str:
    """A finding's message: each differing step, long values shortened."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 300
    lines = [title]
    for step, mine, theirs in found[:5]:
        lines.append(f"  step {step}: {names[0]}: {short.repr(mine)}")
        lines.append(f"  step {step}: {names[1]}: {short.repr(theirs)}")
    return "\n".join(lines)


# -- setting up -----------------------------------------------------------------


def compiled_core(unit: str) -> Path | None:
    """The compiled twin of ``unit`` (``matcher``, ``headers``, ``local``),
    found without importing tumbler (which must be imported after atheris is
    told what to instrument)."""
    spec = importlib.util.find_spec("tumbler")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for found in sorted(Path(folder, "_speedups").glob(f"{unit}_c.*")):
            if found.suffix in {".so", ".pyd"}:
                return found
    return None


def has_c_coverage(path: Path) -> bool:
    """Whether the extension was built with ``-fsanitize=fuzzer-no-link``
    (it then registers its coverage counters with libFuzzer)."""
    return b"__sanitizer_cov_8bit_counters_init" in path.read_bytes()


def has_asan() -> bool:
    """Whether AddressSanitizer's runtime is loaded in this process."""
    return hasattr(ctypes.CDLL(None), "__asan_init")


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A target's command line: ``--runs``, ``--python-coverage`` and
    ``--show``; what it does not know goes to libFuzzer."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        epilog="Other arguments go to libFuzzer (-max_total_time=N, -jobs=N, corpus dirs, ...).",
    )
    parser.add_argument("--runs", type=int, help="stop after N inputs (libFuzzer's -runs=N)")
    parser.add_argument(
        "--python-coverage",
        choices=["auto", "on", "off"],
        default="auto",
        help="instrument tumbler's Python code for coverage too; auto: only where"
        " the compiled cores give no C coverage (built without fuzzer-no-link)",
    )
    parser.add_argument("--show", metavar="FILE", help="print what FILE decodes to, and exit")
    return parser


def instrumenting(target: str, units: list[str], python_coverage: str) -> Any:
    """Check that the compiled twins of ``units`` are built, say on stderr
    how the run is set up, and return the context to import tumbler in:
    atheris instruments tumbler's Python code there when asked (``on``), or
    when a compiled core gives no C coverage (``auto``)."""
    import atheris

    extensions = []
    for unit in units:
        extension = compiled_core(unit)
        if extension is None:
            raise SystemExit(f"tests.{target}: the compiled {unit} is not built; nothing to fuzz")
        extensions.append(extension)
    c_coverage = all(has_c_coverage(extension) for extension in extensions)
    python = python_coverage == "on" or (python_coverage == "auto" and not c_coverage)
    print(
        f"{target}: {', '.join(extension.name for extension in extensions)};"
        f" AddressSanitizer {'on' if has_asan() else 'OFF'};"
        f" C coverage {'on' if c_coverage else 'OFF'};"
        f" Python coverage {'on' if python else 'off'}",
        file=sys.stderr,
    )
    if python:
        return atheris.instrument_imports(include=["tumbler"])
    return contextlib.nullcontext()


def fuzz(rest: list[str], runs: int | None, one_input: Callable[[bytes], None]) -> None:
    """Hand ``one_input`` to libFuzzer with the arguments ``rest``."""
    import atheris

    libfuzzer = [sys.argv[0], *rest]
    if runs is not None:
        libfuzzer.append(f"-runs={runs}")
    atheris.Setup(libfuzzer, one_input)
    atheris.Fuzz()
