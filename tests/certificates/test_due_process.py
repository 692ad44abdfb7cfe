"""Notice and a hearing before a certificate is lost, and the correction of a measure taken on a wrong fact
(SPEC §2.7, §2.8; seed 三(二)1 保障行政管理相对人的陈述权、申辩权; 行政处罚法第四十四条 告知、第四十五条 陈述申辩、
第六十二条 未告知或拒绝听取的不得作出 — by analogy).

* 注销 for a finally rejected review, 吊销, 撤销 are first proposed (拟…) with facts, reasons and basis; the officer is
  told (inbox, and their HR) and may state their case or waive it within 5 working days; legal decides only after
  the answer, the waiver or the deadline (on the deadline's last day: not yet; the day after: yes), with the answer
  beside the decision, and the decision notice says how to seek review. The sweep reminds legal once of a proposal
  whose deadline has passed.
* A revocation taken on a wrong fact is set aside (撤销原决定) with reasons: same number, the holds it closed back, the
  public verification valid again, both acts in the history. A 注销 after an officer was marked 调离 by mistake is set
  aside when HR corrected the record within 30 days (day 30: yes; day 31: no).
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import lifecycle, proposals, revocation, sweep
from certificates.models import Certificate, CertificateEvent
from certificates.proposal_models import Proposal
from portal import audit, clock, workdays
from portal.extensions import db
from portal.notify import Notification
from portal.officers import services as officer_services
from tests.certificates.issued import issue
from tests.certificates.test_register_pages import stamp_of
from tests.officers import page

SYSTEM = audit.Actor.system("test")
BASIS = "《行政处罚法》第四十二条；威政办发〔2016〕3号 四（二）3"


@pytest.fixture
def issued(app, world, key_dir, frozen):
    return issue(world.officer, first_issued_on=clock.today() - dt.timedelta(days=300))


def five_working_days_after(day: dt.date) -> dt.date:
    """Counted here on its own: Monday to Friday, no holidays set."""
    counted = 0
    while counted < 5:
        day += dt.timedelta(days=1)
        counted += day.weekday() < 5
    return day


def propose_on_page(client, cert, **fields):
    data = {"kind": "misconduct", "facts": "推搡摊主，经执法记录仪查实", "reasons": "严重违反执法纪律",
            "legal_basis": BASIS, "stamp": stamp_of(cert)} | fields
    return client.post(f"/certificates/{cert.number}/propose", data=data)


def decide_on_page(client, cert, decision: str = "revoke", note: str = "事实清楚，陈述申辩理由不成立"):
    proposal = proposals.open_for(cert.id)
    return client.post(f"/certificates/{cert.number}/decide", data={
        "proposal_id": str(proposal.id), "decision": decision, "note": note, "stamp": stamp_of(cert)})


def the_proposal(cert) -> Proposal:
    db.session.expire_all()
    return db.session.scalars(sa.select(Proposal).where(Proposal.certificate_id == cert.id)
                              .order_by(Proposal.id.desc())).first()


def state(cert) -> tuple[str, str | None]:
    db.session.expire_all()
    fresh = db.session.get(Certificate, cert.id)
    return fresh.status, fresh.revocation_kind


def notices(user_id: int) -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(sa.select(Notification.title, Notification.body).where(
        Notification.user_id == user_id).order_by(Notification.id))]


def test_a_proposal_tells_the_officer_the_facts_and_a_deadline_of_five_working_days(client, auth, world, issued):
    cert = issued.certificate
    auth.login("legal_city")
    response = propose_on_page(client, cert, facts="", legal_basis="")
    assert response.status_code == 422
    assert page.field_errors(response, "propose-facts") == ["请写明事实"]
    assert page.field_errors(response, "propose-legal_basis") == ["请填写法律依据"]
    assert the_proposal(cert) is None

    assert propose_on_page(client, cert).status_code == 302
    proposal = the_proposal(cert)
    assert proposal.answer_by == five_working_days_after(clock.today())
    assert state(cert) == ("active", None)  # nothing decided: the card still verifies as valid
    assert client.get(f"/api/v1/verify/{issued.token}").get_json()["status"] == "valid"
    title, body = notices(world.officer_user.id)[-1]
    assert title.startswith("拟吊销您的行政执法证") and f"{proposal.answer_by.month}月{proposal.answer_by.day}日" in title
    assert "推搡摊主" in body and "严重违反执法纪律" in body and BASIS in body
    assert any("拟吊销" in t for t, _ in notices(world.hr.id))  # HR can pass it on
    detail = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "陈述申辩期限至" in detail and "本人陈述申辩或声明放弃、或期限届满后，方可决定吊销" in detail
    when = f"{proposal.answer_by.year}年{proposal.answer_by.month}月{proposal.answer_by.day}日"
    assert f"，陈述申辩期限至 {when}" in detail and proposal.answer_by.isoformat() not in detail  # the history too
    assert 'value="revoke"' not in detail  # only 不予吊销 may be chosen before the officer is heard
    # one open proposal at a time
    assert propose_on_page(client, cert, kind="fraud").status_code == 302  # told as a conflict
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1


def test_legal_decides_only_after_the_deadline_when_the_officer_is_silent(client, auth, world, issued, frozen):
    cert = issued.certificate
    auth.login("legal_city")
    propose_on_page(client, cert)
    answer_by = the_proposal(cert).answer_by
    frozen(dt.datetime.combine(answer_by, dt.time(17, 0)))   # the deadline's last day: not yet
    auth.logout()
    auth.login("legal_city")  # a week later: signed in again
    response = decide_on_page(client, cert)
    assert response.status_code == 302 and response.location.endswith(f"/certificates/{cert.number}")
    assert state(cert) == ("active", None)
    assert "届满后方可作出决定" in " ".join(page.alerts(client.get(f"/certificates/{cert.number}")))
    frozen(dt.datetime.combine(answer_by + dt.timedelta(days=1), dt.time(9, 0)))  # the day after: decided
    auth.logout()
    auth.login("legal_city")
    assert decide_on_page(client, cert).status_code == 302
    assert state(cert) == ("revoked", "misconduct")
    title, body = notices(world.officer_user.id)[-1]
    assert title == "您的行政执法证已吊销"
    assert "您未在" in body and "申请行政复议" in body and "提起行政诉讼" in body
    assert the_proposal(cert).status == "revoked"


def test_the_officers_statement_lets_legal_decide_and_stands_beside_the_decision(client, auth, world, issued):
    cert = issued.certificate
    auth.login("legal_city")
    propose_on_page(client, cert)
    proposal = the_proposal(cert)
    auth.logout()
    auth.login(world.officer.id_number)
    mine = client.get("/me/certificates").get_data(as_text=True)
    assert "拟吊销" in mine and "推搡摊主" in mine and "陈述申辩期限至" in mine
    empty = client.post(f"/me/certificates/{cert.number}/proposal",
                        data={"proposal_id": str(proposal.id), "action": "state", "body": "  "})
    assert empty.status_code == 422 and "请填写陈述申辩的内容" in empty.get_data(as_text=True)
    assert client.post(f"/me/certificates/{cert.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "state", "body": "当时是对方先动手，我只是阻挡。"}).status_code == 302
    again = client.post(f"/me/certificates/{cert.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "state", "body": "补充"}, follow_redirects=True)
    assert "已就该告知陈述申辩" in again.get_data(as_text=True)
    auth.logout()

    auth.login("legal_city")
    assert decide_on_page(client, cert, note="视频显示系执法人员先推搡，陈述不成立").status_code == 302
    assert state(cert) == ("revoked", "misconduct")
    detail = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "当时是对方先动手" in detail and "视频显示系执法人员先推搡" in detail  # the answer beside the decision
    _, body = notices(world.officer_user.id)[-1]
    assert body.startswith("经告知并听取您的陈述申辩，决定")


def test_a_waiver_needs_its_confirmation_and_then_legal_may_decide_not_to(client, auth, world, issued):
    cert = issued.certificate
    auth.login("legal_city")
    propose_on_page(client, cert)
    proposal = the_proposal(cert)
    auth.logout()
    auth.login(world.officer.id_number)
    unconfirmed = client.post(f"/me/certificates/{cert.number}/proposal",
                              data={"proposal_id": str(proposal.id), "action": "waive"})
    assert unconfirmed.status_code == 422 and the_proposal(cert).waived_at is None
    assert client.post(f"/me/certificates/{cert.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "waive", "confirm": "y"}).status_code == 302
    assert the_proposal(cert).waived_at is not None
    auth.logout()
    auth.login("legal_city")
    assert decide_on_page(client, cert, decision="drop", note="情节轻微，已批评教育").status_code == 302
    assert state(cert) == ("active", None) and the_proposal(cert).status == "dropped"
    assert notices(world.officer_user.id)[-1][0] == "决定不予吊销您的行政执法证"
    assert proposals.open_for(cert.id) is None  # a new proposal may follow later


def test_a_statement_after_the_deadline_is_refused(client, auth, world, issued, frozen):
    cert = issued.certificate
    auth.login("legal_city")
    propose_on_page(client, cert)
    proposal = the_proposal(cert)
    auth.logout()
    frozen(dt.datetime.combine(proposal.answer_by + dt.timedelta(days=1), dt.time(8, 0)))
    auth.login(world.officer.id_number)
    late = client.post(f"/me/certificates/{cert.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "state", "body": "我有话说"}, follow_redirects=True)
    assert "陈述申辩期限已于" in late.get_data(as_text=True) and the_proposal(cert).statement is None


def test_revocation_without_a_heard_proposal_is_refused(world, issued):
    cert = issued.certificate
    for kind in ("misconduct", "fraud"):
        with pytest.raises(Exception) as refused:
            revocation.revoke(cert, kind, actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
        assert getattr(refused.value, "code", "") == "proposal_required"
    proposal = proposals.propose(cert, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS, actor=SYSTEM,
                                 now=clock.now())
    with pytest.raises(Exception) as refused:  # told, not yet heard
        revocation.revoke(cert, "misconduct", actor=SYSTEM, now=clock.now(), legal_basis=BASIS, proposal=proposal)
    assert getattr(refused.value, "code", "") == "proposal_required"
    db.session.rollback()


def test_the_sweep_reminds_legal_once_the_deadline_has_passed(client, auth, world, issued):
    cert = issued.certificate
    proposal = proposals.propose(cert, "fraud", facts="伪造培训证明", reasons="以欺骗手段取得", legal_basis=BASIS,
                                 actor=SYSTEM, now=clock.now())
    db.session.commit()
    quiet = sweep.run(proposal.answer_by, actor=SYSTEM)
    db.session.commit()
    assert not any("拟撤销" in line for line in quiet.lines)
    report = sweep.run(proposal.answer_by + dt.timedelta(days=1), actor=SYSTEM)
    db.session.commit()
    assert any("拟撤销" in line and cert.number in line for line in report.lines)
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.title.like("拟撤销待决定%")))
    assert set(told) == {world.legal_city.id, world.legal_district.id}
    again = sweep.run(proposal.answer_by + dt.timedelta(days=2), actor=SYSTEM)
    assert not any("拟撤销" in line for line in again.lines)


def test_only_legal_in_scope_proposes_and_only_the_holder_answers(client, auth, world, key_dir, frozen):
    theirs = issue(world.other_officer).certificate
    mine = issue(world.officer).certificate
    auth.login("legal_district")  # 环翠区: 文登's certificate is not theirs
    assert propose_on_page(client, theirs).status_code == 404
    auth.logout()
    auth.login("hr")
    assert propose_on_page(client, mine).status_code == 403
    auth.logout()
    proposal = proposals.propose(theirs, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS, actor=SYSTEM,
                                 now=clock.now())
    db.session.commit()
    auth.login(world.officer.id_number)  # 王建国 answers 孙丽明's proposal: neither page nor proposal is his
    assert client.post(f"/me/certificates/{theirs.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "state", "body": "x"}).status_code == 404
    assert client.post(f"/me/certificates/{mine.number}/proposal", data={
        "proposal_id": str(proposal.id), "action": "state", "body": "x"}).status_code == 404


def test_a_revocation_on_a_wrong_fact_is_set_aside_with_its_holds_and_number(client, auth, world, issued):
    cert = issued.certificate
    lifecycle.place_hold(cert, "under_investigation", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    proposal = proposals.propose(cert, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS, actor=SYSTEM,
                                 now=clock.now())
    proposals.waive(proposal, world.officer, actor=SYSTEM, now=clock.now())
    proposals.decide(proposal, "revoke", note="决定", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert client.get(f"/api/v1/verify/{issued.token}").get_json()["status"] == "revoked"
    auth.login("legal_city")
    refused = client.post(f"/certificates/{cert.number}/set-aside", data={"reasons": "", "stamp": stamp_of(cert)})
    assert refused.status_code == 422 and page.field_errors(refused, "set-aside-reasons") == ["请写明撤销原决定的理由"]
    assert client.post(f"/certificates/{cert.number}/set-aside", data={
        "reasons": "视频系他人，认定的事实有误", "confirm": "y", "stamp": stamp_of(cert)}).status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Certificate, cert.id)
    assert (fresh.number, fresh.edition, fresh.status) == (cert.number, 1, "suspended")
    assert [h.reason for h in fresh.open_holds] == ["under_investigation"]  # back to the state it would have had
    assert client.get(f"/api/v1/verify/{issued.token}").get_json()["status"] == "suspended"
    actions = db.session.scalars(sa.select(CertificateEvent.action).where(
        CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id)).all()
    assert actions[-2:] == ["revoke", "set_aside"]
    detail = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "撤销原吊销决定" in detail and "视频系他人" in detail
    assert notices(world.officer_user.id)[-1][0] == "原吊销决定已撤销，您的行政执法证已恢复"


def mark(officer, status: str):
    data = officer_services.OfficerData(
        name=officer.name, gender=officer.gender, birth_date=officer.birth_date, id_number=officer.id_number,
        agency_id=officer.agency_id, post=officer.post, categories=officer.categories, region=officer.region,
        mobile=officer.mobile, email=officer.email, hired_on=officer.hired_on, status=status,
        staff_kind=officer.staff_kind)
    officer_services.update_officer(SYSTEM, officer, data, clock.now())
    db.session.commit()


@pytest.mark.parametrize(("days", "allowed"), [(29, True), (30, True), (31, False)])
def test_a_mistaken_left_post_is_set_aside_when_hr_corrects_it_within_30_days(client, auth, world, issued, frozen,
                                                                                days, allowed):
    cert = issued.certificate
    mark(world.officer, "left_post")
    assert state(cert) == ("revoked", "left_post")
    auth.login("legal_city")
    refusal = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "须由人事管理员先更正人员状态" in refusal  # still recorded as gone: nothing to set aside yet
    frozen(clock.now().replace(tzinfo=None) + dt.timedelta(days=days))
    auth.logout()
    auth.login("legal_city")  # days later: signed in again
    mark(world.officer, "on_duty")
    asked = [title for title, _ in notices(world.legal_city.id) if title.startswith("请确认撤销原注销决定")]
    assert bool(asked) is allowed
    response = client.post(f"/certificates/{cert.number}/set-aside", data={
        "reasons": "误登记为调离", "confirm": "y", "stamp": stamp_of(cert)}, follow_redirects=True)
    if allowed:
        assert state(cert) == ("active", None)
        assert client.get(f"/api/v1/verify/{issued.token}").get_json()["status"] == "valid"
    else:
        assert state(cert) == ("revoked", "left_post")
        assert "须重新参加资格考试" in response.get_data(as_text=True)


def test_working_days_skip_weekends_and_holidays_and_count_adjusted_workdays(app, frozen):
    from portal import policy

    monday = clock.today() - dt.timedelta(days=clock.today().weekday())
    assert workdays.add(monday, 5) == monday + dt.timedelta(days=7)
    friday = monday + dt.timedelta(days=4)
    assert workdays.add(friday, 5) == friday + dt.timedelta(days=7)
    holiday, saturday = monday + dt.timedelta(days=8), monday + dt.timedelta(days=12)
    policy.update(SYSTEM, {"calendar.holidays": [holiday.isoformat()],
                           "calendar.extra_workdays": [saturday.isoformat()]})
    assert workdays.add(friday, 5) == friday + dt.timedelta(days=8)   # the Tuesday holiday pushes it a day
    assert workdays.add(friday + dt.timedelta(days=7), 1) == saturday  # the adjusted Saturday is a working day
    with pytest.raises(Exception, match="不是日期"):
        policy.update(SYSTEM, {"calendar.holidays": ["明年元旦"]})
    db.session.rollback()


def test_legal_finds_the_proposals_that_wait_for_a_decision(client, auth, world, key_dir, frozen):
    mine, other = issue(world.officer).certificate, issue(world.officer2).certificate
    proposal = proposals.propose(mine, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS, actor=SYSTEM,
                                 now=clock.now())
    db.session.commit()
    auth.login("legal_city")
    home = client.get("/home").get_data(as_text=True)
    assert 'data-count="proposals_to_decide">0<span class="fs-6 text-secondary"> / 1' in home
    listed = client.get("/certificates?proposal=open").get_data(as_text=True)
    assert mine.number in listed and other.number not in listed
    by = f"{proposal.answer_by.year}年{proposal.answer_by.month}月{proposal.answer_by.day}日"
    assert "拟吊销</span> 陈述申辩至 " + by in listed  # what is proposed, and until when the officer may answer
    frozen(dt.datetime.combine(proposal.answer_by + dt.timedelta(days=1), dt.time(9)))
    auth.logout()
    auth.login("legal_city")
    home = client.get("/home").get_data(as_text=True)
    assert 'data-count="proposals_to_decide">1<span class="fs-6 text-secondary"> / 1' in home
    assert "拟吊销</span> <span class=\"text-danger\">可作决定" in client.get("/certificates?proposal=open").get_data(
        as_text=True)


def test_the_officers_home_says_what_to_answer_and_by_when(client, auth, world, issued):
    proposal = proposals.propose(issued.certificate, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS,
                                 actor=SYSTEM, now=clock.now())
    db.session.commit()
    auth.login(world.officer.id_number)
    home = client.get("/home").get_data(as_text=True)
    by = f"{proposal.answer_by.year}年{proposal.answer_by.month}月{proposal.answer_by.day}日"
    assert "法制机构拟吊销您的行政执法证（违法违纪）" in home and by in home
    proposals.waive(proposal, world.officer, actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert "法制机构拟吊销" not in client.get("/home").get_data(as_text=True)


def test_a_leave_or_retirement_cancellation_stands_on_hrs_record(client, auth, world, issued):
    cert = issued.certificate
    auth.login("legal_city")
    refused = client.post(f"/certificates/{cert.number}/revoke", data={
        "kind": "left_post", "confirm": "y", "stamp": stamp_of(cert)}, follow_redirects=True)
    assert "人员登记为“在岗”，不能以“调离执法岗位”注销" in refused.get_data(as_text=True)
    assert state(cert) == ("active", None)


def test_a_correction_late_on_day_30_still_counts(client, auth, world, issued, frozen):
    cert = issued.certificate
    mark(world.officer, "left_post")                                   # revoked at 09:00
    frozen(dt.datetime.combine(clock.today() + dt.timedelta(days=30), dt.time(15, 0)))
    mark(world.officer, "on_duty")                                     # corrected at 15:00 on day 30
    assert revocation.correction_refusal(db.session.get(Certificate, cert.id), clock.today()) is None


def test_setting_aside_follows_what_changed_meanwhile(client, auth, world, issued, frozen):
    cert = issued.certificate
    presider = issue(world.officer, type="hearing_presider").certificate
    for certificate in (cert, presider):
        proposal = proposals.propose(certificate, "fraud", facts="事实", reasons="理由", legal_basis=BASIS,
                                     actor=SYSTEM, now=clock.now())
        proposals.waive(proposal, world.officer, actor=SYSTEM, now=clock.now())
        proposals.decide(proposal, "revoke", note="决定理由甲乙丙", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert "理由：决定理由甲乙丙" in notices(world.officer_user.id)[-1][1]  # the reasons reach the officer
    # the presider's card set aside alone: it follows the enforcement card, still revoked
    revocation.set_aside(presider, reasons="事实有误", actor=SYSTEM, now=clock.now())
    db.session.commit()
    db.session.expire_all()
    fresh = db.session.get(Certificate, presider.id)
    assert fresh.status == "suspended" and [h.reason for h in fresh.open_holds] == ["enforcement_certificate_inactive"]
    # the holder became 劳务派遣 meanwhile: the card returns held for it
    world.officer.staff_kind = "dispatched"
    db.session.commit()
    revocation.set_aside(cert, reasons="事实有误", actor=SYSTEM, now=clock.now())
    db.session.commit()
    db.session.expire_all()
    assert [h.reason for h in db.session.get(Certificate, cert.id).open_holds] == ["staff_kind_ineligible"]


def test_no_set_aside_for_an_officer_who_has_since_retired(world, issued):
    cert = issued.certificate
    proposal = proposals.propose(cert, "misconduct", facts="事实", reasons="理由", legal_basis=BASIS, actor=SYSTEM,
                                 now=clock.now())
    proposals.waive(proposal, world.officer, actor=SYSTEM, now=clock.now())
    proposals.decide(proposal, "revoke", note="决定", actor=SYSTEM, now=clock.now())
    world.officer.status, world.officer.status_changed_on = "retired", clock.today()
    db.session.commit()
    with pytest.raises(Exception, match="人员现登记为“退休”"):
        revocation.set_aside(cert, reasons="事实有误", actor=SYSTEM, now=clock.now())
    db.session.rollback()


def test_a_proposal_may_be_withdrawn_at_once_and_a_second_is_refused_with_a_message(client, auth, world, issued):
    cert = issued.certificate
    auth.login("legal_city")
    propose_on_page(client, cert)
    again = client.post(f"/certificates/{cert.number}/propose", data={
        "kind": "left_post", "facts": "x", "reasons": "y", "legal_basis": BASIS, "stamp": stamp_of(cert)},
        follow_redirects=True)
    assert "已有待决定的拟注销" in again.get_data(as_text=True)
    assert decide_on_page(client, cert, decision="drop", note="经核实不属实").status_code == 302  # before any answer
    assert the_proposal(cert).status == "dropped" and state(cert) == ("active", None)
