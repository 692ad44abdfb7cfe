"""Fixtures of the API tests: tokens issued the way an integrator gets them (``tokens create`` on the command
line), and a client that checks every API answer against the published OpenAPI document."""
from __future__ import annotations

import pytest

from tests.api.helpers import ApiClient, issue_token


@pytest.fixture
def api(app, client):
    """Calls the API and fails a test whose answer is not what the document promises (status and body)."""
    return ApiClient(app, client)


@pytest.fixture
def issue(runner):
    """``issue("hr")`` → a bearer token for that account, from ``flask --app wsgi tokens create --user hr``."""
    return lambda username, name="测试令牌": issue_token(runner, username, name)
