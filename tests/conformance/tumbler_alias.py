"""A pytest plugin that makes another project's modules be tumbler's.

Load it with ``-p tumbler_alias`` (its directory on ``sys.path``) and give
each alias as ``--tumbler-alias NAME=REPLACEMENT`` (see ``suites`` for the
forms). It installs the aliases in ``pytest_load_initial_conftests``, before
any conftest or test module is imported, and writes each test's outcome to
``--tumbler-report`` as JSON for the runner to count.

NOTE: this module imports nothing from ``tests``: it runs inside another
project's tree, whose own ``tests`` directory may shadow ours.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest


def _parent_and_child(name: str) -> tuple[str, str]:
    parent, _, child = name.rpartition(".")
    return parent, child


def _bind(name: str, module: ModuleType) -> None:
    """Make ``import name`` and ``from parent import child`` give ``module``."""
    sys.modules[name] = module
    parent, child = _parent_and_child(name)
    if parent:
        setattr(importlib.import_module(parent), child, module)


def overlay(name: str, base: str, top: str) -> ModuleType:
    """A module named ``name``: a copy of ``base``'s namespace with the
    public names of ``top`` (its ``__all__``) put over it."""
    base_module, top_module = importlib.import_module(base), importlib.import_module(top)
    module = ModuleType(name, base_module.__doc__)
    module.__dict__.update(base_module.__dict__)
    for attr in top_module.__all__:
        setattr(module, attr, getattr(top_module, attr))
    module.__tumbler_overlay__ = (base, top)  # type: ignore[attr-defined]
    return module


class _AliasLoader(importlib.abc.Loader):
    """Loads an aliased name as the very module object of its target."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # NOTE: the import system sets __spec__ to the alias's spec on the
        # module it is given; the module keeps its own.
        module.__spec__ = self.spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``name`` and every ``name.sub`` as ``target`` and
    ``target.sub``, for each plain alias."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    def target_of(self, fullname: str) -> str | None:
        for name, target in self.aliases.items():
            if fullname == name:
                return target
            if fullname.startswith(name + "."):
                return target + fullname[len(name) :]
        return None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        replacement = self.target_of(fullname)
        if replacement is None:
            return None
        if importlib.util.find_spec(replacement) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(replacement))


def parse(specs: Sequence[str]) -> dict[str, str]:
    aliases = {}
    for spec in specs:
        name, sep, replacement = spec.partition("=")
        if not sep or not name or not replacement:
            raise pytest.UsageError(f"--tumbler-alias wants NAME=REPLACEMENT, not {spec!r}")
        aliases[name] = replacement
    return aliases


#: name -> the module object installed for it, for the report.
INSTALLED: dict[str, ModuleType] = {}


def install(aliases: dict[str, str]) -> AliasFinder:
    """Install ``aliases``: overlays and already imported modules at once,
    the rest through a finder placed first on ``sys.meta_path``."""
    plain = {}
    for name, replacement in aliases.items():
        if "+" in replacement:
            base, top = replacement.split("+", 1)
            INSTALLED[name] = overlay(name, base, top)
            _bind(name, INSTALLED[name])
        else:
            plain[name] = replacement
    # NOTE: the replacements are imported before the finder is in place: a
    # replacement may import the module it replaces (tumbler.routing reuses
    # werkzeug.routing's exception classes), and must get the real one.
    for name, target in plain.items():
        INSTALLED[name] = importlib.import_module(target)
    finder = AliasFinder(plain)
    sys.meta_path.insert(0, finder)
    for name in plain:
        _bind(name, INSTALLED[name])
    # submodules imported before the finder was in place
    for imported in [n for n in list(sys.modules) if n not in plain]:
        target = finder.target_of(imported)
        if target is not None and importlib.util.find_spec(target) is not None:
            _bind(imported, importlib.import_module(target))
    return finder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tumbler conformance")
    group.addoption(
        "--tumbler-alias",
        action="append",
        default=[],
        metavar="NAME=REPLACEMENT",
        help="import REPLACEMENT (a module, or BASE+TOP for an overlay) as NAME",
    )
    group.addoption(
        "--tumbler-report", metavar="PATH", help="write each test's outcome here as JSON"
    )


def restore_monkeypatch_notset() -> None:
    """Give ``_pytest.monkeypatch`` back its ``notset``, which Flask 3.1's
    tests read (conftest.py, test_cli.py) and pytest 9 no longer exports. It
    is the sentinel the module still undoes with, so those tests' hand-made
    undo entries keep working."""
    from _pytest import compat, monkeypatch

    if not hasattr(monkeypatch, "notset"):
        monkeypatch.notset = compat.NOTSET  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    restore_monkeypatch_notset()
    install(parse(early_config.known_args_namespace.tumbler_alias))


def used_aliases(installed: dict[str, ModuleType], modules: list[Any]) -> dict[str, bool]:
    """For each alias, whether one of ``modules`` outside tumbler holds its replacement,
    or a class tumbler defines there: the proof that the tests ran against
    tumbler. The module is a test module, or the tested project's own (Flask's
    app module holds the ``Map`` class it routes with)."""
    used = dict.fromkeys(installed, False)
    replacements = list(installed.values())
    for module in modules:
        module_name = getattr(module, "__name__", None)
        if not isinstance(module_name, str) or module_name.startswith("tumbler"):
            continue
        if module in replacements:
            continue
        for value in list(vars(module).values()):
            for name, replacement in installed.items():
                if value is replacement or (
                    isinstance(value, type)
                    and value in vars(replacement).values()
                    and value.__module__.startswith("tumbler")
                ):
                    used[name] = True
    return used


_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 1, "failed": 2}


class _Outcomes:
    """Each test's outcome: passed, failed, skipped, xfailed or xpassed; a
    module that fails to import counts as one failed test."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.outcomes: dict[str, str] = {}
        #: alias -> whether the tests ran against tumbler (see used_aliases)
        self.used = dict.fromkeys(INSTALLED, False)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.used = used_aliases(INSTALLED, list(sys.modules.values()))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.outcomes[report.nodeid] = "failed"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if hasattr(report, "wasxfail"):
            outcome = "xpassed" if report.passed else "xfailed"
        else:
            outcome = report.outcome
        # a later phase can only make it worse: a failing teardown fails it
        previous = self.outcomes.get(report.nodeid)
        if previous is None or _RANK[outcome] > _RANK[previous]:
            self.outcomes[report.nodeid] = outcome

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        with open(self.path, "w") as file:
            json.dump({"outcomes": self.outcomes, "aliases_used": self.used}, file, indent=1)


def pytest_configure(config: pytest.Config) -> None:
    path: Any = config.getoption("tumbler_report")
    if path:
        config.pluginmanager.register(_Outcomes(path), "tumbler-outcomes")
