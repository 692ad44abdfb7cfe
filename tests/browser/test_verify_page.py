"""In a real browser at a phone's size (390 × 844): a QR code's verification page shows its result first, in large
type, with the photo, fits the screen without sideways scrolling, and needs no JavaScript. Screenshots are kept
in ``test-artifacts/`` for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.officers import services as officer_services
from tests.certificates.issued import issue
from tests.factories import SYSTEM, image_bytes

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def issued(app, world, tmp_path, monkeypatch):
    """A certificate with a long scope and a photo, signed with keys of this test."""
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "keys"))
    officer_services.set_photo(SYSTEM, world.officer, image_bytes("JPEG", (300, 400)), clock.now())
    db.session.commit()
    return issue(world.officer, categories=["城市管理", "市场监管", "生态环境", "交通运输", "文化旅游"],
                 region="环翠区全域（含经济技术开发区、火炬高技术产业开发区）")


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_verification_page_on_a_phone(live_server, page, issued):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/v/{issued.token}")
    headline = page.get_by_role("heading", name="有效", exact=True)
    expect(headline).to_be_visible()
    assert headline.bounding_box()["y"] < 200, "the result comes first"
    assert float(headline.evaluate("h => getComputedStyle(h).fontSize").removesuffix("px")) >= 40
    assert headline.evaluate("h => getComputedStyle(h.parentElement).backgroundColor") == "rgb(30, 126, 52)"
    photo = page.get_by_role("img", name="持证人照片")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_text("王建国")).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=str(ARTIFACTS / "verify-valid-390x844.png"), full_page=True)


def test_a_forged_code_and_the_lookup_form_without_javascript(live_server, page, issued):
    ARTIFACTS.mkdir(exist_ok=True)
    context = page.context.browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        token = issued.token
        forged = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        phone.goto(f"{live_server}/v/{forged}")
        headline = phone.get_by_role("heading", name="签名无效", exact=True)
        expect(headline).to_be_visible()
        assert headline.evaluate("h => getComputedStyle(h.parentElement).backgroundColor") == "rgb(179, 38, 30)"
        assert fits_the_screen(phone)
        phone.screenshot(path=str(ARTIFACTS / "verify-invalid-390x844.png"), full_page=True)

        phone.get_by_role("link", name="按证号和姓名查询").first.click()
        phone.get_by_label("证号").fill(issued.number)
        phone.get_by_label("姓名").fill("王建国")
        phone.get_by_role("button", name="查询").click()
        expect(phone.get_by_role("heading", name="有效", exact=True)).to_be_visible()
        assert f"number={issued.number}" in phone.url, "a result can be bookmarked"
        assert fits_the_screen(phone)
        phone.screenshot(path=str(ARTIFACTS / "verify-lookup-390x844.png"), full_page=True)
    finally:
        context.close()
