"""Upstream test suites run against tumbler: werkzeug's (and later Flask's)
own tests, from the released sdist of the installed version, with their
modules aliased to tumbler's. Run them with ``python -m tests.conformance``.
"""
