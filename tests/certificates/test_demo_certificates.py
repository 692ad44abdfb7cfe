"""The certificates of the demo (SPEC §3 demo data, issue 6): the demo officer's active certificate, every status
and revocation kind, a reissued card, a card signed by a retired key, hearing presiders (one held because its
holder's enforcement certificate is), and applications the legal office can approve from the demo — once."""
from __future__ import annotations

import sqlalchemy as sa

from certificates import keys
from certificates.applications.models import Application
from certificates.models import HOLD_REASONS, REVOCATION_KINDS, Certificate, Edition, Hold
from portal.extensions import db
from portal.officers.models import Officer
from tests.conftest import PASSWORD


def test_the_demo_has_a_certificate_of_every_kind_and_applications_to_approve(app, runner, client, auth,
                                                                            monkeypatch, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    assert "证件申请 4 项" in load_demo()

    holder = db.session.scalar(sa.select(Officer).where(Officer.id_number == "371002199003071233"))
    mine = db.session.scalars(sa.select(Certificate).where(Certificate.officer_id == holder.id)).all()
    assert [(c.type, c.status) for c in mine] == [("enforcement", "active")]

    kinds = set(db.session.scalars(sa.select(Certificate.revocation_kind).where(Certificate.status == "revoked")))
    assert kinds == set(REVOCATION_KINDS)
    open_holds = set(db.session.scalars(sa.select(Hold.reason).where(Hold.lifted_at.is_(None))))
    assert {"under_investigation", "disciplinary", "other", "review_overdue",
            "enforcement_certificate_inactive"} <= open_holds <= set(HOLD_REASONS)
    presiders = db.session.scalars(sa.select(Certificate).where(Certificate.type == "hearing_presider")).all()
    assert len(presiders) >= 5 and {c.status for c in presiders} == {"active", "suspended"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition).where(
        Edition.superseded_at.is_not(None))) >= 1
    retired = set(keys.retired_kids())
    assert retired and db.session.scalar(sa.select(sa.func.count()).select_from(Edition).where(
        Edition.kid.in_(retired), Edition.superseded_at.is_(None))) == 1
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.officer.has(Officer.id_number == "371002198805120047")))

    # legal approves an eligible application from the demo
    pending = db.session.scalars(sa.select(Application).where(Application.status == "pending")
                                 .order_by(Application.id)).all()
    assert len(pending) == 4
    auth.login("legal", PASSWORD)
    page = client.get(f"/certificates/applications/{pending[0].id}").get_data(as_text=True)
    assert 'data-ok="no"' not in page
    assert 'data-ok="no"' in client.get(f"/certificates/applications/{pending[-1].id}").get_data(as_text=True)
    assert client.post(f"/certificates/applications/{pending[0].id}/approve").status_code == 302
    db.session.expire_all()
    assert pending[0].status == "approved" and pending[0].certificate.status == "active"

    # a second load adds nothing
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "证件 0 本" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == before


def test_every_demo_officers_qualification_page_answers_and_says_why(app, client, auth, monkeypatch, load_demo):
    import re

    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    auth.login("legal", PASSWORD)
    answers = set()
    for officer_id in db.session.scalars(sa.select(Officer.id).order_by(Officer.id)):
        page = client.get(f"/officers/{officer_id}/qualification").get_data(as_text=True)
        words = re.findall(r'<div class="answer-word">([^<]+)</div>', page)
        assert len(words) == 2, officer_id
        answers.add(words[0])
        if words[0] == "不能执法":
            assert "原因" in page, officer_id  # never a bare "no"
    assert answers == {"可以执法", "不能执法"}
