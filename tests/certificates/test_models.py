"""The database refuses impossible certificate states, whatever code tries to store them."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certificates import models
from certificates.models import Certificate, CertificateEvent, CertificateSerial, Hold
from portal.extensions import db
from tests.certificates.helpers import NOW, certificate, edition, hold


def refused(change) -> None:
    """``change()`` must be refused by the database; the session is rolled back afterwards."""
    with pytest.raises(IntegrityError):
        change()
        db.session.flush()
    db.session.rollback()


def test_a_certificate_with_its_editions_holds_and_events_is_stored(world):
    cert = certificate(world.officer)
    edition(cert)
    hold(cert, "under_investigation")
    hold(cert, "review_overdue", legal_basis="")
    db.session.add(CertificateEvent(certificate_id=cert.id, at=NOW, actor="test", from_status=None,
                                    to_status="active", action="issue", detail={"edition": 1}))
    cert.status = "suspended"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Certificate, cert.id)
    assert stored.status_label == "暂扣" and stored.type_label == "行政执法证"
    assert [h.reason for h in stored.open_holds] == ["under_investigation", "review_overdue"]
    assert stored.categories == ["城市管理"] and stored.officer.name == "王建国"


@pytest.mark.parametrize("fields", [
    {"status": "revoked"},                                                     # revoked without time or kind
    {"status": "revoked", "revoked_at": NOW},                                  # … without kind
    {"status": "revoked", "revocation_kind": "left_post"},                     # … without time
    {"status": "active", "revoked_at": NOW, "revocation_kind": "left_post"},   # revocation on a live certificate
    {"status": "suspended", "revocation_kind": "fraud"},
    {"status": "revoked", "revoked_at": NOW, "revocation_kind": "expired"},    # not a revocation kind
    {"status": "cancelled"},
    {"type": "driving", "number": "371000126000017"},
    {"edition": 0},
    {"issued_on": dt.date(2024, 2, 29)},                                       # before the first issue
    {"reviews_done": -1},
    {"update_tests_done": -1},
])
def test_impossible_certificates_are_refused(world, fields):
    refused(lambda: certificate(world.officer, commit=False, **fields))


def test_the_number_must_have_15_characters_and_the_type_digit_of_its_type(world):
    refused(lambda: certificate(world.officer, number="37100012600001", commit=False))
    refused(lambda: certificate(world.officer, number="371000226000030", commit=False))  # digit 2 on enforcement
    refused(lambda: certificate(world.officer, type="hearing_presider", number="371000126000017", commit=False))
    certificate(world.officer, number="371000126000017")
    refused(lambda: certificate(world.officer2, number="371000126000017", commit=False))  # unique


def test_a_presider_certificate_has_no_cycles_of_its_own(world):
    refused(lambda: certificate(world.officer, type="hearing_presider", reviews_done=1, commit=False))
    refused(lambda: certificate(world.officer, type="hearing_presider", update_tests_done=1, commit=False))
    certificate(world.officer, type="hearing_presider")


def test_one_live_certificate_of_a_type_per_officer(world):
    first = certificate(world.officer)
    refused(lambda: certificate(world.officer, commit=False))
    refused(lambda: certificate(world.officer, status="suspended", commit=False))
    certificate(world.officer, type="hearing_presider")  # another type is fine
    first.status, first.revoked_at, first.revocation_kind = "revoked", NOW, "left_post"
    db.session.commit()
    assert first.status_label == "已注销"
    certificate(world.officer, first_issued_on=dt.date(2026, 11, 26))  # a new one after the revocation


def test_a_revoked_certificate_records_time_and_kind_together(world):
    cert = certificate(world.officer)

    def revoke_without_kind():
        cert.status, cert.revoked_at = "revoked", NOW

    refused(revoke_without_kind)
    cert = db.session.get(Certificate, cert.id)
    cert.status, cert.revoked_at, cert.revocation_kind = "revoked", NOW, "fraud"
    db.session.commit()
    assert (cert.revocation_word, cert.status_label, cert.revocation_label) == ("撤销", "已撤销",
                                                                               "以欺骗等不正当手段取得")


def test_two_open_holds_of_one_reason_cannot_be_stored(world):
    cert = certificate(world.officer, status="suspended")
    first = hold(cert, "under_investigation")
    hold(cert, "disciplinary")  # another reason is fine
    db.session.commit()
    refused(lambda: hold(cert, "under_investigation"))
    hold(cert, "review_overdue", legal_basis="")
    db.session.commit()
    refused(lambda: hold(cert, "review_overdue", legal_basis=""))
    first = db.session.get(Hold, first.id)
    first.lifted_at, first.lifted_by_label, first.lift_note = NOW, "legal", "调查结束"
    db.session.commit()
    hold(cert, "under_investigation")  # once lifted, the reason may be placed again
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold).where(
        Hold.certificate_id == cert.id, Hold.reason == "under_investigation")) == 2


@pytest.mark.parametrize("fields", [
    {"reason": "annoyed"},                                               # not a hold reason
    {"reason": "other", "legal_basis": ""},                              # a manual hold needs its legal basis
    {"reason": "under_investigation", "legal_basis": ""},
    {"lifted_at": NOW},                                                  # lifted by nobody
    {"lifted_by_label": "legal"},                                        # lifted at no time
    {"lift_note": "已解除"},                                             # a lift note on an open hold
    {"lifted_at": NOW - dt.timedelta(days=1), "lifted_by_label": "legal"},  # lifted before it was placed
])
def test_impossible_holds_are_refused(world, fields):
    cert = certificate(world.officer, status="suspended")
    refused(lambda: hold(cert, **{"reason": "other", **fields}))


def test_system_holds_may_have_no_legal_basis_text(world):
    cert = certificate(world.officer, status="suspended")
    for reason in models.SYSTEM_HOLD_REASONS:
        hold(cert, reason, legal_basis="")
    db.session.commit()


def test_one_current_edition_per_certificate_and_edition_numbers_unique(world):
    cert = certificate(world.officer)
    first = edition(cert)
    db.session.commit()
    refused(lambda: edition(cert, 2, reason="reissue"))             # two current editions
    refused(lambda: edition(cert, 1, reason="first_issue", superseded_at=NOW))  # edition 1 twice
    refused(lambda: edition(cert, 2, reason="first_issue", superseded_at=NOW))  # only edition 1 is the first
    refused(lambda: edition(cert, 2, reason="lost"))
    first = db.session.get(models.Edition, first.id)
    first.superseded_at = NOW
    edition(cert, 2, reason="renewal")
    db.session.commit()
    assert first.reason_label == "首次发证" and not first.is_current


def test_revoked_is_terminal_in_the_event_log(world):
    cert = certificate(world.officer)

    def event(from_status, to_status):
        return lambda: db.session.add(CertificateEvent(certificate_id=cert.id, at=NOW, actor="test",
                                                       from_status=from_status, to_status=to_status,
                                                       action="change", detail={}))

    refused(event("revoked", "active"))
    refused(event("revoked", "suspended"))
    refused(event("active", "expired"))
    for change in (event(None, "active"), event("active", "suspended"), event("suspended", "revoked"),
                   event("revoked", "revoked")):
        change()
    db.session.commit()


@pytest.mark.parametrize("fields", [
    {"last": 0}, {"last": 100_000}, {"type_digit": 3}, {"region": "37100"}, {"year": 26},
])
def test_impossible_serial_counters_are_refused(fields):
    refused(lambda: db.session.add(CertificateSerial(**{"region": "371000", "type_digit": 1, "year": 2026,
                                                        "last": 1, **fields})))


def test_the_public_words_and_wordings_are_those_of_the_spec():
    assert {kind for kind, word in models.REVOCATION_WORDS.items() if word == "注销"} == {
        "left_post", "retired", "deceased", "update_test_failed_twice", "update_test_makeup_missed",
        "review_rejected_final"}
    assert models.REVOCATION_WORDS["misconduct"] == "吊销"
    assert models.REVOCATION_WORDS["fraud"] == "撤销"
    assert set(models.REVOCATION_WORDS) == set(models.REVOCATION_KINDS)
    assert models.SYSTEM_HOLD_REASONS == ("review_overdue", "update_test_overdue", "review_rejected",
                                          "update_test_failed", "body_invalid", "entrustment_ended",
                                          "enforcement_certificate_inactive", "staff_kind_ineligible")
    assert models.MANUAL_HOLD_REASONS == ("under_investigation", "disciplinary", "other")
    assert set(models.HOLD_PUBLIC_WORDING) == set(models.HOLD_REASONS)
    # SPEC §3, in its order
    assert list(dict.fromkeys(models.HOLD_PUBLIC_WORDING.values())) == [
        "审核确认逾期", "法律知识更新测试逾期", "审核确认未通过", "法律知识更新测试未通过", "执法主体资格失效", "委托终止",
        "依主持人所持执法证状态", "其他原因暂扣"]
    # a manual hold never shows its reason, nor does the holder's 人员类别
    for reason in ("under_investigation", "disciplinary", "other", "staff_kind_ineligible"):
        assert models.HOLD_PUBLIC_WORDING[reason] == "其他原因暂扣"
    assert Hold(reason="review_overdue").is_system and not Hold(reason="other").is_system
