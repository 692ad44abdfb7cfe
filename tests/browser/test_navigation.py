"""The menu of every role fits on one line of a desktop screen (1200 px, where the menu stops collapsing) and never
makes the page scroll sideways (the bar stays one line high at 1200 and 1440 px); below that width it collapses behind the menu button."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1200, 1440])
@pytest.mark.parametrize("role", ["officer", "hr", "legal", "admin"])
def test_the_menu_fits_one_line(live_server, page, world, role, width):
    login = world.officer.id_number if role == "officer" else {"hr": "hr", "legal": "legal_city", "admin": "admin"}[role]
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    heights = page.evaluate("() => [...document.querySelectorAll('#mainnav .nav-link')].map(a => a.getBoundingClientRect().top)")
    assert heights and len(set(heights)) == 1, "menu entries on more than one line"
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.evaluate("() => document.querySelector('nav.navbar').getBoundingClientRect().height") < 70
    page.set_viewport_size({"width": 1199, "height": 800})
    expect(page.locator("button.navbar-toggler")).to_be_visible()
