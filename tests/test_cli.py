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
from tumbler import cli

COMMANDS = {
    "script": [shutil.which("tumbler", path=sysconfig.get_path("scripts")) or "tumbler"],
    "module": [sys.executable, "-m", "tumbler"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_version_option_prints_the_version_text(command):
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == cli.version_text() + "\n"


def test_version_text_names_versions_and_each_core(monkeypatch):
    monkeypatch.setattr(cli, "report", lambda: {"headers": "c", "matcher": "py"})
    assert cli.version_text().splitlines() == [
        f"Tumbler {tumbler.__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Werkzeug {version('werkzeug')}",
        "Cores: headers (compiled), matcher (pure Python)",
    ]
