"""Turn pytest-benchmark JSON runs into a markdown table of ratios, and
optionally a PNG chart of the first run's ratios for the README.

Each group's rows are its benchmarks by median time per operation (a
benchmark that runs its operation several times per call says how many in
``extra_info["ops"]``; see ``_repeat.py``); the ratio is the baseline's median
(the ``werkzeug``/``flask``/``falcon`` row, else the slowest) over the row's,
so "4.0x" means four times as fast as the baseline.

    python benchmarks/ratios.py .benchmarks/run.json [.benchmarks/other.json ...] \
        [--chart benchmarks/routing.png]

The table is the first run's; each further run adds a column with its ratios,
so that a row a noisy machine slowed in one run shows as such.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict

BASELINES = ("werkzeug", "flask", "falcon")

Rows = dict[str, list[tuple[str, float, float]]]


def ratios(run: dict) -> Rows:
    """``group -> [(benchmark, median per operation, ratio)]``, fastest first."""
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for bench in run["benchmarks"]:
        ops = bench.get("extra_info", {}).get("ops", 1)
        groups[bench["group"] or bench["name"]].append(
            (bench["name"], bench["stats"]["median"] / ops)
        )
    result: Rows = {}
    for group, rows in groups.items():
        rows.sort(key=lambda row: row[1])
        baseline = next((t for name, t in rows if name.endswith(BASELINES)), rows[-1][1])
        result[group] = [(name, median, baseline / median) for name, median in rows]
    return result


def table(runs: list[dict]) -> str:
    first, *others = [ratios(run) for run in runs]
    extra = [
        {(group, name): ratio for group, rows in other.items() for name, _, ratio in rows}
        for other in others
    ]
    columns = "".join(f" run {n} |" for n in range(2, len(runs) + 1))
    lines = [
        f"| group | benchmark | median | vs baseline |{columns}",
        "| --- | --- | ---: | ---: |" + " ---: |" * len(others),
    ]
    for group, rows in first.items():
        for name, median, ratio in rows:
            more = "".join(
                f" {column[(group, name)]:.2f}x |" if (group, name) in column else " - |"
                for column in extra
            )
            lines.append(f"| {group} | {name} | {median * 1e9:,.0f} ns | {ratio:.2f}x |{more}")
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
        (re.sub(r" \(x\d+\)", "", group), twin, ratio)
        for group, rows in ratios(run).items()
        for twin, ratio in sorted(
            (_twin(name), ratio) for name, _, ratio in rows if not name.endswith(BASELINES)
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
    arguments = parser.parse_args()
    loaded = []
    for path in arguments.runs:
        with open(path) as file:
            loaded.append(json.load(file))
    print(table(loaded))
    if arguments.chart:
        chart(loaded[0], arguments.chart)


if __name__ == "__main__":
    main()
