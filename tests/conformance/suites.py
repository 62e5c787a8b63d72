"""The conformance suites: other projects' own tests, run against tumbler.

Each suite is a set of tests from the sdist of the *installed* version of a
project (downloaded at test time, never committed), run with some of that
project's modules replaced by tumbler's. To add one, add a ``Suite`` to
``SUITES``; ``python -m tests.conformance`` runs every suite, and
``scripts/test`` runs it with the cores compiled and again as pure Python.

An alias maps a module name to what the tests get when they import it:

- ``"tumbler.routing"``: that module itself, for the name and every
  submodule under it (``werkzeug.routing.rules`` is ``tumbler.routing.rules``);
- ``"werkzeug.datastructures+tumbler.datastructures"``: an overlay, a copy of
  the first module with the public names of the second put over it, for a
  module tumbler replaces only in part.

``expected_failures`` maps a test's node id to the reason it fails; the runner
reports a listed test that passes, or an unlisted one that fails, as a
mismatch, so the list stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suite:
    #: The suite's name on the command line.
    name: str
    #: The distribution whose sdist holds the tests, at its installed version.
    project: str
    #: What to run: node ids relative to the sdist's root.
    tests: tuple[str, ...]
    #: module name -> replacement (see the module docstring).
    aliases: dict[str, str]
    #: node id -> why it fails against tumbler.
    expected_failures: dict[str, str] = field(default_factory=dict)
    #: Whether the sdist's conftest.py files are loaded. werkzeug's starts a
    #: live-server fixture and needs test-only packages the selected tests do
    #: not use, so its suites run without it; Flask's tests need theirs (the
    #: ``app`` and ``client`` fixtures).
    conftest: bool = False


SUITES = (
    Suite(
        name="werkzeug-headers",
        project="werkzeug",
        tests=(
            "tests/test_datastructures.py::TestHeaders",
            "tests/test_datastructures.py::TestEnvironHeaders",
        ),
        aliases={"werkzeug.datastructures": "werkzeug.datastructures+tumbler.datastructures"},
    ),
    Suite(
        name="werkzeug-local",
        project="werkzeug",
        tests=("tests/test_local.py",),
        aliases={"werkzeug.local": "tumbler.local"},
    ),
    Suite(
        name="werkzeug-routing",
        project="werkzeug",
        tests=("tests/test_routing.py",),
        aliases={"werkzeug.routing": "tumbler.routing"},
    ),
    # Flask's whole test suite on tumbler's router: Flask imports its Map,
    # Rule and converters from werkzeug.routing, so every route, redirect,
    # 405, url_for and blueprint in these tests goes through tumbler.
    Suite(
        name="flask-routing",
        project="flask",
        tests=("tests",),
        aliases={"werkzeug.routing": "tumbler.routing"},
        expected_failures={
            "tests/test_reqctx.py::test_bad_environ_raises_bad_request": (
                "fails on werkzeug's own router too: werkzeug 3.1.9 reads a Host "
                "of invalid characters as empty (a 404 here), where the Flask "
                "3.1.3 test expects werkzeug's older 400"
            ),
        },
        conftest=True,
    ),
    # An extension that reads the map's rules and converters (to write its
    # OpenAPI document), as extensions do: flask-smorest's own tests, with
    # werkzeug.routing made tumbler.routing under Flask and under it.
    Suite(
        name="flask-smorest-routing",
        project="flask-smorest",
        tests=("tests",),
        aliases={"werkzeug.routing": "tumbler.routing"},
        conftest=True,
    ),
)

#: A suite passes at this share of its tests or more.
PASS_RATE = 0.98
