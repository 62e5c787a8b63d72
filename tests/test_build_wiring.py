"""setup.py, the package and ext/ agree on the compiled cores, and the
switches decide what gets built and imported."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests._run import child_report, clean_env, run_python, setup_namespace
from tumbler._speedups import MODULES

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "ext" / "tumbler" / "_speedups"


@pytest.fixture(scope="module")
def setup_py():
    """setup.py's namespace, without running setup()."""
    return setup_namespace()


def test_setup_units_match_modules_and_ext_sources(setup_py):
    # Cython sources only: a generated .c beside them is build output.
    sources = sorted(path.name for path in EXT.iterdir() if path.suffix in (".pyx", ".pxd"))
    assert sources == sorted(f"{unit}_c.pyx" for unit in MODULES)
    assert setup_py["UNITS"] == MODULES


def test_the_build_and_the_package_ask_for_the_same_werkzeug():
    """The profile-guided build trains the cores on the werkzeug they will
    run with: pyproject.toml names it twice (build-system and project), and
    the two must not drift apart."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'^\s*"werkzeug([^";]*)', text, flags=re.MULTILINE)
    assert len(pins) == 2 and pins[0] == pins[1], pins


@pytest.mark.parametrize("unit", MODULES)
def test_each_facade_exports_the_twin_it_reports(unit):
    facade = importlib.import_module(f"tumbler._speedups.{unit}")
    twin = importlib.import_module(f"tumbler._speedups.{unit}_{facade.IMPLEMENTATION}")
    assert facade.__all__ == ["IMPLEMENTATION", *twin.__all__]
    for name in twin.__all__:
        assert getattr(facade, name) is getattr(twin, name), name


@pytest.mark.build
@pytest.mark.parametrize(
    ("switches", "optional"),
    [({}, True), ({"TUMBLER_REQUIRE_EXTENSIONS": "1"}, False)],
)
def test_setup_builds_every_unit(setup_py, monkeypatch, switches, optional):
    for name in ("TUMBLER_NO_EXTENSIONS", "TUMBLER_REQUIRE_EXTENSIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in switches.items():
        monkeypatch.setenv(name, value)
    extensions, cmdclass = setup_py["extensions"](setup_py["load_switch"]())
    assert [ext.name for ext in extensions] == [f"tumbler._speedups.{unit}_c" for unit in MODULES]
    assert [ext.sources for ext in extensions] == [
        [f"ext/tumbler/_speedups/{unit}_c.pyx"] for unit in MODULES
    ]
    assert {ext.optional for ext in extensions} == {optional}
    assert set(cmdclass) == {"build_ext"}


@pytest.mark.build
def test_setup_builds_nothing_when_disabled(setup_py, monkeypatch):
    monkeypatch.delenv("TUMBLER_REQUIRE_EXTENSIONS", raising=False)
    monkeypatch.setenv("TUMBLER_NO_EXTENSIONS", "1")
    assert setup_py["extensions"](setup_py["load_switch"]()) == ([], {})


@pytest.mark.c_extension
def test_required_extensions_report_c():
    answer = child_report(clean_env(TUMBLER_REQUIRE_EXTENSIONS="1"))
    assert answer["report"] == dict.fromkeys(MODULES, "c")


def test_no_extensions_reports_py_and_imports_no_compiled_twin():
    answer = child_report(clean_env(TUMBLER_NO_EXTENSIONS="1"))
    assert answer["report"] == dict.fromkeys(MODULES, "py")
    modules = answer["modules"]
    assert isinstance(modules, list)
    assert [name for name in modules if name.endswith("_c") and name.startswith("tumbler.")] == []


def test_profile_workload_fails_on_a_built_core_that_did_not_load():
    # NOTE: with the extensions switched off, each core it is told was built
    # runs its pure twin: the profile would train nothing of it.
    result = run_python(
        str(ROOT / "ext" / "profile_workload.py"),
        *MODULES,
        env=clean_env(TUMBLER_NO_EXTENSIONS="1"),
    )
    assert result.returncode == 1
    assert f"the built cores {list(MODULES)} did not load" in result.stderr
