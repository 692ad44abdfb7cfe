"""Answering: the JSON autosave and the form POST without JavaScript, idempotent saves, the rules of each kind,
resuming from another device, the deadline edges, the confirmation and the submission."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exams.attempts.models import Attempt
from portal import clock
from portal.audit import AuditEntry
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.exams.attempts.helpers import correct_choice, items, open_exam, start

# the default exam: positions 1–3 single (2 points), 4–5 multiple (3 points), 6–7 true/false (1 point)
SINGLE, MULTIPLE, TRUE_FALSE = 1, 4, 6


@pytest.fixture
def sitting(officer, frozen):
    """The officer signed in with an open attempt at the default exam."""
    exam = open_exam(officer)
    attempt = start(officer, exam)
    return attempt


def save(client, attempt, position, choice):
    return client.post(f"/attempts/{attempt.id}/save", json={"position": position, "choice": choice})


def item_at(attempt, position):
    return items(attempt)[position - 1]


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_save_maps_the_displayed_options_to_bank_letters(client, sitting):
    item = item_at(sitting, MULTIPLE)
    response = save(client, sitting, MULTIPLE, ["2", "0"])
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"saved": True, "position": MULTIPLE, "answered": 1, "total": 7,
                    "deadline": sitting.deadline.isoformat(), "now": clock.now().isoformat(timespec="milliseconds")}
    assert item_at(sitting, MULTIPLE).response == "".join(sorted(item.option_order[0] + item.option_order[2]))
    assert item_at(sitting, MULTIPLE).answered_at == clock.now()


def test_true_false_is_saved_as_t_or_f(client, sitting):
    assert save(client, sitting, TRUE_FALSE, ["F"]).status_code == 200
    assert item_at(sitting, TRUE_FALSE).response == "F"


def test_the_same_answer_twice_changes_nothing_and_no_save_is_audited(client, sitting, frozen):
    before = audit_count()
    assert save(client, sitting, SINGLE, [1]).status_code == 200
    first = item_at(sitting, SINGLE)
    saved_at = first.answered_at
    frozen(clock.now() + dt.timedelta(seconds=30))
    again = save(client, sitting, SINGLE, ["1"])
    assert again.status_code == 200 and again.get_json()["answered"] == 1
    assert item_at(sitting, SINGLE).answered_at == saved_at
    assert audit_count() == before


def test_changing_and_clearing_an_answer(client, sitting):
    save(client, sitting, SINGLE, ["0"])
    order = item_at(sitting, SINGLE).option_order
    save(client, sitting, SINGLE, ["3"])
    assert item_at(sitting, SINGLE).response == order[3]
    cleared = save(client, sitting, SINGLE, [])
    assert cleared.status_code == 200 and cleared.get_json()["answered"] == 0
    assert item_at(sitting, SINGLE).response is None


@pytest.mark.parametrize(("position", "choice", "message"), [
    (SINGLE, ["0", "1"], "单选题只能选择一个选项"),
    (SINGLE, ["4"], "所选选项不存在，请刷新页面后重新作答"),
    (SINGLE, ["-1"], "所选选项不存在，请刷新页面后重新作答"),
    (SINGLE, ["A"], "所选选项不存在，请刷新页面后重新作答"),
    (SINGLE, ["²"], "所选选项不存在，请刷新页面后重新作答"),
    (SINGLE, ["+1"], "所选选项不存在，请刷新页面后重新作答"),
    (SINGLE, ["1.0"], "所选选项不存在，请刷新页面后重新作答"),
    (MULTIPLE, ["9"], "所选选项不存在，请刷新页面后重新作答"),
    (TRUE_FALSE, ["T", "F"], "判断题请选择“对”或“错”中的一项"),
    (TRUE_FALSE, ["0"], "判断题请选择“对”或“错”中的一项"),
    (8, ["0"], "题号无效，请刷新页面后重试"),
    (0, ["0"], "题号无效，请刷新页面后重试"),
    ("x", ["0"], "题号无效，请刷新页面后重试"),
    ("²", ["0"], "题号无效，请刷新页面后重试"),
    ("1" * 40, ["0"], "题号无效，请刷新页面后重试"),
])
def test_a_bad_choice_is_refused_and_changes_nothing(client, sitting, position, choice, message):
    save(client, sitting, SINGLE, ["2"])
    before = [i.response for i in items(sitting)]
    response = save(client, sitting, position, choice)
    assert response.status_code == 422
    assert response.get_json() == {"saved": False, "error": {"code": response.get_json()["error"]["code"],
                                                             "message": message}}
    assert [i.response for i in items(sitting)] == before


def test_multiple_choice_takes_several_and_one(client, sitting):
    assert save(client, sitting, MULTIPLE, ["0", "1", "2", "3"]).status_code == 200
    assert item_at(sitting, MULTIPLE).response == "ABCD"
    assert save(client, sitting, MULTIPLE, ["1"]).status_code == 200
    assert len(item_at(sitting, MULTIPLE).response) == 1


@pytest.mark.parametrize("body", [None, [], {"position": 1}, {"position": 1, "choice": "0"},
                                  {"position": 1, "choice": [None]}, {"position": 1, "choice": [True]},
                                  {"position": None, "choice": []}, {"position": 1, "choice": ["0"] * 7}])
def test_a_malformed_body_is_a_400_in_chinese(client, sitting, body):
    response = client.post(f"/attempts/{sitting.id}/save", json=body) if body is not None else \
        client.post(f"/attempts/{sitting.id}/save", data="not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "请求格式有误，请刷新页面后重试"


def test_a_save_one_second_before_the_deadline_is_kept(client, sitting, frozen):
    frozen(sitting.deadline - dt.timedelta(seconds=1))
    response = save(client, sitting, SINGLE, ["0"])
    assert response.status_code == 200
    assert item_at(sitting, SINGLE).response is not None
    db.session.refresh(sitting)
    assert sitting.status == "open"


@pytest.mark.parametrize("late", [dt.timedelta(0), dt.timedelta(seconds=1)])
def test_a_save_at_or_after_the_deadline_is_refused_and_the_paper_handed_in(client, sitting, frozen, late):
    save(client, sitting, SINGLE, correct_choice(item_at(sitting, SINGLE)))
    frozen(sitting.deadline + late)
    response = save(client, sitting, SINGLE + 1, correct_choice(item_at(sitting, SINGLE + 1)))
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["message"] == (f"考试时间已到（截止 {sitting.deadline:%H:%M:%S}），本题答案未保存，"
                                        "试卷已按截止前保存的答案交卷")
    assert body["final"] is True and body["redirect"] == f"/attempts/{sitting.id}/result"
    db.session.refresh(sitting)
    assert sitting.status == "final" and sitting.finish == "deadline" and sitting.finished_at == sitting.deadline
    assert sitting.score == 2  # the one answer saved before the deadline
    assert item_at(sitting, SINGLE + 1).response is None
    again = save(client, sitting, SINGLE, ["0"])
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "本次考试已交卷，答案不能再修改"


def test_without_javascript_each_button_saves_and_moves(client, sitting):
    url = f"/attempts/{sitting.id}"
    response = client.post(f"{url}/answer", data={"position": "1", "choice": "2", "go": "next"})
    assert response.status_code == 302 and response.headers["Location"] == f"{url}?n=2"
    assert item_at(sitting, 1).response == item_at(sitting, 1).option_order[2]
    response = client.post(f"{url}/answer", data={"position": "4", "choice": ["0", "3"], "go": "prev"})
    assert response.headers["Location"] == f"{url}?n=3"
    assert len(item_at(sitting, 4).response) == 2
    response = client.post(f"{url}/answer", data={"position": "6", "choice": "T", "go": "2"})
    assert response.headers["Location"] == f"{url}?n=2" and item_at(sitting, 6).response == "T"
    response = client.post(f"{url}/answer", data={"position": "6", "go": "clear"})
    assert response.headers["Location"] == f"{url}?n=6" and item_at(sitting, 6).response is None
    response = client.post(f"{url}/answer", data={"position": "7", "choice": "F", "go": "next"})
    assert response.headers["Location"] == f"{url}?n=7"  # the last question stays the last
    response = client.post(f"{url}/answer", data={"position": "1", "choice": "2", "go": "submit"})
    assert response.headers["Location"] == f"{url}/submit"
    response = client.post(f"{url}/answer", data={"position": "1", "choice": "2", "go": "99"})
    assert response.headers["Location"] == f"{url}?n=7"
    for odd in ("²", "-3", "0", "1" * 40, ""):
        response = client.post(f"{url}/answer", data={"position": "1", "choice": "2", "go": odd})
        assert response.headers["Location"] == f"{url}?n=1"
        assert client.get(f"{url}?n={odd}").status_code == 200


def test_a_bad_choice_without_javascript_is_named_and_the_question_shown_again(client, sitting):
    response = client.post(f"/attempts/{sitting.id}/answer", data={"position": "1", "choice": ["0", "1"],
                                                                    "go": "next"})
    assert response.headers["Location"] == f"/attempts/{sitting.id}?n=1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "第 1 题答案未保存：单选题只能选择一个选项" in page
    assert item_at(sitting, 1).response is None


def test_the_page_shows_one_question_with_the_saved_answer_checked(client, sitting):
    save(client, sitting, MULTIPLE, ["1", "3"])
    page = client.get(f"/attempts/{sitting.id}?n={MULTIPLE}").get_data(as_text=True)
    assert page.count('name="choice"') == 4 and page.count(" checked") == 2
    assert 'value="1" checked' in page and 'value="3" checked' in page
    assert item_at(sitting, MULTIPLE).version.stem in page
    assert item_at(sitting, 1).version.stem not in page
    assert "已答 <span id=\"answered-count\">1</span> / 7 题" in page
    assert 'aria-label="第 4 题，已答"' in page and 'aria-label="第 1 题，未答"' in page


def test_another_device_resumes_with_the_saved_answers(app, client, sitting, world):
    save(client, sitting, TRUE_FALSE, ["F"])
    other = app.test_client()
    assert other.post("/login", data={"login": world.officer.id_number, "password": PASSWORD}).status_code == 302
    page = other.get(f"/attempts/{sitting.id}?n={TRUE_FALSE}").get_data(as_text=True)
    assert 'value="F" checked' in page and 'value="T" checked' not in page


def test_the_confirmation_lists_the_unanswered_questions(client, sitting):
    for position in (1, 2, 5):
        save(client, sitting, position, ["0"])
    page = client.get(f"/attempts/{sitting.id}/submit").get_data(as_text=True)
    assert "已答 3 题" in page and "以下 4 题尚未作答" in page
    for n in (3, 4, 6, 7):
        assert f'aria-label="回到第 {n} 题"' in page
    assert 'aria-label="回到第 1 题"' not in page


def test_submitting_grades_at_once_and_a_second_submit_changes_nothing(client, sitting):
    for item in items(sitting):
        save(client, sitting, item.position, correct_choice(item))
    response = client.post(f"/attempts/{sitting.id}/submit")
    assert response.headers["Location"] == f"/attempts/{sitting.id}/result"
    db.session.refresh(sitting)
    assert (sitting.status, sitting.finish, sitting.score, sitting.passed) == ("final", "submitted", 14, True)
    finished = sitting.finished_at
    assert client.post(f"/attempts/{sitting.id}/submit").headers["Location"] == f"/attempts/{sitting.id}/result"
    db.session.refresh(sitting)
    assert sitting.finished_at == finished
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "exam_attempt.finalize")) == 1


def test_after_submitting_the_pages_lead_to_the_result(client, sitting):
    client.post(f"/attempts/{sitting.id}/submit")
    for url in (f"/attempts/{sitting.id}", f"/attempts/{sitting.id}/submit"):
        assert client.get(url).headers["Location"] == f"/attempts/{sitting.id}/result"
    response = client.post(f"/attempts/{sitting.id}/answer", data={"position": "1", "choice": "0", "go": "next"})
    assert response.headers["Location"] == f"/attempts/{sitting.id}/result"
    assert item_at(sitting, 1).response is None


def test_an_answer_posted_after_the_deadline_is_refused_with_the_message(client, sitting, frozen):
    frozen(sitting.deadline + dt.timedelta(seconds=1))
    response = client.post(f"/attempts/{sitting.id}/answer", data={"position": "1", "choice": "0", "go": "next"})
    assert response.headers["Location"] == f"/attempts/{sitting.id}/result"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"考试时间已到（截止 {sitting.deadline:%H:%M:%S}），本题答案未保存，试卷已按截止前保存的答案交卷" in page
    assert item_at(sitting, 1).response is None
    assert db.session.get(Attempt, sitting.id).finish == "deadline"


def test_a_submission_after_the_deadline_counts_as_timed_out(client, sitting, frozen):
    save(client, sitting, 1, ["0"])
    frozen(sitting.deadline + dt.timedelta(minutes=3))
    response = client.post(f"/attempts/{sitting.id}/submit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"考试时间已到（截止 {sitting.deadline:%H:%M:%S}），试卷已按截止前保存的答案交卷" in page
    attempt = db.session.get(Attempt, sitting.id)
    assert attempt.finish == "deadline" and attempt.finished_at == attempt.deadline


def test_opening_the_paper_after_the_deadline_hands_it_in(client, sitting, frozen):
    frozen(sitting.deadline + dt.timedelta(seconds=1))
    response = client.get(f"/attempts/{sitting.id}?n=3")
    assert response.headers["Location"] == f"/attempts/{sitting.id}/result"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "试卷已按截止前保存的答案交卷" in page and "不合格" in page
