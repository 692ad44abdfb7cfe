"""The legal office triages complaints within its scope (SPEC §2.10): 受理 / 不予受理, then 查实 / 未查实, each closing
step with a reply the sender reads by reference number; praise is registered; a 查实 follows the officer being told
and heard (tests/complaints/test_handling.py tries its edges); a substantiated complaint is told to the officer and
shows on the qualification page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal import clock
from portal.audit import Actor, AuditEntry
from portal.complaints import handling, services
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notify import Notification
from tests.certificates import issued as issued_module
from tests.race import at_once

SYSTEM = Actor.system("test")


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def sent(officer, card, kind: str = "complaint", happened_on: dt.date = dt.date(2026, 11, 20)) -> Complaint:
    row = services.submit(services.Submission(kind, happened_on, "环翠区新威路", "执法人员没有出示证件就开始检查。", "13900000000"),
                          officer_id=officer.id, agency_id=card.certificate.agency_id, certificate_number=card.number,
                          actor=SYSTEM, now=clock.now())
    db.session.commit()
    return row


def heard(row, now=None) -> None:
    """Accepted, the officer told and their answer waived: ready for a conclusion."""
    now = now or clock.now()
    services.decide(row, "accept", actor=SYSTEM, now=now)
    handling.tell(row, actor=SYSTEM, now=now)
    handling.answer(row, None, waive=True, actor=SYSTEM, now=now)
    db.session.commit()


def reload(row) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, row.id)


@pytest.fixture
def card(app, world, key_dir, frozen):
    return issued_module.issue(world.officer)


@pytest.fixture
def legal(client, auth, world):
    auth.login("legal_city")
    return world


def test_accept_then_substantiate_and_the_sender_reads_the_reply(client, legal, card):
    row = sent(legal.officer, card)
    listing = text(client.get("/complaints"))
    assert row.reference in listing and "王建国" in listing and "待受理" in listing
    detail = text(client.get(f"/complaints/{row.id}"))
    assert "没有出示证件" in detail and "13900000000" in detail  # the legal office sees the contact
    assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 302
    assert reload(row).status == "accepted" and reload(row).accepted_at is not None
    assert client.post(f"/complaints/{row.id}/tell").status_code == 302
    handling.answer(reload(row), None, waive=True, actor=SYSTEM, now=clock.now())
    db.session.commit()
    response = client.post(f"/complaints/{row.id}/decide", data={
        "decision": "substantiate", "reply": "经调查属实，已责令该执法人员书面检查。", "note": "已报局纪检"})
    assert response.status_code == 302
    row = reload(row)
    assert row.status == "substantiated" and row.closed_at is not None
    outcome = text(client.get(f"/public/complaints?ref={row.reference}"))
    assert "查实" in outcome and "已责令该执法人员书面检查" in outcome and "已报局纪检" not in outcome
    told = db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == legal.officer_user.id)).all()
    assert any("查实" in title for title in told)
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "complaint")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["complaint.submit", "complaint.accept", "complaint.tell", "complaint.answer",
                       "complaint.substantiate"]
    assert row.reference not in text(client.get("/complaints"))  # closed: off the open list
    assert row.reference in text(client.get("/complaints?view=closed"))


def test_declining_needs_a_reply_and_changes_nothing_without_one(client, legal, card):
    row = sent(legal.officer, card)
    response = client.post(f"/complaints/{row.id}/decide", data={"decision": "not_accept", "reply": "  "})
    assert response.status_code == 422 and "请填写答复" in text(response)
    assert reload(row).status == "received"
    response = client.post(f"/complaints/{row.id}/decide", data={"decision": "not_accept",
                                                                   "reply": "反映的事项不属于行政执法行为。"})
    assert response.status_code == 302 and reload(row).status == "not_accepted"


@pytest.mark.parametrize("steps, decision", [
    ((), "substantiate"),                     # not accepted yet
    (("accept",), "accept"),                  # a second clerk accepting what was just accepted
    (("not_accept",), "accept"),              # closed
    (("accept", "unsubstantiate"), "substantiate"),
])
def test_a_step_out_of_order_is_a_clear_conflict(client, legal, card, steps, decision):
    row = sent(legal.officer, card)
    for step in steps:
        services.decide(row, step, reply="答复", actor=SYSTEM, now=clock.now())
    db.session.commit()
    before = reload(row).status
    response = client.post(f"/complaints/{row.id}/decide", data={"decision": decision, "reply": "答复"})
    assert response.status_code == 409 and "请刷新页面" in text(response)
    assert reload(row).status == before


def test_praise_is_registered_not_investigated(client, legal, card):
    row = sent(legal.officer, card, kind="praise")
    assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 422
    response = client.post(f"/complaints/{row.id}/decide", data={"decision": "acknowledge", "reply": "感谢您的表扬。"})
    assert response.status_code == 302 and reload(row).status == "acknowledged"
    complaint = sent(legal.officer, card)
    assert client.post(f"/complaints/{complaint.id}/decide",
                       data={"decision": "acknowledge", "reply": "x"}).status_code == 422


def test_a_district_office_handles_its_own_district_only(client, auth, world, key_dir, frozen):
    ours = sent(world.officer, issued_module.issue(world.officer))
    theirs = sent(world.other_officer, issued_module.issue(world.other_officer))
    auth.login("legal_district")
    listing = text(client.get("/complaints"))
    assert ours.reference in listing and theirs.reference not in listing
    assert client.get(f"/complaints/{theirs.id}").status_code == 404
    assert client.post(f"/complaints/{theirs.id}/decide", data={"decision": "accept"}).status_code == 404
    assert reload(theirs).status == "received"
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.title.contains(theirs.reference))))
    assert world.legal_district.id not in told and world.legal_city.id in told


def test_hr_and_officers_may_not_triage(client, auth, world, card):
    row = sent(world.officer, card)
    for login in ("hr", world.officer.id_number):
        auth.login(login)
        assert client.get("/complaints").status_code == 403
        assert client.post(f"/complaints/{row.id}/decide", data={"decision": "accept"}).status_code == 403
        auth.logout()
    assert reload(row).status == "received"


def test_the_qualification_page_and_the_home_page_count_them(client, legal, card):
    for _ in range(2):
        row = sent(legal.officer, card)
    heard(row)
    services.decide(row, "substantiate", reply="属实", actor=SYSTEM, now=clock.now())
    sent(legal.officer, card, kind="praise")
    db.session.commit()
    page = client.get(f"/officers/{legal.officer.id}/qualification").get_data(as_text=True)
    assert 'data-count="substantiated">1<' in page and "投诉 2 件、表扬 1 件" in text(client.get(
        f"/officers/{legal.officer.id}/qualification"))
    assert 'data-count="complaints_open">2<' in client.get("/home").get_data(as_text=True)


def test_the_officer_is_told_of_a_substantiated_complaint_without_its_reference(legal, card):
    row = sent(legal.officer, card)
    heard(row)
    services.decide(row, "substantiate", reply="属实", actor=SYSTEM, now=clock.now())
    db.session.commit()
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == legal.officer_user.id)).all()
    assert notes and all(row.reference not in note.title + note.body for note in notes)


def test_two_decisions_at_once_one_wins_and_the_officer_is_told_once(app, world, card):
    """``services.decide`` locks and re-reads the complaint on every database (portal.locks): two clerks
    substantiating one complaint at once record one decision and send one notice."""
    row = sent(world.officer, card)
    heard(row)
    row_id, now = row.id, clock.now()

    def substantiate():
        services.decide(db.session.get(Complaint, row_id), "substantiate", reply="属实", actor=SYSTEM, now=now)

    assert sorted(at_once(app, substantiate, substantiate)) == ["complaint_state", "ok"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "complaint.substantiate")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == world.officer_user.id, Notification.title.contains("查实"))) == 1


def test_the_other_complaints_beside_one_are_those_in_scope(client, auth, world, key_dir, frozen):
    """An officer who moved between districts: the district's office sees only its own complaints about them."""
    theirs = sent(world.officer, issued_module.issue(world.officer, agency_id=world.other_dept.id,
                                                     revocation_kind="left_post"))
    ours = sent(world.officer, issued_module.issue(world.officer))
    auth.login("legal_district")
    page = text(client.get(f"/complaints/{ours.id}"))
    assert ours.reference in page and theirs.reference not in page
