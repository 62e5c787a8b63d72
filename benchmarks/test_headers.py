"""The headers core, compiled (``[c]``) and pure Python (``[py]``), beside
werkzeug 3.1's ``Headers`` and ``EnvironHeaders`` doing the same job: what a
request does with its headers (read them from the WSGI environ) and what a
response does (build them), plus the bare name/key kernels, which werkzeug
has no function for (their ratio is to the pure twin)."""

from __future__ import annotations

import pytest
from tests._twins import header_classes
from werkzeug import datastructures as wz
from werkzeug.test import EnvironBuilder

from benchmarks._repeat import repeated

#: What a browser sends for a form post: 16 headers, 14 of them HTTP_*.
ENVIRON = EnvironBuilder(
    path="/account/settings",
    method="POST",
    data="theme=dark&lang=en",
    content_type="application/x-www-form-urlencoded",
    headers={
        "Host": "example.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en-GB,en;q=0.5",
        "Accept-Encoding": "gzip, deflate, br, zstd",
        "Origin": "https://example.com",
        "Referer": "https://example.com/account",
        "Cookie": "session=eyJ1c2VyIjoxfQ.Zx; theme=light",
        "Upgrade-Insecure-Requests": "1",
        "Sec-Fetch-Dest": "document",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Site": "same-origin",
        "Sec-Fetch-User": "?1",
        "Priority": "u=0, i",
    },
).get_environ()
assert len(wz.EnvironHeaders(ENVIRON)) == 16

#: A response's headers, as a view leaves them.
RESPONSE = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", "5120"),
    ("Vary", "Cookie"),
    ("Set-Cookie", "session=abc; HttpOnly; Path=/"),
    ("Set-Cookie", "theme=dark; Path=/"),
    ("Cache-Control", "private, max-age=0"),
]


@pytest.fixture(scope="session")
def classes(impl):
    return header_classes(impl.module("headers"))


def request_headers(cls):
    """What a request does: wrap the environ, look up three headers (two
    there, one not) and list them all."""

    def run():
        headers = cls(ENVIRON)
        agent = headers["User-Agent"]
        encoding = headers.get("Accept-Encoding")
        authorized = "Authorization" in headers
        return list(headers) if agent and encoding and not authorized else None

    return run


@pytest.mark.benchmark(group="EnvironHeaders: make, 3 lookups, list 16")
def test_environ_request(benchmark, classes):
    assert benchmark(request_headers(classes.EnvironHeaders)) == list(wz.EnvironHeaders(ENVIRON))


@pytest.mark.benchmark(group="EnvironHeaders: make, 3 lookups, list 16")
def test_environ_request_werkzeug(benchmark):
    assert len(benchmark(request_headers(wz.EnvironHeaders))) == 16


@pytest.mark.benchmark(group="EnvironHeaders: one lookup")
def test_environ_lookup(benchmark, classes):
    headers = classes.EnvironHeaders(ENVIRON)
    assert repeated(benchmark, 'h["Accept-Language"]', {"h": headers}) == "en-GB,en;q=0.5"


@pytest.mark.benchmark(group="EnvironHeaders: one lookup")
def test_environ_lookup_werkzeug(benchmark):
    headers = wz.EnvironHeaders(ENVIRON)
    assert repeated(benchmark, 'h["Accept-Language"]', {"h": headers}) == "en-GB,en;q=0.5"


@pytest.mark.benchmark(group="EnvironHeaders: list 16")
def test_environ_list(benchmark, classes):
    headers = classes.EnvironHeaders(ENVIRON)
    assert len(benchmark(lambda: list(headers))) == 16


@pytest.mark.benchmark(group="EnvironHeaders: list 16")
def test_environ_list_werkzeug(benchmark):
    headers = wz.EnvironHeaders(ENVIRON)
    assert len(benchmark(lambda: list(headers))) == 16


def add(benchmark, headers):
    """Sixteen adds, then the list emptied (the same cost in every row), so
    that the object does not grow from round to round."""
    statement = "h.add('Set-Cookie', 'theme=dark; Path=/')"
    code = "def run():\n" + f"    {statement}\n" * 16 + "    h._list.clear()"
    scope = {"h": headers}
    exec(code, scope)
    benchmark.extra_info["ops"] = 16
    benchmark(scope["run"])


@pytest.mark.benchmark(group="Headers.add")
def test_add(benchmark, classes):
    add(benchmark, classes.Headers())


@pytest.mark.benchmark(group="Headers.add")
def test_add_werkzeug(benchmark):
    add(benchmark, wz.Headers())


@pytest.mark.benchmark(group="Headers.set (replace one of 6)")
def test_set(benchmark, classes):
    headers = classes.Headers(RESPONSE)
    repeated(benchmark, "h.set('Content-Length', '99')", {"h": headers})
    assert headers.getlist("content-length") == ["99"]


@pytest.mark.benchmark(group="Headers.set (replace one of 6)")
def test_set_werkzeug(benchmark):
    repeated(benchmark, "h.set('Content-Length', '99')", {"h": wz.Headers(RESPONSE)})


@pytest.mark.benchmark(group="Headers.get")
def test_get(benchmark, classes):
    assert repeated(benchmark, "h.get('vary')", {"h": classes.Headers(RESPONSE)}) == "Cookie"


@pytest.mark.benchmark(group="Headers.get")
def test_get_werkzeug(benchmark):
    assert repeated(benchmark, "h.get('vary')", {"h": wz.Headers(RESPONSE)}) == "Cookie"


@pytest.mark.benchmark(group="Headers.getlist")
def test_getlist(benchmark, classes):
    found = repeated(benchmark, "h.getlist('set-cookie')", {"h": classes.Headers(RESPONSE)})
    assert len(found) == 2


@pytest.mark.benchmark(group="Headers.getlist")
def test_getlist_werkzeug(benchmark):
    found = repeated(benchmark, "h.getlist('set-cookie')", {"h": wz.Headers(RESPONSE)})
    assert len(found) == 2


@pytest.mark.benchmark(group="Headers.to_wsgi_list")
def test_to_wsgi_list(benchmark, classes):
    assert repeated(benchmark, "h.to_wsgi_list()", {"h": classes.Headers(RESPONSE)}) == RESPONSE


@pytest.mark.benchmark(group="Headers.to_wsgi_list")
def test_to_wsgi_list_werkzeug(benchmark):
    assert repeated(benchmark, "h.to_wsgi_list()", {"h": wz.Headers(RESPONSE)}) == RESPONSE


@pytest.mark.benchmark(group="environ_key call")
def test_environ_key(benchmark, impl):
    key = repeated(benchmark, "f('X-Forwarded-For')", {"f": impl.module("headers").environ_key})
    assert key == "HTTP_X_FORWARDED_FOR"


@pytest.mark.benchmark(group="header_name call")
def test_header_name(benchmark, impl):
    name = repeated(
        benchmark, "f('HTTP_ACCEPT_ENCODING')", {"f": impl.module("headers").header_name}
    )
    assert name == "Accept-Encoding"
