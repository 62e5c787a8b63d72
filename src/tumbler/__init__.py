"""tumbler: a drop-in replacement for Flask whose hot paths run at compiled speed."""

__version__ = "0.1.0.dev0"
