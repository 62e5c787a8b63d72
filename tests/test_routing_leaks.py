"""The compiled routing kernel keeps nothing per request: a million matches
and builds, over hits, misses, 405s, redirects and converter errors, leave
the interpreter's count of allocated blocks where it was, and the request
strings' reference counts unchanged.

``sys.getallocatedblocks`` counts every live object allocation without
tracing it, so the million calls run at full speed; a leak of one object per
call would show as a million blocks.
"""

from __future__ import annotations

import contextlib
import gc
import sys

import pytest
from werkzeug.exceptions import HTTPException

from tests._impl import Impl
from tests.routing_cases import TwoDigits
from tests.test_routing import match_while_collecting
from tumbler.routing import Rule

pytestmark = pytest.mark.c_extension

ROUNDS = 100_000  # of the twelve operations below: 1.2 million calls


def fresh(text: str) -> str:
    """A new mortal copy of ``text`` (literals are interned or immortal)."""
    return "".join(list(text))


@pytest.fixture
def adapter():
    url_map = Impl("c").map_class()(
        [
            Rule("/", endpoint="index"),
            Rule("/user/<int:id>", endpoint="user", methods=["GET"]),
            Rule("/files/<path:name>", endpoint="files"),
            Rule("/pick/<any(a, b):choice>", endpoint="pick"),
            Rule("/obj/<uuid:key>", endpoint="obj"),
            Rule("/dir/", endpoint="dir"),
            Rule("/page/", endpoint="page", defaults={"n": 1}),
            Rule("/page/<int:n>", endpoint="page"),
            Rule("/ranged/<int(max=9):n>", endpoint="ranged"),
            Rule("/v<int:major>.<int:minor>/", endpoint="version"),
        ]
    )
    return url_map.bind("example.com")


def test_a_million_matches_and_builds_keep_nothing(adapter):
    paths = [
        fresh(path)
        for path in (
            "/user/42",
            "/files/a/b/c.txt",
            "/pick/b",
            "/obj/12345678-1234-1234-1234-123456789abc",
            "/nowhere",
            "/dir",
            "/page/1",
            "/ranged/99",
            "/v1.2/",  # a regex part, and its values kept apart
            "/files/" + "/".join(["a"] * 100),  # more parts than the search holds in place
        )
    ]
    post = fresh("POST")

    def repeat(times):
        for _ in range(times):
            for path in paths:
                with contextlib.suppress(HTTPException):
                    adapter.match(path)
            with contextlib.suppress(HTTPException):
                adapter.match(paths[0], post)
            adapter.build("user", {"id": 7, "q": "x y"})

    repeat(1_000)  # warm caches: type caches, interned names, build plans
    refs = [sys.getrefcount(text) for text in [*paths, post]]
    gc.collect()
    before = sys.getallocatedblocks()
    repeat(ROUNDS)
    gc.collect()
    grown = sys.getallocatedblocks() - before
    assert [sys.getrefcount(text) for text in [*paths, post]] == refs
    assert grown < 1_000, f"{grown} blocks kept after {ROUNDS * 12:,} calls"


def test_binds_and_plain_builds_keep_nothing(adapter):
    """``bind_to_environ``'s fast path (and its way out), a match of the
    adapter's own path and method (as Flask asks for it), and the build of a
    rule without defaults (joined in place, or missing a value) leave no
    objects and no references behind."""
    url_map = adapter.map
    host, path, script = fresh("example.com:8080"), fresh("/user/42"), fresh("/app")
    method = fresh("GET")
    environ = {
        "REQUEST_METHOD": method,
        "wsgi.url_scheme": "http",
        "HTTP_HOST": host,
        "SCRIPT_NAME": script,
        "PATH_INFO": path,
        "QUERY_STRING": "",
    }
    other = {**environ, "PATH_INFO": fresh("/caf\u00c3\u00a9")}
    value, name = fresh("abc"), fresh("name")

    def repeat(times):
        for _ in range(times):
            url_map.bind_to_environ(environ).match()
            url_map.bind_to_environ(environ, server_name=None, subdomain="").match(return_rule=True)
            url_map.bind_to_environ(other)
            adapter.build("files", {"name": value})
            adapter.build("files", {name: value})
            with contextlib.suppress(HTTPException, LookupError):
                adapter.build("files", {})

    repeat(1_000)
    texts = (host, path, method, script, value, name)
    refs = [sys.getrefcount(text) for text in texts]
    gc.collect()
    before = sys.getallocatedblocks()
    repeat(ROUNDS // 5)
    gc.collect()
    grown = sys.getallocatedblocks() - before
    assert [sys.getrefcount(text) for text in texts] == refs
    assert grown < 1_000, f"{grown} blocks kept after {ROUNDS:,} calls"


def test_rules_laid_out_again_during_a_search_leave_it_whole():
    """A regex edge's match may collect garbage, and a finalizer may add a
    rule and lay the nodes out again while the search reads them: that
    search ends on the nodes it began with (its block is freed after it),
    and the next sees the new rule."""
    url_map = Impl("c").map_class()(
        [Rule("/x/<two:n>/<name>", endpoint="deep")], converters={"two": TwoDigits}
    )
    match = url_map.bind("example.com").match
    assert match("/x/12/abc") == ("deep", {"n": 12, "name": "abc"})

    def add_a_rule():
        url_map.add(Rule("/x/<two:n>/abc", endpoint="static"))
        url_map.update()

    during = match_while_collecting(match, "/x/12/abc", add_a_rule)
    assert during == ("deep", {"n": 12, "name": "abc"})
    assert match("/x/12/abc") == ("static", {"n": 12})
