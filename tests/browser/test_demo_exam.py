"""Issue 5's "done when", on the demo itself: the demo officer 李晓梅 (who meets the pre-exam training rule) takes
the open qualification exam on a phone-sized screen from start to result; a second browser (another device)
resumes the same paper with the answers already given."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from exams.attempts.models import Attempt
from portal.extensions import db
from portal.officers.models import Officer

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo-pass-2016"
LI = "371002198805120047"
PHONE = {"width": 390, "height": 844}


def sign_in(page, server):
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/login")
    page.get_by_label("用户名或身份证号").fill(LI)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/home")


def answer_shown_question(page):
    """Choose the first option of the question on screen and wait for the autosave."""
    page.locator("input[name=choice]").first.check()
    expect(page.locator("#save-status")).to_have_text("已保存")


def test_the_demo_officer_takes_the_open_qualification_exam_and_a_second_device_resumes(
        app, live_server, page, monkeypatch, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", DEMO_PASSWORD)
    load_demo()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)

    sign_in(page, live_server)
    page.goto(f"{live_server}/me/exams")
    card = page.locator(".my-exam", has_text="行政执法资格考试（第四期）")
    card.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_url = page.url
    for _ in range(3):
        answer_shown_question(page)
        page.get_by_role("button", name="下一题").click()
        page.wait_for_load_state()

    # another device: a new browser context signs in and finds the same paper with three answers
    other = page.context.browser.new_context(locale="zh-CN")
    try:
        second = other.new_page()
        sign_in(second, live_server)
        second.goto(f"{live_server}/me/exams")
        second.locator(".my-exam", has_text="行政执法资格考试（第四期）").get_by_role("link", name="继续作答").click()
        second.wait_for_url(re.compile(r".*/attempts/\d+.*"))
        assert second.url.split("?")[0] == attempt_url
        assert second.locator("input[name=choice]:checked").count() == 1, "question 1 shows its saved answer"
        assert "已答 3 /" in second.locator("body").inner_text()
    finally:
        other.close()

    page.goto(f"{attempt_url}/submit")
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/result$"))
    body = page.locator("body").inner_text()
    assert re.search(r"不合格|合格", body)
    db.session.expire_all()
    attempt = db.session.query(Attempt).join(Officer).filter(Officer.id_number == LI).one()
    assert attempt.status == "final" and attempt.finish == "submitted" and f"{attempt.score}" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    assert errors == []
