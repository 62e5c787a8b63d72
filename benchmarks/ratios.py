"""Turn pytest-benchmark JSON runs into a markdown table of ratios.

Each group's rows are its benchmarks by median time per operation (a
benchmark that runs its operation several times per call says how many in
``extra_info["ops"]``; see ``_repeat.py``); the ratio is the baseline's median
(the ``werkzeug``/``flask``/``falcon`` row, else the slowest) over the row's,
so "4.0x" means four times as fast as the baseline.

    python benchmarks/ratios.py .benchmarks/run.json [.benchmarks/other.json ...]

The table is the first run's; each further run adds a column with its ratios,
so that a row a noisy machine slowed in one run shows as such.
"""

from __future__ import annotations

import json
import sys
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


if __name__ == "__main__":
    loaded = []
    for path in sys.argv[1:]:
        with open(path) as file:
            loaded.append(json.load(file))
    print(table(loaded))
