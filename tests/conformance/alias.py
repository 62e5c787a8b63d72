"""A pytest plugin (``-p tests.conformance.alias``) that makes upstream
module names resolve to tumbler's modules, before any test module imports.

The aliases come from the environment, ``TUMBLER_ALIASES``, as
``upstream=tumbler`` pairs separated by commas, such as
``werkzeug.routing=tumbler.routing``. The tumbler module is imported first
(it may import the upstream one for its exception classes), then takes the
upstream name in ``sys.modules`` and on the parent package.
"""

from __future__ import annotations

import importlib
import os
import sys

ENVIRONMENT = "TUMBLER_ALIASES"


def install(spec: str) -> None:
    """Install the aliases of ``spec`` (``upstream=tumbler,...``)."""
    for pair in filter(None, spec.split(",")):
        upstream, _, replacement = pair.partition("=")
        module = importlib.import_module(replacement)
        parent, _, child = upstream.rpartition(".")
        sys.modules[upstream] = module
        if parent:
            setattr(importlib.import_module(parent), child, module)


SPEC = os.environ.get(ENVIRONMENT, "")
install(SPEC)


def pytest_report_header() -> str:
    return f"tumbler aliases: {SPEC or 'none'}"
