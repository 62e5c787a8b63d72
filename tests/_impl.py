"""The pytest plugin that runs every kernel test against both twins.

- ``impl``: a session-scoped fixture, ``c`` then ``py``; a test takes a unit's
  twin from it (``impl.module("headers")``), never from the facade.
- ``c_extension``: the marker on everything that needs the compiled cores; the
  ``c`` param carries it.
- ``--c-extensions/--no-c-extensions``: run or deselect those tests. They are
  deselected by default where no compiled core can exist: under
  ``TUMBLER_NO_EXTENSIONS``, or on an interpreter other than CPython.

A compiled core that is missing while its tests are selected is an error,
never a skip: a build that quietly fell back must not pass as compiled.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import pytest

import tumbler
from tumbler._speedups import _switch, report


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tumbler")
    group.addoption(
        "--c-extensions",
        action="store_true",
        dest="c_extensions",
        default=None,
        help="run the tests of the compiled cores"
        " (default on CPython unless TUMBLER_NO_EXTENSIONS is on)",
    )
    group.addoption(
        "--no-c-extensions",
        action="store_false",
        dest="c_extensions",
        help="deselect the tests of the compiled cores",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "c_extension: needs the compiled cores; --no-c-extensions deselects it"
    )
    config.addinivalue_line(
        "markers", "build: tests the build itself; needs setuptools, Cython and a C compiler"
    )
    if config.option.c_extensions is None:
        config.option.c_extensions = _switch.can_compile() and _switch.mode() != "disabled"


def pytest_report_header(config: pytest.Config) -> str:
    return f"tumbler {tumbler.__version__} from {tumbler.__file__}; cores: {report()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.c_extensions:
        return
    compiled = [item for item in items if item.get_closest_marker("c_extension")]
    if compiled:
        config.hook.pytest_deselected(items=compiled)
        items[:] = [item for item in items if not item.get_closest_marker("c_extension")]


@dataclass(frozen=True)
class Impl:
    """One of the two twins, ``"c"`` or ``"py"``."""

    kind: str

    def module(self, unit: str) -> ModuleType:
        """Import this twin of ``unit``; a missing compiled twin fails the test."""
        name = f"{_switch.PACKAGE}.{unit}_{self.kind}"
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            pytest.fail(
                f"{name} cannot be imported ({exc}); build the extensions,"
                " or deselect their tests with --no-c-extensions",
                pytrace=False,
            )

    def map_class(self) -> type:
        """tumbler's ``Map``, and its adapter, on this twin of the routing kernel."""
        from tumbler.routing import Map, MapAdapter

        kernel = self.module("matcher")
        methods = {
            "match": kernel.match,
            "build": kernel.build,
            "_partial_build": kernel.partial_build,
        }
        adapter = type(f"MapAdapter_{self.kind}", (MapAdapter,), methods)
        return type(
            f"Map_{self.kind}",
            (Map,),
            {
                "_kernel": kernel,
                "_adapter_class": adapter,
                "bind_to_environ": kernel.bind_to_environ,
            },
        )


@pytest.fixture(
    scope="session",
    params=[pytest.param("c", marks=pytest.mark.c_extension), "py"],
)
def impl(request: pytest.FixtureRequest) -> Impl:
    return Impl(request.param)
