"""我的考试 (issue 5): the published exams whose audience includes the officer — open, upcoming and closed within
90 days — each with a start button, 继续作答 or the reason they cannot start; their past attempts with score and
result; the officer's home shows the open ones. Costs the same for 3 exams as for 30."""
from __future__ import annotations

import datetime as dt

from tests.exams.papers.helpers import raw_exam, sit, text
from tests.officers import page
from tests.sql import statements

OPENS = dt.datetime(2026, 11, 26, 8, 0)
CLOSES = dt.datetime(2026, 11, 26, 17, 0)


def card(response, exam):
    node = page.parse(response.get_data(as_text=True)).find("div", **{"data-exam": str(exam.id)})
    return node


def card_text(response, exam) -> str:
    node = card(response, exam)
    return " ".join(node.text().split()) if node is not None else ""


def test_each_exam_shows_start_resume_or_the_reason(officer, client):
    startable = raw_exam(officer.city, OPENS, CLOSES, title="可以开始的考试")
    resumable = raw_exam(officer.city, OPENS, CLOSES, title="正在作答的考试")
    attempt = sit(resumable, officer.officer, status="open")
    used_up = raw_exam(officer.city, OPENS, CLOSES, title="次数已用完的考试", max_attempts=1)
    past = sit(used_up, officer.officer)
    presider = raw_exam(officer.city, OPENS, CLOSES, purpose="hearing_presider", title="主持人考试")
    upcoming = raw_exam(officer.city, dt.datetime(2026, 12, 1, 9, 0), dt.datetime(2026, 12, 1, 17, 0),
                        title="下月的考试")
    recent = raw_exam(officer.city, dt.datetime(2026, 8, 28, 9, 0), dt.datetime(2026, 8, 28, 9, 0, 1),
                      title="90天内结束的考试")
    old = raw_exam(officer.city, dt.datetime(2026, 8, 27, 9, 0), dt.datetime(2026, 8, 28, 9, 0), title="太早的考试")
    draft = raw_exam(officer.city, OPENS, CLOSES, status="draft", title="草稿考试")
    elsewhere = raw_exam(officer.other_district, OPENS, CLOSES, title="文登区的考试")

    response = client.get("/me/exams")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = card(response, startable).find("form")
    assert form.attrs["action"] == f"/exams/{startable.id}/start" and "开始考试" in card_text(response, startable)
    link = card(response, resumable).find("a")
    assert link.attrs["href"] == f"/attempts/{attempt.id}" and "继续作答" in link.text()
    assert "本次考试最多可考 1 次，您的考试机会已用完" in card_text(response, used_up)
    assert card(response, used_up).find("form") is None
    assert "须持有有效的行政执法证" in card_text(response, presider)
    assert "考试尚未开始，开考时间 2026年12月1日 09:00" in card_text(response, upcoming)
    assert "考试已于 2026年8月28日 09:00 结束" in card_text(response, recent)
    for hidden in (old, draft, elsewhere):
        assert card(response, hidden) is None, hidden.title
    assert "草稿考试" not in html and "文登区的考试" not in html
    # the past attempt: score and result, with a link to it
    assert f'href="/attempts/{past.id}/result"' in html
    assert "2 / 10" in text(response) and "未通过" in text(response)


def test_a_makeup_is_offered_after_a_failed_first_attempt(officer, client):
    exam = raw_exam(officer.city, OPENS, CLOSES)
    sit(exam, officer.officer)
    response = client.get("/me/exams")
    assert "开始补考" in card_text(response, exam) and "已考 1/2 次" in card_text(response, exam)


def test_nothing_open_says_so(officer, client):
    assert "目前没有正在进行的考试" in text(client.get("/me/exams"))


def test_the_officers_home_shows_the_open_exams(officer, client):
    exam = raw_exam(officer.city, OPENS, CLOSES, title="首页上的考试")
    raw_exam(officer.city, dt.datetime(2026, 12, 1, 9, 0), dt.datetime(2026, 12, 1, 17, 0), title="下月的考试")
    home = client.get("/home")
    assert "首页上的考试" in text(home) and "下月的考试" not in text(home)
    assert f'action="/exams/{exam.id}/start"' in home.get_data(as_text=True)
    attempt = sit(exam, officer.officer, status="open")
    assert f'href="/attempts/{attempt.id}"' in client.get("/home").get_data(as_text=True)


def test_the_list_costs_the_same_for_3_and_30_exams(app, officer, client):
    def make(n):
        for i in range(n):
            exam = raw_exam(officer.city, OPENS, CLOSES,
                            purpose=("practice", "qualification", "hearing_presider", "update_test")[i % 4])
            if i % 3 == 0:
                sit(exam, officer.officer)

    make(3)
    with statements(app, selects_only=True) as few:
        assert client.get("/me/exams").status_code == 200
    make(27)
    with statements(app, selects_only=True) as many:
        assert client.get("/me/exams").status_code == 200
    assert len(many) == len(few)
