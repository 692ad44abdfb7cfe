"""The legal office confirms, re-confirms, cancels and announces enforcement bodies (SPEC §2.1, seed 四(一)); a body
becoming invalid holds its certificates (``body_invalid``) and valid again lifts the hold; the daily sweep catches
the rest and reminds the legal office of re-confirmations."""
import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import lifecycle
from certificates import sweep as sweep_module
from certificates.models import Certificate
from portal import clock, notify
from portal.audit import Actor, AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.bodies import services as bodies
from portal.orgs.models import Agency, BodyDecision
from tests.certificates import issued as issued_module
from tests.conftest import PASSWORD
from tests.factories import make_agency
from tests.officers import page
from tests.officers.helpers import is_chinese_message
from tests.race import at_once

SYSTEM = Actor.system("test")
TODAY = dt.date(2026, 11, 26)
RECENT = dt.date(2026, 6, 1)  # issued lately: no review or update test due to muddle the sweep's report


def reload(agency) -> Agency:
    db.session.expire_all()
    return db.session.get(Agency, agency.id)


def open_holds(cert) -> set[str]:
    db.session.expire_all()
    return {hold.reason for hold in db.session.get(Certificate, cert.id).open_holds}


def decision(prefix: str = "", **overrides) -> dict:
    values = {"decided_on": "2026-11-26", "legal_basis": "《中华人民共和国行政处罚法》第十七条；“三定”规定",
              "announcement_text": "经审核，现予公告。"}
    values.update(overrides)
    return {f"{prefix}{key}": value for key, value in values.items()}


@pytest.fixture
def legal(client, auth, world, frozen):
    auth.login("legal_city")
    return world


@pytest.fixture
def pending(world):
    return make_agency(world.district, name="环翠区交通运输局", short_name="环翠交通局", region_code="371002",
                       qualification_status="pending", qualification_decided_on=None, qualification_basis=None,
                       announcement_text=None, announced_on=None)


# ---------------------------------------------------------------- confirming and announcing

def test_a_confirmed_body_is_valid_only_once_announced(client, legal, pending, frozen):
    response = client.post(f"/bodies/{pending.id}/confirm", data=decision())
    assert response.status_code == 302, page.all_field_errors(response)
    agency = reload(pending)
    assert agency.qualification_status == "confirmed" and not agency.is_valid_body(TODAY)
    assert "已确认·待公告" in page.text(client.get(f"/bodies/{pending.id}"))
    response = client.post(f"/bodies/{pending.id}/announce", data={"announced_on": "2026-11-26"})
    assert response.status_code == 302, page.all_field_errors(response)
    agency = reload(pending)
    assert agency.is_valid_body(TODAY)
    assert [d.action for d in bodies.history(agency.id)] == ["announce", "confirm"]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(agency.id),
                                                                    AuditEntry.action.like("body.%"))).all()
    assert sorted(actions) == ["body.announce", "body.confirm"]


@pytest.mark.parametrize("fields, field, words", [
    ({"decided_on": "2026-11-27"}, "decided_on", "晚于今天"),
    ({"decided_on": ""}, "decided_on", "日期"),
    ({"legal_basis": "  "}, "legal_basis", "法律依据"),
    ({"announcement_text": ""}, "announcement_text", "公告"),
], ids=["dated tomorrow", "no date", "no legal basis", "no announcement text"])
def test_a_decision_missing_what_it_needs_is_refused_beside_its_field(client, legal, pending, fields, field, words):
    response = client.post(f"/bodies/{pending.id}/confirm", data=decision(**fields))
    assert response.status_code == 422
    errors = page.field_errors(response, field)
    assert errors and any(words in e for e in errors), page.all_field_errors(response)
    assert all(is_chinese_message(e) for e in page.all_field_errors(response))
    assert reload(pending).qualification_status == "pending"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BodyDecision).where(
        BodyDecision.agency_id == pending.id)) == 0


@pytest.mark.parametrize("announced_on, ok", [
    ("2026-11-19", False),  # the day before the decision
    ("2026-11-20", True),   # the day of the decision
    ("2026-11-26", True),   # today
    ("2026-11-27", False),  # tomorrow: an announcement is recorded once it has been made
])
def test_an_announcement_is_dated_between_the_decision_and_today(client, legal, pending, announced_on, ok):
    client.post(f"/bodies/{pending.id}/confirm", data=decision(decided_on="2026-11-20"))
    response = client.post(f"/bodies/{pending.id}/announce", data={"announced_on": announced_on})
    assert (response.status_code == 302) is ok, page.all_field_errors(response)
    assert reload(pending).is_valid_body(TODAY) is ok
    if not ok:
        assert page.field_errors(response, "announced_on")


def test_nothing_to_announce_is_a_clear_conflict(client, legal, world):
    response = client.post(f"/bodies/{world.dept.id}/announce", data={"announced_on": "2026-11-26"})
    assert response.status_code == 409
    assert "没有待公告" in page.text(response)


def test_two_announcements_at_once_record_one(app, world, pending):
    """The lock-re-read-check of ``bodies.announce`` is serialised on every database (portal.locks: a bare
    ``with_for_update()`` was dropped by SQLite, and both announcements were recorded)."""
    now = clock.now()
    bodies.confirm(pending, bodies.Decision(now.date(), "《行政处罚法》第十七条", "经审核，现予公告。"),
                   actor=SYSTEM, now=now)
    db.session.commit()
    agency_id = pending.id

    def announce():
        bodies.announce(db.session.get(Agency, agency_id), now.date(), actor=SYSTEM, now=now)

    assert sorted(at_once(app, announce, announce)) == ["nothing_to_announce", "ok"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BodyDecision).where(
        BodyDecision.agency_id == agency_id, BodyDecision.action == "announce")) == 1


@pytest.mark.parametrize("kind", ["entrusted", "other"])
def test_only_a_government_body_an_authorised_organisation_or_a_township_can_be_a_body(client, legal, world, kind):
    agency = make_agency(world.dept, name="环翠区某执法辅助中心", short_name="辅助中心", kind=kind, region_code="371002")
    response = client.post(f"/bodies/{agency.id}/confirm", data=decision())
    assert response.status_code == 404  # not a body: there is no body page to act on
    with pytest.raises(DomainError) as excinfo:
        bodies.confirm(agency, bodies.Decision(TODAY, "依据", "公告"), actor=SYSTEM, now=clock.now())
    assert excinfo.value.code == "not_a_body"
    assert "受委托组织" in excinfo.value.message
    assert reload(agency).qualification_status == "pending"


def test_a_decision_cannot_be_dated_before_the_previous_one(client, legal, world):
    before = reload(world.dept).qualification_decided_on
    response = client.post(f"/bodies/{world.dept.id}/confirm",
                           data=decision(decided_on=(before - dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 422
    assert any("上一次决定" in e for e in page.field_errors(response, "decided_on"))


# ---------------------------------------------------------------- holds follow validity

def test_cancelling_holds_the_bodys_certificates_and_confirming_again_lifts_the_hold(client, legal, world):
    cert = issued_module.issue(world.officer).certificate
    other = issued_module.issue(world.officer2).certificate  # another body's certificate stays as it is
    response = client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-", announcement_text="现予公告取消。"))
    assert response.status_code == 302, page.all_field_errors(response)
    assert open_holds(cert) == {"body_invalid"} and open_holds(other) == set()
    assert db.session.get(Certificate, cert.id).status == "suspended"
    # confirmed again: still not valid until announced, so the hold stays
    client.post(f"/bodies/{world.dept.id}/confirm", data=decision())
    assert open_holds(cert) == {"body_invalid"}
    client.post(f"/bodies/{world.dept.id}/announce", data={"announced_on": "2026-11-26"})
    assert open_holds(cert) == set()
    assert db.session.get(Certificate, cert.id).status == "active"


def test_the_body_hold_is_lifted_by_its_cause_only_and_other_holds_stay(client, legal, world):
    cert = issued_module.issue(world.officer).certificate
    lifecycle.place_hold(cert, "under_investigation", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    db.session.commit()
    client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-"))
    assert open_holds(cert) == {"body_invalid", "under_investigation"}
    with pytest.raises(DomainError) as excinfo:
        lifecycle.reinstate(db.session.get(Certificate, cert.id), actor=SYSTEM, now=clock.now())
    assert excinfo.value.code == "system_holds_remain" and "执法主体资格失效" in excinfo.value.message
    db.session.rollback()
    client.post(f"/bodies/{world.dept.id}/confirm", data=decision())
    client.post(f"/bodies/{world.dept.id}/announce", data={"announced_on": "2026-11-26"})
    assert open_holds(cert) == {"under_investigation"}


def test_a_reconfirmation_keeps_the_body_valid_and_restarts_its_cycle(client, legal, world):
    cert = issued_module.issue(world.officer).certificate
    response = client.post(f"/bodies/{world.dept.id}/confirm", data=decision())
    assert response.status_code == 302, page.all_field_errors(response)
    agency = reload(world.dept)
    assert agency.is_valid_body(TODAY) and bodies.announcement_pending(agency)
    assert bodies.reconfirm_due(agency) == dt.date(2028, 11, 26)
    assert open_holds(cert) == set()
    assert [d.action for d in bodies.history(agency.id)] == ["reconfirm", "announce", "confirm"]


def test_a_revoked_certificate_is_left_alone(client, legal, world):
    cert = issued_module.issue(world.officer, revocation_kind="left_post").certificate
    client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-"))
    assert open_holds(cert) == set() and db.session.get(Certificate, cert.id).status == "revoked"


def test_the_public_verification_of_a_cancelled_bodys_officer_says_held(client, legal, world):
    issued = issued_module.issue(world.officer)
    client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-"))
    body = client.get(f"/api/v1/verify/{issued.token}").get_json()
    assert body["status"] == "suspended"
    assert "执法主体资格失效" in page.text(client.get(f"/v/{issued.token}"))


# ---------------------------------------------------------------- the sweep

@pytest.mark.parametrize("today, held", [
    (dt.date(2026, 11, 29), True),   # the day before the announcement: not yet valid
    (dt.date(2026, 11, 30), False),  # the day of the announcement
    (dt.date(2026, 12, 1), False),   # the day after
])
def test_the_sweep_follows_an_announcement_dated_ahead(world, frozen, today, held):
    body = make_agency(world.district, name="环翠区交通运输局", short_name="环翠交通局", region_code="371002",
                       qualification_decided_on=dt.date(2026, 11, 20), announced_on=dt.date(2026, 11, 30))
    officer = world.officer
    officer.agency_id = body.id
    db.session.commit()
    cert = issued_module.issue(officer, first_issued_on=RECENT).certificate
    frozen(f"{today.isoformat()} 02:00")
    report = sweep_module.run(today, actor=SYSTEM)
    db.session.commit()
    assert (open_holds(cert) == {"body_invalid"}) is held
    assert any("执法主体资格失效" in line for line in report.lines) is held


def test_the_sweep_lifts_a_hold_whose_body_is_valid_again_and_a_second_run_changes_nothing(world, frozen):
    cert = issued_module.issue(world.officer, first_issued_on=RECENT).certificate
    lifecycle.ensure_hold(cert, "body_invalid", actor=SYSTEM, now=clock.now())
    db.session.commit()
    first = sweep_module.run(TODAY, actor=SYSTEM)
    db.session.commit()
    assert open_holds(cert) == set() and first.counts["lifted"] == 1
    second = sweep_module.run(TODAY, actor=SYSTEM)
    assert second.counts.get("lifted", 0) == 0 and second.counts.get("held", 0) == 0


def _reconfirm_due_on(agency, day: dt.date) -> None:
    agency.qualification_decided_on = dt.date(day.year - 2, day.month, day.day)
    agency.announced_on = agency.qualification_decided_on
    db.session.commit()


@pytest.mark.parametrize("days_left, reminded", [(61, False), (60, True), (0, True), (-1, False)])
def test_the_legal_office_is_reminded_once_of_a_reconfirmation_due(world, frozen, days_left, reminded):
    _reconfirm_due_on(world.dept, TODAY + dt.timedelta(days=days_left))
    before = notify.unread_count(world.legal_city.id)
    sweep_module.run(TODAY, actor=SYSTEM)
    db.session.commit()
    assert (notify.unread_count(world.legal_city.id) == before + 1) is reminded
    assert (notify.unread_count(world.legal_district.id) > 0) is reminded  # the district's office covers it too
    assert notify.unread_count(world.hr.id) == 0
    sweep_module.run(TODAY, actor=SYSTEM)
    db.session.commit()
    assert notify.unread_count(world.legal_city.id) == before + (1 if reminded else 0)


# ---------------------------------------------------------------- pages and scope

def test_the_list_colours_reconfirmations_due_and_overdue(client, legal, world):
    _reconfirm_due_on(world.dept, TODAY - dt.timedelta(days=1))
    _reconfirm_due_on(world.dept2, TODAY + dt.timedelta(days=30))
    _reconfirm_due_on(world.other_dept, TODAY + dt.timedelta(days=61))
    response = client.get("/bodies")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = {row[0]: row for row in page.table_rows(response)}
    assert "环翠区综合行政执法局" in rows and "环翠区市场监督管理局" in rows
    assert 'status-overdue">2026年11月25日' in html and 'status-due">2026年12月26日' in html
    due = page.table_rows(client.get("/bodies?show=due"))
    assert sorted(row[0] for row in due) == ["环翠区市场监督管理局", "环翠区综合行政执法局"]
    assert "威海市人民政府" not in rows  # an `other` node is not a body


def test_a_district_legal_office_sees_and_acts_on_its_own_bodies_only(client, auth, world, frozen):
    auth.login("legal_district")
    names = [row[0] for row in page.table_rows(client.get("/bodies"))]
    assert "环翠区综合行政执法局" in names and "文登区综合行政执法局" not in names
    assert client.get(f"/bodies/{world.other_dept.id}").status_code == 404
    response = client.post(f"/bodies/{world.other_dept.id}/cancel", data=decision("cancel-"))
    assert response.status_code == 404
    assert reload(world.other_dept).qualification_status == "confirmed"


def test_hr_and_officers_may_not_use_the_body_pages(client, auth, world, frozen):
    auth.login("hr")
    assert client.get("/bodies").status_code == 403
    assert client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-")).status_code == 403
    assert reload(world.dept).qualification_status == "confirmed"


def test_admin_reads_but_does_not_decide(client, auth, world, frozen):
    auth.login("admin")
    assert client.get(f"/bodies/{world.dept.id}").status_code == 200
    assert "取消资格" not in page.text(client.get(f"/bodies/{world.dept.id}"))
    assert client.post(f"/bodies/{world.dept.id}/cancel", data=decision("cancel-")).status_code == 403


def test_the_public_sees_the_announced_decision_until_a_reconfirmation_is_announced(client, legal, world):
    response = client.post(f"/bodies/{world.dept.id}/confirm", data=decision(legal_basis="新的三定规定"))
    assert response.status_code == 302
    client.post("/logout")
    public = text_of(client.get("/public/bodies"))
    assert "环翠区综合行政执法局" in public and "新的三定规定" not in public and "公告日期 2024年3月15日" in public
    client.post("/login", data={"login": "legal_city", "password": PASSWORD})
    client.post(f"/bodies/{world.dept.id}/announce", data={"announced_on": "2026-11-26"})
    client.post("/logout")
    public = text_of(client.get("/public/bodies"))
    assert "复核确认日期 2026年11月26日" in public and "新的三定规定" in public


def test_a_reconfirmation_must_come_after_the_last_announcement(client, legal, world):
    response = client.post(f"/bodies/{world.dept.id}/confirm", data=decision(decided_on="2024-03-15"))
    assert response.status_code == 422
    assert any("上一次公告" in e for e in page.field_errors(response, "decided_on"))


def text_of(response) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
