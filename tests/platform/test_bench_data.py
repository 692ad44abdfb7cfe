"""``flask --app wsgi bench-data --officers N`` (issue 16): officers, training, certificates and history added to the
demo in bulk — consistent with every constraint and with the rules, so that a sweep right after it finds nothing to
do for them, every QR it signs verifies, and a second run adds as many again."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import sweep
from certificates.models import Certificate, CertificateEvent, Edition
from portal import audit, clock
from portal.extensions import db
from portal.officers.models import Officer
from portal.training import requirements
from portal.training.models import TrainingRecord
from tests.conftest import PASSWORD


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def sweep_lines() -> list[str]:
    """What a sweep today would do (a dry run: rolled back)."""
    report = sweep.run(clock.today(), actor=audit.Actor.system("test"))
    db.session.rollback()
    return sorted(report.lines)


def test_bench_data_adds_a_consistent_province(app, client, runner, monkeypatch, frozen, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    before = {model: count(model) for model in (Officer, TrainingRecord, Certificate, Edition)}
    due_before = sweep_lines()

    result = runner.invoke(args=["bench-data", "--officers", "300"])
    assert result.exit_code == 0, result.output
    assert "已添加执法人员 300 名" in result.output
    assert count(Officer) == before[Officer] + 300
    added = db.session.scalars(sa.select(Certificate).where(Certificate.id > before[Certificate])).all()
    assert len(added) == 300 and count(Edition) == before[Edition] + 300
    assert count(CertificateEvent, CertificateEvent.action == "issue",
                 CertificateEvent.certificate_id.in_([c.id for c in added])) == 300
    # the sweep finds nothing to do for them: no overdue hold, enrolment, reminder or missed revocation
    assert sweep_lines() == due_before

    today = clock.today()
    for certificate in added:
        officer = certificate.officer
        if officer.status == "on_duty":
            assert certificate.status == "active"
        else:  # left or retired: revoked for it, on the day HR recorded it
            assert (certificate.status, certificate.revocation_kind) == ("revoked", officer.status)
            assert certificate.revoked_at.date() == officer.status_changed_on
    # last year's annual training is met by every officer on duty all that year
    last_year = today.year - 1
    sample = [c.officer for c in added[:60]
              if c.officer.status == "on_duty" and c.officer.hired_on < dt.date(last_year, 1, 1)]
    assert len(sample) > 20
    for officer in sample:
        assert requirements.check(officer.id, "annual", dt.date(last_year, 12, 31)).met, officer.name
    # their QR codes verify
    for certificate in added[:20]:
        token = db.session.scalar(sa.select(Edition.token).where(Edition.certificate_id == certificate.id))
        answer = client.get(f"/api/v1/verify/{token}").get_json()
        assert answer["status"] == ("valid" if certificate.status == "active" else "revoked")

    again = runner.invoke(args=["bench-data", "--officers", "50"])
    assert again.exit_code == 0, again.output
    assert count(Officer) == before[Officer] + 350
    assert count(Officer, Officer.id_number.is_(None)) == 0
    numbers = db.session.scalars(sa.select(Certificate.number)).all()
    assert len(numbers) == len(set(numbers))


def test_bench_data_needs_the_demo(runner, frozen):
    result = runner.invoke(args=["bench-data", "--officers", "10"])
    assert result.exit_code != 0 and "请先载入演示数据" in result.output
    assert count(Officer) == 0


def test_every_generated_date_is_before_today(app, runner, monkeypatch, frozen, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    demo_max = db.session.scalar(sa.select(sa.func.max(Officer.id)))
    assert runner.invoke(args=["bench-data", "--officers", "100"]).exit_code == 0
    today = clock.today()
    added = Officer.id > demo_max
    assert count(TrainingRecord, TrainingRecord.completed_on >= today) == 0
    assert count(Certificate, Certificate.first_issued_on > today) == 0
    assert count(Officer, added, Officer.hired_on >= dt.date(today.year, 1, 1)) == 0  # before this year, any day
    assert count(TrainingRecord, TrainingRecord.officer_id == Officer.id, added,
                 TrainingRecord.completed_on < Officer.hired_on) == 0
    assert count(Certificate, Certificate.officer_id == Officer.id, added,
                 Certificate.first_issued_on < Officer.hired_on) == 0  # certified once hired
    assert count(Officer, added, Officer.status_changed_on <= Officer.hired_on) == 0
    oldest = db.session.scalar(sa.select(sa.func.min(Officer.birth_date)).where(added))
    assert oldest >= dt.date(today.year - 61, 1, 1)
