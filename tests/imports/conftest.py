"""Fixtures of the import tests: the small world with its HR clerk signed in on a frozen clock."""
import pytest


@pytest.fixture
def hr(client, auth, world, frozen):
    """``world`` with ``hr`` (scope: 环翠区综合行政执法局) signed in; the clock stands at 2026-11-26 09:00."""
    response = auth.login("hr")
    assert response.status_code == 302
    return world
