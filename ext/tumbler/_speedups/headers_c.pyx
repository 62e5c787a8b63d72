# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of ``tumbler._speedups.headers_py``: header names and WSGI
environ keys, header values, and the storage operations of ``Headers`` and
``EnvironHeaders``. ``headers_py`` holds the documentation.

PERF: plain ``str`` of ASCII, which every real header name, environ key and
almost every value is, is read as bytes in C: names compare case-insensitively
without lower-casing copies, environ keys are built into a string allocated at
its final size, and a dict environ is walked with ``PyDict_Next``. Everything
else (other characters; ``str`` subclasses, which may override the methods
werkzeug calls; non-strings; an environ that is not a ``dict``) goes through
the same Python-level steps as ``headers_py``, so the twins agree on every
input by construction.
"""

from cpython.dict cimport PyDict_CheckExact, PyDict_GetItemWithError, PyDict_Next, PyDict_Size
from cpython.list cimport PyList_CheckExact, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_CheckExact, PyTuple_GET_SIZE
from libc.string cimport memchr, memcmp, memcpy

from werkzeug.exceptions import BadRequestKeyError

from tumbler._speedups import headers_py

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    bint PyUnicode_CheckExact(object text)
    unsigned char *PyUnicode_1BYTE_DATA(object text)
    Py_ssize_t PyUnicode_GET_LENGTH(object text)
    Py_ssize_t PyUnicode_FindChar(object text, Py_UCS4 ch, Py_ssize_t start,
                                  Py_ssize_t end, int direction) except -2
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)

cdef extern from *:
    """
    /* The version tag CPython gives a dict, new on every change to it and
       unique across dicts. Deprecated from 3.12 and gone in 3.14: there the
       answer is "unknown" and EnvironHeaders walks the environ for len(). */
    static int tumbler_dict_version(PyObject *d, unsigned long long *out) {
    #if PY_VERSION_HEX < 0x030E0000 && !defined(Py_LIMITED_API)
    #if defined(__GNUC__)
    #pragma GCC diagnostic push
    #pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    #endif
        *out = (unsigned long long)((PyDictObject *)d)->ma_version_tag;
    #if defined(__GNUC__)
    #pragma GCC diagnostic pop
    #endif
        return 1;
    #else
        (void)d; (void)out;
        return 0;
    #endif
    }
    """
    bint tumbler_dict_version(object d, unsigned long long *out)

__all__ = [
    "EnvironHeadersStorage",
    "HeadersStorage",
    "environ_key",
    "header_name",
    "header_value",
]

cdef unsigned char _CASE_GAP = 32  # ord("a") - ord("A")
cdef str _NEWLINE_MESSAGE = "Header values must not contain newline characters."

# PERF: header names a program looks up, and environ keys a server sends, are
# few and repeat on every request: each is mapped once, then found in a dict.
# The caches stop growing at _CACHE_SIZE, so names sent by an attacker cannot
# grow them without bound; past it, names are mapped on every call.
cdef Py_ssize_t _CACHE_SIZE = 1024
cdef dict _ENVIRON_KEYS = {}  # header name -> environ key
cdef dict _HEADER_NAMES = {}  # "HTTP_*" environ key -> header name

# PERF: what len() needs after an iteration, so that list(headers), which
# iterates then asks len() for a size hint, walks the environ once. It holds
# for the dict it was taken from (walked in C: see _environ_items) as long as
# that dict's version tag is the same; the pointer is only compared, never
# followed.
cdef void *_walked_environ = NULL
cdef unsigned long long _walked_version = 0
cdef Py_ssize_t _walked_count = 0


cdef inline bint _plain_ascii(object text):
    # NOTE: a string not yet "ready" (a legacy C-API string, before 3.12) has
    # its ASCII flag clear, so it safely takes the Python-level path.
    return PyUnicode_CheckExact(text) and PyUnicode_IS_ASCII(text)


cdef inline unsigned char _key_byte(unsigned char byte) noexcept:
    """A header name's byte as it appears in its environ key."""
    if c'a' <= byte <= c'z':
        return byte - _CASE_GAP
    if byte == c'-':
        return c'_'
    return byte


cdef inline bint _is_key(const unsigned char *chars, Py_ssize_t size,
                         const unsigned char *key, Py_ssize_t key_size) noexcept:
    """Whether the header name ``chars`` maps to the environ key ``key``."""
    cdef Py_ssize_t i
    if size != key_size:
        return False
    for i in range(size):
        if _key_byte(chars[i]) != key[i]:
            return False
    return True


cdef object _build_environ_key(str name):
    """The environ key of an ASCII ``name``, without the unprefixed two."""
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(name)
    cdef const unsigned char *chars = PyUnicode_1BYTE_DATA(name)
    cdef Py_ssize_t i
    cdef object key = PyUnicode_New(size + 5, 127)
    cdef unsigned char *out = PyUnicode_1BYTE_DATA(key)
    memcpy(out, b"HTTP_", 5)
    for i in range(size):
        out[5 + i] = _key_byte(chars[i])
    return key


cdef object _environ_key(object name):
    cdef const unsigned char *chars
    cdef Py_ssize_t size
    cdef object key
    if not _plain_ascii(name):
        return headers_py.environ_key(name)
    key = _ENVIRON_KEYS.get(name)
    if key is not None:
        return key
    chars = PyUnicode_1BYTE_DATA(name)
    size = PyUnicode_GET_LENGTH(name)
    # Checked before anything is allocated: the two unprefixed headers.
    if _is_key(chars, size, b"CONTENT_TYPE", 12):
        key = "CONTENT_TYPE"
    elif _is_key(chars, size, b"CONTENT_LENGTH", 14):
        key = "CONTENT_LENGTH"
    else:
        key = _build_environ_key(<str>name)
    if PyDict_Size(_ENVIRON_KEYS) < _CACHE_SIZE:
        _ENVIRON_KEYS[name] = key
    return key


def environ_key(name):
    """Return the WSGI environ key that holds the header ``name``."""
    return _environ_key(name)


def header_name(key):
    """Return the name of the header that the WSGI environ key ``key`` holds,
    or ``None`` if it holds no header."""
    if not _plain_ascii(key):
        return headers_py.header_name(key)
    cdef str text = <str>key
    if text.startswith("HTTP_"):
        if text == "HTTP_CONTENT_TYPE" or text == "HTTP_CONTENT_LENGTH":
            return None
        return _prefixed_name(text)
    if text == "CONTENT_TYPE":
        return "Content-Type"
    if text == "CONTENT_LENGTH":
        return "Content-Length"
    return None


cdef object _prefixed_name(str key):
    """The header name of an ASCII ``HTTP_*`` key, through the cache."""
    cdef object name = _HEADER_NAMES.get(key)
    if name is None:
        name = _title_from(key, 5)
        if PyDict_Size(_HEADER_NAMES) < _CACHE_SIZE:
            _HEADER_NAMES[key] = name
    return name


cdef object _title_from(str text, Py_ssize_t start):
    """``text[start:].replace("_", "-").title()`` for an ASCII ``text``."""
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(text) - start
    cdef const unsigned char *chars = PyUnicode_1BYTE_DATA(text) + start
    cdef Py_ssize_t i
    cdef unsigned char byte
    # str.title() upper-cases a letter that follows no letter and lower-cases
    # one that follows a letter; in ASCII only letters are cased.
    cdef bint after_letter = False
    cdef object name = PyUnicode_New(size, 127)
    cdef unsigned char *out = PyUnicode_1BYTE_DATA(name)
    for i in range(size):
        byte = chars[i]
        if c'a' <= byte <= c'z':
            if not after_letter:
                byte -= _CASE_GAP
            after_letter = True
        elif c'A' <= byte <= c'Z':
            if after_letter:
                byte += _CASE_GAP
            after_letter = True
        else:
            after_letter = False
            if byte == c'_':
                byte = c'-'
        out[i] = byte
    return name


cdef bint _has_newline(object text) except -1:
    """Whether the ``str`` (or subclass) ``text`` holds ``\\r`` or ``\\n``,
    read from its own characters."""
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(text)
    cdef const unsigned char *chars
    if PyUnicode_IS_ASCII(text):
        chars = PyUnicode_1BYTE_DATA(text)
        return memchr(chars, c'\n', size) != NULL or memchr(chars, c'\r', size) != NULL
    return (PyUnicode_FindChar(text, 10, 0, size, 1) >= 0
            or PyUnicode_FindChar(text, 13, 0, size, 1) >= 0)


cdef object _header_value(object value):
    if not isinstance(value, str):
        value = str(value)
    if _has_newline(value):
        raise ValueError(_NEWLINE_MESSAGE)
    return value


def header_value(value):
    """Return ``value`` as a header value: a ``str`` as it is, anything else
    through ``str()``, as werkzeug converts it."""
    return _header_value(value)


cdef inline bint _same_name(object name, const unsigned char *key, Py_ssize_t size):
    """Whether the ASCII ``name`` equals the ASCII ``key`` in any case."""
    cdef const unsigned char *chars
    cdef Py_ssize_t i
    cdef unsigned char a, b
    if PyUnicode_GET_LENGTH(name) != size:
        return False
    chars = PyUnicode_1BYTE_DATA(name)
    for i in range(size):
        a = chars[i]
        b = key[i]
        if a != b:
            if c'A' <= a <= c'Z':
                a += _CASE_GAP
            if c'A' <= b <= c'Z':
                b += _CASE_GAP
            if a != b:
                return False
    return True


cdef struct _Key:
    # The key's ASCII characters, or NULL when names are compared through
    # lower() because the key is not a plain ASCII str.
    const unsigned char *chars
    Py_ssize_t size


cdef object _key(object key, _Key *spec):
    """Prepare comparisons of item names with ``key``, as werkzeug makes them
    (``name.lower() == key.lower()``), and return what they compare with:
    ``key`` itself if it is plain ASCII, else ``key.lower()``.

    NOTE: as in werkzeug, ``key.lower()`` is called before any item is
    looked at, so a key without it fails even when there are no items."""
    if _plain_ascii(key):
        spec.chars = PyUnicode_1BYTE_DATA(key)
        spec.size = PyUnicode_GET_LENGTH(key)
        return key
    spec.chars = NULL
    spec.size = 0
    return key.lower()


cdef inline bint _matches(object name, object against, _Key *spec) except -1:
    if spec.chars != NULL:
        if _plain_ascii(name):
            return _same_name(name, spec.chars, spec.size)
        return name.lower() == against.lower()
    return name.lower() == against


cdef inline object _name_of(object item):
    """The name of a ``(name, value)`` item, unpacked as werkzeug does."""
    if PyTuple_CheckExact(item) and PyTuple_GET_SIZE(item) == 2:
        return (<tuple>item)[0]
    name, _ = item
    return name


cdef object _find(list items, object key, Py_ssize_t *index):
    """The first item named ``key`` in any case, or ``None``; ``index`` gets
    its position."""
    cdef Py_ssize_t i = 0
    cdef object item
    cdef _Key spec
    cdef object against = _key(key, &spec)
    while i < PyList_GET_SIZE(items):
        item = items[i]
        if _matches(_name_of(item), against, &spec):
            index[0] = i
            return item
        i += 1
    return None


cdef object _value_of(object item):
    if PyTuple_CheckExact(item) and PyTuple_GET_SIZE(item) == 2:
        return (<tuple>item)[1]
    _, value = item
    return value


cdef list _collect(list items, object against, _Key *spec, object convert):
    """Every value whose item is named as ``_key`` prepared, converted with
    ``convert``; a value it rejects with ``ValueError`` is left out."""
    cdef list result = []
    cdef Py_ssize_t i = 0
    cdef object item, value
    while i < PyList_GET_SIZE(items):
        item = items[i]
        i += 1
        if not _matches(_name_of(item), against, spec):
            continue
        value = _value_of(item)
        if convert is None:
            result.append(value)
        else:
            try:
                result.append(convert(value))
            except ValueError:
                continue
    return result


cdef object _with_options(object value, dict options):
    return headers_py._with_options(value, options)


# NOTE: the compiled operations read self._list as a list, which it always
# is unless a program replaced it; anything else is handed to headers_py.
cdef object _Py = headers_py.HeadersStorage


class HeadersStorage:
    """The storage operations of ``Headers``, on ``self._list``."""

    def __init__(self, defaults=None):
        """Start with no headers, then ``extend`` with ``defaults``."""
        self._list = []
        if defaults is not None:
            self.extend(defaults)

    def __getitem__(self, key):
        """Return the first value of the header ``key`` in any case (a
        ``str``), the item at an index (an ``int``), or the headers in a
        slice as a new object of this class."""
        cdef Py_ssize_t index
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.__getitem__(self, key)
        if isinstance(key, str):
            item = _find(<list>items, key, &index)
            if item is None:
                raise BadRequestKeyError(key)
            return _value_of(item)
        if isinstance(key, int):
            return items[key]
        return self.__class__(items[key])

    def get(self, key, default=None, type=None):
        """Return the first value of the header ``key``, or ``default``."""
        cdef Py_ssize_t index
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.get(self, key, default, type)
        item = _find(<list>items, key, &index)
        if item is None:
            return default
        value = _value_of(item)
        if type is None:
            return value
        try:
            return type(value)
        except ValueError:
            return default

    def getlist(self, key, type=None):
        """Return every value of the header ``key``, in order; an empty list
        if there is none."""
        cdef _Key spec
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.getlist(self, key, type)
        against = _key(key, &spec)
        return _collect(<list>items, against, &spec, type)

    def __contains__(self, key):
        """Say whether there is a header ``key``, in any case."""
        cdef Py_ssize_t index
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.__contains__(self, key)
        return _find(<list>items, key, &index) is not None

    def __iter__(self):
        """Yield the ``(name, value)`` items in order."""
        return iter(self._list)

    def __len__(self):
        """Count the items."""
        return len(self._list)

    def add(self, key, value, /, **kwargs):
        """Add a header; the ones already there stay."""
        if kwargs:
            value = _with_options(value, kwargs)
        self._list.append((key, _header_value(value)))

    def set(self, key, value, /, **kwargs):
        """Replace the header ``key`` with one value: it takes the place of
        the first one, the others are removed, and if there was none it is
        added at the end. Keyword arguments as for ``add``."""
        cdef Py_ssize_t index, i
        cdef list kept
        cdef _Key spec
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.set(self, key, value, **kwargs)
        if kwargs:
            value = _with_options(value, kwargs)
        value = _header_value(value)
        if PyList_GET_SIZE(items) == 0:
            (<list>items).append((key, value))
            return
        if _find(<list>items, key, &index) is None:
            (<list>items).append((key, value))
            return
        if index >= PyList_GET_SIZE(items):
            # NOTE: a name's lower() shortened the list while _find ran; the
            # write below is unchecked.
            raise IndexError("list assignment index out of range")
        items[index] = (key, value)
        # PERF: the rest is rebuilt only if another header of the name is in
        # it, which is rare.
        against = _key(key, &spec)
        i = index + 1
        while i < PyList_GET_SIZE(items):
            if _matches(_name_of(items[i]), against, &spec):
                break
            i += 1
        else:
            return
        kept = items[index + 1:i]
        for item in items[i + 1:]:
            if not _matches(_name_of(item), against, &spec):
                kept.append(item)
        items[index + 1:] = kept

    def remove(self, key):
        """Remove every header ``key``, in any case; none is no error."""
        cdef list kept = []
        cdef bint removed = False
        cdef _Key spec
        items = self._list
        if not PyList_CheckExact(items):
            return _Py.remove(self, key)
        against = _key(key, &spec)
        for item in list(items):
            if _matches(_name_of(item), against, &spec):
                removed = True
            else:
                kept.append(item)
        if removed:
            items[:] = kept

    def to_wsgi_list(self):
        """Return the ``(name, value)`` items as a new list, as WSGI's
        ``start_response`` takes them."""
        return list(self._list)

    def copy(self):
        """Return a new object of this class with the same items."""
        return self.__class__(self._list)


cdef object _environ_get(object environ, object name, object missing):
    """The value of the header ``name`` (a ``str``) in ``environ``, or
    ``missing``; errors other than a missing key propagate."""
    cdef object key = _environ_key(name)
    cdef PyObject *value
    if PyDict_CheckExact(environ):
        value = PyDict_GetItemWithError(environ, key)
        if value == NULL:
            return missing  # an error, if set, is raised by Cython's except
        return <object>value
    try:
        return environ[key]
    except KeyError:
        return missing


cdef Py_ssize_t _walk(object environ, list out, bint *in_c=NULL) except -1:
    """Count the headers of ``environ`` and, if ``out`` is a list, append
    them to it, as ``headers_py._environ_items`` finds them (and, for
    anything but the plain case, by calling it). ``in_c``, if given, is set
    to whether the walk was the C one.

    PERF: an exact dict whose keys are ASCII ``str`` and whose content values
    are ``str`` is walked in C with no Python code run, so it cannot change
    underneath; anything else is walked again at the Python level."""
    cdef Py_ssize_t pos = 0, count = 0, size
    cdef PyObject *key_ptr
    cdef PyObject *value_ptr
    cdef object key, value, name
    cdef const unsigned char *chars
    cdef Py_ssize_t start = 0 if out is None else PyList_GET_SIZE(out)
    if PyDict_CheckExact(environ):
        while PyDict_Next(environ, &pos, &key_ptr, &value_ptr):
            # NOTE: both held at once: an allocation below may run the cycle
            # collector, whose finalizers may replace (and free) them.
            key = <object>key_ptr
            value = <object>value_ptr
            if not _plain_ascii(key):
                break
            size = PyUnicode_GET_LENGTH(key)
            chars = PyUnicode_1BYTE_DATA(key)
            name = None
            if size >= 5 and memcmp(chars, b"HTTP_", 5) == 0:
                if (size == 17 and memcmp(chars + 5, b"CONTENT_TYPE", 12) == 0) or (
                        size == 19 and memcmp(chars + 5, b"CONTENT_LENGTH", 14) == 0):
                    continue
                name = _prefixed_name(<str>key)
            elif (size == 12 and memcmp(chars, b"CONTENT_TYPE", 12) == 0) or (
                    size == 14 and memcmp(chars, b"CONTENT_LENGTH", 14) == 0):
                if not PyUnicode_CheckExact(value):
                    break
                if PyUnicode_GET_LENGTH(value) == 0:
                    continue
                name = "Content-Type" if size == 12 else "Content-Length"
            else:
                continue
            count += 1
            if out is not None:
                out.append((name, value))
        else:
            if in_c != NULL:
                in_c[0] = True
            return count
        # Something the C walk does not read: start again at the Python level.
        if out is not None:
            del out[start:]
    items = headers_py._environ_items(environ)
    if out is not None:
        out.extend(items)
    return len(items)


cdef list _environ_items(object environ):
    global _walked_environ, _walked_version, _walked_count
    cdef list out = []
    cdef unsigned long long version
    cdef bint in_c = False
    cdef Py_ssize_t count = _walk(environ, out, &in_c)
    # NOTE: only the C walk's count: it read str values alone, whose truth
    # cannot change while the dict does not; another value's can (a list
    # emptied in place).
    if in_c and tumbler_dict_version(environ, &version):
        _walked_environ = <void *>environ
        _walked_version = version
        _walked_count = count
    return out


cdef Py_ssize_t _environ_len(object environ) except -1:
    cdef unsigned long long version
    if (PyDict_CheckExact(environ) and <void *>environ == _walked_environ
            and tumbler_dict_version(environ, &version) and version == _walked_version):
        return _walked_count
    return _walk(environ, None)


cdef object _MISSING = object()


class EnvironHeadersStorage:
    """The read operations of ``EnvironHeaders``, on ``self.environ``."""

    def __init__(self, environ):
        """Read the headers of ``environ``, a WSGI environ."""
        self._list = []
        self.environ = environ

    def __getitem__(self, key):
        """Return the value of the header ``key``, in any case."""
        if not isinstance(key, str):
            raise BadRequestKeyError(key)
        environ = self.environ
        if PyDict_CheckExact(environ):
            value = _environ_get(environ, key, _MISSING)
            if value is _MISSING:
                raise KeyError(_environ_key(key))
            return value
        return environ[_environ_key(key)]

    def get(self, key, default=None, type=None):
        """Return the value of the header ``key``, or ``default``."""
        if not isinstance(key, str):
            return default
        value = _environ_get(self.environ, key, _MISSING)
        if value is _MISSING:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except ValueError:
            return default

    def getlist(self, key, type=None):
        """Return the values of the headers that iteration names ``key``, in
        any case."""
        cdef _Key spec
        against = _key(key, &spec)
        return _collect(_environ_items(self.environ), against, &spec, type)

    def __contains__(self, key):
        """Say whether there is a header ``key``, in any case."""
        if not isinstance(key, str):
            return False
        return _environ_get(self.environ, key, _MISSING) is not _MISSING

    def __iter__(self):
        """Yield the ``(name, value)`` headers of the environ, in its order."""
        return iter(_environ_items(self.environ))

    def __len__(self):
        """Count the headers of the environ."""
        return _environ_len(self.environ)

    def to_wsgi_list(self):
        """Return the ``(name, value)`` headers of the environ as a list."""
        return _environ_items(self.environ)
