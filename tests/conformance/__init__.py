"""Other projects' test suites run against tumbler: see ``suites`` for the
table, ``tumbler_alias`` for the pytest plugin that swaps the modules, and
``__main__`` for the runner (``python -m tests.conformance``)."""
