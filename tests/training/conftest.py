"""Fixtures of the training tests: the small world on a frozen clock (2026-11-26 09:00, Asia/Shanghai)."""
import pytest


@pytest.fixture
def hr(client, auth, world, frozen):
    """``world`` with ``hr`` (scope: 环翠区综合行政执法局) signed in."""
    assert auth.login("hr").status_code == 302
    return world
