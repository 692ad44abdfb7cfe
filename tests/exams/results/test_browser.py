"""In a real browser, phone-sized, with CSRF on: the legal office finds 成绩 in the menu, filters the registry,
opens an exam's results (the distribution chart draws under the CSP, no inline scripts) and its item analysis,
and exports the registry."""
from __future__ import annotations

import os

import pytest

from tests.conftest import PASSWORD
from tests.exams.results.helpers import make_exam, make_questions, sit
from tests.training.helpers import bulk_officers

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("RESULTS_SCREENSHOTS")  # a folder: save screenshots there for a human look


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_legal_reads_results_and_analysis_on_a_phone(world, live_server, page, frozen):
    questions = make_questions(world.city, 4)
    exam = make_exam(world.city, questions=4, title="2026年度执法资格考试")
    for n, officer_id in enumerate(bulk_officers(world.dept, 8)):
        sit(exam, officer_id, [(n + q) % 3 != 0 for q in range(4)], questions)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill("legal_city")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    page.get_by_role("button", name="展开菜单").click()
    page.get_by_role("link", name="成绩", exact=True).click()
    page.wait_for_url(f"{live_server}/exams/results")
    assert page.locator("tr[data-attempt]").count() == 8
    page.get_by_label("结果", exact=True).select_option("failed")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**result=failed**")
    failed = page.locator("tr[data-attempt]").count()
    assert 0 < failed < 8
    shot(page, "registry")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name="2026年度执法资格考试").first.click()
    page.wait_for_url(f"{live_server}/exams/{exam.id}/results")
    page.wait_for_function("document.querySelector('canvas.js-chart').width > 0")
    shot(page, "exam-results")
    page.get_by_role("link", name="试题分析").click()
    page.wait_for_url(f"{live_server}/exams/{exam.id}/analysis")
    assert page.locator("table.item-analysis tr[data-question]").count() == 4
    page.get_by_role("link", name="难度系数").click()
    page.wait_for_url("**sort=facility**")
    shot(page, "analysis")
    assert not [e for e in errors if "Content Security Policy" in e], errors
