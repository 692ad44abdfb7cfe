"""The blueprint check (SPEC §2.6, issue 5): a blueprint the bank cannot fill is refused when saved and when
published, naming the short section; exactly enough active questions is accepted; sections drawing from the same
category — or from overlapping pools — must be fillable together."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from exams.bank.models import Question
from exams.papers import services
from portal import clock
from portal.errors import DomainError
from portal.extensions import db
from tests.exams.papers.helpers import (
    exam_data,
    exams,
    field_errors,
    form,
    make_exam,
    questions,
    section,
    text,
)
from tests.factories import SYSTEM


def refusal(world, sections) -> list[str]:
    with pytest.raises(DomainError) as caught:
        services.create_exam(SYSTEM, None, exam_data(world.city, sections), clock.now())
    db.session.rollback()
    return [item["message"] for item in caught.value.items]


def test_a_section_the_bank_cannot_fill_is_refused_on_the_page_naming_it(legal, client):
    questions(legal.city, 12, "行政许可法")
    questions(legal.city, 5, "行政处罚法")
    response = client.post("/exams/new", data=form(legal.city, rows=[
        {"category": "行政处罚法", "count": "5", "points": "2"},
        {"title": "行政许可法", "category": "行政许可法", "count": "15", "points": "2"}]))
    assert response.status_code == 422
    message = "第 2 部分“行政许可法”：题库中符合条件的启用试题仅 12 道，本部分需要 15 道"
    assert field_errors(response)["sections-1-count"] == message
    assert message in text(response)
    assert exams() == []


def test_the_pool_is_checked_even_when_other_fields_are_wrong(legal, client):
    questions(legal.city, 3)
    response = client.post("/exams/new", data=form(legal.city, title="", rows=[
        {"category": "行政处罚法", "count": "4", "points": "2"}]))
    assert field_errors(response) == {
        "title": "请填写考试名称",
        "sections-0-count": "第 1 部分“行政处罚法”：题库中符合条件的启用试题仅 3 道，本部分需要 4 道"}


def test_exactly_enough_active_questions_is_accepted(legal, client):
    questions(legal.city, 15, "行政许可法")
    response = client.post("/exams/new", data=form(legal.city, rows=[
        {"title": "行政许可法", "category": "行政许可法", "count": "15", "points": "2"}]))
    assert response.status_code == 302
    [exam] = exams()
    assert [(s.category, s.count, s.points) for s in exam.sections] == [("行政许可法", 15, 2)]


def test_only_active_questions_of_the_sections_filters_count(world, frozen):
    questions(world.city, 4, "行政许可法", kind="single", tag="城市管理")
    questions(world.city, 3, "行政许可法", kind="single", tag="城市管理", status="draft")
    questions(world.city, 3, "行政许可法", kind="single", tag="城市管理", status="retired")
    questions(world.city, 3, "行政许可法", kind="multiple", tag="城市管理")
    questions(world.city, 3, "行政许可法", kind="single", tag="市场监管")
    assert refusal(world, [section(category="行政许可法", tag="城市管理", kind="single", count=5)]) == [
        "第 1 部分“行政许可法”：题库中符合条件的启用试题仅 4 道，本部分需要 5 道"]
    make_exam(world.city, [section(category="行政许可法", tag="城市管理", kind="single", count=4)], publish=False)


def test_sections_of_one_category_together_need_enough_questions(world, frozen):
    questions(world.city, 10, "行政强制法")
    assert refusal(world, [section(0, "甲", "行政强制法", count=6), section(1, "乙", "行政强制法", count=5)]) == [
        "第 1、2 部分都从“行政强制法”类试题中抽取，共需 11 道，题库中该类别的启用试题仅 10 道"]
    make_exam(world.city, [section(0, "甲", "行政强制法", count=5), section(1, "乙", "行政强制法", count=5)],
              publish=False)


def test_overlapping_filters_are_matched_so_both_sections_can_be_drawn(world, frozen):
    # 5 single + 5 multiple: every pool and the category (10) are big enough, yet the two single-choice
    # sections need 6 of the 5 singles
    questions(world.city, 5, "行政复议法", kind="single")
    questions(world.city, 5, "行政复议法", kind="multiple")
    messages = refusal(world, [section(0, "综合", "行政复议法", count=4),
                               section(1, "单选", "行政复议法", kind="single", count=5),
                               section(2, "单选二", "行政复议法", kind="single", count=1)])
    assert messages == ["第 1、2、3 部分抽取的“行政复议法”类试题相互重叠，共需 10 道，"
                        "题库中符合各部分条件的启用试题最多只能同时抽出 9 道"]
    make_exam(world.city, [section(0, "综合", "行政复议法", count=5),
                           section(1, "单选", "行政复议法", kind="single", count=4),
                           section(2, "单选二", "行政复议法", kind="single", count=1)], publish=False)


def test_publishing_checks_the_bank_again(legal, client):
    ids = questions(legal.city, 5)
    exam = make_exam(legal.city, publish=False)
    db.session.execute(sa.update(Question).where(Question.id == ids[0]).values(status="retired"))
    db.session.commit()
    detail = client.get(f"/exams/{exam.id}")
    assert "不足" in text(detail)
    response = client.post(f"/exams/{exam.id}/publish", follow_redirects=True)
    assert "第 1 部分“行政处罚法”：题库中符合条件的启用试题仅 4 道，本部分需要 5 道" in text(response)
    assert exams()[0].status == "draft"
    questions(legal.city, 1)
    client.post(f"/exams/{exam.id}/publish")
    assert exams()[0].status == "published"


def test_the_detail_page_shows_each_sections_pool(legal, client):
    questions(legal.city, 7)
    questions(legal.city, 3, "行政许可法", kind="true_false")
    exam = make_exam(legal.city, [section(0, "处罚", count=5), section(1, "许可判断", "行政许可法", kind="true_false",
                                                                         count=2, points=1)])
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'data-pool="7"' in html and 'data-pool="3"' in html
    assert f"{exam.total_points} 分" in text(client.get(f"/exams/{exam.id}"))


def test_the_presider_exam_draws_only_hearing_questions(legal, client):
    """Hearings of 行政处罚 (处罚法第六十三至六十五条) and 行政许可 (许可法第四十六至四十八条) only: the 听证程序 category,
    whose questions may cite nothing else (exams.bank.rules.HEARING)."""
    questions(legal.city, 5, "听证程序")
    questions(legal.city, 5, "行政处罚法")
    response = client.post("/exams/new", data=form(legal.city, purpose="hearing_presider", rows=[
        {"category": "听证程序", "count": "5", "points": "2"},
        {"category": "行政处罚法", "count": "5", "points": "2"}]))
    assert response.status_code == 422
    assert field_errors(response)["sections-1-category"] == (
        "听证主持人资格考试只从“听证程序”类试题（行政处罚、行政许可的听证）中抽题")
    assert exams() == []
    response = client.post("/exams/new", data=form(legal.city, purpose="hearing_presider", rows=[
        {"category": "听证程序", "count": "5", "points": "2"}]))
    assert response.status_code == 302
    # the same sections are fine for another purpose
    response = client.post("/exams/new", data=form(legal.city, purpose="qualification", rows=[
        {"category": "听证程序", "count": "5", "points": "2"},
        {"category": "行政处罚法", "count": "5", "points": "2"}]))
    assert response.status_code == 302
