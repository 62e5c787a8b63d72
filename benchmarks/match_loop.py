"""Run a number of matches of one kind of request through the routing
benchmark's harness, for a profiler that counts rather than times.

The VM's timings drift, so the figures CHANGES.md gives per match are
callgrind's counts: run this twice, at N and 2N matches, and divide the
difference by N, so that start-up and the harness's set-up cancel out (with
one hash seed: start-up's own count differs by millions of
instructions from one seed to another)::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python -m benchmarks.match_loop github_api params 20000
    # ... and again with 40000; instructions a match = (I2 - I1) / 20000

    valgrind --tool=cachegrind --cache-sim=yes --LL=8388608,16,64 \\
        --cachegrind-out-file=/dev/null \\
        python -m benchmarks.match_loop synthetic_10000 params 20000
    # last-level misses a match, at a chosen last-level size

The kinds are those of ``bench_routing.requests`` (static, params, 404,
405, mix, hits, hits zipf, ...); the router is ``c`` or ``py`` (a twin of
tumbler's kernel), ``werkzeug`` or ``falcon``.
"""

from __future__ import annotations

import argparse

from tests._impl import Impl

from benchmarks import bench_routing as bench

WARM_BATCHES = 3
# NOTE: as many batches are made at any count of matches, so that making
# them cancels out of the difference between two runs.
MADE_BATCHES = 403


def router(name: str, table: str):
    """A function that matches a batch of requests on ``table``'s map."""
    if name == "falcon":
        return bench.falcon_matcher(bench.falcon_router(table))
    if name == "werkzeug":
        return bench.matcher(bench.werkzeug_adapter(table))
    return bench.matcher(bench.tumbler_adapter(Impl(name), table))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", help="a route table of ../shared/routes, without .tsv")
    parser.add_argument("kind", help="the kind of request, as bench_routing.requests takes it")
    parser.add_argument("matches", type=int, help="how many matches to run (whole batches)")
    parser.add_argument("--router", default="c", choices=["c", "py", "werkzeug", "falcon"])
    options = parser.parse_args(argv)
    most = (MADE_BATCHES - WARM_BATCHES) * bench.BATCH
    if not 0 <= options.matches <= most:
        parser.error(f"matches must be from 0 to {most}")
    run = router(options.router, options.table)
    next_batch = bench.fresh_batches(bench.requests(options.table, options.kind))
    # NOTE: each batch is made just before it is matched, as the benchmark's
    # rounds make theirs (a server's request strings are in the cache when
    # it routes them), and as many are made at any count of matches.
    used = WARM_BATCHES + options.matches // bench.BATCH
    for number in range(MADE_BATCHES):
        batch = next_batch()
        if number < used:
            run(batch)


if __name__ == "__main__":
    main()
