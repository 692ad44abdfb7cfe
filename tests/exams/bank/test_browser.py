"""In a real browser on a phone-sized screen, CSRF on: the legal office writes a true/false question (the form shows
the 对/错 answer instead of the option rows), is told what is wrong beside the field, corrects it, previews it, and
the bank's chart draws under the CSP."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.exams.bank.helpers import make_question, questions

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("BANK_SCREENSHOTS")  # a folder: save screenshots there for a human look


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_legal_writes_a_true_false_question_on_a_phone(world, live_server, page, frozen):
    make_question(world.legal_city, stem="已有的一道题")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill("legal_city")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/exams/questions")
    page.wait_for_function("document.querySelector('canvas.js-chart').width > 0")
    shot(page, "bank-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="新建试题").first.click()
    page.wait_for_url(f"{live_server}/exams/questions/new")
    expect(page.locator(".js-tf-block")).to_be_hidden()  # waits for the form's script
    expect(page.locator("#option_a")).to_be_visible()
    # a single-choice question keeps one ticked answer
    page.locator("#answer-A").check()
    page.locator("#answer-B").check()
    assert page.locator("input[name=answer]:checked").count() == 1
    shot(page, "bank-form-single")
    page.get_by_label("判断").check()
    expect(page.locator("#option_a")).to_be_hidden()
    expect(page.locator(".js-tf-block")).to_be_visible()
    page.get_by_label("题干").fill("行政机关实施行政强制，应当坚持教育与强制相结合。")
    page.locator("label[for=answer_tf-0]").click()
    page.get_by_label("类别", exact=True).select_option("行政强制法")
    page.get_by_label("法律依据").fill("行政强制法第六条")
    page.get_by_label("保存后状态").select_option("active")
    shot(page, "bank-form")
    page.get_by_role("button", name="保存").click()
    feedback = page.locator(".invalid-feedback")
    assert "法律依据须用书名号写明依据的法律文件" in feedback.first.inner_text()
    assert page.get_by_label("题干").input_value() == "行政机关实施行政强制，应当坚持教育与强制相结合。"
    expect(page.locator(".js-tf-block")).to_be_visible()
    expect(page.locator("#answer_tf-0")).to_be_checked()
    shot(page, "bank-form-refused")
    page.get_by_label("法律依据").fill("《行政强制法》第六条")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server}/exams/questions/2")
    assert page.locator(".question-answer").inner_text() == "对"
    shot(page, "bank-question")
    [_, question] = questions()
    assert (question.kind, question.status, question.current.answer) == ("true_false", "active", "T")
    page.get_by_role("link", name="考生视角预览").click()
    assert page.locator(".question-preview input[type=radio]").count() == 2
    shot(page, "bank-preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not [e for e in errors if "Content Security Policy" in e], errors
