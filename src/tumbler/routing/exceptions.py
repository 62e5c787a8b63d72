"""The routing exceptions: werkzeug's own classes, so that code catching
werkzeug's (Flask included) catches tumbler's."""

from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing.exceptions import (
    BuildError,
    RequestRedirect,
    RoutingException,
    WebsocketMismatch,
)

__all__ = [
    "BuildError",
    "MethodNotAllowed",
    "NotFound",
    "RequestRedirect",
    "RoutingException",
    "WebsocketMismatch",
]
