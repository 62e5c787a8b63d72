"""Build tumbler's compiled cores. Everything else about the package is in
pyproject.toml; this file holds only the extension list and the switches.

The switches are read by ``src/tumbler/_speedups/_switch.py``, loaded here by
path so that the build and the installed package agree on what they mean:

- ``TUMBLER_NO_EXTENSIONS``: build nothing; the wheel is pure Python.
- ``TUMBLER_REQUIRE_EXTENSIONS``: a core that does not build fails the build.
- neither: build what the compiler can; a failure leaves that core to its
  pure-Python twin, so ``pip install`` works on a machine with no compiler.
- ``TUMBLER_NO_PGO``: no profile-guided build (see ``BuildExt``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import setup

ROOT = Path(__file__).resolve().parent

#: One compiled core per unit, ext/tumbler/_speedups/<unit>_c.pyx; the tests
#: hold this equal to tumbler._speedups.MODULES and to the files in ext/.
UNITS = ("headers", "local", "matcher")


def load_switch() -> ModuleType:
    """Load ``_switch.py`` from the source tree; tumbler is not installed yet."""
    path = ROOT / "src" / "tumbler" / "_speedups" / "_switch.py"
    spec = importlib.util.spec_from_file_location("_tumbler_switch", path)
    assert spec is not None and spec.loader is not None
    switch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(switch)
    return switch


def extensions(switch: ModuleType) -> tuple[list[Any], dict[str, type]]:
    """Return the extensions to build and the ``build_ext`` command to build
    them with, as the switches and this interpreter allow."""
    mode = switch.mode()
    if mode == "disabled":
        return [], {}
    required = mode == "required"
    if not switch.can_compile():
        if required:
            raise SystemExit(
                f"tumbler: {switch.REQUIRE_EXTENSIONS} is set, but the compiled"
                f" cores need CPython, not {platform.python_implementation()}"
            )
        return [], {}
    try:
        # NOTE: Cython's Extension and build_ext, not cythonize(): cythonize
        # drops `optional`, which turns a missing compiler into a failed install.
        from Cython.Distutils import Extension, build_ext
    except ImportError as exc:
        if required:
            raise SystemExit(
                f"tumbler: {switch.REQUIRE_EXTENSIONS} is set, but Cython cannot"
                f" be imported ({exc}); install Cython>=3 to build the cores"
            ) from exc
        return [], {}

    class BuildExt(build_ext):  # type: ignore[misc,valid-type]
        """Leaves a core that fails to build, in Cython or in the compiler, to
        its pure-Python twin; or, when extensions are required, fails naming
        the switch, the core and the cause.

        With GCC 10 or later, the build is profile-guided unless ``TUMBLER_NO_PGO`` is
        set: the cores are built with profiling, trained on
        ``ext/profile_workload.py``, and built again from that profile
        (PERF: GCC then lays out the branches a request takes as straight
        code, and the matcher runs about 10% fewer instructions). A workload
        that fails leaves the cores built without a profile, or fails the
        build when extensions are required. A core that fails the first
        pass is not tried again, nor trained.

        NOTE: setuptools' own `optional` handling catches compiler errors
        only, not Cython's, so a Cython error would fail the install."""

        def initialize_options(self) -> None:
            super().initialize_options()
            self.built: set[str] = set()  # the extensions this pass made (see build_extension)

        def build_extensions(self) -> None:
            if not (
                switch.profile_guided()
                and self.compiler.compiler_type == "unix"
                and gcc_can_profile(self.compiler.compiler_so[0])
            ):
                super().build_extensions()
                return
            plain = {
                ext.name: (ext.extra_compile_args, ext.extra_link_args) for ext in self.extensions
            }
            with tempfile.TemporaryDirectory(prefix="tumbler-pgo-") as profile:
                self.announce(
                    "tumbler: building the compiled cores with profiling", level=logging.INFO
                )
                try:
                    self.flag([f"-fprofile-generate={profile}", "-fprofile-update=single"], plain)
                    self.build_afresh()
                    if not self.built:
                        return
                    # NOTE: a core that failed is not tried again: it warned once.
                    self.extensions = [ext for ext in self.extensions if ext.name in self.built]
                    trained = self.train()
                    self.flag(
                        [f"-fprofile-use={profile}", "-fprofile-partial-training"]
                        if trained
                        else [],
                        plain,
                    )
                    self.build_afresh()
                finally:  # NOTE: no flag names the profile's directory once it is gone
                    self.flag([], plain)

        def build_afresh(self) -> None:
            """Build every extension, none kept from an earlier build as up to
            date: each pass of a profile-guided build compiles with its own flags."""
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            self.built.clear()
            super().build_extensions()

        def flag(self, flags: list[str], plain: dict[str, tuple[list[str], list[str]]]) -> None:
            """Give each extension its own arguments plus ``flags``, to
            compile and link with."""
            for ext in self.extensions:
                compile_args, link_args = plain[ext.name]
                ext.extra_compile_args = [*compile_args, *flags]
                ext.extra_link_args = [*link_args, *flags]

        def train(self) -> bool:
            """Run the profile workload on the cores just built, in a copy of
            the package that holds them; say whether it ran."""
            with tempfile.TemporaryDirectory(prefix="tumbler-train-") as tree:
                package = Path(tree) / "tumbler"
                # NOTE: without the compiled files of an earlier in-place build:
                # a core that failed this pass must not train as its stale copy.
                shutil.copytree(
                    ROOT / "src" / "tumbler",
                    package,
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
                )
                for ext in self.extensions:
                    built = Path(self.get_ext_fullpath(ext.name))
                    shutil.copy2(built, package / "_speedups" / built.name)
                units = [unit for unit in UNITS if module_name(unit) in self.built]
                workload = shutil.copy2(ROOT / "ext" / "profile_workload.py", tree)
                # NOTE: in front of, not instead of, the build environment's
                # path: pip's isolated build reaches its packages through it.
                path = os.pathsep.join(filter(None, (tree, os.environ.get("PYTHONPATH"))))
                try:
                    result = subprocess.run(
                        [sys.executable, workload, *units],
                        env={**os.environ, "PYTHONPATH": path},
                        cwd=tree,
                        capture_output=True,
                        text=True,
                        timeout=600,
                    )
                except (OSError, subprocess.SubprocessError) as exc:
                    return self.untrained(f"ext/profile_workload.py could not run: {exc}")
            if result.returncode == 0:
                self.announce(
                    f"tumbler: trained the cores {', '.join(units)} on ext/profile_workload.py;"
                    " building them again from the profile",
                    level=logging.INFO,
                )
                return True
            return self.untrained(
                f"ext/profile_workload.py failed:\n{result.stdout}{result.stderr}"
            )

        def untrained(self, cause: str) -> bool:
            """A workload that did not train the cores: the build fails if
            extensions are required, else goes on without a profile."""
            if required:
                raise SystemExit(
                    f"tumbler: {switch.REQUIRE_EXTENSIONS} is set, but the profile-guided"
                    f" build could not train the cores: {cause}"
                )
            self.warn(f"tumbler: building the cores without a profile: {cause}")
            return False

        def build_extension(self, ext: Any) -> None:
            try:
                super().build_extension(ext)
            except Exception as exc:
                if ext.optional:
                    # NOTE: an earlier build's file (an in-place one's) would be
                    # imported in place of the twin, compiled from other sources.
                    Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
                    self.warn(
                        f"tumbler: the compiled core {ext.name} failed to build ({exc});"
                        " its pure-Python twin will be used"
                    )
                    return
                raise SystemExit(
                    f"tumbler: {switch.REQUIRE_EXTENSIONS} is set, but the"
                    f" compiled core {ext.name} failed to build: {exc}"
                ) from exc
            self.built.add(ext.name)

    modules = [
        Extension(
            module_name(unit),
            [f"ext/tumbler/_speedups/{unit}_c.pyx"],
            optional=not required,
            # PERF: a traceback entry need not look up whether to show C lines.
            define_macros=[("CYTHON_CLINE_IN_TRACEBACK", "0")],
        )
        for unit in UNITS
    ]
    return modules, {"build_ext": BuildExt}


def module_name(unit: str) -> str:
    """The compiled core's module: ``tumbler._speedups.<unit>_c``."""
    return f"tumbler._speedups.{unit}_c"


def gcc_can_profile(command: str) -> bool:
    """Say whether the C compiler ``command`` is GCC 10 or later, whose
    profile flags the profile-guided build uses (``-fprofile-partial-training``
    came with GCC 10; Clang's and MSVC's flags differ)."""
    try:
        version = subprocess.run(
            [command, "--version"], capture_output=True, text=True, timeout=60
        ).stdout
        major = subprocess.run(
            [command, "-dumpversion"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    major = major.split(".")[0]
    return "Free Software Foundation" in version and major.isdigit() and int(major) >= 10


if __name__ == "__main__":
    ext_modules, cmdclass = extensions(load_switch())
    setup(ext_modules=ext_modules, cmdclass=cmdclass)
