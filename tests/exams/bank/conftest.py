"""Fixtures of the question-bank tests: the small world with the city's legal account signed in."""
from __future__ import annotations

import pytest


@pytest.fixture
def legal(client, auth, world, frozen):
    """The city legal office's account, signed in; the world as the value."""
    assert auth.login("legal_city").status_code == 302
    return world
