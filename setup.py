"""Build tumbler's compiled cores. Everything else about the package is in
pyproject.toml; this file holds only the extension list and the switches.

The switches are read by ``src/tumbler/_speedups/_switch.py``, loaded here by
path so that the build and the installed package agree on what they mean:

- ``TUMBLER_NO_EXTENSIONS``: build nothing; the wheel is pure Python.
- ``TUMBLER_REQUIRE_EXTENSIONS``: a core that does not build fails the build.
- neither: build what the compiler can; a failure leaves that core to its
  pure-Python twin, so ``pip install`` works on a machine with no compiler.
"""

from __future__ import annotations

import importlib.util
import platform
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

        NOTE: setuptools' own `optional` handling catches compiler errors
        only, not Cython's, so a Cython error would fail the install."""

        def build_extension(self, ext: Any) -> None:
            try:
                super().build_extension(ext)
            except Exception as exc:
                if ext.optional:
                    self.warn(
                        f"tumbler: the compiled core {ext.name} failed to build ({exc});"
                        " its pure-Python twin will be used"
                    )
                    return
                raise SystemExit(
                    f"tumbler: {switch.REQUIRE_EXTENSIONS} is set, but the"
                    f" compiled core {ext.name} failed to build: {exc}"
                ) from exc

    modules = [
        Extension(
            f"tumbler._speedups.{unit}_c",
            [f"ext/tumbler/_speedups/{unit}_c.pyx"],
            optional=not required,
            # PERF: a traceback entry need not look up whether to show C lines.
            define_macros=[("CYTHON_CLINE_IN_TRACEBACK", "0")],
        )
        for unit in UNITS
    ]
    return modules, {"build_ext": BuildExt}


if __name__ == "__main__":
    ext_modules, cmdclass = extensions(load_switch())
    setup(ext_modules=ext_modules, cmdclass=cmdclass)
