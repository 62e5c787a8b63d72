"""Interleaved runs: a benchmark is timed beside its baseline, not minutes apart.

Left to itself, pytest runs every ``[c]`` row, then every ``[py]`` row (``impl``
is session-scoped), and pytest-benchmark runs each row's rounds together, so
on a machine whose speed drifts a row and its baseline can land in a fast
stretch and a slow one. Here a group's rows run one right after another,
and ``--cycles N`` times the whole set N times over, cycle after cycle, each
cycle starting its groups at the next row. ``ratios.py`` then takes every
ratio within one cycle, where a drift slows both sides, and reports the
median over the cycles.

Groups that are compared with each other (``ratios.py --over``: a 10,000-route
match over a 10-route one, say) go further: a bench module names them in its
``INTERLEAVE``, and their rows run in turn, row by row, so that each row is
timed moments after its counterpart in the other group, not a second later.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TypeVar

import pytest

T = TypeVar("T")


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


def _together(item: pytest.Item) -> tuple[str, ...]:
    """The groups whose rows run in turn with the item's: those its module's
    ``INTERLEAVE`` lists with its own, else its group alone."""
    group = _group(item)
    for groups in getattr(item.module, "INTERLEAVE", ()):
        if group in groups:
            return tuple(groups)
    return (group,)


def _turned(rows: Sequence[T], turn: int) -> list[T]:
    """``rows`` rotated left by ``turn``."""
    turn %= len(rows)
    return [*rows[turn:], *rows[:turn]]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the items cycle by cycle, group by group (in the order groups
    first appear; interleaved groups where the first of them appears, their
    rows taken in turn), and rotate the rows and the interleaved groups by
    the cycle, so that no row is always the first one timed after a change
    of group."""
    units: dict[tuple[int, tuple[str, ...]], dict[str, list[pytest.Item]]] = {}
    for item in items:
        unit = units.setdefault((_cycle(item), _together(item)), {})
        unit.setdefault(_group(item), []).append(item)
    first_seen = {together: n for n, together in enumerate(dict.fromkeys(t for _, t in units))}
    ordered = []
    for cycle, together in sorted(units, key=lambda key: (key[0], first_seen[key[1]])):
        groups = [_turned(rows, cycle) for rows in units[cycle, together].values()]
        for turn in itertools.zip_longest(*_turned(groups, cycle)):
            ordered += [item for item in turn if item is not None]
    items[:] = ordered
