"""A small WSGI app that echoes the request's headers as tumbler's
``EnvironHeaders`` reads them from the WSGI environ, and says which cores are
compiled.

It stands in for a Flask-style app until tumbler's framework layer exists.
Serve it on 127.0.0.1 with werkzeug's development server::

    python examples/hello.py [--port 5000]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import run_simple

from tumbler.cli import version_text
from tumbler.datastructures import EnvironHeaders


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Answer every request with the versions and the request's headers."""
    headers = [f"{name}: {value}" for name, value in EnvironHeaders(environ)]
    body = "\n".join([version_text(), "", "Your request's headers:", *sorted(headers), ""]).encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5000)
    port = parser.parse_args().port
    run_simple("127.0.0.1", port, app)


if __name__ == "__main__":
    main()
