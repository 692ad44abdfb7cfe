"""Enrolment by name (issue 5): ID numbers or names pasted one per line, each bad line named and nothing stored;
idempotent; within the exam's jurisdiction; newly enrolled officers with an account are notified (once the exam
is published — a draft's enrolled officers hear at publishing); removal, but not of someone who sat it."""
from __future__ import annotations

import pytest

from exams.papers import enrolment as services
from exams.papers.models import Enrolment
from portal import clock
from portal.extensions import db
from portal.officers import idcard
from tests.exams.papers.helpers import audits, inbox, make_exam, questions, sit, text
from tests.factories import SYSTEM, make_officer, make_officer_account


@pytest.fixture
def exam(legal):
    questions(legal.city, 5)
    return make_exam(legal.district, audience="officers", title="听证主持人考试")


def enrolled(exam) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(db.select(Enrolment.officer_id).where(Enrolment.exam_id == exam.id)))


def paste(client, exam, *lines):
    return client.post(f"/exams/{exam.id}/enrolments", data={"lines": "\n".join(lines)})


def test_legal_enrols_by_id_number_or_name_and_the_officer_is_notified(legal, client, exam):
    response = paste(client, exam, f" {legal.officer.id_number.lower()} ", "", "赵敏华")
    assert response.status_code == 302
    assert enrolled(exam) == sorted([legal.officer.id, legal.officer2.id])
    [note] = inbox(legal.officer_user)  # 赵敏华 has no account: nobody to tell
    assert note.title == "考试报名通知：听证主持人考试" and note.link == services.MINE_PATH
    assert "2026-11-27 09:00 至 2026-11-27 17:00" in note.body
    [entry] = audits("exam.enrol")
    assert entry.change == {"officers": [legal.officer.id, legal.officer2.id], "source": "manual", "notified": 1}
    listing = client.get(f"/exams/{exam.id}/enrolments")
    assert "王建国" in text(listing) and idcard.mask(legal.officer.id_number) in text(listing)
    assert legal.officer.id_number not in listing.get_data(as_text=True)


def test_enrolling_again_adds_nothing_and_tells_nobody_twice(legal, client, exam):
    paste(client, exam, legal.officer.id_number)
    response = paste(client, exam, legal.officer.id_number, legal.officer2.id_number)
    assert response.status_code == 302
    assert "已报名 1 人，1 人此前已报名" in text(client.get(response.headers["Location"]))
    assert len(inbox(legal.officer_user)) == 1
    assert services.enrol(SYSTEM, exam, [legal.officer.id], "sweep", clock.now()) == []


def test_each_bad_line_is_named_and_nothing_is_stored(legal, client, exam):
    make_officer(legal.dept2, name="王建国")  # a second 王建国 in the district
    wrong_check = legal.officer.id_number[:17] + ("0" if legal.officer.id_number[17] != "0" else "1")
    response = paste(client, exam, legal.officer2.id_number, wrong_check, legal.other_officer.id_number,
                     "王建国", "李不存在", "12345")
    assert response.status_code == 422
    page = text(response)
    assert "第 2 行：身份证号校验位不正确，请核对是否输错" in page
    assert f"第 3 行：本考试辖区内没有身份证号为 {idcard.mask(legal.other_officer.id_number)} 的执法人员" in page
    assert "第 4 行：辖区内有 2 名“王建国”" in page and "请改填身份证号" in page
    assert "第 5 行：本考试辖区内没有名为“李不存在”的在岗执法人员" in page
    assert "第 6 行：“12345”既不是有效的身份证号，也不像姓名" in page
    assert "第 1 行" not in page
    assert legal.officer2.id_number in response.get_data(as_text=True)  # the typed box is kept
    assert enrolled(exam) == [] and audits("exam.enrol") == []


def test_an_empty_box_is_refused(legal, client, exam):
    response = paste(client, exam, "", "  ")
    assert response.status_code == 422 and "请填写要报名人员的身份证号或姓名，每行一个" in text(response)


def test_an_officer_not_on_duty_is_refused_by_name_of_the_line(legal, client, exam):
    legal.officer2.status, legal.officer2.status_changed_on = "retired", clock.today()
    db.session.commit()
    response = paste(client, exam, legal.officer2.id_number)
    assert response.status_code == 422 and "赵敏华目前不在岗，不能报名" in text(response)


def test_the_sweep_enrols_through_the_service_outside_the_jurisdiction_refused(world, frozen):
    questions(world.city, 5)
    exam = make_exam(world.district, audience="everyone")
    with pytest.raises(services.DomainError) as caught:
        services.enrol(SYSTEM, exam, [world.officer.id, world.other_officer.id], "sweep", clock.now())
    db.session.rollback()
    assert caught.value.items == [{"index": 1, "field": "officer_ids",
                                   "message": f"执法人员（编号 {world.other_officer.id}）不存在或不在本考试的辖区内"}]
    assert services.enrol(SYSTEM, exam, [world.officer.id], "sweep", clock.now()) == [world.officer.id]
    db.session.commit()
    assert db.session.get(Enrolment, (exam.id, world.officer.id)).source == "sweep"


def test_a_drafts_enrolled_officers_are_told_when_it_is_published(legal, client):
    questions(legal.city, 5)
    draft = make_exam(legal.city, publish=False, audience="officers", title="草稿考试")
    paste(client, draft, legal.officer.id_number)
    assert inbox(legal.officer_user) == []
    client.post(f"/exams/{draft.id}/publish")
    [note] = inbox(legal.officer_user)
    assert note.title == "考试报名通知：草稿考试"


def test_removing_an_enrolment_but_not_after_the_officer_sat_it(legal, client, exam):
    paste(client, exam, legal.officer.id_number, legal.officer2.id_number)
    assert client.post(f"/exams/{exam.id}/enrolments", data={"remove": str(legal.officer2.id)}).status_code == 302
    assert enrolled(exam) == [legal.officer.id]
    assert audits("exam.unenrol")[0].change == {"officer": legal.officer2.id}
    sit(exam, legal.officer)
    response = client.post(f"/exams/{exam.id}/enrolments", data={"remove": str(legal.officer.id)})
    assert response.status_code == 409 and "该人员已参加本考试，不能取消报名" in text(response)
    assert "已参加考试" in text(client.get(f"/exams/{exam.id}/enrolments"))
    assert enrolled(exam) == [legal.officer.id]


def test_an_officer_account_is_needed_for_a_notice(legal, client, exam):
    make_officer_account(legal.officer2)
    paste(client, exam, "赵敏华")
    assert len(inbox(db.session.scalars(db.select(services.User).where(
        services.User.officer_id == legal.officer2.id)).one())) == 1
