"""Routing: tumbler's map on the compiled (``[c]``) and pure (``[py]``) kernel,
beside werkzeug 3.1's ``Map`` and Falcon 4's ``CompiledRouter``.

    pytest benchmarks/bench_routing.py --cycles 5 --benchmark-min-time=0.0002 \\
        --benchmark-max-time=0.1 --benchmark-warmup=on --benchmark-json=run.json
    python benchmarks/ratios.py run.json

Match, build and start-up rows run fixed rounds (``timed``); the
``--benchmark-*-time`` and ``--benchmark-warmup`` options calibrate the
others (``bind_to_environ``).

The route tables are ``../shared/routes/*.tsv`` (``:param`` becomes
``<param>``, and ``{param}`` for Falcon). Every match benchmark times a batch
of ``BATCH`` requests, taken in turn from a list of ``DISTINCT`` different
paths (generated parameter values), so no cache of results can help, and
each round's paths are new strings, as a server's are; divide a match row's
time by ``BATCH`` for the cost of one match. Falcon's router
only finds the resource: its rows add the lookup of the method's responder,
which is how a Falcon app tells a 405.

Groups: the GitHub mix and its parts (static hits, 1-3 parameter hits, 404s,
405s), the static table, the synthetic tables of 10 to 10,000 routes (and
the 10,000-route one with its traffic on 10 rules, on 1,000, and on all of
them as Zipf's law spreads it), URL building, start-up of a 10,000-rule
map, and ``bind_to_environ``. Rows whose
name ends in ``werkzeug`` or ``falcon`` are the baselines ``ratios.py`` uses;
a group with Falcon in it is a separate "vs falcon" group.
"""

from __future__ import annotations

import functools
import itertools
import os
import random
import re
from pathlib import Path

import falcon.routing
import pytest
import werkzeug.routing as wz
from werkzeug.exceptions import HTTPException

import tumbler.routing as tb
from benchmarks._repeat import repeated

ROUTES = Path(
    os.environ.get("TUMBLER_ROUTES", Path(__file__).resolve().parents[2] / "shared" / "routes")
)
BATCH = 100
ROUNDS = 500  # a match or build row's rounds, each one batch
DISTINCT = 20_000
PARAM = re.compile(r":(\w+)")


@functools.cache
def table(name):
    """``[(method, "/path/<param>"), ...]`` from ``<name>.tsv``."""
    rows = []
    for line in (ROUTES / f"{name}.tsv").read_text().splitlines():
        if not line or line.startswith("#") or line == "method\tpath":
            continue
        method, path = line.split("\t")
        rows.append((method, PARAM.sub(r"<\1>", path)))
    return rows


def rules(name):
    return [
        tb.Rule(path, endpoint=f"{method} {path}", methods=[method]) for method, path in table(name)
    ]


def werkzeug_rules(name):
    return [
        wz.Rule(path, endpoint=f"{method} {path}", methods=[method]) for method, path in table(name)
    ]


def tumbler_map_class(impl):
    """tumbler's ``Map`` on the ``impl`` twin, as the test suite makes it."""
    return impl.map_class()


@functools.cache
def werkzeug_adapter(name):
    url_map = wz.Map(werkzeug_rules(name))
    url_map.update()
    return url_map.bind("example.com")


_TUMBLER = {}


def tumbler_adapter(impl, name):
    key = (impl.kind, name)
    if key not in _TUMBLER:
        url_map = tumbler_map_class(impl)(rules(name))
        url_map.update()
        _TUMBLER[key] = url_map.bind("example.com")
    return _TUMBLER[key]


class _Resource:
    def __init__(self, methods):
        for method in methods:
            setattr(self, f"on_{method.lower()}", self.respond)

    def respond(self, req, resp, **params):  # pragma: no cover - never called
        pass


@functools.cache
def falcon_router(name):
    """A ``CompiledRouter`` with the table's routes. Falcon wants one field
    name per position under a prefix, so a later route takes the first
    route's name there."""
    methods = {}
    for method, path in table(name):
        methods.setdefault(path, set()).add(method)
    names = {}
    router = falcon.routing.CompiledRouter()
    for path, allowed in methods.items():
        segments, prefix = [], []
        for segment in path.split("/"):
            found = re.fullmatch(r"<(\w+)>", segment)
            if found:
                field = names.setdefault(tuple(prefix), found.group(1))
                segments.append("{" + field + "}")
                prefix.append("{}")
            else:
                segments.append(segment)
                prefix.append(segment)
        router.add_route("/".join(segments), _Resource(allowed))
    router.find("/")  # compiles the router
    return router


# -- requests ------------------------------------------------------------------------


def fill(path, number):
    """``path`` with each ``<param>`` given a value unique to ``number``."""
    return re.sub(r"<(\w+)>", lambda found: f"{found.group(1)[:2]}{number}", path)


@functools.cache
def requests(name, kind):
    """``DISTINCT`` ``(path, method)`` pairs of one kind for a table:
    ``static``, ``params`` (1-3 parameters), ``404``, ``405``, ``hits``
    (static and parameter hits in turn, so that tables of every size are
    asked the same mix), ``hits on N`` (the same, on N of the table's
    rules: half static, half with parameters), ``hits zipf`` (the same,
    each rule asked for as Zipf's law has it, see ``zipf``) or ``mix``
    (GitHub: 30% static, 50% parameters, 10% 404, 10% 405).
    """
    rows = table(name)
    chooser = random.Random(f"{name}-{kind}")
    pick = chooser.choice
    by_path = {}
    for method, path in rows:
        by_path.setdefault(path, set()).add(method)
    static = [(m, p) for m, p in rows if "<" not in p]
    params = [(m, p) for m, p in rows if 1 <= p.count("<") <= 3]
    if kind.startswith("hits on "):
        spread = int(kind.removeprefix("hits on "))
        static = chooser.sample(static, spread // 2)
        params, kind = chooser.sample(params, spread - spread // 2), "hits"
    elif kind == "hits zipf":
        pick, kind = zipf(chooser), "hits"
    if kind == "mix":
        parts = [("static", 3), ("params", 5), ("404", 1), ("405", 1)]
        pools = {part: requests(name, part) for part, _ in parts}
        weights = [weight for _, weight in parts]
        return [
            pools[chooser.choices([p for p, _ in parts], weights)[0]][n] for n in range(DISTINCT)
        ]
    made = []
    for number in range(DISTINCT):
        if kind == "static":
            # A static table has fewer paths than DISTINCT: repeats cannot be avoided.
            method, path = static[number % len(static)]
            made.append((path, method))
        elif kind == "params" or (kind == "hits" and number % 2):
            method, path = pick(params)
            made.append((fill(path, number), method))
        elif kind == "hits":
            method, path = pick(static)
            made.append((path, method))
        elif kind == "404":
            method, path = chooser.choice(rows)
            made.append((fill(path, number) + f"/missing{number}", method))
        elif kind == "405":
            method, path = chooser.choice(params)
            other = next(m for m in ("PATCH", "PUT", "POST", "DELETE") if m not in by_path[path])
            made.append((fill(path, number), other))
    return made


def zipf(chooser):
    """``chooser.choice`` as a real service's routes are asked for, a few
    often and most seldom: by Zipf's law (exponent 1), the n-th rule of a
    pool 1/n times as often as the first, the pool taken in an order of
    ``chooser``'s (not the table's, whose first rules are alike)."""
    orders = {}

    def pick(pool):
        # NOTE: keyed by id, with the pool kept, so that no other list
        # takes its id while the order is remembered.
        if id(pool) not in orders:
            ranked = chooser.sample(pool, len(pool))
            weights = list(itertools.accumulate(1 / rank for rank in range(1, len(pool) + 1)))
            orders[id(pool)] = pool, ranked, weights
        _, ranked, weights = orders[id(pool)]
        return chooser.choices(ranked, cum_weights=weights)[0]

    return pick


def batches(pairs):
    """An endless run of ``BATCH``-long slices of ``pairs``."""
    chunks = [pairs[start : start + BATCH] for start in range(0, len(pairs), BATCH)]
    return itertools.cycle(chunks).__next__


def fresh_batches(pairs):
    """An endless run of ``BATCH`` requests from ``pairs``, each path and
    method a new string, as a server makes them per request: no hash a
    string caches from an earlier round helps, and no method string is
    the table row's own (a large table's would be far from the cache)."""
    next_batch = batches(pairs)
    return lambda: [
        (path.encode().decode(), method.encode().decode()) for path, method in next_batch()
    ]


def timed(benchmark, run, next_input, rounds=ROUNDS):
    """Time ``run`` on one input a round (a batch, say), made outside the
    timed call, after a tenth as many rounds of warm-up."""
    return benchmark.pedantic(
        run, setup=lambda: ((next_input(),), {}), rounds=rounds, warmup_rounds=rounds // 10
    )


def matcher(adapter):
    match = adapter.match

    def run(batch):
        answered = 0
        for path, method in batch:
            # PERF: try/except, not contextlib.suppress, to keep the harness cheap.
            try:  # noqa: SIM105
                match(path, method)
            except HTTPException:
                pass
            answered += 1
        return answered

    return run


def falcon_matcher(router):
    find = router.find

    def run(batch):
        answered = 0
        for path, method in batch:
            found = find(path)
            if found is not None:
                found[1].get(method)
            answered += 1
        return answered

    return run


# -- match -------------------------------------------------------------------------

MATCH_GROUPS = {
    "github_mix": ("github_api", "mix"),
    "github_static": ("github_api", "static"),
    "github_params": ("github_api", "params"),
    "github_404": ("github_api", "404"),
    "github_405": ("github_api", "405"),
    "static_table": ("static", "static"),
    "synthetic_10": ("synthetic_10", "hits"),
    "synthetic_100": ("synthetic_100", "hits"),
    "synthetic_1000": ("synthetic_1000", "hits"),
    "synthetic_10000": ("synthetic_10000", "hits"),
    # The 10,000-route map with its traffic on 10 rules, as the 10-route
    # map's is (5 static and 5 with parameters, where that has 6 and 4): over
    # "synthetic_10", the cost of the map's size alone; "synthetic_10000"
    # over this, the cost of traffic spread over 10,000 rules, whose lines
    # outgrow the processor's caches.
    "synthetic_10000_on_10": ("synthetic_10000", "hits on 10"),
    # The same with its traffic on 1,000 rules: between the two, where the
    # rules' lines begin to outgrow the processor's private cache.
    "synthetic_10000_on_1000": ("synthetic_10000", "hits on 1000"),
    # The same with its traffic on every rule, a few asked for often and
    # most seldom (Zipf's law), as a real service's routes are.
    "synthetic_10000_zipf": ("synthetic_10000", "hits zipf"),
}
FALCON_GROUPS = ("github_mix", "github_404", "static_table", "synthetic_10", "synthetic_10000")


def _group(key, falcon=False):
    return f"match {key} (x{BATCH})" + (" vs falcon" if falcon else "")


def _keys(keys, falcon=False):
    """The keys as parameters, each marked with its benchmark group."""
    return [
        pytest.param(key, marks=pytest.mark.benchmark(group=_group(key, falcon))) for key in keys
    ]


# The groups ratios.py compares (--over), timed row by row in turn (see
# conftest.py), so that a drift of the machine's speed between two groups
# does not pass for the cost of a miss or of a larger table.
INTERLEAVE = [
    (
        _group("synthetic_10"),
        _group("synthetic_10000"),
        _group("synthetic_10000_on_10"),
        _group("synthetic_10000_on_1000"),
        _group("synthetic_10000_zipf"),
    ),
    (_group("github_params"), _group("github_404"), _group("github_405")),
]


@pytest.mark.parametrize("key", _keys(MATCH_GROUPS))
def test_match(benchmark, impl, key):
    name, kind = MATCH_GROUPS[key]
    run = matcher(tumbler_adapter(impl, name))
    assert timed(benchmark, run, fresh_batches(requests(name, kind))) == BATCH


@pytest.mark.parametrize("key", _keys(FALCON_GROUPS, falcon=True))
def test_match_vs(benchmark, impl, key):
    name, kind = MATCH_GROUPS[key]
    run = matcher(tumbler_adapter(impl, name))
    assert timed(benchmark, run, fresh_batches(requests(name, kind))) == BATCH


def _baseline(key, falcon_row):
    name, kind = MATCH_GROUPS[key]

    @pytest.mark.benchmark(group=_group(key, falcon_row))
    def test(benchmark):
        run = falcon_matcher(falcon_router(name)) if falcon_row else matcher(werkzeug_adapter(name))
        assert timed(benchmark, run, fresh_batches(requests(name, kind))) == BATCH

    test.__name__ = f"test_match_{key}_{'falcon' if falcon_row else 'werkzeug'}"
    return test


for _key in MATCH_GROUPS:
    _test = _baseline(_key, False)
    globals()[_test.__name__] = _test
for _key in FALCON_GROUPS:
    _test = _baseline(_key, True)
    globals()[_test.__name__] = _test


def test_answers_agree(impl):
    """The benchmarks time the same answers: the four routers agree on which
    requests match (Falcon on the path only)."""
    name = "github_api"
    ours, theirs = tumbler_adapter(impl, name), werkzeug_adapter(name)
    router = falcon_router(name)
    for path, method in requests(name, "mix")[:2_000]:
        answers = []
        for adapter in (ours, theirs):
            try:
                answers.append(adapter.match(path, method))
            except HTTPException as exc:
                answers.append(type(exc).__name__)
        assert answers[0] == answers[1]
        assert (router.find(path) is None) == (answers[1] == "NotFound")


# -- build -------------------------------------------------------------------------


@functools.cache
def build_calls(name="github_api"):
    """``DISTINCT`` ``(endpoint, values, method)`` for the table's routes with
    parameters. Each route's endpoint is one string, as a ``url_for`` call
    names it by a literal, whose hash Python keeps; each call has its own
    values (a row's 550 rounds go through the list about three times).
    """
    chooser = random.Random(f"build-{name}")
    routes = [(m, p) for m, p in table(name) if "<" in p]
    endpoints = {route: f"{route[0]} {route[1]}" for route in routes}
    calls = []
    for number in range(DISTINCT):
        method, path = chooser.choice(routes)
        values = {variable: f"{variable}{number}" for variable in re.findall(r"<(\w+)>", path)}
        calls.append((endpoints[method, path], values, method))
    return calls


def builder(adapter):
    build = adapter.build

    def run(batch):
        return len([build(endpoint, values, method) for endpoint, values, method in batch])

    return run


@pytest.mark.benchmark(group=f"build github (x{BATCH})")
def test_build(benchmark, impl):
    run = builder(tumbler_adapter(impl, "github_api"))
    assert timed(benchmark, run, batches(build_calls())) == BATCH


@pytest.mark.benchmark(group=f"build github (x{BATCH})")
def test_build_werkzeug(benchmark):
    run = builder(werkzeug_adapter("github_api"))
    assert timed(benchmark, run, batches(build_calls())) == BATCH


def test_builds_agree(impl):
    ours, theirs = tumbler_adapter(impl, "github_api"), werkzeug_adapter("github_api")
    for endpoint, values, method in build_calls()[:2_000]:
        assert ours.build(endpoint, values, method) == theirs.build(endpoint, values, method)


# -- start-up ---------------------------------------------------------------------

STARTUP = "synthetic_10000"


def _startup(benchmark, make_map, make_rules):
    first = table(STARTUP)[0]
    probe = fill(first[1], 1)

    def ready(rules):
        url_map = make_map(rules)
        return url_map.bind("example.com").match(probe, first[0])

    result = timed(benchmark, ready, lambda: make_rules(STARTUP), rounds=3)
    assert result[0] == f"{first[0]} {first[1]}"


@pytest.mark.benchmark(group="start-up: 10,000 rules, then one match")
def test_startup(benchmark, impl):
    _startup(benchmark, tumbler_map_class(impl), rules)


@pytest.mark.benchmark(group="start-up: 10,000 rules, then one match")
def test_startup_werkzeug(benchmark):
    _startup(benchmark, wz.Map, werkzeug_rules)


# -- binding per request --------------------------------------------------------------

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "wsgi.url_scheme": "http",
    "SERVER_NAME": "example.com",
    "SERVER_PORT": "80",
    "HTTP_HOST": "example.com",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/repos/pallets/flask/issues",
    "QUERY_STRING": "page=2",
    "HTTP_CONNECTION": "keep-alive",
}


def _bind_namespace(url_map):
    """What ``repeated`` runs ``bind(environ)`` in: the call a framework
    makes once per request, without pytest-benchmark's own call around it."""
    return {"bind": url_map.bind_to_environ, "environ": ENVIRON}


@pytest.mark.benchmark(group="bind_to_environ")
def test_bind(benchmark, impl):
    url_map = tumbler_adapter(impl, "github_api").map
    adapter = repeated(benchmark, "bind(environ)", _bind_namespace(url_map))
    assert adapter.match()[0] == "GET /repos/<owner>/<repo>/issues"


@pytest.mark.benchmark(group="bind_to_environ")
def test_bind_werkzeug(benchmark):
    url_map = werkzeug_adapter("github_api").map
    adapter = repeated(benchmark, "bind(environ)", _bind_namespace(url_map))
    assert adapter.match()[0] == "GET /repos/<owner>/<repo>/issues"


# -- a request routed as Flask routes it ------------------------------------------------

FLASK_GROUP = f"route as Flask does: bind_to_environ, match(return_rule=True) (x{BATCH})"


def fresh_environs(pairs):
    """``fresh_batches``, each request a WSGI environ of ``ENVIRON``'s, as
    a server hands the application one."""
    next_batch = fresh_batches(pairs)
    return lambda: [
        {**ENVIRON, "PATH_INFO": path, "REQUEST_METHOD": method} for path, method in next_batch()
    ]


def flask_router(url_map):
    """What Flask 3.1 does to route each request when it has no
    ``SERVER_NAME`` and no subdomain matching: bind the map to the environ
    (its ``create_url_adapter``), then match the adapter's own path and
    method, asking for the rule (its ``RequestContext.match_request``)."""
    bind = url_map.bind_to_environ

    def run(batch):
        answered = 0
        for environ in batch:
            # PERF: try/except, not contextlib.suppress, to keep the harness cheap.
            try:  # noqa: SIM105
                bind(environ, server_name=None, subdomain="").match(return_rule=True)
            except HTTPException:
                pass
            answered += 1
        return answered

    return run


@pytest.mark.benchmark(group=FLASK_GROUP)
def test_route_as_flask(benchmark, impl):
    run = flask_router(tumbler_adapter(impl, "github_api").map)
    assert timed(benchmark, run, fresh_environs(requests("github_api", "mix"))) == BATCH


@pytest.mark.benchmark(group=FLASK_GROUP)
def test_route_as_flask_werkzeug(benchmark):
    run = flask_router(werkzeug_adapter("github_api").map)
    assert timed(benchmark, run, fresh_environs(requests("github_api", "mix"))) == BATCH


def test_routes_as_flask_agree(impl):
    """The rows route alike: the same rule, or the same error, per request."""
    environs = fresh_environs(requests("github_api", "mix"))
    maps = (tumbler_adapter(impl, "github_api").map, werkzeug_adapter("github_api").map)
    for _ in range(20):
        for environ in environs():
            answers = []
            for url_map in maps:
                try:
                    rule, values = url_map.bind_to_environ(
                        environ, server_name=None, subdomain=""
                    ).match(return_rule=True)
                    answers.append((rule.endpoint, values))
                except HTTPException as exc:
                    answers.append(type(exc).__name__)
            assert answers[0] == answers[1]
