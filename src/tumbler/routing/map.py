"""``Map``, the set of rules, and ``MapAdapter``, a map bound to one request's
host, script root and method, which matches and builds URLs.

Both are werkzeug's, attribute for attribute, so that code written against
werkzeug (Flask included) uses them unchanged. The search, the URL
assembly and the binding to a request's WSGI environ run in the routing
kernel (``tumbler._speedups.matcher``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pprint import pformat
from threading import Lock
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlunsplit

from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import BadHost, HTTPException, MethodNotAllowed

from .._speedups import matcher as kernel
from .converters import DEFAULT_CONVERTERS, BaseConverter, python_converter, quote_segment
from .exceptions import RequestRedirect
from .rules import Rule, RuleFactory, SharedPieces, as_tumbler_rule, encode_query, share

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["Map", "MapAdapter"]


class Map:
    """All the URL rules of an application, and the settings they share.

    :param rules: the rules and rule factories.
    :param default_subdomain: the subdomain of rules that name none.
    :param strict_slashes: redirect a request for a branch rule (ending in
        ``/``) that lacks the slash to the URL with it.
    :param merge_slashes: match a path with ``//`` as if merged, redirecting
        to the merged URL; build URLs merged.
    :param redirect_defaults: redirect to the rule that provides the matched
        values as defaults, so each page has one URL.
    :param converters: converters to add to (or replace in) the defaults.
    :param sort_parameters: sort the query arguments of built URLs.
    :param sort_key: the sort key for that.
    :param host_matching: match rules' ``host`` instead of the subdomain.
    """

    #: The converters every map starts with.
    default_converters = ImmutableDict(DEFAULT_CONVERTERS)
    #: The lock that guards the one-time sort before matching.
    lock_class = Lock
    #: The routing kernel this map matches and builds with, and its adapter
    #: class. NOTE: the adapter class is read from the map's class, never
    #: its instance: a hook for a subclass to set.
    _kernel = kernel
    _adapter_class: ClassVar[type[MapAdapter]]

    # PERF: the matcher in a slot, which bind_to_environ reads with no
    # lookup in the instance's __dict__ (with _adapter_class read from the
    # class, 2,050 -> 1,785 instructions a bind).
    __slots__ = ("__dict__", "__weakref__", "_matcher")

    def __init__(
        self,
        rules: Iterable[RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: Callable[[Any], Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self._matcher = self._kernel.StateMachine(merge_slashes)
        self._rules_by_endpoint: dict[Any, list[Rule]] = {}
        #: What the rules share (see ``rules.SharedPieces``).
        self._shared_pieces: SharedPieces = {}
        #: The built-in converters without arguments, one per class, shared by
        #: the placeholders (see ``rules._SHAREABLE_CONVERTERS``).
        self._shared_converters: dict[type[BaseConverter], BaseConverter] = {}
        self._remap_lock = self.lock_class()
        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.converters = self.default_converters.copy()
        if converters:
            self.converters.update(converters)
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        for factory in rules or ():
            self.add(factory)

    @property
    def host_matching(self) -> bool:
        """Whether rules match the host (``Rule.host``) instead of the subdomain."""
        return self._matcher.host_matching  # type: ignore[no-any-return]

    @host_matching.setter
    def host_matching(self, value: bool) -> None:
        # NOTE: kept by the matcher, where the kernel reads it in C.
        self._matcher.host_matching = value

    @property
    def merge_slashes(self) -> bool:
        """Whether paths with ``//`` match as merged (and redirect)."""
        return self._matcher.merge_slashes

    @merge_slashes.setter
    def merge_slashes(self, value: bool) -> None:
        self._matcher.merge_slashes = value

    @property
    def _remap(self) -> bool:
        """werkzeug's mark of a map that :meth:`update` must sort again. Code
        that edits ``_rules_by_endpoint`` by hand (to drop a route, or rename
        an endpoint) sets it, then calls ``update()``; the next match and
        build then read each endpoint's rules, and each rule's endpoint,
        afresh, as in werkzeug. It is the matcher's own mark."""
        return self._matcher.stale

    @_remap.setter
    def _remap(self, value: bool) -> None:
        self._matcher.stale = bool(value)

    def is_endpoint_expecting(self, endpoint: Any, *arguments: str) -> bool:
        """Say whether some rule of ``endpoint`` takes all of ``arguments``."""
        self.update()
        wanted = set(arguments)
        return any(wanted.issubset(rule.arguments) for rule in self._rules_by_endpoint[endpoint])

    @property
    def _rules(self) -> list[Rule]:
        return [rule for rules in self._rules_by_endpoint.values() for rule in rules]

    def iter_rules(self, endpoint: Any | None = None) -> Iterator[Rule]:
        """Iterate over all rules, or over those of ``endpoint``."""
        self.update()
        if endpoint is not None:
            return iter(self._rules_by_endpoint[endpoint])
        return iter(self._rules)

    def add(self, rulefactory: RuleFactory) -> None:
        """Bind a rule, or a factory's rules, to this map and add them. A
        rule of werkzeug's own ``Rule`` class is added as a tumbler copy (see
        :func:`~tumbler.routing.rules.as_tumbler_rule`).

        :raises RuntimeError: if a rule is already bound to a map.
        :raises TypeError: if a rule is neither tumbler's nor werkzeug's own
            ``Rule`` (a subclass of werkzeug's, say): it would not compile
            for this map's matcher.
        """
        for given in rulefactory.get_rules(self):
            rule = as_tumbler_rule(given)
            rule.bind(self)
            if not rule.build_only:
                converters = tuple(
                    [
                        (name, python_converter(converter))
                        for name, converter in rule._converters.items()
                    ]
                )
                # PERF: most rules' lists are alike (see SharedPieces).
                self._matcher.add(rule, share(self._shared_pieces, converters))
            self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)
        self._matcher.stale = True

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> MapAdapter:
        """Return a :class:`MapAdapter` for requests to ``server_name``.

        :param server_name: the host (and port), needed for absolute URLs.
        :param script_name: the application's root path; ``"/"`` if ``None``.
        :param subdomain: the current subdomain; the map's default if ``None``.
        :param url_scheme: the scheme; ``ws``/``wss`` match WebSocket rules.
        :param default_method: the method ``match`` assumes.
        :param path_info: the path ``match`` assumes; ``"/"`` if ``None``.
        :param query_args: the query arguments kept on redirects.
        :raises BadHost: if the host name is not valid IDNA.
        """
        server_name = server_name.lower()
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("host matching enabled and a subdomain was provided")
        elif subdomain is None:
            subdomain = self.default_subdomain
        if script_name is None:
            script_name = "/"
        if path_info is None:
            path_info = "/"
        return type(self)._adapter_class(
            self,
            _idna_host(server_name),
            script_name,
            subdomain,
            url_scheme,
            path_info,
            default_method,
            query_args,
        )

    #: Like :meth:`bind`, with everything taken from a WSGI environ (or a
    #: request, through its ``environ``); see the kernel's ``bind_to_environ``
    #: for the parameters. PERF: the kernel's function is the method itself.
    bind_to_environ = kernel.bind_to_environ

    def update(self) -> None:
        """Sort what changed since the last match or build: the matcher's
        edges by weight and each endpoint's rules in build order."""
        if not self._matcher.stale:
            return
        with self._remap_lock:
            if not self._matcher.stale:
                return
            # NOTE: marked fresh first, and the endpoints read from a copy:
            # a collection while this runs may call a finalizer that adds a
            # rule, which must leave the map stale for the next match.
            self._matcher.stale = False
            try:
                self._sort_and_lay_out()
            except BaseException:
                self._matcher.stale = True
                raise

    def _sort_and_lay_out(self) -> None:
        """The work of :meth:`update`, under its lock."""
        for rules in list(self._rules_by_endpoint.values()):
            # PERF: most endpoints have one rule: nothing to sort, and no
            # rule before it to provide its defaults.
            if len(rules) > 1:
                # NOTE: sorted as a copy: a finalizer may add a rule to this
                # endpoint here, which list.sort would refuse (and drop). The
                # map is then stale, and the next update sorts it in.
                ordered = sorted(rules, key=lambda rule: rule.build_compare_key())
                if len(ordered) == len(rules):
                    rules[:] = ordered
            providers: list[Rule] = []
            for rule in rules:
                # PERF: the matcher asks for a redirect only where one can be.
                rule._may_redirect = bool(
                    rule.alias
                    or rule.redirect_to is not None
                    or (providers and any(other.provides_defaults_for(rule) for other in providers))
                )
                if rule.defaults and not rule.build_only:
                    providers.append(rule)
        self._matcher.update()

    def _build_plan(self, endpoint: Any) -> tuple[Any, ...]:
        """The endpoint's rules, in build order, as the kernel builds them:
        what ``Rule.suitable_for`` and ``Rule.build`` read, read once per
        :meth:`update`. A rule class that overrides either method is called.
        """
        plan = tuple(
            self._kernel.BuildEntry(
                rule,
                rule._make_builder()
                if type(rule).suitable_for is Rule.suitable_for and type(rule).build is Rule.build
                else None,
            )
            for rule in self._rules_by_endpoint.get(endpoint, ())
        )
        self._matcher.plans[endpoint] = plan
        return plan

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pformat(list(self.iter_rules()))})"


#: Host names' IDNA forms, remembered. Bounded, so that requests with made-up
#: Host headers cannot grow it without end. A name that is not valid IDNA is
#: not kept: each bind encodes it again, as werkzeug does, so that each
#: ``BadHost`` has the encoding's error for its cause.
_IDNA: dict[str, str] = {}
_CACHE_SIZE = 256


def _idna_host(server_name: str) -> str:
    """IDNA-encode the host name, leaving the port alone (remembered).

    :raises BadHost: if the name cannot be encoded, from the ``UnicodeError``.
    """
    encoded = _IDNA.get(server_name)
    if encoded is None:
        encoded = server_name
        name, colon, port = server_name.partition(":")
        if not (name.isascii() and _plain_labels(name)):
            try:
                encoded = f"{name.encode('idna').decode('ascii')}{colon}{port}"
            except UnicodeError as error:
                raise BadHost() from error
        if len(_IDNA) >= _CACHE_SIZE:
            _IDNA.clear()
        _IDNA[server_name] = encoded
    return encoded


def _plain_labels(name: str) -> bool:
    """Say whether an ASCII host name is already its own IDNA form: every
    label 1 to 63 characters (the last may be empty, for a trailing dot)."""
    labels = name.split(".")
    return all(0 < len(label) < 64 for label in labels[:-1]) and len(labels[-1]) < 64


_PLACEHOLDER = re.compile(r"<([^>]+)>")


class MapAdapter(kernel.AdapterBase):
    """A :class:`Map` bound to one request (see :meth:`Map.bind`): it matches
    the request's path and builds URLs relative to it.

    NOTE: its bound fields live in the kernel's ``AdapterBase`` (C fields in
    the compiled twin), not in the instance ``__dict__`` as in werkzeug, so
    ``vars(adapter)`` does not list them.
    """

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        self.websocket = self.url_scheme in {"ws", "wss"}

    def dispatch(
        self,
        view_func: Callable[[str, Mapping[str, Any]], WSGIApplication],
        path_info: str | None = None,
        method: str | None = None,
        catch_http_exceptions: bool = False,
    ) -> WSGIApplication:
        """Match, then call ``view_func(endpoint, values)`` and return what it
        returns. A redirect is returned as the response; other HTTP errors are
        returned too if ``catch_http_exceptions``, else raised."""
        try:
            try:
                endpoint, args = self.match(path_info, method)
            except RequestRedirect as exc:
                return exc
            return view_func(endpoint, args)
        except HTTPException as exc:
            if catch_http_exceptions:
                return exc
            raise

    #: Match a path and method against the rules; see the kernel's ``match``
    #: for the parameters. PERF: the kernel's function is the method itself.
    match = kernel.match

    def _slash_redirect(self, path: str, query_args: Mapping[str, Any] | str | None) -> str:
        """The URL a strict-slash or merge-slashes redirect goes to."""
        if query_args is None:
            query_args = self.query_args or {}
        return self.make_redirect_url(quote_segment(path), query_args)

    def _redirect_for(
        self,
        rule: Rule,
        values: dict[str, Any],
        method: str,
        query_args: Mapping[str, Any] | str | None,
        domain_part: str,
        path_part: str,
    ) -> str | None:
        """The redirect a matched rule asks for, if any: an alias's canonical
        URL, the URL of a rule whose defaults provide these values, or the
        rule's ``redirect_to``."""
        if query_args is None:
            query_args = self.query_args or {}
        if rule.alias and self.map.redirect_defaults:
            return self.make_alias_redirect_url(
                f"{domain_part}|{path_part}", rule.endpoint, values, method, query_args
            )
        if self.map.redirect_defaults:
            target = self.get_default_redirect(rule, method, values, query_args)
            if target is not None:
                return target
        if rule.redirect_to is not None:
            return self._redirect_to(rule, values)
        return None

    def _redirect_to(self, rule: Rule, values: Mapping[str, Any]) -> str:
        """The absolute URL a ``redirect_to`` rule sends a match to."""
        if isinstance(rule.redirect_to, str):

            def fill(found: re.Match[str]) -> str:
                name = found.group(1)
                return rule._converters[name].to_url(values[name])

            target = _PLACEHOLDER.sub(fill, rule.redirect_to)
        else:
            target = rule.redirect_to(self, **values)  # type: ignore[misc]
        netloc = f"{self.subdomain}.{self.server_name}" if self.subdomain else self.server_name
        return urljoin(f"{self.url_scheme or 'http'}://{netloc}{self.script_name}", target)

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Say whether a rule matches (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            pass
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> Iterable[str]:
        """The methods the rules matching ``path_info`` allow."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as exc:
            return exc.valid_methods  # type: ignore[return-value]
        except HTTPException:
            pass
        return []

    def get_host(self, domain_part: str | None) -> str:
        """The full host for a domain part: a subdomain (joined to the server
        name), or with host matching a host; the bound one if ``None``."""
        if self.map.host_matching:
            return self.server_name if domain_part is None else domain_part
        subdomain = self.subdomain if domain_part is None else domain_part
        return f"{subdomain}.{self.server_name}" if subdomain else self.server_name

    def get_default_redirect(
        self,
        rule: Rule,
        method: str,
        values: Any,
        query_args: Mapping[str, Any] | str,
    ) -> str | None:
        """The URL of an earlier rule of the endpoint whose defaults provide
        ``values``, if any: the canonical URL to redirect to.

        :internal:
        """
        assert self.map.redirect_defaults
        for other in self.map._rules_by_endpoint[rule.endpoint]:
            if other is rule:
                break
            if other.provides_defaults_for(rule) and other.suitable_for(values, method):
                values.update(other.defaults)
                domain_part, path = other.build(values)  # type: ignore[misc]
                return self.make_redirect_url(path, query_args, domain_part=domain_part)
        return None

    def encode_query_args(self, query_args: Mapping[str, Any] | str) -> str:
        """Encode query arguments for a URL; a string is taken as encoded."""
        return query_args if isinstance(query_args, str) else encode_query(query_args)

    def make_redirect_url(
        self,
        path_info: str,
        query_args: Mapping[str, Any] | str | None = None,
        domain_part: str | None = None,
    ) -> str:
        """The absolute URL of ``path_info`` under the script root.

        :internal:
        """
        if query_args is None:
            query_args = self.query_args
        query = self.encode_query_args(query_args) if query_args else None
        path = "/".join((self.script_name.strip("/"), path_info.lstrip("/")))
        return urlunsplit(
            (self.url_scheme or "http", self.get_host(domain_part), path, query, None)
        )

    def make_alias_redirect_url(
        self,
        path: str,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str,
        query_args: Mapping[str, Any] | str,
    ) -> str:
        """The canonical URL an alias rule redirects to.

        :internal:
        """
        url = self.build(endpoint, values, method, append_unknown=False, force_external=True)
        if query_args:
            url += f"?{self.encode_query_args(query_args)}"
        assert url != path, "detected invalid alias setting. No canonical URL found"
        return url

    #: ``(domain part, path, websocket)`` of the first rule of an endpoint
    #: that builds from the values (:internal:); see the kernel's
    #: ``partial_build``.
    _partial_build = kernel.partial_build

    #: Build the URL of an endpoint from values, as werkzeug does; see the
    #: kernel's ``build`` for the parameters. PERF: the kernel's function is
    #: the method itself.
    build = kernel.build


Map._adapter_class = MapAdapter
