# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of ``tumbler._speedups.headers_py``: header names and WSGI
environ keys. ``headers_py`` holds the documentation.

PERF: a plain ``str`` of ASCII, which every real header name and environ key
is, is read and written as bytes in one C pass, into a string allocated at its
final size. Everything else (other characters; ``str`` subclasses, which may
override the methods werkzeug calls; non-strings) is handed to ``headers_py``,
so the twins agree on every input by construction.
"""

from libc.string cimport memcmp, memcpy

from tumbler._speedups import headers_py

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    unsigned char *PyUnicode_1BYTE_DATA(object text)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)

__all__ = ["environ_key", "header_name"]

cdef unsigned char _CASE_GAP = 32  # ord("a") - ord("A")


cdef inline bint _plain_ascii(object text):
    # NOTE: a string not yet "ready" (a legacy C-API string, before 3.12) has
    # its ASCII flag clear, so it safely takes the headers_py path.
    return type(text) is str and PyUnicode_IS_ASCII(text)


def environ_key(name):
    """Return the WSGI environ key that holds the header ``name``."""
    if not _plain_ascii(name):
        return headers_py.environ_key(name)
    cdef Py_ssize_t size = len(<str>name)
    cdef const unsigned char *chars = PyUnicode_1BYTE_DATA(name)
    cdef Py_ssize_t i
    cdef unsigned char byte
    # Written after a 5-character gap that becomes "HTTP_" unless the name is
    # one of the two unprefixed headers.
    cdef object key = PyUnicode_New(size + 5, 127)
    cdef unsigned char *out = PyUnicode_1BYTE_DATA(key)
    for i in range(size):
        byte = chars[i]
        if c'a' <= byte <= c'z':
            byte -= _CASE_GAP
        elif byte == c'-':
            byte = c'_'
        out[5 + i] = byte
    if size == 12 and memcmp(out + 5, b"CONTENT_TYPE", 12) == 0:
        return "CONTENT_TYPE"
    if size == 14 and memcmp(out + 5, b"CONTENT_LENGTH", 14) == 0:
        return "CONTENT_LENGTH"
    memcpy(out, b"HTTP_", 5)
    return key


def header_name(key):
    """Return the name of the header that the WSGI environ key ``key`` holds,
    or ``None`` if it holds no header."""
    if not _plain_ascii(key):
        return headers_py.header_name(key)
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
    """``text[start:].replace("_", "-").title()`` for an ASCII ``text``."""
    cdef Py_ssize_t size = len(text) - start
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
