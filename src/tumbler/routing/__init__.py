"""URL routing with werkzeug's API and answers (``werkzeug.routing`` 3.1),
matched and built by tumbler's routing kernel.

Use it as werkzeug's::

    from tumbler.routing import Map, Rule

    url_map = Map([Rule("/", endpoint="index"), Rule("/user/<int:id>", endpoint="user")])
    urls = url_map.bind("example.com")
    urls.match("/user/42")  # ("user", {"id": 42})
    urls.build("user", {"id": 42})  # "/user/42"
"""

from __future__ import annotations

from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .exceptions import (
    BuildError,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
    RoutingException,
    WebsocketMismatch,
)
from .map import Map, MapAdapter
from .parser import parse_converter_args
from .rules import (
    EndpointPrefix,
    Rule,
    RuleFactory,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
)

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "MethodNotAllowed",
    "NotFound",
    "NumberConverter",
    "PathConverter",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "WebsocketMismatch",
    "parse_converter_args",
]
