"""The header-name / environ-key kernel, both twins, against werkzeug's
``EnvironHeaders`` as the oracle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders


@pytest.fixture(scope="session")
def headers(impl):
    return impl.module("headers")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Content-Type", "CONTENT_TYPE"),
        ("content-length", "CONTENT_LENGTH"),
        ("content_type", "CONTENT_TYPE"),
        ("X-Foo", "HTTP_X_FOO"),
        ("x_foo", "HTTP_X_FOO"),
        ("Accept-Encoding", "HTTP_ACCEPT_ENCODING"),
        ("X-1a", "HTTP_X_1A"),
        ("Content-Type-X", "HTTP_CONTENT_TYPE_X"),
        ("Http-Content-Type", "HTTP_HTTP_CONTENT_TYPE"),
        ("", "HTTP_"),
        ("ß", "HTTP_SS"),  # Unicode upper-casing, as str.upper() does it
        ("Content-Type\N{LATIN SMALL LETTER LONG S}", "HTTP_CONTENT_TYPES"),
    ],
)
def test_environ_key(headers, name, key):
    assert headers.environ_key(name) == key


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("HTTP_X_FOO", "X-Foo"),
        ("HTTP_ACCEPT_ENCODING", "Accept-Encoding"),
        ("HTTP_WWW_AUTHENTICATE", "Www-Authenticate"),
        ("HTTP_X_1A2B", "X-1A2B"),  # title(): a letter after a digit starts a word
        ("HTTP_X__DOUBLE", "X--Double"),
        ("HTTP_x-mixed_Case", "X-Mixed-Case"),
        ("HTTP_", ""),
        ("HTTP_ÉCOLE_X", "École-X"),
        ("CONTENT_TYPE", "Content-Type"),
        ("CONTENT_LENGTH", "Content-Length"),
        # werkzeug reads the unprefixed keys and ignores these
        ("HTTP_CONTENT_TYPE", None),
        ("HTTP_CONTENT_LENGTH", None),
        ("REQUEST_METHOD", None),
        ("wsgi.input", None),
        ("http_x_foo", None),
        ("content_type", None),
        ("", None),
    ],
)
def test_header_name(headers, key, name):
    assert headers.header_name(key) == name


@pytest.mark.parametrize("bad", [b"X-Foo", 1, None, ["X-Foo"]])
def test_environ_key_rejects_non_str(headers, bad):
    with pytest.raises(TypeError, match=f"^header name must be str, not {type(bad).__name__}$"):
        headers.environ_key(bad)


@pytest.mark.parametrize("bad", [b"HTTP_X_FOO", 1, None])
def test_header_name_rejects_non_str(headers, bad):
    with pytest.raises(TypeError, match=f"^environ key must be str, not {type(bad).__name__}$"):
        headers.header_name(bad)


class _KeyRecorder(dict):
    """An environ that records the key werkzeug looks a header up under."""

    looked_up: str | None = None

    def __getitem__(self, key):
        self.looked_up = key
        raise KeyError(key)


def werkzeug_environ_key(name: str) -> str | None:
    environ = _KeyRecorder()
    with pytest.raises(KeyError):
        EnvironHeaders(environ)[name]
    return environ.looked_up


def werkzeug_header_name(key: str) -> str | None:
    names = [name for name, _ in EnvironHeaders({key: "value"})]
    return names[0] if names else None


# Header-ish text finds the ASCII fast paths' edges; any text finds the rest.
header_text = st.one_of(
    st.text(alphabet="-_aAzZ09Cc Ttß", max_size=20),
    st.sampled_from(["Content-Type", "Content-Length", "content_type", "CONTENT-length"]),
    st.text(),
)
environ_keys = st.one_of(
    header_text.map(lambda s: f"HTTP_{s}"),
    header_text.map(lambda s: f"HTTP_{s.upper()}"),
    st.sampled_from(["CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_"]),
    st.text(),
)


class Twisted(str):
    """A str subclass overriding the methods werkzeug calls, as a markup or
    case-insensitive string type might: werkzeug calls them, so must we."""

    def upper(self):
        return "CONTENT_TYPE"

    def startswith(self, prefix, *args):
        return True


@pytest.mark.parametrize("text", ["x-foo", "Content-Length", "CONTENT_TYPE", "HTTP_X_FOO", "é"])
def test_str_subclasses_are_read_as_werkzeug_reads_them(headers, text):
    assert headers.environ_key(Twisted(text)) == werkzeug_environ_key(Twisted(text))
    assert headers.header_name(Twisted(text)) == werkzeug_header_name(Twisted(text))


@given(name=header_text)
def test_environ_key_matches_werkzeug(headers, name):
    assert headers.environ_key(name) == werkzeug_environ_key(name)


@given(key=environ_keys)
def test_header_name_matches_werkzeug(headers, key):
    assert headers.header_name(key) == werkzeug_header_name(key)
