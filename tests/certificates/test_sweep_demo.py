"""Issue 7's "done when", from the demo: ``sweep --today`` on the day after a review due date holds exactly the
certificates it should (counted independently here from the due-date module), the certificate's QR then says 暂扣
with 审核确认逾期, confirming the review lifts the hold and the QR says 有效 again; a second sweep changes and sends
nothing."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from certificates import due
from certificates.cycle_models import Review, UpdateTestRound
from certificates.models import Certificate, Edition, Hold
from portal.extensions import db
from portal.notify import Notification
from portal.officers.models import Officer
from portal.orgs.entrustment import services as entrustment
from tests.conftest import PASSWORD


def expected_holds(day: dt.date) -> set[tuple[int, str]]:
    """(certificate, reason) a sweep on ``day`` must add: past a due date, on duty, not already held for it, no
    update-test hold in a makeup window — and the presider hold of an officer whose enforcement certificate that
    suspends."""
    held = set(db.session.execute(sa.select(Hold.certificate_id, Hold.reason).where(Hold.lifted_at.is_(None))).all())
    makeup = set(db.session.scalars(sa.select(UpdateTestRound.certificate_id).where(UpdateTestRound.status == "makeup")))
    rows = db.session.scalars(sa.select(Certificate).join(Officer).where(
        Certificate.type == "enforcement", Certificate.status != "revoked", Officer.status == "on_duty")).all()
    wanted = set()
    for c in rows:
        if due.review_due(c.first_issued_on, c.reviews_done) < day and (c.id, "review_overdue") not in held:
            wanted.add((c.id, "review_overdue"))
        if (due.update_test_due(c.first_issued_on, c.update_tests_done) < day and c.id not in makeup
                and (c.id, "update_test_overdue") not in held):
            wanted.add((c.id, "update_test_overdue"))
    # a makeup window whose due date has come (a first fail before it held nothing)
    failed = set(db.session.execute(sa.select(UpdateTestRound.certificate_id).where(
        UpdateTestRound.status == "makeup", UpdateTestRound.due_on <= day)).scalars())
    wanted |= {(cid, "update_test_failed") for cid in failed if (cid, "update_test_failed") not in held}
    # a certificate follows its authority: a valid body, or an entrusted party's agreement in force that day
    for c in db.session.scalars(sa.select(Certificate).where(Certificate.status != "revoked")):
        agency = c.agency
        by_entrustment = agency.kind in entrustment.BY_ENTRUSTMENT_KINDS
        if agency.is_valid_body(day) or (by_entrustment and entrustment.in_force_for(agency.id, day) is not None):
            continue
        party = agency.kind == "entrusted" or (by_entrustment and entrustment.is_entrusted_party(agency.id))
        reason = "entrustment_ended" if party else "body_invalid"
        if (c.id, reason) not in held:
            wanted.add((c.id, reason))
    # a presider whose enforcement certificate is held now follows it
    newly_held = {c.officer_id for c in rows if c.status == "active" and any(w[0] == c.id for w in wanted)}
    presiders = db.session.scalars(sa.select(Certificate).where(
        Certificate.type == "hearing_presider", Certificate.status != "revoked",
        Certificate.officer_id.in_(newly_held or {-1}))).all()
    wanted |= {(p.id, "enforcement_certificate_inactive") for p in presiders
               if (p.id, "enforcement_certificate_inactive") not in held}
    return wanted


def headline(client, token: str) -> tuple[str, str]:
    page = client.get(f"/v/{token}").get_data(as_text=True)
    return re.search(r'<h1 id="vf-headline"[^>]*>([^<]+)</h1>', page).group(1).strip(), page


def test_the_day_after_a_review_falls_due(app, runner, client, auth, monkeypatch, frozen, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    review = db.session.scalars(sa.select(Review).where(Review.status == "submitted").order_by(Review.due_on)).first()
    assert review is not None, "the demo has a review waiting for the legal office"
    day = review.due_on + dt.timedelta(days=1)
    wanted = expected_holds(day)
    assert (review.certificate_id, "review_overdue") in wanted

    before = set(db.session.execute(sa.select(Hold.id)).scalars())
    frozen(dt.datetime.combine(day, dt.time(9, 0)))
    result = runner.invoke(args=["sweep", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    placed = set(db.session.execute(sa.select(Hold.certificate_id, Hold.reason).where(Hold.id.notin_(before))).all())
    assert placed == wanted

    token = db.session.scalar(sa.select(Edition.token).where(Edition.certificate_id == review.certificate_id,
                                                             Edition.superseded_at.is_(None)))
    word, page = headline(client, token)
    assert word == "暂扣" and "审核确认逾期" in page

    notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    again = runner.invoke(args=["sweep", "--today", day.isoformat()])
    assert "暂扣 0" in again.output and "到期提醒 0" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == notes

    auth.login("legal", PASSWORD)
    assert client.post(f"/reviews/{review.id}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, review.id).status == "confirmed"
    certificate = db.session.get(Certificate, review.certificate_id)
    left = {reason for cid, reason in wanted if cid == review.certificate_id} - {"review_overdue"}
    assert {h.reason for h in certificate.open_holds} == left  # exactly its cause cured
    assert headline(client, token)[0] == ("暂扣" if left else "有效")
