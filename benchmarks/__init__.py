"""Benchmarks of tumbler beside werkzeug (pytest-benchmark); not shipped."""
