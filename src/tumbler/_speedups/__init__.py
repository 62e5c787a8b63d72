"""Every accelerated unit of tumbler, and nothing else.

Each unit has a compiled twin (``<unit>_c``, built from ``ext/``), a pure-Python
twin with the identical API (``<unit>_py``, the reference and the test oracle)
and a facade (``<unit>``) that picks one at import, as ``_switch`` says. The rest
of tumbler imports only from the facades.
"""

from __future__ import annotations

import importlib

#: The accelerated units. setup.py builds one extension per unit and the tests
#: check that this, setup.py and ext/ agree.
MODULES = ("headers", "local", "matcher")


def report() -> dict[str, str]:
    """Say which twin each unit runs on: ``{"headers": "c", ...}``."""
    return {unit: importlib.import_module(f"{__name__}.{unit}").IMPLEMENTATION for unit in MODULES}
