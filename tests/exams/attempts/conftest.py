"""Fixtures of the attempt tests: the small world on a frozen clock (2026-11-26 09:00, Asia/Shanghai)."""
import pytest


@pytest.fixture
def officer(client, auth, world, frozen):
    """``world`` with the officer 王建国 signed in."""
    assert auth.login(world.officer.id_number).status_code == 302
    return world
