"""The conformance harness itself: its aliases, overlays and counting. The
suites it runs (werkzeug's and Flask's own tests) run from ``scripts/test``,
through ``python -m tests.conformance``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib.metadata import version

import pytest
import werkzeug.datastructures
import werkzeug.local

import tumbler.datastructures
import tumbler.local
from tests.conformance import __main__ as runner
from tests.conformance import tumbler_alias
from tests.conformance.suites import SUITES, Suite


@pytest.fixture
def restore_imports():
    meta_path, modules = list(sys.meta_path), dict(sys.modules)
    yield
    sys.meta_path[:] = meta_path
    for name in set(sys.modules) - set(modules):
        del sys.modules[name]
    sys.modules.update(modules)


def test_an_alias_and_its_submodules_are_the_same_module_objects(restore_imports):
    finder = tumbler_alias.install({"tumbler_probe": "tumbler"})
    assert sys.meta_path[0] is finder
    probe = importlib.import_module("tumbler_probe")
    local = importlib.import_module("tumbler_probe.local")
    assert probe is importlib.import_module("tumbler")
    assert local is tumbler.local
    assert local.__spec__.name == "tumbler.local"  # the module keeps its own spec
    from tumbler_probe import datastructures  # type: ignore[import-not-found]

    assert datastructures is tumbler.datastructures
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tumbler_probe.no_such_module")


def test_an_overlay_replaces_only_the_public_names_of_the_top_module():
    module = tumbler_alias.overlay("probe", "werkzeug.datastructures", "tumbler.datastructures")
    assert module.Headers is tumbler.datastructures.Headers
    assert module.EnvironHeaders is tumbler.datastructures.EnvironHeaders
    assert module.MultiDict is werkzeug.datastructures.MultiDict
    assert werkzeug.datastructures.Headers is not tumbler.datastructures.Headers


def test_an_alias_counts_as_used_where_a_module_outside_tumbler_holds_it():
    """The proof that a suite ran against tumbler: a test module, or the
    tested project's own module (as Flask's app module holds ``Map``), holds
    the replacement or a class tumbler defines in it; a class tumbler only
    re-exports (werkzeug's, say) proves nothing."""
    installed = {"probe.local": tumbler.local}
    user = type(sys)("probe_user")
    user.Proxy = werkzeug.local.LocalProxy  # werkzeug's class: no proof
    user.ClosingIterator = tumbler.local.ClosingIterator  # werkzeug's, imported there: no proof
    assert tumbler_alias.used_aliases(installed, [user, tumbler.local]) == {"probe.local": False}
    user.LocalStack = tumbler.local.LocalStack
    assert tumbler_alias.used_aliases(installed, [user, tumbler.local]) == {"probe.local": True}
    del user.LocalStack
    user.local = tumbler.local
    assert tumbler_alias.used_aliases(installed, [user, tumbler.local]) == {"probe.local": True}


def test_an_sdist_is_found_however_its_name_is_spelled():
    """PEP 625 spells an sdist ``flask_smorest-0.47.0.tar.gz``; older ones
    kept the project's spelling (``Flask-3.1.3``)."""
    spelled = runner._spelled("flask-smorest-0.47.0")
    assert runner._spelled("flask_smorest-0.47.0.tar.gz") == spelled + "-tar-gz"
    assert runner._spelled("flask_smorest-0.47.0") == spelled
    assert runner._spelled("Flask-3.1.3") == runner._spelled("flask-3.1.3")
    assert runner._spelled("flask-3.1.30") != runner._spelled("flask-3.1.3")


def test_a_bad_alias_is_a_usage_error():
    with pytest.raises(pytest.UsageError):
        tumbler_alias.parse(["werkzeug.local"])


def test_the_count_and_the_expected_failure_table(capsys):
    suite = Suite(
        name="probe",
        project="werkzeug",
        tests=("tests/test_x.py",),
        aliases={},
        expected_failures={
            "tests/test_x.py::fixed": "was broken",
            "tests/test_x.py::known": "a known reason",
            "tests/test_x.py::gone": "no longer exists",
        },
    )
    outcomes = {
        "tests/test_x.py::ok": "passed",
        "tests/test_x.py::known": "failed",
        "tests/test_x.py::fixed": "passed",
        "tests/test_x.py::new": "failed",
        "tests/test_x.py::skipped": "skipped",
    }
    passed, total, mismatches = runner.report(suite, outcomes)
    assert (passed, total) == (2, 5)  # a skip is not a pass
    assert mismatches == [
        "tests/test_x.py::fixed passed, but is listed as failing: was broken",
        "tests/test_x.py::new failed, and is not an expected failure",
        "tests/test_x.py::skipped skipped, and is not an expected failure",
        "tests/test_x.py::gone is listed as failing, but did not run",
    ]
    printed = capsys.readouterr().out
    assert "probe: 2 passed / 5 total (40.0%)" in printed
    assert "failed: tests/test_x.py::known -- a known reason" in printed


def test_the_table_names_importable_replacements():
    for suite in SUITES:
        assert version(suite.project)
        for name, replacement in suite.aliases.items():
            for part in replacement.split("+"):
                importlib.import_module(part)
            # a module of the project, or of a dependency it imports it from
            assert importlib.util.find_spec(name) is not None, name
        for nodeid in suite.expected_failures:
            assert nodeid.startswith(suite.tests), nodeid


def test_flasks_tests_find_monkeypatch_notset(monkeypatch):
    """Flask 3.1's tests put ``_pytest.monkeypatch.notset`` in a
    monkeypatch's undo list to mean "delete this key"; under pytest 9 the
    plugin gives that name back as the sentinel the undo still checks."""
    from _pytest import monkeypatch as module

    monkeypatch.delattr(module, "notset", raising=False)
    tumbler_alias.restore_monkeypatch_notset()
    environ = {"KEY": "set by the test"}
    with pytest.MonkeyPatch.context() as patcher:
        patcher._setitem.append((environ, "KEY", module.notset))
    assert environ == {}
