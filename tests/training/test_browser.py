"""In a real browser with CSRF on: HR records a class of 30 with the keyboard ("全选" without JavaScript), the
officer reads their progress bars, and the shortfall page draws its chart under the CSP (no inline scripts)."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.training.helpers import add, bulk_officers, record_count

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TRAINING_SCREENSHOTS")  # a folder: save screenshots there for a human look


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def sign_in(page, live_server, login):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")


def test_hr_records_a_class_of_30_with_the_keyboard(world, live_server, page, frozen):
    from tests.training.test_record_pages import make_course

    course = make_course(world.dept)
    bulk_officers(world.dept, 29)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "hr")
    shot(page, "hr-home")
    page.get_by_role("link", name="培训", exact=True).click()
    page.get_by_role("link", name="整班录入").first.click()
    page.get_by_label("课程").select_option(str(course.id))
    page.get_by_role("button", name="全选").press("Enter")  # a submit button: works without JavaScript
    assert page.locator("input[name=officer_ids]:checked").count() == 30
    page.get_by_label("完成日期").fill("2026-11-03")
    page.get_by_label("备注（选填）").fill("第一期")
    shot(page, "class-form")
    page.get_by_role("button", name="登记所选人员").press("Enter")
    page.wait_for_url(f"{live_server}/training/records?course={course.id}")
    expect(page.get_by_text("已为 30 名人员登记“执法礼仪与职业道德”，每人 4 学时。")).to_be_visible()
    shot(page, "records")
    assert record_count() == 30
    page.get_by_role("link", name="培训未达标").click()
    expect(page.locator("canvas.js-chart").first).to_be_visible()
    page.wait_for_function("document.querySelector('canvas.js-chart').width > 0")
    shot(page, "shortfall")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_officer_sees_progress_bars(world, live_server, page, frozen):
    add(world.officer, "public_law", 16, dt.date(2026, 3, 1))
    add(world.officer, "ethics", 3, dt.date(2026, 5, 1))
    db.session.commit()
    sign_in(page, live_server, world.officer.id_number)
    shot(page, "officer-home")
    page.get_by_role("link", name="我的培训").first.click()
    bars = page.get_by_role("progressbar")
    assert bars.count() == 8
    public = page.get_by_role("progressbar", name="公共法律知识：已完成 16 学时，要求 16 学时").first
    assert public.get_attribute("aria-valuenow") == "100"
    assert public.locator(".progress-bar").bounding_box()["width"] > 0
    expect(page.get_by_text("尚未满足资格考试前培训要求")).to_be_visible()
    shot(page, "mine")
    assert clock.today() == dt.date(2026, 11, 26)
