"""The API's rate limit (``API_RATE_LIMIT``, per token): over it, 429 in the JSON error shape; other tokens are
not affected; the limit applies to refused calls too."""
from __future__ import annotations

import pytest

from tests.api.helpers import error_of


@pytest.fixture
def three_per_minute(app):
    old = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    yield
    app.config["API_RATE_LIMIT"] = old


def test_the_fourth_call_in_a_minute_is_429_json(api, issue, world, three_per_minute):
    raw = issue("hr")
    for _ in range(3):
        api.get("/officers", raw, expect=200)
    response = api.get("/officers", raw, expect=429)
    error = error_of(response)
    assert error["code"] == "too_many_requests" and "频繁" in error["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert "王建国" not in response.get_data(as_text=True)


def test_the_limit_is_per_token(api, issue, world, three_per_minute):
    first, second = issue("hr"), issue("hr")
    for _ in range(3):
        api.get("/officers", first, expect=200)
    api.get("/officers", first, expect=429)
    api.get("/officers", second, expect=200)  # another integrator's token is not held back


def test_refused_calls_count_too(api, issue, world, three_per_minute):
    raw = issue("admin")
    for _ in range(3):
        api.get("/officers", raw, expect=403)
    api.get("/officers", raw, expect=429)


def test_the_normal_limit_lets_a_busy_integrator_through(app, api, issue, world):
    assert app.config["API_RATE_LIMIT"] == "600 per minute"
    raw = issue("hr")
    for _ in range(30):
        api.get("/officers", raw, expect=200)


def test_guessing_tokens_is_throttled_per_address(api, issue, world, three_per_minute):
    """A caller trying one made-up token after another is counted by address, not by token."""
    for n in range(3):
        api.get("/officers", f"zf_{'x' * 40}-guess-{n}", expect=401)
    api.get("/officers", f"zf_{'x' * 40}-guess-4", expect=429)
    api.get("/officers", expect=429)  # and without a token from there, too
    api.get("/officers", issue("hr"), expect=200)  # a valid token is counted on its own
