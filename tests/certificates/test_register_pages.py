"""Certificate pages (SPEC §2.7, issue 6): the register in scope with due dates, a certificate's page with its
history and the legal office's actions through the forms, a stale page told of a change made meanwhile, and the
officer's own certificates where they answer a hold in writing — which legal then sees beside the hold."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from certificates import answers, lifecycle
from certificates.models import Answer, Certificate, Edition
from portal import audit, clock
from portal.extensions import db

SYSTEM = audit.Actor.system("test")
BASIS = "威政办发〔2016〕3号 四（二）3"


@pytest.fixture
def cert(app, world, key_dir, frozen):
    made = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=SYSTEM,
                           now=clock.now() - dt.timedelta(days=700))
    db.session.commit()
    return made


def stamp_of(cert) -> str:
    db.session.refresh(cert)
    return lifecycle.stamp(cert)


def test_the_register_lists_certificates_in_scope_with_due_dates(client, auth, world, cert):
    auth.login("hr")
    page = client.get("/certificates").get_data(as_text=True)
    assert cert.number in page and "王建国" in page
    # issued 700 days ago: the review falls due in 30 days (dark red), the update test later
    assert "status-due" in page and "30 天后到期" in page
    auth.logout()
    auth.login("hr_other")
    assert cert.number not in client.get("/certificates").get_data(as_text=True)
    assert client.get(f"/certificates/{cert.number}").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get("/certificates").status_code == 403


def test_a_mistyped_or_unknown_number_is_404(client, auth, world, cert):
    auth.login("legal_city")
    wrong = cert.number[:-1] + ("0" if cert.number[-1] != "0" else "1")
    assert client.get(f"/certificates/{wrong}").status_code == 404
    assert client.get("/certificates/371000126099999").status_code in (404,)


def test_legal_holds_then_reinstates_through_the_page(client, auth, world, cert):
    auth.login("legal_city")
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "暂扣证件" in page and "确认注销" in page and "告知本人" in page
    response = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "under_investigation", "legal_basis": BASIS, "note": "举报核查", "stamp": stamp_of(cert)})
    assert response.status_code == 302
    db.session.expire_all()
    assert cert.status == "suspended"
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "立案调查" in page and "举报核查" in page and "人工暂扣" in page
    response = client.post(f"/certificates/{cert.number}/reinstate", data={"note": "核查完毕", "stamp": stamp_of(cert)})
    assert response.status_code == 302
    db.session.expire_all()
    assert cert.status == "active"
    history = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert history.count('data-action="') == 3  # issue, hold, lift


def test_legal_chooses_what_the_public_reads_of_a_manual_hold(client, auth, world, cert):
    """Issue 13: a manual hold always read 其他原因暂扣 publicly, and the form did not say what the public would see.
    The form says it; the neutral wording stays the default, and legal may name the reason where it fits."""
    from certificates import verification
    from certificates.models import Edition

    token = db.session.scalar(sa.select(Edition.token).where(Edition.certificate_id == cert.id))
    auth.login("legal_city")
    form = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "公众核验时显示" in form and "其他原因暂扣（默认：不公开具体原因）" in form
    wrong = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "other", "legal_basis": BASIS, "public_text": "因立案调查暂扣", "stamp": stamp_of(cert)})
    assert wrong.status_code == 422 and "“其他原因”可选的公开表述：其他原因暂扣" in wrong.get_data(as_text=True)
    assert client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "under_investigation", "legal_basis": BASIS, "public_text": "因立案调查暂扣",
        "stamp": stamp_of(cert)}).status_code == 302
    assert verification.resolve(token, clock.today()).certificate.holds == ("因立案调查暂扣",)
    assert "因立案调查暂扣" in client.get(f"/v/{token}").get_data(as_text=True)
    second = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "disciplinary", "legal_basis": BASIS, "stamp": stamp_of(cert)})
    assert second.status_code == 302  # not choosing is the neutral wording
    assert verification.resolve(token, clock.today()).certificate.holds == ("因立案调查暂扣", "其他原因暂扣")
    shown = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    wordings = re.findall(r'<div class="small public-wording">扫码核验公开为：(.*?)</div>', shown)
    assert sorted(wordings) == ["其他原因暂扣", "因立案调查暂扣"], "each open hold says what the public reads of it"


def test_a_hold_without_legal_basis_is_refused_beside_the_field(client, auth, world, cert):
    auth.login("legal_city")
    response = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "other", "legal_basis": "", "stamp": stamp_of(cert)})
    assert response.status_code == 422 and "暂扣须写明法律依据" in response.get_data(as_text=True)
    response = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "review_overdue", "legal_basis": BASIS, "stamp": stamp_of(cert)})
    assert response.status_code == 422  # a system reason is not offered, and not accepted
    db.session.expire_all()
    assert cert.status == "active"


def test_reinstate_with_a_system_hold_left_says_which(client, auth, world, cert):
    lifecycle.ensure_hold(cert, "review_overdue", actor=SYSTEM, now=clock.now())
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    auth.login("legal_city")
    response = client.post(f"/certificates/{cert.number}/reinstate", data={"stamp": stamp_of(cert)},
                           follow_redirects=True)
    assert "仍有系统暂扣：审核确认逾期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.status == "suspended" and len(cert.open_holds) == 2


def test_a_page_opened_before_someone_else_changed_the_certificate_is_told(client, auth, world, cert):
    auth.login("legal_city")
    seen = stamp_of(cert)
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now() + dt.timedelta(seconds=5), legal_basis=BASIS)
    db.session.commit()
    response = client.post(f"/certificates/{cert.number}/revoke", data={
        "kind": "left_post", "confirm": "y", "stamp": seen}, follow_redirects=True)
    assert "证件状态已被他人更改" in response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.status == "suspended"


def test_revocation_asks_for_confirmation_and_offers_only_the_kinds_that_follow_a_fact(client, auth, world, cert):
    auth.login("legal_city")
    response = client.post(f"/certificates/{cert.number}/revoke", data={"kind": "left_post", "stamp": stamp_of(cert)})
    assert response.status_code == 422 and "请确认已核实" in response.get_data(as_text=True)
    # 吊销 is proposed first (tests/certificates/test_due_process.py): the 注销 form does not take it
    response = client.post(f"/certificates/{cert.number}/revoke", data={
        "kind": "misconduct", "legal_basis": "《行政处罚法》", "confirm": "y", "stamp": stamp_of(cert)})
    assert response.status_code == 422
    db.session.expire_all()
    assert cert.status == "active"
    response = client.post(f"/certificates/{cert.number}/revoke", data={
        "kind": "deceased", "confirm": "y", "stamp": stamp_of(cert)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (cert.status, cert.revocation_kind) == ("revoked", "deceased")
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "已注销" in page and "暂扣证件" not in page  # no actions on a revoked certificate but setting it aside
    assert "撤销原注销决定" in page


def test_reissue_through_the_page(client, auth, world, cert):
    auth.login("legal_city")
    response = client.post(f"/certificates/{cert.number}/reissue", data={
        "reason": "reissue", "agency_id": str(world.dept.id), "categories": ["城市管理"], "region": "环翠区全域",
        "note": "遗失", "stamp": stamp_of(cert)})
    assert response.status_code == 302
    db.session.expire_all()
    assert cert.edition == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 2
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "第 2 版" in page and "已换发" in page
    response = client.post(f"/certificates/{cert.number}/reissue", data={
        "reason": "renewal", "agency_id": "999999", "categories": ["城市管理"], "region": "x",
        "stamp": stamp_of(cert)})
    assert response.status_code == 422 and "请选择管辖范围内的单位" in response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.edition == 2


def test_hr_sees_but_does_not_act(client, auth, world, cert):
    auth.login("hr")
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert cert.number in page and "暂扣证件" not in page
    for action in ("hold", "lift", "reinstate", "revoke", "reissue"):
        assert client.post(f"/certificates/{cert.number}/{action}", data={}).status_code == 403


def test_the_officer_answers_a_hold_and_legal_sees_it_beside_the_hold(client, auth, world, cert):
    hold = lifecycle.place_hold(cert, "disciplinary", actor=SYSTEM, now=clock.now(), legal_basis=BASIS,
                                note="内部备注不给本人看")
    db.session.commit()
    auth.login(world.officer.id_number)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert "纪律处分" in page and BASIS in page and "内部备注不给本人看" not in page
    response = client.post(f"/me/certificates/{cert.number}/answer", data={"hold_id": str(hold.id), "body": ""})
    assert response.status_code == 422 and "请填写陈述申辩的内容" in response.get_data(as_text=True)
    response = client.post(f"/me/certificates/{cert.number}/answer",
                           data={"hold_id": str(hold.id), "body": "该处分正在复核中。"})
    assert response.status_code == 302
    assert "该处分正在复核中。" in client.get("/me/certificates").get_data(as_text=True)
    auth.logout()
    auth.login("legal_city")
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "本人陈述申辩" in page and "该处分正在复核中。" in page


def test_an_officer_cannot_answer_for_someone_else(client, auth, world, cert):
    other = lifecycle.issue(world.officer2, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    hold = lifecycle.place_hold(other, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    auth.login(world.officer.id_number)
    assert client.post(f"/me/certificates/{other.number}/answer",
                       data={"hold_id": str(hold.id), "body": "x"}).status_code == 404
    own_hold = lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    # another certificate's hold through one's own certificate's address
    assert client.post(f"/me/certificates/{cert.number}/answer",
                       data={"hold_id": str(hold.id), "body": "x"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
    assert own_hold.id != hold.id


def test_the_officer_sees_their_due_dates_and_no_other_certificate(client, auth, world, cert):
    auth.login(world.officer.id_number)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert cert.number in page and "下次审核确认" in page
    assert client.get(f"/certificates/{cert.number}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_home_pages_answer_the_first_question_of_the_day(client, auth, world, cert):
    from certificates.applications import services

    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    services.apply(SYSTEM, world.hr, world.officer, "hearing_presider", ["城市管理"], "", "", clock.now())
    db.session.commit()
    auth.login(world.officer.id_number)
    page = client.get("/home").get_data(as_text=True)
    assert cert.number in page and "暂扣原因：其他原因" in page and "30 天后到期" in page
    auth.logout()
    for user in ("hr", "legal_city"):
        auth.login(user)
        page = client.get("/home").get_data(as_text=True)
        assert 'data-count="pending_applications">1<' in page and 'data-count="suspended">1<' in page
        auth.logout()
    auth.login("hr")
    assert 'data-count="reviews_to_submit">1<' in client.get("/home").get_data(as_text=True)  # due in 30 days
    auth.logout()
    from certificates.reviews import services as reviews

    reviews.submit(SYSTEM, world.hr, cert, "", clock.now())
    db.session.commit()
    auth.login("legal_city")
    assert 'data-count="reviews_to_decide">1<' in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("hr")
    assert 'data-count="reviews_to_submit">0<' in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("hr_other")
    page = client.get("/home").get_data(as_text=True)
    assert 'data-count="pending_applications">0<' in page and 'data-count="suspended">0<' in page


def test_a_reissue_moves_a_certificate_only_to_a_valid_body(client, auth, world, cert):
    from tests.factories import make_agency

    pending = make_agency(world.district, name="环翠区某待确认单位", short_name="待确认", qualification_status="pending",
                          qualification_decided_on=None, announced_on=None)
    auth.login("legal_city")
    offered = re.search(r'<select[^>]*name="agency_id"[^>]*>(.*?)</select>',
                        client.get(f"/certificates/{cert.number}").get_data(as_text=True), re.S).group(1)
    values = set(re.findall(r'value="(\d+)"', offered))
    assert str(world.dept.id) in values and str(pending.id) not in values, "the form offers only units it accepts"
    assert str(world.city.id) not in values or world.city.is_valid_body(clock.today())
    response = client.post(f"/certificates/{cert.number}/reissue", data={
        "reason": "renewal", "agency_id": str(pending.id), "categories": ["城市管理"], "region": "环翠区",
        "stamp": stamp_of(cert)})
    assert response.status_code == 422 and "须为已确认并公告的执法主体" in response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.edition == 1 and cert.agency_id == world.dept.id


def test_the_private_note_is_for_the_legal_office_only(client, auth, world, cert):
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS, note="PRIVATE-NOTE-XYZ")
    db.session.commit()
    auth.login("hr")
    assert "PRIVATE-NOTE-XYZ" not in client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    auth.logout()
    auth.login("legal_city")
    assert "PRIVATE-NOTE-XYZ" in client.get(f"/certificates/{cert.number}").get_data(as_text=True)


def test_the_revocation_note_is_kept_for_the_legal_office(client, auth, world, cert):
    auth.login("legal_city")
    client.post(f"/certificates/{cert.number}/revoke", data={
        "kind": "deceased", "confirm": "y", "note": "REVOKE-NOTE-ABC", "stamp": stamp_of(cert)})
    assert "REVOKE-NOTE-ABC" in client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    auth.logout()
    auth.login("hr")
    assert "REVOKE-NOTE-ABC" not in client.get(f"/certificates/{cert.number}").get_data(as_text=True)


def test_a_form_without_its_stamp_changes_nothing(client, auth, world, cert):
    auth.login("legal_city")
    response = client.post(f"/certificates/{cert.number}/hold", data={
        "reason": "other", "legal_basis": BASIS}, follow_redirects=True)
    assert "页面已过期" in response.get_data(as_text=True)
    for garbage in ("yesterday", "2026-11-26T09:00:00"):  # unreadable, or without its time zone
        client.post(f"/certificates/{cert.number}/hold", data={"reason": "other", "legal_basis": BASIS,
                                                                "stamp": garbage})
    db.session.expire_all()
    assert cert.status == "active"


def test_an_answer_stays_beside_its_hold_after_the_hold_is_lifted(client, auth, world, cert):
    hold = lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    answers.answer(cert, world.officer, "ANSWER-KEPT", actor=SYSTEM, now=clock.now(), hold_id=hold.id)
    lifecycle.reinstate(cert, actor=SYSTEM, now=clock.now())
    db.session.commit()
    auth.login("legal_city")
    assert "ANSWER-KEPT" in client.get(f"/certificates/{cert.number}").get_data(as_text=True)


def test_the_revoke_form_can_open_with_a_kind_chosen(client, auth, world, cert):
    auth.login("legal_city")
    page = client.get(f"/certificates/{cert.number}?kind=review_rejected_final").get_data(as_text=True)
    assert 'id="revoke"' in page and '<option selected value="review_rejected_final">' in page
