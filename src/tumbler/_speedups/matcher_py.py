"""The routing kernel: the state machine that matches a request's domain and
path against the rules, the per-rule URL builder, and the binding of a map
to a request's WSGI environ (``Map.bind_to_environ``).

This is the reference twin; ``matcher_c`` does the same work in Cython. The
search is werkzeug's, step for step, because werkzeug's answers (which rule,
which redirect, which 405) are defined by its search order:

- a state holds a dict of static next parts, a list of dynamic next parts
  sorted by weight, and the rules that end there, in the order added;
- at each state the static edge for the next segment is tried first, then
  the dynamic edges, with backtracking;
- when the path is used up, the first rule whose methods and websocket flag
  fit wins; rules that fit only on path collect the methods for a 405;
- a branch rule (``/x/``) reached without its slash asks for a redirect, at
  once, unless the rule is not strict about slashes.

Two things are tumbler's own. A fully static path is first looked up in one
dict, and taken only if it succeeds, which is safe because the search would
reach that state first. And a dynamic part that is one built-in converter is
tested directly (``KIND_*``) instead of by its regex; ``rules.fast_kind``
picks only checks that accept exactly what the regex accepts.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing.converters import BaseConverter as _WerkzeugConverter
from werkzeug.routing.converters import ValidationError
from werkzeug.routing.exceptions import BuildError, RequestRedirect, WebsocketMismatch
from werkzeug.wsgi import get_host

__all__ = [
    "KIND_CHOICE",
    "KIND_DIGITS",
    "KIND_FLOAT",
    "KIND_REGEX",
    "KIND_REST",
    "KIND_SEGMENT",
    "KIND_UUID",
    "MATCHED",
    "NO_MATCH",
    "REDIRECT",
    "AdapterBase",
    "BuildEntry",
    "RuleBuilder",
    "StateMachine",
    "bind_to_environ",
    "build",
    "match",
    "partial_build",
]

#: Run the part's regex.
KIND_REGEX = 0
#: One segment, no ``/``, with a length range: ``[^/]+``, ``[^/]{m,n}``.
KIND_SEGMENT = 1
#: Decimal digits, optionally signed: ``\d+``, ``-?\d+``.
KIND_DIGITS = 2
#: Digits, a point, digits, optionally signed: ``\d+\.\d+``, ``-?\d+\.\d+``.
KIND_FLOAT = 3
#: A UUID's 8-4-4-4-12 hex digits.
KIND_UUID = 4
#: One of a set of literal strings: ``(?:a|b)``.
KIND_CHOICE = 5
#: The rest of the path, not starting with ``/``, no newline after its first
#: character: ``[^/].*?`` as the final part.
KIND_REST = 6

#: ``match`` found a rule: ``(MATCHED, rule, values)``.
MATCHED = 0
#: ``match`` wants a redirect to another path: ``(REDIRECT, path, None)``.
REDIRECT = 1
#: ``match`` found nothing: ``(NO_MATCH, methods that would fit, websocket mismatch)``.
NO_MATCH = 2

_HEX = frozenset("0123456789abcdefABCDEF")
_SLASHES = re.compile("/{2,}")


class _Entry:
    """What the search needs of a rule, read once when the rule is added."""

    __slots__ = ("converters", "defaults", "methods", "rule", "strict_slashes", "websocket")

    def __init__(self, rule: Any, converters: Iterable[tuple[str, Callable[[str], Any] | None]]):
        self.rule = rule
        # NOTE: the rule's own set, not a copy: a 405 lists the methods in
        # the order that updating a set with it gives, which depends on its
        # table's size as well as on what it holds.
        self.methods: set[str] | None = rule.methods
        self.websocket = _websocket_kind(rule.websocket, _ODD_RULE)
        self.strict_slashes = bool(rule.strict_slashes)
        self.converters = tuple(converters)
        self.defaults = dict(rule.defaults) if rule.defaults else None

    def fits(self, method: str, websocket: int) -> bool:
        return (self.methods is None or method in self.methods) and self.websocket == websocket


# A websocket flag that is neither True nor False (werkzeug compares flags
# with !=): a rule's, and a request's, unequal to each other.
_ODD_REQUEST = 2
_ODD_RULE = 3


def _websocket_kind(flag: Any, odd: int) -> int:
    """A websocket flag as the search compares it: 1 for one equal to True,
    0 for one equal to False, else ``odd``."""
    if flag is True or not (flag != True):  # noqa: E712, SIM202 - werkzeug's !=
        return 1
    if flag is False or not (flag != False):  # noqa: E712, SIM202
        return 0
    return odd


#: The rules and the dynamic edges of every state that has none: one empty
#: list, shared and never appended to (``StateMachine.add`` gives a state its
#: own list with its first item); the same for the static edges, with a dict.
#: PERF: most states have no rules, no dynamic edges or no static edges, and
#: a map keeps every container it makes alive.
_NONE: list[Any] = []
_NO_STATIC: dict[str, Any] = {}


class _State:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _State] = _NO_STATIC
        self.dynamic: list[tuple[Any, _State]] = _NONE
        self.rules: list[_Entry] = _NONE


class _SlashRequired(Exception):
    """A branch rule was reached without its trailing slash."""


class _Search:
    """One match: the request's method and websocket flag, and what the
    misses learned on the way (the methods for a 405, a websocket mismatch)."""

    __slots__ = ("method", "refused", "websocket", "websocket_mismatch")

    def __init__(self, method: str, websocket: int) -> None:
        self.method = method
        self.websocket = websocket
        self.refused: list[_Entry] = []  # the rules refused for their methods
        self.websocket_mismatch = False

    def allowed(self, searched_twice: bool) -> set[str]:
        """The methods of the rules refused, for a 405.

        NOTE: a set's order depends on its history, and Flask's ``Allow``
        header keeps it: the set is filled as werkzeug fills it, rule by rule,
        and once more where werkzeug's search for the path with merged
        slashes repeated the first.
        """
        methods: set[str] = set()
        for _ in range(2 if searched_twice else 1):
            for entry in self.refused:
                methods.update(entry.methods)  # type: ignore[arg-type]
        return methods

    def pick(self, state: _State, slash_optional_only: bool) -> _Entry | None:
        """The first rule of ``state`` that fits; remember why others did not."""
        for entry in state.rules:
            if slash_optional_only and entry.strict_slashes:
                continue
            if entry.methods is not None and self.method not in entry.methods:
                self.refused.append(entry)
            elif entry.websocket != self.websocket:
                self.websocket_mismatch = True
            else:
                return entry
        return None

    def run(
        self, state: _State, parts: list[str], index: int, values: list[str]
    ) -> tuple[_Entry, list[str]] | None:
        if index == len(parts):
            entry = self.pick(state, False)
            if entry is not None:
                return entry, values
            slashed = state.static.get("")
            if slashed is not None:
                for entry in slashed.rules:
                    if entry.fits(self.method, self.websocket):
                        if entry.strict_slashes:
                            raise _SlashRequired()
                        return entry, values
            return None
        segment = parts[index]
        following = state.static.get(segment)
        if following is not None:
            found = self.run(following, parts, index + 1, values)
            if found is not None:
                return found
        for part, following in state.dynamic:
            if part.final:
                rest, after = [], 0
                target = "/".join(parts[index:])
            else:
                rest, after = parts, index + 1
                target = segment
            groups = _test(part, target)
            if groups is None:
                continue
            if part.suffixed and groups.pop() == "/":
                rest, after = [""], 0
            found = self.run(following, rest, after, values + groups)
            if found is not None:
                return found
        if index == len(parts) - 1 and segment == "":
            entry = self.pick(state, True)
            if entry is not None:
                return entry, values
        return None


def _test(part: Any, target: str) -> list[str] | None:
    """Test ``target`` against a dynamic part: its converters' texts, or ``None``."""
    kind = part.kind
    if kind == KIND_SEGMENT:
        low, high = part.argument
        size = len(target)
        if size < low or (high >= 0 and size > high) or "/" in target:
            return None
    elif kind == KIND_DIGITS:
        digits = target[1:] if part.argument and target[:1] == "-" else target
        if not digits.isdecimal():
            return None
    elif kind == KIND_FLOAT:
        number = target[1:] if part.argument and target[:1] == "-" else target
        whole, point, fraction = number.partition(".")
        if not (point and whole.isdecimal() and fraction.isdecimal()):
            return None
    elif kind == KIND_UUID:
        if not (
            len(target) == 36
            and target[8] == target[13] == target[18] == target[23] == "-"
            and _HEX.issuperset(target[:8] + target[9:13] + target[14:18] + target[19:23])
            and _HEX.issuperset(target[24:])
        ):
            return None
    elif kind == KIND_CHOICE:
        if target not in part.argument:
            return None
    elif kind == KIND_REST:
        if not target or target[0] == "/" or "\n" in target[1:]:
            return None
    else:
        found = part.pattern.match(target)
        if found is None:
            return None
        groups = [found.group(name) for name in part.groups]
        if part.suffixed:
            groups.append(found.group(part.pattern.groups))
        return groups
    return [target]


class StateMachine:
    """The rules of one map, as a graph of states to search.

    :param merge_slashes: when nothing matches a path with ``//`` in it, search
        again with the slashes merged, and redirect there on a hit.
    """

    #: The map's ``host_matching``: the domain part of a request is its host.
    host_matching: Any = False
    #: Whether rules were added since the map's last update.
    stale = True

    def __init__(self, merge_slashes: bool) -> None:
        self._merge_slashes = merge_slashes
        self._plans: dict[Any, tuple[BuildEntry, ...]] = {}
        self._root = _State()
        # PERF: fully static paths, by domain then path, for one-lookup hits.
        self._static: dict[str, dict[str, _State]] = {}

    @property
    def plans(self) -> dict[Any, tuple[BuildEntry, ...]]:
        """Each endpoint's build plan (see ``Map._build_plan``), made on its
        first build after an :meth:`update`, which empties this."""
        return self._plans

    @property
    def merge_slashes(self) -> bool:
        """Whether a miss on a path with ``//`` is searched again, merged."""
        return self._merge_slashes

    @merge_slashes.setter
    def merge_slashes(self, value: bool) -> None:
        self._merge_slashes = value

    def add(self, rule: Any, converters: Iterable[tuple[str, Callable[[str], Any] | None]]) -> None:
        """Add a bound rule.

        ``rule._parts`` says where it goes; ``converters`` gives each
        variable's name and ``to_python`` (``None`` for identity).
        """
        state = self._root
        # PERF: whether every part is static, found on the way.
        all_static = True
        for part in rule._parts:
            if part.static:
                following = state.static.get(part.content)
                if following is None:
                    following = _State()
                    if state.static:
                        state.static[part.content] = following
                    else:
                        state.static = {part.content: following}
                state = following
                continue
            all_static = False
            key = part.key()
            for known, following in state.dynamic:
                if known.key() == key:
                    state = following
                    break
            else:
                following = _State()
                if state.dynamic:
                    state.dynamic.append((part, following))
                else:
                    state.dynamic = [(part, following)]
                state = following
        entry = _Entry(rule, converters)
        if state.rules:
            state.rules.append(entry)
        else:
            state.rules = [entry]
        if all_static:
            path = "/".join(part.content for part in rule._parts[1:])
            paths = self._static.get(rule._parts[0].content)
            if paths is None:
                paths = self._static[rule._parts[0].content] = {}
            paths[path] = state

    def update(self) -> None:
        """Order every state's dynamic edges by weight, and forget the
        build plans.

        The sort is stable: ties keep the order they were added in.
        """
        self._plans = {}
        pending = [self._root]
        while pending:
            state = pending.pop()
            if len(state.dynamic) > 1:  # PERF: most states have no choice to order
                state.dynamic.sort(key=lambda edge: edge[0].weight)
            pending.extend(state.static.values())
            pending.extend(following for _, following in state.dynamic)

    def match(self, domain: str, path: str, method: str, websocket: Any) -> tuple[int, Any, Any]:
        """Match a request.

        :param domain: the subdomain, or the host when the map matches hosts.
        :param path: the path, ``""`` or starting with ``/``.
        :return: ``(MATCHED, rule, values)``, ``(REDIRECT, path, None)`` or
            ``(NO_MATCH, methods, websocket_mismatch)``.
        """
        websocket = _websocket_kind(websocket, _ODD_REQUEST)
        paths = self._static.get(domain)
        if paths is not None:
            state = paths.get(path)
            if state is not None:
                for entry in state.rules:
                    if entry.fits(method, websocket):
                        return MATCHED, entry.rule, dict(entry.defaults or ())
        search = _Search(method, websocket)
        try:
            found = search.run(self._root, [domain, *path.split("/")], 0, [])
        except _SlashRequired:
            return REDIRECT, f"{path}/", None
        if found is None:
            # NOTE: without "//" the second search would repeat the first.
            if self.merge_slashes and "//" not in path:
                return NO_MATCH, search.allowed(True), search.websocket_mismatch
            if self.merge_slashes:
                merged = _SLASHES.sub("/", path)
                try:
                    found = search.run(self._root, [domain, *merged.split("/")], 0, [])
                except _SlashRequired:
                    return REDIRECT, f"{merged}/", None
                if found is not None and found[0].rule.merge_slashes is not False:
                    return REDIRECT, merged, None
            return NO_MATCH, search.allowed(False), search.websocket_mismatch
        entry, texts = found
        values: dict[str, Any] = {}
        # NOTE: werkzeug's pairing: a rule's converters by name, in the order
        # first named, with its texts in order, the extra texts dropped (a
        # variable named twice, which a default fills, has one converter).
        for (name, to_python), text in zip(entry.converters, texts, strict=False):
            if to_python is None:
                values[name] = text
                continue
            try:
                values[name] = to_python(text)
            except ValidationError:
                return NO_MATCH, search.allowed(False), search.websocket_mismatch
        if entry.defaults:
            values.update(entry.defaults)
        return MATCHED, entry.rule, values


class RuleBuilder:
    """Assembles one rule's URL from values.

    :param domain: the domain part's pieces: text, or ``(name, converter)``.
    :param path: the path's pieces, likewise.
    :param required: the variables the URL needs a value for.
    :param consumed: the value names the rule uses (its variables and its
        defaults); other values go to the query string.
    :param encode_query: turns the other values into a query string.
    """

    def __init__(
        self,
        domain: tuple[Any, ...],
        path: tuple[Any, ...],
        required: tuple[str, ...],
        consumed: frozenset[str],
        encode_query: Callable[[Mapping[str, Any]], str],
    ) -> None:
        self.domain = _pieces(domain)
        self.path = _pieces(path)
        # PERF: a side with no variables is the same text every time.
        self.domain_text = _constant(domain)
        self.path_text = _constant(path)
        self.required = required
        self.consumed = consumed
        self.encode_query = encode_query

    def build(self, values: Mapping[str, Any], append_unknown: bool) -> tuple[str, str] | None:
        """Return ``(domain part, path)``, or ``None`` on ``ValidationError``.

        The path carries the query string of the unknown values if
        ``append_unknown``; ``None`` means a converter refused a value.

        :raises TypeError: if a required value is missing.
        """
        for name in self.required:
            if name not in values:
                raise TypeError(f"missing a value for the URL variable {name!r}")
        return _rule_built(self, values, append_unknown)


def _rule_built(
    builder: RuleBuilder, values: Mapping[str, Any], append_unknown: bool
) -> tuple[str, str] | None:
    """``RuleBuilder.build`` once every required value is there."""
    consumed = builder.consumed
    unknown = values and not consumed.issuperset(values)
    if unknown:
        # The rule's own names are text: only the others need a look.
        _check_keys(values)
    domain, path = builder.domain_text, builder.path_text
    query = ""
    try:
        # The query first, as werkzeug makes it before it converts a value
        # (even for a rule a converter then refuses): its errors come first.
        if append_unknown and unknown:
            query = builder.encode_query(
                {key: value for key, value in values.items() if key not in consumed}
            )
        if domain is None:
            domain = _join(builder.domain, values)
        if path is None:
            path = _join(builder.path, values)
    except ValidationError:
        return None
    return domain, f"{path}?{query}" if query else path


def _check_keys(values: Mapping[Any, Any]) -> None:
    """Refuse keys that are not text, as werkzeug does once a rule fits: it
    passes the values to the rule's builder as keyword arguments."""
    for key in values:
        if not isinstance(key, str):
            raise TypeError("keywords must be strings")


def _pieces(pieces: tuple[Any, ...]) -> tuple[Any, ...]:
    """The pieces, each placeholder ``(name, converter)`` given a third item:
    whether its converter's ``to_url`` is the base one (``str`` and quoting),
    which ``_join`` may then skip."""
    base = _WerkzeugConverter.to_url
    return tuple(
        piece if type(piece) is str else (*piece, type(piece[1]).to_url is base) for piece in pieces
    )


def _constant(pieces: tuple[Any, ...]) -> str | None:
    """The text of pieces without placeholders, else ``None``."""
    if all(type(piece) is str for piece in pieces):
        return "".join(pieces)
    return None


def _join(pieces: tuple[Any, ...], values: Mapping[str, Any]) -> str:
    # PERF: a plain loop; a comprehension is a function call of its own.
    text = ""
    for piece in pieces:
        if type(piece) is str:
            text += piece
            continue
        value = values[piece[0]]
        # PERF: the base to_url gives ASCII letters and digits back as they
        # are, and two str methods say so faster than its call and regex.
        if piece[2] and type(value) is str and value.isascii() and value.isalnum():
            text += value
        else:
            url = piece[1].to_url(value)
            text += url if type(url) is str else _text(url, pieces.index(piece))
    return text


def _text(url: object, index: int) -> str:
    """The text of a converter's URL that is not exactly a ``str``, for the
    ``index``-th piece. A str subclass (markupsafe's Markup) gives its text,
    as in werkzeug's f-string, not its own "+", which would escape what
    follows; anything else fails as the compiled twin's join of the pieces
    fails, naming the piece (a placeholder's piece is unique: it holds its
    variable's name)."""
    if isinstance(url, str):
        return str.__str__(url)
    raise TypeError(f"sequence item {index}: expected str instance, {type(url).__name__} found")


class AdapterBase:
    """What a ``MapAdapter`` is bound to: the map and the request's host,
    script root, subdomain, scheme, path, method and query."""

    # PERF: in the compiled twin these are C fields, which match and build
    # read and bind_to_environ sets without a __dict__.
    __slots__ = (
        "default_method",
        "map",
        "path_info",
        "query_args",
        "script_name",
        "server_name",
        "subdomain",
        "url_scheme",
        "websocket",
    )


def match(
    adapter: Any,
    /,
    path_info: str | None = None,
    method: str | None = None,
    return_rule: bool = False,
    query_args: Mapping[str, Any] | str | None = None,
    websocket: bool | None = None,
) -> tuple[Any, Mapping[str, Any]]:
    """Match a path and method against the rules (``MapAdapter.match``).

    :param path_info: the path; the bound one if ``None``.
    :param method: the method; the bound default if ``None``.
    :param return_rule: return the :class:`Rule` instead of its endpoint.
    :param query_args: the query kept on redirects; the bound one if ``None``.
    :param websocket: match WebSocket rules; from the bound scheme if ``None``.
    :return: ``(endpoint, values)`` or ``(rule, values)``.
    :raises NotFound: no rule matches.
    :raises MethodNotAllowed: rules match the path, not the method; its
        ``valid_methods`` are theirs.
    :raises RequestRedirect: the URL is not canonical (slashes, defaults,
        aliases, ``redirect_to``); ``new_url`` says where to go.
    :raises WebsocketMismatch: only a rule of the other kind matches.
    """
    url_map = adapter.map
    # NOTE: the map keeps its host_matching, and whether it needs an update,
    # in its matcher.
    matcher = url_map._matcher
    if matcher.stale:
        url_map.update()
    if path_info is None:
        path_info = adapter.path_info
    method = (method or adapter.default_method).upper()
    if websocket is None:
        websocket = adapter.websocket
    if matcher.host_matching or adapter.subdomain is None:
        domain = adapter.server_name
    else:
        domain = adapter.subdomain
    path = f"/{path_info.lstrip('/')}" if path_info else ""
    status, found, extra = matcher.match(domain, path, method, websocket)
    if status == MATCHED:
        if found._may_redirect:
            target = adapter._redirect_for(found, extra, method, query_args, domain, path)
            if target is not None:
                raise RequestRedirect(target)
        return (found if return_rule else found.endpoint), extra
    if status == REDIRECT:
        raise RequestRedirect(adapter._slash_redirect(found, query_args))
    if found:
        raise MethodNotAllowed(valid_methods=list(found))
    if extra:
        raise WebsocketMismatch()
    raise NotFound()


class BuildEntry:
    """One rule of an endpoint, as ``partial_build`` tries it.

    It holds what ``Rule.suitable_for`` and ``Rule.build`` read, read once.

    :param rule: the rule.
    :param builder: its :class:`RuleBuilder`, or ``None`` to call the rule's
        own ``suitable_for`` and ``build`` (a subclass overrides them).
    """

    def __init__(self, rule: Any, builder: RuleBuilder | None) -> None:
        self._rule = rule
        self._builder = builder
        self._methods = rule.methods
        self._arguments = frozenset(rule.arguments)
        self._defaults = rule.defaults or None
        self.websocket = rule.websocket

    def suitable(self, values: Mapping[str, Any], method: str | None) -> bool:
        """``Rule.suitable_for``."""
        if method is not None and self._methods is not None and method not in self._methods:
            return False
        defaults = self._defaults
        if defaults is None:
            return self._arguments.issubset(values)
        for key in self._arguments:
            if key not in values and key not in defaults:
                return False
        return not any(key in values and value != values[key] for key, value in defaults.items())

    def build(self, values: Mapping[str, Any], method: str | None, append_unknown: bool) -> Any:
        """The rule's ``(domain part, path)``, or ``None`` if it does not fit."""
        if self._builder is None:
            if not self._rule.suitable_for(values, method):
                return None
            return self._rule.build(values, append_unknown)
        # PERF: a rule without defaults needs the method test and one more.
        if self._defaults is None:
            if method is not None and self._methods is not None and method not in self._methods:
                return None
            if not self._arguments.issubset(values):
                return None
        elif not self.suitable(values, method):
            return None
        # Every variable has a value or a default (filled in by the builder).
        return _rule_built(self._builder, values, append_unknown)


def partial_build(
    adapter: Any,
    endpoint: Any,
    values: Mapping[str, Any],
    method: str | None,
    append_unknown: bool,
) -> tuple[str, str, bool] | None:
    """The first buildable rule of an endpoint (``MapAdapter._partial_build``).

    :return: ``(domain part, path, websocket)`` of the first rule of
        ``endpoint`` that builds from ``values`` and serves ``method``
        (``None``: the bound default method first, then any); with host
        matching, a rule on the bound host is preferred.
    """
    url_map = adapter.map
    host = adapter.server_name if url_map._matcher.host_matching else None
    return _partial_build(adapter, host, _plan(url_map, endpoint), values, method, append_unknown)


def _plan(url_map: Any, endpoint: Any) -> tuple[BuildEntry, ...]:
    plan = url_map._matcher.plans.get(endpoint)
    if plan is None:
        plan = url_map._build_plan(endpoint)
    return plan  # type: ignore[no-any-return]


def _partial_build(
    adapter: Any,
    host: str | None,
    plan: tuple[BuildEntry, ...],
    values: Mapping[str, Any],
    method: str | None,
    append_unknown: bool,
) -> tuple[str, str, bool] | None:
    """What ``_first_built`` finds for the method, or for the bound default
    method first when the method is ``None``."""
    if method is None:
        found = _first_built(plan, values, adapter.default_method, append_unknown, host)
        if found is not None:
            return found
    return _first_built(plan, values, method, append_unknown, host)


def _first_built(
    plan: tuple[BuildEntry, ...],
    values: Mapping[str, Any],
    method: str | None,
    append_unknown: bool,
    host: str | None,
) -> tuple[str, str, bool] | None:
    """The first entry of ``plan`` built for ``method``; with a ``host``
    (host matching), the first on that host, else the first at all."""
    first = None
    for entry in plan:
        built = entry.build(values, method, append_unknown)
        if built is None:
            continue
        found = (built[0], built[1], entry.websocket)
        if host is None or found[0] == host:
            return found
        if first is None:
            first = found
    return first


def _given(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values as ``build`` takes them: no ``None`` values, and a
    ``MultiDict``'s repeated keys as lists. PERF: a plain dict without
    ``None`` values is returned as it is."""
    if not values:
        return {}
    if type(values) is dict:
        for value in values.values():
            if value is None:
                break
        else:
            return values
    elif isinstance(values, MultiDict):
        return {
            key: (items[0] if len(items) == 1 else items)
            for key, items in dict.items(values)
            if len(items) != 0
        }
    return {key: value for key, value in values.items() if value is not None}


def _kernel_values(
    values: Mapping[str, Any] | None, plan: tuple[BuildEntry, ...]
) -> dict[str, Any]:
    """The values as ``build`` takes them, for the plan's entries.

    NOTE: the caller's own dict may be read, never handed on to code that
    could change it (a rule's own ``suitable_for`` or ``build``).
    """
    given = _given(values)
    if given is values:
        for entry in plan:
            if entry._builder is None:
                return dict(given)
    return given


def build(
    adapter: Any,
    endpoint: Any,
    values: Mapping[str, Any] | None = None,
    method: str | None = None,
    force_external: bool = False,
    append_unknown: bool = True,
    url_scheme: str | None = None,
) -> str:
    """Build the URL of an endpoint from values (``MapAdapter.build``).

    The URL is relative (path only) unless it is on another host (or
    subdomain) or ``force_external``; WebSocket rules always give absolute
    ``ws``/``wss`` URLs. Values that fill no variable become the query string
    unless ``append_unknown`` is off; ``None`` values are ignored, and a
    :class:`~werkzeug.datastructures.MultiDict` gives lists for repeated keys.

    :param method: build a rule that serves this method.
    :param url_scheme: the scheme of an absolute URL; the bound one if ``None``.
    :raises BuildError: if no rule of the endpoint can be built.
    """
    url_map = adapter.map
    matcher = url_map._matcher
    host_matching = matcher.host_matching
    if matcher.stale:
        url_map.update()
    # PERF: with this module's _partial_build (not overridden, not set on the
    # instance), its work is done here, without the method call.
    if getattr(type(adapter), "_partial_build", None) is partial_build and "_partial_build" not in (
        getattr(adapter, "__dict__", None) or ()
    ):
        plan = _plan(url_map, endpoint)
        given = _kernel_values(values, plan)
        host = adapter.server_name if host_matching else None
        found = _partial_build(adapter, host, plan, given, method, append_unknown)
    else:
        given = _given(values)
        if given is values:
            given = dict(given)
        found = adapter._partial_build(endpoint, given, method, append_unknown)
    if found is None:
        # NOTE: the values _partial_build had, as werkzeug reports them.
        raise BuildError(endpoint, dict(given) if given is values else given, method, adapter)
    domain_part, path, websocket = found
    if url_scheme is None:
        url_scheme = adapter.url_scheme
    secure = url_scheme in {"https", "wss"}
    if websocket:
        force_external = True
        url_scheme = "wss" if secure else "ws"
    elif url_scheme:
        url_scheme = "https" if secure else "http"
    if not force_external and not host_matching and domain_part == adapter.subdomain:
        return f"{adapter.script_name.rstrip('/')}/{path.lstrip('/')}"
    host = adapter.get_host(domain_part)
    if not force_external and host_matching and host == adapter.server_name:
        return f"{adapter.script_name.rstrip('/')}/{path.lstrip('/')}"
    scheme = f"{url_scheme}:" if url_scheme else ""
    return f"{scheme}//{host}{adapter.script_name[:-1]}/{path.lstrip('/')}"


#: Requests' hosts as ``get_host`` reads them, by what it reads: a site is
#: asked for under a handful of names, and ``get_host`` is slow. Bounded, so
#: that requests with made-up Host headers cannot grow it without end.
_HOSTS: dict[tuple[Any, ...], str] = {}
_CACHE_SIZE = 256
_MAP: Any = None


def bind_to_environ(
    url_map: Any,
    environ: Any,
    server_name: str | None = None,
    subdomain: str | None = None,
) -> Any:
    """Like ``Map.bind``, with everything taken from a WSGI environ, or a
    request through its ``environ`` (``Map.bind_to_environ``).

    :param server_name: the configured server name; with it and no
        ``subdomain``, the subdomain is what the request's host has in
        front of it (``"<invalid>"``, with a warning, if the host does not
        end with it).
    :param subdomain: the current subdomain.
    :raises BadHost: if the host name is not valid IDNA.
    """
    # PERF: a dict has no .environ; asking would raise and catch inside getattr.
    env = environ if type(environ) is dict else getattr(environ, "environ", environ)
    assert isinstance(env, dict), (
        f"{type(environ).__name__!r} is not a WSGI environment (has to be a dict)"
    )
    scheme = env["wsgi.url_scheme"]
    wsgi_server_name = _request_host(env, scheme)
    if "HTTP_UPGRADE" in env and _wants_websocket(env):
        scheme = "wss" if scheme == "https" else "ws"
    if server_name is None:
        server_name = wsgi_server_name
        if subdomain is None and not url_map.host_matching:
            subdomain = ""  # the host is the server name: nothing in front
    else:
        server_name = _strip_default_port(server_name.lower(), scheme)
        if subdomain is None and not url_map.host_matching:
            subdomain = _subdomain_of(wsgi_server_name, server_name)
    # NOTE: werkzeug calls Map.bind by name, never an override of it.
    return _map_class().bind(
        url_map,
        server_name,
        _wsgi_text(env.get("SCRIPT_NAME")),
        subdomain,
        scheme,
        env["REQUEST_METHOD"],
        _wsgi_text(env.get("PATH_INFO")),
        query_args=_wsgi_text(env.get("QUERY_STRING")),
    )


def _map_class() -> Any:
    """tumbler's ``Map``. NOTE: imported on first use: it imports this module."""
    global _MAP
    if _MAP is None:
        from tumbler.routing.map import Map

        _MAP = Map
    return _MAP


def _request_host(env: Mapping[str, Any], scheme: str) -> str:
    """``get_host(env).lower()``, remembered."""
    header = env.get("HTTP_HOST")
    if header is not None:
        key: tuple[Any, ...] = (scheme, header)
    else:
        key = (scheme, None, env.get("SERVER_NAME"), env.get("SERVER_PORT"))
    host = _HOSTS.get(key)
    if host is None:
        host = get_host(env).lower()  # type: ignore[arg-type]
        if len(_HOSTS) >= _CACHE_SIZE:
            _HOSTS.clear()
        _HOSTS[key] = host
    return host


def _wsgi_text(value: str | None) -> str | None:
    """Undo WSGI's latin-1 transport of a UTF-8 value (bad bytes become U+FFFD)."""
    if value is None:
        return None
    # PERF: plain ASCII text is its own answer; anything else (bytes
    # included, which werkzeug refuses) goes the way werkzeug's does.
    if type(value) is str and value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def _wants_websocket(env: Mapping[str, Any]) -> bool:
    """Say whether the request asks to upgrade to a WebSocket."""
    connection = env.get("HTTP_CONNECTION", "").lower()
    return env.get("HTTP_UPGRADE", "").lower() == "websocket" and any(
        token.strip(" \t") == "upgrade" for token in connection.split(",")
    )


def _strip_default_port(server_name: str, scheme: str) -> str:
    """Drop ``:80`` (http, ws) or ``:443`` (https, wss), as ``get_host`` does."""
    if scheme in {"http", "ws"} and server_name.endswith(":80"):
        return server_name[:-3]
    if scheme in {"https", "wss"} and server_name.endswith(":443"):
        return server_name[:-4]
    return server_name


def _subdomain_of(host: str, server_name: str) -> str:
    """The part of ``host`` in front of ``server_name``, or ``"<invalid>"``
    (with a warning) if ``host`` does not end with it."""
    host_labels = host.split(".")
    server_labels = server_name.split(".")
    offset = -len(server_labels)
    if host_labels[offset:] != server_labels:
        # A request by IP address can do this on a valid set-up; the invalid
        # subdomain makes it a 404 rather than an error.
        warnings.warn(
            f"Current server name {host!r} doesn't match configured server name {server_name!r}",
            stacklevel=3,
        )
        return "<invalid>"
    return ".".join(filter(None, host_labels[:offset]))
