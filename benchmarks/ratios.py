"""Turn one pytest-benchmark JSON run into a markdown table of ratios.

Each group's rows are its benchmarks by median time per operation (a
benchmark that runs its operation several times per call says how many in
``extra_info["ops"]``; see ``_repeat.py``); the ratio is the baseline's median
(the ``werkzeug``/``flask``/``falcon`` row, else the slowest) over the row's,
so "4.0x" means four times as fast as the baseline.

    python benchmarks/ratios.py .benchmarks/run.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

BASELINES = ("werkzeug", "flask", "falcon")


def table(run: dict) -> str:
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for bench in run["benchmarks"]:
        ops = bench.get("extra_info", {}).get("ops", 1)
        groups[bench["group"] or bench["name"]].append(
            (bench["name"], bench["stats"]["median"] / ops)
        )
    lines = ["| group | benchmark | median | vs baseline |", "| --- | --- | ---: | ---: |"]
    for group, rows in groups.items():
        rows.sort(key=lambda row: row[1])
        baseline = next((t for name, t in rows if name.endswith(BASELINES)), rows[-1][1])
        for name, median in rows:
            lines.append(
                f"| {group} | {name} | {median * 1e9:,.0f} ns | {baseline / median:.2f}x |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        print(table(json.load(file)))
