"""The headers kernel, compiled (``[c]``) and pure Python (``[py]``), beside
werkzeug's ``EnvironHeaders`` doing the same job on the same environ: finding
one header, and listing them all; and the bare kernel calls, which werkzeug
has no function for (their ratio is to the pure twin). Until tumbler's own ``EnvironHeaders``
exists, the kernel rows are the mapping work it will stand on."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import EnvironBuilder

ENVIRON = EnvironBuilder(
    path="/api/items",
    method="POST",
    data="{}",
    content_type="application/json",
    headers={
        "Host": "example.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate, br",
        "Accept-Language": "en-GB,en;q=0.5",
        "Authorization": "Bearer abc.def.ghi",
        "Cookie": "session=xyz",
        "X-Forwarded-For": "203.0.113.7",
        "X-Request-Id": "5f0c2c1e",
    },
).get_environ()


@pytest.mark.benchmark(group="environ_key call")
def test_environ_key(benchmark, impl):
    assert (
        benchmark(impl.module("headers").environ_key, "X-Forwarded-For") == "HTTP_X_FORWARDED_FOR"
    )


@pytest.mark.benchmark(group="header_name call")
def test_header_name(benchmark, impl):
    assert (
        benchmark(impl.module("headers").header_name, "HTTP_ACCEPT_ENCODING") == "Accept-Encoding"
    )


@pytest.mark.benchmark(group="lookup one header")
def test_lookup(benchmark, impl):
    environ_key = impl.module("headers").environ_key
    assert benchmark(lambda: ENVIRON[environ_key("X-Forwarded-For")]) == "203.0.113.7"


@pytest.mark.benchmark(group="lookup one header")
def test_lookup_werkzeug(benchmark):
    headers = EnvironHeaders(ENVIRON)
    assert benchmark(lambda: headers["X-Forwarded-For"]) == "203.0.113.7"


@pytest.mark.benchmark(group="list all headers")
def test_list(benchmark, impl):
    header_name = impl.module("headers").header_name

    def names():
        return [
            (n, v)
            for k, v in ENVIRON.items()
            if (n := header_name(k)) is not None and (v or k.startswith("HTTP_"))
        ]

    assert benchmark(names) == list(EnvironHeaders(ENVIRON))


@pytest.mark.benchmark(group="list all headers")
def test_list_werkzeug(benchmark):
    headers = EnvironHeaders(ENVIRON)
    assert len(benchmark(lambda: list(headers))) == 11
