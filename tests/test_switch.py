"""What the two switches mean, and how a facade picks its twin."""

from __future__ import annotations

import sys

import pytest

from tumbler._speedups import _switch, headers_py

NO, REQUIRE = _switch.NO_EXTENSIONS, _switch.REQUIRE_EXTENSIONS
OFF = ["", "0", "false", "FALSE", "No", "off", " off "]
ON = ["1", "true", "yes", "on", "Y"]


@pytest.fixture(autouse=True)
def no_switches(monkeypatch):
    monkeypatch.delenv(NO, raising=False)
    monkeypatch.delenv(REQUIRE, raising=False)


@pytest.fixture
def compiled_missing(monkeypatch):
    """Make importing the compiled headers twin fail, as on a machine without it."""
    monkeypatch.setitem(sys.modules, f"{_switch.PACKAGE}.headers_c", None)


def test_unset_means_optional():
    assert _switch.mode() == "optional"


@pytest.mark.parametrize(("value", "guided"), [(None, True), ("0", True), ("1", False)])
def test_no_pgo_turns_off_the_profile_guided_build(monkeypatch, value, guided):
    if value is None:
        monkeypatch.delenv(_switch.NO_PGO, raising=False)
    else:
        monkeypatch.setenv(_switch.NO_PGO, value)
    assert _switch.profile_guided() is guided


@pytest.mark.parametrize("value", OFF)
def test_off_values(monkeypatch, value):
    monkeypatch.setenv(NO, value)
    monkeypatch.setenv(REQUIRE, value)
    assert _switch.mode() == "optional"


@pytest.mark.parametrize("value", ON)
def test_no_extensions_on(monkeypatch, value):
    monkeypatch.setenv(NO, value)
    assert _switch.mode() == "disabled"


@pytest.mark.parametrize("value", ON)
def test_require_extensions_on(monkeypatch, value):
    monkeypatch.setenv(REQUIRE, value)
    assert _switch.mode() == "required"


def test_both_on_is_an_error(monkeypatch):
    monkeypatch.setenv(NO, "1")
    monkeypatch.setenv(REQUIRE, "1")
    with pytest.raises(RuntimeError, match=f"{NO} and {REQUIRE} are both set"):
        _switch.mode()


def test_disabled_selects_python_twin(monkeypatch):
    monkeypatch.setenv(NO, "1")
    assert _switch.select("headers") == (headers_py, "py")


@pytest.mark.c_extension
def test_optional_prefers_compiled_twin():
    module, kind = _switch.select("headers")
    assert (module.__name__, kind) == (f"{_switch.PACKAGE}.headers_c", "c")


@pytest.mark.usefixtures("compiled_missing")
def test_optional_falls_back_when_compiled_twin_is_missing():
    assert _switch.select("headers") == (headers_py, "py")


@pytest.mark.usefixtures("compiled_missing")
def test_required_raises_when_compiled_twin_is_missing(monkeypatch):
    monkeypatch.setenv(REQUIRE, "1")
    with pytest.raises(
        ImportError, match=f"{REQUIRE} is set, but the compiled 'headers' core cannot be imported"
    ):
        _switch.select("headers")
