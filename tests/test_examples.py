"""The example app the README serves."""

from __future__ import annotations

import runpy
from pathlib import Path

from werkzeug.test import Client

from tumbler.cli import version_text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_hello_echoes_headers_and_versions():
    app = runpy.run_path(str(EXAMPLES / "hello.py"), run_name="hello")["app"]
    response = Client(app).post(
        "/", headers={"X-Request-Id": "abc", "X-Empty": "", "Content-Type": "text/plain"}, data="hi"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith(version_text())
    assert "X-Request-Id: abc\n" in text
    assert "Content-Type: text/plain\n" in text
    assert "Content-Length: 2\n" in text
    assert "X-Empty: \n" in text


def test_hello_lists_no_empty_content_headers():
    app = runpy.run_path(str(EXAMPLES / "hello.py"), run_name="hello")["app"]
    text = Client(app).get("/").get_data(as_text=True)
    assert "Content-" not in text.split("Your request's headers:")[1]
