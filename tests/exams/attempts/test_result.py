"""The result page: score, total, pass mark and pass/fail at once; the corrections (answer, key, explanation,
legal basis, in the candidate's option order and the version they were shown) only once the window has closed.
Scope: an officer sees only their own attempts (404), staff none of these pages (403)."""
from __future__ import annotations

import datetime as dt

import pytest

from exams.attempts import services
from exams.bank.models import LETTERS, QuestionVersion
from portal import clock
from portal.extensions import db
from portal.templating import cn_datetime
from tests.conftest import PASSWORD
from tests.exams.attempts.helpers import ACTOR, BASIS, EXPLANATION, correct_choice, items, open_exam, start
from tests.factories import make_officer_account


@pytest.fixture
def graded(officer, client, frozen):
    """The officer's submitted attempt: question 1 right, question 4 (multiple) wrong, the rest unanswered."""
    attempt = start(officer, open_exam(officer))
    drawn = items(attempt)
    services.save_answer(ACTOR, attempt, 1, correct_choice(drawn[0]), clock.now())
    services.save_answer(ACTOR, attempt, 4, correct_choice(drawn[3])[:1], clock.now())
    db.session.commit()
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    return attempt


def text(response) -> str:
    return response.get_data(as_text=True)


def test_score_and_verdict_at_once_corrections_hidden_until_the_close(client, graded, frozen):
    exam = graded.exam
    frozen(exam.closes_at - dt.timedelta(seconds=1))
    page = text(client.get(f"/attempts/{graded.id}/result"))
    assert '<div class="stat" id="score">2 <span class="fs-6 fw-normal text-secondary">/ 14 分</span>' in page
    assert 'id="verdict">不合格<' in page and "9 分" in page
    assert f"答案与解析将在考试结束（{cn_datetime(exam.closes_at)}）后公布" in page
    assert EXPLANATION not in page and BASIS not in page and "正确答案" not in page
    for item in items(graded):
        assert item.version.stem not in page


def test_corrections_from_the_close(client, graded, frozen):
    frozen(graded.exam.closes_at)
    page = text(client.get(f"/attempts/{graded.id}/result"))
    assert "答案与解析将在考试结束" not in page
    for item in items(graded):
        assert item.version.stem in page
        assert item.version.explanation in page and item.version.legal_basis in page
    assert page.count("您的答案：<strong>未作答</strong>") == 5


def test_corrections_use_the_candidates_option_order(client, graded, frozen):
    frozen(graded.exam.closes_at + dt.timedelta(days=3))
    page = text(client.get(f"/attempts/{graded.id}/result"))
    multiple = items(graded)[3]
    shown = [multiple.version.options[LETTERS.index(letter)] for letter in multiple.option_order]
    positions = [page.index(option) for option in shown]
    assert positions == sorted(positions)  # listed as the candidate saw them
    key = "".join(LETTERS[i] for i, letter in enumerate(multiple.option_order) if letter in "ACD")
    chosen = LETTERS[int(correct_choice(multiple)[0])]
    assert f"您的答案：<strong>{chosen}</strong>　正确答案：<strong class=\"text-success\">{key}</strong>" in page
    assert "0 / 3 分" in page and "2 / 2 分" in page


def test_corrections_show_the_version_the_candidate_saw(client, graded, frozen):
    first = items(graded)[0]
    db.session.add(QuestionVersion(question_id=first.question_id, version=2, kind="single", stem="修改后的新题干",
                                   options=["甲", "乙", "丙", "丁"], answer="D", legal_basis="新依据",
                                   explanation="新解析", created_at=clock.now()))
    first.version.question.version = 2
    db.session.commit()
    frozen(graded.exam.closes_at)
    page = text(client.get(f"/attempts/{graded.id}/result"))
    assert first.version.stem in page and "修改后的新题干" not in page and "新解析" not in page


def test_an_open_attempts_result_sends_back_to_the_paper(officer, client, frozen):
    attempt = start(officer, open_exam(officer))
    response = client.get(f"/attempts/{attempt.id}/result")
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt.id}"
    assert "本次考试尚未交卷" in text(client.get(response.headers["Location"]))


PAGES = [("GET", ""), ("POST", "/answer"), ("POST", "/save"), ("GET", "/submit"), ("POST", "/submit"),
         ("GET", "/result")]


@pytest.mark.parametrize(("method", "suffix"), PAGES)
def test_another_officers_attempt_is_404_and_untouched(app, client, world, frozen, method, suffix):
    exam = open_exam(world)
    theirs = start(world, exam, officer=world.officer2)
    make_officer_account(world.officer2)
    assert client.post("/login", data={"login": world.officer.id_number, "password": PASSWORD}).status_code == 302
    kwargs = {"json": {"position": 1, "choice": ["0"]}} if suffix == "/save" else \
        {"data": {"position": "1", "choice": "0", "go": "submit"}}
    response = client.open(f"/attempts/{theirs.id}{suffix}", method=method, **kwargs)
    assert response.status_code == 404
    assert "测试题" not in text(response)
    assert [i.response for i in items(theirs)] == [None] * 7
    db.session.refresh(theirs)
    assert theirs.status == "open"
    assert client.get(f"/attempts/{theirs.id + 1000}").status_code == 404


@pytest.mark.parametrize("login", ["hr", "legal_city", "admin"])
@pytest.mark.parametrize(("method", "suffix"), PAGES)
def test_staff_may_not_use_attempt_pages_even_in_scope(client, auth, world, frozen, login, method, suffix):
    attempt = start(world, open_exam(world))
    assert auth.login(login).status_code == 302
    assert client.open(f"/attempts/{attempt.id}{suffix}", method=method, data={}).status_code == 403
    assert client.post(f"/exams/{attempt.exam_id}/start").status_code == 403


def test_a_final_attempt_does_not_reveal_other_papers(client, graded, frozen, world):
    """Nothing of the result reaches another officer, even after the close."""
    make_officer_account(world.officer2)
    frozen(graded.exam.closes_at)
    other = client.application.test_client()
    assert other.post("/login", data={"login": world.officer2.id_number, "password": PASSWORD}).status_code == 302
    assert other.get(f"/attempts/{graded.id}/result").status_code == 404
