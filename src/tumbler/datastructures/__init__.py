"""werkzeug-compatible data structures whose hot operations are compiled."""

from .headers import EnvironHeaders as EnvironHeaders
from .headers import Headers as Headers

__all__ = ["EnvironHeaders", "Headers"]
