"""On a phone (390 × 844), with CSRF on as in production and JavaScript off: from a QR's verification page, a member
of the public opens the complaint form, fills four short fields, sends it and reads the reference number — a
handful of taps — then looks the outcome up by that number. A screenshot of the form is kept in
``test-artifacts/``."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.complaints.models import Complaint
from portal.extensions import db
from tests.certificates.issued import issue

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}


def test_a_complaint_from_the_qr_page_on_a_phone(app, live_server, page, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "keys"))
    card = issue(world.officer)
    ARTIFACTS.mkdir(exist_ok=True)
    context = page.context.browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        phone.goto(f"{live_server}/v/{card.token}")
        phone.get_by_role("link", name="投诉或表扬该执法人员").click()
        expect(phone.get_by_text("王建国").first).to_be_visible()
        phone.get_by_label("发生地点").fill("新威路菜市场门口")
        phone.get_by_label("发生了什么").fill("执法人员没有出示证件就扣押了三轮车。")
        assert phone.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        phone.screenshot(path=str(ARTIFACTS / "complaint-form-390x844.png"), full_page=True)
        phone.get_by_role("button", name="提交").click()
        expect(phone.get_by_text("已收到您的投诉")).to_be_visible()
        db.session.expire_all()
        reference = db.session.scalar(sa.select(Complaint.reference))
        assert reference
        expect(phone.get_by_text(reference).first).to_be_visible()
        phone.goto(f"{live_server}/public/complaints")
        phone.get_by_label("投诉或表扬的编号").fill(reference.lower())
        phone.get_by_role("button", name="查询").click()
        expect(phone.get_by_text("待受理")).to_be_visible()
    finally:
        context.close()


def fits(tab) -> bool:
    return tab.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_report_of_enforcing_without_a_certificate_and_its_handling_on_a_phone(app, live_server, page, world,
                                                                                tmp_path, monkeypatch):
    """The public reports someone without a certificate (no number); the legal office's page of it, and an officer's
    page of the complaints they were told of, fit the phone too."""
    from portal import clock
    from portal.audit import Actor
    from portal.complaints import handling, services
    from tests.conftest import PASSWORD

    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "keys"))
    card = issue(world.officer)
    ARTIFACTS.mkdir(exist_ok=True)
    context = page.context.browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        phone.goto(f"{live_server}/public/complaints")
        phone.get_by_role("link", name="举报无证执法").click()
        phone.get_by_label("所属单位").select_option(label="环翠区综合行政执法局")
        phone.get_by_label("大约时间").fill("16:30")
        phone.get_by_label("发生地点").fill("新威路与青岛路路口")
        phone.get_by_label("发生了什么").fill("两人收走摊贩的遮阳伞，要求出示证件时说没带。")
        assert fits(phone)
        phone.screenshot(path=str(ARTIFACTS / "unlicensed-report-390x844.png"), full_page=True)
        phone.get_by_role("button", name="提交举报").click()
        expect(phone.get_by_text("已收到您的举报。")).to_be_visible()

        row = services.submit(services.Submission("complaint", clock.today(), "新威路", "执法人员推搡摊主，言语粗暴。", ""),
                              officer_id=world.officer.id, agency_id=card.certificate.agency_id,
                              certificate_number=card.number, actor=Actor.system("test"), now=clock.now())
        services.decide(row, "accept", actor=Actor.system("test"), now=clock.now())
        handling.tell(row, actor=Actor.system("test"), now=clock.now())
        db.session.commit()
        for login, path, shot in ((world.officer.id_number, "/me/complaints", "officer-complaints"),
                                  ("legal_city", f"/complaints/{row.id}", "legal-complaint")):
            phone.goto(f"{live_server}/login")
            phone.fill("input[name=login]", login)
            phone.fill("input[name=password]", PASSWORD)
            phone.click("button[type=submit]")
            phone.goto(f"{live_server}{path}")
            expect(phone.get_by_text("推搡摊主").first).to_be_visible()
            assert fits(phone), path
            phone.screenshot(path=str(ARTIFACTS / f"{shot}-390x844.png"), full_page=True)
            context.clear_cookies()
    finally:
        context.close()
