"""Seeded differential fuzz of tumbler's routing against werkzeug's.

    python -m tests.routing_fuzz --cases 100000 --seed 1

Each case is a generated rule set (rules, rule factories, map options) with
requests to match (and ``allowed_methods`` on their paths), URLs to build and,
now and then, a WSGI environ to bind to; the same generator as the hypothesis
tests (``tests/routing_cases.py``). Case ``i`` comes from seed ``seed + i``,
so any case can be run again on its own (``--cases 1 --seed N``). With
``--linear``, every text a part of several converters is given is matched
the linear way (see ``tumbler.routing.linear``), not only a long one.

Both twins are compared with werkzeug where they can be imported: the pure
one always, the compiled one when it is built (``--twin`` picks one). The run
prints what it compared and every kind of disagreement it found, each with
the smallest case that still shows it, written out as a script; it exits 1
if there was any disagreement, else 0.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections import Counter
from typing import Any

from tests.routing_cases import (
    Case,
    RandomChooser,
    compare,
    generate_argument_string,
    generate_case,
    generate_rule_string,
    parse_outcome,
    render,
    rule_outcome,
    shrink,
    signature,
)


def twins(wanted: list[str]) -> dict[str, type]:
    """tumbler's ``Map`` (and adapter) on each importable kernel twin in
    ``wanted``, made as the test suite makes them (``tests._impl``)."""
    from tests._impl import Impl

    found = {}
    for kind in wanted:
        try:
            importlib.import_module(f"tumbler._speedups.matcher_{kind}")
        except ImportError as exc:
            print(f"twin {kind}: not importable ({exc}); not compared")
            continue
        found[kind] = Impl(kind).map_class()
    return found


def brief(outcome: Any) -> str:
    """``ok``, or the error class, of a parse outcome."""
    return outcome[0] if outcome[0] == "ok" else f"{outcome[0]}:{outcome[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="rule sets to generate")
    parser.add_argument("--seed", type=int, default=0, help="the first case's seed")
    parser.add_argument("--twin", action="append", choices=["c", "py"], help="default: both")
    parser.add_argument("--show", type=int, default=3, help="reproductions per kind")
    parser.add_argument(
        "--linear",
        action="store_true",
        help="match a part of several converters the linear way whatever the text's length"
        " (tumbler.routing.linear; by default only a long text is)",
    )
    args = parser.parse_args(argv)

    import werkzeug.routing as wz
    import werkzeug.routing.rules as wz_rules

    import tumbler.routing as tb

    if args.linear:
        tb.linear._BUDGET = 1
    maps = twins(args.twin or ["c", "py"])
    if not maps:
        print("no tumbler twin to compare")
        return 2
    print(f"comparing tumbler twins {sorted(maps)} with werkzeug; seeds {args.seed}..", end="")
    print(f"{args.seed + args.cases - 1}")

    kinds: Counter[str] = Counter()
    examples: dict[str, list[tuple[int, Any]]] = {}
    counts: Counter[str] = Counter()
    failed_cases = 0
    started = time.monotonic()
    for index in range(args.cases):
        seed = args.seed + index
        case = generate_case(RandomChooser(seed))
        counts["rule sets"] += 1
        counts["rules (specs)"] += len(case.rules)
        counts["requests"] += len(case.requests)
        counts["builds"] += len(case.builds)
        counts["environs"] += len(case.environs)
        differences = compare(case, maps)
        # The parser on its own: a rule string (often malformed) and a
        # converter argument string.
        chooser = RandomChooser(-seed - 1)
        string = generate_rule_string(chooser)
        argument_text = generate_argument_string(chooser)
        counts["rule strings"] += 1
        counts["argument strings"] += 1
        expected = rule_outcome(wz, wz.Map, string)
        for name, map_class in maps.items():
            got = rule_outcome(tb, map_class, string)
            if got != expected:
                differences.append((name, -1, ("rule string", string, expected), got))
        if parse_outcome(tb, argument_text) != parse_outcome(wz_rules, argument_text):
            differences.append(
                (
                    "both",
                    -2,
                    ("argument string", argument_text, parse_outcome(wz_rules, argument_text)),
                    parse_outcome(tb, argument_text),
                )
            )
        if differences:
            failed_cases += 1
        for difference in differences:
            if difference[1] < 0:
                what, want, have = difference[2][0], difference[2][2], difference[3]
                kind = f"{difference[0]}: {what}: werkzeug {brief(want)} vs tumbler {brief(have)}"
            else:
                kind = f"{difference[0]}: {signature(difference)}"
            kinds[kind] += 1
            found = examples.setdefault(kind, [])
            if len(found) < args.show:
                found.append((seed, case if difference[1] >= 0 else difference))
        if (index + 1) % 10_000 == 0:
            elapsed = time.monotonic() - started
            print(f"  {index + 1} cases, {failed_cases} with disagreements, {elapsed:.0f} s")

    elapsed = time.monotonic() - started
    print(
        f"ran {args.cases} cases in {elapsed:.0f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    print(f"cases with a disagreement: {failed_cases}")
    for kind, number in kinds.most_common():
        print(f"\n== {number} x {kind}")
        for seed, example in examples[kind]:
            if isinstance(example, Case):
                small = shrink(example, lambda c: bool(compare(c, maps)))
                print(f"-- seed {seed}, shrunk; differences:")
                for name, step, want, have in compare(small, maps):
                    print(f"   [{name}] step {step}: werkzeug {want!r}")
                    print(f"   [{name}] step {step}: tumbler  {have!r}")
                print(render(small))
            else:
                name, _, (what, text, want), have = example
                print(
                    f"-- seed {seed}: {what} {text!r}: werkzeug {want!r}, tumbler [{name}] {have!r}"
                )
    return 1 if failed_cases else 0


if __name__ == "__main__":
    sys.exit(main())
