"""Run upstream test suites against tumbler and report how many pass.

    python -m tests.conformance [--cache DIR] [SUITE ...]

For each suite: download the sdist of the installed upstream version with pip
(never committed; cached in ``.conformance/``), copy its test file into a
clean directory with upstream's warnings-as-errors setting, and run it through
the alias plugin. The run fails when a test fails that is not listed in
``KNOWN_FAILURES`` with its reason, when a listed test passes (the list must
stay true), or when fewer than ``REQUIRED`` of the tests pass.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = 0.98


@dataclass(frozen=True)
class Suite:
    """One upstream test file, and the aliases it runs under."""

    distribution: str
    path: str
    aliases: dict[str, str]
    #: Test ids (``file::name[param]``) expected to fail, with the reason.
    known_failures: dict[str, str] = field(default_factory=dict)


SUITES = {
    "routing": Suite(
        "werkzeug",
        "tests/test_routing.py",
        {"werkzeug.routing": "tumbler.routing"},
    ),
}


def sdist(distribution: str, cache: Path) -> Path:
    """Download and unpack the sdist of the installed ``distribution``;
    return the unpacked directory."""
    version = importlib.metadata.version(distribution)
    target = cache / f"{distribution}-{version}"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(cache),
            f"{distribution}=={version}",
        ],
        check=True,
    )
    archive = next(cache.glob(f"{distribution}-{version}.tar.gz"))
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(cache, filter="data")
        else:  # Python < 3.10.12 / 3.11.4 has no extraction filters
            tar.extractall(cache)
    return target


def run(name: str, suite: Suite, cache: Path) -> bool:
    """Run one suite; print its tally and failures; say whether it passed."""
    source = sdist(suite.distribution, cache) / suite.path
    workdir = cache / f"run-{name}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    shutil.copy(source, workdir)
    (workdir / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    report = workdir / "report.xml"
    env = dict(os.environ)
    env["TUMBLER_ALIASES"] = ",".join(f"{k}={v}" for k, v in suite.aliases.items())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conformance.alias",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            Path(suite.path).name,
        ],
        cwd=workdir,
        env=env,
        check=False,
    )
    outcomes = _outcomes(report, Path(suite.path).name)
    failed = {test for test, outcome in outcomes.items() if outcome != "passed"}
    passed = len(outcomes) - len(failed)
    rate = passed / len(outcomes) if outcomes else 0.0
    print(
        f"{name}: {suite.distribution} {suite.path}: {passed} passed of {len(outcomes)}"
        f" ({rate:.1%})"
    )
    for test in sorted(failed):
        reason = suite.known_failures.get(test, "UNEXPECTED")
        print(f"  {outcomes[test]}: {test}: {reason}")
    unexpected = failed - suite.known_failures.keys()
    fixed = suite.known_failures.keys() - failed
    for test in sorted(fixed):
        print(f"  listed as failing but passed (update KNOWN_FAILURES): {test}")
    return rate >= REQUIRED and not unexpected and not fixed and bool(outcomes)


def _outcomes(report: Path, filename: str) -> dict[str, str]:
    """Each test's outcome (passed, failed, error, skipped) from a JUnit XML report."""
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test = f"{filename}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in {"failure", "error", "skipped"}:
                outcome = child.tag
        outcomes[test] = outcome
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=", ".join(SUITES))
    parser.add_argument("--cache", type=Path, default=ROOT / ".conformance")
    arguments = parser.parse_args()
    names = arguments.suites or list(SUITES)
    unknown = set(names) - SUITES.keys()
    if unknown:
        parser.error(f"unknown suites {sorted(unknown)}; there are {sorted(SUITES)}")
    results = [run(name, SUITES[name], arguments.cache) for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
