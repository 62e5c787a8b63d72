"""The ``tumbler`` command line."""

from __future__ import annotations

import platform
from importlib.metadata import version

import click

from tumbler import __version__
from tumbler._speedups import report


def version_text() -> str:
    """Say which tumbler runs, on which Python and werkzeug, and which of its
    cores are compiled: the first thing to ask for in a bug report."""
    cores = ", ".join(
        f"{unit} ({'compiled' if kind == 'c' else 'pure Python'})"
        for unit, kind in report().items()
    )
    return (
        f"Tumbler {__version__}\n"
        f"Python {platform.python_version()} ({platform.python_implementation()})\n"
        f"Werkzeug {version('werkzeug')}\n"
        f"Cores: {cores}"
    )


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the tumbler, Python and werkzeug versions and which cores are compiled.",
)
def main() -> None:
    """Work with tumbler applications."""
