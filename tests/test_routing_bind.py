"""``Map.bind_to_environ`` and ``MapAdapter.build`` on both kernel twins,
against werkzeug 3.1: the compiled twin binds a common request in C and
builds from the caller's dict in place, and nothing of that may show."""

from __future__ import annotations

import copy
import itertools
import warnings
from functools import partial

import pytest
import werkzeug.routing as wz
from werkzeug.exceptions import BadHost, NotFound

import tumbler.routing.map as map_module
from tests.routing_cases import BOUND_FIELDS
from tumbler.routing import BuildError, MapAdapter, Rule


def bound(adapter):
    """What ``adapter`` is bound to, field by field."""
    return {name: getattr(adapter, name) for name in ("map", *BOUND_FIELDS)}


def environ(**overrides):
    env = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "HTTP_HOST": "example.com",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/a/b",
        "QUERY_STRING": "x=1",
    }
    for key, value in overrides.items():
        key = key.replace("__", ".")
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


#: Environs that cover each branch of the compiled fast path and the ways out of it.
ENVIRONS = [
    environ(),
    environ(HTTP_HOST="Example.COM:8080"),
    environ(HTTP_HOST="example.com:80"),
    environ(HTTP_HOST="example.com:443", wsgi__url_scheme="https"),
    environ(HTTP_HOST="www.example.com", wsgi__url_scheme="https"),
    environ(HTTP_HOST=None),
    environ(HTTP_HOST=""),
    environ(HTTP_HOST=None, SERVER_PORT="8443", wsgi__url_scheme="https"),
    environ(HTTP_HOST="b\u00fccher.example"),
    environ(HTTP_HOST="xn--bcher-kva.example"),
    environ(HTTP_HOST="127.0.0.1:5000"),
    environ(HTTP_HOST="example.com."),
    environ(HTTP_UPGRADE="websocket", HTTP_CONNECTION="Upgrade"),
    environ(HTTP_UPGRADE="WebSocket", HTTP_CONNECTION="keep-alive, upgrade"),
    environ(HTTP_UPGRADE="websocket", HTTP_CONNECTION="Upgrade", wsgi__url_scheme="https"),
    environ(HTTP_UPGRADE="h2c", HTTP_CONNECTION="Upgrade"),
    environ(HTTP_UPGRADE="websocket"),
    environ(wsgi__url_scheme="ws"),
    environ(wsgi__url_scheme="wss"),
    environ(SCRIPT_NAME="/app"),
    environ(SCRIPT_NAME="/app/"),
    environ(SCRIPT_NAME="/caf\u00c3\u00a9"),
    environ(SCRIPT_NAME=None),
    environ(PATH_INFO=None),
    environ(PATH_INFO=""),
    environ(PATH_INFO="/caf\u00c3\u00a9/7"),
    environ(PATH_INFO="/bad\u00ff"),
    environ(QUERY_STRING=None),
    environ(QUERY_STRING=""),
    environ(QUERY_STRING="q=\u00c3\u00a9"),
    environ(REQUEST_METHOD="post"),
    environ(REQUEST_METHOD=None),
    environ(wsgi__url_scheme=None),
    environ(HTTP_HOST="a" * 64 + ".example"),
    environ(HTTP_HOST="xn--a.example"),
    environ(HTTP_HOST="a..b"),
    environ(HTTP_HOST="\u2028.example"),
    environ(HTTP_HOST=b"example.com"),
    environ(PATH_INFO=b"/a"),
    environ(SCRIPT_NAME=b"/app"),
]


def outcome(call):
    """What a call gives: the exception's type, or the result (an adapter's
    fields); and the warnings on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            answer = call()
        except Exception as exc:  # the type is the answer
            answer = type(exc).__name__
        else:
            if hasattr(answer, "map"):
                answer = tuple(getattr(answer, name) for name in BOUND_FIELDS)
    return answer, [(w.category, str(w.message)) for w in caught]


def rules(make):
    return [make("/a/<b>", endpoint="a"), make("/x", endpoint="x", subdomain="<sub>")]


@pytest.mark.parametrize("host_matching", [False, True])
@pytest.mark.parametrize(
    ("server_name", "subdomain"),
    [
        (None, None),
        ("example.com", None),
        ("Example.com:443", None),
        (None, "given"),
        (None, ""),
        ("example.com", ""),
    ],
)
def test_bind_to_environ_agrees_with_werkzeug(Map, host_matching, server_name, subdomain):
    theirs = wz.Map(
        [wz.Rule("/a/<b>", endpoint="a", host="<h>" if host_matching else None)],
        host_matching=host_matching,
    )
    ours = Map(
        [Rule("/a/<b>", endpoint="a", host="<h>" if host_matching else None)],
        host_matching=host_matching,
    )
    for env in ENVIRONS:
        # Twice: the first request for a host fills the compiled twin's
        # cache, the second is bound from it.
        for _ in range(2):
            expected = outcome(
                lambda env=env: theirs.bind_to_environ(dict(env), server_name, subdomain)
            )
            assert (
                outcome(lambda env=env: ours.bind_to_environ(dict(env), server_name, subdomain))
                == expected
            ), env


def test_bind_to_environ_makes_the_adapter_bind_makes(Map):
    url_map = Map(rules(Rule))
    env = environ(SCRIPT_NAME="/app")
    for adapter in (url_map.bind_to_environ(env), url_map.bind_to_environ(env)):
        made = url_map.bind("example.com", "/app", "", "http", "GET", "/a/b", "x=1")
        assert type(adapter) is type(made) is url_map._adapter_class
        assert bound(adapter) == bound(made)
        assert vars(adapter) == vars(made) == {}
        assert adapter.match() == ("a", {"b": "b"})
        assert adapter.build("a", {"b": "c"}) == "/app/a/c"


def test_an_adapter_copies_with_its_fields_and_attributes(Map):
    adapter = Map(rules(Rule)).bind_to_environ(environ())
    adapter.note = "kept"
    copied = copy.copy(adapter)
    assert type(copied) is type(adapter)
    assert bound(copied) == bound(adapter)
    assert vars(copied) == {"note": "kept"}
    assert copied.match() == adapter.match() == ("a", {"b": "b"})


def test_an_adapter_subclass_property_over_a_field_is_read(Map):
    """As in werkzeug, ``match`` and ``build`` read a field through the
    subclass's property, not the value the adapter was made with."""

    class Elsewhere(Map._adapter_class):
        path_info = property(lambda self: "/a/elsewhere", lambda self, value: None)
        script_name = property(lambda self: "/root/", lambda self, value: None)

    url_map = type("SubMap", (Map,), {"_adapter_class": Elsewhere})(rules(Rule))
    for adapter in (url_map.bind_to_environ(environ()), url_map.bind("example.com")):
        assert adapter.match() == ("a", {"b": "elsewhere"})
        assert adapter.build("a", {"b": "c"}) == "/root/a/c"


def test_match_of_a_path_and_method_reads_a_subclass_property(Map):
    """``match(path, method)``, as a framework calls it, still reads the
    fields it is not given through a subclass's property, as werkzeug does:
    here ``websocket``, which turns a plain rule's match into a mismatch."""

    def socket(base):
        return type("Socket", (base,), {"websocket": property(lambda s: True, lambda s, v: None)})

    wz_map = wz.Map(rules(wz.Rule))
    url_map = Map(rules(Rule))
    args = ("example.com", "/", "", "http", "/", "GET")
    for made, oracle in (
        (socket(Map._adapter_class), socket(wz.MapAdapter)),
        (Map._adapter_class, wz.MapAdapter),
    ):
        adapter, expected = made(url_map, *args), oracle(wz_map, *args)
        assert outcome(partial(adapter.match, "/a/b", "GET")) == outcome(
            partial(expected.match, "/a/b", "GET")
        )
    mismatched = socket(Map._adapter_class)(url_map, *args)
    assert outcome(lambda: mismatched.match("/a/b", "GET"))[0] == "WebsocketMismatch"


@pytest.mark.parametrize("path_info", ["/a/b", "//a/b", "", "/x", "/a/caf\u00e9"])
@pytest.mark.parametrize("default_method", ["GET", "get", "POST", "BREW", ""])
def test_flasks_match_reads_the_adapters_own_path_and_method(Map, path_info, default_method):
    """``match(return_rule=True)``, as Flask calls it, matches the adapter's
    own path and default method, as they stand when it is called (here set
    after the bind), as werkzeug's does: a path to put in shape, a method in
    lower case, one no rule allows, none at all."""
    answers = []
    for made, rule in ((Map, Rule), (wz.Map, wz.Rule)):
        adapter = made([rule("/a/<b>", endpoint="a", methods=["GET"])]).bind("example.com")
        adapter.path_info, adapter.default_method = path_info, default_method
        answer, _ = outcome(lambda: adapter.match(return_rule=True))  # noqa: B023
        answers.append((answer[0].rule, answer[1]) if isinstance(answer, tuple) else answer)
    assert answers[0] == answers[1]


@pytest.mark.parametrize("subdomain", [None, "", "given"])
def test_bind_to_environ_binds_a_known_host_without_map_bind(Map, impl, monkeypatch, subdomain):
    """The compiled twin binds a common request from its cache of hosts, so
    the second request does not ask for the host's IDNA form again; the pure
    twin always binds through ``Map.bind``. Flask passes ``subdomain=""``."""
    url_map = Map(rules(Rule))
    env = environ(HTTP_HOST="known.example")
    url_map.bind_to_environ(env, subdomain=subdomain)
    calls = []
    idna_host = map_module._idna_host
    monkeypatch.setattr(
        map_module, "_idna_host", lambda name: calls.append(name) or idna_host(name)
    )
    adapter = url_map.bind_to_environ(env, subdomain=subdomain)
    assert (adapter.server_name, adapter.subdomain) == ("known.example", subdomain or "")
    assert calls == ([] if impl.kind == "c" else ["known.example"])
    url_map.bind_to_environ(environ(HTTP_HOST="known.example", PATH_INFO="/caf\u00c3\u00a9"))
    assert calls[-1:] == ["known.example"]  # non-ASCII text: the general way


def test_bind_to_environ_takes_a_request_or_a_dict_subclass(Map):
    url_map = Map(rules(Rule))

    class Request:
        def __init__(self, env):
            self.environ = env

    class Environ(dict):
        pass

    expected = outcome(lambda: url_map.bind_to_environ(environ()))
    assert outcome(lambda: url_map.bind_to_environ(Request(environ()))) == expected
    assert outcome(lambda: url_map.bind_to_environ(Environ(environ()))) == expected
    with pytest.raises(AssertionError, match="is not a WSGI environment"):
        url_map.bind_to_environ(list(environ().items()))


def _bad_host_cause(bind, given):
    """The type and text of the error the ``BadHost`` that ``bind(given)``
    raises is chained from."""
    with pytest.raises(BadHost) as caught:
        bind(given)
    cause = caught.value.__cause__
    return type(cause), str(cause)


def test_bind_to_environ_raises_bad_host_each_time(Map):
    """Each time from the encoding's error, as werkzeug chains it."""
    url_map = Map(rules(Rule))
    theirs = wz.Map(rules(wz.Rule))
    for host in ("a" * 64 + ".example", "a..b", ".example:80") * 2:
        env = environ(HTTP_HOST=host)
        assert _bad_host_cause(url_map.bind_to_environ, env) == _bad_host_cause(
            theirs.bind_to_environ, env
        )
    # A Host header that is not ASCII never gets this far: werkzeug's get_host refuses it.
    for host in ("\u00fc" + "a" * 63 + ".example", "b\u00fccher..example:80") * 2:
        assert _bad_host_cause(url_map.bind, host) == _bad_host_cause(theirs.bind, host)


def test_bind_to_environ_warns_at_the_caller(Map):
    url_map = Map(rules(Rule))
    with pytest.warns(UserWarning, match="doesn't match configured server name") as caught:
        url_map.bind_to_environ(environ(), server_name="other.org")
    assert caught[0].filename == __file__


def adapter_classes():
    """Adapter classes that must be made by calling them, as ``Map.bind``
    does, and one that may be made either way."""

    class Counting(MapAdapter):
        made = 0

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            type(self).made += 1

    class Upper(MapAdapter):
        @property
        def path_info(self):
            return self._path.upper()

        @path_info.setter
        def path_info(self, value):
            self._path = value

    class Made(MapAdapter):
        def __new__(cls, *args, **kwargs):
            made = super().__new__(cls)
            made.tag = "new"
            return made

    class Guarded(MapAdapter):
        def __setattr__(self, name, value):
            super().__setattr__(name, value.lower() if name == "default_method" else value)

    class Plain(MapAdapter):
        def extra(self):
            return "extra"

    return Counting, Upper, Made, Guarded, Plain


def test_bind_to_environ_calls_an_adapter_subclass(Map):
    classes = adapter_classes()
    for cls in classes:
        for kernel_method in ("match", "build", "_partial_build"):
            setattr(cls, kernel_method, getattr(Map._adapter_class, kernel_method))
        url_map = type("SubMap", (Map,), {"_adapter_class": cls})(rules(Rule))
        env = environ(REQUEST_METHOD="Get")
        for _ in range(2):
            adapter = url_map.bind_to_environ(env)
            made = url_map.bind("example.com", "", None, "http", "Get", "/a/b", "x=1")
            assert type(adapter) is cls
            assert bound(adapter) == {**bound(made), "map": url_map}
            assert vars(adapter) == vars(made)
            assert adapter.path_info == made.path_info
    assert classes[0].made == 4  # each bind_to_environ ran its __init__, as bind did


def test_bind_to_environ_sees_a_changed_adapter_class(Map):
    """A class checked once is checked again when it (or a base) changes."""

    class Adapter(Map._adapter_class):
        pass

    url_map = type("SubMap", (Map,), {"_adapter_class": Adapter})(rules(Rule))
    env = environ()
    assert url_map.bind_to_environ(env).default_method == "GET"
    original = Adapter.__init__

    def lowered(self, *args):
        original(self, *args)
        self.default_method = self.default_method.lower()

    Adapter.__init__ = lowered
    assert url_map.bind_to_environ(env).default_method == "get"
    del Adapter.__init__
    assert url_map.bind_to_environ(env).default_method == "GET"


def test_bind_to_environ_calls_map_bind_not_an_override(Map):
    """As werkzeug: ``bind_to_environ`` calls ``Map.bind`` by name."""
    called = []

    class SubMap(Map):
        def bind(self, *args, **kwargs):
            called.append(args)
            return super().bind(*args, **kwargs)

    class WzMap(wz.Map):
        def bind(self, *args, **kwargs):
            called.append(args)
            return super().bind(*args, **kwargs)

    for make_map in (SubMap, WzMap):
        for env in (environ(HTTP_HOST=None), environ(HTTP_HOST="override.example")):
            make_map([]).bind_to_environ(env)
            make_map([]).bind_to_environ(env)
    assert called == []


# -- build ----------------------------------------------------------------------


def touchy(rule):
    """A subclass of ``rule`` whose suitability test changes the values it is given."""

    def suitable_for(self, values, method=None):
        values["touched"] = True
        return rule.suitable_for(self, values, method)

    return type("Touchy", (rule,), {"suitable_for": suitable_for})


def test_build_keeps_the_callers_values_as_they_are(Map):
    url_map = Map([Rule("/a/<b>", endpoint="a"), touchy(Rule)("/t/<b>", endpoint="t")])
    theirs = wz.Map([wz.Rule("/a/<b>", endpoint="a"), touchy(wz.Rule)("/t/<b>", endpoint="t")])
    adapter = url_map.bind("example.com")
    values = {"b": "x", "q": "1"}
    assert adapter.build("a", values) == "/a/x?q=1"
    assert adapter.build("t", values) == theirs.bind("example.com").build("t", values)
    assert adapter.build("t", values) == "/t/x?q=1&touched=True"
    assert values == {"b": "x", "q": "1"}
    missing = {"q": "1"}
    with pytest.raises(BuildError) as caught:
        adapter.build("a", missing)
    assert caught.value.values == missing
    assert caught.value.values is not missing


def test_build_drops_none_values(Map):
    adapter = Map([Rule("/a/<b>", endpoint="a")]).bind("example.com")
    values = {"b": "x", "q": None}
    assert adapter.build("a", values) == "/a/x"
    assert values == {"b": "x", "q": None}
    with pytest.raises(BuildError):
        adapter.build("a", {"b": None})


def test_build_calls_an_overridden_partial_build(Map):
    seen = []

    def partial_build(adapter, endpoint, values, method, append_unknown):
        seen.append(values)
        values["b"] = "changed"
        return Map._adapter_class._partial_build(adapter, endpoint, values, method, append_unknown)

    url_map = Map([Rule("/a/<b>", endpoint="a")])
    values = {"b": "x"}
    sub = type("Adapter", (Map._adapter_class,), {"_partial_build": partial_build})
    on_class = type("SubMap", (Map,), {"_adapter_class": sub})([Rule("/a/<b>", endpoint="a")])
    assert on_class.bind("example.com").build("a", values) == "/a/changed"
    adapter = url_map.bind("example.com")
    adapter._partial_build = lambda *args: partial_build(adapter, *args)
    assert adapter.build("a", values) == "/a/changed"
    assert values == {"b": "x"}
    assert len(seen) == 2 and all(given is not values for given in seen)


@pytest.mark.parametrize(
    ("script_name", "url_scheme", "external"),
    list(itertools.product(["/", "/app", "/app/"], ["http", "https", "ws", ""], [False, True])),
)
def test_build_urls_agree_with_werkzeug(Map, script_name, url_scheme, external):
    def make(rule):
        return [
            rule("/a/<b>", endpoint="a"),
            rule("/s/<b>", endpoint="s", subdomain="sub"),
            rule("/w/<b>", endpoint="w", websocket=True),
            rule("//d/<b>", endpoint="d"),
            rule("/q/<int:n>", endpoint="q", defaults={"n": 1}),
        ]

    theirs = wz.Map(make(wz.Rule)).bind("example.com", script_name, url_scheme=url_scheme)
    ours = Map(make(Rule)).bind("example.com", script_name, url_scheme=url_scheme)
    for endpoint, values in [
        ("a", {"b": "x y"}),
        ("a", {"b": "\u00e9", "z": [1, 2]}),
        ("s", {"b": "x"}),
        ("w", {"b": "x"}),
        ("d", {"b": "x"}),
        ("q", {}),
        ("q", {"n": 2}),
        ("nope", {}),
    ]:
        call = {"endpoint": endpoint, "values": values, "force_external": external}
        assert outcome(lambda c=call: ours.build(**c)) == outcome(lambda c=call: theirs.build(**c))


def test_the_kernels_build_entry_and_rule_builder(Map):
    """The kernel's own build API, which ``build`` passes over on its fast
    path: ``(domain part, path)`` pairs and ``(domain part, path, websocket)``."""
    url_map = Map(
        [
            Rule("/a/<b>", endpoint="a"),
            Rule("/a/<b>", endpoint="a", methods=["POST"], defaults={"c": 1}),
            Rule("/w/<b>", endpoint="w", websocket=True, subdomain="<s>"),
        ]
    )
    url_map.update()
    adapter = url_map.bind("example.com")
    # Build order: the rule with more defaults first.
    second, first = url_map._build_plan("a")
    values = {"b": "x y", "z": "1"}
    assert first.build(values, None, True) == ("", "/a/x%20y?z=1")
    assert first.build(values, None, False) == ("", "/a/x%20y")
    assert first.build({}, None, True) is None
    assert second.build(values, "GET", True) is None
    assert second.suitable(values, "POST") is True
    assert second.suitable({"b": "x", "c": 2}, "POST") is False
    assert second.build({"b": "x", "c": 1}, "POST", True) == ("", "/a/x")
    rule = url_map._rules_by_endpoint["a"][0]
    assert rule._make_builder().build(values, True) == ("", "/a/x%20y?z=1")
    with pytest.raises(TypeError, match="missing a value for the URL variable 'b'"):
        rule._make_builder().build({}, True)
    assert adapter._partial_build("a", values, None, False) == ("", "/a/x%20y", False)
    assert adapter._partial_build("w", {"b": "x", "s": "ws"}, None, False) == ("ws", "/w/x", True)
    assert adapter._partial_build("a", {}, None, False) is None
    assert values == {"b": "x y", "z": "1"}


def test_build_passes_on_an_error_of_a_values_key(Map):
    """A key that cannot be compared breaks the lookup of a variable's value
    (werkzeug breaks already copying the values): the error comes out."""

    class Clashing:
        armed = False

        def __hash__(self):
            return hash("b")

        def __eq__(self, other):
            if self.armed:
                raise ValueError("cannot compare")
            return NotImplemented

    for make_map, make_rule in ((Map, Rule), (wz.Map, wz.Rule)):
        adapter = make_map([make_rule("/a/<b>", endpoint="a")]).bind("example.com")
        clashing = Clashing()
        values = {clashing: "x", "b": "y"}
        clashing.armed = True
        with pytest.raises(ValueError, match="cannot compare"):
            adapter.build("a", values)


def test_bind_to_environ_reads_the_matcher_a_subclass_holds(Map):
    """A subclass's own ``_matcher`` slot holds the map's matcher, whatever
    the slot of ``Map``'s beneath it holds (the compiled twin reads that
    one directly where the class has no other)."""

    class OwnSlot(Map):
        __slots__ = ("_matcher",)

    url_map = OwnSlot([Rule("/mine", endpoint="mine")])
    other = Map([Rule("/other", endpoint="other")])
    map_module.Map.__dict__["_matcher"].__set__(url_map, other._matcher)
    assert url_map.bind_to_environ(environ(PATH_INFO="/mine")).match() == ("mine", {})
    with pytest.raises(NotFound):
        url_map.bind_to_environ(environ(PATH_INFO="/other")).match()
