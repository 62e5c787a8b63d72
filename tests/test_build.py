"""Wheels built from this source tree under each combination of switches and
compilers hold exactly the cores they should, and report them once installed.

Each test builds in a fresh copy of the tree with this environment's setuptools
and Cython (no build isolation, so no network), then runs the wheel's contents,
not the source tree, in a child interpreter.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests._run import child_report, clean_env, run_python, setup_namespace
from tumbler._speedups import MODULES

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
BUILD_OUTPUT = (".so", ".pyd", ".dylib", ".c")
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    ".benchmarks",
    *(f"*{suffix}" for suffix in BUILD_OUTPUT),
)


def copy_source(tmp_path: Path) -> Path:
    """A copy of the source tree, without build output, in ``tmp_path``."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    return source


def build_wheel(
    tmp_path: Path, broken_cython: bool = False, broken_workload: bool = False, **env: str
) -> tuple[subprocess.CompletedProcess[str], Path | None]:
    """Build a wheel from a copy of the tree; ``broken_cython`` puts a Cython
    syntax error into the first unit's source first, ``broken_workload``
    makes the profile-guided build's workload fail."""
    source, out = copy_source(tmp_path), tmp_path / "wheels"
    if broken_cython:
        pyx = source / "ext" / "tumbler" / "_speedups" / f"{MODULES[0]}_c.pyx"
        pyx.write_text(pyx.read_text() + "\ndef broken(:\n")
    if broken_workload:
        (source / "ext" / "profile_workload.py").write_text("raise SystemExit('no workload')\n")
    result = run_python(
        "-m",
        "pip",
        "wheel",
        "-v",  # setup.py's messages
        "--no-build-isolation",
        "--no-deps",
        "--no-cache-dir",
        "-w",
        str(out),
        str(source),
        env=clean_env(**env),
    )
    wheels = list(out.glob("*.whl"))
    return result, wheels[0] if wheels else None


def compiled_files(wheel: Path) -> list[str]:
    return sorted(name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(BUILD_OUTPUT))


def profiling_files(wheel: Path) -> list[str]:
    """The wheel's compiled files that still count their branches for a
    profile (GCC's ``__gcov`` runtime linked in): none may ship."""
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in compiled_files(wheel) if b"__gcov" in archive.read(name)]


@functools.cache
def gcc_can_profile() -> bool:
    """Whether the compiler a build here uses is one whose builds are
    profile-guided, asked as ``setup.py`` asks it."""
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return bool(setup_namespace()["gcc_can_profile"](compiler.split()[0]))


def installed_report(tmp_path: Path, wheel: Path) -> dict[str, str]:
    """Unpack the wheel as an installer would and ask it which cores it runs."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    answer = child_report(clean_env(PYTHONPATH=str(site)), cwd=str(tmp_path))
    assert Path(str(answer["file"])).is_relative_to(site)
    return answer["report"]


def test_with_a_compiler_every_core_is_compiled(tmp_path):
    result, wheel = build_wheel(tmp_path)
    assert wheel is not None, result.stdout + result.stderr
    assert [Path(name).name.split(".")[0] for name in compiled_files(wheel)] == [
        f"{unit}_c" for unit in MODULES
    ]
    assert installed_report(tmp_path, wheel) == dict.fromkeys(MODULES, "c")
    output = result.stdout + result.stderr
    trained = f"tumbler: trained the cores {', '.join(MODULES)} on ext/profile_workload.py"
    assert (trained in output) == gcc_can_profile(), output
    assert ("-fprofile-use=" in output) == gcc_can_profile(), output
    assert profiling_files(wheel) == []


@pytest.mark.skipif(not gcc_can_profile(), reason="a profile-guided build needs GCC 10+")
def test_no_pgo_builds_once_without_profiling(tmp_path):
    result, wheel = build_wheel(tmp_path, TUMBLER_NO_PGO="1")
    assert wheel is not None, result.stdout + result.stderr
    assert "-fprofile-" not in result.stdout + result.stderr
    assert installed_report(tmp_path, wheel) == dict.fromkeys(MODULES, "c")


@pytest.mark.skipif(not gcc_can_profile(), reason="a profile-guided build needs GCC 10+")
def test_a_failed_workload_builds_the_cores_without_a_profile(tmp_path):
    result, wheel = build_wheel(tmp_path, broken_workload=True)
    assert wheel is not None, result.stdout + result.stderr
    assert "tumbler: building the cores without a profile" in result.stdout + result.stderr
    assert "no workload" in result.stdout + result.stderr
    assert profiling_files(wheel) == []
    assert installed_report(tmp_path, wheel) == dict.fromkeys(MODULES, "c")


@pytest.mark.skipif(not gcc_can_profile(), reason="a profile-guided build needs GCC 10+")
def test_a_failed_workload_fails_the_build_when_extensions_are_required(tmp_path):
    result, wheel = build_wheel(tmp_path, broken_workload=True, TUMBLER_REQUIRE_EXTENSIONS="1")
    assert result.returncode != 0
    assert wheel is None
    output = result.stdout + result.stderr
    assert "the profile-guided build could not train the cores" in output
    assert "no workload" in output


def test_no_extensions_builds_a_pure_wheel(tmp_path):
    result, wheel = build_wheel(tmp_path, TUMBLER_NO_EXTENSIONS="1")
    assert wheel is not None, result.stdout + result.stderr
    assert wheel.name.endswith("-py3-none-any.whl")
    assert compiled_files(wheel) == []
    assert installed_report(tmp_path, wheel) == dict.fromkeys(MODULES, "py")


def test_without_a_compiler_the_install_falls_back(tmp_path):
    result, wheel = build_wheel(tmp_path, CC="/bin/false")
    assert wheel is not None, result.stdout + result.stderr
    assert compiled_files(wheel) == []
    assert installed_report(tmp_path, wheel) == dict.fromkeys(MODULES, "py")


def test_without_a_compiler_required_extensions_fail_the_build(tmp_path):
    result, wheel = build_wheel(tmp_path, CC="/bin/false", TUMBLER_REQUIRE_EXTENSIONS="1")
    assert result.returncode != 0
    assert wheel is None
    output = result.stdout + result.stderr
    assert (
        "TUMBLER_REQUIRE_EXTENSIONS is set, but the compiled core tumbler._speedups."
        f"{MODULES[0]}_c failed to build" in output
    )
    assert "/bin/false" in output


def test_a_cython_error_falls_back_for_that_core_only(tmp_path):
    result, wheel = build_wheel(tmp_path, broken_cython=True)
    assert wheel is not None, result.stdout + result.stderr
    broken, *others = MODULES
    assert [Path(name).name.split(".")[0] for name in compiled_files(wheel)] == [
        f"{unit}_c" for unit in others
    ]
    assert installed_report(tmp_path, wheel) == {broken: "py", **dict.fromkeys(others, "c")}
    output = result.stdout + result.stderr
    # Tried once, not again in the profile-guided build's second pass; and
    # the workload trains only the cores that built.
    assert output.count(f"the compiled core tumbler._speedups.{broken}_c failed to build") == 1
    trained = f"tumbler: trained the cores {', '.join(others)} on ext/profile_workload.py"
    assert (trained in output) == gcc_can_profile(), output


def test_a_core_that_fails_to_build_leaves_no_earlier_build_behind(tmp_path):
    """An in-place build that fails must take away the compiled file an
    earlier one left, which would be imported in place of the pure twin."""
    source = copy_source(tmp_path)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    earlier = [source / "src" / "tumbler" / "_speedups" / f"{unit}_c{suffix}" for unit in MODULES]
    for path in earlier:
        path.write_bytes(b"an earlier build's core")
    result = run_python(
        "setup.py", "build_ext", "--inplace", env=clean_env(CC="/bin/false"), cwd=str(source)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("its pure-Python twin will be used") == len(MODULES), output
    assert [path.name for path in earlier if path.exists()] == []


def test_a_cython_error_fails_the_build_when_extensions_are_required(tmp_path):
    result, wheel = build_wheel(tmp_path, broken_cython=True, TUMBLER_REQUIRE_EXTENSIONS="1")
    assert result.returncode != 0
    assert wheel is None
    assert (
        "TUMBLER_REQUIRE_EXTENSIONS is set, but the compiled core tumbler._speedups."
        f"{MODULES[0]}_c failed to build" in result.stdout + result.stderr
    )
