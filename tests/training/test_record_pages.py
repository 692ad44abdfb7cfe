"""HR records training through the pages: one officer (a free title or a catalogue course), a whole class of 30 in
one submission, and the course catalogue — validated field by field in Chinese, audited, limited to the scope."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.training import services
from portal.training.models import Course, TrainingRecord
from tests.factories import SYSTEM, make_officer
from tests.officers import page
from tests.training.helpers import assert_no_id_numbers, audits, bulk_officers, record_count, records, text


def free_record(officer, **overrides) -> dict:
    data = {"officer_id": str(officer.id), "course_id": "0", "title": "《行政许可法》专题讲座",
            "category": "public_law", "hours": "3.5", "completed_on": "2026-11-20", "provider": "威海市司法局",
            "note": "", "next": "list"}
    data.update(overrides)
    return data


def make_course(agency, **overrides) -> Course:
    data = services.CourseData(title="执法礼仪与职业道德", category="ethics", hours="4", provider="威海市委党校",
                               mode="classroom", starts_on=dt.date(2026, 11, 2), ends_on=dt.date(2026, 11, 3),
                               agency_id=agency.id)
    for key, value in overrides.items():
        setattr(data, key, value)
    course = services.create_course(SYSTEM, None, data, clock.now())
    db.session.commit()
    return course


def field_errors(response) -> dict[str, list[str]]:
    """The errors shown beside each form field (by the field's id)."""
    doc = page.parse(response.get_data(as_text=True))
    found: dict[str, list[str]] = {}
    for node in doc.walk():
        if "invalid-feedback" in node.classes:
            container = node.parent
            field = next((n for n in container.walk() if n.tag in ("input", "select", "textarea")
                          and n.attrs.get("type") != "hidden"), None)
            key = field.attrs.get("name") if field is not None else container.attrs.get("id", "?")
            found.setdefault(key, []).append(node.text().strip())
    return found


# --- one officer ------------------------------------------------------------------------------------------------

def test_hr_records_one_officers_training_with_a_free_title(client, hr):
    form = client.get(f"/training/records/new?officer_id={hr.officer.id}")
    assert form.status_code == 200
    assert f'<option selected value="{hr.officer.id}">' in form.get_data(as_text=True)
    response = client.post("/training/records/new", data=free_record(hr.officer))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/training/records?officer={hr.officer.id}")
    [record] = records()
    assert (record.officer_id, record.title, record.category, record.half_hours, record.completed_on,
            record.provider, record.source, record.recorded_by, record.course_id) == (
        hr.officer.id, "《行政许可法》专题讲座", "public_law", 7, dt.date(2026, 11, 20), "威海市司法局", "manual",
        hr.hr.id, None)
    [entry] = audits()
    assert entry.action == "training.record" and entry.actor_id == hr.hr.id
    assert entry.agency_id == hr.dept.id and entry.change["hours"] == "3.5"
    assert_no_id_numbers([entry])
    listing = client.get(response.headers["Location"])
    assert "《行政许可法》专题讲座" in text(listing) and "3.5" in text(listing)


def test_a_course_gives_the_record_its_title_category_provider_and_default_hours(client, hr):
    course = make_course(hr.dept)
    response = client.post("/training/records/new", data=free_record(
        hr.officer, course_id=str(course.id), title="", category="", provider="", hours=""))
    assert response.status_code == 302
    [record] = records()
    assert (record.course_id, record.title, record.category, record.half_hours, record.provider) == (
        course.id, "执法礼仪与职业道德", "ethics", 8, "威海市委党校")
    client.post("/training/records/new", data=free_record(hr.officer, course_id=str(course.id), hours="1.5",
                                                          completed_on="2026-11-03"))
    assert records()[-1].half_hours == 3  # attended part of it


def test_every_problem_is_shown_beside_its_field_and_nothing_is_stored(client, hr):
    response = client.post("/training/records/new", data=free_record(
        hr.officer, title="", category="", provider="", hours="0.25", completed_on="2026-11-27"))
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["title"] == ["请填写课程名称"]
    assert errors["category"] == ["类别须为公共法律知识、专业法律知识、职业素养之一"]
    assert errors["provider"] == ["请填写培训机构"]
    assert "0.5 为单位" in errors["hours"][0]
    assert "晚于今天" in errors["completed_on"][0]
    assert record_count() == 0 and audits() == []
    # the typed values stay in the form
    assert 'value="0.25"' in response.get_data(as_text=True)


def test_zero_and_negative_hours_are_refused(client, hr):
    for value in ("0", "-1", "25"):
        response = client.post("/training/records/new", data=free_record(hr.officer, hours=value))
        assert response.status_code == 200
        assert field_errors(response)["hours"], value
    assert record_count() == 0


def test_the_same_training_on_the_same_day_is_not_recorded_twice(client, hr):
    assert client.post("/training/records/new", data=free_record(hr.officer)).status_code == 302
    again = client.post("/training/records/new", data=free_record(hr.officer, hours="2"))
    assert again.status_code == 200
    assert "已有“《行政许可法》专题讲座”的培训记录" in field_errors(again)["completed_on"][0]
    assert record_count() == 1


def test_hr_cannot_record_training_for_another_agencys_officer(client, hr):
    assert client.get(f"/training/records/new?officer_id={hr.officer2.id}").status_code == 404
    assert client.get(f"/training/records/new?officer_id={hr.other_officer.id}").status_code == 404
    assert client.post("/training/records/new", data=free_record(hr.other_officer)).status_code == 404
    assert client.post("/training/records/new", data=free_record(hr.officer2)).status_code == 404
    assert record_count() == 0
    # the form offers only the officers in scope
    html = client.get("/training/records/new").get_data(as_text=True)
    assert hr.officer.name in html and hr.officer2.name not in html and hr.other_officer.name not in html


def test_the_service_refuses_an_officer_outside_the_scope_as_not_found(world, frozen):
    data = services.RecordData(officer_id=world.other_officer.id, title="x", category="ethics", hours=1,
                               completed_on=dt.date(2026, 11, 1), provider="y")
    try:
        services.record_training(SYSTEM, world.hr, data, clock.now())
    except services.DomainError as err:
        assert err.status == 404 and "不在您的管辖范围内" in err.message
    else:
        raise AssertionError("recorded outside the scope")
    db.session.rollback()
    assert record_count() == 0


def test_a_course_outside_the_scope_is_not_found(client, hr):
    course = make_course(hr.other_dept)
    assert client.get(f"/training/records/new?course_id={course.id}").status_code == 404
    assert client.get(f"/training/classes/new?course_id={course.id}").status_code == 404
    assert client.post("/training/records/new",
                       data=free_record(hr.officer, course_id=str(course.id))).status_code == 404
    assert record_count() == 0


# --- a class ----------------------------------------------------------------------------------------------------

def class_form(course, officer_ids, **overrides) -> dict:
    data = {"course_id": str(course.id), "officer_ids": [str(i) for i in officer_ids], "completed_on": "2026-11-03",
            "note": "第一期", "action": "save"}
    data.update(overrides)
    return data


def test_hr_records_a_class_of_30_officers_in_one_submission(app, client, hr):
    course = make_course(hr.dept)
    ids = bulk_officers(hr.dept, 31)
    page_html = client.get(f"/training/classes/new?course_id={course.id}")
    assert page_html.status_code == 200
    boxes = re.findall(r'<input[^>]*name="officer_ids"[^>]*>', page_html.get_data(as_text=True))
    assert len(boxes) == 32  # the 31 new ones and 王建国, all on duty in the agency
    response = client.post("/training/classes/new", data=class_form(course, ids[:30]))
    assert response.status_code == 302, text(response)[:500]
    assert response.headers["Location"].endswith(f"/training/records?course={course.id}")
    stored = records()
    assert len(stored) == 30
    assert {r.officer_id for r in stored} == set(ids[:30])
    assert {(r.title, r.category, r.half_hours, r.completed_on, r.provider, r.course_id, r.source, r.note)
            for r in stored} == {("执法礼仪与职业道德", "ethics", 8, dt.date(2026, 11, 3), "威海市委党校", course.id,
                                  "manual", "第一期")}
    [entry] = audits("training.class")
    assert entry.change["count"] == 30 and sorted(entry.change["officer_ids"]) == sorted(ids[:30])
    assert entry.agency_id == hr.dept.id
    assert_no_id_numbers([entry])
    listing = client.get(response.headers["Location"])
    assert "共 30 条" in text(listing)


def test_select_all_ticks_every_listed_officer_and_keeps_what_was_typed(client, hr):
    course = make_course(hr.dept)
    bulk_officers(hr.dept, 5)
    response = client.post("/training/classes/new", data=class_form(course, [], action="select_all",
                                                                      completed_on="2026-11-02", note="补训"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="officer_ids"[^>]*>', html)
    assert len(boxes) == 6 and all("checked" in b for b in boxes)
    assert 'value="2026-11-02"' in html and "补训" in html
    assert record_count() == 0
    none = client.post("/training/classes/new", data=class_form(course, [hr.officer.id], action="select_none"))
    assert not any("checked" in b for b in re.findall(r'<input[^>]*name="officer_ids"[^>]*>',
                                                      none.get_data(as_text=True)))


def test_attendees_who_already_have_the_course_are_named_and_nothing_is_stored(client, hr):
    """Issue 13: recording a class again on another day doubled 侯平's hours (44.5 → 52.5). A course is completed
    once: anyone who already has it, on any day, is named with the day, and nothing is stored."""
    course = make_course(hr.dept)
    ids = bulk_officers(hr.dept, 3)
    assert client.post("/training/classes/new", data=class_form(course, ids[:2])).status_code == 302
    for day in ("2026-11-03", "2026-11-04"):
        again = client.post("/training/classes/new", data=class_form(course, ids, completed_on=day))
        assert again.status_code == 200
        message = " ".join(field_errors(again)["officer_ids"])
        assert message == ("以下人员已登记过“执法礼仪与职业道德”，请取消勾选后再提交："
                           "批量00000（2026年11月3日）、批量00001（2026年11月3日）")
        html = again.get_data(as_text=True)  # a long form reloads at its top: the error is said there, with a link
        assert html.index('class="alert alert-danger error-summary"') < html.index('id="officer_ids"')
        assert '<a class="alert-link" href="#officer_ids">参训人员</a>：以下人员已登记过' in html
        assert record_count() == 2
    assert client.post("/training/classes/new", data=class_form(course, ids[2:])).status_code == 302
    assert record_count() == 3


def test_the_class_form_starts_from_the_courses_day_and_shows_who_already_has_it(client, hr):
    """Opened from the tab the date is blank, never today; with a course chosen (from the course list, or 按所选课程
    填写 on the form) it is the course's last day, and those who already have the course are marked and cannot be
    ticked — not even by 全选."""
    course = make_course(hr.dept)  # 2026-11-02 … 2026-11-03
    ids = bulk_officers(hr.dept, 2)
    blank = client.get("/training/classes/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="completed_on"[^>]*value=""', blank)
    assert client.post("/training/classes/new", data=class_form(course, ids[:1])).status_code == 302

    def boxes(html):
        return {int(m.group(2)): m.group(0) for m in re.finditer(
            r'<input[^>]*id="officer_ids-(\d+)"[^>]*value="(\d+)"[^>]*>', html)}

    for html in (client.get(f"/training/classes/new?course_id={course.id}").get_data(as_text=True),
                 client.post("/training/classes/new", data=class_form(course, [], action="choose_course",
                                                                     completed_on="")).get_data(as_text=True)):
        assert re.search(r'<input[^>]*name="completed_on"[^>]*value="2026-11-03"', html)
        assert "disabled" in boxes(html)[ids[0]] and "disabled" not in boxes(html)[ids[1]]
        assert "已登记 2026年11月3日" in html
    everyone = client.post("/training/classes/new", data=class_form(course, [], action="select_all"))
    ticked = boxes(everyone.get_data(as_text=True))
    assert "checked" not in ticked[ids[0]] and "checked" in ticked[ids[1]]


def test_a_class_needs_attendees_a_course_and_a_sensible_date(client, hr):
    course = make_course(hr.dept)
    response = client.post("/training/classes/new", data=class_form(course, [], completed_on="2026-11-01"))
    errors = field_errors(response)
    assert errors["officer_ids"] == ["请至少选择一名参训人员"]
    assert errors["completed_on"] == ["完成日期早于课程开始日期（2026年11月2日）"]
    future = client.post("/training/classes/new", data=class_form(course, [hr.officer.id], completed_on="2026-12-01"))
    assert "晚于今天" in field_errors(future)["completed_on"][0]
    no_course = client.post("/training/classes/new", data=class_form(course, [hr.officer.id], course_id="0"))
    assert field_errors(no_course)["course_id"] == ["请选择课程"]
    assert record_count() == 0


def test_a_class_with_an_officer_outside_the_scope_is_refused_whole(client, hr):
    course = make_course(hr.dept)
    response = client.post("/training/classes/new", data=class_form(course, [hr.officer.id, hr.other_officer.id]))
    assert response.status_code == 404
    assert client.post("/training/classes/new", data=class_form(course, [hr.officer2.id])).status_code == 404
    assert client.get(f"/training/classes/new?agency={hr.other_dept.id}").status_code == 404
    assert record_count() == 0


def test_officers_who_are_not_on_duty_are_not_offered_for_a_class(client, hr):
    left = make_officer(hr.dept, name="离岗人", status="left_post")
    left.status_changed_on = dt.date(2026, 1, 1)
    db.session.commit()
    course = make_course(hr.dept)
    html = client.get(f"/training/classes/new?course_id={course.id}").get_data(as_text=True)
    assert "离岗人" not in html and hr.officer.name in html
    refused = client.post("/training/classes/new", data=class_form(course, [left.id]))
    assert refused.status_code == 200
    assert field_errors(refused)["officer_ids"] == ["只能勾选名单中的在岗执法人员"]
    assert record_count() == 0


# --- courses ----------------------------------------------------------------------------------------------------

def course_form(agency, **overrides) -> dict:
    data = {"title": "《行政强制法》实务", "category": "professional_law", "hours": "6.5", "provider": "威海市司法局",
            "mode": "online", "starts_on": "2026-10-10", "ends_on": "2026-10-12", "agency_id": str(agency.id)}
    data.update(overrides)
    return data


def test_hr_adds_a_course_and_it_is_listed_with_its_attendees(client, hr):
    assert client.get("/training/courses/new").status_code == 200
    response = client.post("/training/courses/new", data=course_form(hr.dept))
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course))
    assert (course.title, course.category, course.half_hours, course.mode, course.starts_on, course.ends_on,
            course.agency_id, course.created_by) == ("《行政强制法》实务", "professional_law", 13, "online",
                                                     dt.date(2026, 10, 10), dt.date(2026, 10, 12), hr.dept.id, hr.hr.id)
    [entry] = audits("course.")
    assert entry.action == "course.create" and entry.agency_id == hr.dept.id
    client.post("/training/classes/new", data=class_form(course, [hr.officer.id], completed_on="2026-10-12"))
    listing = text(client.get("/training/courses"))
    assert "《行政强制法》实务" in listing and "6.5" in listing and "网络" in listing


def test_a_course_is_refused_with_reasons(client, hr):
    response = client.post("/training/courses/new", data=course_form(
        hr.dept, title="", hours="0.25", ends_on="2026-10-01", provider=""))
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["title"] == ["请填写课程名称"]
    assert "0.5 为单位" in errors["hours"][0]
    assert errors["ends_on"] == ["结束日期不能早于开始日期"]
    assert errors["provider"] == ["请填写培训机构"]
    outside = client.post("/training/courses/new", data=course_form(hr.other_dept))
    assert field_errors(outside)["agency_id"] == ["只能选择您管辖范围内的单位"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_lists_show_only_the_scope(client, auth, hr):
    mine = make_course(hr.dept, title="本局课程")
    theirs = make_course(hr.other_dept, title="文登课程")
    db.session.add_all([
        TrainingRecord(officer_id=o.id, course_id=c.id, title=c.title, category=c.category, half_hours=2,
                       completed_on=dt.date(2026, 11, 3), provider="p", source="manual", created_at=clock.now())
        for o, c in ((hr.officer, mine), (hr.other_officer, theirs), (hr.officer2, mine))])
    db.session.commit()
    courses = text(client.get("/training/courses"))
    assert "本局课程" in courses and "文登课程" not in courses
    listing = text(client.get("/training/records"))
    assert hr.officer.name in listing and hr.other_officer.name not in listing and hr.officer2.name not in listing
    assert client.get(f"/training/records?officer={hr.other_officer.id}").status_code == 404
    assert client.get(f"/training/records?course={theirs.id}").status_code == 404
    auth.logout()
    auth.login("legal_district")  # scope: 环翠区 — both of its departments, not 文登
    listing = text(client.get("/training/records"))
    assert hr.officer.name in listing and hr.officer2.name in listing and hr.other_officer.name not in listing
    assert "录入培训" not in listing  # read-only
    assert client.get("/training/records/new").status_code == 403


def test_the_records_list_filters_by_officer_category_year_and_source(client, hr):
    other = make_officer(hr.dept, name="李清照")
    for officer, category, day, source in ((hr.officer, "ethics", dt.date(2026, 5, 1), "manual"),
                                           (hr.officer, "public_law", dt.date(2025, 5, 1), "import"),
                                           (other, "ethics", dt.date(2026, 6, 1), "api")):
        db.session.add(TrainingRecord(officer_id=officer.id, title=f"{category}-{day}", category=category,
                                      half_hours=2, completed_on=day, provider="p", source=source,
                                      created_at=clock.now()))
    db.session.commit()

    def shown(**query):
        html = client.get("/training/records", query_string=query).get_data(as_text=True)
        return sorted(re.findall(r"<td>((?:ethics|public_law)-[\d-]+)", html))

    assert shown() == ["ethics-2026-05-01", "ethics-2026-06-01", "public_law-2025-05-01"]
    assert shown(q="李清") == ["ethics-2026-06-01"]
    assert shown(q=hr.officer.id_number) == ["ethics-2026-05-01", "public_law-2025-05-01"]
    assert shown(category="ethics") == ["ethics-2026-05-01", "ethics-2026-06-01"]
    assert shown(year="2025") == ["public_law-2025-05-01"]
    assert shown(source="api") == ["ethics-2026-06-01"]
    assert shown(category="ethics", year="2026", q="王建国") == ["ethics-2026-05-01"]
