"""The kinds of subclass of ``Local`` and ``LocalProxy`` that the tests and
the cores fuzz make: the compiled twin gives a subclass without a
``__getattr__`` of its own its base's getattr slot, and one with such a
``__getattr__`` Python's, so each kind takes other paths."""

from __future__ import annotations

from typing import Any

#: The class itself, a subclass, and a subclass with a ``__getattr__`` of
#: its own.
KINDS = ("plain", "subclass", "subclass with __getattr__")


class OwnGetattr:
    """Mixed into a subclass: a ``__getattr__`` of its own, which calls its
    base's."""

    def __getattr__(self, name: str) -> Any:
        return super().__getattr__(name)  # type: ignore[misc]


def kinds(base: type) -> dict[str, type]:
    """``base`` and a new subclass of each other kind in ``KINDS``."""
    return {
        "plain": base,
        "subclass": type(f"Sub{base.__name__}", (base,), {}),
        "subclass with __getattr__": type(f"Own{base.__name__}", (OwnGetattr, base), {}),
    }
