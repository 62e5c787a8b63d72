"""Interleaved runs: a benchmark is timed beside its baseline, not minutes apart.

Left to itself, pytest runs every ``[c]`` row, then every ``[py]`` row (``impl``
is session-scoped), and pytest-benchmark runs each row's rounds together, so
on a machine whose speed drifts a row and its baseline can land in a fast
stretch and a slow one. Here a group's rows run one right after another,
and ``--cycles N`` times the whole set N times over, cycle after cycle, each
cycle starting its groups at the next row. ``ratios.py`` then takes every
ratio within one cycle, where a drift slows both sides, and reports the
median over the cycles.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("benchmark").addoption(
        "--cycles",
        type=int,
        default=1,
        help="time every benchmark this many times, interleaved cycle by cycle (default 1)",
    )


@pytest.fixture(autouse=True)
def cycle() -> int:
    """Which pass over the benchmarks this is: 0, unless ``--cycles`` gives
    the test its cycle as a parameter, which stands in for this fixture."""
    return 0


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    cycles = metafunc.config.option.cycles
    if cycles > 1 and "benchmark" in metafunc.fixturenames:
        metafunc.parametrize("cycle", range(cycles), ids=[f"cycle{n}" for n in range(cycles)])


def _cycle(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("cycle", 0) if callspec else 0


def _group(item: pytest.Item) -> str:
    """The group the ``benchmark`` marker names; a test outside any group is
    a group of its own."""
    marker = item.get_closest_marker("benchmark")
    return marker.kwargs.get("group", item.nodeid) if marker else item.nodeid


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the items cycle by cycle, group by group (in the order groups
    first appear), and within a group rotate the rows by the cycle, so that
    no row is always the first one timed after a change of group."""
    groups: dict[tuple[int, str], list[pytest.Item]] = {}
    for item in items:
        groups.setdefault((_cycle(item), _group(item)), []).append(item)
    first_seen = {group: n for n, group in enumerate(dict.fromkeys(g for _, g in groups))}
    ordered = []
    for cycle, group in sorted(groups, key=lambda key: (key[0], first_seen[key[1]])):
        rows = groups[cycle, group]
        turn = cycle % len(rows)
        ordered += rows[turn:] + rows[:turn]
    items[:] = ordered
