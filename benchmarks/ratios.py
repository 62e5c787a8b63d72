"""Turn pytest-benchmark JSON runs into a markdown table of ratios, and
optionally a PNG chart of the first run's ratios for the README.

Each group's rows are its benchmarks by median time per operation (a
benchmark that runs its operation several times per call says how many in
``extra_info["ops"]``; see ``_repeat.py``); the ratio is the baseline's median
(the ``werkzeug``/``flask``/``falcon`` row, else the slowest) over the row's,
so "4.0x" means four times as fast as the baseline. A run made with
``--cycles N`` (``conftest.py``) timed every row N times: a ratio is then
taken within each cycle, and the table gives the median over the cycles,
with the lowest and highest in brackets.

    python benchmarks/ratios.py .benchmarks/run.json [.benchmarks/other.json ...] \
        [--chart benchmarks/routing.png] [--over "GROUP A" "GROUP B" ...]

The table is the first run's; each further run adds a column with its ratios,
so that a row a noisy machine slowed in one run shows as such. ``--over A B``
adds how many times as long each row of group A takes as the same row (the
same twin, or the same baseline) of group B, cycle by cycle: the cost of a
10,000-route match over a 10-route one, say.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from statistics import median
from typing import NamedTuple

BASELINES = ("werkzeug", "flask", "falcon")
CYCLE = re.compile(r"cycle(\d+)")


class Row(NamedTuple):
    name: str
    seconds: float  # median time per operation, over the cycles
    ratio: float  # median over the cycles of the baseline's time over the row's
    low: float
    high: float


# group -> cycle -> benchmark (without its cycle) -> seconds per operation
Timings = dict[str, dict[int, dict[str, float]]]


def _name_and_cycle(bench: dict) -> tuple[str, int]:
    """A benchmark's name without its ``cycleN`` parameter, and N."""
    parts = (bench.get("param") or "").split("-")
    cycles = [int(found.group(1)) for part in parts if (found := CYCLE.fullmatch(part))]
    kept = [part for part in parts if part and not CYCLE.fullmatch(part)]
    base = bench["name"].split("[")[0]
    return (f"{base}[{'-'.join(kept)}]" if kept else base), (cycles[0] if cycles else 0)


def timings(run: dict) -> Timings:
    timed: Timings = defaultdict(lambda: defaultdict(dict))
    for bench in run["benchmarks"]:
        name, cycle = _name_and_cycle(bench)
        ops = bench.get("extra_info", {}).get("ops", 1)
        timed[bench["group"] or name][cycle][name] = bench["stats"]["median"] / ops
    return timed


def _spread(values: list[float]) -> tuple[float, float, float]:
    return median(values), min(values), max(values)


def _times_of(row: Row) -> str:
    return _times(row.ratio, row.low, row.high)


def _times(middle: float, low: float, high: float) -> str:
    """``4.00x``, or ``4.00x (3.50-4.20)`` when the cycles differ."""
    if low == high:
        return f"{middle:.2f}x"
    return f"{middle:.2f}x ({low:.2f}-{high:.2f})"


def _is_baseline(name: str) -> bool:
    return name.endswith(BASELINES)


def ratios(run: dict) -> dict[str, list[Row]]:
    """``group -> [Row]``, fastest first."""
    result = {}
    for group, cycles in timings(run).items():
        seconds, times_as_fast = defaultdict(list), defaultdict(list)
        for rows in cycles.values():
            baseline = next(
                (t for name, t in rows.items() if _is_baseline(name)), max(rows.values())
            )
            for name, t in rows.items():
                seconds[name].append(t)
                times_as_fast[name].append(baseline / t)
        made = [Row(name, median(seconds[name]), *_spread(times_as_fast[name])) for name in seconds]
        result[group] = sorted(made, key=lambda row: row.seconds)
    return result


def table(runs: list[dict]) -> str:
    first, *others = [ratios(run) for run in runs]
    extra = [
        {(group, row.name): row for group, rows in other.items() for row in rows}
        for other in others
    ]
    columns = "".join(f" run {n} |" for n in range(2, len(runs) + 1))
    lines = [
        f"| group | benchmark | median | vs baseline |{columns}",
        "| --- | --- | ---: | ---: |" + " ---: |" * len(others),
    ]
    for group, rows in first.items():
        for row in rows:
            more = "".join(
                f" {_times_of(column[group, row.name])} |"
                if (group, row.name) in column
                else " - |"
                for column in extra
            )
            lines.append(
                f"| {group} | {row.name} | {row.seconds * 1e9:,.0f} ns | {_times_of(row)} |{more}"
            )
    return "\n".join(lines)


def _short(group: str) -> str:
    """A group's name without its batch size: ``match synthetic_10 (x100)``
    is ``match synthetic_10``."""
    return re.sub(r" \(x\d+\)", "", group)


def _label(name: str) -> str:
    """What a row is across groups: its baseline's name, or its twin."""
    return next((base for base in BASELINES if name.endswith(base)), _twin(name))


def over(run: dict, slow: str, fast: str) -> str:
    """Markdown rows: each row's time in group ``slow`` over its time in
    group ``fast``, the median (lowest-highest) over the cycles."""
    by_short = {_short(group): cycles for group, cycles in timings(run).items()}
    missing = [group for group in (slow, fast) if group not in by_short]
    if missing:
        raise SystemExit(f"no group {missing[0]!r}; the run has {sorted(by_short)}")
    quotients = defaultdict(list)
    for cycle, rows in by_short[slow].items():
        below = {_label(name): t for name, t in by_short[fast].get(cycle, {}).items()}
        for name, t in rows.items():
            if _label(name) in below:
                quotients[_label(name)].append(t / below[_label(name)])
    lines = []
    for label, values in sorted(quotients.items()):
        lines.append(f"| {slow} over {fast} | {label} | {_times(*_spread(values))} |")
    return "\n".join(lines)


def _twin(name: str) -> str:
    """``"c"`` or ``"py"``: the kernel a benchmark's parameters name."""
    return "c" if "[c" in name else "py"


def chart(run: dict, path: str) -> None:
    """Draw the run's ratios as bars, a pair per group (compiled, pure): how
    many times as fast as the group's baseline each twin is, on a log scale.
    NOTE: matplotlib is imported here, so that the table needs only the
    standard library."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FixedLocator, FormatStrFormatter

    bars = [
        (_short(group), twin, ratio)
        for group, rows in ratios(run).items()
        for twin, ratio in sorted(
            (_twin(row.name), row.ratio) for row in rows if not _is_baseline(row.name)
        )
    ]
    colours = {"c": "#2f6ea8", "py": "#a9c4e0"}
    figure, axes = plt.subplots(figsize=(8, 0.24 * len(bars) + 1.2))
    positions = range(len(bars))
    axes.barh(positions, [ratio for *_, ratio in bars], color=[colours[t] for _, t, _ in bars])
    axes.set_yticks(positions, [group if twin == "c" else "" for group, twin, _ in bars])
    axes.tick_params(axis="y", labelsize=7, length=0)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.xaxis.set_major_locator(FixedLocator([0.1, 0.3, 1, 3, 10, 30, 100]))
    axes.xaxis.set_major_formatter(FormatStrFormatter("%gx"))
    axes.xaxis.set_minor_locator(FixedLocator([]))
    axes.axvline(1, color="black", linewidth=0.8)
    for position, (_, _, ratio) in enumerate(bars):
        axes.text(ratio, position, f" {ratio:.1f}x", va="center", fontsize=6)
    legend = [Patch(color=colours["c"], label="compiled"), Patch(color=colours["py"], label="pure")]
    axes.legend(handles=legend, loc="lower right", fontsize=7)
    axes.set_xlabel("times as fast as werkzeug (Falcon's router in the 'vs falcon' groups)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="pytest-benchmark JSON files")
    parser.add_argument("--chart", help="also draw the first run's ratios into this PNG")
    parser.add_argument(
        "--over",
        nargs=2,
        action="append",
        default=[],
        metavar=("SLOW", "FAST"),
        help="also compare each row of group SLOW with its row in group FAST (first run)",
    )
    arguments = parser.parse_args()
    loaded = []
    for path in arguments.runs:
        with open(path) as file:
            loaded.append(json.load(file))
    print(table(loaded))
    if arguments.over:
        print("\n| groups | row | times as long |\n| --- | --- | ---: |")
        for slow, fast in arguments.over:
            print(over(loaded[0], slow, fast))
    if arguments.chart:
        chart(loaded[0], arguments.chart)


if __name__ == "__main__":
    main()
