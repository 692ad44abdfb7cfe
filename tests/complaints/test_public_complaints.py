"""A member of the public sends a complaint or praise about a certificate's holder (SPEC §2.10) — from the
verification page or the roster, in one short form — gets a reference number, and later reads the outcome by it;
bad input is refused beside its field and stores nothing; the form is rate- and size-limited."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.complaints.models import Complaint
from portal.extensions import db, limiter
from portal.notify import Notification
from tests.certificates import issued as issued_module
from tests.officers import page
from tests.officers.helpers import is_chinese_message


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def card(app, world, key_dir, frozen):
    return issued_module.issue(world.officer)


def form(number: str, **overrides) -> dict:
    values = {"number": number, "kind": "complaint", "happened_on": "2026-11-25", "place": "环翠区新威路菜市场门口",
              "what": "执法人员态度粗暴，没有出示证件就扣押了摊贩的三轮车。", "contact": "13800000000"}
    values.update(overrides)
    return values


def complaints() -> list[Complaint]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Complaint).order_by(Complaint.id)))


def test_from_the_qr_page_to_a_reference_number_and_the_outcome(client, world, card):
    verify = client.get(f"/v/{card.token}").get_data(as_text=True)
    link = re.search(r'href="([^"]*/public/complaints\?number=[^"]+)"', verify).group(1)
    start = client.get(link.replace("&amp;", "&"))
    assert start.status_code == 200 and "王建国" in text(start) and "环翠区综合行政执法局" in text(start)
    assert world.officer.id_number not in start.get_data(as_text=True)
    assert 'value="unlicensed"' not in start.get_data(as_text=True)  # only 投诉 and 表扬 about a holder
    sent = client.post("/public/complaints", data=form(card.number))
    assert sent.status_code == 302, page.all_field_errors(sent)
    [row] = complaints()
    assert (row.officer_id, row.agency_id, row.certificate_number) == (world.officer.id, world.dept.id, card.number)
    assert row.status == "received" and re.fullmatch(r"TS20261126[2-9A-HJKMNP-Z]{8}", row.reference)
    outcome = client.get(sent.headers["Location"])
    assert row.reference in text(outcome) and "已收到您的投诉" in text(outcome) and "待受理" in text(outcome)
    assert "13800000000" not in outcome.get_data(as_text=True)  # the contact is for the legal office only
    # the legal offices covering the certificate's agency are told; HR is not
    told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert told == {world.legal_city.id, world.legal_district.id}
    looked_up = client.get(f"/public/complaints?ref= {row.reference.lower()} ")
    assert looked_up.status_code == 200 and "待受理" in text(looked_up)
    assert looked_up.headers["Cache-Control"] == "no-store"


def test_praise_from_the_roster(client, world, card):
    roster = client.get("/public/officers").get_data(as_text=True)
    assert f"/public/complaints?number={card.number}" in roster
    sent = client.post("/public/complaints", data=form(card.number, kind="praise", contact="",
                                                      what="执法人员耐心讲解政策，帮助商户整改。"))
    assert sent.status_code == 302
    [row] = complaints()
    assert row.kind == "praise" and row.contact is None
    assert re.fullmatch(r"BY20261126[2-9A-HJKMNP-Z]{8}", row.reference)  # not a complaint's TS (issue 13)


def test_a_complaint_about_long_ago_is_received(client, card):
    """No rule limits how long ago the thing complained of happened (issue 15: the two-year limit had no basis); a
    substantiated one counts in a review only if it happened in that review's period (SPEC §2.8)."""
    sent = client.post("/public/complaints", data=form(card.number, happened_on="2023-11-25"))
    assert sent.status_code == 302
    [row] = complaints()
    assert row.happened_on.isoformat() == "2023-11-25" and row.due_on.isoformat() == "2026-12-11"  # 15 days


BAD = [
    ({"happened_on": "2026-11-27"}, "happened_on", "晚于今天"),
    ({"happened_on": ""}, "happened_on", "日期"),
    ({"place": "   "}, "place", "地点"),
    ({"place": "路" * 101}, "place", ""),
    ({"what": "态度不好"}, "what", "至少"),
    ({"what": "字" * 1001}, "what", ""),
    ({"contact": "1" * 61}, "contact", ""),
    ({"kind": "threat"}, "kind", ""),
    ({"kind": "unlicensed"}, "kind", ""),  # a report has its own form, without a number
]


@pytest.mark.parametrize("overrides, field, words", BAD, ids=[
    "tomorrow", "no date", "blank place", "long place", "short account", "long account",
    "long contact", "unknown kind", "a report on a holder's form"])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(client, card, overrides, field, words):
    response = client.post("/public/complaints", data=form(card.number, **overrides))
    assert response.status_code == 422
    errors = re.findall(rf'<p id="{field}-error" class="vf-error">([^<]+)</p>', response.get_data(as_text=True))
    assert errors and any(words in e for e in errors), errors
    assert all(is_chinese_message(e) for e in errors), errors
    assert complaints() == []
    if field != "what":
        assert "没有出示证件" in response.get_data(as_text=True)  # what was typed is kept


@pytest.mark.parametrize("number", ["371000124000010", "371000999999999", "not-a-number"])
def test_an_unknown_or_mistyped_number_finds_nobody(client, card, number):
    response = client.get(f"/public/complaints?number={number}")
    assert response.status_code == 404 and "未找到证号" in text(response)
    assert client.post("/public/complaints", data=form(number)).status_code == 404
    assert complaints() == []


def test_an_unknown_reference_says_so(client, card):
    response = client.get("/public/complaints?ref=TS20261126ABCDEFGH")
    assert response.status_code == 404 and "没有编号为" in text(response)


def test_an_oversized_post_is_refused_whole(client, card):
    response = client.post("/public/complaints", data=form(card.number, what="字" * 9000))
    assert response.status_code == 413
    assert complaints() == []


def test_the_form_is_rate_limited_per_client(app, client, card, monkeypatch):
    limiter.reset()
    monkeypatch.setitem(app.config, "COMPLAINT_RATE_LIMIT", "2/hour")
    try:
        assert [client.post("/public/complaints", data=form(card.number)).status_code for _ in range(3)] == [
            302, 302, 429]
        assert client.get(f"/public/complaints?number={card.number}").status_code == 200  # reading is not limited
        assert len(complaints()) == 2
    finally:
        limiter.reset()


def test_the_form_carries_a_csrf_token(app, client, card, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/public/complaints", data=form(card.number))
    assert response.status_code in (302, 400, 422)
    assert complaints() == []
    assert 'name="csrf_token"' in client.get(f"/public/complaints?number={card.number}").get_data(as_text=True)


def test_a_suspended_holders_page_also_offers_the_form(client, world, key_dir, frozen):
    card = issued_module.issue(world.officer2, status="suspended", holds=("under_investigation",))
    assert "投诉或表扬该执法人员" in client.get(f"/v/{card.token}").get_data(as_text=True)
    # the date defaults to today (the clock is frozen on 26 November 2026)
    assert 'value="2026-11-26"' in client.get(f"/public/complaints?number={card.number}").get_data(as_text=True)


def test_looking_up_references_is_rate_limited_per_client(app, client, card, monkeypatch):
    limiter.reset()
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3/minute")
    try:
        answers = [client.get(f"/public/complaints?ref=TS20261126ABCDEFG{n}").status_code for n in range(2, 6)]
        assert answers == [404, 404, 404, 429]
        assert client.get(f"/public/complaints?number={card.number}").status_code == 200  # the form is not limited
    finally:
        limiter.reset()
