"""Loads tumbler's test plugin for every test run from this tree (tests and benchmarks)."""

pytest_plugins = ["tests._impl"]
