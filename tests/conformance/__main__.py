"""Run the conformance suites and say how much of each passes.

    python -m tests.conformance [SUITE ...] [--cache DIR]

For each suite (all by default) this downloads the sdist of the installed
version of its project with pip, once, into the cache (``.conformance_cache``
at the root of the tree, which git ignores), runs the selected tests with
pytest and the ``tumbler_alias`` plugin, and prints ``N passed / M total
(P%)`` with every test that did not pass and why. It exits non-zero if a suite
passes less than ``PASS_RATE`` of its tests, or if a test's outcome differs
from the expected-failure table either way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

from tests.conformance.suites import PASS_RATE, SUITES, Suite

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _spelled(name: str) -> str:
    """A project's sdist name, spelled one way: PEP 625 spells the archive and
    its folder ``flask_smorest-0.47.0``, where older ones kept the project's
    own spelling (``Flask-3.1.3``)."""
    return re.sub(r"[-_.]+", "-", name.lower())


def _extracted(cache: Path, spelled: str) -> Path | None:
    """The folder of an extracted sdist in the cache, if it is there."""
    if not cache.is_dir():
        return None
    return next((p for p in cache.iterdir() if p.is_dir() and _spelled(p.name) == spelled), None)


def sdist(project: str, cache: Path) -> Path:
    """The extracted sdist of the installed ``project``, downloaded once."""
    wanted = version(project)
    spelled = _spelled(f"{project}-{wanted}")
    tree = _extracted(cache, spelled)
    if tree is not None and (tree / "tests").is_dir():
        return tree
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--no-binary", ":all:", "-d", str(downloads), f"{project}=={wanted}"]
    subprocess.run(command, check=True)
    archive = next(p for p in downloads.iterdir() if _spelled(p.name) == f"{spelled}-tar-gz")
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    tree = _extracted(cache, spelled)
    if tree is None:
        raise SystemExit(f"{archive.name} holds no folder {project}-{wanted}")
    return tree


def run(suite: Suite, cache: Path) -> dict[str, str]:
    """Run ``suite``; each test's node id and outcome."""
    tree = sdist(suite.project, cache)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "outcomes.json"
        command = [sys.executable, "-m", "pytest", "-p", "tumbler_alias", "-p", "no:cacheprovider"]
        command += ["-q", "--no-header", "-rN", "--tb=line", f"--tumbler-report={report}"]
        command += [f"--tumbler-alias={name}={to}" for name, to in suite.aliases.items()]
        command += [] if suite.conftest else ["--noconftest"]
        command += ["--rootdir", str(tree), *suite.tests]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
        result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if not report.exists():
            sys.stdout.write(result.stdout + result.stderr)
            raise SystemExit(f"{suite.name}: pytest ran no tests (exit {result.returncode})")
        recorded = json.loads(report.read_text())
    unused = [name for name, used in recorded["aliases_used"].items() if not used]
    if unused or set(recorded["aliases_used"]) != set(suite.aliases):
        raise SystemExit(f"{suite.name}: no test module imported tumbler's {unused}")
    outcomes: dict[str, str] = recorded["outcomes"]
    failed_lines = [line for line in result.stdout.splitlines() if line.startswith(str(tree))]
    for line in failed_lines:
        print(f"    {line.removeprefix(str(tree) + os.sep)}")
    return outcomes


def report(suite: Suite, outcomes: dict[str, str]) -> tuple[int, int, list[str]]:
    """Print the suite's count; return passed, total and the mismatches with
    the expected-failure table."""
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    total = len(outcomes)
    share = passed / total if total else 0.0
    print(f"{suite.name}: {passed} passed / {total} total ({share:.1%})")
    mismatches = []
    for nodeid, outcome in sorted(outcomes.items()):
        reason = suite.expected_failures.get(nodeid)
        if outcome != "passed":
            print(f"  {outcome}: {nodeid}" + (f" -- {reason}" if reason else " -- UNEXPECTED"))
            if reason is None:
                mismatches.append(f"{nodeid} {outcome}, and is not an expected failure")
        elif reason is not None:
            mismatches.append(f"{nodeid} passed, but is listed as failing: {reason}")
    for nodeid in sorted(set(suite.expected_failures) - set(outcomes)):
        mismatches.append(f"{nodeid} is listed as failing, but did not run")
    return passed, total, mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="SUITE", help="default: every suite")
    parser.add_argument("--cache", type=Path, default=ROOT / ".conformance_cache")
    args = parser.parse_args(argv)
    known = {suite.name: suite for suite in SUITES}
    unknown = [name for name in args.suites if name not in known]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(known)}")
    from tumbler._speedups import report as cores

    print(f"conformance against tumbler with cores {cores()}")
    failures = []
    for name in args.suites or list(known):
        suite = known[name]
        passed, total, mismatches = report(suite, run(suite, args.cache))
        if not total or passed / total < PASS_RATE:
            failures.append(f"{suite.name}: {passed}/{total} is below {PASS_RATE:.0%}")
        failures += [f"{suite.name}: {mismatch}" for mismatch in mismatches]
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
