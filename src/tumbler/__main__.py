"""``python -m tumbler``: the same as the ``tumbler`` command."""

from tumbler.cli import main

main()
