"""Run Python in a child process under chosen tumbler switches."""

from __future__ import annotations

import functools
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def setup_namespace() -> dict[str, Any]:
    """setup.py's namespace, without running setup()."""
    return runpy.run_path(str(ROOT / "setup.py"), run_name="tumbler_setup")


def clean_env(**switches: str) -> dict[str, str]:
    """This process's environment without tumbler's switches, plus ``switches``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUMBLER_")}
    env.update(switches)
    return env


def run_python(
    *args: str, env: dict[str, str], cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with ``args``; the result holds its output as text."""
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


_ASK = (
    "import json, sys, tumbler, tumbler._speedups as s; print(json.dumps("
    "{'file': tumbler.__file__, 'report': s.report(), 'modules': sorted(sys.modules)}))"
)


def child_report(env: dict[str, str], cwd: str | None = None) -> dict[str, object]:
    """Ask a fresh interpreter under ``env`` which tumbler it imports
    (``file``), which twin each unit runs on (``report``) and which modules
    it loaded doing so (``modules``)."""
    result = run_python("-c", _ASK, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout)
    return answer
