"""The public classes, as each twin of a core builds them.

``tumbler.datastructures.Headers`` stands on whichever twin the facade chose;
a test that takes a twin from the ``impl`` fixture needs the same public
class standing on that twin instead. The storage class comes first in the MRO,
so every operation it implements is the twin's; everything else is the public
class's own. When the twin is the facade's choice, the public class itself is
returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from tumbler._speedups import headers as headers_facade
from tumbler.datastructures import headers as public


@dataclass(frozen=True)
class HeaderClasses:
    Headers: type
    EnvironHeaders: type


def header_classes(twin: ModuleType) -> HeaderClasses:
    if twin.HeadersStorage is headers_facade.HeadersStorage:
        return HeaderClasses(public.Headers, public.EnvironHeaders)

    class Headers(twin.HeadersStorage, public.Headers):  # type: ignore[misc,name-defined]
        pass

    class EnvironHeaders(twin.EnvironHeadersStorage, public.EnvironHeaders):  # type: ignore[misc,name-defined]
        pass

    # NOTE: equality compares classes exactly, as werkzeug's does; the names
    # keep reprs identical to the public classes'.
    return HeaderClasses(Headers, EnvironHeaders)
