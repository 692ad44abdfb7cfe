"""Complaints handled as seed 三(一)4 asks — 办理、移交和答复 (SPEC §2.10), each rule at its edges: the officer told the
substance and heard within 5 working days before a 查实; 移交 with the receiving body recorded and the sender told;
deadlines of 15 days to accept or transfer, 60 to conclude, extendable once by 30, shown to legal and reminded by the
sweep; the entrusting body's legal office handling complaints about an entrusted party's officers."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from certificates import sweep
from portal import clock, policy
from portal.audit import Actor
from portal.complaints import handling, services
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notify import Notification
from portal.orgs.entrustment import services as entrustment
from tests.certificates import issued as issued_module
from tests.factories import make_agency, make_officer, make_officer_account
from tests.officers import page

SYSTEM = Actor.system("test")
THURSDAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)  # the frozen clock's day


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def sent(officer, card, kind: str = "complaint", now: dt.datetime | None = None) -> Complaint:
    row = services.submit(services.Submission(kind, dt.date(2026, 11, 20), "环翠区新威路", "执法人员推搡摊主，言语粗暴。",
                                              "13900000000"),
                          officer_id=officer.id, agency_id=card.certificate.agency_id, certificate_number=card.number,
                          actor=SYSTEM, now=now or clock.now())
    db.session.commit()
    return row


def reload(row) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, row.id)


def at(frozen, auth, day: dt.date, login: str = "legal_city") -> None:
    """Move the clock to 09:00 of ``day`` and sign in again (a moved clock ends the session)."""
    frozen(dt.datetime.combine(day, dt.time(9), tzinfo=clock.TZ))
    auth.logout()
    auth.login(login)


@pytest.fixture
def card(app, world, key_dir, frozen):
    return issued_module.issue(world.officer)


@pytest.fixture
def legal(client, auth, world):
    auth.login("legal_city")
    return world


def accepted(row) -> Complaint:
    services.decide(row, "accept", actor=SYSTEM, now=clock.now())
    db.session.commit()
    return row


def substantiate(client, row):
    return client.post(f"/complaints/{row.id}/decide", data={"decision": "substantiate", "reply": "经调查属实。"})


# ---------------------------------------------------------------- told and heard before 查实

def test_a_complaint_is_not_substantiated_before_the_officer_is_told(client, legal, card):
    row = accepted(sent(legal.officer, card))
    response = substantiate(client, row)
    assert response.status_code == 422 and "须先告知王建国投诉的主要内容" in text(response)
    assert reload(row).status == "accepted"
    assert client.post(f"/complaints/{row.id}/decide", data={
        "decision": "unsubstantiate", "reply": "经调查不属实。"}).status_code == 302  # 未查实 needs no hearing


@pytest.mark.parametrize("day, allowed", [
    (dt.date(2026, 12, 3), False),  # Thursday told → the 5th working day (Fri, Mon–Thu): the officer may still answer
    (dt.date(2026, 12, 4), True),   # the day after the deadline
])
def test_the_officer_has_five_working_days_to_answer(client, auth, frozen, legal, card, day, allowed):
    row = accepted(sent(legal.officer, card))
    assert client.post(f"/complaints/{row.id}/tell").status_code == 302
    assert reload(row).answer_due_on == dt.date(2026, 12, 3)
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == legal.officer_user.id)).all()
    assert any("请在期限内陈述" in n.title and "推搡摊主" in n.body and "2026年12月3日" in n.body for n in told)
    assert all("13900000000" not in n.body for n in told)  # the sender's contact is never the officer's to see
    at(frozen, auth, day)
    assert (substantiate(client, row).status_code == 302) is allowed


def test_holidays_on_the_policy_page_lengthen_the_time_to_answer(client, legal, card):
    policy.update(SYSTEM, {"calendar.holidays": ["2026-11-27"]})
    db.session.commit()
    policy.forget_cache()
    row = accepted(sent(legal.officer, card))
    assert client.post(f"/complaints/{row.id}/tell").status_code == 302
    assert reload(row).answer_due_on == dt.date(2026, 12, 4)


def test_the_officer_answers_on_their_page_and_legal_sees_it_beside_the_decision(client, auth, frozen, legal, card):
    row = accepted(sent(legal.officer, card))
    client.post(f"/complaints/{row.id}/tell")
    auth.logout()
    auth.login(legal.officer.id_number)
    mine = text(client.get("/me/complaints"))
    assert "推搡摊主" in mine and "陈述期限至 2026年12月3日" in mine and "13900000000" not in mine
    empty = client.post(f"/me/complaints/{row.id}/answer", data={"answer": "  "})
    assert empty.status_code == 422 and "请填写陈述意见" in text(empty)
    assert client.post(f"/me/complaints/{row.id}/answer", data={"answer": "当时当事人阻拦执法，我只是劝离。"}).status_code == 302
    again = client.post(f"/me/complaints/{row.id}/answer", data={"waive": "y"})
    assert again.status_code == 409 and "不能重复提交" in text(again)
    auth.logout()
    auth.login("legal_city")
    detail = text(client.get(f"/complaints/{row.id}"))
    assert "当时当事人阻拦执法，我只是劝离。" in detail
    assert substantiate(client, row).status_code == 302  # answered: no need to wait for the deadline


def test_an_answer_after_the_deadline_is_refused(client, auth, frozen, legal, card):
    row = accepted(sent(legal.officer, card))
    handling.tell(row, actor=SYSTEM, now=clock.now())
    db.session.commit()
    at(frozen, auth, dt.date(2026, 12, 3), legal.officer.id_number)
    assert client.post(f"/me/complaints/{row.id}/answer", data={"waive": "y"}).status_code == 302  # the last day
    row2 = accepted(sent(legal.officer, card, now=clock.now()))
    handling.tell(row2, actor=SYSTEM, now=clock.now())
    db.session.commit()
    at(frozen, auth, reload(row2).answer_due_on + dt.timedelta(days=1), legal.officer.id_number)
    late = client.post(f"/me/complaints/{row2.id}/answer", data={"waive": "y"})
    assert late.status_code == 409 and "陈述期限已于" in text(late)


def test_another_officer_cannot_answer(client, auth, world, card):
    row = accepted(sent(world.officer, card))
    handling.tell(row, actor=SYSTEM, now=clock.now())
    db.session.commit()
    other = make_officer(world.dept, name="李明远")
    make_officer_account(other)
    auth.login(other.id_number)
    assert client.post(f"/me/complaints/{row.id}/answer", data={"waive": "y"}).status_code == 404
    assert "推搡摊主" not in text(client.get("/me/complaints"))
    assert reload(row).answered_at is None


# ---------------------------------------------------------------- 移交

def test_a_transfer_records_the_receiving_body_and_tells_the_sender(client, legal, card):
    row = sent(legal.officer, card)
    refused = client.post(f"/complaints/{row.id}/transfer", data={"transfer-transferred_to": " ", "transfer-reply": ""})
    assert refused.status_code == 422
    assert page.field_errors(refused, "transfer-transferred_to") == ["请填写接收移交的机关"]
    assert page.field_errors(refused, "transfer-reply") == ["请填写答复：告诉投诉人已移交何处"]  # both at once
    assert reload(row).status == "received"
    done = client.post(f"/complaints/{row.id}/transfer", data={
        "transfer-transferred_to": "环翠区鲸园街道办事处", "transfer-reply": "已移交环翠区鲸园街道办事处处理。"})
    assert done.status_code == 302
    row = reload(row)
    assert (row.status, row.transferred_to, row.due_on) == ("transferred", "环翠区鲸园街道办事处", None)
    outcome = text(client.get(f"/public/complaints?ref={row.reference}"))
    assert "已移交" in outcome and "环翠区鲸园街道办事处" in outcome
    again = client.post(f"/complaints/{row.id}/transfer", data={
        "transfer-transferred_to": "另一机关", "transfer-reply": "再移交"})
    assert again.status_code == 409


def test_praise_is_not_transferred(client, legal, card):
    row = sent(legal.officer, card, kind="praise")
    assert client.post(f"/complaints/{row.id}/transfer", data={
        "transfer-transferred_to": "某局", "transfer-reply": "移交"}).status_code == 409


# ---------------------------------------------------------------- deadlines

def test_deadlines_to_accept_and_to_conclude(client, auth, frozen, legal, card):
    row = sent(legal.officer, card)
    assert reload(row).due_on == dt.date(2026, 12, 11)  # received 26 November + 15 days
    at(frozen, auth, dt.date(2026, 12, 11))
    assert "2026年12月11日 已逾期" not in text(client.get("/complaints"))  # the day of the deadline
    at(frozen, auth, dt.date(2026, 12, 12))
    listing = text(client.get("/complaints?view=overdue"))
    assert row.reference in listing and "2026年12月11日 已逾期" in listing
    assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 302
    assert reload(row).due_on == dt.date(2027, 2, 10)  # accepted 12 December + 60 days
    assert row.reference not in text(client.get("/complaints?view=overdue"))


def test_the_conclusion_may_be_extended_once_with_a_reason(client, legal, card):
    row = accepted(sent(legal.officer, card))
    refused = client.post(f"/complaints/{row.id}/extend", data={"extend-extension_reason": ""})
    assert refused.status_code == 422 and page.field_errors(refused, "extend-extension_reason") == ["请填写延长理由"]
    assert client.post(f"/complaints/{row.id}/extend",
                       data={"extend-extension_reason": "需调取多处监控录像"}).status_code == 302
    assert reload(row).due_on == dt.date(2026, 11, 26) + dt.timedelta(days=90)
    again = client.post(f"/complaints/{row.id}/extend", data={"extend-extension_reason": "仍需调查"})
    assert again.status_code == 409 and "只能" not in text(again) and "不能再延长" in text(again)
    assert "需调取多处监控录像" in text(client.get(f"/complaints/{row.id}"))


@pytest.mark.parametrize("days_after, reminded", [
    (11, False),  # 7 December: four days before the deadline to accept (11 December)
    (12, True),   # 8 December: three days before
    (16, True),   # 12 December: past it, never reminded before
])
def test_the_sweep_reminds_legal_once_of_a_deadline_near_or_past(frozen, legal, card, days_after, reminded):
    row = sent(legal.officer, card)
    day = dt.date(2026, 11, 26) + dt.timedelta(days=days_after)
    frozen(dt.datetime.combine(day, dt.time(1), tzinfo=clock.TZ))
    report = sweep.run(day, actor=SYSTEM)
    db.session.commit()
    assert any(row.reference in line for line in report.lines) is reminded
    notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == legal.legal_city.id, Notification.title.contains(row.reference),
        Notification.title.contains("期限")))
    assert notes == (1 if reminded else 0)
    second = sweep.run(day, actor=SYSTEM)
    assert not any(row.reference in line for line in second.lines)  # once per deadline


def test_a_new_deadline_is_reminded_again(frozen, legal, card):
    row = sent(legal.officer, card)
    handling.remind_due(dt.date(2026, 12, 10), now=clock.now())
    accepted(row)
    assert reload(row).reminded_for != reload(row).due_on
    assert [c.id for c in handling.remind_due(reload(row).due_on, now=clock.now())] == [row.id]


# ---------------------------------------------------------------- the entrusting body's legal office

def test_the_entrusting_bodys_legal_office_handles_complaints_about_its_partys_officers(client, auth, world,
                                                                                      key_dir, frozen):
    """行政处罚法第二十条第三款: 委托行政机关对受委托组织实施行政处罚的行为应当负责监督 — an 环翠区 bureau entrusted a
    文登区 organisation, so 环翠区's legal office sees the complaints about that organisation's officers."""
    party = make_agency(world.other_dept, name="文登区城市管理服务中心", short_name="文登城管中心", kind="entrusted",
                        region_code="371003")
    pdf = b"%PDF-1.4\n%%EOF\n"
    agreement = entrustment.create(entrustment.AgreementData(
        entrusting_id=world.dept.id, entrusted_id=party.id, legal_basis="《行政处罚法》第二十条", matters="巡查",
        powers=["inspection"], meets_article_21=False, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31),
        rights_obligations="权利义务", liability="法律责任", signed_on=dt.date(2025, 12, 1), document=pdf,
        document_name="协议.pdf"), actor=SYSTEM, now=clock.now())
    entrustment.file(agreement, dt.date(2025, 12, 5), actor=SYSTEM, now=clock.now())
    entrustment.announce(agreement, dt.date(2025, 12, 6), actor=SYSTEM, now=clock.now())
    db.session.commit()
    officer = make_officer(party, name="周海洋")
    row = sent(officer, issued_module.issue(officer))  # about 20 November 2026, within the term
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.title.contains(row.reference))))
    assert world.legal_district.id in told
    auth.login("legal_district")
    assert row.reference in text(client.get("/complaints"))
    assert "周海洋" in text(client.get(f"/complaints/{row.id}"))
    assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 302
    other = make_officer(world.other_dept, name="孙立国")
    theirs = sent(other, issued_module.issue(other))
    assert client.get(f"/complaints/{theirs.id}").status_code == 404  # not entrusted by 环翠区


# ---------------------------------------------------------------- someone enforcing without a certificate

def unlicensed_form(agency, **overrides) -> dict:
    values = {"reported_name": "", "agency_id": str(agency), "happened_on": "2026-11-25", "happened_time": "16:30",
              "place": "新威路与青岛路路口", "what": "两名穿制服的人员收走摊贩的遮阳伞，要求出示证件时说没带。", "contact": ""}
    values.update(overrides)
    return values


def test_someone_enforcing_without_a_certificate_is_reported_without_a_number(client, auth, world, frozen):
    start = text(client.get("/public/complaints"))
    assert "举报无证执法" in start
    sent = client.post("/public/complaints/unlicensed", data=unlicensed_form(world.dept.id))
    assert sent.status_code == 302
    row = db.session.scalars(sa.select(Complaint)).one()
    assert (row.kind, row.officer_id, row.certificate_number, row.agency_id, row.happened_time) == (
        "unlicensed", None, None, world.dept.id, "16:30")
    assert re.fullmatch(r"JB20261126[2-9A-HJKMNP-Z]{8}", row.reference)
    outcome = text(client.get(sent.headers["Location"]))
    assert "举报无证执法" in outcome and "姓名不详" in outcome and "待受理" in outcome
    auth.login("legal_district")
    assert row.reference in text(client.get("/complaints?kind=unlicensed"))
    assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 302
    assert client.post(f"/complaints/{row.id}/decide", data={  # nobody to hear: no certificate holder is named
        "decision": "substantiate", "reply": "经查，系未取得执法证件的辅助人员，已责令停止执法。"}).status_code == 302


def test_every_problem_of_a_report_is_shown_at_once(client, world, frozen):
    response = client.post("/public/complaints/unlicensed",
                           data=unlicensed_form("0", happened_time="25:99", place=""))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for field in ("agency_id", "happened_time", "place"):
        assert re.search(rf'<p id="{field}-error" class="vf-error">', body), field
    assert len(re.findall(r'<p id="place-error" class="vf-error">', body)) == 1  # said once, not by form and rule


@pytest.mark.parametrize("overrides, field, words", [
    ({"agency_id": "0"}, "agency_id", "请选择"),
    ({"happened_time": "25:70"}, "happened_time", "时:分"),
    ({"place": ""}, "place", "地点"),
    ({"reported_name": "名" * 41}, "reported_name", ""),
], ids=["no agency", "a time that is none", "no place", "a long name"])
def test_a_bad_report_is_refused_beside_its_field(client, world, frozen, overrides, field, words):
    response = client.post("/public/complaints/unlicensed", data=unlicensed_form(world.dept.id, **overrides))
    assert response.status_code == 422
    errors = re.findall(rf'<p id="{field}-error" class="vf-error">([^<]+)</p>', response.get_data(as_text=True))
    assert errors and any(words in e for e in errors), errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_a_report_names_an_agency_that_enforces(client, world, frozen):
    """The city government (kind ``other``) is not offered, and naming it is refused."""
    form_page = client.get("/public/complaints/unlicensed").get_data(as_text=True)
    assert f'value="{world.city.id}"' not in form_page and f'value="{world.dept.id}"' in form_page
    assert client.post("/public/complaints/unlicensed",
                       data=unlicensed_form(world.city.id)).status_code == 422


# ---------------------------------------------------------------- what the breaker found (review of issue 15)

def _entrusted_by_dept(world, party, **dates):
    """An announced inspection agreement of 环翠区综合行政执法局 with ``party``; ``dates`` override the term etc."""
    values = dict(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31), signed_on=dt.date(2025, 12, 1))
    values.update({k: v for k, v in dates.items() if k in values})
    agreement = entrustment.create(entrustment.AgreementData(
        entrusting_id=world.dept.id, entrusted_id=party.id, legal_basis="《行政处罚法》第二十条", matters="巡查",
        powers=["inspection"], meets_article_21=False, rights_obligations="权利义务", liability="法律责任",
        document=b"%PDF-1.4\n%%EOF\n", document_name="协议.pdf", **values), actor=SYSTEM, now=clock.now())
    entrustment.file(agreement, values["signed_on"] + dt.timedelta(days=4), actor=SYSTEM, now=clock.now())
    if dates.get("announced_on"):
        entrustment.announce(agreement, dates["announced_on"], actor=SYSTEM, now=clock.now())
    if dates.get("terminated_on"):
        entrustment.terminate(agreement, dates["terminated_on"], "收回", actor=SYSTEM, now=clock.now())
    db.session.commit()


@pytest.mark.parametrize("dates", [
    {"announced_on": dt.date(2025, 12, 6), "terminated_on": dt.date(2026, 2, 1)},  # terminated before the day
    {"starts_on": dt.date(2025, 12, 1), "ends_on": dt.date(2025, 12, 31)},         # filed, never announced, over
    {"announced_on": dt.date(2025, 12, 6), "ends_on": dt.date(2026, 11, 19)},      # over the day before
], ids=["terminated", "never announced", "term over the day before"])
def test_no_standing_without_an_agreement_covering_the_day(client, auth, world, key_dir, frozen, dates):
    party = make_agency(world.other_dept, name="文登区城市管理服务中心", short_name="文登城管中心", kind="entrusted",
                        region_code="371003")
    _entrusted_by_dept(world, party, **dates)
    officer = make_officer(party, name="周海洋")
    row = sent(officer, issued_module.issue(officer))  # about 20 November 2026
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.title.contains(row.reference))))
    assert world.legal_district.id not in told
    auth.login("legal_district")
    assert client.get(f"/complaints/{row.id}").status_code == 404
    assert row.reference not in text(client.get("/complaints?view=all"))


def test_a_department_entrusted_with_a_matter_keeps_its_complaints_to_itself(client, auth, world, key_dir, frozen):
    """环翠区's bureau entrusts 文登区's bureau (a valid body, acting in its own name) with 许可: 环翠区's legal office
    gets no standing over every complaint about 文登区's bureau."""
    agreement = entrustment.create(entrustment.AgreementData(
        entrusting_id=world.dept.id, entrusted_id=world.other_dept.id, legal_basis="《行政许可法》第二十四条",
        matters="许可", powers=["licensing"], meets_article_21=False, starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31), rights_obligations="权利义务", liability="法律责任", signed_on=dt.date(2025, 12, 1),
        document=b"%PDF-1.4\n%%EOF\n", document_name="协议.pdf"), actor=SYSTEM, now=clock.now())
    entrustment.file(agreement, dt.date(2025, 12, 5), actor=SYSTEM, now=clock.now())
    entrustment.announce(agreement, dt.date(2025, 12, 6), actor=SYSTEM, now=clock.now())
    db.session.commit()
    row = sent(world.other_officer, issued_module.issue(world.other_officer))
    auth.login("legal_district")
    assert client.get(f"/complaints/{row.id}").status_code == 404


def test_a_new_deadline_on_the_day_of_the_last_is_reminded_too(legal, card):
    """With 办结 set to 15 days, acceptance the day of receipt gives a deadline equal to the one already reminded."""
    policy.update(SYSTEM, {"complaints.conclude_days": 15})
    db.session.commit()
    policy.forget_cache()
    row = sent(legal.officer, card)
    assert [c.id for c in handling.remind_due(dt.date(2026, 12, 10), now=clock.now())] == [row.id]
    accepted(row)
    assert reload(row).due_on == dt.date(2026, 12, 11)
    assert [c.id for c in handling.remind_due(dt.date(2026, 12, 10), now=clock.now())] == [row.id]


def test_an_overlong_answer_is_refused_with_the_reason_and_kept(client, auth, world, card):
    row = accepted(sent(world.officer, card))
    handling.tell(row, actor=SYSTEM, now=clock.now())
    db.session.commit()
    auth.login(world.officer.id_number)
    response = client.post(f"/me/complaints/{row.id}/answer", data={"answer": "我" * 2001})
    assert response.status_code == 422 and "陈述意见不能超过 2000 个字" in text(response)
    assert 'maxlength="2000"' in response.get_data(as_text=True)
    assert reload(row).answered_at is None


@pytest.mark.parametrize("value", ["T0930", "0930Z", "12+08", "24:00", "9:5", "09:60", "０９:３０"])
def test_a_time_of_day_is_hours_and_minutes(client, world, frozen, value):
    response = client.post("/public/complaints/unlicensed", data=unlicensed_form(world.dept.id, happened_time=value))
    assert response.status_code == 422 and "时:分" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


@pytest.mark.parametrize("agency", ["99999999999999999999", "9223372036854775808", "-1", "abc"])
def test_an_agency_number_that_is_none_is_refused_not_a_crash(client, world, frozen, agency):
    response = client.post("/public/complaints/unlicensed", data=unlicensed_form(agency))
    assert response.status_code == 422 and "请选择执法人员所属的单位" in text(response)
