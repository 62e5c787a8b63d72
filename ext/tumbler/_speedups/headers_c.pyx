# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of ``tumbler._speedups.headers_py``: header names and WSGI
environ keys. ``headers_py`` holds the documentation.

PERF: an ASCII name, which every real header is, is mapped in one C pass into a
string allocated at its final size. Any other character sends the whole name
through the same ``str`` methods ``headers_py`` uses, so the twins agree on
every input, Unicode case rules included.
"""

cdef extern from "Python.h":
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    unsigned char *PyUnicode_1BYTE_DATA(object text)

from libc.string cimport memcmp, memcpy

__all__ = ["environ_key", "header_name"]

cdef Py_UCS4 _ASCII_MAX = 127
cdef unsigned char _CASE_GAP = 32  # ord("a") - ord("A")


def environ_key(name):
    """Return the WSGI environ key that holds the header ``name``."""
    if not isinstance(name, str):
        raise TypeError(f"header name must be str, not {type(name).__name__}")
    cdef str text = <str>name
    cdef Py_ssize_t size = len(text)
    cdef Py_ssize_t i = 0
    cdef Py_UCS4 ch
    cdef unsigned char byte
    # Written after a 5-character gap that becomes "HTTP_" unless the name is
    # one of the two unprefixed headers.
    cdef object key = PyUnicode_New(size + 5, _ASCII_MAX)
    cdef unsigned char *out = PyUnicode_1BYTE_DATA(key)
    for ch in text:
        if ch > _ASCII_MAX:
            upper = text.upper().replace("-", "_")
            return upper if upper in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{upper}"
        # NOTE: arithmetic on a Py_UCS4 makes a str in Cython; bytes stay in C.
        byte = <unsigned char>ch
        if c'a' <= byte <= c'z':
            byte -= _CASE_GAP
        elif byte == c'-':
            byte = c'_'
        out[5 + i] = byte
        i += 1
    if size == 12 and memcmp(out + 5, b"CONTENT_TYPE", 12) == 0:
        return "CONTENT_TYPE"
    if size == 14 and memcmp(out + 5, b"CONTENT_LENGTH", 14) == 0:
        return "CONTENT_LENGTH"
    memcpy(out, b"HTTP_", 5)
    return key


def header_name(key):
    """Return the name of the header that the WSGI environ key ``key`` holds,
    or ``None`` if it holds no header."""
    if not isinstance(key, str):
        raise TypeError(f"environ key must be str, not {type(key).__name__}")
    cdef str text = <str>key
    if text.startswith("HTTP_"):
        if text == "HTTP_CONTENT_TYPE" or text == "HTTP_CONTENT_LENGTH":
            return None
        return _title_from(text, 5)
    if text == "CONTENT_TYPE":
        return "Content-Type"
    if text == "CONTENT_LENGTH":
        return "Content-Length"
    return None


cdef object _title_from(str text, Py_ssize_t start):
    """``text[start:].replace("_", "-").title()``, in one pass for ASCII."""
    cdef Py_ssize_t size = len(text) - start
    cdef Py_ssize_t i
    cdef Py_UCS4 ch
    cdef unsigned char byte
    # str.title() upper-cases a letter that follows no letter and lower-cases
    # one that follows a letter; in ASCII only letters are cased.
    cdef bint after_letter = False
    cdef object name = PyUnicode_New(size, _ASCII_MAX)
    cdef unsigned char *out = PyUnicode_1BYTE_DATA(name)
    for i in range(size):
        ch = text[start + i]
        if ch > _ASCII_MAX:
            return text[start:].replace("_", "-").title()
        byte = <unsigned char>ch
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
