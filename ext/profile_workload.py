"""The work a profile-guided build of the compiled cores trains on.

``setup.py`` builds the cores once with GCC's profiling on, runs this file
against them, and builds them again from the profile it leaves, so that the
compiler lays out and inlines the code for the way a web service calls it:
its branches say which way they usually go, and cold code (errors, rare
converters) moves out of the hot paths' way.

It imports tumbler from the tree ``setup.py`` puts first on ``PYTHONPATH``, and
plays a made-up REST service's traffic, shaped as real traffic is: mostly
hits on rules with a parameter or two, some on static paths, a tenth 404s,
nearly a tenth 405s, a few redirects, URL building, request binding, headers read
from a WSGI environ and built for a response, and context-local reads. It is
not the benchmarks' route tables or requests: it must not teach the compiler
the benchmark.

``setup.py`` names the cores it built as arguments; the workload fails if one
of them did not load, since it would then train that core's pure twin.

NOTE: it runs at build time, so it uses only tumbler and what tumbler
depends on, and it must finish in seconds.
"""

from __future__ import annotations

import contextlib
import random
import sys
from contextvars import ContextVar

from werkzeug.exceptions import HTTPException

from tumbler import _speedups
from tumbler.datastructures import EnvironHeaders, Headers
from tumbler.local import Local, LocalProxy, LocalStack
from tumbler.routing import Map, Rule

#: Rounds of the whole workload; enough for stable branch counts, short
#: enough for a build.
ROUNDS = 100

RESOURCES = ("users", "orgs", "teams", "projects", "invoices", "orders", "items", "carts")
CHILDREN = ("members", "comments", "events", "labels", "files", "tags")


def make_rules() -> list[Rule]:
    """A service's rules: collections, members by int or string id, nested
    collections, a few uuid, path, any and float rules, and slashed ones."""
    rules = [Rule("/", endpoint="index"), Rule("/health", endpoint="health")]
    for name in RESOURCES:
        rules += [
            Rule(f"/{name}", endpoint=f"{name}.list", methods=["GET"]),
            Rule(f"/{name}", endpoint=f"{name}.create", methods=["POST"]),
            Rule(f"/{name}/search", endpoint=f"{name}.search"),
            Rule(f"/{name}/<int:id>", endpoint=f"{name}.get", methods=["GET"]),
            Rule(f"/{name}/<int:id>", endpoint=f"{name}.edit", methods=["PATCH", "PUT"]),
            Rule(f"/{name}/<int:id>/archive/", endpoint=f"{name}.archive", methods=["POST"]),
            Rule(f"/{name}/by-name/<name>", endpoint=f"{name}.named"),
            Rule(f"/{name}/<uuid:key>/export", endpoint=f"{name}.export"),
            Rule(f"/{name}/<int:id>/v<float:version>", endpoint=f"{name}.version"),
        ]
        for child in CHILDREN:
            rules += [
                Rule(f"/{name}/<int:id>/{child}", endpoint=f"{name}.{child}"),
                Rule(
                    f"/{name}/<int:id>/{child}/<child_id>",
                    endpoint=f"{name}.{child}.get",
                    methods=["GET", "DELETE"],
                ),
                Rule(f"/{name}/<owner>/<repo>/{child}", endpoint=f"{name}.{child}.repo"),
            ]
    rules += [
        Rule("/static/<path:filename>", endpoint="static"),
        Rule("/docs/<any(guide, api, faq):section>/", endpoint="docs"),
        Rule("/old", redirect_to="/health"),
    ]
    return rules


def make_requests(chooser: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` requests: 30% static hits, 50% parameter hits, 10% 404s,
    8% 405s and 2% redirects (a missing slash, on a plain rule and on an
    ``any`` one, "//", ``redirect_to``)."""
    made = []
    for number in range(count):
        name = chooser.choice(RESOURCES)
        child = chooser.choice(CHILDREN)
        roll = chooser.random()
        if roll < 0.3:
            made.append((chooser.choice((f"/{name}", f"/{name}/search", "/health")), "GET"))
        elif roll < 0.8:
            made.append(
                chooser.choice(
                    (
                        (f"/{name}/{number}", "GET"),
                        (f"/{name}/{number}", "PATCH"),
                        (f"/{name}/{number}/{child}", "GET"),
                        (f"/{name}/{number}/{child}/c{number}", "DELETE"),
                        (f"/{name}/owner{number}/repo/{child}", "GET"),
                        (f"/{name}/by-name/n{number}", "GET"),
                        (f"/{name}/{number}/v1.{number}", "GET"),
                        (f"/static/css/site{number}.css", "GET"),
                        (f"/{name}/12345678-1234-5678-1234-{number:012d}/export", "GET"),
                    )
                )
            )
        elif roll < 0.9:
            made.append((f"/{name}/{number}/{child}/c{number}/missing", "GET"))
        elif roll < 0.98:
            made.append((f"/{name}/{number}", "POST"))
        else:
            made.append(
                chooser.choice(
                    (
                        (f"/{name}/{number}/archive", "POST"),
                        ("/docs/api", "GET"),
                        (f"//{name}//{number}", "GET"),
                        ("/old", "GET"),
                    )
                )
            )
    return made


def route(url_map: Map, requests: list[tuple[str, str]]) -> None:
    """Bind and match every request as Flask does (the adapter's own path
    and method, asking for the rule), and build the URLs a page links to;
    then match them all again on one adapter, by path and method, as a
    router of requests bound once calls it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "https",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "HTTP_HOST": "api.example.com",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
    }
    for path, method in requests:
        environ["PATH_INFO"] = path
        environ["REQUEST_METHOD"] = method
        adapter = url_map.bind_to_environ(environ, server_name=None, subdomain="")
        try:
            rule, values = adapter.match(return_rule=True)
        except HTTPException:
            continue
        if isinstance(rule.endpoint, str) and "id" in values:
            adapter.build(rule.endpoint, values)
            adapter.build(rule.endpoint, {**values, "page": 2, "sort": "name"})
        adapter.build("users.list")
    match = url_map.bind("api.example.com").match
    for path, method in requests:
        with contextlib.suppress(HTTPException):
            match(path, method)


def headers(count: int) -> None:
    """Read a request's headers from its environ; build a response's."""
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "42",
        "HTTP_HOST": "api.example.com",
        "HTTP_USER_AGENT": "client/1.0",
        "HTTP_ACCEPT": "application/json",
        "HTTP_ACCEPT_ENCODING": "gzip, br",
        "HTTP_COOKIE": "session=abc",
        "HTTP_AUTHORIZATION": "Bearer token",
        "wsgi.url_scheme": "https",
    }
    for number in range(count):
        request = EnvironHeaders(environ)
        request.get("Accept")
        _ = "X-Requested-With" in request
        request["Host"]
        list(request)
        response = Headers([("Content-Type", "application/json")])
        response.add("Vary", "Cookie")
        response.set("Content-Length", str(number))
        response.add("Set-Cookie", f"id={number}; HttpOnly")
        response.getlist("Set-Cookie")
        response.get("content-type")
        response.to_wsgi_list()


class _Request:
    method = "GET"
    path = "/users/1"


def context_locals(count: int) -> None:
    """Read through proxies, as ``request.method`` and ``g.user`` are read."""
    current: ContextVar[_Request] = ContextVar("profile.request")
    current.set(_Request())
    request = LocalProxy(current)
    path = LocalProxy(current, "path")
    store = Local()
    stack: LocalStack[_Request] = LocalStack()
    for number in range(count):
        _ = request.method
        _ = path.upper()
        store.user = number
        _ = store.user
        stack.push(_Request())
        _ = stack.top
        stack.pop()


def main(built: list[str]) -> int:
    """Play the traffic on the ``built`` cores (names from
    ``_speedups.MODULES``); fail if one of them did not load, as the
    workload would then train its pure twin, and the core nothing."""
    report = _speedups.report()
    unloaded = [unit for unit in built if report[unit] != "c"]
    if unloaded:
        print(f"profile workload: the built cores {unloaded} did not load", file=sys.stderr)
        return 1
    url_map = Map(make_rules())
    requests = make_requests(random.Random(1), 2_000)
    for _ in range(ROUNDS):
        route(url_map, requests)
        headers(200)
        context_locals(500)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
