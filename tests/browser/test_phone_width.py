"""On a 390 px phone, no page of any role's menu is wider than the screen, and with the menu open every button of
the user box (消息, 修改密码, 退出) lies on the screen (issue 13: 退出 was off-screen; /reviews, /assessment/grid and
/training/courses scrolled sideways). Run on the demo, whose names and numbers are as long as real ones; a
screenshot of every page is kept in ``test-artifacts/phone/`` to be looked at."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone"
PHONE = {"width": 390, "height": 844}
PASSWORD = "demo-pass-2016"
ROLES = {"officer": "371002199003071233", "hr": "hr", "legal": "legal", "admin": "admin"}
#: what must be on the screen, not scrolled away inside a table, on a phone
MUST_SHOW = {"/training/shortfall": ("尚差学时",), "/reviews": ("审核状态",), "/complaints": ("状态", "期限"),
             "/entrustments": ("状态", "委托期限")}
#: pages whose row actions (提交审核, 审核) must be within reach without scrolling the table
ACTIONS_SHOWN = {"/reviews"}
#: cells that must be wide enough to read on a phone (the audit log's changes were 40 px: one character a line)
READABLE = {"/audit": "td[data-label='变更']", "/imports/officers": "td[data-label='说明']:not(.d-none)",
            "/imports/training": "td[data-label='说明']:not(.d-none)"}


@pytest.fixture
def demo(app, runner, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "keys"))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _too_wide(phone) -> str | None:
    """What makes the page wider than the screen, if anything: the widths and the widest elements."""
    width = phone.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width[0] <= width[1]:
        return None
    culprits = phone.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.parentElement.closest('.table-responsive, .overflow-auto'))
        .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
                         + ' ' + Math.round(e.getBoundingClientRect().right))""")
    return f"{width[0]} px on a {width[1]} px screen: {culprits}"


def test_every_menu_page_of_every_role_fits_a_phone(live_server, page, demo):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for role, login in ROLES.items():
        context = page.context.browser.new_context(locale="zh-CN", viewport=PHONE)
        try:
            phone = context.new_page()
            refused: list[str] = []  # what the CSP blocked: a style or script that silently did not apply
            phone.on("console", lambda message, refused=refused, phone=phone: refused.append(f"{phone.url}: {message.text}")
                     if "Content Security Policy" in message.text else None)
            phone.goto(f"{live_server}/login")
            phone.fill("input[name=login]", login)
            phone.fill("input[name=password]", PASSWORD)
            phone.click("button[type=submit]")
            phone.wait_for_url(re.compile(r".*/home$"))
            phone.click("button.navbar-toggler")
            phone.locator("#mainnav.show").wait_for()
            for name in ("消息", "修改密码", "退出"):
                box = phone.locator(".user-box").locator("a, button", has_text=name).first.bounding_box()
                if box is None or box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
                    problems.append(f"{role}: with the menu open, {name} is off the screen ({box})")
            hrefs = phone.eval_on_selector_all("#mainnav .nav-link", "links => links.map(a => a.getAttribute('href'))")
            assert len(hrefs) >= 5, hrefs
            seen = set()
            while hrefs:  # the menu's pages, and the pages of their tabs
                href = hrefs.pop(0)
                if href in seen:
                    continue
                seen.add(href)
                phone.goto(f"{live_server}{href}")
                hrefs += phone.eval_on_selector_all("main .nav-tabs a.nav-link[href^='/']",
                                                    "links => links.map(a => a.getAttribute('href'))")
                slug = href.strip("/").replace("/", "-") or "home"
                phone.screenshot(path=str(ARTIFACTS / f"{role}-{slug}.png"), full_page=True)
                wide = _too_wide(phone)
                if wide:
                    problems.append(f"{role} {href}: {wide}")
                if href in READABLE:
                    cell = phone.locator(READABLE[href]).first.bounding_box()
                    if cell is None or cell["width"] < 250:
                        problems.append(f"{role} {href}: {READABLE[href]} is {cell and cell['width']} px wide")
                if href in ACTIONS_SHOWN:
                    for button in phone.locator("main table .btn").all():
                        box = button.bounding_box()
                        if box is None or box["x"] + box["width"] > PHONE["width"]:
                            problems.append(f"{role} {href}: the button {button.inner_text()} is off the screen ({box})")
                for heading in MUST_SHOW.get(href, ()):
                    box = phone.locator("main th", has_text=heading).first.bounding_box()
                    if box is None or box["x"] + box["width"] > PHONE["width"]:
                        problems.append(f"{role} {href}: the column {heading} is off the screen ({box})")
            problems += refused
        finally:
            context.close()
    assert not problems, "\n".join(problems)
