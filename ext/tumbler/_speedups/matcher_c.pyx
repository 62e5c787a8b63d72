# cython: language_level=3, boundscheck=False, wraparound=False, auto_pickle=False
"""Compiled twin of ``tumbler._speedups.matcher_py``: the routing state
machine, the per-rule URL builder and ``bind_to_environ``. ``matcher_py``
holds the documentation; the search here is the same, step for step.

PERF: the search walks nodes, C structs that update() lays out in one block
from the states the rules were added to, and reads rule entries' C fields; the
path is never split: the search, a C struct on the stack, walks the parts'
offsets in one text, finds static children by comparing characters in
place, and runs the built-in converters' checks as C loops over the
characters; matched texts are offsets, cut out only once a rule is found; a
miss is a return code, not an exception. A common request is bound, and a
common URL built, without Python calls.
"""

import re
import warnings
from sys import intern
from types import MemberDescriptorType

cimport cython
from cpython.mem cimport PyMem_Calloc, PyMem_Free, PyMem_Malloc
from cpython.dict cimport PyDict_Copy
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF, PyObject
from cpython.tuple cimport PyTuple_GET_SIZE, PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport (
    Py_UNICODE_ISDECIMAL,
    PyUnicode_1BYTE_DATA,
    PyUnicode_DATA,
    PyUnicode_FromObject,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_New,
    PyUnicode_READ,
    PyUnicode_READ_CHAR,
    PyUnicode_Substring,
)
from libc.stdint cimport uintptr_t
from libc.string cimport memcpy

cdef extern from "Python.h":
    ctypedef size_t Py_uhash_t
    enum: PyUnicode_1BYTE_KIND
    bint PyUnicode_IS_ASCII(object text)
    int Py_EnterRecursiveCall(const char *where)
    void _hold_reference "Py_INCREF"(PyObject *held)
    void Py_LeaveRecursiveCall()

# A hint to start loading a line that will be read soon. NOTE: it never
# faults, so it may point past the end of a block; without the builtin it
# does nothing.
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define tumbler_prefetch(address) __builtin_prefetch((const void *)(address))
    #else
    #define tumbler_prefetch(address) ((void)(address))
    #endif
    """
    void tumbler_prefetch(const void *address) noexcept

# Whether the byte order is known, at compile time, to be little-endian: the
# condition of the code below that reads several characters as one word.
cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) \
        && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    #define TUMBLER_LITTLE_ENDIAN 1
    #else
    #define TUMBLER_LITTLE_ENDIAN 0
    #endif
    """

# Whether two runs of ``size`` bytes are equal. PERF: a static part or
# path is short, so that a loop over its bytes, or a call to memcmp, cost
# more than loads of 8 (or 4, or 2) bytes from each side, the last of which
# ends where the runs end and may overlap the one before: no load reads
# past either run, and every byte is compared.
cdef extern from *:
    """
    static inline int tumbler_same_bytes(const unsigned char *one, const unsigned char *other,
                                         Py_ssize_t size) {
        uint64_t a, b, c, d;
        uint32_t e, f, g, h;
        uint16_t i, j, k, l;
        if (size >= 8) {
            Py_ssize_t at;
            for (at = 0; at + 8 < size; at += 8) {
                memcpy(&a, one + at, 8); memcpy(&b, other + at, 8);
                if (a != b) {
                    return 0;
                }
            }
            memcpy(&c, one + size - 8, 8); memcpy(&d, other + size - 8, 8);
            return c == d;
        }
        if (size >= 4) {
            memcpy(&e, one, 4); memcpy(&f, other, 4);
            memcpy(&g, one + size - 4, 4); memcpy(&h, other + size - 4, 4);
            return ((e ^ f) | (g ^ h)) == 0;
        }
        if (size >= 2) {
            memcpy(&i, one, 2); memcpy(&j, other, 2);
            memcpy(&k, one + size - 2, 2); memcpy(&l, other + size - 2, 2);
            return ((i ^ j) | (k ^ l)) == 0;
        }
        return size == 0 || one[0] == other[0];
    }
    """
    bint tumbler_same_bytes(const unsigned char *one, const unsigned char *other,
                            Py_ssize_t size) noexcept

# A method's name of one to seven ASCII characters as a number: its length
# in the top byte, character i in byte i. PERF: where the byte order is known
# to be little-endian, two overlapping loads and no loop whose length varies
# by method (the bytes both loads hold land on themselves); else byte by byte.
cdef extern from *:
    """
    static inline uint64_t tumbler_method_code(const unsigned char *data, Py_ssize_t length) {
        uint64_t code = (uint64_t)length << 56;
    #if TUMBLER_LITTLE_ENDIAN
        uint32_t low4, high4;
        uint16_t low2, high2;
        if (length >= 4) {
            memcpy(&low4, data, 4); memcpy(&high4, data + length - 4, 4);
            return code | low4 | ((uint64_t)high4 << (8 * (length - 4)));
        }
        if (length >= 2) {
            memcpy(&low2, data, 2); memcpy(&high2, data + length - 2, 2);
            return code | low2 | ((uint64_t)high2 << (8 * (length - 2)));
        }
        return code | data[0];
    #else
        Py_ssize_t index;
        for (index = 0; index < length; index++) {
            code |= (uint64_t)data[index] << (8 * index);
        }
        return code;
    #endif
    }
    """
    unsigned long long tumbler_method_code(const unsigned char *data,
                                           Py_ssize_t length) noexcept

# Where the next "/" is in a text of one byte per character, from index on
# (length if none). PERF: a path's parts are short, so that a call to
# memchr cost more than its search: eight bytes are tested at a time, with
# no call, where the byte order is known to be little-endian (else byte by
# byte). NOTE: every load lies within text[0:length]; the last one may
# overlap the bytes before index, which the test masks out (it is exact
# per byte, so a "/" before index cannot mark one after).
cdef extern from *:
    """
    #if TUMBLER_LITTLE_ENDIAN
    static inline uint64_t tumbler_slashes_in(const unsigned char *at) {
        const uint64_t lows = 0x7F7F7F7F7F7F7F7FULL;
        uint64_t word;
        memcpy(&word, at, 8);
        word ^= 0x2F2F2F2F2F2F2F2FULL;  /* a "/" byte is now 0 */
        return ~(((word & lows) + lows) | word | lows);  /* 0x80 where a byte is 0 */
    }
    static inline Py_ssize_t tumbler_slash(const unsigned char *text, Py_ssize_t index,
                                           Py_ssize_t length) {
        uint64_t found;
        for (; index + 8 <= length; index += 8) {
            found = tumbler_slashes_in(text + index);
            if (found) {
                return index + (__builtin_ctzll(found) >> 3);
            }
        }
        if (index == length || length < 8) {
            while (index < length && text[index] != '/') {
                index++;
            }
            return index;
        }
        found = tumbler_slashes_in(text + length - 8) >> (8 * (index - (length - 8)));
        return found ? index + (__builtin_ctzll(found) >> 3) : length;
    }
    #else
    static inline Py_ssize_t tumbler_slash(const unsigned char *text, Py_ssize_t index,
                                           Py_ssize_t length) {
        while (index < length && text[index] != '/') {
            index++;
        }
        return index;
    }
    #endif
    """
    Py_ssize_t tumbler_slash(const unsigned char *text, Py_ssize_t index,
                             Py_ssize_t length) noexcept

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

cdef enum:
    _MATCHED = 0
    _REDIRECT = 1
    _NO_MATCH = 2

MATCHED = _MATCHED
REDIRECT = _REDIRECT
NO_MATCH = _NO_MATCH


# What StateMachine._match answers, in place of a tuple to make and take
# apart: the status, and two references it hands on (see _take): for a match
# the rule's endpoint and its values, for a redirect the path and None, for a
# miss the methods that would have fit and whether only the websocket flag
# did not. A match also names its rule (borrowed: the machine keeps every
# entry it is given, and an entry its rule) and whether it may redirect.
ctypedef struct _Answer:
    int status
    PyObject *found
    PyObject *extra
    PyObject *rule
    char may_redirect


cdef inline int _give(_Answer *answer, int status, found, extra) except -1:
    Py_INCREF(found)
    Py_INCREF(extra)
    answer.status = status
    answer.found = <PyObject *>found
    answer.extra = <PyObject *>extra
    return 0


# What _run says: nothing here, a rule found, or a slash redirect; and
# what only _dive says: that the whole search must tell.
cdef enum:
    _MISS = 0
    _FOUND = 1
    _SLASH = 2
    _UNSURE = 3

_SLASHES = re.compile("/{2,}")


# The methods most rules take, each a bit of an entry's ``method_bits``.
_COMMON_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT")

cdef enum:
    _COMMON = 9  # len(_COMMON_METHODS)
    _NAMED = 3  # the most values an entry names itself (see _Entry.plain)

ctypedef unsigned long long _Code
ctypedef unsigned short _Bits

# PERF: a method's bit is found by its code's slot in a small table, at a
# multiplicative hash whose factor gives each common method a slot of its
# own (the first such odd number from the golden ratio's 0x9E3779B97F4A7C15
# up; _know_common_methods checks it).
cdef enum:
    _METHOD_SLOT_BITS = 4

cdef extern from *:
    """
    #define TUMBLER_METHOD_FACTOR 0x9E3779B97F4A7C3DULL
    """
    const unsigned long long _METHOD_FACTOR "TUMBLER_METHOD_FACTOR"

ctypedef struct _MethodSlot:
    _Code code  # 0: no common method's
    _Bits bit

cdef _MethodSlot _method_slots[1 << _METHOD_SLOT_BITS]


# PERF: what a match reads of a rule, in one 64-byte line laid out just
# after its state's node (see _Node), where the search's look ahead has
# asked for it with the node: a hit reads no _Entry, whose line in a map
# too large for the cache is one more far read after the node's, and
# changes no count of one. A state's records follow one another.
# NOTE: the pointers are borrowed. The machine keeps every entry it is
# given, and an entry its rule and converters; the endpoint is the entry's
# as of the layout (see _give_match).
ctypedef struct _Ending:
    _Ending *next  # the next rule ending at the same state; NULL: none
    PyObject *entry  # the _Entry
    PyObject *rule
    PyObject *endpoint  # the rule's, as of the last update()
    # How many values the rule has when each keeps its text (no to_python)
    # and there are at most _NAMED; else -1. Their names are in ``names``
    # (the entry's converters' own), so that a match of such a rule does not
    # read the converters' tuple (see _values).
    PyObject *names[_NAMED]
    _Bits method_bits  # the methods' _bits when each has one, else 0 (see _takes)
    char websocket  # the rule's flag's _websocket_kind
    char strict_slashes
    char may_redirect  # the rule's _may_redirect, as of the last update()
    char any_method  # whether the rule takes every method (no methods)
    signed char plain  # see ``names``
    char has_defaults  # whether the entry's ``defaults`` is not None


assert sizeof(_Ending) == 64, "a rule's record is one cache line"


# A rule as the matcher knows it: what update() lays out in its state's
# records (see _Ending), and what a miss and a match's values read.
cdef class _Entry:
    cdef _Entry next  # the next rule ending at the same state
    # What its records hold but ``next``, worked out once; update() copies
    # it into each (see _fill_ending). Its pointers are borrowed from the
    # fields below.
    cdef _Ending record
    cdef object endpoint  # the rule's, as of the last update()
    cdef dict defaults
    cdef object methods  # the rule's own set (see matcher_py)
    # Each value's name and to_python (None: keep the text), in turn: flat,
    # so that a match reads one tuple.
    cdef tuple converters
    cdef object rule
    # A 405's allowed methods when this entry and every one after it are
    # the rules refused for their methods (see _Search.allowed in matcher_py),
    # in the set's order; and where werkzeug's search ran twice. None where
    # an entry takes any method. Made by update().
    cdef tuple allowed
    cdef tuple allowed_twice

    def __init__(self, rule, converters):
        cdef Py_ssize_t index
        cdef _Ending *record = &self.record
        self.rule = rule
        self.methods = rule.methods
        self.converters = tuple([item for pair in converters for item in pair])
        self.defaults = dict(rule.defaults) if rule.defaults else None
        record.entry = <PyObject *>self
        record.rule = <PyObject *>rule
        record.any_method = self.methods is None
        record.websocket = _websocket_kind(rule.websocket, _ODD_RULE)
        record.strict_slashes = bool(rule.strict_slashes)
        record.has_defaults = self.defaults is not None
        record.plain = -1
        if len(self.converters) <= 2 * _NAMED and all(
            to_python is None for to_python in self.converters[1::2]
        ):
            record.plain = len(self.converters) // 2
            for index in range(record.plain):
                record.names[index] = <PyObject *>self.converters[2 * index]
        _refresh(self)
        record.method_bits = _bits(self.methods)


cdef void _fill_ending(_Ending *ending, _Entry entry, _Ending *following) noexcept:
    """Lay out ``entry`` in ``ending``, before ``following``."""
    ending[0] = entry.record
    ending.next = following


cdef inline int _give_match(_Answer *answer, _Ending *ending, dict values,
                            bint laid_out_since) except -1:
    """A match of the rule of ``ending``, from its record. PERF: the entry's
    own line is not read, and its count not changed; unless the nodes were
    laid out since the search began (an update() while the values were
    made): the record's endpoint is then the entry's last but one.
    NOTE: while the search is under way (see StateMachine._searching)."""
    cdef PyObject *endpoint = ending.endpoint
    answer.may_redirect = ending.may_redirect
    if laid_out_since:
        endpoint = (<_Entry>ending.entry).record.endpoint
        answer.may_redirect = (<_Entry>ending.entry).record.may_redirect
    Py_INCREF(values)
    _hold_reference(endpoint)
    answer.status = _MATCHED
    answer.found = endpoint
    answer.extra = <PyObject *>values
    answer.rule = ending.rule
    return 0


cdef inline _Code _code(str method) noexcept:
    """A method's name as a number: its length, then its characters' bytes,
    for an ASCII name of one to seven characters; else 0. Names with codes
    are equal when their codes are."""
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(method)
    if length == 0 or length > 7 or not PyUnicode_IS_ASCII(method):
        return 0
    return tumbler_method_code(PyUnicode_1BYTE_DATA(method), length)


cdef inline int _method_slot(_Code code) noexcept:
    return <int>((code * _METHOD_FACTOR) >> (64 - _METHOD_SLOT_BITS))


cdef int _know_common_methods() except -1:
    """Fill _method_slots: each common method's code and bit, in the slot
    _method_slot gives it."""
    cdef int index, slot
    cdef _Code code
    assert len(_COMMON_METHODS) == _COMMON
    for index in range(_COMMON):
        code = _code(_COMMON_METHODS[index])
        slot = _method_slot(code)
        if _method_slots[slot].code != 0:  # NOTE: not an assert, which -O would drop
            raise AssertionError("two common methods share a slot: change the factor")
        _method_slots[slot].code = code
        _method_slots[slot].bit = <_Bits>1 << index
    return 0


_know_common_methods()


cdef inline _Bits _bit(str method) noexcept:
    """The bit of ``method`` among _COMMON_METHODS, or 0 for another.
    PERF: one slot to look at, with no loop whose length varies by method
    (a branch a mix of methods would mispredict)."""
    cdef _Code code = _code(method)
    cdef _MethodSlot *slot = &_method_slots[_method_slot(code)]
    return slot.bit if slot.code == code else 0  # NOTE: an empty slot's bit is 0


cdef _Bits _bits(methods) except? 0:
    """The _bits of a rule's methods together, or 0 unless each has one."""
    cdef _Bits bits = 0
    cdef _Bits bit
    if methods is None:
        return 0
    for name in methods:
        bit = _bit(name) if type(name) is str else 0
        if bit == 0:
            return 0
        bits |= bit
    return bits


cdef inline bint _by_bits(_Bits bits, _Bits bit) noexcept:
    """Whether a method whose _bit is ``bit`` is one of a rule's methods,
    whose _bits are ``bits`` (not 0).
    PERF: a rule's methods are nearly always common ones, whose bits are
    cheaper to test than looking the name up in its set (a hash probe, then
    a comparison through the type).
    NOTE: a method that is not a common one (bit 0) is none of the rule's."""
    return bits & bit != 0


cdef inline bint _takes(_Ending *ending, str method, _Bits bit) except -1:
    """Whether the rule of ``ending`` takes ``method``, whose _bit is ``bit``.
    PERF: the entry's set is read only when the bits cannot tell: the
    entry's line and the set's are both cold in a map too large for the
    cache."""
    if ending.any_method:
        return True
    if ending.method_bits:
        return _by_bits(ending.method_bits, bit)
    return method in (<_Entry>ending.entry).methods


cdef inline bint _fits(_Ending *ending, str method, _Bits bit, int websocket) except -1:
    return _takes(ending, method, bit) and ending.websocket == websocket


# A websocket flag that is neither True nor False (werkzeug compares flags
# with !=): a rule's, and a request's, unequal to each other.
cdef enum:
    _ODD_REQUEST = 2
    _ODD_RULE = 3


cdef inline char _websocket_kind(flag, char odd) except -1:
    """A websocket flag as the search compares it: 1 for one equal to True,
    0 for one equal to False, else ``odd``. PERF: a bool's is read in place."""
    if flag is True:
        return 1
    if flag is False:
        return 0
    return _other_websocket_kind(flag, odd)


cdef char _other_websocket_kind(flag, char odd) except -1:
    """``_websocket_kind`` of a flag that is not a bool."""
    if not (flag != True):  # noqa: E712 - werkzeug's !=
        return 1
    if not (flag != False):  # noqa: E712
        return 0
    return odd


cdef _refresh(_Entry entry):
    entry.endpoint = entry.rule.endpoint
    entry.record.endpoint = <PyObject *>entry.endpoint
    entry.record.may_redirect = bool(entry.rule._may_redirect)


cdef set _allowed(list refused, bint searched_twice):
    """The methods of the ``refused`` entries, for a 405, filled as
    matcher_py's ``_Search.allowed`` fills them (see there)."""
    cdef set methods = set()
    _add_methods(methods, refused)
    if searched_twice:
        _add_methods(methods, refused)
    return methods


cdef inline int _add_methods(set methods, list refused) except -1:
    """One pass of _allowed: add each refused entry's methods in turn."""
    for entry in refused:
        methods.update((<_Entry>entry).methods)
    return 0


cdef _allow(_Entry entry):
    """Work out ``entry.allowed`` and ``allowed_twice``: the answers for the
    refusal of ``entry`` and every entry after it."""
    cdef list chain = []
    cdef _Entry following = entry
    entry.allowed = entry.allowed_twice = None
    while following is not None:
        if following.methods is None:
            return
        chain.append(following)
        following = following.next
    # PERF: the second pass goes on from the first's set, as _allowed's does.
    cdef set methods = set()
    _add_methods(methods, chain)
    entry.allowed = tuple(methods)
    _add_methods(methods, chain)
    entry.allowed_twice = tuple(methods)


# What a state's rules, dynamic and static edges are until it gets one (see
# matcher_py).
cdef list _NONE = []
cdef dict _NO_STATIC = {}


cdef enum:
    _INLINE = 15  # the longest key a node holds the characters of (see _Key)
    _LONG = 255  # a _Key's size when its text does not hold the characters
    _STACK = 64  # the most parts a search holds without an allocation
    _FEW_REFUSED = 8  # the refused entries a search lists before it needs a list object
    _DEEP = 64  # the parts from which a search counts against the recursion limit


# PERF: one static child in 16 bytes, four to a cache line: its key's hash
# and its node, which holds the key (see _Key): a probe that finds the hash
# confirms the key on the line it reads next anyway. A map's tables take a
# quarter of the memory they would with the key in the slot, so that more of
# a large map's tables stay in the cache.
ctypedef struct _Child:
    Py_uhash_t hashed
    _Node *node  # NULL: an empty slot


# As a dynamic edge's target, a node holds the edge's test (with the
# node's kind, final, suffixed and signed).
ctypedef struct _Test:
    _Node *next  # the next edge's target
    PyObject *edge  # the _Edge
    int low
    int high


# As a static edge's target, a node holds the edge's key.
ctypedef struct _Key:
    PyObject *key  # the parent state's ``static`` dict holds it
    unsigned char size  # the key's length when ``text`` holds it, else _LONG
    unsigned char text[_INLINE]  # for a key of one byte per character


ctypedef union _Via:
    _Test test
    _Key key


# A node's static children but "" (which ``empty`` holds). PERF: a lone
# child, as most nodes below a map's shared prefix have, takes no table: it
# is compared by its key, with no hash, and its parent's line leads straight
# to it (laid out depth first, static children first, it follows its parent
# but for a "" child's nodes), which in a map too large for the cache is a
# far read and a line less per part: 10,000-route hits miss a simulated 2 MB
# cache 3.29 times, not 3.58 (callgrind).
ctypedef union _Statics:
    _Child *table  # two or more (``mask`` >= 0)
    _Node *only  # one or none (``mask`` -1; NULL: none)


# PERF: what the search reads of a state, in one 64-byte line. update() lays
# the nodes, their rules' records (see _Ending) and their children's tables
# out in one block, in depth-first order, so that the states of a rule's
# path lie together: a map of many rules keeps one request's lines on few
# pages, and a search reads no object (no reference counts to change on
# lines it only reads).
# NOTE: the pointers are borrowed: the _State the node is laid out from
# holds the edge.
ctypedef struct _Node:
    _Statics statics  # the static children but ""
    _Node *first  # the first dynamic edge's target, in search order
    _Node *empty  # the static child for "" (a trailing slash); NULL: none
    _Ending *endings  # the records of the rules that end here, in order; NULL: none
    int mask  # the table's size - 1; -1: no table (see _Statics)
    # As a dynamic edge's target: the rest of the edge's test.
    char kind
    char final
    char suffixed
    char signed
    _Via via  # how the node is reached: by a dynamic edge's test or a static key


assert sizeof(_Node) == 64 and 64 % sizeof(_Child) == 0, "a node is one cache line"


cdef class _State:
    """A state of the graph as rules are added: its edges and rules, from
    which update() lays out its _Node."""

    cdef _Edge edge  # the edge that leads here
    cdef dict static
    cdef list dynamic  # the targets of the dynamic edges, in search order after update()
    cdef list rules
    cdef _Node *node  # in the last layout; NULL before the first
    cdef size_t at  # where the layout under way puts the node in its block

    def __init__(self):
        self.static = _NO_STATIC
        self.dynamic = _NONE
        self.rules = _NONE


cdef inline _Node *_child(_Node *state, _Search *search, Py_ssize_t start, Py_ssize_t end):
    """The static child for ``search.text[start:end]``, or NULL.

    PERF: the segment is not cut out of the path: the table holds hashes
    computed over the characters' low bytes (see tumbler_text_hash), which
    are computed for a part only where a state has a table (most parts meet
    a dynamic edge or a lone static child only), and for no empty part.
    """
    cdef Py_ssize_t slot
    cdef Py_uhash_t hashed
    cdef _Child *child
    cdef _Node *only
    if start == end:
        return state.empty  # PERF: as every path's first part is, before its "/"
    if state.mask < 0:
        only = state.statics.only
        if only != NULL and _same(&only.via.key, search, start, end):
            return only
        return NULL
    hashed = _hash(search.kind, search.data, start, end)
    slot = <Py_ssize_t>(hashed & <Py_uhash_t>state.mask)
    while True:
        child = &state.statics.table[slot]
        if child.node == NULL:
            return NULL
        if child.hashed == hashed and _same(&child.node.via.key, search, start, end):
            return child.node
        slot = (slot + 1) & state.mask


cdef _add_static(_State state, str content, _State following):
    if state.static:
        state.static[content] = following
    else:
        state.static = {content: following}


cdef inline Py_ssize_t _table_size(Py_ssize_t count) noexcept:
    """The slots of a table for ``count`` keys (static children, or a
    domain's static paths): at most half full."""
    cdef Py_ssize_t size = 2
    if count == 0:
        return 0
    while size < 2 * count:
        size *= 2
    return size


cdef inline Py_ssize_t _children_size(_State state) noexcept:
    """The slots of the table for a state's static children but "" (none
    for fewer than two, see _Statics): a whole number of cache lines (NOTE:
    so that the node after it starts a line)."""
    cdef Py_ssize_t count = len(state.static) - (u"" in state.static)
    if count < 2:
        return 0
    return max(_table_size(count), <Py_ssize_t>(64 // sizeof(_Child)))


cdef list _in_layout_order(_State root, bint weigh, size_t *taken):
    """Every state, depth first, each before the states after it (static
    children first, then dynamic ones in order): the order of their nodes;
    with ``weigh``, each state's dynamic edges are ordered by weight first.
    Each state's ``at`` is set to ``taken``, which grows by the bytes of its
    node, its rules' records and its table.
    PERF: one pass places the nodes, and _fill_node fills them in one more:
    a large map's states lie far apart in memory, and each pass over them
    reads them from afar (10,000 rules, when it came in: update() 32 ms,
    not 37).
    NOTE: with a list for a stack, not recursion, so that a rule of any
    length takes no C stack."""
    cdef list ordered = []
    cdef list pending = [root]
    cdef _State state
    cdef Py_ssize_t index
    cdef Py_ssize_t first
    cdef Py_ssize_t last
    while pending:
        state = pending.pop()
        ordered.append(state)
        state.at = taken[0]
        taken[0] += (sizeof(_Node) + len(state.rules) * sizeof(_Ending)
                     + _children_size(state) * sizeof(_Child))
        if weigh and len(state.dynamic) > 1:  # PERF: most states have no choice to order
            state.dynamic.sort(key=_weight)
        # The children go on the stack last first, so that they come off it
        # in order. PERF: by index and by a swap in place, not reversed():
        # this runs for every state, and reversed() makes an iterator and a
        # bound method each time (10,000 rules: update() counts 78 million
        # instructions, not 176).
        for index in range(len(state.dynamic) - 1, -1, -1):
            pending.append(state.dynamic[index])
        first = len(pending)
        for following in state.static.values():
            pending.append(following)
        last = len(pending) - 1
        while first < last:
            pending[first], pending[last] = pending[last], pending[first]
            first += 1
            last -= 1
    return ordered


cdef inline _Node *_placed(_State state, char *block) noexcept:
    """Where ``state``'s node lies in ``block`` (see _in_layout_order)."""
    return <_Node *>(block + state.at)


cdef int _fill_node(_State state, char *block) except -1:
    """Set ``state.node`` to its place in the zeroed ``block``, followed by
    its rules' records and its table, and fill it in: its rules' records,
    its fields, its static children (``empty``, and ``statics``: the lone
    child, or the table) and its dynamic targets' chain. Every state has its
    place in ``block``."""
    cdef _Node *node = _placed(state, block)
    cdef _Node *previous = NULL
    cdef _Node *target
    cdef _State following
    cdef Py_ssize_t slot
    cdef Py_uhash_t hashed
    cdef _Key *label
    cdef str key
    cdef Py_ssize_t index
    cdef Py_ssize_t count = len(state.rules)
    cdef Py_ssize_t size = _children_size(state)
    state.node = node
    if count:
        node.endings = <_Ending *>(node + 1)
    node.mask = <int>(size - 1)
    if size:
        node.statics.table = <_Child *>(<char *>(node + 1) + count * sizeof(_Ending))
    for index in range(count):
        _fill_ending(&node.endings[index], <_Entry>state.rules[index],
                     &node.endings[index + 1] if index + 1 < count else NULL)
    if state.edge is not None:  # the edge's test, from its part
        node.via.test.edge = <PyObject *>state.edge
        part = state.edge.part
        node.kind = part.kind
        node.final = part.final
        node.suffixed = part.suffixed
        if node.kind == _SEGMENT:
            node.via.test.low, node.via.test.high = part.argument
        elif node.kind == _DIGITS or node.kind == _FLOAT:
            node.signed = bool(part.argument)
    for key, following in state.static.items():
        target = _placed(following, block)
        if PyUnicode_GET_LENGTH(key) == 0:
            node.empty = target
        elif node.mask < 0:
            node.statics.only = target
        else:
            hashed = _hash(PyUnicode_KIND(key), PyUnicode_DATA(key), 0,
                           PyUnicode_GET_LENGTH(key))
            slot = <Py_ssize_t>(hashed & <Py_uhash_t>node.mask)
            while node.statics.table[slot].node != NULL:
                slot = (slot + 1) & node.mask
            node.statics.table[slot].hashed = hashed
            node.statics.table[slot].node = target
        label = &target.via.key
        label.key = <PyObject *>key
        label.size = _LONG
        if PyUnicode_KIND(key) == 1 and PyUnicode_GET_LENGTH(key) <= _INLINE:
            label.size = <unsigned char>PyUnicode_GET_LENGTH(key)
            memcpy(label.text, PyUnicode_DATA(key), label.size)
    for following in state.dynamic:
        target = _placed(following, block)
        if previous == NULL:
            node.first = target
        else:
            previous.via.test.next = target
        previous = target
    return 0


cdef _State _target(part):
    """A state for a dynamic part to lead to."""
    cdef _State state = _State()
    state.edge = _Edge(part)
    return state


# The hash of the static children's and the static paths' tables, over a
# text's characters by their low bytes (equal texts hash alike whatever
# their widths; the few that differ only above the low bytes collide, and
# are told apart by comparison). PERF: a server hands each request a new
# path string, whose str hash (SipHash-1-3 behind a function pointer, with
# its rounds and finalisation) would cost a fifth of a static match; this
# one is inline, a multiply and a shift per eight characters, read from a
# text of one byte per character (nearly every path) as words.
# It needs no strength against chosen collisions: the tables hold the map's
# own parts and paths, and a request can only probe them, never fill them.
cdef extern from *:
    """
    /* The low bytes of `size` (4 or 8) characters from `at`, as a word:
       for a text of one byte per character, its bytes. */
    static inline uint64_t tumbler_word(int kind, const void *data, Py_ssize_t at, int size) {
        unsigned char narrowed[8];
        const unsigned char *bytes = (const unsigned char *)data + at;
        uint64_t word;
        uint32_t half;
        int index;
        if (kind != PyUnicode_1BYTE_KIND) {
            for (index = 0; index < size; index++) {
                narrowed[index] = (unsigned char)PyUnicode_READ(kind, data, at + index);
            }
            bytes = narrowed;
        }
        if (size == 8) {
            memcpy(&word, bytes, 8);
            return word;
        }
        memcpy(&half, bytes, 4);
        return half;
    }

    static inline uint64_t tumbler_low_byte(int kind, const void *data, Py_ssize_t at) {
        return (unsigned char)PyUnicode_READ(kind, data, at);
    }

    static inline Py_uhash_t tumbler_text_hash(int kind, const void *data, Py_ssize_t start,
                                               Py_ssize_t size) {
        /* Every load has a fixed size, so none is a call: the last word
           overlaps the one before it, and a short text is read in two
           overlapping halves, or by its first, middle and last characters. */
        uint64_t hashed = 0x9E3779B97F4A7C15ULL ^ (uint64_t)size;
        uint64_t word;
        if (size >= 8) {
            for (; size > 8; start += 8, size -= 8) {
                word = tumbler_word(kind, data, start, 8);
                hashed = (hashed ^ word) * 0xFF51AFD7ED558CCDULL;
                hashed ^= hashed >> 32;
            }
            word = tumbler_word(kind, data, start + size - 8, 8);
        } else if (size >= 4) {
            word = (tumbler_word(kind, data, start, 4) << 32)
                | tumbler_word(kind, data, start + size - 4, 4);
        } else if (size > 0) {
            word = tumbler_low_byte(kind, data, start)
                | (tumbler_low_byte(kind, data, start + size / 2) << 8)
                | (tumbler_low_byte(kind, data, start + size - 1) << 16);
        } else {
            word = 0;
        }
        hashed = (hashed ^ word) * 0xFF51AFD7ED558CCDULL;
        hashed ^= hashed >> 29;
        hashed *= 0xC4CEB9FE1A85EC53ULL;
        return (Py_uhash_t)(hashed ^ (hashed >> 32));
    }
    """
    Py_uhash_t tumbler_text_hash(int kind, const void *data, Py_ssize_t start,
                                 Py_ssize_t size) noexcept


cdef inline Py_uhash_t _hash(int kind, const void *data, Py_ssize_t start,
                             Py_ssize_t end) noexcept:
    """The tables' hash of ``data[start:end]``, whatever its width.
    PERF: a text of one byte per character is read by a copy of the code
    made for it (its loads are words, not a loop per character)."""
    if kind == PyUnicode_1BYTE_KIND:
        return tumbler_text_hash(PyUnicode_1BYTE_KIND, data, start, end - start)
    return tumbler_text_hash(kind, data, start, end - start)


cdef inline bint _same(_Key *key, _Search *search, Py_ssize_t start, Py_ssize_t end) noexcept:
    """Whether ``key`` is ``search.text[start:end]``."""
    cdef int kind = 1
    cdef const void *data = key.text
    cdef Py_ssize_t size = key.size
    cdef Py_ssize_t index
    if size != _LONG and search.kind == PyUnicode_1BYTE_KIND:
        return size == end - start and tumbler_same_bytes(
            key.text, <const unsigned char *>search.data + start, size
        )
    if size == _LONG:
        kind = PyUnicode_KIND(<str>key.key)
        data = PyUnicode_DATA(<str>key.key)
        size = PyUnicode_GET_LENGTH(<str>key.key)
    if size != end - start:
        return False
    if kind == search.kind:
        return tumbler_same_bytes(<const unsigned char *>data,
                                  <const unsigned char *>search.data + start * kind, size * kind)
    for index in range(size):
        if PyUnicode_READ(kind, data, index) != PyUnicode_READ(search.kind, search.data,
                                                               start + index):
            return False
    return True


cdef class _Edge:
    """What a dynamic part's test needs beyond the fields its target state
    holds: the part, its key, and its regex or choices."""

    cdef object part
    cdef object key
    cdef object choices
    cdef object pattern
    cdef tuple groups

    def __init__(self, part):
        self.part = part
        self.key = part.key()
        if part.kind == _CHOICE:
            self.choices = part.argument
        self.pattern = part.pattern
        self.groups = part.groups


cdef bint _accepts(_Node *target, int kind, const void *data, Py_ssize_t start,
                   Py_ssize_t end) noexcept:
    """The direct checks of the built-in kinds but ``_REGEX`` and ``_CHOICE``,
    on ``data[start:end]``, for the edge that leads to ``target``."""
    cdef Py_ssize_t size = end - start
    cdef Py_ssize_t index = start
    cdef Py_ssize_t digits
    cdef Py_UCS4 char
    cdef _Test *test = &target.via.test
    if target.kind == _SEGMENT:
        # NOTE: no "/" to look for: a part is cut at them (the domain part,
        # which may hold one, is looked at by _step).
        return size >= test.low and (test.high < 0 or size <= test.high)
    if target.kind == _REST:
        if size == 0 or PyUnicode_READ(kind, data, start) == u"/":
            return False
        for index in range(start + 1, end):
            if PyUnicode_READ(kind, data, index) == u"\n":
                return False
        return True
    if target.kind == _UUID:
        if size != 36:
            return False
        for index in range(36):
            char = PyUnicode_READ(kind, data, start + index)
            if index == 8 or index == 13 or index == 18 or index == 23:
                if char != u"-":
                    return False
            elif not (u"0" <= char <= u"9" or u"a" <= char <= u"f" or u"A" <= char <= u"F"):
                return False
        return True
    # _DIGITS and _FLOAT: [-]digits[.digits]
    if target.signed and size > 0 and PyUnicode_READ(kind, data, start) == u"-":
        index += 1
    digits = 0
    while index < end and Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, index)):
        index += 1
        digits += 1
    if digits == 0:
        return False
    if target.kind == _DIGITS:
        return index == end
    if index == end or PyUnicode_READ(kind, data, index) != u".":
        return False
    index += 1
    digits = 0
    while index < end and Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, index)):
        index += 1
        digits += 1
    return digits > 0 and index == end


# PERF: the state of one search lives on the C stack of the match that runs
# it: no object to make and free. Its own arrays hold the parts of a path of
# up to _STACK parts; a longer path's are allocated (see _cut).
ctypedef struct _Search:
    PyObject *method  # borrowed: _match's caller holds it
    _Bits method_bit  # its _bit
    int websocket  # see _websocket_kind
    bint websocket_mismatch
    bint doubled  # whether the path has "//"
    # The entries refused for their methods, in order: the first few, and
    # a list of the rest (owned; NULL till made).
    Py_ssize_t refused_count
    PyObject *refused[_FEW_REFUSED]
    PyObject *more_refused
    _Ending *found  # the rule found
    # Where the search starts: a node, or NULL for nowhere (a domain with no
    # rules); and the index of its part.
    _Node *origin
    Py_ssize_t origin_index
    # The text searched (borrowed: _match, or its caller, holds it) and its characters.
    PyObject *text
    int kind
    const void *data
    # Part i is text[starts[i]:starts[i + 1] - 1].
    Py_ssize_t size
    Py_ssize_t *starts
    # The values found so far, two offsets each: the text's characters from
    # start to stop; or, for a regex edge's groups, -1 - their position in
    # captured, and how many there are.
    Py_ssize_t count
    Py_ssize_t *spans
    PyObject *captured  # owned: a list, made at the first regex edge
    void *block  # the allocated arrays of a long path, or NULL
    Py_ssize_t own_starts[_STACK + 1]
    Py_ssize_t own_spans[2 * (_STACK + 2)]


cdef inline void _own_nothing(_Search *search) noexcept:
    """Make ready for _end: the search owns nothing yet."""
    search.more_refused = NULL
    search.captured = NULL
    search.block = NULL


cdef inline void _begin(_Search *search, str method, _Bits method_bit,
                        int websocket) noexcept:
    """Start a search, which owns nothing (see _own_nothing and _end)."""
    search.method = <PyObject *>method
    search.method_bit = method_bit
    search.websocket = websocket
    search.websocket_mismatch = False
    search.refused_count = 0
    search.found = NULL
    search.count = 0


cdef inline void _end(_Search *search) noexcept:
    """Let go of what the search owns, so that it owns nothing."""
    Py_XDECREF(search.more_refused)
    Py_XDECREF(search.captured)
    if search.block != NULL:  # PERF: no call for a path of few parts, as nearly every one is
        PyMem_Free(search.block)
    _own_nothing(search)


cdef str _prepare(_Search *search, _Node *root, str domain, str path, _Node *domain_node):
    """Make ready to search ``[domain, *path.split("/")]`` from ``root``;
    return the text searched, which the caller must hold.

    PERF: when the root has no dynamic edge, the domain part is a static
    edge (to ``domain_node``) or nothing, and the text is the path itself;
    else it is ``domain + "/" + path``, so that a dynamic domain part may
    read on into the path as werkzeug's does.
    """
    cdef str text
    if root.first == NULL:
        text = path
        _cut(search, text, 0)
        search.origin = domain_node
        search.origin_index = 1
    else:
        text = domain + u"/" + path
        _cut(search, text, PyUnicode_GET_LENGTH(domain) + 1)
        search.origin = root
        search.origin_index = 0
    return text


cdef inline void _hold(_Search *search, str text) noexcept:
    """Search ``text`` (which the caller holds), in the search's own arrays."""
    search.text = <PyObject *>text
    search.kind = PyUnicode_KIND(text)
    search.data = PyUnicode_DATA(text)
    search.starts = search.own_starts
    search.spans = search.own_spans


cdef int _cut(_Search *search, str text, Py_ssize_t first) except -1:
    """Find the parts of ``text``: the domain part before ``first`` and the
    ``/``-separated parts from there on."""
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t size = 2
    cdef Py_ssize_t index
    _hold(search, text)
    if _fill(search, first, length, _STACK):
        return 0
    for index in range(first, length):
        if PyUnicode_READ(search.kind, search.data, index) == u"/":
            size += 1
    PyMem_Free(search.block)
    search.block = PyMem_Malloc((size + 1 + 2 * (size + 2)) * sizeof(Py_ssize_t))
    if search.block == NULL:
        raise MemoryError()
    search.starts = <Py_ssize_t *>search.block
    search.spans = search.starts + size + 1
    _fill(search, first, length, size)
    return 0


cdef bint _fill(_Search *search, Py_ssize_t first, Py_ssize_t length,
                Py_ssize_t capacity) noexcept:
    """Fill in where the parts start and whether the path has "//", in one
    pass; ``False`` if there are more than ``capacity`` parts.

    PERF: the loop keeps its state in locals, which through ``search`` the
    compiler would read again after every store; a text of one byte per
    character (nearly every path) is searched by tumbler_slash.
    """
    cdef Py_ssize_t *starts = search.starts
    cdef Py_ssize_t size = 1
    cdef Py_ssize_t index = first
    cdef bint doubled = False
    starts[0] = 0
    starts[1] = first
    while True:
        if search.kind == PyUnicode_1BYTE_KIND:
            index = tumbler_slash(<const unsigned char *>search.data, index, length)
        else:
            while index < length and PyUnicode_READ(search.kind, search.data, index) != u"/":
                index += 1
        if index == length:
            break
        # The "/" at index ends a part; an empty part after the first is a "//".
        if size + 2 > capacity:
            return False
        if index == starts[size] and size > 1:
            doubled = True
        size += 1
        starts[size] = index + 1
        index += 1
    size += 1
    starts[size] = length + 1
    search.size = size
    search.doubled = doubled
    return True


cdef inline void _ask_for_descendants(_Node *node) noexcept:
    """Start loading the six lines after ``node``'s.

    PERF: a state's descendants are laid out after it (see _Node), and a
    lone static child (see _Statics) after it, so in a map too large
    for the cache, where the lines of a rule's own states are cold, the
    next ones are asked for as the search reaches a state and arrive
    together rather than one after another. By the node's address alone,
    so that they are asked for while its own line is on its way.
    Six lines hold the states and record of a rule of three values after
    its first state: 10,000-route hits took 15-17% less time than with
    three, with no change on 10 routes or the GitHub mix (eight alternated
    runs of each build). Eight took a little less still, nine or more 60%
    more on this machine (AMD EPYC): six leaves room for a machine that
    keeps fewer lines in flight. Asking only for the lines of a node's
    descendants, by a count kept in its parent's table slots, cost the
    GitHub mix 7%.
    """
    tumbler_prefetch(<char *>node + sizeof(_Node))
    tumbler_prefetch(<char *>node + 2 * sizeof(_Node))
    tumbler_prefetch(<char *>node + 3 * sizeof(_Node))
    tumbler_prefetch(<char *>node + 4 * sizeof(_Node))
    tumbler_prefetch(<char *>node + 5 * sizeof(_Node))
    tumbler_prefetch(<char *>node + 6 * sizeof(_Node))


cdef int _dive(_Search *search, _Node *node) except -1:
    """Follow the path's parts from ``node`` along the first edge that fits
    each, as _step tries them (the static child, else the first dynamic edge
    that accepts the part), without backtracking, to the first state _step
    would end at: what _leaf finds there is the search's answer. If there
    is none, or no edge fits a part, the search's answer is a miss when no
    state on the way had another edge to try (``alone``), and the search
    records what _step would have (the refused rules, and whether the path
    has "//"). Else _UNSURE: the caller searches from the start.

    PERF: most requests match down that first way, and most misses have no
    other way: no recursion, and each part is found as it is reached, with
    no pass over the path before.
    NOTE: the search holds a one-byte text of parts only (no domain part:
    a part has no "/"). It leaves to _step an edge with a regex or choices,
    a final one, and a path deep enough to count against the recursion
    limit (see _run); so the values it finds fit the search's own array.
    """
    cdef const char *text = <const char *>search.data
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(<str>search.text)
    cdef Py_ssize_t start = 0
    cdef Py_ssize_t end
    cdef Py_ssize_t parts = 0
    cdef bint alone = True
    cdef bint doubled = False
    cdef int outcome
    cdef _Node *following
    while True:
        _ask_for_descendants(node)
        end = tumbler_slash(<const unsigned char *>text, start, length)
        if start == end and parts > 0 and end < length:
            doubled = True
        # _step's last try at a state, for an empty last part: its rules
        # that take the path without its slash.
        if start == end and end == length and node.endings != NULL:
            alone = False
        following = _child(node, search, start, end)
        if following != NULL:
            alone = alone and node.first == NULL
        else:
            following = node.first
            while following != NULL:
                if following.kind == _REGEX or following.kind == _CHOICE or following.final:
                    return _UNSURE
                if _accepts(following, PyUnicode_1BYTE_KIND, text, start, end):
                    break
                following = following.via.test.next
            if following == NULL:
                if not alone:
                    return _UNSURE
                search.doubled = doubled or _doubled(text, end, length)
                return _MISS
            alone = alone and following.via.test.next == NULL
            _push(search, start, end)
        node = following
        if end == length:
            break
        start = end + 1
        parts += 1
        if parts == _DEEP - 2:  # the next state _step would reach counted (see _run)
            return _UNSURE
    outcome = _leaf(search, node)
    if outcome == _MISS and not alone:
        return _UNSURE
    search.doubled = doubled
    return outcome


cdef bint _has_slash(_Search *search, Py_ssize_t start, Py_ssize_t stop) noexcept:
    """Whether ``search.text[start:stop]`` has a "/"."""
    cdef Py_ssize_t index
    for index in range(start, stop):
        if PyUnicode_READ(search.kind, search.data, index) == u"/":
            return True
    return False


cdef bint _doubled(const char *text, Py_ssize_t start, Py_ssize_t length) noexcept:
    """Whether ``text[start:length]`` has "//"."""
    cdef Py_ssize_t index
    for index in range(start, length - 1):
        if text[index] == b"/" and text[index + 1] == b"/":
            return True
    return False


cdef inline int _start(_Search *search) except -1:
    if search.origin == NULL:
        return _MISS
    return _run(search, search.origin, search.starts, search.size, search.origin_index)


cdef int _pick(_Search *search, _Node *state, bint slash_optional_only) except -1:
    """_FOUND, with the first of ``state``'s rules that takes the request in
    ``search.found``; else _MISS, with the rules refused for their methods
    and any refused for the websocket flag noted."""
    cdef _Ending *ending = state.endings
    while ending != NULL:
        if slash_optional_only and ending.strict_slashes:
            pass
        elif not _takes(ending, <str>search.method, search.method_bit):
            _refuse(search, <_Entry>ending.entry)
        elif ending.websocket != search.websocket:
            search.websocket_mismatch = True
        else:
            search.found = ending
            return _FOUND
        ending = ending.next
    return _MISS


cdef int _refuse(_Search *search, _Entry entry) except -1:
    """Remember an entry refused for its methods. PERF: a match that still
    finds its rule makes no set of methods."""
    cdef list more
    if search.refused_count < _FEW_REFUSED:
        search.refused[search.refused_count] = <PyObject *>entry
        search.refused_count += 1
        return 0
    if search.more_refused == NULL:
        more = []
        Py_INCREF(more)
        search.more_refused = <PyObject *>more
    (<list>search.more_refused).append(entry)
    return 0


cdef bint _refused_all_after(_Search *search, _Entry entry) noexcept:
    """Whether the entries refused are exactly ``entry`` and those after it."""
    cdef Py_ssize_t index
    if search.more_refused != NULL:
        return False
    for index in range(search.refused_count):
        if search.refused[index] != <PyObject *>entry:
            return False
        entry = entry.next
    return entry is None


cdef inline void _push(_Search *search, Py_ssize_t start, Py_ssize_t stop) noexcept:
    search.spans[2 * search.count] = start
    search.spans[2 * search.count + 1] = stop
    search.count += 1


cdef int _capture(_Search *search, _Edge edge, found) except -1:
    """Keep the groups of a regex edge's match as one value span."""
    cdef list captured
    if search.captured == NULL:
        captured = []
        Py_INCREF(captured)
        search.captured = <PyObject *>captured
    captured = <list>search.captured
    cdef Py_ssize_t position = len(captured)
    for name in edge.groups:
        captured.append(found.group(name))
    _push(search, -1 - position, len(edge.groups))
    return 0


cdef inline int _run(_Search *search, _Node *state, Py_ssize_t *starts, Py_ssize_t size,
                     Py_ssize_t index) except -1:
    """Search the parts from ``index`` on from ``state`` (see _step).

    NOTE: a search as deep as a rule of many parts counts against Python's
    recursion limit, and raises RecursionError as werkzeug's does, rather
    than run out of C stack; a shallow one (PERF) does not count.
    """
    if index < _DEEP:
        return _step(search, state, starts, size, index)
    return _step_counted(search, state, starts, size, index)


cdef int _step_counted(_Search *search, _Node *state, Py_ssize_t *starts, Py_ssize_t size,
                       Py_ssize_t index) except -1:
    if Py_EnterRecursiveCall(" while matching a path") != 0:
        return -1
    try:
        return _step(search, state, starts, size, index)
    finally:
        Py_LeaveRecursiveCall()


cdef int _leaf(_Search *search, _Node *state) except -1:
    """At the path's end: the first rule of ``state`` for the request; else
    one of its "" child's (the path without its trailing slash), which
    says to redirect if it wants the slash."""
    cdef _Ending *ending
    if _pick(search, state, False) == _FOUND:
        return _FOUND
    if state.empty != NULL:
        ending = state.empty.endings
        while ending != NULL:
            if _fits(ending, <str>search.method, search.method_bit, search.websocket):
                if ending.strict_slashes:
                    return _SLASH
                search.found = ending
                return _FOUND
            ending = ending.next
    return _MISS


cdef int _step(_Search *search, _Node *state, Py_ssize_t *starts, Py_ssize_t size,
               Py_ssize_t index) except -1:
    """Search the parts from ``index`` on from ``state``: static edge first,
    then the dynamic ones in order, backtracking."""
    cdef Py_ssize_t start, end, stop, mark, after, kept
    cdef Py_ssize_t slashed[2]
    cdef Py_ssize_t *rest
    cdef Py_ssize_t rest_size
    cdef _Node *following
    cdef _Node *reached
    cdef _Edge edge
    cdef str target
    cdef int outcome
    _ask_for_descendants(state)
    if index == size:
        return _leaf(search, state)
    start = starts[index]
    end = starts[index + 1] - 1
    following = _child(state, search, start, end)
    if following != NULL:
        outcome = _run(search, following, starts, size, index + 1)
        if outcome != _MISS:
            return outcome
    mark = search.count
    kept = 0 if search.captured == NULL else len(<list>search.captured)
    following = state.first
    while following != NULL:
        reached = following
        following = following.via.test.next
        rest = starts
        rest_size = size
        if reached.final:
            stop = starts[size] - 1  # the rest of the parts, "/"-joined
            after = size
        else:
            stop = end
            after = index + 1
        if reached.kind == _REGEX:
            edge = <_Edge>reached.via.test.edge
            target = PyUnicode_Substring(<str>search.text, start, stop)
            found = edge.pattern.match(target)
            if found is None:
                continue
            _capture(search, edge, found)
            if reached.suffixed and found.group(edge.pattern.groups) == u"/":
                # One empty part is left: the one after the text's end.
                slashed[0] = PyUnicode_GET_LENGTH(<str>search.text)
                slashed[1] = slashed[0] + 1
                rest = slashed
                rest_size = 1
                after = 0
        elif reached.kind == _CHOICE:
            target = PyUnicode_Substring(<str>search.text, start, stop)
            if target not in (<_Edge>reached.via.test.edge).choices:
                continue
            _push(search, start, stop)
        elif index == 0 and reached.kind == _SEGMENT and _has_slash(search, start, stop):
            continue  # a domain with a "/" in it, which [^/]+ does not take
        elif _accepts(reached, search.kind, search.data, start, stop):
            _push(search, start, stop)
        else:
            continue
        outcome = _run(search, reached, rest, rest_size, after)
        if outcome != _MISS:
            return outcome
        search.count = mark
        if search.captured != NULL and len(<list>search.captured) > kept:
            del (<list>search.captured)[kept:]
    if index == size - 1 and start == end:
        return _pick(search, state, True)
    return _MISS


cdef enum:
    _LONGEST = 56  # the longest path a record holds the characters of


# What a record holds of its path: the characters, when one byte each and
# at most _LONGEST of them; else the path itself, which ``states`` holds.
ctypedef union _RouteText:
    unsigned char chars[_LONGEST]
    PyObject *path


# PERF: a fully static path's record, one cache line: its text (its rule
# is in its slot, see _Slot).
ctypedef struct _Route:
    _RouteText text
    int size  # when inlined
    bint inlined  # whether text holds the path's characters


assert sizeof(_Route) == 64, "a static path's record is one cache line"


cdef inline str _plain_text(text):
    """``text`` as an exact ``str``, so that the C code may read its
    characters: a subclass's by its characters (as werkzeug's matcher reads
    them, whatever its ``__str__`` says), another object by ``str()``."""
    if type(text) is str:
        return text
    if isinstance(text, str):
        return PyUnicode_FromObject(text)
    return str(text)


cdef inline Py_uhash_t _path_hash(str path) noexcept:
    """The tables' hash of a whole path."""
    return _hash(PyUnicode_KIND(path), PyUnicode_DATA(path), 0, PyUnicode_GET_LENGTH(path))


# PERF: a slot names its path's rules too, so that a hit asks for the
# rule's line as it reads the record's, not after: in a map too large for
# the cache, the two far reads overlap.
ctypedef struct _Slot:
    unsigned int check  # the high half of the path's hash
    int index  # into the records; -1: an empty slot
    _Ending *endings  # the records of the rules at the path's state (see _Node)


cdef inline unsigned int _check(Py_uhash_t hashed) noexcept:
    """A slot's ``check``: the hash's bits above those a slot's index takes
    (none where a hash is 32 bits, so that the text alone decides)."""
    return <unsigned int>(<unsigned long long>hashed >> 32)


cdef class _Paths:
    """One domain's fully static paths, for ``_match``'s fast path.

    PERF: in place of a dict, which reads its index, its entry, the key
    string and then the state: a request with a variable part (a miss here)
    reads one line of 16-byte slots, keyed by ``_path_hash``; a
    hit reads one more, the path's record (and the rule's, see _Slot).
    """

    # path -> state: what the records are made from, with every layout of
    # the nodes (NOTE: which a search makes first after an add()).
    cdef dict states
    cdef _Slot *slots
    cdef _Route *routes
    cdef void *block  # what routes was cut from, for 64-byte alignment
    cdef Py_ssize_t mask  # -1: no slots (their allocation failed)

    def __init__(self):
        self.states = {}
        self.mask = -1

    def __dealloc__(self):
        PyMem_Free(self.slots)
        PyMem_Free(self.block)


cdef _Ending *_route(_Paths paths, str path) noexcept:
    """The records of the rules at ``path``'s state, if it is one of the
    paths; else NULL."""
    cdef Py_uhash_t hashed
    cdef Py_ssize_t slot, index
    cdef _Route *route
    if paths.mask < 0:  # NOTE: the search finds the path's rules as well
        return NULL
    hashed = _path_hash(path)
    slot = <Py_ssize_t>(hashed & <Py_uhash_t>paths.mask)
    while True:
        index = paths.slots[slot].index
        if index < 0:
            return NULL
        if paths.slots[slot].check == _check(hashed):
            tumbler_prefetch(paths.slots[slot].endings)
            route = &paths.routes[index]
            if route.inlined:
                if (
                    PyUnicode_KIND(path) == 1
                    and route.size == PyUnicode_GET_LENGTH(path)
                    and tumbler_same_bytes(route.text.chars, PyUnicode_1BYTE_DATA(path), route.size)
                ):
                    return paths.slots[slot].endings
            elif _same_text(<str>route.text.path, path):
                return paths.slots[slot].endings
        slot = (slot + 1) & paths.mask


cdef _settle_paths(_Paths paths):
    """Lay out the slots and records for ``_route``, after the nodes."""
    # NOTE: a domain's paths are made with their first path: count >= 1.
    cdef Py_ssize_t count = len(paths.states)
    cdef Py_ssize_t size = _table_size(count)
    cdef Py_ssize_t slot
    cdef Py_ssize_t index = 0
    cdef Py_uhash_t hashed
    cdef _Route *route
    cdef str path
    cdef _State state
    PyMem_Free(paths.slots)
    PyMem_Free(paths.block)
    paths.slots = NULL
    paths.block = NULL
    paths.slots = <_Slot *>PyMem_Malloc(size * sizeof(_Slot))
    paths.block = PyMem_Malloc(count * sizeof(_Route) + 63)
    if paths.slots == NULL or paths.block == NULL:
        raise MemoryError()
    paths.routes = <_Route *>((<uintptr_t>paths.block + 63) & ~<uintptr_t>63)
    paths.mask = size - 1
    for slot in range(size):
        paths.slots[slot].index = -1
    for path, state in paths.states.items():
        hashed = _path_hash(path)
        slot = <Py_ssize_t>(hashed & <Py_uhash_t>paths.mask)
        while paths.slots[slot].index >= 0:
            slot = (slot + 1) & paths.mask
        paths.slots[slot].check = _check(hashed)
        paths.slots[slot].index = <int>index
        paths.slots[slot].endings = state.node.endings
        route = &paths.routes[index]
        route.inlined = PyUnicode_KIND(path) == 1 and PyUnicode_GET_LENGTH(path) <= _LONGEST
        if route.inlined:
            route.size = <int>PyUnicode_GET_LENGTH(path)
            memcpy(route.text.chars, PyUnicode_DATA(path), route.size)
        else:
            route.text.path = <PyObject *>path
        index += 1


cdef class StateMachine:
    """The rules of one map, as a graph of states to search."""

    cdef public bint merge_slashes
    cdef public object host_matching
    cdef public bint stale
    # Each endpoint's build plan (see Map._build_plan), made on its first
    # build after an update(), which empties this. PERF: here, a build reaches
    # it through the matcher its adapter keeps (see _matcher_of).
    cdef readonly dict plans
    cdef _State _root
    cdef dict _static
    cdef list _entries
    # The nodes, laid out by update() (see _Node); NULL till then. The root's
    # is the first.
    cdef void *_block
    cdef _Node *_nodes
    # NOTE: a search can let another thread run (a regex edge's match may
    # collect garbage, whose finalizers run Python code), which may add rules
    # and lay the nodes out again: a block is freed only when no search
    # reads it. The searches under way, and the blocks they may still read
    # (addresses, or None).
    cdef Py_ssize_t _searching
    cdef list _retired
    # The add()s so far. NOTE: ordering the states makes lists and compares
    # weights, a converter's by its own Python code, either of which may run
    # a collection, whose finalizers may add rules: a layout orders the
    # states again if one was added while it ordered them (see _lay_out).
    cdef size_t _added
    # PERF: the domain last matched (most requests have the same one), its
    # static paths and the root's static edge for it; None till then and
    # after every add() and update().
    cdef object _domain
    cdef object _domain_paths
    cdef _Node *_domain_node

    def __init__(self, merge_slashes):
        self.merge_slashes = merge_slashes
        self.host_matching = False
        self.stale = True
        self.plans = {}
        self._root = _State()
        self._static = {}
        self._entries = []

    def __dealloc__(self):
        PyMem_Free(self._block)
        if self._retired is not None:
            self._free_retired()

    cdef void _free_retired(self) noexcept:
        """Free the blocks retired while a search read them (there are some).
        PERF: the callers test ``_retired`` first, so that a match makes no
        call when, as nearly always, nothing was retired."""
        for address in self._retired:
            PyMem_Free(<void *><uintptr_t>address)
        self._retired = None

    def add(self, rule, converters):
        """Add a bound rule."""
        cdef _State state = self._root
        cdef _State following
        cdef bint all_static
        cdef _Paths paths
        self._domain = None  # its paths or edge may be made now
        self._nodes = NULL  # to be laid out again
        self._added += 1
        # PERF: whether every part is static, found on the way.
        all_static = True
        for part in rule._parts:
            if part.static:
                following = state.static.get(part.content)
                if following is None:
                    following = _State()
                    _add_static(state, part.content, following)
                state = following
                continue
            all_static = False
            key = part.key()
            for following in state.dynamic:
                if following.edge.key == key:
                    state = following
                    break
            else:
                following = _target(part)
                if state.dynamic:
                    state.dynamic.append(following)
                else:
                    state.dynamic = [following]
                state = following
        entry = _Entry(rule, converters)
        if state.rules:
            (<_Entry>state.rules[len(state.rules) - 1]).next = entry
            state.rules.append(entry)
        else:
            state.rules = [entry]
        self._entries.append(entry)
        if all_static:
            path = u"/".join([part.content for part in rule._parts[1:]])
            paths = self._static.get(rule._parts[0].content)
            if paths is None:
                paths = self._static[rule._parts[0].content] = _Paths()
            paths.states[path] = state

    def update(self):
        """Order every state's dynamic edges by weight, and forget the
        build plans."""
        # PERF: and lay the nodes out for the search (see _Node).
        cdef _Entry entry
        self.plans = {}
        for entry in self._entries:
            _refresh(entry)
            _allow(entry)
        self._lay_out(True)

    cdef int _lay_out(self, bint weigh) except -1:
        """Lay every state's node out in a new block (see _Node), lay the
        static paths' slots out again (see _Paths), then free the old block
        (or retire it, see _searching); with ``weigh``, order the dynamic
        edges first."""
        cdef list ordered
        cdef size_t added
        cdef size_t taken
        cdef _State state
        cdef _Paths paths
        while True:
            added = self._added
            taken = 0
            ordered = _in_layout_order(self._root, weigh, &taken)
            if added == self._added:
                break
        # NOTE: from here till the old block is let go, no object is made
        # and no Python code runs: no rule can be added to the states as
        # ordered and sized, so each of them is placed, every record has its
        # room, and every node a node or a path's slot points to is in the
        # block. PERF: zeroed by the allocator, which gets fresh pages zeroed.
        cdef void *block = PyMem_Calloc(1, taken + 63)
        if block == NULL:
            raise MemoryError()
        cdef char *start = <char *>((<uintptr_t>block + 63) & ~<uintptr_t>63)
        # NOTE: the machine owns the new block at once, and searches none
        # till it is filled, so that an error below (a failed allocation of
        # the paths' slots) leaks no block and leaves no node half made: the
        # next match lays the nodes out again.
        cdef void *old = self._block
        self._block = block
        self._nodes = NULL
        try:
            for state in ordered:
                _fill_node(state, start)
            self._nodes = (<_State>ordered[0]).node
            self._domain = None  # its node has moved
            # NOTE: the static paths' slots name records, which have moved:
            # none is read till it is laid out again.
            for paths in self._static.values():
                paths.mask = -1
            for paths in self._static.values():
                _settle_paths(paths)
        finally:
            if self._searching == 0:
                PyMem_Free(old)
            elif self._retired is None:
                self._retired = [<uintptr_t>old]
            else:
                self._retired.append(<uintptr_t>old)
        return 0

    def match(self, domain, path, method, websocket):
        """Match a request."""
        cdef _Answer answer
        method = _plain_text(method)
        self._match(_plain_text(domain), _plain_text(path), method, _bit(method), websocket,
                    &answer)
        found = _take(answer.found)
        extra = _take(answer.extra)
        if answer.status == _MATCHED:
            return MATCHED, <object>answer.rule, extra
        return answer.status, found, extra

    cdef int _match(self, str domain, str path, str method_text, _Bits method_bit, websocket,
                    _Answer *answer) except -1:
        """Match a request into ``answer``; ``method_bit`` is ``_bit(method_text)``.
        NOTE: the strings are exact ``str`` (see _plain_text)."""
        cdef _Ending *ending
        cdef dict values
        cdef _Search search
        cdef int outcome
        cdef int wants_websocket = _websocket_kind(websocket, _ODD_REQUEST)
        if self._nodes == NULL:  # NOTE: searched before update(), after an add()
            self._lay_out(False)
        if domain is not self._domain:
            self._domain_paths = self._static.get(domain)
            domain_state = self._root.static.get(domain)
            self._domain_node = NULL if domain_state is None else (<_State>domain_state).node
            self._domain = domain
        # NOTE: the nodes as they are now, for every read of them (see _searching).
        cdef _Node *root = self._nodes
        cdef _Node *domain_node = self._domain_node
        _own_nothing(&search)
        self._searching += 1
        try:
            if self._domain_paths is not None:
                # PERF: a static path's rule, with no search to make ready.
                ending = _route(<_Paths>self._domain_paths, path)
                while ending != NULL:
                    if _fits(ending, method_text, method_bit, wants_websocket):
                        values = (
                            (<_Entry>ending.entry).defaults.copy() if ending.has_defaults else {}
                        )
                        return _give_match(answer, ending, values, self._nodes != root)
                    ending = ending.next
            _begin(&search, method_text, method_bit, wants_websocket)
            outcome = _UNSURE
            if root.first == NULL and domain_node != NULL and PyUnicode_KIND(path) == 1:
                _hold(&search, path)
                outcome = _dive(&search, domain_node)
                if outcome == _UNSURE:  # NOTE: from the start, with nothing found or refused
                    _end(&search)
                    _begin(&search, method_text, method_bit, wants_websocket)
            if outcome == _UNSURE:
                # NOTE: held here while the search reads its characters.
                text = _prepare(&search, root, domain, path, domain_node)
                outcome = _start(&search)
            if outcome == _SLASH:
                return _give(answer, _REDIRECT, f"{path}/", None)
            if outcome == _FOUND:
                # PERF: read last, for the answer; loaded while the values are made.
                tumbler_prefetch(search.found.endpoint)
                values = _values(&search)
                if values is None:
                    return _no_match(&search, answer, False)
                return _give_match(answer, search.found, values, self._nodes != root)
            # NOTE: without "//" the second search would repeat the first.
            if self.merge_slashes and not search.doubled:
                return _no_match(&search, answer, True)
            if self.merge_slashes:
                merged = _SLASHES.sub(u"/", path)
                search.count = 0
                text = _prepare(&search, root, domain, merged, domain_node)
                outcome = _start(&search)
                if outcome == _SLASH:
                    return _give(answer, _REDIRECT, f"{merged}/", None)
                if outcome == _FOUND and (<object>search.found.rule).merge_slashes is not False:
                    return _give(answer, _REDIRECT, merged, None)
            return _no_match(&search, answer, False)
        finally:
            _end(&search)
            self._searching -= 1
            if self._searching == 0 and self._retired is not None:
                self._free_retired()


cdef dict _values(_Search *search):
    """The found rule's converted values, or ``None`` if a converter
    refuses its text."""
    cdef _Ending *ending = search.found
    cdef dict values = {}
    cdef Py_ssize_t span
    if ending.plain == search.count and search.captured == NULL:
        # PERF: each value is its text, cut from the path (no regex captured
        # one), under a name the record holds.
        for span in range(search.count):
            values[<object>ending.names[span]] = _cut_out(
                <str>search.text, search.spans[2 * span], search.spans[2 * span + 1]
            )
    elif not _put_all(search, (<_Entry>ending.entry).converters, values):
        return None
    if ending.has_defaults:
        values.update((<_Entry>ending.entry).defaults)
    return values


cdef inline str _cut_out(str text, Py_ssize_t start, Py_ssize_t stop):
    """``text[start:stop]``. PERF: from an ASCII text (nearly every path), a
    new string and a copy, past PyUnicode_Substring's checks and calls."""
    cdef str part
    if not PyUnicode_IS_ASCII(text):
        return PyUnicode_Substring(text, start, stop)
    part = PyUnicode_New(stop - start, 127)
    memcpy(PyUnicode_1BYTE_DATA(part), PyUnicode_1BYTE_DATA(text) + start, stop - start)
    return part


cdef bint _put_all(_Search *search, tuple converters, dict values) except -1:
    """Convert every value found into ``values``; ``False`` if a converter
    refuses its text."""
    cdef Py_ssize_t span, start, stop, position
    cdef Py_ssize_t index = 0
    for span in range(search.count):
        start = search.spans[2 * span]
        stop = search.spans[2 * span + 1]
        if start >= 0:
            if index == len(converters):
                break
            if not _put(values, converters[index], converters[index + 1],
                        _cut_out(<str>search.text, start, stop)):
                return False
            index += 2
            continue
        for position in range(-1 - start, -1 - start + stop):
            if index == len(converters):
                break
            if not _put(values, converters[index], converters[index + 1],
                        (<list>search.captured)[position]):
                return False
            index += 2
    return True


cdef bint _put(dict values, name, to_python, text) except -1:
    """Convert one value into ``values``; ``False`` if the converter refuses it."""
    if to_python is None:
        values[name] = text
        return True
    try:
        values[name] = to_python(text)
    except ValidationError:
        return False
    return True


cdef frozenset _NO_METHODS = frozenset()


cdef int _no_match(_Search *search, _Answer *answer, bint searched_twice) except -1:
    """No rule: the methods the path allows (for a 405), as matcher_py's
    _Search.allowed has them, and whether a rule refused the request for
    its websocket flag."""
    cdef _Entry first
    cdef Py_ssize_t index
    cdef list refused
    if search.refused_count == 0:
        return _give(answer, _NO_MATCH, _NO_METHODS, search.websocket_mismatch)
    first = <_Entry>search.refused[0]
    if _refused_all_after(search, first):
        # PERF: one state's rules, all refused: their methods are worked out.
        allowed = first.allowed_twice if searched_twice else first.allowed
        if allowed is not None:
            return _give(answer, _NO_MATCH, allowed, search.websocket_mismatch)
    refused = [<object>search.refused[index] for index in range(search.refused_count)]
    if search.more_refused != NULL:
        refused.extend(<list>search.more_refused)
    return _give(answer, _NO_MATCH, _allowed(refused, searched_twice),
                 search.websocket_mismatch)


def _weight(_State target):
    return target.edge.part.weight


cdef enum:
    # The most variables a side of a rule joins from slots on the stack.
    _FEW_VARIABLES = 16


cdef class RuleBuilder:
    """Assembles one rule's URL from values."""

    cdef tuple domain
    cdef tuple path
    # PERF: a side with no variables is the same text every time.
    cdef str domain_text
    cdef str path_text
    cdef tuple required
    cdef frozenset consumed
    cdef object encode_query
    # PERF: for BuildEntry._quick, which reads the values in one pass: the
    # path's variable names in order, and their hashes.
    cdef tuple names
    cdef Py_hash_t hashes[_FEW_VARIABLES]
    # PERF: for _join_path: the length of the path's static text when it is
    # all ASCII, else -1; and whether each variable's converter has the base
    # to_url.
    cdef Py_ssize_t static_size
    cdef bint plain[_FEW_VARIABLES]
    # Whether the domain is constant and the path has at most
    # _FEW_VARIABLES variables: what BuildEntry._quick needs.
    cdef bint quick
    # PERF: whether every path built starts with exactly one slash, so that
    # build need not look.
    cdef bint rooted

    def __init__(self, domain, path, required, consumed, encode_query):
        self.domain = _pieces(domain)
        self.path = _pieces(path)
        self.domain_text = _constant(self.domain)
        self.path_text = _constant(self.path)
        self.required = tuple(required)
        self.consumed = frozenset(consumed)
        self.encode_query = encode_query
        variables = [piece for piece in self.path if type(piece) is not str]
        self.names = tuple([name for name, _, _ in variables])
        self.quick = self.domain_text is not None and len(self.names) <= _FEW_VARIABLES
        if self.quick:
            for index, (name, _, plain) in enumerate(variables):
                self.hashes[index] = hash(name)
                self.plain[index] = plain
        # NOTE: a Rule's static text comes quoted, so ASCII; a builder made
        # from other pieces may not be.
        static = [piece for piece in self.path if type(piece) is str]
        self.static_size = sum(map(len, static)) if all(map(str.isascii, static)) else -1
        self.rooted = _rooted(self.path)

    def build(self, values, append_unknown):
        """Return ``(domain part, path)``, or ``None`` on ``ValidationError``."""
        for name in self.required:
            if name not in values:
                raise TypeError(f"missing a value for the URL variable {name!r}")
        built = self._build(values if type(values) is dict else dict(values), append_unknown,
                            None)
        return None if built is None else ((<_Built>built).domain, (<_Built>built).path)

    cdef object _build(self, dict values, bint append_unknown, websocket):
        """The rule's URL parts, or ``None`` on ``ValidationError``.

        NOTE: the caller has made sure every required value is there.
        """
        cdef bint unknown = _has_unknown(self.consumed, values)
        if unknown:
            # The rule's own names are text: only the others need a look.
            _check_keys(values)
        domain = self.domain_text
        path = self.path_text
        query = ""
        try:
            if append_unknown and unknown:
                query = self._query(values, False)
            if domain is None:
                domain = _join(self.domain, values)
            if path is None:
                path = _join(self.path, values)
        except ValidationError:
            return None
        return _Built.make(domain, path + query if query else path, websocket)

    cdef object _query(self, dict values, bint raw):
        """The query string of the values the rule does not use, after its
        ``?``; "" when they make none.

        NOTE: the callers make it before they convert a value, as werkzeug
        does, even for a rule that a converter then refuses: its errors
        come first.

        NOTE: ``raw`` values (the caller's dict, see BuildEntry._quick) may
        hold ``None`` values, which ``_given`` would have dropped; other
        values keep theirs (a ``MultiDict``'s), which ``encode_query`` sorts.
        """
        unknown = {
            key: value
            for key, value in values.items()
            if key not in self.consumed and not (raw and value is None)
        }
        query = self.encode_query(unknown)
        return "?" + query if query else ""

    cdef inline Py_ssize_t _slot(self, str key) except -2:
        """The position of the path variable named ``key``, else -1."""
        cdef Py_ssize_t index
        cdef Py_hash_t hashed = -1
        for index in range(len(self.names)):
            name = <str>self.names[index]
            if name is key:
                return index
            if hashed == -1:
                # NOTE: a key in a dict has its hash already: no code runs.
                hashed = hash(key)
            if self.hashes[index] == hashed and _same_text(name, key):
                return index
        return -1


cdef inline bint _same_text(str one, str other) noexcept:
    """``one == other`` for two exact ``str``. PERF: no call into CPython."""
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(one)
    cdef int kind = PyUnicode_KIND(one)
    return one is other or (
        size == PyUnicode_GET_LENGTH(other)
        and kind == PyUnicode_KIND(other)
        and tumbler_same_bytes(<const unsigned char *>PyUnicode_DATA(one),
                               <const unsigned char *>PyUnicode_DATA(other), size * kind)
    )


cdef bint _rooted(tuple pieces):
    """Whether the pieces join to text with exactly one leading slash, whatever
    the values: the first piece is static and says so by itself."""
    if not pieces or type(pieces[0]) is not str:
        return False
    first = <str>pieces[0]
    if first[:1] != u"/":
        return False
    return first[1:2] != u"/" if len(first) > 1 else len(pieces) == 1


# PERF: what a rule builds, handed from the rule to build: no tuple to make
# (and to track for the cycle collector), a free list instead of malloc.
@cython.freelist(8)
@cython.no_gc
cdef class _Built:
    cdef object domain
    cdef object path
    cdef object websocket

    @staticmethod
    cdef _Built make(domain, path, websocket):
        cdef _Built built = _Built.__new__(_Built)
        built.domain = domain
        built.path = path
        built.websocket = websocket
        return built


cdef int _check_keys(dict values) except -1:
    """Refuse keys that are not text, as werkzeug does once a rule fits: it
    passes the values to the rule's builder as keyword arguments."""
    for key in values:
        if not isinstance(key, str):
            raise TypeError("keywords must be strings")
    return 0


cdef bint _has_unknown(frozenset consumed, dict values) except -1:
    # PERF: frozenset.issuperset(dict) would first copy the keys into a set.
    for key in values:
        if key not in consumed:
            return True
    return False


cdef tuple _pieces(pieces):
    """The pieces, each placeholder ``(name, converter)`` given a third item:
    whether its converter's ``to_url`` is the base one (``str`` and quoting),
    which ``_to_url`` may then do in C."""
    cdef list out = []
    _fill_safe_table()
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
        else:
            name, converter = piece
            plain = type(converter).to_url is _WerkzeugConverter.to_url
            # PERF: interned, a name is the very key of a call's keyword
            # arguments (url_for(endpoint, **values)): BuildEntry._quick
            # then finds it by identity.
            out.append((intern(name) if type(name) is str else name, converter, plain))
    return tuple(out)


cdef str _constant(tuple pieces):
    """The text of pieces without placeholders, else ``None``."""
    for piece in pieces:
        if type(piece) is not str:
            return None
    return u"".join(pieces)


# Characters that stay unquoted in a path segment: converters.UNQUOTED.
cdef bint _SAFE_TABLE[128]
cdef bint _SAFE_TABLE_FILLED = False


cdef void _fill_safe_table() except *:
    # NOTE: imported on first use: tumbler.routing imports this module.
    global _SAFE_TABLE_FILLED
    cdef int code
    if not _SAFE_TABLE_FILLED:
        from tumbler.routing.converters import UNQUOTED
        for code in range(128):
            _SAFE_TABLE[code] = chr(code) in UNQUOTED
        _SAFE_TABLE_FILLED = True


cdef bint _needs_no_quoting(str text) noexcept:
    # PERF: any character past ASCII is quoted, so only ASCII text is read,
    # byte by byte.
    cdef const unsigned char *data
    cdef Py_ssize_t index
    if not PyUnicode_IS_ASCII(text):
        return False
    data = PyUnicode_1BYTE_DATA(text)
    for index in range(PyUnicode_GET_LENGTH(text)):
        if not _SAFE_TABLE[data[index]]:
            return False
    return True


cdef inline bint _as_it_stands(bint plain, value) noexcept:
    """Whether ``to_url`` would return the value unchanged, when ``plain``
    says it is the base one."""
    return plain and type(value) is str and _needs_no_quoting(<str>value)


cdef object _to_url(tuple piece, value):
    # PERF: the base to_url is str() and quoting; text that needs no
    # quoting, and any int, come back as they are.
    # NOTE: a converter's text may be a str subclass (markupsafe's Markup),
    # which the join takes, as werkzeug's f-string does.
    if _as_it_stands(piece[2], value):
        return value
    if piece[2] and type(value) is int:
        return str(value)
    return piece[1].to_url(value)


cdef str _join(tuple pieces, dict values):
    """The pieces' texts, joined; every value is there."""
    cdef PyObject *few[_FEW_VARIABLES]
    cdef PyObject **slots = few
    cdef Py_ssize_t count = 0
    cdef Py_ssize_t index
    for piece in pieces:
        count += type(piece) is not str
    if count > _FEW_VARIABLES:
        slots = <PyObject**>PyMem_Malloc(count * sizeof(PyObject*))
        if slots is NULL:
            raise MemoryError()
    count = 0
    try:
        for piece in pieces:
            if type(piece) is not str:
                value = values[(<tuple>piece)[0]]
                # NOTE: held by a reference of ours: a converter may change
                # the values.
                Py_INCREF(value)
                slots[count] = <PyObject*>value
                count += 1
        return _join_slots(pieces, slots)
    finally:
        for index in range(count):
            Py_DECREF(<object>slots[index])
        if slots is not few:
            PyMem_Free(slots)


cdef str _join_slots(tuple pieces, PyObject **slots):
    """The pieces' texts joined, the placeholders' values in ``slots`` in
    order (held by the caller).

    PERF: when every piece is ASCII text as it stands (static text, or a
    value the base ``to_url`` returns unchanged) the URL is copied at once
    (``_copied``), no converter called; else it is joined (``_joined``).
    """
    cdef Py_ssize_t count = len(pieces)
    cdef Py_ssize_t index
    cdef Py_ssize_t slot = 0
    cdef Py_ssize_t total = 0
    for index in range(count):
        piece = pieces[index]
        if type(piece) is str:
            if not PyUnicode_IS_ASCII(piece):
                return _joined(pieces, slots)
        else:
            piece = <object>slots[slot]
            slot += 1
            if not _as_it_stands((<tuple>pieces[index])[2], piece):
                return _joined(pieces, slots)
        total += PyUnicode_GET_LENGTH(piece)
    return _copied(pieces, slots, total)


cdef str _join_path(RuleBuilder builder, PyObject **slots):
    """The builder's path, its variables' values in ``slots`` in order (held
    by the caller), as ``_join_slots`` joins it. PERF: only the values are
    looked at; what it needs of the static text and the converters was
    worked out once (see RuleBuilder.static_size)."""
    cdef Py_ssize_t total = builder.static_size
    cdef Py_ssize_t index
    if total >= 0:
        for index in range(len(builder.names)):
            value = <object>slots[index]
            if not _as_it_stands(builder.plain[index], value):
                return _joined(builder.path, slots)
            total += PyUnicode_GET_LENGTH(value)
        return _copied(builder.path, slots, total)
    return _joined(builder.path, slots)


cdef str _copied(tuple pieces, PyObject **slots, Py_ssize_t total):
    """The pieces' texts, all ASCII and ``total`` long, copied into one
    string of that size."""
    cdef Py_ssize_t slot = 0
    cdef Py_ssize_t size
    joined = PyUnicode_New(total, 127)
    cdef char *out = <char*>PyUnicode_1BYTE_DATA(joined)
    for piece in pieces:
        if type(piece) is not str:
            piece = <object>slots[slot]
            slot += 1
        size = PyUnicode_GET_LENGTH(piece)
        memcpy(out, PyUnicode_1BYTE_DATA(piece), size)
        out += size
    return <str>joined


cdef str _joined(tuple pieces, PyObject **slots):
    """The pieces' texts, each value through its converter, joined."""
    # PERF: a tuple of the exact size, filled in place, is what str.join
    # reads fastest; a list would grow as it is appended to.
    cdef Py_ssize_t count = len(pieces)
    cdef Py_ssize_t index
    cdef Py_ssize_t slot = 0
    cdef tuple texts = PyTuple_New(count)
    for index in range(count):
        piece = pieces[index]
        if type(piece) is str:
            text = piece
        else:
            text = _to_url(<tuple>piece, <object>slots[slot])
            slot += 1
        Py_INCREF(text)
        PyTuple_SET_ITEM(texts, index, text)
    return u"".join(texts)


# What BuildEntry._quick returns when the values need the general path.
cdef object _SLOW = object()


cdef class BuildEntry:
    """One rule of an endpoint, as ``partial_build`` tries it."""

    cdef object rule
    cdef RuleBuilder builder
    cdef object methods
    cdef _Bits method_bits  # see _bits
    cdef frozenset arguments
    # PERF: the arguments again, as a tuple, which iterates without an iterator.
    cdef tuple argument_names
    cdef dict defaults
    cdef object websocket
    # Whether _quick builds it: a builder of ours, no defaults, and a
    # constant domain.
    cdef bint quick

    def __init__(self, rule, builder):
        self.rule = rule
        self.builder = builder
        self.methods = rule.methods
        self.method_bits = _bits(self.methods)
        self.arguments = frozenset(rule.arguments)
        self.argument_names = tuple(self.arguments)
        defaults = rule.defaults
        self.defaults = dict(defaults) if defaults else None
        self.websocket = rule.websocket
        self.quick = builder is not None and self.defaults is None and self.builder.quick

    def suitable(self, values, method):
        """``Rule.suitable_for``."""
        return self._suitable(dict(values), method)

    cdef bint _suitable(self, dict values, method) except -1:
        if not self._takes(method):
            return False
        for key in self.argument_names:
            if key not in values and (self.defaults is None or key not in self.defaults):
                return False
        if self.defaults is not None:
            for key, value in self.defaults.items():
                if key in values and value != values[key]:
                    return False
        return True

    cdef inline bint _takes(self, method) except -1:
        """Whether the rule serves ``method`` (``None``: any)."""
        if method is None or self.methods is None:
            return True
        if type(method) is str and self.method_bits:
            return _by_bits(self.method_bits, _bit(method))
        return method in self.methods

    def build(self, values, method, append_unknown):
        """The rule's ``(domain part, path)``, or ``None`` if it does not fit."""
        built = _built_by(self, dict(values), False, method, append_unknown)
        if built is None:
            return None
        if type(built) is str:
            return self.builder.domain_text, built
        return (<_Built>built).domain, (<_Built>built).path

    cdef object _build(self, dict values, method, bint append_unknown):
        """The rule's URL parts as a ``_Built``, or ``None`` if it does not fit."""
        cdef RuleBuilder builder = self.builder
        if builder is None:
            if not self.rule.suitable_for(values, method):
                return None
            built = self.rule.build(values, append_unknown)
            return None if built is None else _Built.make(built[0], built[1], self.websocket)
        if not self._suitable(values, method):
            return None
        return builder._build(values, append_unknown, self.websocket)

    cdef object _quick(self, dict values, bint raw, method, bint append_unknown):
        """The rule's path (its domain is constant), ``None`` if it does not
        fit, or ``_SLOW`` if a key is not a ``str``.

        PERF: the values are read in one pass that finds each variable's
        value and counts the others, without a lookup per variable; so the
        values may be ``raw``: the caller's dict, whose ``None`` values it
        skips, as ``_given`` drops them.
        """
        cdef RuleBuilder builder = self.builder
        cdef PyObject *slots[_FEW_VARIABLES]
        cdef Py_ssize_t count = len(builder.names)
        cdef Py_ssize_t found = 0
        cdef Py_ssize_t unknown = 0
        cdef Py_ssize_t position = 0
        cdef Py_ssize_t index
        cdef PyObject *key
        cdef PyObject *value
        if not self._takes(method):
            return None
        # NOTE: nothing in the loop runs code: the values stay as they are.
        while PyDict_Next(values, &position, &key, &value):
            if raw and value == <PyObject*>None:
                continue
            if type(<object>key) is not str:
                # NOTE: it could equal a name: a dict lookup would say.
                return _SLOW
            index = builder._slot(<str>key)
            if index < 0:
                unknown += 1
            else:
                slots[index] = value
                found += 1
        if found != count:
            return None
        for index in range(count):
            # NOTE: held by a reference of ours: a converter may change the values.
            Py_INCREF(<object>slots[index])
        query = ""
        try:
            if append_unknown and unknown:
                query = builder._query(values, raw)
            path = builder.path_text
            if path is None:
                path = _join_path(builder, slots)
        except ValidationError:
            return None
        finally:
            for index in range(count):
                Py_DECREF(<object>slots[index])
        return path + query if query else path


cdef object _built_by(BuildEntry entry, dict values, bint raw, method, bint append_unknown):
    """What the entry builds from the values: its path (a ``str``) from
    ``_quick``, else a ``_Built``; ``None`` if it does not fit, or ``_SLOW``
    if ``raw`` values (the caller's dict, unfiltered) will not do."""
    if entry.quick:
        built = entry._quick(values, raw, method, append_unknown)
        if built is not _SLOW:
            return built
    if raw:
        return _SLOW
    return entry._build(values, method, append_unknown)


cdef bint _all_in_kernel(tuple plan):
    """Whether every entry of the plan builds here (none calls a rule's own
    ``suitable_for`` or ``build``, which could change the values)."""
    cdef BuildEntry entry
    for entry in plan:
        if entry.builder is None:
            return False
    return True


cdef tuple _plan(url_map, matcher, endpoint):
    """The endpoint's build plan, made by the map when there is none."""
    if type(matcher) is StateMachine:
        plan = (<StateMachine>matcher).plans.get(endpoint)
    else:
        plan = matcher.plans.get(endpoint)
    if plan is None:
        plan = url_map._build_plan(endpoint)
    return <tuple>plan


def partial_build(adapter, endpoint, values, method, append_unknown):
    """The first buildable rule of an endpoint (``MapAdapter._partial_build``)."""
    cdef AdapterBase bound = _view(adapter)
    cdef PyObject *won = NULL
    matcher = _matcher_of(bound)
    plan = _plan(bound.map, matcher, endpoint)
    host = bound.server_name if _host_matching(matcher) else None
    found = _partial_build(bound, host, plan, dict(values), False, method, append_unknown, &won)
    if found is None:
        return None
    if type(found) is str:
        entry = <BuildEntry>won
        return entry.builder.domain_text, found, entry.websocket
    return (<_Built>found).domain, (<_Built>found).path, (<_Built>found).websocket


cdef object _partial_build(AdapterBase bound, host, tuple plan, dict values, bint raw, method,
                           bint append_unknown, PyObject **won):
    """What ``_first_built`` finds for the method, or for the bound default
    method first when the method is ``None``."""
    cdef object found
    if method is None:
        found = _first_built(plan, values, raw, bound.default_method, append_unknown, host, won)
        if found is not None:
            return found
    return _first_built(plan, values, raw, method, append_unknown, host, won)


cdef object _first_built(tuple plan, dict values, bint raw, method, bint append_unknown, host,
                         PyObject **won):
    """What the first fitting entry builds (see ``_built_by``), ``won`` set to
    that entry (borrowed from the plan); with a ``host`` (host matching), the
    first on that host if any.

    ``raw`` values are the caller's dict as it is; they are filtered (see
    ``_kernel_values``) when an entry needs the general path.
    """
    cdef BuildEntry entry
    first = None
    for entry in plan:
        found = _built_by(entry, values, raw, method, append_unknown)
        if found is _SLOW:
            values = _kernel_values(values, plan)
            raw = False
            found = _built_by(entry, values, raw, method, append_unknown)
        if found is None:
            continue
        if host is None or _domain_of(entry, found) == host:
            won[0] = <PyObject*>entry
            return found
        if first is None:
            first = found
            won[0] = <PyObject*>entry
    return first


cdef inline object _domain_of(BuildEntry entry, found):
    """The domain part of what ``_built_by`` returned for the entry."""
    if type(found) is str:
        return entry.builder.domain_text
    return (<_Built>found).domain


cdef dict _given(values):
    """The values as ``build`` takes them: no ``None`` values, and a
    ``MultiDict``'s repeated keys as lists. PERF: a plain dict without
    ``None`` values is returned as it is."""
    cdef Py_ssize_t position = 0
    cdef PyObject *item
    if not values:
        return {}
    if type(values) is dict:
        while PyDict_Next(values, &position, NULL, &item):
            if item == <PyObject*>None:
                break
        else:
            return <dict>values
    elif isinstance(values, MultiDict):
        return {
            key: (items[0] if len(items) == 1 else items)
            for key, items in dict.items(values)
            if len(items) != 0
        }
    return {key: value for key, value in values.items() if value is not None}


cdef dict _kernel_values(values, tuple plan):
    """The values as ``build`` takes them, for the plan's entries.

    NOTE: the caller's own dict may be read, never handed on to code that
    could change it.
    """
    given = _given(values)
    if given is values and not _all_in_kernel(plan):
        return dict(given)
    return given


cdef dict _own_values(values):
    """The values as ``build`` takes them, in a dict that is not the caller's."""
    given = _given(values)
    return dict(given) if given is values else given


def build(adapter, endpoint, values=None, method=None, force_external=False,
          append_unknown=True, url_scheme=None):
    """Build the URL of an endpoint from values (``MapAdapter.build``)."""
    cdef AdapterBase bound = _view(adapter)
    url_map = bound.map
    matcher = _matcher_of(bound)
    if _is_stale(matcher):
        url_map.update()
    cdef tuple plan
    cdef PyObject *won = NULL
    cdef bint rooted = False
    cdef bint raw
    host_matching = _host_matching(matcher)
    if _is_kernel_method(adapter, u"_partial_build", partial_build):
        plan = _plan(url_map, matcher, endpoint)
        # PERF: a plain dict goes in as it is, unfiltered, when only this
        # module reads it (see _first_built).
        raw = type(values) is dict and _all_in_kernel(plan)
        given = values if raw else _kernel_values(values, plan)
        found = _partial_build(
            bound, bound.server_name if host_matching else None,
            plan, given, raw, method, append_unknown, &won,
        )
        if type(found) is str:
            path = found
            domain_part = (<BuildEntry>won).builder.domain_text
            websocket = (<BuildEntry>won).websocket
            rooted = (<BuildEntry>won).builder.rooted
        elif found is not None:
            domain_part = (<_Built>found).domain
            path = (<_Built>found).path
            websocket = (<_Built>found).websocket
    else:
        given = _own_values(values)
        found = adapter._partial_build(endpoint, given, method, append_unknown)
        if found is not None:
            domain_part, path, websocket = found
    if found is None:
        # NOTE: the values _partial_build had, as werkzeug reports them.
        raise BuildError(endpoint, _own_values(values) if given is values else given, method,
                         adapter)
    script_name = bound.script_name
    if not (websocket or force_external or host_matching) and domain_part == bound.subdomain:
        # PERF: the common case needs neither host nor scheme, and under the
        # root script name a path with one leading slash is the URL itself.
        if script_name == u"/" and (rooted or (path and _path_part(path) is path)):
            return path
        return f"{script_name.rstrip(u'/')}/{path.lstrip(u'/')}"
    if url_scheme is None:
        url_scheme = bound.url_scheme
    secure = url_scheme == u"https" or url_scheme == u"wss"
    if websocket:
        force_external = True
        url_scheme = u"wss" if secure else u"ws"
    elif url_scheme:
        url_scheme = u"https" if secure else u"http"
    host = adapter.get_host(domain_part)
    if not force_external and host_matching and host == bound.server_name:
        return f"{script_name.rstrip(u'/')}/{path.lstrip(u'/')}"
    scheme = f"{url_scheme}:" if url_scheme else u""
    return f"{scheme}//{host}{_but_last(script_name)}/{path.lstrip(u'/')}"


@cython.wraparound(True)
cdef object _but_last(text):
    """``text[:-1]``: the script name without the slash it ends with, cut as
    werkzeug cuts it (so that one set on the adapter by hand, without it,
    loses its last character there too)."""
    return text[:-1]


cdef inline bint _is_kernel_method(obj, str name, function):
    """Whether ``obj.name`` is this module's ``function``: its class's, not
    overridden, and not set on the instance."""
    if _PyType_Lookup(type(obj), name) != <PyObject*>function:
        return False
    cdef PyObject *own = tumbler_instance_dict(obj)
    return own is NULL or name not in <dict>own


cdef object _answer(adapter, path_info, method, return_rule, query_args, websocket):
    """What ``match`` answers: its result, a tuple; or the exception it
    raises, which is returned for tumbler_match to raise (see there).

    PERF: a common method's bit says it is in upper case already, and a path
    in shape is taken as it is: neither is looked at twice.
    NOTE: a path or method read from the adapter's fields is held here:
    Python code the match runs (an update, a converter) may set them. The
    caller's own arguments are held by the caller for the call.
    """
    cdef _Bits method_bit = _bit(<str>method) if type(method) is str else 0
    if (method_bit != 0 and websocket is None and type(path_info) is str
            and _known(adapter) and _in_shape(<str>path_info)):
        # PERF: match(path, method) as a framework calls it, with every
        # field read where it stands: 40-50 fewer instructions a match.
        return _answer_plain(<AdapterBase>adapter, adapter, <str>path_info, <str>method,
                             method_bit, return_rule, query_args,
                             (<AdapterBase>adapter).websocket)
    cdef AdapterBase bound
    if path_info is None and method is None and websocket is None and _known(adapter):
        # PERF: match(return_rule=True) as Flask calls it, the path and
        # method the adapter's own: read where they stand, as above.
        bound = <AdapterBase>adapter
        own_path = bound.path_info
        own_method = bound.default_method
        if type(own_method) is str and type(own_path) is str and _in_shape(<str>own_path):
            method_bit = _bit(<str>own_method)
            if method_bit != 0:
                return _answer_plain(bound, adapter, <str>own_path, <str>own_method, method_bit,
                                     return_rule, query_args, bound.websocket)
    bound = _view(adapter)
    cdef str path = _path_part(bound.path_info if path_info is None else path_info)
    given = method
    if method_bit == 0:
        given = _plain_method(bound, method)
        method_bit = _bit(given)
    return _answer_plain(bound, adapter, path, given, method_bit, return_rule, query_args,
                         bound.websocket if websocket is None else websocket)


cdef str _plain_method(AdapterBase bound, method):
    """The method as match takes it: the adapter's default for none, in
    upper case."""
    if type(method) is str:  # PERF: no truth test through the type
        if PyUnicode_GET_LENGTH(method) == 0:
            method = bound.default_method
    elif not method:
        method = bound.default_method
    if type(method) is str and _upper_ascii(method):
        return method
    return _plain_text(method.upper())


cdef object _answer_plain(AdapterBase bound, adapter, str path, str method, _Bits method_bit,
                          return_rule, query_args, websocket):
    """``_answer`` for a path in shape and a method in upper case, whose bit
    is ``method_bit``."""
    matcher = _matcher_of(bound)
    if _is_stale(matcher):
        bound.map.update()
    if bound.subdomain is None or _host_matching(matcher):
        domain = bound.server_name
    else:
        domain = bound.subdomain
    if type(domain) is not str:
        domain = _plain_text(domain)
    if type(matcher) is not StateMachine:
        return _match_slow(adapter, matcher, domain, path, method, websocket, return_rule,
                           query_args)
    cdef _Answer answer
    (<StateMachine>matcher)._match(<str>domain, path, method, method_bit, websocket, &answer)
    found = _take(answer.found)
    extra = _take(answer.extra)
    if answer.status != _MATCHED:
        return _miss(adapter, answer.status, found, extra, query_args)
    if answer.may_redirect:
        target = adapter._redirect_for(<object>answer.rule, extra, method, query_args, domain,
                                       path)
        if target is not None:
            return RequestRedirect(target)
    return (<object>answer.rule if return_rule else found), extra


# PERF: match is a C method, not a def function: an exception leaving a
# Cython function gets a traceback entry, which costs more than making the
# 404 itself. tumbler_match reads the arguments and raises what _answer
# returns; errors from deeper down (a converter's, say) keep their entries.
ctypedef object (*_Answering)(object, object, object, object, object, object)

cdef extern from *:
    """
    typedef PyObject *(*tumbler_answering)(PyObject *, PyObject *, PyObject *,
                                           PyObject *, PyObject *, PyObject *);
    static tumbler_answering tumbler_answer = NULL;
    static const char *const tumbler_match_names[] = {
        "path_info", "method", "return_rule", "query_args", "websocket",
    };
    #define TUMBLER_MATCH_ARGS 5
    static PyObject *tumbler_match_keys[TUMBLER_MATCH_ARGS];

    static PyObject *tumbler_match(PyObject *adapter, PyObject *const *args,
                                   Py_ssize_t nargs, PyObject *kwnames) {
        PyObject *given[TUMBLER_MATCH_ARGS] = {Py_None, Py_None, Py_False, Py_None, Py_None};
        Py_ssize_t named = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
        Py_ssize_t index, slot;
        PyObject *answer;
        if (nargs == 2 && named == 0) {
            answer = tumbler_answer(adapter, args[0], args[1], Py_False, Py_None, Py_None);
            goto answered;
        }
        if (nargs > TUMBLER_MATCH_ARGS) {
            PyErr_Format(PyExc_TypeError,
                         "match() takes from 1 to %d positional arguments but %zd were given",
                         TUMBLER_MATCH_ARGS + 1, nargs + 1);
            return NULL;
        }
        for (index = 0; index < nargs; index++) {
            given[index] = args[index];
        }
        for (index = 0; index < named; index++) {
            PyObject *key = PyTuple_GET_ITEM(kwnames, index);
            /* PERF: a call's keywords are the interned names, as a rule. */
            for (slot = 0; slot < TUMBLER_MATCH_ARGS; slot++) {
                if (key == tumbler_match_keys[slot]) {
                    break;
                }
            }
            if (slot == TUMBLER_MATCH_ARGS) {
                for (slot = 0; slot < TUMBLER_MATCH_ARGS; slot++) {
                    if (PyUnicode_CompareWithASCIIString(key, tumbler_match_names[slot]) == 0) {
                        break;
                    }
                }
            }
            if (slot == TUMBLER_MATCH_ARGS) {
                PyErr_Format(PyExc_TypeError,
                             "match() got an unexpected keyword argument '%U'", key);
                return NULL;
            }
            if (slot < nargs) {
                PyErr_Format(PyExc_TypeError, "match() got multiple values for argument '%s'",
                             tumbler_match_names[slot]);
                return NULL;
            }
            given[slot] = args[nargs + index];
        }
        answer = tumbler_answer(adapter, given[0], given[1], given[2], given[3], given[4]);
    answered:
        if (answer == NULL || PyTuple_CheckExact(answer)) {
            return answer;
        }
        PyErr_SetObject((PyObject *)Py_TYPE(answer), answer);
        Py_DECREF(answer);
        return NULL;
    }

    static PyMethodDef tumbler_match_def = {
        "match", (PyCFunction)(void (*)(void))tumbler_match, METH_FASTCALL | METH_KEYWORDS,
        "match($adapter, /, path_info=None, method=None, return_rule=False, query_args=None,"
        " websocket=None)\\n--\\n\\n"
        "Match a path and method against the rules (``MapAdapter.match``).\\n\\n"
        "Returns ``(endpoint, values)``, or ``(rule, values)`` with ``return_rule``;\\n"
        "raises NotFound, MethodNotAllowed, RequestRedirect or WebsocketMismatch.",
    };

    /* The method descriptor of cls that matches by answer. */
    static PyObject *tumbler_match_method(PyObject *cls, tumbler_answering answer) {
        Py_ssize_t slot;
        for (slot = 0; slot < TUMBLER_MATCH_ARGS; slot++) {
            tumbler_match_keys[slot] = PyUnicode_InternFromString(tumbler_match_names[slot]);
            if (tumbler_match_keys[slot] == NULL) {
                return NULL;
            }
        }
        tumbler_answer = answer;
        return PyDescr_NewMethod((PyTypeObject *)cls, &tumbler_match_def);
    }
    """
    object tumbler_match_method(object cls, _Answering answer)


# NOTE: AdapterBase is defined below; extension types exist before module code runs.
match = tumbler_match_method(AdapterBase, _answer)


cdef bint _upper_ascii(str text) noexcept:
    """Whether ``text`` is ASCII with no lowercase letter, so that ``upper()``
    would return it as it is. PERF: cheaper than ``str.isupper``."""
    cdef Py_UCS4 char
    for char in text:
        if char >= 128 or u"a" <= char <= u"z":
            return False
    return True


cdef inline bint _in_shape(str path) noexcept:
    """Whether ``path`` is ``"/" + path.lstrip("/")`` already, as nearly
    every path is. PERF: an ASCII one is read in place: "/", and then
    another character (or the string's closing NUL)."""
    cdef const unsigned char *data
    if PyUnicode_IS_ASCII(path):
        data = PyUnicode_1BYTE_DATA(path)
        return data[0] == b"/" and data[1] != b"/"
    return PyUnicode_READ_CHAR(path, 0) == u"/" and (
        PyUnicode_GET_LENGTH(path) == 1 or PyUnicode_READ_CHAR(path, 1) != u"/"
    )


cdef str _path_part(path_info):
    """``"/" + path_info.lstrip("/")``, or ``""`` for no path."""
    if type(path_info) is str and _in_shape(path_info):
        return path_info
    if not path_info:
        return u""
    return u"/" + path_info.lstrip(u"/")


cdef object _match_slow(adapter, matcher, domain, path, method, websocket, return_rule,
                        query_args):
    """``_answer`` over a matcher that is not this module's."""
    status, found, extra = matcher.match(domain, path, method, websocket)
    if status == MATCHED:
        if found._may_redirect:
            target = adapter._redirect_for(found, extra, method, query_args, domain, path)
            if target is not None:
                return RequestRedirect(target)
        return (found if return_rule else found.endpoint), extra
    return _miss(adapter, status, found, extra, query_args)


cdef object _miss(adapter, int status, found, extra, query_args):
    """What a redirect or a miss raises."""
    if status == _REDIRECT:
        return RequestRedirect(adapter._slash_redirect(found, query_args))
    if type(found) is tuple:  # PERF: as a state's worked-out methods are
        if PyTuple_GET_SIZE(found):
            return _http_error(MethodNotAllowed, tumbler_list_of(found))
    elif found:
        return _http_error(MethodNotAllowed, list(found))
    if extra is not False and extra:
        return WebsocketMismatch()
    return _http_error(NotFound, None)


cdef extern from "Python.h":
    int PyObject_GenericSetDict(object obj, object value, void *context) except -1
    bint PyDict_Next(object mapping, Py_ssize_t *position, PyObject **key, PyObject **value)
    PyObject *_PyType_Lookup(type cls, object name)


cdef inline object _matcher_of(AdapterBase bound):
    """The matcher of the adapter's map."""
    url_map = bound.map
    if url_map is not bound._matcher_map:
        bound._matcher = _matcher_field(url_map)
        bound._matcher_map = url_map
    return bound._matcher


# The map keeps its host_matching, and whether it needs an update, in its
# matcher, where a StateMachine of this module holds them in C fields.
cdef inline bint _is_stale(matcher) except -1:
    if type(matcher) is StateMachine:
        return (<StateMachine>matcher).stale
    return matcher.stale


cdef inline object _host_matching(matcher):
    if type(matcher) is StateMachine:
        return (<StateMachine>matcher).host_matching
    return matcher.host_matching


# The __dict__ werkzeug's __init__ leaves an HTTP error, without and with
# valid_methods (see _http_error).
cdef dict _ERROR_STATE = {u"response": None}
cdef dict _NOT_ALLOWED_STATE = {u"response": None, u"valid_methods": None}


cdef object _http_error(type cls, object valid_methods):
    # PERF: the state werkzeug's __init__ leaves, without running it: no
    # arguments, no response, and valid_methods for a 405; made by the
    # class's tp_new, with its __dict__ a copy of one made whole (a copy of
    # a dict's table, not a table grown item by item).
    error = tumbler_new(cls)
    cdef dict state
    if valid_methods is None:
        state = PyDict_Copy(_ERROR_STATE)
    else:
        state = PyDict_Copy(_NOT_ALLOWED_STATE)
        state[u"valid_methods"] = valid_methods
    PyObject_GenericSetDict(error, state, NULL)
    return error


# -- the adapter's fields ----------------------------------------------------

@cython.auto_pickle(True)
cdef class AdapterBase:
    """What a ``MapAdapter`` is bound to: the map and the request's host,
    script root, subdomain, scheme, path, method and query."""

    # PERF: C fields, read by match and build and set by bind_to_environ
    # without a __dict__.
    cdef public object map
    cdef public object server_name
    cdef public object script_name
    cdef public object subdomain
    cdef public object url_scheme
    cdef public object path_info
    cdef public object default_method
    cdef public object query_args
    cdef public object websocket
    # PERF: the map's matcher, read from the map once and kept while the
    # adapter's map is _matcher_map (see _matcher_of). A map makes its
    # matcher once, in __init__.
    cdef object _matcher_map
    cdef object _matcher


cdef extern from *:
    """
    /* The class's version tag, 0 while it has none (it changes whenever the
       class or a base is modified). */
    static unsigned int tumbler_type_version(PyObject *cls) {
    #if PY_VERSION_HEX < 0x030C0000
        if (!PyType_HasFeature((PyTypeObject *)cls, Py_TPFLAGS_VALID_VERSION_TAG)) {
            return 0;
        }
    #endif
        return ((PyTypeObject *)cls)->tp_version_tag;
    }

    /* Whether instances of the class are made by the base's __new__ (which
       refuses abstract classes) and set attributes as object does, so that
       making one and setting its fields is what calling it would do. */
    static int tumbler_made_as(PyObject *cls, PyObject *base) {
        PyTypeObject *type = (PyTypeObject *)cls;
        return Py_IS_TYPE(cls, &PyType_Type)
            && type->tp_new == ((PyTypeObject *)base)->tp_new
            && !PyType_HasFeature(type, Py_TPFLAGS_IS_ABSTRACT)
            && type->tp_setattro == PyObject_GenericSetAttr;
    }

    /* What cls.__new__(cls) makes. PERF: no Python call. */
    static PyObject *tumbler_new(PyObject *cls) {
        PyObject *no_args = PyTuple_New(0);
        PyObject *made;
        if (no_args == NULL) {
            return NULL;
        }
        made = ((PyTypeObject *)cls)->tp_new((PyTypeObject *)cls, no_args, NULL);
        Py_DECREF(no_args);
        return made;
    }

    /* A new list of the tuple's items. PERF: made at its size and filled
       in place (list(tuple) grows an empty list by list_extend). */
    static PyObject *tumbler_list_of(PyObject *tuple) {
        Py_ssize_t size = PyTuple_GET_SIZE(tuple);
        Py_ssize_t index;
        PyObject *list = PyList_New(size);
        if (list == NULL) {
            return NULL;
        }
        for (index = 0; index < size; index++) {
            PyObject *item = PyTuple_GET_ITEM(tuple, index);
            Py_INCREF(item);
            PyList_SET_ITEM(list, index, item);
        }
        return list;
    }

    /* The object a reference is held to, whose reference the caller takes over. */
    static PyObject *tumbler_take(PyObject *held) {
        return held;
    }

    /* The instance's __dict__, or NULL if it has none yet: never makes one. */
    static PyObject *tumbler_instance_dict(PyObject *obj) {
        PyObject **slot = _PyObject_GetDictPtr(obj);
        return slot == NULL ? NULL : *slot;
    }

    static int tumbler_is_descriptor(PyObject *found) {
        return Py_TYPE(found)->tp_descr_get != NULL || Py_TYPE(found)->tp_descr_set != NULL;
    }
    """
    unsigned int tumbler_type_version(object cls)
    bint tumbler_made_as(object cls, object base)
    object tumbler_new(object cls)
    list tumbler_list_of(object tuple)
    object _take "tumbler_take"(PyObject *held)
    PyObject *tumbler_instance_dict(object obj)
    bint tumbler_is_descriptor(PyObject *found)


# What an adapter class is to the kernel (see _adapter_kind).
cdef enum:
    _FOREIGN = 0  # its fields are read through getattr
    _KEEPS = 1  # its fields are AdapterBase's C fields
    _PLAIN = 2  # and bind_to_environ may make one without calling it

cdef tuple _ADAPTER_FIELDS = (
    u"map", u"server_name", u"script_name", u"subdomain", u"url_scheme", u"path_info",
    u"default_method", u"query_args", u"websocket",
)
# The last adapter class looked at, its version tag then, and its kind.
cdef object _SEEN_CLASS = None
cdef unsigned int _SEEN_VERSION = 0
cdef int _SEEN_KIND = _FOREIGN


cdef int _adapter_kind(type cls) except -1:
    """What ``cls`` is to the kernel; worked out again only when the class
    (or a base) changes."""
    global _SEEN_CLASS, _SEEN_VERSION, _SEEN_KIND
    cdef unsigned int version
    cdef int kind
    if cls is _SEEN_CLASS:
        version = tumbler_type_version(cls)
        if version != 0 and version == _SEEN_VERSION:
            return _SEEN_KIND
    kind = _FOREIGN
    if issubclass(cls, AdapterBase):
        kind = _KEEPS
        for name in _ADAPTER_FIELDS:
            if _PyType_Lookup(cls, name) != _PyType_Lookup(AdapterBase, name):
                kind = _FOREIGN  # a subclass put its own attribute over a field
                break
    if kind == _KEEPS and tumbler_made_as(cls, AdapterBase):
        _routing_classes()
        if _PyType_Lookup(cls, u"__init__") == <PyObject*>_ADAPTER_INIT:
            kind = _PLAIN
    _SEEN_CLASS = cls
    _SEEN_VERSION = tumbler_type_version(cls)
    _SEEN_KIND = kind
    return kind


cdef inline AdapterBase _view(adapter):
    """The adapter's fields: the adapter itself where they are its C fields,
    else a stand-in filled through getattr.
    PERF: the class last looked at, unchanged, is known without a call."""
    if _known(adapter):
        return <AdapterBase>adapter
    return _view_looked_up(adapter)


cdef inline bint _known(adapter) noexcept:
    """Whether the adapter's class is the one last looked at, unchanged, and
    its fields are AdapterBase's."""
    return (
        type(adapter) is _SEEN_CLASS
        and _SEEN_KIND != _FOREIGN
        and _SEEN_VERSION != 0
        and tumbler_type_version(type(adapter)) == _SEEN_VERSION
    )


cdef AdapterBase _view_looked_up(adapter):
    """``_view``, for a class looked at again."""
    if _adapter_kind(type(adapter)) != _FOREIGN:
        return <AdapterBase>adapter
    view = AdapterBase.__new__(AdapterBase)
    for name in _ADAPTER_FIELDS:
        setattr(view, name, getattr(adapter, name))
    return <AdapterBase>view


# -- bind_to_environ ---------------------------------------------------------

# The adapter's server name for a request's Host header, by scheme: only for
# requests that _bind_plain takes. Bounded like _HOSTS.
cdef dict _SERVER_NAMES = {}
# The one last remembered: most services answer to one name.
cdef str _LAST_SCHEME = None
cdef str _LAST_HEADER = None
cdef object _LAST_SERVER_NAME = None
cdef dict _HOSTS = {}
cdef Py_ssize_t _CACHE_SIZE = 256
cdef object _MAP = None
cdef object _ADAPTER_INIT = None


def bind_to_environ(url_map, environ, server_name=None, subdomain=None):
    """Like ``Map.bind``, with everything taken from a WSGI environ, or a
    request through its ``environ`` (``Map.bind_to_environ``)."""
    # NOTE: Flask gives subdomain="" when it does not match subdomains.
    if (server_name is None and type(environ) is dict
            and (subdomain is None or type(subdomain) is str)):
        adapter = _bind_plain(url_map, <dict>environ, subdomain)
        if adapter is not None:
            return adapter
    return _bind(url_map, environ, server_name, subdomain)


# What _bind_plain's environ lookup answers for a key it lacks.
cdef object _MISSING = object()


cdef object _bind_plain(url_map, dict env, subdomain):
    """The common request, bound without Python calls: a plain dict, no
    server name given (the subdomain may be), no host matching, a Host
    header, no upgrade, ASCII text, and tumbler's adapter (a subclass that
    changes neither how it is made nor how its attributes are set is fine).
    ``None``: bind the general way.

    PERF: the adapter is made as ``MapAdapter.__init__`` would make it, with
    its C fields set directly; the host's server name comes from
    ``_SERVER_NAMES``, filled by the first such request for the host.
    """
    matcher = _matcher_field(url_map)
    if _host_matching(matcher):
        return None
    # NOTE: a class's attribute (see Map._adapter_class); a descriptor there
    # (a property, say) is left to the general way.
    cdef PyObject *found = _PyType_Lookup(type(url_map), u"_adapter_class")
    if found is NULL or tumbler_is_descriptor(found):
        return None
    cls = <object>found
    if not (isinstance(cls, type) and _adapter_kind(cls) == _PLAIN):
        return None
    scheme = env.get(u"wsgi.url_scheme")
    header = env.get(u"HTTP_HOST")
    method = env.get(u"REQUEST_METHOD", _MISSING)
    if type(scheme) is not str or type(header) is not str or method is _MISSING:
        return None
    if u"HTTP_UPGRADE" in env:
        return None
    script_name = env.get(u"SCRIPT_NAME")
    path_info = env.get(u"PATH_INFO")
    query_args = env.get(u"QUERY_STRING")
    if not (_ascii_or_none(script_name) and _ascii_or_none(path_info)
            and _ascii_or_none(query_args)):
        return None
    server_name = _server_name_for(scheme, header)
    if server_name is None:
        bound = _bind(url_map, env, None, subdomain)
        _remember_server_name(scheme, header, (<AdapterBase>bound).server_name)
        return bound
    if script_name is None or PyUnicode_GET_LENGTH(script_name) == 0:
        script_name = u"/"
    elif PyUnicode_READ_CHAR(script_name, PyUnicode_GET_LENGTH(script_name) - 1) != u"/":
        script_name = script_name + u"/"
    cdef AdapterBase made = <AdapterBase>tumbler_new(cls)
    made.map = url_map
    made._matcher_map = url_map
    made._matcher = matcher
    made.server_name = server_name
    made.script_name = script_name
    made.subdomain = subdomain if subdomain else u""
    made.url_scheme = scheme
    made.path_info = u"/" if path_info is None else path_info
    made.default_method = method
    made.query_args = query_args
    # PERF: _same_text, not ==, which Cython makes a PyUnicode_Compare call.
    made.websocket = _same_text(scheme, u"ws") or _same_text(scheme, u"wss")
    return made


cdef inline bint _ascii_or_none(value):
    return value is None or (type(value) is str and PyUnicode_IS_ASCII(value))


cdef object _server_name_for(str scheme, str header):
    """The server name remembered for a Host header under a scheme, or ``None``.
    PERF: the last one is compared before the dicts are asked (with
    _same_text: a server makes the header's string anew for each request)."""
    if (_LAST_HEADER is not None and _same_text(header, _LAST_HEADER)
            and _same_text(scheme, _LAST_SCHEME)):
        return _LAST_SERVER_NAME
    hosts = _SERVER_NAMES.get(scheme)
    return None if hosts is None else (<dict>hosts).get(header)


cdef void _remember_server_name(str scheme, str header, server_name):
    global _LAST_SCHEME, _LAST_HEADER, _LAST_SERVER_NAME
    _LAST_SCHEME, _LAST_HEADER, _LAST_SERVER_NAME = scheme, header, server_name
    hosts = _SERVER_NAMES.get(scheme)
    if hosts is None:
        if len(_SERVER_NAMES) >= 8:
            _SERVER_NAMES.clear()
        hosts = _SERVER_NAMES[scheme] = {}
    if len(<dict>hosts) >= _CACHE_SIZE:
        (<dict>hosts).clear()
    (<dict>hosts)[header] = server_name


cdef object _routing_classes():
    # NOTE: imported on first use: tumbler.routing imports this module.
    global _MAP, _ADAPTER_INIT, _MATCHER_SLOT, _MATCHER_OFFSET
    if _MAP is None:
        from tumbler.routing.map import Map, MapAdapter
        _ADAPTER_INIT = MapAdapter.__dict__[u"__init__"]
        slot = Map.__dict__[u"_matcher"]
        # NOTE: raised, not asserted (which -O drops): _matcher_field reads
        # the slot's offset, which only a member descriptor holds.
        if type(slot) is not _MEMBER_DESCRIPTOR:
            raise TypeError(f"Map._matcher must be a slot, not {type(slot).__name__!r}")
        _MATCHER_OFFSET = (<PyMemberDescrObject *>slot).d_member.offset
        _MATCHER_SLOT = slot
        _MAP = Map
    return _MAP


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member

# Map's slot for its matcher, and where the slot lies in a map.
cdef type _MEMBER_DESCRIPTOR = MemberDescriptorType
cdef object _MATCHER_SLOT = None
cdef Py_ssize_t _MATCHER_OFFSET = 0


cdef inline object _matcher_field(url_map):
    """``url_map._matcher``. PERF: read at Map's slot's offset, with no
    call, where the map's class has that slot for it (a subclass may put
    something else there)."""
    if _MATCHER_SLOT is None:
        _routing_classes()
    cdef PyObject *held
    if _PyType_Lookup(type(url_map), u"_matcher") == <PyObject *>_MATCHER_SLOT:
        held = (<PyObject **>(<char *>(<PyObject *>url_map) + _MATCHER_OFFSET))[0]
        if held != NULL:
            return <object>held
    return url_map._matcher


cdef object _bind(url_map, environ, server_name, subdomain):
    """``bind_to_environ`` in full, as the pure twin does it."""
    env = environ if type(environ) is dict else getattr(environ, u"environ", environ)
    assert isinstance(env, dict), (
        f"{type(environ).__name__!r} is not a WSGI environment (has to be a dict)"
    )
    scheme = env[u"wsgi.url_scheme"]
    wsgi_server_name = _request_host(env, scheme)
    if u"HTTP_UPGRADE" in env and _wants_websocket(env):
        scheme = u"wss" if scheme == u"https" else u"ws"
    if server_name is None:
        server_name = wsgi_server_name
        if subdomain is None and not url_map.host_matching:
            subdomain = u""  # the host is the server name: nothing in front
    else:
        server_name = _strip_default_port(server_name.lower(), scheme)
        if subdomain is None and not url_map.host_matching:
            subdomain = _subdomain_of(wsgi_server_name, server_name)
    # NOTE: werkzeug calls Map.bind by name, never an override of it.
    return _routing_classes().bind(
        url_map,
        server_name,
        _wsgi_text(env.get(u"SCRIPT_NAME")),
        subdomain,
        scheme,
        env[u"REQUEST_METHOD"],
        _wsgi_text(env.get(u"PATH_INFO")),
        query_args=_wsgi_text(env.get(u"QUERY_STRING")),
    )


cdef object _request_host(env, scheme):
    header = env.get(u"HTTP_HOST")
    if header is not None:
        key = (scheme, header)
    else:
        key = (scheme, None, env.get(u"SERVER_NAME"), env.get(u"SERVER_PORT"))
    host = _HOSTS.get(key)
    if host is None:
        host = get_host(env).lower()
        if len(_HOSTS) >= _CACHE_SIZE:
            _HOSTS.clear()
        _HOSTS[key] = host
    return host


cdef object _wsgi_text(value):
    if value is None:
        return None
    if type(value) is str and PyUnicode_IS_ASCII(value):
        return value
    return value.encode(u"latin1").decode(errors=u"replace")


cdef bint _wants_websocket(env) except -1:
    connection = env.get(u"HTTP_CONNECTION", u"").lower()
    if env.get(u"HTTP_UPGRADE", u"").lower() != u"websocket":
        return False
    for token in connection.split(u","):
        if token.strip(u" \t") == u"upgrade":
            return True
    return False


@cython.wraparound(True)
cdef object _strip_default_port(server_name, scheme):
    if (scheme == u"http" or scheme == u"ws") and server_name.endswith(u":80"):
        return server_name[:-3]
    if (scheme == u"https" or scheme == u"wss") and server_name.endswith(u":443"):
        return server_name[:-4]
    return server_name


@cython.wraparound(True)
cdef object _subdomain_of(host, server_name):
    host_labels = host.split(u".")
    server_labels = server_name.split(u".")
    offset = -len(server_labels)
    if host_labels[offset:] != server_labels:
        # A request by IP address can do this on a valid set-up; the invalid
        # subdomain makes it a 404 rather than an error.
        # NOTE: stacklevel 1 is the caller's frame: compiled code has none.
        warnings.warn(
            f"Current server name {host!r} doesn't match configured server name"
            f" {server_name!r}",
            stacklevel=1,
        )
        return u"<invalid>"
    return u".".join(filter(None, host_labels[:offset]))
