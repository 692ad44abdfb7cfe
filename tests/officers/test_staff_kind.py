"""人员类别 — who may hold a certificate (SPEC §2.3; 行政处罚法第四十二条: 行政处罚应当由具有行政执法资格的执法人员实施;
行政强制法第十七条第三款: 行政强制措施应当由行政机关具备资格的行政执法人员实施，其他人员不得实施).

Only 公务员, 参照公务员法管理 and 事业编制 *(default)* may sit the qualification exam or be issued a certificate, each
shown as a rule with why; a holder whose kind changes to another is put on hold with the reason (never silently, never
revoked), and released when the kind is eligible again. The kind is in the form, the import, the API and the demo.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import eligibility, lifecycle, sweep
from certificates.models import Certificate, Hold
from exams.papers.eligibility import purpose_refusal
from exams.papers.models import Exam
from portal import audit, clock, policy
from portal.extensions import db
from portal.officers.models import Officer
from tests.api.helpers import bearer, issue_token
from tests.certificates.issued import issue
from tests.exams.papers.helpers import raw_exam
from tests.imports.helpers import error_table, officer_row, upload, xlsx_bytes
from tests.officers import page
from tests.officers.helpers import officer_by_id_number, officer_form

ACTOR = audit.Actor.system("test")


@pytest.fixture
def hr(client, auth, world, frozen):
    auth.login("hr")
    return world


def edit_kind(client, officer, kind: str):
    values = page.form_values(client.get(f"/officers/{officer.id}/edit"))
    values["staff_kind"] = [kind]
    return client.post(f"/officers/{officer.id}/edit", data=values)


def holds_of(certificate) -> list[tuple[str, bool]]:
    db.session.expire_all()
    return [(h.reason, h.lifted_at is None) for h in db.session.scalars(
        sa.select(Hold).where(Hold.certificate_id == certificate.id).order_by(Hold.id))]


def test_the_form_requires_a_kind_and_offers_only_the_seven(client, hr):
    response = client.post("/officers/new", data=officer_form(hr.dept, staff_kind=""))
    assert response.status_code == 200
    assert page.field_errors(response, "staff_kind") == ["请选择人员类别"]
    response = client.post("/officers/new", data=officer_form(hr.dept, staff_kind="volunteer"))
    assert page.field_errors(response, "staff_kind") == ["人员类别须从列出的类别中选择"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Officer).where(Officer.name == "李晓梅")) == 0
    options = page.form_values(client.get("/officers/new"))
    assert "staff_kind" in options
    response = client.post("/officers/new", data=officer_form(hr.dept, staff_kind="dispatched"))
    assert response.status_code == 302
    assert officer_by_id_number(officer_form(hr.dept)["id_number"]).staff_kind == "dispatched"


def test_a_change_to_an_ineligible_kind_holds_the_certificate_and_back_releases_it(client, hr):
    issued = issue(hr.officer)
    saved = edit_kind(client, hr.officer, "worker")
    assert saved.status_code == 302
    told = client.get(saved.headers["Location"]).get_data(as_text=True)  # HR is told at once, not only the legal office
    assert "人员类别改为“工勤”后不可持有执法证件：其持有的证件已暂扣" in told
    assert holds_of(issued.certificate) == [("staff_kind_ineligible", True)]
    db.session.expire_all()
    held = db.session.get(Certificate, issued.certificate.id)
    assert held.status == "suspended"
    detail = client.get(f"/officers/{hr.officer.id}")
    assert "不可持证" in detail.get_data(as_text=True) and "工勤" in detail.get_data(as_text=True)
    public = client.get(f"/api/v1/verify/{issued.token}").get_json()
    assert public["status"] == "suspended"
    assert "其他原因暂扣" in str(public["certificate"]) and "工勤" not in str(public)

    assert edit_kind(client, hr.officer, "public_institution").status_code == 302
    assert holds_of(issued.certificate) == [("staff_kind_ineligible", False)]
    db.session.expire_all()
    assert db.session.get(Certificate, issued.certificate.id).status == "active"


def test_the_hold_is_a_system_hold_that_reinstate_cannot_lift(client, hr):
    issued = issue(hr.officer)
    edit_kind(client, hr.officer, "contract")
    db.session.expire_all()
    certificate = db.session.get(Certificate, issued.certificate.id)
    with pytest.raises(Exception) as refused:
        lifecycle.reinstate(certificate, actor=ACTOR, now=clock.now())
    assert getattr(refused.value, "status", None) == 409
    db.session.rollback()


@pytest.mark.parametrize(("kind", "ok"), [("civil_servant", True), ("civil_servant_managed", True),
                                          ("public_institution", True), ("worker", False), ("dispatched", False),
                                          ("contract", False), ("other", False), (None, False)])
def test_issuance_shows_the_kind_as_a_rule(world, frozen, kind, ok):
    world.officer.staff_kind = kind
    db.session.commit()
    rule = next(r for r in eligibility.check(world.officer, "enforcement", clock.today()).rules
                if r.code == "staff_kind")
    assert rule.ok is ok
    if kind is None:
        assert "未登记" in rule.why
    elif not ok:
        assert "行政处罚法》第四十二条" in rule.why and "公务员、参照公务员法管理、事业编制" in rule.why


@pytest.mark.parametrize(("kind", "refused"), [("public_institution", False), ("dispatched", True), (None, True)])
def test_the_qualification_exam_admits_only_eligible_kinds(world, frozen, kind, refused):
    world.officer.staff_kind = kind
    db.session.commit()
    exam = raw_exam(world.city, clock.now() - dt.timedelta(hours=1), clock.now() + dt.timedelta(days=3),
                    purpose="qualification")
    reason = purpose_refusal(world.officer, exam, clock.now())
    assert (reason is not None and reason.startswith("资格考试仅限可持证的人员类别参加")) is refused
    practice = db.session.get(Exam, raw_exam(world.city, clock.now(), clock.now() + dt.timedelta(days=1)).id)
    assert purpose_refusal(world.officer, practice, clock.now()) is None  # a practice exam is for everyone


def test_the_setting_moves_holds_through_the_sweep(client, auth, world, frozen):
    issued = issue(world.officer, first_issued_on=clock.today() - dt.timedelta(days=30))  # nothing else due
    world.officer.staff_kind = "public_institution"
    db.session.commit()
    auth.login("admin")
    values = page.form_values(client.get("/admin/settings"))
    values["officers.eligible_staff_kinds"] = ["公务员\n参照公务员法管理"]
    assert client.post("/admin/settings", data=values).status_code in (200, 302)
    policy.forget_cache()
    report = sweep.run(clock.today(), actor=ACTOR)
    db.session.commit()
    assert holds_of(issued.certificate) == [("staff_kind_ineligible", True)]
    assert any("人员类别“事业编制”不可持证" in line for line in report.lines)
    assert sweep.run(clock.today(), actor=ACTOR).lines == []  # idempotent

    values["officers.eligible_staff_kinds"] = ["公务员\n参照公务员法管理\n事业编制"]
    client.post("/admin/settings", data=values)
    policy.forget_cache()
    sweep.run(clock.today(), actor=ACTOR)
    db.session.commit()
    assert holds_of(issued.certificate) == [("staff_kind_ineligible", False)]


def test_a_setting_naming_no_known_kind_is_refused(client, auth, world, frozen):
    auth.login("admin")
    values = page.form_values(client.get("/admin/settings"))
    values["officers.eligible_staff_kinds"] = ["公务员\n临时工"]
    response = client.post("/admin/settings", data=values)
    assert "人员类别“临时工”不在可选范围内" in response.get_data(as_text=True)
    policy.forget_cache()
    assert policy.get("officers.eligible_staff_kinds") == ["公务员", "参照公务员法管理", "事业编制"]


def test_the_import_takes_the_kind_checks_it_and_a_change_holds(client, hr):
    response = upload(client, xlsx_bytes([officer_row(0, hr.dept.name), officer_row(1, hr.dept.name, 人员类别="临时工"),
                                          officer_row(2, hr.dept.name, 人员类别=None)]))
    assert response.status_code == 422
    errors = [(row, column) for row, column, _ in error_table(response)]
    assert errors == [(3, "人员类别"), (4, "人员类别")]
    reasons = [reason for _, _, reason in error_table(response)]
    assert "公务员、参照公务员法管理、事业编制、工勤、劳务派遣、劳动合同制、其他" in reasons[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Officer)) == 3  # the world's, nothing added

    row = officer_row(5, hr.dept.name, 人员类别="参照公务员法管理")
    assert upload(client, xlsx_bytes([row])).status_code in (200, 302)
    officer = officer_by_id_number(row["身份证号"])
    assert officer.staff_kind == "civil_servant_managed"
    issued = issue(officer)
    upload(client, xlsx_bytes([row | {"人员类别": "劳务派遣"}]))
    assert holds_of(issued.certificate) == [("staff_kind_ineligible", True)]


def test_the_api_shows_the_kind(client, runner, world, frozen):
    world.officer.staff_kind = "civil_servant_managed"
    db.session.commit()
    token = issue_token(runner, "hr")
    items = client.get("/api/v1/officers?q=王建国", headers=bearer(token)).get_json()["items"]
    assert [(i["staff_kind"], i["staff_kind_label"]) for i in items] == [("civil_servant_managed", "参照公务员法管理")]


def test_a_presiders_certificate_is_held_too_whatever_the_presider_setting(client, hr):
    policy.update(ACTOR, {"certificates.presider_needs_certificate": 0})
    db.session.commit()
    enforcement, presider = issue(hr.officer), issue(hr.officer, type="hearing_presider")
    edit_kind(client, hr.officer, "other")
    assert holds_of(enforcement.certificate) == [("staff_kind_ineligible", True)]
    assert holds_of(presider.certificate) == [("staff_kind_ineligible", True)]
