"""Unit tests of tumbler.routing, one or more per behaviour issue 3 lists.

Every test takes ``Map`` from the fixture, so it runs on both kernel twins.
The expected answers are werkzeug 3.1's (the generated comparisons live in
``test_routing_differential.py``; these pin the documented behaviours down
with readable cases).
"""

from __future__ import annotations

import gc
import uuid
from types import SimpleNamespace
from typing import ClassVar

import markupsafe
import pytest
import werkzeug.routing as wz
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from tests.routing_cases import COMMON_METHODS, Lower, Pair, TwoDigits
from tumbler.routing import (
    BaseConverter,
    BuildError,
    EndpointPrefix,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
    Rule,
    RuleTemplate,
    Subdomain,
    Submount,
    ValidationError,
    WebsocketMismatch,
)


def redirect_of(adapter, *args, **kwargs):
    with pytest.raises(RequestRedirect) as caught:
        adapter.match(*args, **kwargs)
    assert caught.value.code == 308
    return caught.value.new_url


# -- match and build -----------------------------------------------------------


def test_match_takes_its_arguments_by_position_or_name(Map):
    adapter = Map([Rule("/a/<x>", endpoint="a", methods=["POST"])]).bind("example.com")
    assert adapter.match("/a/1", "POST") == ("a", {"x": "1"})
    rule, values = adapter.match(method="POST", return_rule=True, path_info="/a/2")
    assert (rule.endpoint, values) == ("a", {"x": "2"})
    assert adapter.match("/a/3", "POST", False, None, False) == ("a", {"x": "3"})
    with pytest.raises(MethodNotAllowed):
        adapter.match(path_info="/a/1")
    built_name = "".join(["return_", "rule"])  # not the interned name a call site passes
    assert adapter.match("/a/4", "POST", **{built_name: False}) == ("a", {"x": "4"})
    with pytest.raises(TypeError, match="unexpected keyword argument 'path'"):
        adapter.match(path="/a/1")
    with pytest.raises(TypeError, match="multiple values for argument 'path_info'"):
        adapter.match("/a/1", path_info="/a/1")
    with pytest.raises(TypeError, match=r"match\(\) takes"):
        adapter.match("/a/1", "POST", False, None, False, None)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_values_come_out_under_their_names_whatever_their_count(Map, count):
    """Up to three values that keep their text are named by the compiled
    kernel's entry itself, more through its converters: both give werkzeug's."""
    names = [f"v{index}" for index in range(count)]
    path = "/".join(f"<{name}>" for name in names)
    adapter = Map(
        [
            Rule(f"/plain/{path}", endpoint="plain"),
            Rule(f"/mixed/{path}/<int:n>", endpoint="mixed"),
            Rule(f"/given/{path}", endpoint="given", defaults={"lang": "en"}),
        ]
    ).bind("example.com")
    texts = "/".join(f"t{index}" for index in range(count))
    values = {name: f"t{index}" for index, name in enumerate(names)}
    assert adapter.match(f"/plain/{texts}") == ("plain", values)
    assert adapter.match(f"/mixed/{texts}/7") == ("mixed", {**values, "n": 7})
    assert adapter.match(f"/given/{texts}") == ("given", {**values, "lang": "en"})


def test_static_beats_dynamic_then_weight_then_order(Map):
    adapter = Map(
        [
            Rule("/user/<name>", endpoint="by_name"),
            Rule("/user/<int:id>", endpoint="by_id"),
            Rule("/user/me", endpoint="me"),
            Rule("/user/<other>", endpoint="never"),
        ]
    ).bind("example.com")
    assert adapter.match("/user/me") == ("me", {})
    assert adapter.match("/user/42") == ("by_id", {"id": 42})
    assert adapter.match("/user/bob") == ("by_name", {"name": "bob"})
    rule, values = adapter.match("/user/bob", return_rule=True)
    assert (rule.rule, rule.endpoint, values) == ("/user/<name>", "by_name", {"name": "bob"})


def test_a_search_goes_back_past_the_first_edges_that_fit(Map):
    """The first edge that fits each part (the static child, else the first
    converter that takes the part) does not always lead to a rule: the
    search then tries the other edges, and a 404, a 405 or a redirect
    counts every rule it passed, in the first search and in the one with
    slashes merged."""
    adapter = Map(
        [
            Rule("/a/b/c", endpoint="abc"),
            Rule("/a/<x>/d", endpoint="axd"),
            Rule("/n/<int:i>/e", endpoint="nie"),
            Rule("/n/<s>/f", endpoint="nsf"),
            Rule("/m/<s>/g", endpoint="msg", methods=["POST"]),
            Rule("/m/<s>/<t>", endpoint="mst", methods=["PUT"]),
            Rule("/t/<s>/", endpoint="slash"),
            Rule("/o/<s>", endpoint="o", strict_slashes=False),
        ]
    ).bind("example.com")
    assert adapter.match("/a/b/d") == ("axd", {"x": "b"})
    assert adapter.match("/n/1/f") == ("nsf", {"s": "1"})
    assert adapter.match("/n/1/e") == ("nie", {"i": 1})
    assert adapter.match("/m/x/g", "PUT") == ("mst", {"s": "x", "t": "g"})
    assert adapter.match("/o/x/") == ("o", {"s": "x"})
    for path in ("/m/x/g", "/m//x/g"):
        with pytest.raises(MethodNotAllowed) as caught:
            adapter.match(path, "GET")
        assert sorted(caught.value.valid_methods) == ["POST", "PUT"]
    assert redirect_of(adapter, "/t/x") == "http://example.com/t/x/"
    assert redirect_of(adapter, "/a//b/c") == "http://example.com/a/b/c"
    for path in ("/a/b/e", "/a//b/e", "/n/x/e", "/t/x/y"):
        with pytest.raises(NotFound):
            adapter.match(path)


def test_static_segments_of_every_length_and_width(Map):
    """A static segment, or a static path, is found by its characters however
    it is stored: short or long, one byte per character or wider; one that
    differs by one character or one in length is not it."""
    wide = "\U0001d518\U0001d52f"  # four bytes a character
    long = ["x" * 40, "y" * 51, "y" * 52]  # paths of 45, 56 and 57 characters
    keys = ["", "a", "fifteen-chars-x", "sixteen-chars-xy", *long, "ünïcödé", "短い", wide]
    adapter = Map([Rule(f"/{key}/end", endpoint=key) for key in keys]).bind("example.com")
    for key in keys:
        assert adapter.match(f"/{key}/end") == (key, {})
        for near in (key + "z", key[:-1], key[:-1] + "z", "z" + key[1:]):
            if near not in keys:
                with pytest.raises(NotFound):
                    adapter.match(f"/{near}/end")


def test_static_parts_are_found_whatever_the_widths_of_key_and_path(Map):
    """A static part of any length (around the 4 and 8 characters a table's
    hash reads at a time) is found from a path of any width, and not found
    for a part whose characters differ only above their low bytes (which
    the hash does not tell apart)."""
    for length in range(1, 20):
        for key in ("k" * (length - 1) + "e", "\xe9" * length, "\u4e2d" * length):
            url_map = Map([Rule(f"/{key}/<v>", endpoint="key"), Rule(f"/{key}", endpoint="bare")])
            adapter = url_map.bind("example.com")
            for wide in ("w", "\xff", "\u4e2d", "\U0001f600"):
                assert adapter.match(f"/{key}/{wide}") == ("key", {"v": wide})
                assert adapter.match(f"/{key}") == ("bare", {})
            # The same low bytes: one character 256 higher, or every one
            # narrowed to its low byte (a one-byte path against a wide key).
            nears = [
                key[:position] + chr(ord(key[position]) + 256) + key[position + 1 :]
                for position in (0, length // 2, length - 1)
            ]
            narrowed = "".join(chr(ord(char) & 0xFF) for char in key)
            nears += [narrowed] if narrowed != key else []
            for near in nears:
                for path in (f"/{near}/w", f"/{near}"):
                    with pytest.raises(NotFound):
                        adapter.match(path)


def test_parts_are_cut_at_every_slash_whatever_their_lengths(Map):
    """A path is cut at each "/" and nowhere else, for parts of every length
    around a machine word's eight bytes, at the path's start, middle and
    end, among bytes near "/" in value or bits ("." and "0", "\\xaf")."""
    adapter = Map([Rule("/<a>/<b>/<c>", endpoint="abc")]).bind("example.com")
    for first in range(1, 18):
        for second in (1, 7, 8, 9, 16):
            a, b, c = "." * first, "0" * second, "\x7f\xaf" * first
            assert adapter.match(f"/{a}/{b}/{c}") == ("abc", {"a": a, "b": b, "c": c})
            for extra in (f"/{a}/{b}/{c}/.", f"/{a}./0{b}/{c}/{a}", f"/{a}/{b}"):
                with pytest.raises(NotFound):
                    adapter.match(extra)


def test_several_converters_in_one_segment(Map):
    adapter = Map(
        [
            Rule("/<name>.<ext>", endpoint="file"),
            Rule("/page-<int:n>", endpoint="page"),
        ]
    ).bind("example.com")
    assert adapter.match("/a.b.c") == ("file", {"name": "a.b", "ext": "c"})
    assert adapter.match("/page-7") == ("page", {"n": 7})
    with pytest.raises(NotFound):
        adapter.match("/page-x")
    assert adapter.build("file", {"name": "a b", "ext": "txt"}) == "/a%20b.txt"
    assert adapter.build("page", {"n": 3}) == "/page-3"


def test_build_values_query_and_externals(Map):
    url_map = Map(
        [Rule("/item/<int:id>", endpoint="item"), Rule("/ws", endpoint="ws", websocket=True)]
    )
    adapter = url_map.bind("example.com", script_name="/app", url_scheme="https")
    assert adapter.build("item", {"id": 5}) == "/app/item/5"
    assert adapter.build("item", {"id": 5, "q": "a b", "skip": None}) == "/app/item/5?q=a+b"
    assert adapter.build("item", {"id": 5, "q": "x"}, append_unknown=False) == "/app/item/5"
    assert adapter.build("item", MultiDict([("id", 5), ("t", "a"), ("t", "b")])) == (
        "/app/item/5?t=a&t=b"
    )
    assert adapter.build("item", {"id": 5}, force_external=True) == "https://example.com/app/item/5"
    assert adapter.build("item", {"id": 5}, force_external=True, url_scheme="http") == (
        "http://example.com/app/item/5"
    )
    assert adapter.build("ws") == "wss://example.com/app/ws"
    with pytest.raises(BuildError):
        adapter.build("item", {})
    with pytest.raises(BuildError):
        adapter.build("missing")


def test_external_build_cuts_the_script_names_last_character(Map):
    """An external URL drops the script name's last character, the slash
    ``bind`` gives it; one set on the adapter by hand without that slash
    loses its last letter, in werkzeug too."""
    built = []
    for make, rule in ((Map, Rule), (wz.Map, wz.Rule)):
        adapter = make([rule("/x", endpoint="x")]).bind("example.com", "/app")
        assert adapter.build("x", force_external=True) == "http://example.com/app/x"
        adapter.script_name = "/app"
        built.append(adapter.build("x", force_external=True))
    assert built == ["http://example.com/ap/x"] * 2


def test_build_picks_the_rule_for_the_method(Map):
    adapter = Map(
        [
            Rule("/read", endpoint="thing", methods=["GET"]),
            Rule("/write", endpoint="thing", methods=["POST"]),
        ]
    ).bind("example.com")
    assert adapter.build("thing") == "/read"
    assert adapter.build("thing", method="POST") == "/write"
    with pytest.raises(BuildError):
        adapter.build("thing", method="PUT")


def test_sort_parameters_and_sort_key(Map):
    values = {"id": 1, "b": 2, "a": 1, "c": 3}
    plain = Map([Rule("/<int:id>", endpoint="x")]).bind("example.com")
    assert plain.build("x", values) == "/1?b=2&a=1&c=3"
    ordered = Map([Rule("/<int:id>", endpoint="x")], sort_parameters=True).bind("example.com")
    assert ordered.build("x", values) == "/1?a=1&b=2&c=3"
    backwards = Map(
        [Rule("/<int:id>", endpoint="x")],
        sort_parameters=True,
        sort_key=lambda item: -item[1],
    ).bind("example.com")
    assert backwards.build("x", values) == "/1?c=3&b=2&a=1"


# -- slashes -------------------------------------------------------------------


def test_strict_slashes_redirect_keeps_the_query(Map):
    url_map = Map([Rule("/dir/", endpoint="dir"), Rule("/leaf", endpoint="leaf")])
    adapter = url_map.bind("example.com", script_name="/app", query_args="a=1")
    assert redirect_of(adapter, "/dir") == "http://example.com/app/dir/?a=1"
    assert adapter.match("/dir/") == ("dir", {})
    with pytest.raises(NotFound):
        adapter.match("/leaf/")


@pytest.mark.parametrize("where", ["map", "rule"])
def test_strict_slashes_off_matches_both_forms(Map, where):
    rule_options = {"strict_slashes": False} if where == "rule" else {}
    map_options = {"strict_slashes": False} if where == "map" else {}
    adapter = Map(
        [
            Rule("/dir/", endpoint="dir", **rule_options),
            Rule("/leaf", endpoint="leaf", **rule_options),
        ],
        **map_options,
    ).bind("example.com")
    assert adapter.match("/dir") == ("dir", {})
    assert adapter.match("/dir/") == ("dir", {})
    assert adapter.match("/leaf/") == ("leaf", {})


def test_path_converter_before_a_trailing_slash(Map):
    adapter = Map([Rule("/files/<path:name>/", endpoint="files")]).bind("example.com")
    assert adapter.match("/files/a/b/") == ("files", {"name": "a/b"})
    assert redirect_of(adapter, "/files/a/b") == "http://example.com/files/a/b/"


def test_merge_slashes(Map):
    adapter = Map(
        [Rule("/a/b", endpoint="ab"), Rule("/keep//this", endpoint="keep", merge_slashes=False)]
    ).bind("example.com")
    assert redirect_of(adapter, "/a//b") == "http://example.com/a/b"
    assert redirect_of(adapter, "//a///b") == "http://example.com/a/b"
    assert adapter.match("/keep//this") == ("keep", {})
    with pytest.raises(NotFound):
        adapter.match("/keep/this")
    off = Map([Rule("/a/b", endpoint="ab")], merge_slashes=False).bind("example.com")
    with pytest.raises(NotFound):
        off.match("/a//b")
    assert Map([Rule("/x//y", endpoint="xy")]).bind("e.com").build("xy") == "/x/y"


# -- defaults, alias, redirect_to ----------------------------------------------


def test_defaults_redirect_to_the_canonical_url(Map):
    rules = [
        Rule("/all/", defaults={"page": 1}, endpoint="all"),
        Rule("/all/page/<int:page>", endpoint="all"),
    ]
    adapter = Map(rules).bind("example.com", query_args={"x": "1"})
    assert redirect_of(adapter, "/all/page/1") == "http://example.com/all/?x=1"
    assert adapter.match("/all/page/2") == ("all", {"page": 2})
    assert adapter.match("/all/") == ("all", {"page": 1})
    assert adapter.build("all", {"page": 1}) == "/all/"
    assert adapter.build("all", {"page": 3}) == "/all/page/3"
    lenient = Map([rule.empty() for rule in rules], redirect_defaults=False).bind("example.com")
    assert lenient.match("/all/page/1") == ("all", {"page": 1})


def test_alias_redirects_to_the_canonical_rule(Map):
    adapter = Map(
        [
            Rule("/new/<int:id>", endpoint="item"),
            Rule("/old/<int:id>", endpoint="item", alias=True),
        ]
    ).bind("example.com")
    assert redirect_of(adapter, "/old/3") == "http://example.com/new/3"
    assert adapter.build("item", {"id": 3}) == "/new/3"


def test_redirect_to_string_and_callable(Map):
    def target(adapter, id):
        assert adapter.server_name == "example.com"
        return f"/users/{id * 2}"

    adapter = Map(
        [
            Rule("/old/<int:id>", redirect_to="new/<id>"),
            Rule("/older/<int:id>", redirect_to=target),
            Rule("/away", redirect_to="https://other.org/x"),
        ]
    ).bind("example.com", script_name="/app")
    assert redirect_of(adapter, "/old/5") == "http://example.com/app/new/5"
    assert redirect_of(adapter, "/older/5") == "http://example.com/users/10"
    assert redirect_of(adapter, "/away") == "https://other.org/x"


# -- hosts, subdomains, websockets, methods ------------------------------------


def test_host_matching(Map):
    url_map = Map(
        [
            Rule("/", host="<sub>.example.com", endpoint="sub"),
            Rule("/", host="example.com", endpoint="root"),
        ],
        host_matching=True,
    )
    assert url_map.bind("api.example.com").match("/") == ("sub", {"sub": "api"})
    assert url_map.bind("example.com").match("/") == ("root", {})
    with pytest.raises(NotFound):
        url_map.bind("other.org").match("/")
    adapter = url_map.bind("example.com")
    assert adapter.build("sub", {"sub": "x"}) == "http://x.example.com/"
    assert adapter.build("root") == "/"
    assert adapter.get_host(None) == "example.com"
    assert adapter.get_host("a.org") == "a.org"
    with pytest.raises(RuntimeError):
        url_map.bind("example.com", subdomain="x")


def test_host_matching_switched_on_before_rules_are_added(Map):
    """The attribute reads back as set, and matching, building and binding
    follow it, as werkzeug's do."""
    url_map = Map()
    assert url_map.host_matching is False
    url_map.host_matching = 1
    url_map.add(Rule("/", host="example.com", endpoint="root"))
    assert url_map.host_matching == 1
    adapter = url_map.bind("example.com")
    assert adapter.match("/") == ("root", {})
    assert adapter.build("root") == "/"
    assert url_map.bind("x.org").build("root") == "http://example.com/"
    env = {"wsgi.url_scheme": "http", "HTTP_HOST": "example.com", "REQUEST_METHOD": "GET"}
    assert url_map.bind_to_environ(env).match("/") == ("root", {})


def test_subdomain_matching(Map):
    url_map = Map(
        [
            Rule("/", subdomain="<user>", endpoint="home"),
            Rule("/", endpoint="index"),
            Rule("/about", subdomain="www", endpoint="about"),
        ],
        default_subdomain="www",
    )
    assert url_map.bind("example.com", subdomain="bob").match("/") == ("home", {"user": "bob"})
    adapter = url_map.bind("example.com")
    assert adapter.subdomain == "www"
    assert adapter.match("/") == ("index", {})
    assert adapter.build("about") == "/about"
    assert adapter.build("home", {"user": "amy"}) == "http://amy.example.com/"
    assert adapter.get_host(None) == "www.example.com"
    assert adapter.get_host("") == "example.com"


def test_a_domain_with_a_slash_is_no_segment(Map):
    """A subdomain or host holding a "/" is not taken by a converter whose
    regex is ``[^/]+``, whatever the path, as werkzeug's regex does not
    take it (a path's parts are cut at "/", its domain part is not)."""
    url_map = Map(
        [
            Rule("/", subdomain="<sub>", endpoint="sub"),
            Rule("/x/<a>", subdomain="<sub>", endpoint="deeper"),
            Rule("/y", subdomain="<string(length=3):sub>", endpoint="three"),
        ]
    )
    for subdomain in ("a/b", "a/", "/ab"):
        adapter = url_map.bind("example.com", subdomain=subdomain)
        for path in ("/", "/x/1", "/y"):
            with pytest.raises(NotFound):
                adapter.match(path)
    adapter = url_map.bind("example.com", subdomain="abc")
    assert adapter.match("/x/1") == ("deeper", {"sub": "abc", "a": "1"})
    assert adapter.match("/y") == ("three", {"sub": "abc"})
    hosts = Map([Rule("/y", host="<h>", endpoint="h")], host_matching=True)
    assert hosts.bind("ab").match("/y") == ("h", {"h": "ab"})
    with pytest.raises(NotFound):
        hosts.bind("a/b").match("/y")


def test_websocket_rules(Map):
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/http", endpoint="http")])
    http = url_map.bind("example.com")
    with pytest.raises(WebsocketMismatch):
        http.match("/ws")
    assert http.match("/ws", websocket=True) == ("ws", {})
    ws = url_map.bind("example.com", url_scheme="ws")
    assert ws.match("/ws") == ("ws", {})
    with pytest.raises(WebsocketMismatch):
        ws.match("/http")
    assert http.build("ws") == "ws://example.com/ws"
    with pytest.raises(ValueError, match="WebSocket"):
        Rule("/x", websocket=True, methods=["POST"])


# Websocket flags equal to True or False, and others; werkzeug compares a
# rule's flag with a request's by !=.
_LIKE_BOOLS = [True, False, 1, 0, 1.0]
_ODD_FLAGS = [None, "", 2, "x", []]


@pytest.mark.parametrize(
    ("rule_flag", "request_flag"),
    [(rule, request) for rule in _LIKE_BOOLS + _ODD_FLAGS[:-1] for request in _LIKE_BOOLS]
    + [(rule, request) for rule in (True, False) for request in _ODD_FLAGS],
)
def test_websocket_flags_compare_as_werkzeug_compares_them(Map, rule_flag, request_flag):
    """A flag that is not a bool matches as werkzeug's != says: a rule of
    ``websocket=None`` matches no request, and a request's ``[]`` or ``2``
    no rule of a bool flag (a flag odd on both sides is not compared)."""

    def answers(Map, Rule):
        rules = [Rule("/a", endpoint="a"), Rule("/c/", endpoint="c")]
        rules += [Rule(path, endpoint="w", websocket=rule_flag) for path in ("/w", "/s/")]
        adapter = Map(rules).bind("h")
        found = []
        for path in ("/a", "/w", "/s", "/s/"):
            try:
                found.append(adapter.match(path, websocket=request_flag))
            except HTTPException as error:
                found.append((type(error).__name__, getattr(error, "new_url", None)))
        return found

    assert answers(Map, Rule) == answers(wz.Map, wz.Rule)


def test_405_lists_the_methods_that_would_fit(Map):
    adapter = Map(
        [
            Rule("/x", endpoint="read", methods=["GET"]),
            Rule("/x", endpoint="write", methods=["post"]),
            Rule("/<int:n>", endpoint="num", methods=["DELETE"]),
        ]
    ).bind("example.com")
    assert adapter.match("/x", "POST") == ("write", {})
    assert adapter.match("/x", "head") == ("read", {})
    with pytest.raises(MethodNotAllowed) as caught:
        adapter.match("/x", "PUT")
    assert sorted(caught.value.valid_methods) == ["GET", "HEAD", "POST"]
    assert sorted(adapter.allowed_methods("/x")) == ["GET", "HEAD", "POST"]
    assert adapter.allowed_methods("/1") == ["DELETE"]
    assert adapter.allowed_methods("/nothing") == []
    with pytest.raises(NotFound):
        adapter.match("/y", "PUT")


def _neighbours(method):
    """``method``, and methods one character away from it: shorter, longer,
    in lower case, or with any one character changed."""
    changed = [
        method[:at] + chr(ord(method[at]) + 1) + method[at + 1 :] for at in range(len(method))
    ]
    return [method, method[:-1], method + "S", method.lower(), *changed]


@pytest.mark.parametrize("method", sorted({m for c in COMMON_METHODS for m in _neighbours(c)}))
def test_a_method_is_told_from_its_neighbours(Map, method):
    """The compiled kernel reads a short method's name as a number, in one or
    two loads: a method one character off a rule's, or of another length,
    is not that method."""

    def answer(url_map_class, rule_class):
        adapter = url_map_class(
            [rule_class("/x", endpoint=m, methods=[m]) for m in COMMON_METHODS]
        ).bind("example.com")
        try:
            return adapter.match("/x", method)
        except HTTPException as error:
            return type(error).__name__, sorted(getattr(error, "valid_methods", None) or [])

    assert answer(Map, Rule) == answer(wz.Map, wz.Rule)


class _Disguised(str):
    """A string whose ``str()`` is another: werkzeug matches by its characters."""

    def __str__(self):
        return "other"


def test_a_str_subclass_is_matched_by_its_characters(Map):
    def answer(url_map_class, rule_class):
        url_map = url_map_class(
            [
                rule_class("/", endpoint="api", subdomain="api"),
                rule_class("/", endpoint="other", subdomain="other"),
                rule_class("/<x>", endpoint="x", subdomain="api"),
            ],
            default_subdomain="api",
        )
        adapter = url_map.bind("example.com", subdomain=_Disguised("api"))
        return [
            adapter.match(_Disguised(path), _Disguised(method))
            for path, method in [("/", "GET"), ("/a", "GET"), ("/", "get")]
        ]

    assert answer(Map, Rule) == answer(wz.Map, wz.Rule)


@pytest.mark.parametrize("default_method", ["get", "GET", "post", "", "PROPFIND", "g\xe9t"])
@pytest.mark.parametrize("path_info", ["/x", "x", "//x", "", "/"])
def test_match_takes_the_adapters_path_and_method_as_werkzeug_does(Map, default_method, path_info):
    """``match()`` with no path and no method: the adapter's own, put in
    shape as werkzeug does (``"/" + path.lstrip("/")``, the method in upper
    case), whatever shape they were bound in."""

    def answer(url_map_class, rule_class):
        url_map = url_map_class(
            [
                rule_class("/x", endpoint="x", methods=["GET", "POST", "PROPFIND", "G\xc9T"]),
                rule_class("/", endpoint="root"),
            ]
        )
        adapter = url_map.bind("example.com", default_method=default_method, path_info=path_info)
        try:
            return adapter.match()
        except HTTPException as error:
            return type(error).__name__, getattr(error, "valid_methods", None)

    assert answer(Map, Rule) == answer(wz.Map, wz.Rule)


def test_a_rule_added_after_a_405_is_in_the_next_405(Map):
    """The methods a path allows, in werkzeug's order, take in a rule added
    to the path after a 405 was answered for it."""

    def allowed(url_map_class, rule_class):
        url_map = url_map_class([rule_class("/x", endpoint="a", methods=["GET", "PROPFIND"])])
        adapter = url_map.bind("example.com")
        answers = []
        for methods in (["PATCH", "COPY", "LOCK"], ["MOVE"]):
            with pytest.raises(MethodNotAllowed) as caught:
                adapter.match("/x", "PUT")
            answers.append(caught.value.valid_methods)
            url_map.add(rule_class("/x", endpoint="b", methods=methods))
        with pytest.raises(MethodNotAllowed) as caught:
            adapter.match("/x", "PUT")
        return [*answers, caught.value.valid_methods]

    answers = allowed(Map, Rule)
    assert answers == allowed(wz.Map, wz.Rule)
    assert [len(methods) for methods in answers] == [3, 6, 7]


def _late_rules():
    return [Rule("/s/<int:n>", endpoint="late int"), Rule("/late/<n>", endpoint="late")]


class _Allocating(int):
    """A converter's weight whose comparisons are Python code that makes
    an object, as a user's class may: a collection can run while the
    edges are ordered by weight. (A namespace, not a list: a list may come
    from the free list, which counts toward no collection.)"""

    def __lt__(self, other):
        return SimpleNamespace(value=int(self)).value < int(other)

    def __gt__(self, other):
        return SimpleNamespace(value=int(self)).value > int(other)


class _Weighty(BaseConverter):
    weight = _Allocating(150)


#: For the maps that hold ``_weighed_rules()``.
WEIGHED_CONVERTERS = {"weighty": _Weighty}


def _weighed_rules():
    """Rules whose state the kernel's layout orders by weight, after the
    states of the rules before them: each comparison of the ``weighty``
    edge's weight makes an object, at which a collection may add a rule to
    a state already ordered."""
    return [
        Rule("/z/<path:rest>", endpoint="z path"),
        Rule("/z/<weighty:w>", endpoint="z weighty"),
        Rule("/z/<int:n>", endpoint="z int"),
    ]


def _update_adding_at_collection(url_map, number, update, late_rules=_late_rules):
    """Call ``update`` (``url_map``'s, or its matcher's) with a collection
    before each object it makes, the ``number``-th of which adds
    ``late_rules()`` to ``url_map`` (as a finalizer may); the count of
    collections it ran."""
    seen = 0

    def add_at_the_number(phase, info):
        nonlocal seen
        if phase == "start":
            seen += 1
            if seen == number:
                for rule in late_rules():
                    url_map.add(rule)

    thresholds = gc.get_threshold()
    gc.callbacks.append(add_at_the_number)
    gc.set_threshold(1)
    try:
        update()
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(add_at_the_number)
    return seen


def _each_moment(make_map, update_of, late_rules=_late_rules):
    """Each moment at which a finalizer may add rules during an update: for
    the n-th collection that ``update_of(url_map)`` runs, in turn, a new
    ``make_map()`` updated with ``late_rules()`` added at that collection,
    yielded as ``(url_map, True)``; then one updated with nothing added
    (there was no n-th collection), as ``(url_map, False)``."""
    number = 1
    while True:
        url_map = make_map()
        collections = _update_adding_at_collection(url_map, number, update_of(url_map), late_rules)
        yield url_map, number <= collections
        if number > collections:
            return
        number += 1


def test_a_rule_added_while_the_map_updates_is_matched_in_weight_order(Map):
    """A rule added by a finalizer during update(), at whichever of its
    collections, is matched at the next match, in weight order; the rules
    before it are as they were (and nothing crashes: a compiled layout must
    place every state it fills in)."""

    def make_map():
        return Map(
            [Rule(f"/a{i}/<int:x>", endpoint=f"a{i}") for i in range(8)]
            + [Rule("/s/<path:p>", endpoint="path"), Rule("/s/static", endpoint="static")]
            + _weighed_rules(),
            converters=WEIGHED_CONVERTERS,
        )

    moments = 0
    for url_map, added in _each_moment(make_map, lambda url_map: url_map.update):
        adapter = url_map.bind("example.com")
        assert adapter.match("/a7/1") == ("a7", {"x": 1})
        assert adapter.match("/s/static") == ("static", {})
        assert adapter.match("/z/5") == ("z int", {"n": 5})
        if not added:
            assert adapter.match("/s/5") == ("path", {"p": "5"})
            break
        moments += 1
        assert adapter.match("/s/5") == ("late int", {"n": 5}), moments
        assert adapter.match("/late/x") == ("late", {"n": "x"}), moments
    assert moments >= 2  # the sweep tried several moments


def test_a_rule_added_while_the_map_sorts_an_endpoints_rules_is_built(Map):
    """A rule added by a finalizer to an endpoint whose rules update() is
    putting in build order, at whichever of its collections, is matched and
    built at the next request as werkzeug builds it (the rules added
    normally): it is not lost, and update() raises nothing."""

    def page_rules(rule_class):
        return [
            rule_class("/page/<int:n>", endpoint="page"),
            rule_class("/page", endpoint="page", defaults={"n": 1}),
            rule_class("/p/<int:n>/<word>", endpoint="page"),
        ]

    def late_rules():
        return [Rule("/late/<int:n>/<word>/<other>", endpoint="page")]

    oracle = wz.Map(
        [*page_rules(wz.Rule), wz.Rule("/late/<int:n>/<word>/<other>", endpoint="page")]
    )
    oracle_adapter = oracle.bind("example.com")
    asked = [{"n": 1}, {"n": 2}, {"n": 3, "word": "w"}, {"n": 4, "word": "w", "other": "o"}]
    moments = 0
    for url_map, added in _each_moment(
        lambda: Map(page_rules(Rule)), lambda url_map: url_map.update, late_rules
    ):
        adapter = url_map.bind("example.com")
        assert adapter.match("/page/2") == ("page", {"n": 2})
        if not added:
            break
        moments += 1
        assert adapter.match("/late/4/w/o") == ("page", {"n": 4, "word": "w", "other": "o"})
        for values in asked:
            assert adapter.build("page", values) == oracle_adapter.build("page", values), moments
    assert moments >= 3  # the sweep tried several moments


def test_the_kernel_lays_out_a_rule_added_while_it_updates(Map, impl):
    """The kernel's own update(), during which a collection adds a rule,
    leaves a matcher that finds it, before any other update (the compiled
    twin orders its states again, so that each one added is placed)."""
    matched = impl.module("matcher").MATCHED

    def make_map():
        return Map(
            [Rule(f"/a{i}/<int:x>", endpoint=f"a{i}") for i in range(8)] + _weighed_rules(),
            converters=WEIGHED_CONVERTERS,
        )

    moments = 0
    for url_map, added in _each_moment(make_map, lambda url_map: url_map._matcher.update):
        matcher = url_map._matcher
        code, rule, values = matcher.match("", "/a7/1", "GET", False)
        assert (code, rule.endpoint, values) == (matched, "a7", {"x": 1})
        code, rule, values = matcher.match("", "/z/5", "GET", False)
        assert (code, rule.endpoint, values) == (matched, "z int", {"n": 5})
        if not added:
            break
        moments += 1
        code, rule, values = matcher.match("", "/late/x", "GET", False)
        assert (code, rule.endpoint, values) == (matched, "late", {"n": "x"}), moments
    assert moments >= 1  # at a comparison of the weighty edge's weight


def match_while_collecting(match, path, finalize):
    """``match(path)`` while a collection of garbage runs ``finalize``: the
    first new container the search makes (a regex edge's match) collects a
    cycle whose finalizer calls it. Asserts that it ran."""
    ran = []

    class Finalized:
        def __del__(self):
            finalize()
            ran.append(True)

    def drop_a_cycle():
        cycle = Finalized()
        cycle.itself = cycle

    thresholds = gc.get_threshold()
    gc.collect()
    drop_a_cycle()
    gc.set_threshold(1)
    try:
        answer = match(path)
    finally:
        gc.set_threshold(*thresholds)
    assert ran
    return answer


def test_a_rule_renamed_while_a_search_converts_answers_with_its_new_endpoint(Map):
    """A rule renamed (and the map updated) by a finalizer while a search
    converts its value is answered with its new endpoint, on both twins:
    the compiled search answers from records laid out with the nodes, whose
    endpoint may be gone with the rule's old name."""
    url_map = Map(
        [Rule("/x/<two:n>/<name>", endpoint="-".join(["old", "name"]))],
        converters={"two": TwoDigits},
    )
    match = url_map.bind("example.com").match
    assert match("/x/12/abc") == ("old-name", {"n": 12, "name": "abc"})

    def rename():
        next(url_map.iter_rules()).endpoint = "new-name"
        url_map.add(Rule("/other", endpoint="other"))
        url_map.update()

    during = match_while_collecting(match, "/x/12/abc", rename)
    assert during == ("new-name", {"n": 12, "name": "abc"})


def test_each_error_has_its_own_state(Map):
    """Every 404 and 405 is a new error with werkzeug's state (no response,
    the methods as a list), and changing one changes no other."""
    adapter = Map([Rule("/x", endpoint="x", methods=["GET", "POST"])]).bind("example.com")
    errors = []
    for path, method in [("/x", "PUT"), ("/x", "PUT"), ("/y", "GET"), ("/y", "GET")]:
        with pytest.raises((MethodNotAllowed, NotFound)) as caught:
            adapter.match(path, method)
        errors.append(caught.value)
    first, second, missing, again = errors
    assert first is not second and missing is not again
    assert type(first.valid_methods) is list
    assert sorted(first.valid_methods) == ["GET", "HEAD", "POST"]
    first.valid_methods.append("PATCH")
    first.response = missing.response = "changed"
    missing.description = "changed"
    assert sorted(second.valid_methods) == ["GET", "HEAD", "POST"]
    assert second.response is None and again.response is None
    assert again.description == NotFound.description
    assert "valid_methods" not in vars(again)


# -- converters ----------------------------------------------------------------


def test_validation_error_stops_matching_at_once(Map):
    # Lower (weight 80) is tried before <name> (100) and refuses "zed": a 404,
    # although the second rule would match.
    adapter = Map(
        [Rule("/<lower:word>", endpoint="word"), Rule("/<name>", endpoint="name")],
        converters={"lower": Lower},
    ).bind("example.com")
    assert adapter.match("/abc") == ("word", {"word": "ABC"})
    assert adapter.match("/ABC") == ("name", {"name": "ABC"})
    with pytest.raises(NotFound):
        adapter.match("/zed")


def test_int_range_and_fixed_digits_refuse_with_404(Map):
    adapter = Map(
        [
            Rule("/r/<int(min=1, max=9):n>", endpoint="r"),
            Rule("/r/<other>", endpoint="other"),
            Rule("/f/<int(fixed_digits=3):n>", endpoint="f"),
        ]
    ).bind("example.com")
    assert adapter.match("/r/9") == ("r", {"n": 9})
    with pytest.raises(NotFound):
        adapter.match("/r/10")  # ValidationError: <other> is not tried
    assert adapter.match("/f/007") == ("f", {"n": 7})
    with pytest.raises(NotFound):
        adapter.match("/f/7")
    assert adapter.build("f", {"n": 7}) == "/f/007"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/\u0661\u0662", 12),  # Arabic-Indic digits are \d
        ("/\U0001d7d8", 0),  # MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO is \d
        ("/\u0967\u0966", 10),  # Devanagari
        ("/\u00b2", None),  # SUPERSCRIPT TWO: isdigit() but not \d
        ("/\u216b", None),  # ROMAN NUMERAL TWELVE: isnumeric() but not \d
        ("/\uff11", 1),  # FULLWIDTH DIGIT ONE is \d
        ("/1_0", None),  # int() takes it, \d+ does not
        ("/+1", None),
        ("/ 1", None),
    ],
)
def test_int_digits_are_regex_digits(Map, path, expected):
    adapter = Map([Rule("/<int:n>", endpoint="n")]).bind("example.com")
    if expected is None:
        with pytest.raises(NotFound):
            adapter.match(path)
    else:
        assert adapter.match(path) == ("n", {"n": expected})


def test_signed_and_float_numbers(Map):
    adapter = Map(
        [
            Rule("/i/<int(signed=True):n>", endpoint="i"),
            Rule("/f/<float(signed=True):x>", endpoint="f"),
        ]
    ).bind("example.com")
    assert adapter.match("/i/-3") == ("i", {"n": -3})
    assert adapter.match("/f/-1.5") == ("f", {"x": -1.5})
    assert adapter.match("/f/\u0661.\u0665") == ("f", {"x": 1.5})
    for path in ("/i/--3", "/i/-", "/f/1.", "/f/.5", "/f/1e5", "/f/1.5.5"):
        with pytest.raises(NotFound):
            adapter.match(path)


def test_uuid_in_either_case(Map):
    adapter = Map([Rule("/<uuid:id>", endpoint="u")]).bind("example.com")
    text = "8b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e"
    assert adapter.match("/" + text.upper()) == ("u", {"id": uuid.UUID(text)})
    for bad in (text.replace("-", ""), text + "0", "g" + text[1:], "\uff18" + text[1:]):
        with pytest.raises(NotFound):
            adapter.match("/" + bad)
    assert adapter.build("u", {"id": uuid.UUID(text)}) == "/" + text


def test_string_lengths_count_characters(Map):
    adapter = Map([Rule("/<string(minlength=2, maxlength=3):s>", endpoint="s")]).bind("e.com")
    assert adapter.match("/ab") == ("s", {"s": "ab"})
    assert adapter.match("/a\nb") == ("s", {"s": "a\nb"})  # [^/] takes a newline
    assert adapter.match("/\u00e9\u00e9\u00e9") == ("s", {"s": "\u00e9\u00e9\u00e9"})
    for bad in ("/a", "/abcd"):
        with pytest.raises(NotFound):
            adapter.match(bad)
    exact = Map([Rule("/<string(length=2):s>", endpoint="s")]).bind("e.com")
    assert exact.match("/\x00\x00") == ("s", {"s": "\x00\x00"})


def test_any_items_are_literal(Map):
    adapter = Map([Rule("/<any('a.b', 'x|y', '(', ''):v>", endpoint="any")]).bind("e.com")
    for text in ("a.b", "x|y", "("):
        assert adapter.match("/" + text) == ("any", {"v": text})
    for text in ("axb", "x", "y", "(("):
        with pytest.raises(NotFound):
            adapter.match("/" + text)
    assert adapter.match("/") == ("any", {"v": ""})
    with pytest.raises(ValueError, match="is not one of"):
        adapter.build("any", {"v": "z"})


def test_path_converter_and_newlines(Map):
    adapter = Map([Rule("/p/<path:rest>", endpoint="p"), Rule("/s/<rest>", endpoint="s")]).bind(
        "e.com"
    )
    assert adapter.match("/p/a/b/c") == ("p", {"rest": "a/b/c"})
    assert adapter.match("/p/\na") == ("p", {"rest": "\na"})  # the first char is [^/]
    for bad in ("/p/a\nb", "/p/a\n"):  # then "." stops at a newline
        with pytest.raises(NotFound):
            adapter.match(bad)
    assert adapter.match("/s/a\n") == ("s", {"rest": "a\n"})  # \Z, not $


def test_werkzeug_and_tumbler_custom_converters(Map):
    class Hex(BaseConverter):
        regex = "[0-9a-f]+"

        def to_python(self, value):
            return int(value, 16)

        def to_url(self, value):
            return f"{value:x}"

    class Spaced(BaseConverter):
        regex = "[a-z]+/[a-z]+"

    assert Pair.part_isolating is False and Spaced.part_isolating is False
    adapter = Map(
        [
            Rule("/two/<two:n>", endpoint="two"),
            Rule("/pair/<pair:p>/end", endpoint="pair"),
            Rule("/hex/<hex:h>", endpoint="hex"),
            Rule("/sp/<spaced:s>", endpoint="spaced"),
        ],
        converters={"two": TwoDigits, "pair": Pair, "hex": Hex, "spaced": Spaced},
    ).bind("e.com")
    assert adapter.match("/two/07") == ("two", {"n": 7})
    with pytest.raises(NotFound):
        adapter.match("/two/7")
    assert adapter.match("/pair/a/b/end") == ("pair", {"p": "a/b"})
    assert adapter.match("/hex/ff") == ("hex", {"h": 255})
    assert adapter.match("/sp/ab/cd") == ("spaced", {"s": "ab/cd"})
    assert adapter.build("two", {"n": 3}) == "/two/03"
    assert adapter.build("hex", {"h": 255}) == "/hex/ff"


def test_validation_error_in_to_url_skips_the_rule(Map):
    class Odd(BaseConverter):
        regex = r"\d+"

        def to_url(self, value):
            if int(value) % 2 == 0:
                raise ValidationError()
            return str(value)

    adapter = Map(
        [Rule("/odd/<odd:n>", endpoint="n"), Rule("/any/<int:n>", endpoint="n")],
        converters={"odd": Odd},
    ).bind("e.com")
    assert adapter.build("n", {"n": 3}) == "/odd/3"
    assert adapter.build("n", {"n": 4}) == "/any/4"


def test_a_converters_url_may_be_a_str_subclass(Map):
    """markupsafe's ``Markup`` (Flask's) gives its text, unescaped, in the
    path and the subdomain, as werkzeug's f-string gives it."""

    class Marked(wz.BaseConverter):
        def to_url(self, value):
            return markupsafe.Markup(super().to_url(value))

    def adapter(Map, Rule):
        rules = [
            Rule("/m/<marked:a>/x&y'z", endpoint="path"),
            Rule("/s", subdomain="<marked:sub>", endpoint="sub"),
        ]
        return Map(rules, converters={"marked": Marked}).bind("e.com")

    ours, oracle = adapter(Map, Rule), adapter(wz.Map, wz.Rule)
    for endpoint, values in (("path", {"a": "<b>&"}), ("sub", {"sub": "a"})):
        built = ours.build(endpoint, values)
        assert built == oracle.build(endpoint, values)
        assert type(built) is str
    assert ours.build("path", {"a": "<b>&"}) == "/m/%3Cb%3E&/x&y'z"


def test_a_converters_url_that_is_not_text_fails_as_in_werkzeug(Map):
    """A ``to_url`` that returns no ``str`` raises werkzeug's TypeError,
    which names the URL's piece it is, on both twins alike."""

    class Numeric(wz.BaseConverter):
        def to_url(self, value):
            return value

    paths = ("/a/<numeric:x>", "/<numeric:x>/b", "/a/<numeric:x>/<y>", "/<y>/<numeric:x>")
    for path in paths:
        values = {"x": 5, "y": "q"}
        with pytest.raises(TypeError) as want:
            wz.Map([wz.Rule(path, endpoint="e")], converters={"numeric": Numeric}).bind("h").build(
                "e", values
            )
        url_map = Map([Rule(path, endpoint="e")], converters={"numeric": Numeric})
        with pytest.raises(TypeError) as have:
            url_map.bind("h").build("e", values)
        assert str(have.value) == str(want.value), path
        assert "int found" in str(have.value)


def test_the_query_is_made_before_a_value_is_converted(Map):
    """As werkzeug's builder makes it: an error of the query's (sorting
    values of two types) comes before a converter's error, and before a
    converter's refusal sends the build on to the next rule."""

    class Refusing(wz.BaseConverter):
        def to_url(self, value):
            if value == "bad":
                raise wz.ValidationError()
            return value

    def adapter(Map, Rule):
        rules = [
            Rule("/a/<refusing:x>/<y>", endpoint="e"),
            Rule("/b/<q>", endpoint="e"),
            Rule("/<int:n>", endpoint="n"),
        ]
        url_map = Map(rules, converters={"refusing": Refusing}, sort_parameters=True)
        return url_map.bind("h")

    ours, oracle = adapter(Map, Rule), adapter(wz.Map, wz.Rule)
    for endpoint, values in (
        ("e", {"x": "bad", "y": "1", "q": [1, "a"]}),
        ("n", {"n": "x", "q": [1, "a"]}),
    ):
        with pytest.raises(TypeError) as want:
            oracle.build(endpoint, values)
        with pytest.raises(TypeError) as have:
            ours.build(endpoint, values)
        assert str(have.value) == str(want.value)
    assert ours.build("e", {"x": "bad", "y": "1", "q": 2}) == "/b/2?x=bad&y=1"


# -- factories, binding, adapter methods -----------------------------------------


def test_rule_factories(Map):
    template = RuleTemplate(
        [Rule("/$kind/", endpoint="$kind.list"), Rule("/$kind/<int:id>", endpoint="$kind.show")]
    )
    url_map = Map(
        [
            Submount("/blog/", [Rule("/", endpoint="index"), Rule("/<slug>", endpoint="post")]),
            Subdomain("<lang>", [Rule("/", endpoint="home")]),
            EndpointPrefix("api.", [Rule("/api/<int:v>", endpoint="root")]),
            template(kind="user"),
        ]
    )
    rules = sorted((rule.rule, rule.endpoint, rule.subdomain) for rule in url_map.iter_rules())
    assert rules == [
        ("/", "home", "<lang>"),
        ("/api/<int:v>", "api.root", ""),
        ("/blog/", "index", ""),
        ("/blog/<slug>", "post", ""),
        ("/user/", "user.list", ""),
        ("/user/<int:id>", "user.show", ""),
    ]
    adapter = url_map.bind("example.com")
    assert adapter.match("/blog/hello") == ("post", {"slug": "hello"})
    assert adapter.match("/api/2") == ("api.root", {"v": 2})
    assert adapter.match("/user/3") == ("user.show", {"id": 3})
    assert url_map.bind("example.com", subdomain="de").match("/") == ("home", {"lang": "de"})


def make_environ(**overrides):
    environ = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
    }
    environ.update(overrides)
    return environ


def test_bind_to_environ_reads_the_request(Map):
    url_map = Map([Rule("/caf\u00e9/<int:n>", endpoint="cafe", methods=["POST"])])
    adapter = url_map.bind_to_environ(
        make_environ(
            REQUEST_METHOD="POST",
            HTTP_HOST="example.com:8080",
            SCRIPT_NAME="/app",
            PATH_INFO="/caf\u00c3\u00a9/7",  # UTF-8 bytes carried as latin-1
            QUERY_STRING="a=1",
        )
    )
    assert (adapter.server_name, adapter.script_name, adapter.subdomain) == (
        "example.com:8080",
        "/app/",
        "",
    )
    assert (adapter.path_info, adapter.default_method, adapter.query_args) == (
        "/caf\u00e9/7",
        "POST",
        "a=1",
    )
    assert adapter.match() == ("cafe", {"n": 7})


def test_bind_to_environ_works_out_the_subdomain(Map):
    url_map = Map([Rule("/", subdomain="<sub>", endpoint="sub")])
    environ = make_environ(HTTP_HOST="staging.dev.example.com")
    adapter = url_map.bind_to_environ(environ, server_name="example.com")
    assert adapter.subdomain == "staging.dev"
    assert adapter.match() == ("sub", {"sub": "staging.dev"})
    https = make_environ(HTTP_HOST="www.example.com", **{"wsgi.url_scheme": "https"})
    assert url_map.bind_to_environ(https, server_name="Example.com:443").subdomain == "www"
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        adapter = url_map.bind_to_environ(environ, server_name="other.org")
    assert adapter.subdomain == "<invalid>"
    assert url_map.bind_to_environ(environ, subdomain="given").subdomain == "given"


def test_bind_to_environ_sees_a_websocket_upgrade(Map):
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True)])
    upgrade = {"HTTP_UPGRADE": "WebSocket", "HTTP_CONNECTION": "keep-alive, Upgrade"}
    adapter = url_map.bind_to_environ(make_environ(PATH_INFO="/ws", **upgrade))
    assert (adapter.url_scheme, adapter.websocket) == ("ws", True)
    assert adapter.match() == ("ws", {})
    secure = make_environ(PATH_INFO="/ws", **upgrade, **{"wsgi.url_scheme": "https"})
    assert url_map.bind_to_environ(secure).url_scheme == "wss"
    plain = url_map.bind_to_environ(make_environ(PATH_INFO="/ws", HTTP_UPGRADE="websocket"))
    assert plain.url_scheme == "http"
    with pytest.raises(WebsocketMismatch):
        plain.match()


def test_bind_to_environ_takes_a_request_object(Map):
    class Request:
        environ = make_environ(PATH_INFO="/x")

    assert Map([Rule("/x", endpoint="x")]).bind_to_environ(Request()).match() == ("x", {})


def test_dispatch(Map):
    adapter = Map([Rule("/<int:n>", endpoint="n"), Rule("/d/", endpoint="d")]).bind("e.com")

    def view(endpoint, values):
        return endpoint, values

    assert adapter.dispatch(view, "/3") == ("n", {"n": 3})
    redirect = adapter.dispatch(view, "/d")
    assert isinstance(redirect, RequestRedirect)
    assert redirect.new_url == "http://e.com/d/"
    with pytest.raises(NotFound):
        adapter.dispatch(view, "/nope")
    caught = adapter.dispatch(view, "/nope", catch_http_exceptions=True)
    assert isinstance(caught, NotFound)


def test_test(Map):
    adapter = Map([Rule("/x", endpoint="x", methods=["GET"]), Rule("/d/", endpoint="d")]).bind(
        "e.com"
    )
    assert adapter.test("/x") is True
    assert adapter.test("/d") is True  # a redirect counts
    assert adapter.test("/x", "POST") is False
    assert adapter.test("/y") is False


def test_iter_rules_in_build_order(Map):
    url_map = Map(
        [
            Rule("/a", endpoint="a"),
            Rule("/b/<x>", endpoint="b"),
            Rule("/b/<x>/<y>", endpoint="b"),
            Rule("/b/alias/<x>/<y>", endpoint="b", alias=True),
        ]
    )
    assert [rule.rule for rule in url_map.iter_rules("b")] == [
        "/b/<x>/<y>",
        "/b/<x>",
        "/b/alias/<x>/<y>",
    ]
    assert len(list(url_map.iter_rules())) == 4
    with pytest.raises(KeyError):
        url_map.iter_rules("missing")
    assert url_map.is_endpoint_expecting("b", "y") is True
    assert url_map.is_endpoint_expecting("a", "x") is False


def test_rules_added_after_a_match_are_sorted_in(Map):
    url_map = Map([Rule("/<name>", endpoint="name")])
    adapter = url_map.bind("e.com")
    assert adapter.match("/5") == ("name", {"name": "5"})
    url_map.add(Rule("/<int:n>", endpoint="n"))
    assert adapter.match("/5") == ("n", {"n": 5})  # int (50) now goes before string (100)
    with pytest.raises(RuntimeError, match="already bound"):
        url_map.add(next(url_map.iter_rules("n")))


@pytest.mark.parametrize("host_matching", [False, True])
def test_rules_added_for_a_domain_already_matched_are_found(Map, host_matching):
    """A map that remembers the last domain's rules forgets them on add,
    also where the domain had none."""
    key = "host" if host_matching else "subdomain"
    url_map = Map([Rule("/a", endpoint="a", **{key: "other"})], host_matching=host_matching)
    adapter = url_map.bind("e.com", subdomain=None if host_matching else "e.com")
    for path in ("/a", "/b/1", "/c"):
        with pytest.raises(NotFound):
            adapter.match(path)
    url_map.add(Rule("/b/<x>", endpoint="b", **{key: "e.com"}))
    url_map.add(Rule("/c", endpoint="c", **{key: "e.com"}))
    assert adapter.match("/b/1") == ("b", {"x": "1"})
    assert adapter.match("/c") == ("c", {})


def test_update_sorts_once_and_is_idempotent(Map):
    url_map = Map([Rule("/<name>", endpoint="name"), Rule("/<int:n>", endpoint="n")])
    url_map.update()
    url_map.update()
    assert url_map.bind("e.com").match("/1") == ("n", {"n": 1})


def test_rules_of_a_map_share_equal_parts(Map):
    first, second = Map([Rule("/a/<x>", endpoint="a"), Rule("/b/<y>", endpoint="b")]).iter_rules()
    other = next(Map([Rule("/a/<x>", endpoint="a")]).iter_rules())
    # The parts: the domain, the empty text before the first "/", "a" or "b", <x> or <y>.
    assert first._parts[0] is first._parts[1] is second._parts[0]
    assert first._parts[2] is not second._parts[2]
    assert first._parts[3] is second._parts[3]  # <x> and <y>: one regex, one weight
    assert first._parts[3] == other._parts[3] and first._parts[3] is not other._parts[3]


def test_built_in_converters_without_arguments_are_shared_in_a_map(Map):
    class Mine(BaseConverter):
        pass

    rules = [Rule("/<a>/<int:b>/<int(max=9):c>/<mine:d>", endpoint="x")]
    rules += [Rule("/y/<e>/<int:f>/<string:g>/<mine:h>", endpoint="y")]
    url_map = Map(rules, converters={"mine": Mine})
    first, second = (rule._converters for rule in url_map.iter_rules())
    assert first["a"] is second["e"] is second["g"]
    assert first["b"] is second["f"]
    assert first["c"] is not first["b"]  # made with arguments
    assert first["d"] is not second["h"]  # not a built-in class
    other = next(Map([Rule("/<a>", endpoint="x")]).iter_rules())
    assert other._converters["a"] is not first["a"]  # nothing is shared across maps
    adapter = url_map.bind("e.com")
    assert adapter.match("/1/2/3/4") == ("x", {"a": "1", "b": 2, "c": 3, "d": "4"})
    assert adapter.build("y", {"e": "é", "f": 5, "g": "s", "h": "t"}) == "/y/%C3%A9/5/s/t"


def test_werkzeugs_own_rules_are_added_as_tumbler_copies(Map):
    """Flask apps add werkzeug's rules to the app's map themselves
    (``app.url_map.add(Rule(...))``); a tumbler map adds a copy with every
    option, and answers as werkzeug's map does with the same rules."""

    def rules():
        return [
            wz.Rule("/", endpoint="index", methods=["GET", "POST"]),
            wz.Rule("/p/<int:n>", endpoint="page", defaults={"k": "v"}, strict_slashes=False),
            wz.Rule("/p/", endpoint="page", defaults={"n": 1, "k": "v"}),
            wz.Rule("/m//x", endpoint="merged", merge_slashes=False),
            wz.Rule("/old/<int:n>", endpoint="old", redirect_to="/p/<n>"),
            wz.Rule("/alias", endpoint="index", alias=True),
            wz.Rule("/only", endpoint="only", build_only=True),
            wz.Rule("/ws", endpoint="ws", websocket=True),
            wz.Rule("/sub", endpoint="sub", subdomain="api"),
            wz.Submount("/s", [wz.Rule("/<path:rest>", endpoint="rest")]),
        ]

    def answers(url_map):
        adapter = url_map.bind("example.com", subdomain="")
        api = url_map.bind("example.com", subdomain="api")
        out = []
        for bound, path, method, websocket in [
            (adapter, "/", "POST", False),
            (adapter, "/", "PUT", False),
            (adapter, "/p/3/", "GET", False),
            (adapter, "/p/", "GET", False),
            (adapter, "/p/1", "GET", False),
            (adapter, "/m//x", "GET", False),
            (adapter, "/old/4", "GET", False),
            (adapter, "/alias", "GET", False),
            (adapter, "/only", "GET", False),
            (adapter, "/ws", "GET", True),
            (adapter, "/ws", "GET", False),
            (api, "/sub", "GET", False),
            (adapter, "/s/a/b", "GET", False),
        ]:
            try:
                out.append(bound.match(path, method, websocket=websocket))
            except HTTPException as exc:
                out.append((type(exc).__name__, getattr(exc, "new_url", None)))
        for endpoint, values in [("page", {"n": 2}), ("page", {}), ("only", {}), ("sub", {})]:
            out.append(adapter.build(endpoint, values))
        return out

    given = rules()
    url_map = Map(given)
    assert answers(url_map) == answers(wz.Map(rules()))
    assert all(type(rule) is Rule for rule in url_map.iter_rules())
    assert given[0].map is None  # werkzeug's rule stays unbound


def test_werkzeugs_remap_idiom_makes_hand_edits_of_the_endpoints_seen(Map):
    """Code that drops a route or renames an endpoint by editing
    ``_rules_by_endpoint`` sets ``_remap`` and calls ``update()``, werkzeug's
    way to have the map read again; builds and matches then see the edit."""

    def edited(rule_class, map_class, edit):
        rules = [
            rule_class("/a", endpoint="e"),
            rule_class("/b/<x>", endpoint="e"),
            rule_class("/c", endpoint="f"),
        ]
        url_map = map_class(rules)
        adapter = url_map.bind("h.com")
        before = (adapter.build("e"), adapter.build("f"), adapter.match("/c"), url_map._remap)
        edit(url_map, rules)
        url_map._remap = True
        url_map.update()
        answers = [before, url_map._remap, [rule.rule for rule in url_map.iter_rules()]]
        for endpoint, values in (("e", {}), ("e", {"x": 1}), ("f", {}), ("g", {})):
            try:
                answers.append(adapter.build(endpoint, values))
            except BuildError as exc:
                answers.append(("BuildError", exc.endpoint))
        answers.append(adapter.match("/c"))
        return answers

    def drop_endpoint(url_map, rules):
        del url_map._rules_by_endpoint["e"]

    def drop_one_rule(url_map, rules):
        url_map._rules_by_endpoint["e"].remove(rules[0])

    def rename(url_map, rules):
        rules[2].endpoint = "g"
        url_map._rules_by_endpoint["g"] = url_map._rules_by_endpoint.pop("f")

    for edit in (drop_endpoint, drop_one_rule, rename):
        expected = edited(wz.Rule, wz.Map, edit)
        assert expected[0][-1] is False and expected[1] is False  # _remap, updated
        assert edited(Rule, Map, edit) == expected, edit.__name__


def test_a_get_converter_override_gets_a_converter_of_its_own(Map):
    """``Rule.get_converter`` is werkzeug's hook for changing converters, so a
    rule class that overrides it is given a new converter per placeholder,
    never the map's shared one: what it changes stays with its placeholder."""
    answers = {}
    for routing, map_class in ((wz, wz.Map), (None, Map)):
        base = routing.Rule if routing else Rule

        class Digits(base):
            def get_converter(self, variable_name, converter_name, args, kwargs):
                converter = super().get_converter(variable_name, converter_name, args, kwargs)
                converter.name = variable_name
                if variable_name == "x":
                    converter.regex = "[0-9]+"
                return converter

        url_map = map_class([Digits("/a/<x>", endpoint="a"), Digits("/b/<y>", endpoint="b")])
        adapter = url_map.bind("e.com")
        names = [(name, c.name) for r in url_map.iter_rules() for name, c in r._converters.items()]
        answers[map_class] = (names, adapter.test("/a/ab"), adapter.match("/b/ab"))
    assert answers[Map] == answers[wz.Map] == ([("x", "x"), ("y", "y")], False, ("b", {"y": "ab"}))


@pytest.mark.parametrize(
    ("placeholder", "name"),
    [
        ("<x>", "UnicodeConverter"),
        ("<string(length=2):x>", "UnicodeConverter"),
        ("<int:x>", "IntegerConverter"),
        ("<float(signed=True):x>", "FloatConverter"),
        ("<uuid:x>", "UUIDConverter"),
        ("<any(a, b):x>", "AnyConverter"),
        ("<path:x>", "PathConverter"),
    ],
)
def test_the_built_in_converters_are_werkzeugs(Map, placeholder, name):
    """Code that knows werkzeug's converter classes knows a tumbler map's: an
    OpenAPI generator's table keyed by class, an ``isinstance`` check."""
    url_map = Map([Rule(f"/{placeholder}", endpoint="e")])
    converter = next(url_map.iter_rules())._converters["x"]
    assert type(converter) is getattr(wz, name)
    assert isinstance(converter, wz.BaseConverter)
    assert url_map.converters == wz.Map().converters


def test_a_converter_need_not_be_hashable(Map):
    class Unhashable(BaseConverter):
        def __eq__(self, other):
            return isinstance(other, Unhashable)

        def to_python(self, value):
            return value.upper()

    rules = [Rule("/a/<u:x>", endpoint="a"), Rule("/b/<u:x>", endpoint="b")]
    adapter = Map(rules, converters={"u": Unhashable}).bind("e.com")
    assert adapter.match("/a/q") == ("a", {"x": "Q"})
    assert adapter.match("/b/r") == ("b", {"x": "R"})


def test_a_converter_weight_need_not_be_hashable(Map):
    class Listed(BaseConverter):
        weight: ClassVar[list[int]] = [100]

    class Heavier(BaseConverter):
        weight: ClassVar[list[int]] = [100, 1]

    rules = [Rule("/<heavier:h>", endpoint="h"), Rule("/<listed:x>/<listed:y>", endpoint="l")]
    rules += [Rule("/<listed:z>", endpoint="z")]
    adapter = Map(rules, converters={"listed": Listed, "heavier": Heavier}).bind("e.com")
    assert adapter.match("/1") == ("z", {"z": "1"})
    assert adapter.match("/1/2") == ("l", {"x": "1", "y": "2"})


def test_http_exceptions_are_werkzeugs():
    import werkzeug.exceptions
    import werkzeug.routing

    assert issubclass(NotFound, werkzeug.exceptions.NotFound)
    assert issubclass(MethodNotAllowed, werkzeug.exceptions.MethodNotAllowed)
    assert issubclass(RequestRedirect, werkzeug.routing.RequestRedirect)
    assert issubclass(WebsocketMismatch, werkzeug.routing.WebsocketMismatch)
    assert issubclass(BuildError, werkzeug.routing.BuildError)
    assert issubclass(ValidationError, werkzeug.routing.ValidationError)
    assert issubclass(RequestRedirect, HTTPException)


def test_an_adapter_given_another_map_matches_and_builds_with_it(Map):
    # The compiled adapter keeps its map's matcher: a new map must replace it.
    first = Map([Rule("/a/<x>", endpoint="first")])
    second = Map([Rule("/b/<x>", endpoint="second")])
    adapter = first.bind_to_environ(
        {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", "HTTP_HOST": "example.com"}
    )
    assert adapter.match("/a/1") == ("first", {"x": "1"})
    assert adapter.build("first", {"x": 1}) == "/a/1"
    adapter.map = second
    assert adapter.match("/b/2") == ("second", {"x": "2"})
    assert adapter.build("second", {"x": 2}) == "/b/2"
    with pytest.raises(NotFound):
        adapter.match("/a/1")


def test_rules_added_after_a_build_are_built(Map):
    # update() forgets the endpoint's build plan, which now has two rules.
    url_map = Map([Rule("/x/<int:n>", endpoint="x")])
    adapter = url_map.bind("example.com")
    with pytest.raises(BuildError):
        adapter.build("x", {"name": "a"})
    url_map.add(Rule("/x/<name>", endpoint="x"))
    assert adapter.build("x", {"name": "a"}) == "/x/a"
