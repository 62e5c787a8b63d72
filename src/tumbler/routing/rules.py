"""Rules, the parts they are cut into for matching, and the rule factories.

A rule is cut at each ``/`` into parts, exactly as werkzeug cuts it: the same
part text (a regex for a dynamic part), the same flags and the same weights.
The matcher's answers come from that graph and its search order, so the graph
must be werkzeug's for the answers to be werkzeug's. What tumbler adds is a
*kind* per dynamic part: when a part is one built-in converter alone, the
matcher checks the segment directly instead of running the regex, and
``fast_kind`` below only picks a kind whose answer is provably the regex's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from string import Template
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlencode

from werkzeug.datastructures import iter_multi_items
from werkzeug.routing.rules import Rule as _WerkzeugRule

from .._speedups import matcher as kernel
from .converters import DEFAULT_CONVERTERS, BaseConverter, quote_segment
from .linear import SUFFIX, LinearPattern, compile_part, run_piece
from .parser import Placeholder, parse_converter_args, parse_rule

if TYPE_CHECKING:
    from .map import Map

__all__ = [
    "DuplicateVariableError",
    "EndpointPrefix",
    "ReservedNameError",
    "Rule",
    "RuleFactory",
    "RulePart",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "Weighting",
]


class Weighting(NamedTuple):
    """The order of a dynamic part among its siblings; lower is tried first.

    More static text first, then fewer converters, then lighter converters.
    """

    number_static_weights: int
    static_weights: tuple[tuple[int, int], ...]
    number_argument_weights: int
    argument_weights: tuple[Any, ...]


_NO_WEIGHT = Weighting(0, (), 0, ())


def _group(index: int) -> str:
    """The regex group name of a part's ``index``-th converter (werkzeug's)."""
    return f"__werkzeug_{index}"


_LENGTHS = re.compile(r"\[\^/\]\{(\d+)(,(\d*))?\}")
_UUID = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
_PATH = "[^/].*?"
_EXACT_KINDS = {
    r"[^/]+": (kernel.KIND_SEGMENT, (1, -1)),
    r"\d+": (kernel.KIND_DIGITS, False),
    r"-?\d+": (kernel.KIND_DIGITS, True),
    r"\d+\.\d+": (kernel.KIND_FLOAT, False),
    r"-?\d+\.\d+": (kernel.KIND_FLOAT, True),
    _UUID: (kernel.KIND_UUID, None),
}
#: The most a length bound may be and still be read as a number by the kernel.
_MAX_LENGTH = 2**31 - 1


def _choices(regex: str) -> tuple[str, ...] | None:
    """Read ``(?:a|b|c)`` made by ``re.escape`` back into its choices, in
    order.

    The reading is checked by escaping the choices again, so a regex that is
    anything more than an alternation of literals gives ``None``.
    """
    if not (regex.startswith("(?:") and regex.endswith(")")):
        return None
    body = regex[3:-1]
    choices = []
    current: list[str] = []
    escaped = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            choices.append("".join(current))
            current = []
        else:
            current.append(char)
    choices.append("".join(current))
    if escaped or "(?:" + "|".join(re.escape(c) for c in choices) + ")" != regex:
        return None
    return tuple(choices)


def fast_kind(regex: str, final: bool) -> tuple[int, Any]:
    """Say how the matcher may test a part made of one converter with this
    ``regex`` alone, and with what argument.

    ``KIND_REGEX`` means "run the regex". Every other kind is a direct check
    that accepts exactly the strings the anchored regex accepts; for example
    ``\\d`` is any Unicode decimal digit, which is what ``str.isdecimal`` tests.
    """
    if final:
        return (kernel.KIND_REST, None) if regex == _PATH else (kernel.KIND_REGEX, None)
    kind, argument = _segment_kind(regex)
    if kind == kernel.KIND_CHOICE:
        return kind, frozenset(argument)
    return kind, argument


def _segment_kind(regex: str) -> tuple[int, Any]:
    """``fast_kind`` of a part that is not final, but an ``any`` converter's
    choices in their order (which ``linear`` needs, and the matcher does not)."""
    exact = _EXACT_KINDS.get(regex)
    if exact is not None:
        return exact
    lengths = _LENGTHS.fullmatch(regex)
    if lengths is not None:
        low = int(lengths.group(1))
        if lengths.group(2) is None:
            high = low
        else:
            high = int(lengths.group(3)) if lengths.group(3) else -1
        if low <= _MAX_LENGTH and high <= _MAX_LENGTH and (high == -1 or low <= high):
            return kernel.KIND_SEGMENT, (low, high)
        return kernel.KIND_REGEX, None
    choices = _choices(regex)
    if choices is not None:
        return kernel.KIND_CHOICE, choices
    return kernel.KIND_REGEX, None


def _piece(regex: str) -> Any:
    """A converter's piece for ``linear.compile_part`` when its ``regex`` is
    one that werkzeug's converters make or one character's test repeated
    (see ``linear.run_piece``), else ``None``."""
    if regex == _PATH:
        return kernel.KIND_REST, None
    kind, argument = _segment_kind(regex)
    if kind == kernel.KIND_UUID:
        return kind, re.compile(regex)
    return run_piece(regex) if kind == kernel.KIND_REGEX else (kind, argument)


class RulePart:
    """One ``/``-delimited part of a rule, as the matcher sees it.

    :param content: the static text, or the part's regex (anchored with ``\\Z``).
    :param final: the part matches the whole rest of the path (a converter in
        it can match ``/``).
    :param static: the part is plain text.
    :param suffixed: a final part whose rule ends in ``/``; its last regex group
        captures that slash, for the strict-slash redirect.
    :param weight: the part's :class:`Weighting`; it orders dynamic parts only,
        so static parts all carry the empty one.
    :param regex: the single converter's regex when the part is that converter
        alone, else ``None``; it lets the matcher pick a fast check.
    :param converters: how many converters the part holds.
    :param pieces: the part's text and converters, for ``linear.compile_part``.

    Two parts are equal (and share a matcher state) when content, flags and
    weight are equal, as in werkzeug.
    """

    __slots__ = (
        "_key",
        "argument",
        "content",
        "final",
        "groups",
        "kind",
        "pattern",
        "static",
        "suffixed",
        "weight",
    )

    def __init__(
        self,
        content: str,
        final: bool,
        static: bool,
        suffixed: bool,
        weight: Weighting,
        regex: str | None = None,
        converters: int = 0,
        pieces: list[Any] | None = None,
    ) -> None:
        self.content = content
        self.final = final
        self.static = static
        self.suffixed = suffixed
        self.weight = weight
        self._key: tuple[str, bool, bool, bool, Weighting] | None = None
        #: How the matcher tests the part, and the test's argument.
        self.kind, self.argument = kernel.KIND_REGEX, None
        #: The compiled regex, for the parts that need one; a LinearPattern
        #: of it where ``re`` could take more than linear time (see ``linear``).
        self.pattern: re.Pattern[str] | LinearPattern | None = None
        #: The regex group names of the converters, in order.
        self.groups: tuple[str, ...] = ()
        if static:
            return
        # PERF: a dynamic part's key is made once: the matcher compares keys
        # for every dynamic part it adds, and its edges keep them. A static
        # part's is made when asked (the matcher files those by content);
        # kept, it would be one more object per part for the cycle collector.
        self._key = self.key()
        self.groups = tuple(_group(index) for index in range(converters))
        if regex is not None and not suffixed:
            self.kind, self.argument = fast_kind(regex, final)
        if self.kind == kernel.KIND_REGEX:
            self.pattern = compile_part(content, pieces)

    def key(self) -> tuple[str, bool, bool, bool, Weighting]:
        """What makes two parts the same part."""
        return self._key or (self.content, self.final, self.static, self.suffixed, self.weight)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RulePart) and self.key() == other.key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"RulePart(content={self.content!r}, final={self.final}, static={self.static},"
            f" suffixed={self.suffixed}, weight={self.weight!r})"
        )


class DuplicateVariableError(SyntaxError, ValueError):
    """A rule names one variable twice (in its path, or its path and domain)
    and no default fills it, or gives two defaults whose names are one string.

    It is a ``ValueError``, as a bad rule should be, and a ``SyntaxError``,
    which is what werkzeug raises for it (from the builder function it
    generates, which would get two parameters of one name).
    """


class ReservedNameError(SyntaxError, ValueError):
    """A rule's variable or default is named ``__debug__`` (which Python
    refuses as a parameter), ``.self`` or ``.kwargs`` (which werkzeug's
    builder function takes for itself); werkzeug raises ``SyntaxError``.
    """


class RuleFactory:
    """Something that gives rules to a map: a :class:`Rule` gives itself,
    and the factories below give changed copies of the rules they wrap.
    Subclass it and override :meth:`get_rules` for your own."""

    def get_rules(self, map: Map) -> Iterable[Rule]:
        """Return the rules to add to ``map``."""
        raise NotImplementedError()


class Subdomain(RuleFactory):
    """Put every wrapped rule on a subdomain rule, such as ``"<lang>"``.

    :param subdomain: the subdomain, in rule syntax.
    :param rules: the rules and factories to wrap.
    """

    def __init__(self, subdomain: str, rules: Iterable[RuleFactory]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.subdomain = self.subdomain
                yield rule


class Submount(RuleFactory):
    """Prefix every wrapped rule's path, such as ``Submount("/blog", [...])``.

    :param path: the prefix; a trailing slash is dropped.
    :param rules: the rules and factories to wrap.
    """

    def __init__(self, path: str, rules: Iterable[RuleFactory]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.rule = self.path + rule.rule
                yield rule


class EndpointPrefix(RuleFactory):
    """Prefix every wrapped rule's (string) endpoint.

    :param prefix: the text put before each endpoint.
    :param rules: the rules and factories to wrap.
    """

    def __init__(self, prefix: str, rules: Iterable[RuleFactory]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.endpoint = self.prefix + rule.endpoint
                yield rule


class RuleTemplate:
    """Rules with ``$placeholders`` (``string.Template`` syntax) in their
    path, endpoint, subdomain and string defaults; calling the template with
    values gives a factory of filled-in rules.

    :param rules: the template's rules.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: Any, **kwargs: Any) -> RuleTemplateFactory:
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """The factory a :class:`RuleTemplate` gives: its rules, filled in.

    :param rules: the template's rules.
    :param context: the values for the placeholders.
    """

    def __init__(self, rules: Iterable[RuleFactory], context: dict[str, Any]) -> None:
        self.rules = rules
        self.context = context

    def _fill(self, text: str) -> str:
        return Template(text).substitute(self.context)

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                defaults = None
                if rule.defaults:
                    defaults = {
                        key: self._fill(value) if isinstance(value, str) else value
                        for key, value in rule.defaults.items()
                    }
                subdomain = None if rule.subdomain is None else self._fill(rule.subdomain)
                endpoint = rule.endpoint
                if isinstance(endpoint, str):
                    endpoint = self._fill(endpoint)
                yield Rule(
                    self._fill(rule.rule),
                    defaults,
                    subdomain,
                    rule.methods,
                    rule.build_only,
                    endpoint,
                    rule.strict_slashes,
                )


_SLASH = (False, "/")
_BAR = (False, "|")
_KEPT_SLASH = object()

#: What a map's rules share: a static part by its text, a dynamic part by its
#: ``key()``, a trace entry ``(dynamic, text)`` and the tuple of ``(name,
#: to_python)`` pairs the matcher is given (``Map.add``) by themselves. Equal
#: parts are interchangeable (the matcher merges them into one state anyway),
#: and none of these is changed once made.
#: PERF: a map of many rules would otherwise keep one object per segment of
#: every rule alive, and each full collection of the cyclic GC walks them all;
#: and every new object moves the GC nearer to its next collection.
SharedPieces = dict[Any, Any]
_Piece = TypeVar("_Piece")


def _static_part(shared: SharedPieces, content: str) -> RulePart:
    """The static part of ``content``, from ``shared`` or made and put there."""
    part: RulePart | None = shared.get(content)
    if part is None:
        part = shared[content] = RulePart(content, False, True, False, _NO_WEIGHT)
    return part


def share(shared: SharedPieces, piece: _Piece) -> _Piece:
    """The piece equal to ``piece`` in ``shared``, or ``piece``, put there.

    NOTE: a piece holding something that cannot be hashed (a custom
    converter's ``to_python`` may be such a thing) is its own.
    """
    try:
        return shared.setdefault(piece, piece)  # type: ignore[no-any-return]
    except TypeError:
        return piece


def _rule_part(tokens: list[Any], final: bool, shared: SharedPieces) -> RulePart:
    """The dynamic part made of ``tokens`` (see ``Rule._parse_rule``, a
    converter is among them), as werkzeug makes it: a regex of the escaped
    text and one named group per converter, anchored, with its weight. An
    equal part already in ``shared`` is returned instead of a new one.
    """
    content = ""
    static_weights: list[tuple[int, int]] = []
    argument_weights: list[Any] = []
    regex = None
    for token in tokens:
        if token is _KEPT_SLASH:
            content += "/"
        elif type(token) is str:
            static_weights.append((len(static_weights), -len(token)))
            content += re.escape(token)
        else:
            regex = token[1].regex
            content += f"(?P<{_group(len(argument_weights))}>{regex})"
            argument_weights.append(token[1].weight)
    suffixed = final and tokens[-1] is _KEPT_SLASH
    if suffixed:
        content = content[:-1] + "(?<!/)(/?)"
    weight = Weighting(
        -len(static_weights), tuple(static_weights), -len(argument_weights), tuple(argument_weights)
    )
    content += r"\Z"
    key: tuple[Any, ...] | None = (content, final, False, suffixed, weight)
    try:
        part = shared.get(key)
    except TypeError:
        # NOTE: a custom converter's weight need only be comparable (werkzeug
        # sorts by it); an unhashable one gives a part of its own.
        key = part = None
    if part is None:
        alone = regex if len(argument_weights) == 1 and not static_weights else None
        # A part of one converter is matched by re in linear time.
        pieces = _pieces(tokens, suffixed) if len(argument_weights) > 1 else None
        part = RulePart(
            content, final, False, suffixed, weight, alone, len(argument_weights), pieces
        )
        if key is not None:
            shared[key] = part
    return part


def _pieces(tokens: list[Any], suffixed: bool) -> list[Any] | None:
    """The part of ``tokens`` as ``linear.compile_part`` takes it, or
    ``None`` when a converter's regex is not one it knows."""
    pieces: list[Any] = []
    for token in tokens:
        if token is _KEPT_SLASH or type(token) is str:
            pieces.append("/" if token is _KEPT_SLASH else token)
            continue
        piece = _piece(token[1].regex)
        if piece is None:
            return None
        pieces.append(piece)
    if suffixed:
        pieces[-1] = SUFFIX
    return pieces


#: The converter classes of which a map makes one instance for all its
#: placeholders without arguments (werkzeug makes one per placeholder): the
#: built-in ones, whose instances hold nothing but the map and what the
#: arguments set, and change nothing after they are made, so that sharing one
#: cannot change an answer. PERF: one object per placeholder fewer to make,
#: and to keep for the cycle collector to walk.
_SHAREABLE_CONVERTERS = frozenset(DEFAULT_CONVERTERS.values())
_SLASHES = re.compile("/{2,}")
_CONSTANT_NAMES = frozenset({"None", "True", "False"})
#: Names a werkzeug builder's parameters cannot take: its own two, and one
#: Python refuses (see Rule._check_names).
_RESERVED_NAMES = frozenset({".self", ".kwargs", "__debug__"})


def merge_slashes(path: str) -> str:
    """Collapse each run of slashes in ``path`` into one."""
    # PERF: most paths have no run to collapse; finding none is cheaper than
    # the substitution.
    return _SLASHES.sub("/", path) if "//" in path else path


class Rule(RuleFactory):
    """One URL pattern and what it leads to; every option is werkzeug's.

    :param string: the rule, such as ``/user/<int:id>``; it must start with
        ``/``. A rule ending in ``/`` is a branch: with strict slashes, a
        request without the slash is redirected to it.
    :param defaults: values for the view that the URL does not carry; rules
        of one endpoint with defaults make canonical URLs (see
        ``Map.redirect_defaults``).
    :param subdomain: the subdomain rule; ``None`` takes the map's default.
    :param methods: the HTTP methods served (``HEAD`` comes with ``GET``);
        ``None`` serves every method.
    :param build_only: never match; only build URLs.
    :param endpoint: what a match returns, and what ``build`` is asked for.
    :param strict_slashes: override ``Map.strict_slashes`` for this rule.
    :param merge_slashes: override ``Map.merge_slashes`` for this rule.
    :param redirect_to: redirect a match here: a rule-syntax string filled
        with the matched values, or ``callable(adapter, **values)``.
    :param alias: this rule is an alias of another rule of its endpoint, and
        matching it redirects to the canonical URL.
    :param host: the host rule, used when the map matches hosts.
    :param websocket: match only WebSocket requests.
    """

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: Any | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule '{string}' must start with a slash.")
        self.rule = string
        self.is_leaf = not string.endswith("/")
        self.is_branch = string.endswith("/")
        self.map: Map = None  # type: ignore[assignment]
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.host = host
        self.defaults = defaults
        self.build_only = build_only
        self.alias = alias
        self.websocket = websocket
        method_set: set[str] | None = None
        if methods is not None:
            if isinstance(methods, str):
                raise TypeError("'methods' should be a list of strings.")
            method_set = {method.upper() for method in methods}
            if "GET" in method_set:
                method_set.add("HEAD")
            if websocket and method_set - {"GET", "HEAD", "OPTIONS"}:
                raise ValueError(
                    "WebSocket rules can only use 'GET', 'HEAD', and 'OPTIONS' methods."
                )
        self.methods = method_set
        self.endpoint: Any = endpoint
        self.redirect_to = redirect_to
        self.arguments = set(map(str, defaults)) if defaults else set()
        self._converters: dict[str, BaseConverter] = {}
        self._trace: list[tuple[bool, str]] = []
        self._parts: list[RulePart] = []
        self._builder: Any = None
        #: Whether a match of this rule may redirect (set by ``Map.update``).
        self._may_redirect = True

    def empty(self) -> Rule:
        """Return an unbound copy of this rule, to add to another map.
        Override :meth:`get_empty_kwargs` if a subclass takes more arguments."""
        return type(self)(self.rule, **self.get_empty_kwargs())

    def get_empty_kwargs(self) -> Mapping[str, Any]:
        """The keyword arguments :meth:`empty` makes its copy with."""
        return {
            "defaults": dict(self.defaults) if self.defaults else None,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
        }

    def get_rules(self, map: Map) -> Iterator[Rule]:
        yield self

    def refresh(self) -> None:
        """Bind again after the rule was changed in place.

        :internal:
        """
        self.bind(self.map, rebind=True)

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Attach the rule to ``map``, take the map's defaults for the options
        left unset, and compile the rule.

        :internal:
        :raises TypeError: if ``map`` is not tumbler's (werkzeug's, say),
            whose matcher could not read the compiled rule.
        """
        if not hasattr(map, "_shared_pieces"):
            kind = type(map)
            raise TypeError(
                f"url rule {self.rule!r} is tumbler's and binds only to a tumbler.routing.Map,"
                f" not to a {kind.__module__}.{kind.__qualname__} (with Flask, set"
                " url_map_class = tumbler.routing.Map beside url_rule_class)"
            )
        if self.map is not None and not rebind:
            raise RuntimeError(f"url rule {self!r} already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        self.compile()

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> BaseConverter:
        """Make the converter a placeholder names, from the map's converters.

        :raises LookupError: if the map has no converter of that name.
        """
        if converter_name not in self.map.converters:
            raise LookupError(f"the converter {converter_name!r} does not exist")
        # NOTE: werkzeug's converters type their map as werkzeug's; they only keep it.
        return self.map.converters[converter_name](self.map, *args, **kwargs)  # type: ignore[arg-type]

    def _encode_query_vars(self, query_vars: Mapping[str, Any]) -> str:
        items: Iterable[tuple[str, Any]] = iter_multi_items(query_vars)
        if self.map.sort_parameters:
            items = sorted(items, key=self.map.sort_key)
        return encode_query(items)

    def _make_converter(self, placeholder: Placeholder) -> BaseConverter:
        name = placeholder.converter or "default"
        if not placeholder.arguments and type(self).get_converter is Rule.get_converter:
            # PERF: see _SHAREABLE_CONVERTERS. Not where get_converter is
            # overridden: the override may change the converter it is given.
            converter_class = self.map.converters.get(name)
            if converter_class in _SHAREABLE_CONVERTERS:
                shared = self.map._shared_converters
                converter = shared.get(converter_class)
                if converter is None:
                    converter = converter_class(self.map)  # type: ignore[arg-type]
                    shared[converter_class] = converter
                return converter
        # PERF: most placeholders have no arguments to read ("" reads as none).
        args, kwargs = (
            parse_converter_args(placeholder.arguments) if placeholder.arguments else ((), {})
        )
        try:
            return self.get_converter(placeholder.variable, name, args, kwargs)
        except TypeError as exc:
            raise TypeError(
                f"bad arguments for the converter of <{placeholder.variable}>"
                f" in {self.rule!r}: {exc}"
            ) from exc

    def _parse_rule(self, rule: str) -> list[RulePart]:
        """Cut ``rule`` into parts, recording the trace (for building and
        equality) and the converters as it goes."""
        shared = self.map._shared_pieces
        if "<" not in rule:
            # PERF: placeholder-free text (most rules, most domains) is its
            # segments; start-up time is dominated by this.
            return self._parse_static(rule, shared)
        parts: list[RulePart] = []
        trace = self._trace
        # The tokens of the part being read: static text, (variable,
        # converter) pairs, and _KEPT_SLASH for a slash inside a final part;
        # whether a converter is among them. PERF: the part of no converter
        # is its one text token, or none, and is made as it is.
        tokens: list[Any] = []
        dynamic = False
        final = False
        for token in parse_rule(rule):
            if token == "/":
                trace.append(_SLASH)
                if final:
                    tokens.append(_KEPT_SLASH)
                    continue
                if dynamic:
                    parts.append(_rule_part(tokens, False, shared))
                    dynamic = False
                else:
                    parts.append(_static_part(shared, tokens[0] if tokens else ""))
                tokens.clear()
            elif isinstance(token, str):
                trace.append(share(shared, (False, token)))
                tokens.append(token)
            else:
                converter = self._make_converter(token)
                self._converters[token.variable] = converter
                self.arguments.add(token.variable)
                final = final or not converter.part_isolating
                tokens.append((token.variable, converter))
                trace.append(share(shared, (True, token.variable)))
                dynamic = True
        if not dynamic:
            parts.append(_static_part(shared, tokens[0] if tokens else ""))
            return parts
        last = _rule_part(tokens, final, shared)
        parts.append(last)
        if last.suffixed:
            parts.append(_static_part(shared, ""))
        return parts

    def _parse_static(self, rule: str, shared: SharedPieces) -> list[RulePart]:
        """``_parse_rule`` for text without placeholders: one static part per
        segment."""
        trace = self._trace
        segments = rule.split("/")
        for index, segment in enumerate(segments):
            if index:
                trace.append(_SLASH)
            if segment:
                trace.append(share(shared, (False, segment)))
        return [_static_part(shared, segment) for segment in segments]

    def compile(self) -> None:
        """Cut the rule into parts and prepare its builder."""
        assert self.map is not None, "rule not bound"
        domain = (self.host if self.map.host_matching else self.subdomain) or ""
        # PERF: the first compile fills the lists made in __init__: replaced,
        # each would be one more new object per rule for the cycle collector
        # to take through its generations. A compile again starts new ones.
        if self._trace:
            self._trace = []
        if self._parts:
            self._parts = []
        self._converters = {}
        path = merge_slashes(self.rule) if self.merge_slashes else self.rule
        try:
            if domain == "":
                self._parts.append(_static_part(self.map._shared_pieces, ""))
            else:
                self._parts.extend(self._parse_rule(domain))
            self._trace.append(_BAR)
            self._parts.extend(self._parse_rule(path))
        except re.error as exc:
            # NOTE: werkzeug compiles a part's regex when a match first reaches
            # it; tumbler compiles it now, so a bad one fails here, named.
            raise ValueError(f"URL rule {self.rule!r} makes an invalid regex: {exc}") from exc
        # PERF: made on the first build; a map is ready to match without it.
        # Unless a default fills a placeholder, or the text is not ASCII: the
        # builder is made now, as werkzeug makes its own, so that a bad
        # default's to_url, or static text that UTF-8 cannot encode (a lone
        # surrogate), fails here, when the rule is added, and before the
        # names' checks, as in werkzeug.
        self._builder = None
        if (self.defaults and not self._converters.keys().isdisjoint(self.defaults)) or not (
            path.isascii() and domain.isascii()
        ):
            self._make_builder()
        if self._converters or self.defaults:  # PERF: no name, nothing to check
            self._check_names()

    def _check_names(self) -> None:
        """Refuse the rules werkzeug cannot build. werkzeug makes each rule a
        builder function whose parameters are ``.self``, the variables no
        default fills, the defaults' names (as ``str``) and ``.kwargs``; where
        Python will not compile that function, werkzeug's ``Map.add`` fails,
        and so does tumbler's. A variable a default fills is constant text
        there, so it may be named twice, or ``None``.

        :raises ValueError: naming the rule and the name: a variable no
            default fills that is named ``None``, ``True`` or ``False``;
            :class:`DuplicateVariableError` for a name given twice;
            :class:`ReservedNameError` for ``__debug__``, ``.self`` or
            ``.kwargs``. Checked in that order, as werkzeug's compile does.
        """
        defaults = self.defaults or {}
        free = [name for dynamic, name in self._trace if dynamic and name not in defaults]
        for name in free:
            if name in _CONSTANT_NAMES:
                raise ValueError(f"URL rule {self.rule!r}: a variable cannot be named {name!r}")
        seen: set[str] = set()
        for name in free:
            if name in seen:
                raise DuplicateVariableError(
                    f"URL rule {self.rule!r} uses the variable {name!r} twice"
                )
            seen.add(name)
        for name in map(str, defaults):
            if name in seen:
                raise DuplicateVariableError(
                    f"URL rule {self.rule!r} has two defaults named {name!r}"
                )
            seen.add(name)
        reserved = sorted(seen & _RESERVED_NAMES)
        if reserved:
            raise ReservedNameError(
                f"URL rule {self.rule!r}: a variable or default cannot be named {reserved[0]!r}"
            )

    def _make_builder(self) -> Any:
        """Turn the trace into the kernel's builder (made once): the quoted
        static pieces, the converted placeholders (defaults filled in now),
        the argument names the rule consumes."""
        if self._builder is not None:
            return self._builder
        defaults = self.defaults or {}
        pieces: tuple[list[Any], list[Any]] = ([], [])
        side = 0
        for dynamic, data in self._trace:
            if data == "|" and side == 0 and not dynamic:
                side = 1
                continue
            if dynamic and data in defaults:
                piece: Any = self._converters[data].to_url(defaults[data])
            elif dynamic:
                piece = (data, self._converters[data])
            else:
                piece = quote_segment(data)
            # Adjacent static pieces are joined now, not per build.
            if isinstance(piece, str) and pieces[side] and isinstance(pieces[side][-1], str):
                pieces[side][-1] += piece
            else:
                pieces[side].append(piece)
        required = [data for dynamic, data in self._trace if dynamic and data not in defaults]
        consumed = frozenset(required) | frozenset(str(key) for key in defaults)
        self._builder = self.map._kernel.RuleBuilder(
            tuple(pieces[0]), tuple(pieces[1]), tuple(required), consumed, self._encode_query_vars
        )
        return self._builder

    def build(
        self, values: Mapping[str, Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """Assemble ``(domain part, path)`` from ``values``; ``None`` if a
        converter refuses a value with ``ValidationError``.

        :internal:
        """
        return self._make_builder().build(values, append_unknown)  # type: ignore[no-any-return]

    def provides_defaults_for(self, rule: Rule) -> bool:
        """Say whether this rule holds the defaults that make ``rule``'s URLs
        canonical.

        :internal:
        """
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self != rule
            and self.arguments == rule.arguments
        )

    def suitable_for(self, values: Mapping[str, Any], method: str | None = None) -> bool:
        """Say whether ``values`` (and ``method``) are enough to build this rule.

        :internal:
        """
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        defaults = self.defaults or ()
        for key in self.arguments:
            if key not in defaults and key not in values:
                return False
        if defaults:
            for key, value in defaults.items():
                if key in values and value != values[key]:
                    return False
        return True

    def build_compare_key(self) -> tuple[int, int, int]:
        """The order of an endpoint's rules when building: canonical before
        alias, more arguments first, then more defaults.

        :internal:
        """
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._trace == other._trace

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        if self.map is None:
            return f"<{type(self).__name__} (unbound)>"
        text = "".join(f"<{data}>" if dynamic else data for dynamic, data in self._trace)
        methods = f" ({', '.join(self.methods)})" if self.methods is not None else ""
        return f"<{type(self).__name__} {text.lstrip('|')!r}{methods} -> {self.endpoint}>"


#: What may stay unquoted in a query string (the WHATWG percent-encode set's
#: complement that werkzeug uses).
QUERY_SAFE = "!$'()*,/:;?@"


def as_tumbler_rule(rule: Any) -> Rule:
    """``rule`` itself if it is tumbler's, else a tumbler rule made from
    werkzeug's ``Rule`` with every option it was given and every attribute
    set on it since. Flask apps add werkzeug's rules to ``app.url_map``
    themselves (``url_map.add(Rule("/", endpoint="index"))`` with
    ``@app.endpoint``, as Flask's docs show), and Flask makes werkzeug's
    rules unless ``url_rule_class`` is set; a tumbler map matches only rules
    compiled for its matcher. It holds the copy; werkzeug's rule stays
    unbound.

    :raises TypeError: for anything else, a subclass of werkzeug's ``Rule``
        included, whose overrides a copy would drop.
    :raises RuntimeError: if werkzeug's rule is bound to a map already, as
        werkzeug's own ``Map.add`` raises.
    """
    if isinstance(rule, Rule):
        return rule
    if type(rule) is not _WerkzeugRule:
        kind = type(rule)
        raise TypeError(
            f"a tumbler.routing.Map takes tumbler.routing rules (or werkzeug's Rule"
            f" itself), not a {kind.__module__}.{kind.__qualname__}: subclass"
            " tumbler.routing.Rule instead (with Flask, set url_rule_class ="
            " tumbler.routing.Rule beside url_map_class)"
        )
    if rule.map is not None:
        raise RuntimeError(f"url rule {rule!r} already bound to map {rule.map!r}")
    copied = Rule(
        rule.rule,
        defaults=rule.defaults,
        subdomain=rule.subdomain,
        methods=rule.methods,
        build_only=rule.build_only,
        endpoint=rule.endpoint,
        strict_slashes=rule.strict_slashes,
        merge_slashes=rule.merge_slashes,
        redirect_to=rule.redirect_to,
        alias=rule.alias,
        host=rule.host,
        websocket=rule.websocket,
    )
    # NOTE: werkzeug's set itself, not one made again from it: a 405's
    # Allow header lists the methods in the set's order.
    copied.methods = rule.methods
    # What was set on werkzeug's rule besides its own fields comes along:
    # Flask sets provide_automatic_options on each rule it makes, and
    # answers OPTIONS by it.
    for name, value in vars(rule).items():
        if name not in _WERKZEUG_RULE_FIELDS:
            setattr(copied, name, value)
    return copied


#: The attributes werkzeug's ``Rule`` gives itself (see ``as_tumbler_rule``).
_WERKZEUG_RULE_FIELDS = frozenset(vars(_WerkzeugRule("/")))


def encode_query(query: Mapping[str, Any] | Iterable[tuple[Any, Any]]) -> str:
    """Encode a query as werkzeug does: a list, tuple or set value gives one
    item per element, ``None`` values are dropped, spaces become ``+``."""
    items = [item for item in iter_multi_items(query) if item[1] is not None]
    return urlencode(items, safe=QUERY_SAFE)
