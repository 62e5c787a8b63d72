"""A real Flask 3.1 app answers alike on werkzeug's router and on tumbler's.

The routing differential tests compare ``Map``/``MapAdapter`` calls one by
one; this module compares what a user of Flask sees. The same app is built
twice: once as ``flask.Flask`` (werkzeug's ``Map`` and ``Rule``, the oracle)
and once as a subclass that plugs tumbler in through Flask's own hooks,
``url_map_class`` (the ``Map`` fixture: tumbler's map on the ``c`` or ``py``
twin of the routing kernel) and ``url_rule_class`` (``tumbler.routing.Rule``:
the two go together; a tumbler map refuses werkzeug's ``Rule``, Flask's
default, with a TypeError, as tumbler's rule refuses werkzeug's map, see
``test_routing_bad_input.py``). Then each request through ``app.test_client()`` must give
the same status, headers (``Allow`` on a 405 and on an automatic ``OPTIONS``,
``Location`` on a redirect) and body, and each ``url_for`` the same URL or
the same exception (class and message). The views answer with what matched
(endpoint, view args with their types, the rule and its methods), so a
request that is routed differently shows even when both say 200.

Apps are generated (``tests/routing_cases.py``'s rule sets, turned into
``add_url_rule`` calls; werkzeug's rule factories become blueprints) and
written out by hand for the features a generator seldom combines. The normal
run tries a few dozen examples per property; ``--hypothesis-profile=fuzz``
runs thousands.
"""

from __future__ import annotations

import string
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any
from urllib.parse import quote, urlsplit

import flask
import pytest
import werkzeug.routing as wz
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import create_environ, run_wsgi_app

import tumbler.routing as tb
from tests.routing_cases import (
    CONVERTERS,
    PLACEHOLDERS,
    SAMPLES,
    Case,
    DrawChooser,
    Moved,
    generate_case,
)
from tests.test_routing_differential import differential

# -- an app as plain data, built the same way on both routers -------------------


@dataclass
class Route:
    """One ``add_url_rule`` call, on the app or on the blueprint named."""

    rule: str
    endpoint: str
    options: dict[str, Any] = field(default_factory=dict)
    blueprint: str | None = None
    #: Added with the ``@route`` decorator rather than ``add_url_rule``.
    decorate: bool = False


@dataclass
class Blueprint:
    name: str
    url_prefix: str | None = None
    subdomain: str | None = None


@dataclass
class UrlFor:
    """One ``url_for`` call; ``None`` leaves a keyword out."""

    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    external: bool | None = None
    scheme: str | None = None
    anchor: str | None = None


@dataclass
class Visit:
    """One test-client request: ``client.open(path, ...)``; or, with
    ``environ``, a WSGI environ given to the app as it is."""

    path: str = "/"
    method: str = "GET"
    base_url: str | None = None
    query_string: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    environ: dict[str, str] | None = None


def _raw(path_info: str, method: str = "GET", **more: str) -> Visit:
    """A request whose ``PATH_INFO`` is given as a WSGI server gives it
    (bytes as latin-1), with no client to quote or split it."""
    environ = {**create_environ(), "PATH_INFO": path_info, "REQUEST_METHOD": method, **more}
    return Visit(environ=environ)


def _wire(path: str) -> str:
    """``path`` as a WSGI server puts it in ``PATH_INFO``: UTF-8 bytes as latin-1."""
    return path.encode("utf-8").decode("latin-1")


@dataclass
class App:
    """An app: Flask's arguments and config, the map's attributes (set as a
    Flask user sets ``app.url_map.strict_slashes``), routes and blueprints;
    and what is asked of it: requests, and ``url_for`` calls made in every
    view, in a request context that is not dispatched, and in an app context."""

    routes: list[Route]
    blueprints: list[Blueprint] = field(default_factory=list)
    host_matching: bool = False
    subdomain_matching: bool = False
    static_host: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    map_options: dict[str, Any] = field(default_factory=dict)
    #: Set the map's attributes after the routes are added, as an app may
    #: (werkzeug reads some of them when a rule is added, others at each request).
    late_map_options: bool = False
    visits: list[Visit] = field(default_factory=list)
    url_fors: list[UrlFor] = field(default_factory=list)
    #: The request context the ``url_for`` calls also run in, outside any view.
    context: Visit = field(default_factory=Visit)
    #: Flask's static route serves this folder at ``/static`` (``None``: no route).
    static_folder: str | None = None


def tumbler_flask(map_class: type, rule_class: type = tb.Rule) -> type[flask.Flask]:
    """Flask, routed by tumbler: the hooks Flask offers for it, nothing else.
    With werkzeug's ``rule_class``, Flask makes werkzeug's rules and the map
    copies them."""
    return type(
        f"Flask_on_{map_class.__name__}",
        (flask.Flask,),
        {"url_map_class": map_class, "url_rule_class": rule_class},
    )


def _kind(exc: BaseException) -> str:
    """The name of ``exc``'s first class that is not tumbler's: tumbler may
    raise a subclass of what werkzeug raises."""
    for cls in type(exc).__mro__:
        if not cls.__module__.startswith("tumbler"):
            return cls.__name__
    return type(exc).__name__  # pragma: no cover - object is never tumbler's


def _failure(exc: BaseException) -> tuple[str, str, str]:
    return ("raised", _kind(exc), str(exc))


def built(call: UrlFor) -> Any:
    """``url_for`` as the caller sees it: the URL, or the exception."""
    keywords = {
        f"_{name}": value
        for name in ("method", "external", "scheme", "anchor")
        if (value := getattr(call, name)) is not None
    }
    try:
        return flask.url_for(call.endpoint, **keywords, **call.values)
    except Exception as exc:
        return _failure(exc)


def revealing_view(url_fors: list[UrlFor]) -> Callable[..., str]:
    """A view that answers with what was matched, and the ``url_for``
    calls' results from inside its request."""

    def view(**view_args: Any) -> str:
        request = flask.request
        rule = request.url_rule
        assert rule is not None
        lines = [
            f"endpoint {request.endpoint!r} blueprint {request.blueprint!r}",
            f"view_args {sorted(view_args.items())!r}",
            f"rule {rule.rule!r} methods {sorted(rule.methods or ())!r}"
            f" defaults {rule.defaults!r} subdomain {rule.subdomain!r} host {rule.host!r}"
            f" arguments {sorted(rule.arguments)!r}",
            f"url {request.url!r} method {request.method!r}",
            # The matched endpoint, built back from what was matched.
            f"self {built(UrlFor(request.endpoint or '', dict(view_args)))!r}",
        ]
        lines.extend(f"url_for {built(call)!r}" for call in url_fors)
        return "\n".join(lines)

    return view


def make_app(flask_class: type[flask.Flask], spec: App) -> flask.Flask:
    kwargs: dict[str, Any] = {"static_folder": spec.static_folder}
    if spec.static_folder is not None:
        kwargs["static_url_path"] = "/static"
    if spec.static_host is not None:
        kwargs["static_host"] = spec.static_host
    app = flask_class(
        __name__,
        host_matching=spec.host_matching,
        subdomain_matching=spec.subdomain_matching,
        **kwargs,
    )
    # Exceptions other than HTTP errors reach the test instead of becoming a 500.
    app.testing = True
    app.config.update(spec.config)
    app.url_map.converters.update(CONVERTERS)
    if not spec.late_map_options:
        for name, value in spec.map_options.items():
            setattr(app.url_map, name, value)
    blueprints = {
        bp.name: flask.Blueprint(
            bp.name, __name__, url_prefix=bp.url_prefix, subdomain=bp.subdomain
        )
        for bp in spec.blueprints
    }
    views: dict[tuple[str | None, str], Callable[..., str]] = {}
    for route in spec.routes:
        scaffold = app if route.blueprint is None else blueprints[route.blueprint]
        view = views.setdefault((route.blueprint, route.endpoint), revealing_view(spec.url_fors))
        if route.decorate:
            scaffold.route(route.rule, endpoint=route.endpoint, **dict(route.options))(view)
        else:
            scaffold.add_url_rule(route.rule, route.endpoint, view, **dict(route.options))
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)
    if spec.late_map_options:
        for name, value in spec.map_options.items():
            setattr(app.url_map, name, value)
    return app


def _headers(headers: Any) -> list[tuple[str, str]]:
    """Headers in order; the ``Date`` a file response carries is the clock's,
    so only its presence is compared."""
    return [(key, "<now>" if key == "Date" else value) for key, value in headers.to_wsgi_list()]


def _response(app: flask.Flask, client: Any, visit: Visit) -> Any:
    if visit.environ is not None:
        # Straight to the app: the client would decode PATH_INFO and parse it again.
        body, status, headers = run_wsgi_app(app, dict(visit.environ), buffered=True)
        return (status, _headers(headers), b"".join(body))
    response = client.open(
        visit.path,
        method=visit.method,
        base_url=visit.base_url,
        query_string=visit.query_string,
        headers=visit.headers,
    )
    try:
        return (response.status, _headers(response.headers), response.get_data())
    finally:
        # A file response left open warns when collected, in whichever answer
        # is being recorded then.
        response.close()


def _answer(action: Callable[[], Any]) -> Any:
    """What ``action`` returns or raises, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = action()
        except Exception as exc:
            result = _failure(exc)
    return result, sorted((w.category.__name__, str(w.message)) for w in caught)


def answers(flask_class: type[flask.Flask], spec: App) -> list[Any]:
    """Everything the app says: one answer per request, then the ``url_for``
    calls in a request context and in an app context."""
    app, problems = _answer(lambda: make_app(flask_class, spec))
    if isinstance(app, tuple):
        return [("setup", app, problems)]
    found: list[Any] = [("setup", "ok", problems)]
    client = app.test_client()
    for visit in spec.visits:
        found.append(("visit", visit, _answer(lambda visit=visit: _response(app, client, visit))))

    def in_request() -> Any:
        context = spec.context
        with app.test_request_context(
            context.path,
            method=context.method,
            base_url=context.base_url,
            query_string=context.query_string,
        ):
            return [built(call) for call in spec.url_fors]

    def in_app() -> Any:
        with app.app_context():
            return [built(call) for call in spec.url_fors]

    if spec.url_fors:
        found.append(("url_for in a request context", _answer(in_request)))
        # Without SERVER_NAME, Flask refuses before the router is asked.
        if spec.config.get("SERVER_NAME") is not None:
            found.append(("url_for in an app context", _answer(in_app)))
    return found


def assert_alike(spec: App, map_class: type) -> None:
    """Flask on werkzeug and Flask on tumbler answer ``spec`` alike, with
    tumbler's rules and with werkzeug's (``url_map_class`` set alone)."""
    expected = answers(flask.Flask, spec)
    for rule_class in (tb.Rule, wz.Rule):
        got = answers(tumbler_flask(map_class, rule_class), spec)
        differences = [
            f"werkzeug: {want!r}\ntumbler:  {have!r}"
            for want, have in zip_longest(expected, got)
            if want != have
        ]
        assert not differences, (
            f"Flask answers differently on tumbler ({rule_class.__module__} rules):\n"
            + "\n\n".join(differences)
        )


# -- generated apps -------------------------------------------------------------

#: The keyword arguments a ``RuleTemplate`` keeps of its rules (werkzeug's).
TEMPLATE_KEEPS = ("defaults", "subdomain", "methods", "build_only", "strict_slashes")


def _route(rule: str, kwargs: dict[str, Any], blueprint: str | None = None) -> Route:
    """A ``("Rule", rule, kwargs)`` spec as an ``add_url_rule`` call."""
    options = {key: value for key, value in kwargs.items() if key != "endpoint"}
    return Route(rule, kwargs["endpoint"], options, blueprint)


def _flask_options(ch: Any, route: Route) -> None:
    """What only Flask's ``add_url_rule`` takes: ``@route`` and no
    automatic ``OPTIONS``."""
    route.decorate = ch.chance(30)
    if ch.chance(10):
        route.options["provide_automatic_options"] = False


def _routes(case: Case) -> tuple[list[Route], list[Blueprint]]:
    """``case``'s rules as Flask routes. werkzeug's rule factories have
    Flask's blueprints as their counterparts: ``Submount`` a blueprint with
    a ``url_prefix``, ``Subdomain`` one with a ``subdomain``,
    ``EndpointPrefix("p.")`` the blueprint ``p``; a ``RuleTemplate`` is
    filled in here."""
    routes: list[Route] = []
    blueprints: list[Blueprint] = []
    for number, (kind, argument, rest) in enumerate(case.rules):
        if kind == "Rule":
            routes.append(_route(argument, rest))
        elif kind == "RuleTemplate":
            for _, rule, kwargs in rest:
                fill = string.Template
                options = {key: kwargs[key] for key in TEMPLATE_KEEPS if key in kwargs}
                endpoint = fill(kwargs["endpoint"]).safe_substitute(argument)
                routes.append(Route(fill(rule).safe_substitute(argument), endpoint, options))
        else:
            if kind == "Submount":
                blueprint = Blueprint(f"s{number}", url_prefix=argument)
            elif kind == "Subdomain":
                blueprint = Blueprint(f"d{number}", subdomain=argument)
            else:
                blueprint = Blueprint(argument.rstrip("."))
            if blueprint.name not in {bp.name for bp in blueprints}:
                blueprints.append(blueprint)
            routes.extend(_route(rule, kwargs, blueprint.name) for _, rule, kwargs in rest)
    return routes, blueprints


def _endpoints(routes: list[Route]) -> list[str]:
    return sorted(
        {
            route.endpoint if not route.blueprint else f"{route.blueprint}.{route.endpoint}"
            for route in routes
        }
    )


ANCHORS = [None, None, "top", "a b", "x#y", "é/?"]


def flask_app(ch: Any) -> App:
    """A generated rule set as a Flask app, its requests as test-client
    requests and its builds as ``url_for`` calls."""
    case = generate_case(ch, requests=6, builds=3)
    routes, blueprints = _routes(case)
    for route in routes:
        _flask_options(ch, route)
    host_matching = bool(case.options.get("host_matching"))
    map_options = {key: value for key, value in case.options.items() if key != "host_matching"}
    subdomain_matching = not host_matching and ch.chance(60)
    config = {"SERVER_NAME": ch.choice([None, "example.com", "localhost:5000"])}
    endpoints = _endpoints(routes)

    visits = []
    for request in case.requests:
        bind = request.bind
        host = bind.server_name
        if not host_matching and bind.subdomain:
            host = f"{bind.subdomain}.{host}"
        path = request.path if request.path is not None else (bind.path_info or "/")
        headers = {}
        if request.websocket:
            headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
        query = request.query_args if request.query_args is not None else bind.query_args
        if "?" in path:
            # The test client refuses a query both in the path and on its own.
            query = None
        visits.append(
            Visit(
                path,
                request.method or "GET",
                f"{bind.url_scheme or 'http'}://{host}{bind.script_name or ''}",
                query,
                headers,
            )
        )
    for bound in case.environs:
        visits.append(Visit(environ={**create_environ(), **bound.environ}))

    url_fors = []
    for build in case.builds:
        endpoint = str(build.endpoint)
        # A rule of a blueprint has the blueprint's name before its endpoint.
        owners = [name for name in endpoints if name.endswith("." + endpoint)]
        if endpoint not in endpoints and owners:
            endpoint = ch.choice(owners)
        values = dict(build.values or ())
        url_fors.append(
            UrlFor(
                endpoint,
                values,
                build.method,
                True if build.force_external else None,
                build.url_scheme if build.force_external else None,
                ch.choice(ANCHORS),
            )
        )
    return App(
        routes,
        blueprints,
        host_matching=host_matching,
        subdomain_matching=subdomain_matching,
        config=config,
        map_options=map_options,
        late_map_options=bool(map_options) and ch.chance(30),
        visits=visits,
        url_fors=url_fors,
        context=visits[0] if visits else Visit(),
    )


@st.composite
def flask_apps(draw: Any) -> App:
    return flask_app(DrawChooser(draw))


@differential
@given(spec=flask_apps())
def test_generated_apps_answer_alike(Map, spec):
    assert_alike(spec, Map)


# Any text (no lone surrogates: a URL cannot carry them) in one segment.
SEGMENT_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)


@differential
@given(
    placeholder=st.sampled_from([template for template, _ in PLACEHOLDERS]),
    text=SEGMENT_TEXT | st.sampled_from([sample for kind in SAMPLES.values() for sample in kind]),
    method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT"]),
    how=st.sampled_from(["quoted", "wire", "as is"]),
)
def test_any_segment_text_reaches_the_same_view(Map, placeholder, text, method, how):
    """One route per converter (alone in a segment, inside one, before a
    trailing slash), asked for with any text: percent-encoded through the
    test client, as raw ``PATH_INFO``, or as it is (where the client reads
    ``?``, ``#`` and ``%`` itself); and ``url_for`` with the same text."""
    converter = placeholder.format(v="v")
    routes = [
        Route(f"/{converter}", "plain"),
        Route(f"/in/x{converter}y", "inside", {"methods": ["GET", "POST"]}),
        Route(f"/slash/{converter}/", "slash", {"methods": ["PUT"]}),
    ]
    visits = []
    for path in (f"/{text}", f"/in/x{text}y", f"/slash/{text}", f"/slash/{text}/"):
        if how == "wire":
            visits.append(_raw(_wire(path), method))
        else:
            visits.append(Visit(quote(path) if how == "quoted" else path, method))
    url_fors = [
        UrlFor("plain", {"v": text}),
        UrlFor("inside", {"v": text}, method="POST", external=True),
        UrlFor("slash", {"v": text, "q": text}),
    ]
    assert_alike(App(routes, visits=visits, url_fors=url_fors), Map)


# -- written-out apps -----------------------------------------------------------

ID = uuid.UUID("8b5e52a8-7a3c-4b70-9a07-b2a6a4b51c0e")
#: Methods a request is sent with: the common ones, one Flask adds itself,
#: ones no rule names, and a lower-case one (the test client sends it as is).
VERBS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "BREW", "get"]


def _paths(text: str, *more: str) -> list[str]:
    """The paths in ``text`` (split at white space), then ``more``."""
    return [*text.split(), *more]


def _urls(text: str, method: str = "GET") -> list[Visit]:
    """A GET of each URL in ``text`` (scheme and host go in the base URL)."""
    visits = []
    for url in text.split():
        parts = urlsplit(url)
        visits.append(Visit(parts.path, method, f"{parts.scheme}://{parts.netloc}"))
    return visits


def _verbs(*paths: str, base_url: str | None = None) -> list[Visit]:
    return [Visit(path, verb, base_url) for path in paths for verb in VERBS]


def converters_app(static_folder: str) -> App:
    """Every built-in converter with arguments, and paths that almost fit."""
    routes = [
        Route("/s/<string(length=2):code>", "code", decorate=True),
        Route("/s/<string(minlength=3, maxlength=4):code>", "longer_code"),
        Route("/i/<int(fixed_digits=3):n>", "fixed"),
        Route("/r/<int(min=1, max=99):n>", "ranged"),
        Route("/signed/<int(signed=True):n>/<float(signed=True):x>", "signed"),
        Route("/f/<float:x>", "float"),
        Route("/f/<float(min=0.5, max=10):x>/bounded", "bounded"),
        Route("/p/<path:rest>", "path"),
        Route("/p/<path:rest>/edit", "path_edit"),
        Route("/any/<any(a, b, 'c d', \"é\"):choice>", "any"),
        Route("/u/<uuid:id>", "uuid"),
        Route("/whl/<name>-<int:version>.whl", "wheel"),
        Route("/two/<two:n>", "two"),
        Route("/default/<default:word>/<lower:low>", "custom"),
    ]
    # Fits, near misses, Unicode digits, percent-encoding, trailing and doubled slashes.
    paths = _paths(
        f"""
        /s/ab /s/abc /s/%41B /s/a%2Fb /s/é /s/\u0661\u0662 /s/ab/
        /i/007 /i/7 /i/\u0660\u0660\u0667 /i/0007 /i/-07
        /r/0 /r/1 /r/99 /r/100 /r/\u0661\u0662 /r/\U0001d7d8 /r/²
        /signed/-3/-1.5 /signed/+3/1.5 /signed/3/-0.0
        /f/1.5 /f/1 /f/.5 /f/\u0661.\u0665 /f/1e5 /f/0.25/bounded /f/9.5/bounded
        /p/a/b/c /p/a//b/ /p/a%2Fb /p/a/edit /p//edit /p/%C3%A9 /p/
        /any/a /any/c%20d /any/é /any/e /any/A
        /u/{ID} /u/{str(ID).upper()} /u/{ID.hex} /u/{ID}x
        /whl/pkg-1.whl /whl/a-b-2.whl /whl/\u0661-\u0661.whl /whl/-1.whl
        /two/12 /two/\u0661\u0662 /two/123 /default/x/abc /default/x/zed
    """,
        "/any/c d",
        "/s/a b",
    )
    url_fors = [
        UrlFor("code", {"code": "xy"}),
        UrlFor("code", {"code": "a b", "q": ["1", "2"]}, anchor="sec 1"),
        UrlFor("fixed", {"n": 7}),
        UrlFor("fixed", {"n": 7, "page": None}),
        UrlFor("ranged", {"n": 100}),
        UrlFor("signed", {"n": -1, "x": -2.5}, external=True),
        UrlFor("float", {"x": 2}),
        UrlFor("path", {"rest": "a b/c"}),
        UrlFor("any", {"choice": "d"}),
        UrlFor("any", {"choice": "é"}, scheme="https"),
        UrlFor("uuid", {"id": ID}),
        UrlFor("wheel", {"name": "tumbler", "version": 3, "extra": "q", "é": "ü v"}),
        UrlFor("wheel", {"name": "tumbler"}),
        UrlFor("two", {"n": 5}),
        UrlFor("custom", {"word": "W", "low": "ABC"}, anchor="a#b"),
        UrlFor("nope", {"x": 1}),
    ]
    visits = [Visit(path) for path in paths] + [
        Visit("/s/ab", "POST"),
        _raw("/s/\xc3\xa9\xc3\xa9"),
        _raw("/p/\xff\xfe"),
        _raw("/i/007", "get"),
        _raw("/s/ab", "OPTIONS", SCRIPT_NAME="/app"),
    ]
    return App(routes, visits=visits, url_fors=url_fors, context=Visit("/i/007"))


def methods_app(static_folder: str) -> App:
    """405 and its ``Allow``, automatic ``OPTIONS`` and ``HEAD``, methods no
    rule names; and ``url_for(_method=...)``."""
    routes = [
        Route("/items", "items", {"methods": ["GET", "POST"]}),
        Route("/items/<int:id>", "item", {"methods": ["GET", "PUT", "DELETE"]}),
        Route("/items/<int:id>", "item_patch", {"methods": ["PATCH"]}, decorate=True),
        Route("/items/<name>", "named", {"methods": ["POST"]}),
        Route(
            "/manual", "manual", {"methods": ["GET", "OPTIONS"], "provide_automatic_options": False}
        ),
        Route("/quiet", "quiet", {"methods": ["POST"], "provide_automatic_options": False}),
        Route("/report", "report", {"methods": ["PROPFIND", "get"]}),
    ]
    visits = _verbs("/items", "/items/3", "/items/x", "/manual", "/quiet", "/report")
    visits += [
        Visit("/items/"),
        Visit("//items", "POST"),
        Visit("/items/\u0663", "PUT"),
        Visit("/items/3/", "DELETE"),
        Visit("/nothing", "OPTIONS"),
        Visit("/items/3", "OPTIONS", "http://example.com/app"),
    ]
    url_fors = [
        UrlFor("item", {"id": 3}, method="PUT"),
        UrlFor("item", {"id": 3}, method="PATCH"),
        UrlFor("item_patch", {"id": 3}, method="PATCH"),
        UrlFor("items", {}, method="DELETE"),
        UrlFor("items", {"id": 3}, method="HEAD"),
        UrlFor("report", {}, method="GET"),
        UrlFor("named", {"name": "x y"}, method="POST", external=True),
    ]
    return App(routes, visits=visits, url_fors=url_fors, context=Visit("/items", "POST"))


def _redirect_routes() -> list[Route]:
    return [
        Route("/branch/", "branch"),
        Route("/leaf", "leaf"),
        Route("/loose/", "loose", {"strict_slashes": False}),
        Route("/tight", "tight", {"strict_slashes": True}),
        Route("/page/", "pages", {"defaults": {"page": 1}}),
        Route("/page/<int:page>", "pages"),
        Route("/old/<int:id>", "old", {"redirect_to": "new/<id>"}),
        Route("/new/<int:id>", "new", {"methods": ["GET", "POST"]}),
        Route("/moved/<name>", "moved", {"redirect_to": Moved()}),
        Route("/external", "external", {"redirect_to": "https://other.example/x"}),
        Route("/merge/<a>/x", "unmerged", {"merge_slashes": False}),
        Route("/a/b", "ab"),
        Route("/alias/<int:id>", "new", {"alias": True}),
    ]


def _redirect_visits() -> list[Visit]:
    paths = _paths(
        """
        /branch /branch/ /branch// /leaf /leaf/ /loose /loose/ /tight/
        /page/1 /page/2 /page/ /page /page/%31 /old/5 /external /alias/3
        /a/b/ /a//b /merge/x//x /merge//x/x
    """,
        "/moved/x y",
    )
    return [Visit(path) for path in paths] + [
        Visit("/branch", "POST"),
        Visit("/branch", "HEAD", "https://example.com/app"),
        Visit("/branch", query_string="x=1&y=%20"),
        Visit("/old/5", "POST", query_string={"q": "é"}),
        Visit("/page/1", "OPTIONS"),
        # The test client reads a path that starts with "//" as a host.
        _raw("//a//b"),
        _raw("/a//b", "PUT"),
        _raw("//branch"),
        _raw("/merge/x//x"),
        _raw("/old//5/"),
    ]


def redirects_app(static_folder: str) -> App:
    """308s: a missing slash, ``//``, defaults, ``redirect_to`` (text, a
    callable, another host), aliases; with ``Location`` under a script root."""
    url_fors = [
        UrlFor("pages", {"page": 1}),
        UrlFor("pages", {"page": 2}),
        UrlFor("pages", {}),
        UrlFor("old", {"id": 1}),
        UrlFor("new", {"id": 1}, method="POST", anchor="top"),
        UrlFor("branch", {"next": "/x?y"}, external=True, scheme="https"),
    ]
    config = {"SERVER_NAME": "example.com", "APPLICATION_ROOT": "/app"}
    config["PREFERRED_URL_SCHEME"] = "https"
    return App(_redirect_routes(), config=config, visits=_redirect_visits(), url_fors=url_fors)


def loose_map_app(static_folder: str) -> App:
    """The same app with ``app.url_map.strict_slashes`` and ``merge_slashes``
    turned off, as a Flask user turns them off."""
    return App(
        _redirect_routes(),
        map_options={"strict_slashes": False, "merge_slashes": False, "redirect_defaults": False},
        visits=_redirect_visits(),
        url_fors=[UrlFor("pages", {"page": 1})],
    )


def _subdomain_parts(matching: bool) -> App:
    routes = [
        Route("/", "index"),
        Route("/", "user_home", {"subdomain": "<user>"}),
        Route("/profile/<int:id>", "profile", {"subdomain": "<user>"}, decorate=True),
        Route("/item/<int:id>", "item", blueprint="api"),
        Route("/", "root", blueprint="api"),
        Route("/", "index", blueprint="admin"),
        Route("/<int:page>", "page", {"methods": ["GET", "POST"]}, blueprint="admin"),
        Route("/cart", "cart", blueprint="shop"),
        Route("/cart/", "cart_slash", {"subdomain": "www"}, blueprint="shop"),
    ]
    blueprints = [
        Blueprint("api", url_prefix="/v1", subdomain="api"),
        Blueprint("admin", url_prefix="/admin/<section>"),
        Blueprint("shop", url_prefix="/shop/", subdomain="<store>"),
    ]
    visits = _urls(
        """
        http://example.test/ http://alice.example.test/ http://alice.example.test/profile/3
        http://alice.example.test/profile/3/ http://a.b.example.test/ http://EXAMPLE.test/
        http://api.example.test/v1/item/7 http://api.example.test/v1
        http://api.example.test/v1/ http://api.example.test/item/7
        http://example.test/v1/item/7 http://example.test/admin/users/2
        http://example.test/admin/users http://example.test/admin/users/
        http://s1.example.test/shop/cart http://www.example.test/shop/cart http://other.test/
        http://other.test/admin/x/1 https://example.test:8443/ http://localhost/profile/1
        """
    )
    visits.append(Visit("/admin/users/2", "DELETE", "http://example.test"))
    visits.append(Visit("/admin/users/2", "OPTIONS", "http://example.test"))
    url_fors = [
        UrlFor("user_home", {"user": "bob"}),
        UrlFor("profile", {"user": "bob", "id": 2}, external=True),
        UrlFor("api.item", {"id": 7}),
        UrlFor("api.root", {}, anchor="x"),
        UrlFor("admin.page", {"section": "x y", "page": 2}, method="POST"),
        UrlFor("admin.index", {"section": "s", "extra": "1"}),
        UrlFor("shop.cart", {"store": "s1"}),
        UrlFor("shop.cart_slash", {}),
        UrlFor("index", {}, scheme="https"),
        UrlFor("profile", {"user": "bob"}),
    ]
    return App(
        routes,
        blueprints,
        subdomain_matching=matching,
        config={"SERVER_NAME": "example.test"},
        visits=visits,
        url_fors=url_fors,
        context=Visit("/", base_url="http://alice.example.test"),
    )


def subdomains_app(static_folder: str) -> App:
    """Subdomain rules and blueprints (``url_prefix`` and ``subdomain``)
    with ``SERVER_NAME`` and ``subdomain_matching``."""
    return _subdomain_parts(True)


def subdomains_ignored_app(static_folder: str) -> App:
    """The same app where Flask ignores subdomains (its default)."""
    return _subdomain_parts(False)


def hosts_app(static_folder: str) -> App:
    """Host matching, with Flask's static route on its ``static_host``."""
    routes = [
        Route("/", "home", {"host": "example.org"}),
        Route("/", "tenant", {"host": "<tenant>.example.org"}),
        Route("/users/<int:id>", "user", {"host": "<tenant>.example.org"}, decorate=True),
        Route("/port", "port", {"host": "x.org:8080"}),
        Route("/nohost", "nohost"),
    ]
    visits = _urls(
        """
        http://example.org/ http://acme.example.org/ http://acme.example.org/users/3
        http://acme.example.org/users/3/ http://a.b.example.org/users/3
        http://static.example.org/static/hello.txt http://static.example.org/static/missing.txt
        http://example.org/static/hello.txt http://x.org:8080/port http://X.org:8080/port
        http://x.org/port http://nowhere.test/ http://nowhere.test/nohost
        """
    )
    visits.append(Visit("/static/hello.txt", "HEAD", "http://static.example.org"))
    visits.append(Visit("/static/hello.txt", "POST", "http://static.example.org"))
    url_fors = [
        UrlFor("tenant", {"tenant": "acme"}),
        UrlFor("user", {"tenant": "b", "id": 1}, external=True),
        UrlFor("static", {"filename": "hello.txt"}),
        UrlFor("home", {}),
        UrlFor("port", {}, anchor="p"),
        UrlFor("nohost", {}),
        UrlFor("user", {"id": 1}),
    ]
    return App(
        routes,
        host_matching=True,
        static_host="static.example.org",
        static_folder=static_folder,
        config={"SERVER_NAME": "example.org"},
        visits=visits,
        url_fors=url_fors,
        context=Visit("/users/3", base_url="http://acme.example.org"),
    )


EXPLICIT_APPS = [
    converters_app,
    methods_app,
    redirects_app,
    loose_map_app,
    subdomains_app,
    subdomains_ignored_app,
    hosts_app,
]


@pytest.mark.parametrize("make_spec", EXPLICIT_APPS, ids=lambda make: make.__name__)
def test_written_out_apps_answer_alike(Map, make_spec, tmp_path):
    (tmp_path / "hello.txt").write_text("hello\n")
    spec = make_spec(str(tmp_path))
    assert_alike(spec, Map)


def test_flask_routes_with_tumbler(Map):
    """The hooks are really taken: the app's map is the twin's, its rules are
    tumbler's, and a request is matched by them (else every comparison
    above would compare werkzeug with itself)."""
    app = make_app(tumbler_flask(Map), App([Route("/<int:n>", "n")]))
    assert type(app.url_map) is Map
    assert all(type(rule) is tb.Rule for rule in app.url_map.iter_rules())
    with app.test_request_context("/7"):
        adapter = flask.globals.request_ctx.url_adapter
        assert isinstance(adapter, Map._adapter_class)
        assert flask.request.url_rule in list(app.url_map.iter_rules())
        assert flask.request.view_args == {"n": 7}


def _build_error(app: flask.Flask, endpoint: str, **values: Any) -> BaseException:
    with app.test_request_context("/"), pytest.raises(Exception) as caught:
        flask.url_for(endpoint, **values)
    return caught.value


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("user", {"id": 1}),
        ("user", {"q": "1"}),
        ("user", {"_method": "POST", "name": "x"}),
        ("usr", {"name": "x", "id": 1}),
    ],
)
def test_build_errors_are_werkzeugs(Map, endpoint, values):
    """A value missing (or a method or endpoint wrong) raises werkzeug's own
    ``BuildError`` with the same message, suggestion included: Flask
    catches that class for ``url_build_error_handlers``."""
    spec = App(
        [
            Route("/u/<name>/<int:id>", "user", {"methods": ["GET"]}),
            Route("/u/<name>", "user", {"methods": ["PUT"], "defaults": {"id": 0}}),
        ]
    )
    errors = [
        _build_error(make_app(flask_class, spec), endpoint, **values)
        for flask_class in (flask.Flask, tumbler_flask(Map))
    ]
    assert type(errors[0]) is wz.BuildError
    assert (type(errors[1]), str(errors[1])) == (type(errors[0]), str(errors[0]))


def test_url_build_error_handlers_see_tumblers_errors(Map):
    """A handler in ``app.url_build_error_handlers`` gets tumbler's error,
    the endpoint and the values, as it gets werkzeug's."""
    results = []
    for flask_class in (flask.Flask, tumbler_flask(Map)):
        app = make_app(flask_class, App([Route("/u/<int:id>", "user")]))
        seen = []

        def handler(error, endpoint, values, seen=seen):
            seen.append((type(error), str(error), endpoint, sorted(values.items())))
            return f"/fallback/{endpoint}"

        app.url_build_error_handlers.append(handler)
        with app.test_request_context("/u/1"):
            results.append((flask.url_for("user", _anchor="x", name="n"), seen))
    assert results[0][1], "the handler was not called"
    assert results[1] == results[0]


def test_werkzeug_rules_added_to_the_map_by_hand_route_alike(Map):
    """The pattern Flask's docs show: ``app.url_map.add(Rule(...))`` with
    werkzeug's own ``Rule``, and the view registered by ``@app.endpoint``."""
    results = []
    for flask_class in (flask.Flask, tumbler_flask(Map)):
        app = flask_class(__name__)
        app.url_map.add(wz.Rule("/", endpoint="index", defaults={"rest": ""}))
        app.url_map.add(wz.Rule("/<path:rest>", endpoint="index", methods=["GET"]))

        @app.endpoint("index")
        def index(rest):
            url = flask.url_for("index", rest="a b")
            return f"{flask.request.url_rule.rule} {rest!r} {url}"

        client = app.test_client()
        visits = [client.get("/"), client.get("/x/y"), client.get("/x/"), client.post("/x")]
        results.append([(visit.status, visit.get_data(as_text=True)) for visit in visits])
    assert results[0][1] == ("200 OK", "/<path:rest> 'x/y' /a%20b")
    assert results[1] == results[0]


def test_werkzeug_rules_made_by_flask_keep_what_flask_set_on_them(Map):
    """With only ``url_map_class`` set, Flask makes werkzeug's rules and sets
    ``provide_automatic_options`` on each; tumbler's copy keeps it, so OPTIONS
    is answered by Flask, with the methods in ``Allow``."""

    class OnlyTheMap(flask.Flask):
        url_map_class = Map

    results = []
    for flask_class in (flask.Flask, OnlyTheMap):
        app = flask_class(__name__)
        app.add_url_rule("/x", "x", lambda: "x", methods=["GET", "POST"])
        app.add_url_rule("/y", "y", lambda: "y", provide_automatic_options=False)
        client = app.test_client()
        visits = [client.options("/x"), client.options("/y"), client.get("/x")]
        results.append([(v.status, sorted(v.allow), v.get_data(as_text=True)) for v in visits])
    assert results[0][0] == ("200 OK", ["GET", "HEAD", "OPTIONS", "POST"], "")
    assert results[1] == results[0]
