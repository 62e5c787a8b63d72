"""Benchmark a sub-microsecond operation without measuring the harness.

pytest-benchmark calls the function it is given once per iteration, and that
call (plus a lambda, if the operation needs one) costs 50 to 100 ns: more than
some operations measured here. ``repeated`` writes the operation out ``times``
times in one function, so that the harness's cost is shared among them, and
records ``times`` as the benchmark's ``ops``: ``ratios.py`` reports the time
per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TIMES = 25


def repeated(benchmark: Any, statement: str, namespace: dict[str, Any], times: int = TIMES) -> Any:
    """Benchmark ``statement`` (run in ``namespace``) ``times`` times per
    call; return what its last run evaluates to."""
    lines = [f"    {statement}"] * (times - 1) + [f"    return {statement}"]
    code = "def run():\n" + "\n".join(lines)
    scope = dict(namespace)
    exec(code, scope)
    run: Callable[[], Any] = scope["run"]
    benchmark.extra_info["ops"] = times
    return benchmark(run)
