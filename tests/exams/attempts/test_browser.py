"""In a real browser on a phone-sized screen, with CSRF on and the CSP in force: an officer signs in, opens
我的考试, starts the open exam, answers (each answer autosaved: 已保存), reloads mid-way and finds the answers
still chosen, answers the rest, hands in through the confirmation and sees the score and the verdict."""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import expect

from exams.attempts.models import Attempt
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.exams.attempts.helpers import CLOSES, OPENS, correct_choice, items, open_exam, start

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("EXAM_SCREENSHOTS")  # a folder: save screenshots there for a human look


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def choose(page, item):
    """Tick the correct options of ``item`` as a candidate would, and wait for the autosave."""
    for value in correct_choice(item):
        page.locator(f"input[name=choice][value='{value}']").check()
        expect_saved(page)


def expect_saved(page):
    expect(page.locator("#save-status")).to_have_text("已保存")


def test_an_officer_takes_the_open_exam_on_a_phone(world, live_server, page, frozen):
    exam = open_exam(world)
    officer_login = world.officer.id_number
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill(officer_login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    page.get_by_role("button", name="展开菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的考试").click()
    page.wait_for_url(f"{live_server}/me/exams")
    shot(page, "my-exams")
    page.locator(f".my-exam[data-exam='{exam.id}']").get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt = db.session.query(Attempt).one()
    drawn = items(attempt)
    assert page.locator("#countdown").inner_text().startswith("剩余 ")
    expect(page.get_by_text(drawn[0].version.stem)).to_be_visible()

    choose(page, drawn[0])
    shot(page, "question-1")
    page.get_by_role("button", name="下一题").click()
    page.wait_for_url(re.compile(r".*\?n=2$"))
    choose(page, drawn[1])
    assert page.locator("#answered-count").inner_text() == "2"
    db.session.expire_all()
    assert [i.response is not None for i in items(attempt)][:3] == [True, True, False]

    page.reload()  # mid-way: the answers are still there
    for value in correct_choice(drawn[1]):
        assert page.locator(f"input[name=choice][value='{value}']").is_checked()
    expect(page.get_by_role("button", name="第 1 题，已答")).to_be_visible()
    page.get_by_role("button", name="第 1 题，已答").click()  # the palette: a form POST, no JavaScript needed
    page.wait_for_url(re.compile(r".*\?n=1$"))
    for value in correct_choice(drawn[0]):
        assert page.locator(f"input[name=choice][value='{value}']").is_checked()

    for item in drawn[2:]:
        page.get_by_role("button", name=f"第 {item.position} 题，未答").click()
        page.wait_for_url(re.compile(rf".*\?n={item.position}$"))
        choose(page, item)
    page.mouse.move(0, 0)
    shot(page, "last-question")
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(f"{live_server}/attempts/{attempt.id}/submit")
    expect(page.get_by_text("全部题目均已作答。")).to_be_visible()
    shot(page, "confirm")
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url(f"{live_server}/attempts/{attempt.id}/result")
    assert page.locator("#score").inner_text().startswith("14")
    assert page.locator("#verdict").inner_text() == "合格"
    expect(page.get_by_text("答案与解析将在考试结束")).to_be_visible()
    shot(page, "result")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == 14


def sign_in(page, live_server, login):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")


def test_at_zero_the_page_reloads_and_the_server_hands_the_paper_in(world, live_server, page, frozen):
    """The countdown follows the server's deadline (here the window's close, 3 s away); at zero the page reloads
    and the server, whose clock has passed the deadline, finalizes the attempt."""
    exam = open_exam(world, opens=OPENS, closes=CLOSES)
    frozen(CLOSES - dt.timedelta(seconds=3))
    attempt = start(world, exam)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, world.officer.id_number)
    page.goto(f"{live_server}/attempts/{attempt.id}")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"剩余 00:0[1-3]"))
    choose(page, items(attempt)[0])
    frozen(CLOSES + dt.timedelta(seconds=1))
    page.wait_for_url(f"{live_server}/attempts/{attempt.id}/result")
    expect(page.get_by_text("考试时间已到（截止 17:00:00），试卷已按截止前保存的答案交卷")).to_be_visible()
    assert page.locator("#score").inner_text().startswith("2")


def test_an_answer_after_the_deadline_says_it_was_not_saved(world, live_server, page, frozen):
    exam = open_exam(world)
    attempt = start(world, exam)
    sign_in(page, live_server, world.officer.id_number)
    page.goto(f"{live_server}/attempts/{attempt.id}")
    frozen(attempt.deadline + dt.timedelta(seconds=1))  # the server's clock, not the browser's, decides
    page.locator("input[name=choice]").first.check()
    expect(page.locator("#save-status")).to_have_text(
        f"保存失败：考试时间已到（截止 {attempt.deadline:%H:%M:%S}），本题答案未保存，试卷已按截止前保存的答案交卷")
    page.wait_for_url(f"{live_server}/attempts/{attempt.id}/result")
    assert page.locator("#verdict").inner_text() == "不合格"
