import pytest
from hypothesis import settings

# A long run of every property test, a fuzz of both twins against the oracles:
# pytest --hypothesis-profile=fuzz
settings.register_profile("fuzz", max_examples=20_000, deadline=None)


@pytest.fixture
def Map(impl):
    """tumbler's ``Map`` on the ``impl`` twin of the routing kernel."""
    return impl.map_class()
