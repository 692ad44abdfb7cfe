"""Issue 8's "done when", from the demo: a member of the public finds, without signing in, the valid and the
cancelled bodies, who enforces on whose behalf until when, and who holds a certificate; the demo entrusted
organisation's officer's QR shows the chain of authority, and after the legal office terminates the agreement the
same QR says 暂扣 (委托终止); a complaint sent from the QR page is looked up by its reference, and once substantiated
it is counted in that officer's review."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from certificates.models import Certificate, Edition
from certificates.reviews import period
from portal import clock
from portal.complaints.models import STATUSES, Complaint
from portal.extensions import db
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency, Agreement
from tests.conftest import PASSWORD


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_public_registry_the_chain_of_authority_and_a_complaint(app, client, auth, monkeypatch, frozen,
                                                                   load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    today = clock.today()

    # the demo's agreements: one renewed and filed late, one of a township ending within 30 days
    agreements = db.session.scalars(sa.select(Agreement)).all()
    assert any(a.renews_id and entrustment.late(a) and a.in_force(today) for a in agreements)
    assert any(a.entrusted.kind == "township" and a.in_force(today) and (a.ends_on - today).days <= 30
               for a in agreements)
    # an entrusted 行政机关 with 许可 (行政许可法第二十四条), acting in its own name for its own powers
    licensing = next(a for a in agreements if "licensing" in a.powers)
    assert licensing.entrusted.kind == "government" and licensing.in_force(today)
    assert not entrustment.acts_in_entrusting_name(licensing.entrusted, today)
    # 处罚 entrusted: both parties announced it (行政处罚法第二十条第二款), once a party officer held a certificate
    # (第二十一条第二项)
    for agreement in agreements:
        if "penalty" in agreement.powers:
            assert agreement.entrusted_announced_on and db.session.scalar(sa.select(sa.func.min(
                Certificate.first_issued_on)).where(Certificate.agency_id == agreement.entrusted_id)) <= \
                agreement.announced_on
    assert {c.status for c in db.session.scalars(sa.select(Complaint))} == set(STATUSES)

    # the public registry, without signing in
    assert "威海市综合行政执法局" in text(client.get("/public/bodies"))
    assert "威海市物价局" in text(client.get("/public/bodies?show=cancelled"))
    public = text(client.get("/public/entrustments"))
    assert "威海市城市管理服务中心 受 威海市综合行政执法局 委托" in public and "2027年12月31日" in public
    roster = text(client.get("/public/officers?q=王建国"))
    assert "王建国" in roster and "371002199003071233" not in roster

    # the entrusted organisation's officer's QR shows the chain of authority
    party = db.session.scalar(sa.select(Agency).where(Agency.name == "威海市城市管理服务中心"))
    card = db.session.scalar(sa.select(Certificate).where(Certificate.agency_id == party.id,
                                                          Certificate.status == "active"))
    token = db.session.scalar(sa.select(Edition.token).where(Edition.certificate_id == card.id,
                                                             Edition.superseded_at.is_(None)))
    page = text(client.get(f"/v/{token}"))
    assert "有效" in page and "以威海市综合行政执法局的名义实施行政执法" in page and "受委托组织 威海市城市管理服务中心" in page

    # a complaint from that page, looked up by its reference
    sent = client.post("/public/complaints", data={
        "number": card.number, "kind": "complaint", "happened_on": today.isoformat(), "place": "新威路",
        "what": "执法时没有出示证件，态度粗暴。", "contact": ""})
    assert sent.status_code == 302
    reference = re.search(r"ref=([A-Z0-9]+)", sent.headers["Location"]).group(1)
    assert "待受理" in text(client.get(f"/public/complaints?ref={reference}"))

    # the legal office substantiates it, and terminates the agreement
    auth.login("legal", PASSWORD)
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference))
    assert client.post(f"/complaints/{complaint.id}/decide", data={"decision": "accept"}).status_code == 302
    assert client.post(f"/complaints/{complaint.id}/tell").status_code == 302
    db.session.expire_all()
    # the officer does not answer within the 5 working days; the day after, the office concludes
    frozen(dt.datetime.combine(db.session.get(Complaint, complaint.id).answer_due_on + dt.timedelta(days=1),
                               dt.time(9), tzinfo=clock.TZ))
    today = clock.today()
    auth.logout()
    assert auth.login("legal", PASSWORD).status_code == 302
    decided = client.post(f"/complaints/{complaint.id}/decide",
                          data={"decision": "substantiate", "reply": "经调查属实，已作处理。"})
    assert decided.status_code == 302 and f"/complaints/{complaint.id}" in decided.headers["Location"]
    db.session.expire_all()
    judged = period.assess(db.session.get(Certificate, card.id), today)
    assert judged.facts["complaints"]["substantiated"] == 1
    agreement = entrustment.in_force_for(party.id, today)
    assert client.post(f"/entrustments/{agreement.id}/terminate", data={
        "terminate-day": today.isoformat(), "terminate-reason": "受委托组织撤并"}).status_code == 302
    auth.logout()
    page = text(client.get(f"/v/{token}"))
    assert "暂扣" in page and "委托终止" in page
    assert "查实" in text(client.get(f"/public/complaints?ref={reference}"))
