"""Public verification by QR token (SPEC §2.7, §3): every outcome through ``/v/<token>`` and
``/api/v1/verify/<token>``, what the public may and may not see, the photo, the per-day counter, and a fixed
number of statements whatever the size of the data."""
from __future__ import annotations

import datetime as dt
import logging
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from certificates import keys, numbering, tokens, verification
from certificates.models import VerificationCount
from portal import audit, clock
from portal.api.schema import conforms
from portal.api.verification import VERIFICATION
from portal.extensions import db
from portal.officers import services as officer_services
from tests.certificates import helpers
from tests.certificates.issued import NOW, issue
from tests.factories import SYSTEM, image_bytes, make_officer
from tests.sql import statements

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
PHONE = "13912345678"
EMAIL = "wang.jianguo@example.com"
#: a well-formed number no certificate has
UNKNOWN_NUMBER = numbering.compose("371000", 1, 2026, 99_998)


@pytest.fixture(autouse=True)
def _keys_and_clock(key_dir, frozen):
    """Each test signs with keys of its own, at 2026-11-26 09:00 Shanghai time."""


@pytest.fixture
def officer(world):
    """The world's officer with a phone, an e-mail and a photo on file."""
    person = world.officer
    person.mobile, person.email = PHONE, EMAIL
    officer_services.set_photo(SYSTEM, person, image_bytes("JPEG", (300, 400)), clock.now())
    db.session.commit()
    return person


def page(client, token: str) -> str:
    response = client.get(f"/v/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    return response.get_data(as_text=True)


def api(client, token: str) -> dict:
    response = client.get(f"/api/v1/verify/{token}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    body = response.get_json()
    assert set(body) == {"status", "certificate"}
    assert conforms(VERIFICATION, body) == [], conforms(VERIFICATION, body)
    return body


def headline(html: str) -> str:
    return re.search(r'<h1 id="vf-headline"[^>]*>(.*?)</h1>', html, re.S).group(1).strip()


def tone(html: str) -> str:
    return re.search(r'class="vf-result vf-(\w+)"', html).group(1)


def assert_private_facts_absent(text: str, officer) -> None:
    for secret in (officer.id_number, officer.id_number[-6:], PHONE, EMAIL, "内部备注", "威政办发", "test"):
        assert secret not in text, secret


def changed(token: str, position: int) -> str:
    """``token`` with the character at ``position`` replaced by another base64url character."""
    old = token[position]
    new = B64URL[(B64URL.index(old) + 17) % len(B64URL)]
    return token[:position] + new + token[position + 1:]


# -- the outcomes ----------------------------------------------------------------------------------------------


def test_a_valid_token_shows_the_certificate_with_photo(client, officer):
    issued = issue(officer, categories=["城市管理", "市场监管"], region="环翠区全域")
    html = page(client, issued.token)
    assert headline(html) == "有效" and tone(html) == "ok"
    for fact in ("王建国", "环翠区综合行政执法局", "行政执法证", "城市管理、市场监管", "环翠区全域", issued.number,
                 "2024年3月1日", "第 1 版", "下次审核确认", "2026年3月1日"):
        assert fact in html, fact
    assert f'src="/v/{issued.token}/photo.jpg"' in html
    assert "<script" not in html and "bootstrap" not in html
    assert_private_facts_absent(html, officer)

    body = api(client, issued.token)
    assert body["status"] == "valid"
    assert body["certificate"] == {
        "number": issued.number, "type": "enforcement", "type_label": "行政执法证", "name": "王建国",
        "agency": "环翠区综合行政执法局", "categories": ["城市管理", "市场监管"], "region": "环翠区全域",
        "edition": 1, "current_edition": 1, "issued_on": "2024-03-01", "since": None, "holds": [],
        "revoked_on": None, "revocation_word": None, "next_review_due": "2026-03-01", "superseded_on": None,
        "has_photo": True, "photo_url": f"/v/{issued.token}/photo.jpg", "entrustment": None}


def test_the_photo_is_served_for_a_valid_token_only(client, officer):
    issued = issue(officer)
    response = client.get(f"/v/{issued.token}/photo.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data[:2] == b"\xff\xd8"
    assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Robots-Tag"] == "noindex"
    for bad in (changed(issued.token, len(issued.token) - 5), "a.b.c", "x" * 1001):
        assert client.get(f"/v/{bad}/photo.jpg").status_code == 404


def test_no_photo_on_file_means_no_photo_shown(client, world):
    issued = issue(world.officer)
    assert "photo.jpg" not in page(client, issued.token)
    assert api(client, issued.token)["certificate"]["photo_url"] is None
    assert client.get(f"/v/{issued.token}/photo.jpg").status_code == 404


def test_suspended_shows_since_and_the_public_wording_only(client, officer):
    issued = issue(officer, status="suspended", status_since=dt.datetime(2026, 10, 8, 16, 30, tzinfo=clock.TZ),
                   holds=("other", "review_overdue"))
    html = page(client, issued.token)
    assert headline(html) == "暂扣" and tone(html) == "warn"
    assert "自2026年10月8日起暂扣：审核确认逾期；其他原因暂扣。" in html
    assert "王建国" in html and 'photo.jpg"' in html
    assert "其他原因" + "（" not in html and "立案调查" not in html
    assert_private_facts_absent(html, officer)
    body = api(client, issued.token)
    assert body["status"] == "suspended"
    assert body["certificate"]["since"] == "2026-10-08"
    assert body["certificate"]["holds"] == ["审核确认逾期", "其他原因暂扣"]  # SPEC order, not the order placed
    assert_private_facts_absent(str(body), officer)


def test_a_manual_hold_shows_only_other_reasons_and_never_its_note(client, officer):
    issued = issue(officer, status="suspended", holds=("under_investigation", "disciplinary"))
    helpers.hold(issued.certificate, "other", note="举报人：李某，电话 13800000000", legal_basis="内部规定")
    db.session.commit()
    html = page(client, issued.token)
    body = api(client, issued.token)
    assert body["certificate"]["holds"] == ["其他原因暂扣"]  # three manual holds, one wording
    for text in (html, str(body)):
        assert "其他原因暂扣" in text
        for private in ("立案调查", "纪律处分", "举报人", "13800000000", "内部规定", "内部备注"):
            assert private not in text


@pytest.mark.parametrize(("kind", "word"), [
    ("left_post", "注销"), ("retired", "注销"), ("deceased", "注销"), ("update_test_failed_twice", "注销"),
    ("review_rejected_final", "注销"), ("misconduct", "吊销"), ("fraud", "撤销")])
def test_revoked_shows_its_word_and_date(client, officer, kind, word):
    issued = issue(officer, revocation_kind=kind, status_since=dt.datetime(2026, 9, 30, 10, 0, tzinfo=clock.TZ))
    html = page(client, issued.token)
    assert headline(html) == "已" + word and tone(html) == "void"
    assert f"该证件已于2026年9月30日{word}" in html
    assert "photo.jpg" not in html and "下次审核确认" not in html
    assert client.get(f"/v/{issued.token}/photo.jpg").status_code == 404
    body = api(client, issued.token)
    assert body["status"] == "revoked"
    cert = body["certificate"]
    assert (cert["revoked_on"], cert["revocation_word"], cert["next_review_due"], cert["photo_url"]) == (
        "2026-09-30", word, None, None)
    assert_private_facts_absent(html + str(body), officer)


def test_an_older_edition_is_superseded_never_valid(client, officer):
    issued = issue(officer, editions=3)
    for old in issued.tokens[:2]:
        html = page(client, old)
        assert headline(html) == "已换发" and tone(html) == "void"
        assert "本版已作废" in html and "photo.jpg" not in html
        assert client.get(f"/v/{old}/photo.jpg").status_code == 404
    body = api(client, issued.tokens[0])
    assert body["status"] == "superseded"
    assert (body["certificate"]["edition"], body["certificate"]["current_edition"]) == (1, 3)
    assert body["certificate"]["superseded_on"] == (NOW - dt.timedelta(days=2)).date().isoformat()
    assert body["certificate"]["photo_url"] is None and body["certificate"]["next_review_due"] is None
    assert_private_facts_absent(html + str(body), officer)
    assert api(client, issued.token)["status"] == "valid"


def test_an_older_edition_of_a_revoked_certificate_is_still_superseded(client, officer):
    issued = issue(officer, editions=2, revocation_kind="misconduct")
    assert api(client, issued.tokens[0])["status"] == "superseded"
    assert api(client, issued.tokens[1])["status"] == "revoked"


def test_a_presider_shows_the_review_date_of_the_enforcement_certificate(client, officer):
    issue(officer, first_issued_on=dt.date(2022, 6, 15), reviews_done=1)
    presider = issue(officer, type="hearing_presider", first_issued_on=dt.date(2025, 5, 1))
    body = api(client, presider.token)
    assert body["status"] == "valid" and body["certificate"]["type_label"] == "听证主持人资格证"
    assert body["certificate"]["next_review_due"] == "2026-06-15"
    assert "2026年6月15日（依所持执法证）" in page(client, presider.token)


@pytest.mark.parametrize("position", ["header", "kid", "payload", "name", "signature", "last"])
def test_one_changed_character_reads_invalid_signature(client, officer, position):
    token = issue(officer).token
    header, payload, signature = token.split(".")
    index = {"header": 3, "kid": len(header) - 6, "payload": len(header) + 5,
             "name": len(header) + 1 + len(payload) // 2, "signature": len(header) + len(payload) + 10,
             "last": len(token) - 1}[position]
    forged = changed(token, index)
    assert forged != token and len(forged) == len(token)
    html = page(client, forged)
    assert headline(html) == "签名无效" and tone(html) == "bad"
    assert "王建国" not in html and "按证号和姓名查询" in html and "威海市司法局" in html
    assert api(client, forged) == {"status": "invalid_signature", "certificate": None}


def test_no_one_character_change_anywhere_verifies(officer):
    token = issue(officer).token
    for index, char in enumerate(token):
        if char == ".":
            continue
        for replacement in {changed(token, index)[index], "A" if char != "A" else "B", "_" if char != "_" else "-"}:
            forged = token[:index] + replacement + token[index + 1:]
            assert verification.resolve(forged).status == "invalid_signature", (index, replacement)


def test_a_token_signed_by_a_retired_key_reads_key_retired(client, officer):
    issued = issue(officer)
    old_kid = keys.current_key().kid
    keys.retire(old_kid, clock.now())
    html = page(client, issued.token)
    assert headline(html) == "密钥已停用" and tone(html) == "bad"
    assert "换发" in html and "王建国" not in html and "photo.jpg" not in html
    assert api(client, issued.token) == {"status": "key_retired", "certificate": None}
    assert client.get(f"/v/{issued.token}/photo.jpg").status_code == 404


def test_a_revoked_certificate_says_so_whatever_key_signed_its_card(client, officer):
    issued = issue(officer)
    keys.retire(keys.current_key().kid, clock.now())
    issued.certificate.status, issued.certificate.revoked_at = "revoked", clock.now()
    issued.certificate.revocation_kind = "misconduct"
    db.session.commit()
    assert headline(page(client, issued.token)) == "已吊销"
    assert api(client, issued.token)["status"] == "revoked"


def test_an_older_edition_signed_by_a_retired_key_is_superseded(client, officer):
    cert = helpers.certificate(officer, edition=2, commit=False)
    old = tokens.sign(tokens.claims_for(cert.number, 1, officer.name, "环翠执法局"))
    keys.retire(keys.current_key().kid, clock.now())
    current = tokens.sign(tokens.claims_for(cert.number, 2, officer.name, "环翠执法局"))
    db.session.commit()
    assert api(client, old)["status"] == "superseded"
    assert api(client, current)["status"] == "valid"


def test_a_key_we_never_had_reads_invalid_signature(app, client, officer, key_dir, tmp_path):
    cert = issue(officer).certificate
    app.config["SIGNING_KEY_DIR"] = str(tmp_path / "someone-elses")
    try:
        foreign = tokens.sign(tokens.claims_for(cert.number, 1, officer.name, "环翠执法局"))
    finally:
        app.config["SIGNING_KEY_DIR"] = str(key_dir)
    assert tokens.verify(foreign).outcome == "unknown_key"
    assert headline(page(client, foreign)) == "签名无效"
    assert api(client, foreign) == {"status": "invalid_signature", "certificate": None}


def test_a_genuine_token_naming_no_certificate_reads_unknown(client, officer):
    issued = issue(officer)
    nobody = tokens.sign(tokens.claims_for(UNKNOWN_NUMBER, 1, "李四", "某局"))
    newer = tokens.sign(tokens.claims_for(issued.number, 2, officer.name, "环翠执法局"))
    for token in (nobody, newer):
        html = page(client, token)
        assert headline(html) == "未找到" and tone(html) == "bad"
        assert "王建国" not in html
        assert api(client, token) == {"status": "unknown", "certificate": None}


@pytest.mark.parametrize("token", ["x" * 1001, "证件.abc.def", "eyJhbGciOiJFZDI1NTE5In0.eyJzdWIiOiIxIn0", "a..b",
                                   "%20"])
def test_malformed_tokens(client, world, token):
    html = page(client, token)
    assert headline(html) == "无法识别的二维码" and tone(html) == "bad"
    assert api(client, token) == {"status": "malformed", "certificate": None}


def test_the_status_list_token_is_not_a_certificate(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LIST_MIN_INTERVAL", 0)
    jws = client.get("/api/v1/status-list").get_data(as_text=True)
    assert len(jws) <= tokens.MAX_LENGTH
    assert api(client, jws) == {"status": "unknown", "certificate": None}


def test_pages_carry_the_security_headers_and_no_script(client, officer):
    from tests.platform.test_security_headers import assert_security_headers

    response = client.get(f"/v/{issue(officer).token}")
    assert_security_headers(response)
    html = response.get_data(as_text=True)
    assert "<script" not in html.lower() and " style=" not in html
    assert '<meta name="viewport"' in html and "/static/css/verify.css" in html


# -- the counter ------------------------------------------------------------------------------------------------


def counts() -> dict:
    db.session.expire_all()
    return {(row.certificate_id, row.day): row.count for row in db.session.scalars(sa.select(VerificationCount))}


def test_each_verification_that_finds_a_certificate_is_counted_after_the_response(client, officer):
    issued = issue(officer, editions=2)
    cert_id = issued.certificate.id
    response = client.get(f"/v/{issued.token}")
    assert response.status_code == 200
    assert counts() == {}, "written only once the response has gone out"
    response.close()
    assert counts() == {(cert_id, dt.date(2026, 11, 26)): 1}
    client.get(f"/api/v1/verify/{issued.token}", buffered=True)
    client.get(f"/v/{issued.tokens[0]}", buffered=True)  # superseded: still names our certificate
    assert counts() == {(cert_id, dt.date(2026, 11, 26)): 3}
    clock.freeze(dt.datetime(2026, 11, 27, 0, 5, tzinfo=clock.TZ))
    client.get(f"/v/{issued.token}", buffered=True)
    assert counts() == {(cert_id, dt.date(2026, 11, 26)): 3, (cert_id, dt.date(2026, 11, 27)): 1}


def test_what_finds_nothing_is_not_counted_and_nothing_is_audited(client, officer):
    issued = issue(officer)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry))
    for token in (changed(issued.token, 20), "x.y", tokens.sign(tokens.claims_for(UNKNOWN_NUMBER, 1, "李", "局"))):
        client.get(f"/v/{token}", buffered=True)
    client.get(f"/v/{issued.token}/photo.jpg", buffered=True)
    assert counts() == {}
    client.get(f"/v/{issued.token}", buffered=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry)) == before


def test_a_failing_counter_never_breaks_verification(client, officer, monkeypatch, caplog):
    issued = issue(officer)

    def broken(*args, **kwargs):
        raise RuntimeError("counter table unavailable")

    monkeypatch.setattr(verification, "sqlite", SimpleNamespace(insert=broken))
    monkeypatch.setattr(verification, "postgresql", SimpleNamespace(insert=broken))
    with caplog.at_level(logging.WARNING, logger="certificates.verification"):
        response = client.get(f"/v/{issued.token}", buffered=True)
    assert response.status_code == 200 and headline(response.get_data(as_text=True)) == "有效"
    assert any("verification counter not updated" in r.getMessage() for r in caplog.records)
    assert counts() == {}


def test_concurrent_counts_add_up(app, officer):
    """The upsert adds to the stored count rather than overwriting it."""
    cert_id = issue(officer).certificate.id
    day = dt.date(2026, 11, 26)
    verification.record_verifications({(cert_id, day): 2})
    verification.record_verifications({(cert_id, day): 5})
    assert counts() == {(cert_id, day): 7}


# -- a fixed number of statements -------------------------------------------------------------------------------


def _statement_counts(app, tokens_by_case: dict) -> dict:
    found = {}
    for case, token in tokens_by_case.items():
        db.session.expire_all()
        with statements(app) as seen:
            verification.resolve(token)
        found[case] = len(seen)
    return found


def _cases(officer, other) -> dict:
    valid = issue(officer)
    presider = issue(officer, type="hearing_presider")
    suspended = issue(other, status="suspended", holds=("review_overdue", "other", "disciplinary"))
    superseded = issue(make_officer(other.agency), editions=3)
    revoked = issue(make_officer(other.agency), revocation_kind="fraud")
    return {"valid": valid.token, "presider": presider.token, "suspended": suspended.token,
            "superseded": superseded.tokens[0], "revoked": revoked.token, "forged": changed(valid.token, 30)}


def _lots_of_certificates(agency, n: int) -> None:
    for i in range(n):
        person = make_officer(agency)
        kind = i % 4
        issued = issue(person, editions=1 + i % 3, commit=False,
                       status="suspended" if kind == 1 else "active", holds=("other", "review_overdue") if kind == 1
                       else (), revocation_kind="left_post" if kind == 2 else None)
        if kind == 3:
            issue(person, type="hearing_presider", commit=False)
        for day in range(3):
            db.session.add(VerificationCount(certificate_id=issued.certificate.id,
                                             day=dt.date(2026, 11, 1) + dt.timedelta(days=day), count=day + 1))
    db.session.commit()


def test_a_verification_costs_the_same_statements_whatever_the_data(app, client, officer, world):
    cases = _cases(officer, world.officer2)
    small = _statement_counts(app, cases)
    assert small == {"valid": 1, "presider": 2, "suspended": 2, "superseded": 2, "revoked": 1, "forged": 0}
    with statements(app) as seen:
        client.get(f"/v/{cases['suspended']}", buffered=True)
    small_http = len(seen)

    _lots_of_certificates(world.dept2, 24)
    assert _statement_counts(app, cases) == small
    with statements(app) as seen:
        client.get(f"/v/{cases['suspended']}", buffered=True)
    assert len(seen) == small_http


def test_every_answer_matches_the_published_document(client, officer):
    """Each kind of answer, checked against the OpenAPI document's JSON Schema (nullable parts included)."""
    from portal.api.spec import openapi_document
    from tests.api.test_openapi import schema_errors

    doc = openapi_document()
    operation = doc["paths"]["/verify/{token}"]["get"]
    assert operation["security"] == [] and "401" not in operation["responses"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    valid = issue(officer, editions=2)
    answers = [api(client, token) for token in (valid.token, valid.tokens[0], changed(valid.token, 9), "a.b")]
    suspended = issue(make_officer(officer.agency), status="suspended", holds=("other",))
    answers.append(api(client, suspended.token))
    assert [a["status"] for a in answers] == ["valid", "superseded", "invalid_signature", "malformed", "suspended"]
    for body in answers:
        assert schema_errors(doc, schema, body) == [], body
        assert_private_facts_absent(str(body), officer)
    assert "/status-list" in doc["paths"] and doc["paths"]["/status-list"]["get"]["security"] == []
