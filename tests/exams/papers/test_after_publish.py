"""What may change after publishing (issue 5): everything while nobody has started (and checked again); once an
attempt exists only a later close (not in the past), a wider audience and the enrolments — the page says so."""
from __future__ import annotations

import datetime as dt

import pytest

from exams.papers import blueprint, services, values
from exams.papers.models import ExamAgency
from portal import clock
from portal.extensions import db
from tests.exams.papers.helpers import audits, exams, field_errors, form, make_exam, questions, sit, text


@pytest.fixture
def published(legal):
    questions(legal.city, 8)
    return make_exam(legal.city, title="公开考试")


def edit(client, exam, **fields):
    return client.post(f"/exams/{exam.id}/edit", data=form(**fields))


def test_before_any_attempt_everything_can_change_and_is_checked_again(legal, client, published):
    page = client.get(f"/exams/{published.id}/edit")
    assert "仍可修改全部内容" in text(page)
    response = edit(client, published, title="改名后的考试", duration_minutes="90", pass_mark="12",
                    rows=[{"category": "行政处罚法", "count": "8", "points": "2"}])
    assert response.status_code == 302
    [exam] = exams()
    assert (exam.title, exam.duration_minutes, exam.pass_mark, exam.question_count) == ("改名后的考试", 90, 12, 8)
    entry = audits("exam.update")[0]
    assert entry.change["title"] == ["公开考试", "改名后的考试"]
    assert entry.change["sections"][1] == [["行政处罚法", "行政处罚法", None, None, 8, 2]]
    response = edit(client, published, rows=[{"category": "行政处罚法", "count": "9", "points": "2"}])
    assert field_errors(response)["sections-0-count"] == ("第 1 部分“行政处罚法”：题库中符合条件的启用试题仅 8 道，"
                                                          "本部分需要 9 道")


def test_after_the_first_attempt_the_blueprint_and_the_rest_are_locked(legal, client, published):
    sit(published, legal.officer, status="open")
    page = client.get(f"/exams/{published.id}/edit")
    assert services.LOCKED_MESSAGE in text(page)
    assert 'name="title"' not in page.get_data(as_text=True)
    assert services.LOCKED_MESSAGE in text(client.get(f"/exams/{published.id}"))
    # a crafted post cannot change a locked field: the service refuses it
    data = services.ExamData(title="新名字", purpose="practice", duration_minutes="60",
                             opens_at=published.opens_at, closes_at=published.closes_at, audience="everyone",
                             pass_mark=str(published.pass_mark), max_attempts="2",
                             sections=[blueprint.SectionRow(0, "行政处罚法", "行政处罚法", "", "", "5", "2")])
    with pytest.raises(services.DomainError) as caught:
        services.update_exam(services.audit.Actor.system("t"), None, published, data, clock.now())
    db.session.rollback()
    assert caught.value.items == [{"field": "title", "message": services.LOCKED_MESSAGE}]


@pytest.mark.parametrize(("closes", "error"), [
    ("2026-11-27T16:59:59", "已有人员参加本考试，结束时间只能延后，不能早于原定的 2026-11-27 17:00"),
    ("2026-11-27T17:00", None),
    ("2026-11-28T17:00", None),
])
def test_after_the_first_attempt_the_close_only_moves_later(legal, client, published, closes, error):
    sit(published, legal.officer)
    response = edit(client, published, closes_at=closes, title="忽略", rows=[])
    if error:
        assert response.status_code == 422 and field_errors(response)["closes_at"] == error
    else:
        assert response.status_code == 302
        [exam] = exams()
        assert exam.closes_at == values.parse_moment(closes) and exam.title == "公开考试"


def test_after_the_first_attempt_the_close_cannot_be_in_the_past(legal, client, frozen):
    questions(legal.city, 5)
    exam = make_exam(legal.city, opens_at="2026-11-26T08:00", closes_at="2026-11-26T09:10")
    sit(exam, legal.officer)
    frozen("2026-11-26T09:20")  # the window closed ten minutes ago
    response = edit(client, exam, closes_at="2026-11-26T09:20")
    assert field_errors(response)["closes_at"] == "结束时间（2026-11-26 09:20）已过，请设定将来的时间"
    # nor in the future: the answers have been shown since the close (see the next test)
    assert field_errors(edit(client, exam, closes_at="2026-11-26T09:20:01"))["closes_at"] == services.CLOSED_MESSAGE


@pytest.mark.parametrize(("moment", "error"), [
    ("2026-11-26T09:09:59", None),                      # a second before the close: it may still move later
    ("2026-11-26T09:10:00", services.CLOSED_MESSAGE),   # at the close the answers are shown: it stays closed
], ids=["a_second_before", "at_the_close"])
def test_a_closed_exam_with_attempts_is_not_reopened(legal, client, frozen, moment, error):
    questions(legal.city, 5)
    exam = make_exam(legal.city, opens_at="2026-11-26T08:00", closes_at="2026-11-26T09:10")
    sit(exam, legal.officer)
    frozen(moment)
    response = edit(client, exam, closes_at="2026-11-26T12:00")
    [stored] = exams()
    if error:
        assert response.status_code == 422 and field_errors(response) == {"closes_at": error}
        assert stored.closes_at == values.parse_moment("2026-11-26T09:10")
        assert audits("exam.update") == []
    else:
        assert response.status_code == 302
        assert stored.closes_at == values.parse_moment("2026-11-26T12:00")


def test_after_the_first_attempt_the_audience_may_only_widen(legal, client, frozen):
    questions(legal.city, 5)
    exam = make_exam(legal.city, audience="agencies", agency_ids=[str(legal.dept.id)])
    sit(exam, legal.officer)
    narrower = edit(client, exam, audience="agencies", agency_ids=[str(legal.dept2.id)])
    assert field_errors(narrower)["audience"] == "已有人员参加本考试，考试范围只能扩大，不能缩小"
    assert field_errors(edit(client, exam, audience="officers"))["audience"] == \
        "已有人员参加本考试，考试范围只能扩大，不能缩小"
    wider = edit(client, exam, audience="agencies", agency_ids=[str(legal.district.id)])
    assert wider.status_code == 302
    assert [row.agency_id for row in db.session.scalars(db.select(ExamAgency))] == [legal.district.id]
    assert edit(client, exam, audience="everyone").status_code == 302
    assert field_errors(edit(client, exam, audience="agencies", agency_ids=[str(legal.city.id)]))["audience"]
    assert exams()[0].audience == "everyone"


def test_after_the_first_attempt_enrolments_still_change(legal, client, published):
    sit(published, legal.officer)
    response = client.post(f"/exams/{published.id}/enrolments", data={"lines": legal.officer2.id_number})
    assert response.status_code == 302
    assert client.post(f"/exams/{published.id}/enrolments", data={"remove": str(legal.officer2.id)}).status_code == 302


def test_publish_refuses_a_window_already_over(legal, client, frozen):
    questions(legal.city, 5)
    exam = make_exam(legal.city, publish=False, opens_at="2026-11-26T08:00", closes_at="2026-11-26T09:10")
    frozen(dt.datetime(2026, 11, 26, 9, 10))
    response = client.post(f"/exams/{exam.id}/publish", follow_redirects=True)
    assert "考试结束时间（2026-11-26 09:10）已过，请先修改考试时间" in text(response)
    assert exams()[0].status == "draft"
