"""``tumbler --version`` and ``python -m tumbler --version``."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version

import pytest

import tumbler
from tumbler._speedups import report

COMMANDS = {
    "script": [shutil.which("tumbler", path=sysconfig.get_path("scripts")) or "tumbler"],
    "module": [sys.executable, "-m", "tumbler"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_version_names_versions_and_cores(command):
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    cores = ", ".join(
        f"{unit} ({'compiled' if kind == 'c' else 'pure Python'})"
        for unit, kind in report().items()
    )
    assert result.stdout.splitlines() == [
        f"Tumbler {tumbler.__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Werkzeug {version('werkzeug')}",
        f"Cores: {cores}",
    ]
