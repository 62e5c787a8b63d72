# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of ``tumbler._speedups.matcher_py``: the routing state
machine and the per-rule URL builder. ``matcher_py`` holds the documentation;
the search here is the same, step for step.

PERF: states, edges and rule entries are C structs behind cdef classes; the
path is split once and walked by index; matched texts go on one list that is
truncated on backtracking; the built-in converters' checks are C loops over
the string's characters; a miss is a return code, not an exception.
"""

import re

from cpython.unicode cimport (
    Py_UNICODE_ISDECIMAL,
    PyUnicode_FindChar,
    PyUnicode_GET_LENGTH,
    PyUnicode_READ_CHAR,
)

from werkzeug.routing.converters import ValidationError

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
    "RuleBuilder",
    "StateMachine",
]

cdef enum:
    _REGEX = 0
    _SEGMENT = 1
    _DIGITS = 2
    _FLOAT = 3
    _UUID = 4
    _CHOICE = 5
    _REST = 6

KIND_REGEX = _REGEX
KIND_SEGMENT = _SEGMENT
KIND_DIGITS = _DIGITS
KIND_FLOAT = _FLOAT
KIND_UUID = _UUID
KIND_CHOICE = _CHOICE
KIND_REST = _REST

MATCHED = 0
REDIRECT = 1
NO_MATCH = 2

# What _Search.run says: nothing here, a rule found, or a slash redirect.
cdef enum:
    _MISS = 0
    _FOUND = 1
    _SLASH = 2

_SLASHES = re.compile("/{2,}")


cdef class _Entry:
    cdef object rule
    cdef object methods
    cdef bint websocket
    cdef bint strict_slashes
    cdef tuple converters
    cdef dict defaults

    def __init__(self, rule, converters):
        self.rule = rule
        self.methods = None if rule.methods is None else frozenset(rule.methods)
        self.websocket = bool(rule.websocket)
        self.strict_slashes = bool(rule.strict_slashes)
        self.converters = tuple(converters)
        self.defaults = dict(rule.defaults) if rule.defaults else None

    cdef inline bint fits(self, str method, bint websocket):
        return (self.methods is None or method in self.methods) and self.websocket == websocket


cdef class _State:
    cdef dict static
    cdef list dynamic
    cdef list rules

    def __init__(self):
        self.static = {}
        self.dynamic = []
        self.rules = []


cdef class _Edge:
    """A dynamic part and the state it leads to, with the part's test
    unpacked into C fields."""

    cdef object part
    cdef object key
    cdef _State target
    cdef int kind
    cdef bint final
    cdef bint suffixed
    cdef Py_ssize_t low
    cdef Py_ssize_t high
    cdef bint signed
    cdef object choices
    cdef object pattern
    cdef tuple groups

    def __init__(self, part, _State target):
        self.part = part
        self.key = part.key()
        self.target = target
        self.kind = part.kind
        self.final = part.final
        self.suffixed = part.suffixed
        self.low = 0
        self.high = -1
        self.signed = False
        if self.kind == _SEGMENT:
            self.low, self.high = part.argument
        elif self.kind == _DIGITS or self.kind == _FLOAT:
            self.signed = part.argument
        elif self.kind == _CHOICE:
            self.choices = part.argument
        self.pattern = part.pattern
        self.groups = part.groups

    cdef bint _accepts(self, str target) except -1:
        """The direct checks of the built-in kinds (not ``_REGEX``)."""
        cdef Py_ssize_t size = PyUnicode_GET_LENGTH(target)
        cdef Py_ssize_t index = 0
        cdef Py_ssize_t digits
        cdef Py_UCS4 char
        if self.kind == _SEGMENT:
            if size < self.low or (self.high >= 0 and size > self.high):
                return False
            return PyUnicode_FindChar(target, u"/", 0, size, 1) == -1
        if self.kind == _CHOICE:
            return target in self.choices
        if self.kind == _REST:
            if size == 0 or PyUnicode_READ_CHAR(target, 0) == u"/":
                return False
            return PyUnicode_FindChar(target, u"\n", 1, size, 1) == -1
        if self.kind == _UUID:
            if size != 36:
                return False
            for index in range(36):
                char = PyUnicode_READ_CHAR(target, index)
                if index == 8 or index == 13 or index == 18 or index == 23:
                    if char != u"-":
                        return False
                elif not (
                    u"0" <= char <= u"9" or u"a" <= char <= u"f" or u"A" <= char <= u"F"
                ):
                    return False
            return True
        # _DIGITS and _FLOAT: [-]digits[.digits]
        if self.signed and size > 0 and PyUnicode_READ_CHAR(target, 0) == u"-":
            index = 1
        digits = 0
        while index < size and Py_UNICODE_ISDECIMAL(PyUnicode_READ_CHAR(target, index)):
            index += 1
            digits += 1
        if digits == 0:
            return False
        if self.kind == _DIGITS:
            return index == size
        if index == size or PyUnicode_READ_CHAR(target, index) != u".":
            return False
        index += 1
        digits = 0
        while index < size and Py_UNICODE_ISDECIMAL(PyUnicode_READ_CHAR(target, index)):
            index += 1
            digits += 1
        return digits > 0 and index == size


cdef class _Search:
    cdef str method
    cdef bint websocket
    cdef set methods
    cdef bint websocket_mismatch
    cdef list values
    cdef _Entry found

    def __init__(self, str method, bint websocket):
        self.method = method
        self.websocket = websocket
        self.methods = set()
        self.websocket_mismatch = False
        self.values = []
        self.found = None

    cdef _Entry pick(self, _State state, bint slash_optional_only):
        cdef _Entry entry
        for entry in state.rules:
            if slash_optional_only and entry.strict_slashes:
                continue
            if entry.methods is not None and self.method not in entry.methods:
                self.methods.update(entry.methods)
            elif entry.websocket != self.websocket:
                self.websocket_mismatch = True
            else:
                return entry
        return None

    cdef int run(self, _State state, list parts, Py_ssize_t index) except -1:
        cdef Py_ssize_t size = len(parts)
        cdef Py_ssize_t after, mark
        cdef _State following
        cdef _Edge edge
        cdef _Entry entry
        cdef str segment, target
        cdef list rest
        cdef int outcome
        if index == size:
            entry = self.pick(state, False)
            if entry is not None:
                self.found = entry
                return _FOUND
            following = state.static.get(u"")
            if following is not None:
                for entry in following.rules:
                    if entry.fits(self.method, self.websocket):
                        if entry.strict_slashes:
                            return _SLASH
                        self.found = entry
                        return _FOUND
            return _MISS
        segment = parts[index]
        following = state.static.get(segment)
        if following is not None:
            outcome = self.run(following, parts, index + 1)
            if outcome != _MISS:
                return outcome
        mark = len(self.values)
        for edge in state.dynamic:
            if edge.final:
                rest = parts
                after = size
                target = u"/".join(parts[index:])
            else:
                rest = parts
                after = index + 1
                target = segment
            if edge.kind == _REGEX:
                found = edge.pattern.match(target)
                if found is None:
                    continue
                for name in edge.groups:
                    self.values.append(found.group(name))
                if edge.suffixed and found.group(edge.pattern.groups) == u"/":
                    rest = [u""]
                    after = 0
            elif edge._accepts(target):
                self.values.append(target)
            else:
                continue
            outcome = self.run(edge.target, rest, after)
            if outcome != _MISS:
                return outcome
            del self.values[mark:]
        if index == size - 1 and PyUnicode_GET_LENGTH(segment) == 0:
            entry = self.pick(state, True)
            if entry is not None:
                self.found = entry
                return _FOUND
        return _MISS


cdef class StateMachine:
    cdef public bint merge_slashes
    cdef _State _root
    cdef dict _static

    def __init__(self, merge_slashes):
        self.merge_slashes = merge_slashes
        self._root = _State()
        self._static = {}

    def add(self, rule, converters):
        """Add a bound rule (see ``matcher_py.StateMachine.add``)."""
        cdef _State state = self._root
        cdef _State following
        cdef _Edge edge
        for part in rule._parts:
            if part.static:
                following = state.static.get(part.content)
                if following is None:
                    following = state.static[part.content] = _State()
                state = following
                continue
            key = part.key()
            for edge in state.dynamic:
                if edge.key == key:
                    state = edge.target
                    break
            else:
                following = _State()
                state.dynamic.append(_Edge(part, following))
                state = following
        state.rules.append(_Entry(rule, converters))
        if all(part.static for part in rule._parts):
            path = u"/".join([part.content for part in rule._parts[1:]])
            self._static.setdefault(rule._parts[0].content, {})[path] = state

    def update(self):
        """Order every state's dynamic edges by weight (stable)."""
        cdef list pending = [self._root]
        cdef _State state
        cdef _Edge edge
        while pending:
            state = pending.pop()
            state.dynamic.sort(key=_weight)
            pending.extend(state.static.values())
            for edge in state.dynamic:
                pending.append(edge.target)

    def match(self, domain, path, method, websocket):
        """Match a request (see ``matcher_py.StateMachine.match``)."""
        cdef dict paths
        cdef _State state
        cdef _Entry entry
        cdef _Search search
        cdef str merged
        cdef int outcome
        cdef str method_text = str(method)
        cdef bint wants_websocket = websocket
        # NOTE: str subclasses become plain strings, so the C code may type them.
        domain = str(domain)
        path = str(path)
        paths = self._static.get(domain)
        if paths is not None:
            state = paths.get(path)
            if state is not None:
                for entry in state.rules:
                    if entry.fits(method_text, wants_websocket):
                        return MATCHED, entry.rule, (
                            {} if entry.defaults is None else entry.defaults.copy()
                        )
        search = _Search(method_text, wants_websocket)
        parts = path.split(u"/")
        parts.insert(0, domain)
        outcome = search.run(self._root, parts, 0)
        if outcome == _SLASH:
            return REDIRECT, f"{path}/", None
        if outcome == _MISS:
            # NOTE: without "//" the second search would repeat the first.
            if self.merge_slashes and u"//" in path:
                merged = _SLASHES.sub(u"/", path)
                parts = merged.split(u"/")
                parts.insert(0, domain)
                del search.values[:]
                outcome = search.run(self._root, parts, 0)
                if outcome == _SLASH:
                    return REDIRECT, f"{merged}/", None
                if outcome == _FOUND and search.found.rule.merge_slashes is not False:
                    return REDIRECT, merged, None
            return NO_MATCH, search.methods, search.websocket_mismatch
        return _convert(search)


cdef tuple _convert(_Search search):
    """The matched rule and its converted values, or a miss if a converter
    refuses its text."""
    cdef _Entry entry = search.found
    cdef dict values = {}
    cdef Py_ssize_t index
    cdef Py_ssize_t count = min(len(entry.converters), len(search.values))
    for index in range(count):
        name, to_python = <tuple>entry.converters[index]
        text = search.values[index]
        if to_python is None:
            values[name] = text
            continue
        try:
            values[name] = to_python(text)
        except ValidationError:
            return NO_MATCH, search.methods, search.websocket_mismatch
    if entry.defaults is not None:
        values.update(entry.defaults)
    return MATCHED, entry.rule, values


def _weight(_Edge edge):
    return edge.part.weight


cdef class RuleBuilder:
    """Assembles one rule's URL (see ``matcher_py.RuleBuilder``)."""

    cdef tuple domain
    cdef tuple path
    cdef tuple required
    cdef frozenset consumed
    cdef object encode_query

    def __init__(self, domain, path, required, consumed, encode_query):
        self.domain = tuple(domain)
        self.path = tuple(path)
        self.required = tuple(required)
        self.consumed = frozenset(consumed)
        self.encode_query = encode_query

    def build(self, values, append_unknown):
        """Return ``(domain part, path)``, or ``None`` on ``ValidationError``."""
        for name in self.required:
            if name not in values:
                raise TypeError(f"missing a value for the URL variable {name!r}")
        try:
            domain = _join(self.domain, values)
            path = _join(self.path, values)
        except ValidationError:
            return None
        if append_unknown:
            unknown = {key: value for key, value in values.items() if key not in self.consumed}
            if unknown:
                query = self.encode_query(unknown)
                if query:
                    path = f"{path}?{query}"
        return domain, path


cdef str _join(tuple pieces, values):
    cdef Py_ssize_t count = len(pieces)
    if count == 0:
        return u""
    if count == 1 and type(pieces[0]) is str:
        return pieces[0]
    cdef list texts = []
    for piece in pieces:
        if type(piece) is str:
            texts.append(piece)
        else:
            texts.append((<tuple>piece)[1].to_url(values[(<tuple>piece)[0]]))
    return u"".join(texts)
