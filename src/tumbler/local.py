"""Context locals with werkzeug 3.1's API: ``Local``, ``LocalStack``,
``LocalProxy``, ``release_local`` and ``LocalManager``.

Each is built on ``ContextVar``, so that threads, asyncio tasks and greenlets
(where greenlet gives each its own context) are isolated from each other.
``Local``, ``LocalStack`` and ``LocalProxy`` come from the locals core
(``tumbler._speedups.local``), compiled where it can be; ``LocalProxy`` there
forwards ``proxy.attr`` in one C call.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any

from werkzeug.wsgi import ClosingIterator

from ._speedups.local import Local, LocalProxy, LocalStack

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Local", "LocalManager", "LocalProxy", "LocalStack", "release_local"]


def release_local(local: Local | LocalStack[Any]) -> None:
    """Forget what ``local`` holds in the current context: every attribute
    of a :class:`Local`, every item of a :class:`LocalStack`.

    With ``ContextVar`` storage a context's data goes when the context does,
    so this is rarely needed; it is kept for code written for werkzeug.
    """
    local.__release_local__()


class LocalManager:
    """Release a set of locals at the end of each request: call
    :meth:`cleanup`, or wrap the WSGI app with :meth:`make_middleware`.

    Kept for code written for werkzeug; with ``ContextVar`` storage a
    request's context goes when the request does.

    :param locals: a :class:`Local` or :class:`LocalStack`, or an iterable
        of them.
    """

    __slots__ = ("locals",)

    def __init__(
        self, locals: Local | LocalStack[Any] | Iterable[Local | LocalStack[Any]] | None = None
    ) -> None:
        self.locals: list[Local | LocalStack[Any]]
        if locals is None:
            self.locals = []
        elif isinstance(locals, Local):
            self.locals = [locals]
        else:
            self.locals = list(locals)  # type: ignore[arg-type]

    def cleanup(self) -> None:
        """Release every managed local in the current context."""
        for local in self.locals:
            release_local(local)

    def make_middleware(self, app: WSGIApplication) -> WSGIApplication:
        """Wrap the WSGI ``app`` so that the locals are released once its
        response has been sent."""

        def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            return ClosingIterator(app(environ, start_response), self.cleanup)

        return application

    def middleware(self, func: WSGIApplication) -> WSGIApplication:
        """:meth:`make_middleware` as a decorator of the WSGI app."""
        return update_wrapper(self.make_middleware(func), func)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} storages: {len(self.locals)}>"
