"""The switches that choose between the compiled and the pure-Python cores,
and how the compiled ones are built.

This is the one place that reads them, at build time and at import time, so the
build and the package always agree on what a value means:

``TUMBLER_NO_EXTENSIONS``
    Build no extension and import none: every core is the pure-Python twin.
``TUMBLER_REQUIRE_EXTENSIONS``
    A core that fails to build fails the build, and a core that fails to import
    fails the import, instead of falling back. CI and wheel builds set it, so a
    broken extension can never ship as a silent slowdown.
``TUMBLER_NO_PGO``
    Build the cores once, without profile-guided optimisation (build time
    only). By default, where the compiler is GCC 10 or later, ``setup.py``
    builds them with profiling, trains them on ``ext/profile_workload.py``
    and builds them again from the profile; that second build is what ships.

``""``, ``0``, ``false``, ``no`` and ``off`` (any case) mean off; anything else
means on. Setting both ``TUMBLER_NO_EXTENSIONS`` and
``TUMBLER_REQUIRE_EXTENSIONS`` is a contradiction and an error.

NOTE: ``setup.py`` loads this file by path, before tumbler is installed, so it
must import nothing from tumbler.
"""

from __future__ import annotations

import importlib
import os
import platform
from types import ModuleType
from typing import Literal

NO_EXTENSIONS = "TUMBLER_NO_EXTENSIONS"
REQUIRE_EXTENSIONS = "TUMBLER_REQUIRE_EXTENSIONS"
NO_PGO = "TUMBLER_NO_PGO"

#: The package that holds every twin, ``<unit>_c`` and ``<unit>_py``.
PACKAGE = "tumbler._speedups"

_OFF = frozenset({"", "0", "false", "no", "off"})

Mode = Literal["disabled", "optional", "required"]


def _is_on(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in _OFF


def mode() -> Mode:
    """Say what the switches ask for: ``"disabled"`` (no extensions),
    ``"required"`` (extensions or failure) or ``"optional"`` (extensions where
    they build and import, the fallbacks elsewhere).

    :raises RuntimeError: if both switches are on.
    """
    disabled = _is_on(NO_EXTENSIONS)
    required = _is_on(REQUIRE_EXTENSIONS)
    if disabled and required:
        raise RuntimeError(
            f"{NO_EXTENSIONS} and {REQUIRE_EXTENSIONS} are both set; they"
            " contradict each other, so unset one of them"
        )
    if disabled:
        return "disabled"
    return "required" if required else "optional"


def profile_guided() -> bool:
    """Say whether a build of the cores may be profile-guided (where the
    compiler can do it: ``setup.py`` decides that)."""
    return not _is_on(NO_PGO)


def can_compile() -> bool:
    """Say whether this interpreter can run the compiled cores at all: they
    are built on CPython's C API, so any other interpreter gets the twins."""
    return platform.python_implementation() == "CPython"


def select(unit: str) -> tuple[ModuleType, Literal["c", "py"]]:
    """Import the twin of ``unit`` that the switches and this interpreter allow.

    :return: the module and which twin it is, ``"c"`` or ``"py"``.
    :raises ImportError: if extensions are required and the compiled twin
        cannot be imported; the message names the unit and the cause.
    """
    wanted = mode()
    if wanted != "disabled":
        try:
            return importlib.import_module(f"{PACKAGE}.{unit}_c"), "c"
        except ImportError as exc:
            if wanted == "required":
                raise ImportError(
                    f"{REQUIRE_EXTENSIONS} is set, but the compiled {unit!r} core"
                    f" cannot be imported: {exc}"
                ) from exc
    return importlib.import_module(f"{PACKAGE}.{unit}_py"), "py"
