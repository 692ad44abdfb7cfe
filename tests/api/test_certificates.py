"""Certificates through ``/api/v1`` (SPEC §2.7, §3): reading one by number, suspending, reinstating and revoking it,
and an officer's qualification — each as every role, in and out of scope, with the errors the contract names.

Certificates are issued through ``certificates.lifecycle`` (which signs a QR), so each test gets its own
``SIGNING_KEY_DIR``. Every answer is checked against the OpenAPI document (``check_documented``)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from certificates import lifecycle
from certificates.models import Certificate, Hold
from portal import audit, clock, policy
from portal.api.spec import openapi_document
from portal.audit import AuditEntry
from portal.extensions import db
from portal.notify import Notification
from tests.api.helpers import BASE, bearer, check_documented, error_of
from tests.certificates.helpers import revoke_heard
from tests.factories import make_officer
from tests.sql import statements

ACTOR = audit.Actor.system("test")
ISSUED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.TZ)
LATER = dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ)  # the frozen clock reads 2026-11-26 09:00
BASIS = "威政办发〔2016〕3号 三（二）1"
CERTIFICATE_KEYS = {"number", "type", "status", "status_since", "edition", "issued_on", "first_issued_on", "agency",
                    "officer", "categories", "region", "holds", "revocation", "next_review_due",
                    "next_update_test_due"}
QUALIFICATION_KEYS = {"can_enforce", "can_preside_hearing", "reasons", "certificates", "next_review_due",
                      "next_update_test_due"}


@pytest.fixture
def key_dir(app, tmp_path, monkeypatch):
    """A fresh, not yet existing key directory for this test (issuing signs a QR with the current key)."""
    path = tmp_path / "keys"
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(path))
    return path


@pytest.fixture
def tokens(world, issue):
    """A bearer token per account of the small world, issued lazily: ``tokens["legal_city"]``."""

    class Tokens(dict):
        def __missing__(self, username):
            self[username] = issue(username)
            return self[username]

    return Tokens()


@pytest.fixture
def grant(world, key_dir, frozen):
    """``grant(officer, type="enforcement", now=ISSUED)`` issues a certificate through the lifecycle and commits."""

    def make(officer, type_: str = "enforcement", now: dt.datetime = ISSUED) -> Certificate:
        cert = lifecycle.issue(officer, type_, ["城市管理"], "环翠区全域", actor=ACTOR, now=now)
        db.session.commit()
        return cert

    return make


def post(client, path: str, token: str | None, body, *, expect: int):
    """POST JSON to the API; the answer is held to the document like every GET of ``api``."""
    url = BASE + path
    response = client.post(url, json=body, headers=bearer(token) if token else {})
    check_documented(url, "POST", response)
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def document_errors(name: str, instance) -> list[str]:
    """Errors of ``instance`` against ``components/schemas/<name>`` of the served document."""
    doc = openapi_document()
    validator = OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]},
                               format_checker=oas30_format_checker)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def reload(cert: Certificate) -> Certificate:
    db.session.expire_all()
    return db.session.get(Certificate, cert.id)


def audit_actions(cert: Certificate) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "certificate", AuditEntry.object_id == str(cert.id)).order_by(AuditEntry.id)))


# ---------------------------------------------------------------- GET /certificates/<number>

def test_a_certificate_as_legal_shows_everything_but_the_id_number(api, tokens, world, grant):
    cert = grant(world.officer)
    lifecycle.place_hold(cert, "under_investigation", actor=ACTOR, now=LATER, legal_basis=BASIS, note="内部备注甲")
    db.session.commit()
    response = api.get(f"/certificates/{cert.number}", tokens["legal_city"], expect=200)
    body = response.get_json()
    assert set(body) == CERTIFICATE_KEYS
    assert body["number"] == cert.number and body["type"] == "enforcement" and body["status"] == "suspended"
    assert body["status_since"] == "2026-06-01T10:00:00+08:00"
    assert (body["edition"], body["issued_on"], body["first_issued_on"]) == (1, "2026-03-02", "2026-03-02")
    assert body["agency"] == {"id": world.dept.id, "name": "环翠区综合行政执法局", "short_name": "环翠执法局"}
    assert body["officer"] == {"id": world.officer.id, "name": "王建国"}
    assert (body["categories"], body["region"]) == (["城市管理"], "环翠区全域")
    assert body["holds"] == [{"reason": "under_investigation", "label": "立案调查", "legal_basis": BASIS,
                              "placed_at": "2026-06-01T10:00:00+08:00", "placed_by": "test", "is_system": False,
                              "note": "内部备注甲"}]
    assert body["revocation"] is None
    assert (body["next_review_due"], body["next_update_test_due"]) == ("2028-03-02", "2030-03-02")
    assert world.officer.id_number not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_hr_reads_a_certificate_in_scope_without_the_private_notes(api, tokens, world, grant):
    cert = grant(world.officer)
    lifecycle.place_hold(cert, "other", actor=ACTOR, now=LATER, legal_basis=BASIS, note="内部备注乙")
    lifecycle.ensure_hold(cert, "review_overdue", actor=ACTOR, now=LATER)
    db.session.commit()
    response = api.get(f"/certificates/{cert.number}", tokens["hr"], expect=200)
    holds = response.get_json()["holds"]
    assert [(h["reason"], h["is_system"]) for h in holds] == [("other", False), ("review_overdue", True)]
    assert all("note" not in hold for hold in holds)
    assert "内部备注乙" not in response.get_data(as_text=True)


def test_a_presider_certificate_shows_the_dates_of_the_enforcement_certificate(api, tokens, world, grant):
    grant(world.officer, now=ISSUED)
    presider = grant(world.officer, "hearing_presider", now=LATER)
    body = api.json(f"/certificates/{presider.number}", tokens["legal_city"])
    assert (body["type"], body["status"], body["issued_on"]) == ("hearing_presider", "active", "2026-06-01")
    assert (body["next_review_due"], body["next_update_test_due"]) == ("2028-03-02", "2030-03-02")


def test_a_number_is_checked_before_any_lookup(app, api, tokens, world, grant):
    cert = grant(world.officer)
    token = tokens["legal_city"]
    number = cert.number
    api.get(f"/certificates/{number}", token, expect=200)  # the token's first use is noted once
    with statements(app) as seen:
        # a check character that does not match: no such certificate can exist (404), found without a lookup
        response = api.get(f"/certificates/{wrong_check(number)}", token, expect=404)
    error = error_of(response)
    assert error["code"] == "certificate_number_check_failed" and "校验位" in error["message"]
    assert not [s for s in seen if "certificate" in s.lower()], seen
    # the API takes the number as printed, exactly as its document's pattern says (the web pages fold spaces,
    # hyphens and a lower-case x for people typing it)
    for text in ("37100012600001", "37100012600001Y", f"{number[:6]}-{number[6:]}", number[:14] + "x"):
        error = error_of(api.get(f"/certificates/{text}", token, expect=422))
        assert error["items"] == [{"field": "number", "message": "证号应为 15 位：14 位数字加 1 位校验位（数字或大写 X），"
                                                                 "不含空格或连字符"}]


def test_scope_roles_and_unknown_numbers(api, tokens, world, grant):
    mine, theirs = grant(world.officer), grant(world.other_officer)
    assert api.json(f"/certificates/{mine.number}", tokens["legal_district"])["number"] == mine.number
    for account, cert in (("legal_district", theirs), ("hr", theirs), ("hr_other", mine)):
        error = error_of(api.get(f"/certificates/{cert.number}", tokens[account], expect=404))
        assert error["code"] == "not_found" and cert.officer.name not in error["message"]
    unknown = mine.number[:9] + "99999"
    from certificates.numbering import check_char

    api.get(f"/certificates/{unknown[:14]}{check_char(unknown[:14])}", tokens["legal_city"], expect=404)
    api.get(f"/certificates/{mine.number}", tokens["admin"], expect=403)
    api.get(f"/certificates/{mine.number}", expect=401)


# ---------------------------------------------------------------- POST suspend / reinstate / revoke

def test_legal_suspends_and_reinstates_with_audit_and_notices(client, tokens, world, grant):
    cert = grant(world.officer)
    body = post(client, f"/certificates/{cert.number}/suspend", tokens["legal_city"],
                {"reason": "disciplinary", "legal_basis": BASIS, "note": "待纪委结论"}, expect=200).get_json()
    assert body["status"] == "suspended" and body["status_since"] == "2026-11-26T09:00:00+08:00"
    assert body["holds"] == [{"reason": "disciplinary", "label": "纪律处分", "legal_basis": BASIS,
                              "placed_at": "2026-11-26T09:00:00+08:00", "placed_by": "legal_city（接口）",
                              "is_system": False, "note": "待纪委结论"}]
    [hold] = db.session.scalars(sa.select(Hold).where(Hold.certificate_id == cert.id)).all()
    assert (hold.placed_by, hold.note) == (world.legal_city.id, "待纪委结论")
    body = post(client, f"/certificates/{cert.number}/reinstate", tokens["legal_city"], {"note": "处分决定撤回"},
                expect=200).get_json()
    assert (body["status"], body["holds"]) == ("active", [])
    entries = [e for e in audit_actions(cert) if e.action in ("certificate.hold", "certificate.lift")]
    assert [(e.action, e.actor_id, e.actor, e.client_addr, e.agency_id) for e in entries] == [
        ("certificate.hold", world.legal_city.id, "legal_city（接口）", "127.0.0.1", world.dept.id),
        ("certificate.lift", world.legal_city.id, "legal_city（接口）", "127.0.0.1", world.dept.id)]
    assert all("待纪委结论" not in str(e.change) for e in entries)  # the private note stays out of the log
    assert audit.verify().ok
    titles = db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == world.officer_user.id).order_by(Notification.id)).all()
    assert titles == ["您的行政执法证已暂扣", "您的行政执法证已恢复有效"]


def test_a_district_legal_office_changes_only_certificates_in_its_scope(client, tokens, world, grant):
    theirs = grant(world.other_officer)
    for action, payload in (("suspend", {"reason": "other", "legal_basis": BASIS}), ("reinstate", {}),
                            ("revoke", {"reason": "misconduct", "legal_basis": BASIS})):
        post(client, f"/certificates/{theirs.number}/{action}", tokens["legal_district"], payload, expect=404)
    assert reload(theirs).status == "active" and not reload(theirs).holds


def test_hr_admin_and_anonymous_callers_cannot_change_a_certificate(client, tokens, world, grant):
    cert = grant(world.officer)
    payloads = (("suspend", {"reason": "other", "legal_basis": BASIS}), ("reinstate", {}),
                ("revoke", {"reason": "misconduct", "legal_basis": BASIS}))
    for action, payload in payloads:
        assert error_of(post(client, f"/certificates/{cert.number}/{action}", tokens["hr"], payload,
                             expect=403))["code"] == "forbidden"
        post(client, f"/certificates/{cert.number}/{action}", tokens["admin"], payload, expect=403)
        post(client, f"/certificates/{cert.number}/{action}", None, payload, expect=401)
    assert reload(cert).status == "active"
    assert [e.action for e in audit_actions(cert)] == ["certificate.issue"]


def test_reinstate_refuses_while_a_system_hold_is_open_and_changes_nothing(client, tokens, world, grant):
    cert = grant(world.officer)
    lifecycle.place_hold(cert, "other", actor=ACTOR, now=LATER, legal_basis=BASIS)
    lifecycle.ensure_hold(cert, "review_overdue", actor=ACTOR, now=LATER)
    db.session.commit()
    before = len(audit_actions(cert))
    error = error_of(post(client, f"/certificates/{cert.number}/reinstate", tokens["legal_city"], {"note": "试图恢复"},
                          expect=409))
    assert error["code"] == "system_holds_remain" and "审核确认逾期" in error["message"]
    assert error["items"] == [{"field": "holds", "message": "review_overdue"}]
    cert = reload(cert)
    assert cert.status == "suspended" and sorted(h.reason for h in cert.open_holds) == ["other", "review_overdue"]
    assert len(audit_actions(cert)) == before


def test_conflicts_answer_409(client, tokens, world, grant):
    cert = grant(world.officer)
    legal = tokens["legal_city"]
    assert error_of(post(client, f"/certificates/{cert.number}/reinstate", legal, {}, expect=409))["code"] == \
        "not_suspended"
    post(client, f"/certificates/{cert.number}/suspend", legal, {"reason": "other", "legal_basis": BASIS}, expect=200)
    assert error_of(post(client, f"/certificates/{cert.number}/suspend", legal,
                         {"reason": "other", "legal_basis": BASIS}, expect=409))["code"] == "hold_exists"


def test_revoke_then_a_second_revocation_is_a_conflict(client, api, tokens, world, grant):
    cert = grant(world.officer)
    lifecycle.place_hold(cert, "under_investigation", actor=ACTOR, now=LATER, legal_basis=BASIS)
    db.session.commit()
    legal = tokens["legal_city"]
    # 吊销 is decided on the certificate page once the officer was heard (SPEC §2.7): not here
    error = error_of(post(client, f"/certificates/{cert.number}/revoke", legal,
                          {"reason": "misconduct", "legal_basis": "《行政处罚法》第四十二条"}, expect=422))
    assert error["code"] == "proposal_required" and "陈述申辩" in error["message"]
    assert reload(cert).status == "suspended"
    body = post(client, f"/certificates/{cert.number}/revoke", legal,
                {"reason": "deceased", "legal_basis": None, "note": "家属告知，已核实死亡证明"}, expect=200).get_json()
    assert body["status"] == "revoked" and body["holds"] == []
    assert body["revocation"] == {"kind": "deceased", "label": "死亡", "word": "注销",
                                  "at": "2026-11-26T09:00:00+08:00"}
    assert (body["next_review_due"], body["next_update_test_due"]) == (None, None)
    assert document_errors("Certificate", body) == []
    error = error_of(post(client, f"/certificates/{cert.number}/revoke", legal,
                          {"reason": "fraud", "legal_basis": BASIS}, expect=409))
    assert error["code"] == "already_revoked" and "注销" in error["message"]
    post(client, f"/certificates/{cert.number}/suspend", legal, {"reason": "other", "legal_basis": BASIS}, expect=409)
    post(client, f"/certificates/{cert.number}/reinstate", legal, {}, expect=409)
    assert reload(cert).revocation_kind == "deceased"
    [entry] = [e for e in audit_actions(cert) if e.action == "certificate.revoke"]
    assert (entry.actor_id, entry.client_addr) == (world.legal_city.id, "127.0.0.1")
    assert api.json(f"/certificates/{cert.number}", tokens["hr"])["revocation"]["word"] == "注销"


@pytest.mark.parametrize(("action", "payload", "fields"), [
    ("suspend", {"reason": "no_such_reason", "legal_basis": BASIS}, ["reason"]),
    ("suspend", {"reason": "review_overdue", "legal_basis": BASIS}, ["reason"]),  # a system hold
    ("suspend", {"reason": "other"}, ["legal_basis"]),
    ("suspend", {"reason": "other", "legal_basis": "  "}, ["legal_basis"]),
    ("suspend", {"legal_basis": BASIS, "note": 5}, ["reason", "note"]),
    ("suspend", {"reason": "other", "legal_basis": BASIS, "note": "字" * 1001}, ["note"]),
    ("suspend", {"reason": "other", "legal_basis": BASIS, "expected": "x"}, ["expected"]),
    ("reinstate", {"note": ["x"]}, ["note"]),
    ("revoke", {"reason": "lost"}, ["reason"]),
    ("revoke", {"reason": "misconduct"}, ["legal_basis"]),
    ("revoke", {"reason": "fraud", "legal_basis": ""}, ["legal_basis"]),
    ("revoke", {"reason": "retired", "legal_basis": "字" * 201}, ["legal_basis"]),
])
def test_invalid_bodies_answer_422_naming_the_fields(client, tokens, world, grant, action, payload, fields):
    cert = grant(world.officer)
    if action == "reinstate":
        lifecycle.place_hold(cert, "other", actor=ACTOR, now=LATER, legal_basis=BASIS)
        db.session.commit()
    before = (reload(cert).status, len(audit_actions(cert)))
    error = error_of(post(client, f"/certificates/{cert.number}/{action}", tokens["legal_city"], payload,
                          expect=422))
    assert sorted(item["field"] for item in error["items"]) == sorted(fields)
    assert all(item["message"] for item in error["items"])
    assert (reload(cert).status, len(audit_actions(cert))) == before


def test_a_body_that_is_not_a_json_object_is_a_bad_request(client, tokens, world, grant):
    cert = grant(world.officer)
    url = f"{BASE}/certificates/{cert.number}/suspend"
    for kwargs in ({"data": "reason=other"}, {"json": ["other"]}):
        response = client.post(url, headers=bearer(tokens["legal_city"]), **kwargs)
        check_documented(url, "POST", response)
        assert response.status_code == 400
    post(client, f"/certificates/{wrong_check(cert.number)}/suspend", tokens["legal_city"],
         {"reason": "other", "legal_basis": BASIS}, expect=404)


# ---------------------------------------------------------------- GET /officers/<id>/qualification

def qualification(api, token, officer) -> dict:
    body = api.json(f"/officers/{officer.id}/qualification", token)
    assert set(body) == QUALIFICATION_KEYS
    return body


def test_an_active_enforcement_certificate_only(api, tokens, world, grant):
    cert = grant(world.officer)
    body = qualification(api, tokens["hr"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"]) == (True, False)
    assert body["reasons"] == ["未持有听证主持人资格证"]
    assert body["certificates"] == [{"number": cert.number, "type": "enforcement", "status": "active", "edition": 1,
                                     "holds": [], "issued_on": "2026-03-02"}]
    assert (body["next_review_due"], body["next_update_test_due"]) == ("2028-03-02", "2030-03-02")


def test_both_certificates_active(api, tokens, world, grant):
    grant(world.officer)
    grant(world.officer, "hearing_presider", now=LATER)
    body = qualification(api, tokens["legal_district"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"], body["reasons"]) == (True, True, [])


def test_a_suspended_enforcement_certificate_suspends_the_presider_too(api, tokens, world, grant):
    enforcement = grant(world.officer)
    presider = grant(world.officer, "hearing_presider", now=LATER)
    lifecycle.place_hold(enforcement, "under_investigation", actor=ACTOR, now=LATER + dt.timedelta(days=1),
                         legal_basis=BASIS)
    lifecycle.ensure_hold(enforcement, "review_overdue", actor=ACTOR, now=LATER + dt.timedelta(days=2))
    db.session.commit()
    body = qualification(api, tokens["legal_city"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"]) == (False, False)
    assert body["reasons"] == ["行政执法证暂扣：立案调查、审核确认逾期", "听证主持人资格证暂扣：所持执法证非有效状态"]
    assert [(c["number"], c["status"]) for c in body["certificates"]] == [
        (presider.number, "suspended"), (enforcement.number, "suspended")]  # newest first
    assert body["certificates"][0]["holds"] == [{"reason": "enforcement_certificate_inactive",
                                                 "label": "所持执法证非有效状态", "since": "2026-06-02T10:00:00+08:00"}]
    assert [h["reason"] for h in body["certificates"][1]["holds"]] == ["under_investigation", "review_overdue"]
    assert body["next_review_due"] == "2028-03-02"  # a suspension moves no due date


def test_an_officer_without_certificates(api, tokens, world, key_dir):
    body = qualification(api, tokens["hr"], world.officer)
    assert body == {"can_enforce": False, "can_preside_hearing": False,
                    "reasons": ["未持有行政执法证", "未持有听证主持人资格证"], "certificates": [],
                    "next_review_due": None, "next_update_test_due": None}


def test_a_retired_officer(api, tokens, world, grant):
    cert = grant(world.officer)
    revoke_heard(cert, "retired", actor=ACTOR, now=LATER)
    world.officer.status, world.officer.status_changed_on = "retired", LATER.date()
    db.session.commit()
    body = qualification(api, tokens["hr"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"]) == (False, False)
    assert body["reasons"] == ["人员状态为退休", "行政执法证已注销：退休", "未持有听证主持人资格证"]
    assert [(c["number"], c["status"], c["holds"]) for c in body["certificates"]] == [(cert.number, "revoked", [])]
    assert (body["next_review_due"], body["next_update_test_due"]) == (None, None)


def test_an_officer_off_duty_cannot_enforce_even_with_an_active_certificate(api, tokens, world, grant):
    grant(world.officer)
    grant(world.officer, "hearing_presider", now=LATER)
    world.officer.status, world.officer.status_changed_on = "left_post", LATER.date()
    db.session.commit()
    body = qualification(api, tokens["hr"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"]) == (False, False)
    assert body["reasons"] == ["人员状态为调离执法岗位"]


def test_a_revoked_certificate_is_listed_after_the_new_one(api, tokens, world, grant):
    old = grant(world.officer, now=dt.datetime(2025, 1, 6, 9, 0, tzinfo=clock.TZ))
    revoke_heard(old, "misconduct", actor=ACTOR, now=ISSUED - dt.timedelta(days=30), legal_basis=BASIS)
    db.session.commit()
    new = grant(world.officer)
    body = qualification(api, tokens["hr"], world.officer)
    assert [(c["number"], c["status"]) for c in body["certificates"]] == [(new.number, "active"),
                                                                        (old.number, "revoked")]
    assert body["can_enforce"] is True and body["next_review_due"] == "2028-03-02"


def test_the_presider_needs_no_enforcement_certificate_when_the_policy_says_so(api, tokens, world, grant):
    enforcement = grant(world.officer)
    grant(world.officer, "hearing_presider", now=LATER)
    revoke_heard(enforcement, "misconduct", actor=ACTOR, now=LATER, legal_basis=BASIS)  # the presider is held
    db.session.commit()
    assert qualification(api, tokens["hr"], world.officer)["can_preside_hearing"] is False
    policy.update(ACTOR, {"certificates.presider_needs_certificate": 0})
    db.session.commit()
    body = qualification(api, tokens["hr"], world.officer)
    # the hold placed under the old setting stays until a rule lifts it: still not qualified, and why is said
    assert body["can_preside_hearing"] is False and "听证主持人资格证暂扣：所持执法证非有效状态" in body["reasons"]
    presider = db.session.scalar(sa.select(Certificate).where(Certificate.type == "hearing_presider"))
    lifecycle.cure(presider, "enforcement_certificate_inactive", actor=ACTOR, now=LATER)
    db.session.commit()
    body = qualification(api, tokens["hr"], world.officer)
    assert (body["can_enforce"], body["can_preside_hearing"]) == (False, True)
    assert body["reasons"] == ["行政执法证已吊销：违法违纪"]
    policy.update(ACTOR, {"certificates.presider_needs_certificate": 1})
    db.session.commit()
    body = qualification(api, tokens["hr"], world.officer)
    assert body["can_preside_hearing"] is False and body["reasons"][-1] == "主持听证须持有有效的行政执法证"


def test_qualification_scope_and_roles(client, api, tokens, world, grant):
    grant(world.other_officer)
    path = f"/officers/{world.other_officer.id}/qualification"
    for account in ("legal_district", "hr"):
        assert error_of(api.get(path, tokens[account], expect=404))["code"] == "not_found"
    assert api.json(path, tokens["hr_other"])["can_enforce"] is True
    api.get(path, tokens["admin"], expect=403)
    api.get(path, expect=401)
    api.get("/officers/999999/qualification", tokens["legal_city"], expect=404)
    for huge in (2**31, 10**30):  # beyond the id column: no route matches, still a JSON 404
        response = client.get(f"{BASE}/officers/{huge}/qualification", headers=bearer(tokens["legal_city"]))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_qualification_costs_the_same_queries_however_many_certificates(app, api, tokens, world, grant):
    officer = make_officer(world.dept, name="李卫东")
    token = tokens["hr"]
    grant(officer)

    def count() -> int:
        with statements(app) as seen:
            api.get(f"/officers/{officer.id}/qualification", token, expect=200)
        return len(seen)

    count()  # the token's first use is noted once
    few = count()
    [enforcement] = db.session.scalars(sa.select(Certificate).where(Certificate.officer_id == officer.id)).all()
    revoke_heard(enforcement, "misconduct", actor=ACTOR, now=LATER, legal_basis=BASIS)
    db.session.commit()
    again = grant(officer, now=LATER + dt.timedelta(days=1))
    grant(officer, "hearing_presider", now=LATER + dt.timedelta(days=2))
    lifecycle.place_hold(again, "other", actor=ACTOR, now=LATER + dt.timedelta(days=3), legal_basis=BASIS)
    lifecycle.ensure_hold(again, "review_overdue", actor=ACTOR, now=LATER + dt.timedelta(days=3))
    db.session.commit()
    assert len(api.json(f"/officers/{officer.id}/qualification", token)["certificates"]) == 3
    assert count() == few


# ---------------------------------------------------------------- the document

def test_the_endpoints_are_documented_as_the_contract_says(api):
    doc = api.json("/openapi.json")
    paths = doc["paths"]
    assert paths["/certificates/{number}"]["get"]["x-roles"] == ["hr", "legal"]
    assert paths["/officers/{officer_id}/qualification"]["get"]["x-roles"] == ["hr", "legal"]
    for action in ("suspend", "reinstate", "revoke"):
        op = paths[f"/certificates/{{number}}/{action}"]["post"]
        assert op["x-roles"] == ["legal"]
        assert {"200", "400", "401", "403", "404", "409", "422", "429"} <= set(op["responses"])
    schemas = doc["components"]["schemas"]
    assert set(schemas["Qualification"]["properties"]) == QUALIFICATION_KEYS
    assert set(schemas["QualificationCertificate"]["properties"]) == {"number", "type", "status", "edition", "holds",
                                                                      "issued_on"}
    assert set(schemas["Certificate"]["properties"]) == CERTIFICATE_KEYS
    assert set(schemas["CertificateSuspendRequest"]["properties"]) == {"reason", "legal_basis", "note"}
    assert schemas["CertificateSuspendRequest"]["properties"]["reason"]["enum"] == ["under_investigation",
                                                                                   "disciplinary", "other"]
    assert set(schemas["CertificateRevokeRequest"]["properties"]) == {"reason", "legal_basis", "note"}
    assert set(schemas["CertificateReinstateRequest"]["properties"]) == {"note"}
    assert "id_number" not in repr(schemas["Certificate"]) + repr(schemas["OfficerRef"])


def test_nullable_parts_validate_against_the_document(api, tokens, world, grant):
    """A revocation of ``null``, null due dates and a hold without its note (as HR sees it) are what the
    document allows — and a leaked property is not."""
    cert = grant(world.officer)
    lifecycle.place_hold(cert, "other", actor=ACTOR, now=LATER, legal_basis=BASIS, note="备注")
    db.session.commit()
    for account in ("hr", "legal_city"):
        body = api.json(f"/certificates/{cert.number}", tokens[account])
        assert document_errors("Certificate", body) == []
    assert document_errors("Certificate", {**body, "officer": {**body["officer"], "id_number": "x"}}) != []
    assert document_errors("Certificate", {**body, "revocation": {"kind": "retired"}}) != []
    body = api.json(f"/officers/{world.other_officer.id}/qualification", tokens["legal_city"])
    assert document_errors("Qualification", body) == []
