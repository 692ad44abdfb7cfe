"""The key never leaves the server before the attempt is final (SPEC §2.6).

Every response an open attempt produces — each question's page, the answer POSTs and the pages they lead to, the
autosave JSON (saved and refused), the confirmation, the result URL while open, and the script — is recorded;
then every drawn version's key is changed in the database and the same walk is made again. Nothing may differ:
a response that depended on the key in any way (a data attribute, an option value, a hidden field, a class)
would. No response carries an explanation or a legal basis either.
"""
from __future__ import annotations

import difflib
import re

import sqlalchemy as sa

from exams.attempts.models import AttemptItem
from exams.bank.models import QuestionVersion
from portal.extensions import db
from tests.exams.attempts.helpers import BASIS, EXPLANATION, items, open_exam, start

#: the CSRF token differs from one rendering to the next (the clock is frozen, so nothing else may)
CSRF = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="[^"]*"')
#: a different key for each kind
ROTATE = {"single": {"B": "C"}, "multiple": {"ACD": "B"}, "true_false": {"T": "F"}}
CHOICE = {"single": ["1"], "multiple": ["0", "2"], "true_false": ["T"]}


def walk(client, attempt) -> list[tuple]:
    """Every response of the open attempt, from a fresh (unanswered) paper."""
    db.session.execute(sa.update(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                       .values(response=None, answered_at=None))
    db.session.commit()
    base = f"/attempts/{attempt.id}"
    seen = []

    def record(label, response):
        body = CSRF.sub(b'name="csrf_token" value="-"', response.get_data())
        seen.append((label, response.status_code, response.headers.get("Location"), response.headers.get(
            "Content-Type"), body))
        return response

    drawn = items(attempt)
    for item in drawn:
        record(f"take {item.position}", client.get(f"{base}?n={item.position}"))
    record("take default", client.get(base))
    record("take out of range", client.get(f"{base}?n=999"))
    for item in drawn:
        kind = item.version.kind
        moved = record(f"answer {item.position}", client.post(f"{base}/answer", data={
            "position": str(item.position), "choice": CHOICE[kind], "go": "next"}))
        record(f"after answer {item.position}", client.get(moved.headers["Location"]))
    for go in ("prev", "3", "clear", "submit"):
        moved = record(f"go {go}", client.post(f"{base}/answer", data={"position": "2", "choice": "0", "go": go}))
        record(f"after go {go}", client.get(moved.headers["Location"]))
    moved = record("bad answer", client.post(f"{base}/answer", data={"position": "1", "choice": ["0", "1"],
                                                                      "go": "next"}))
    record("after bad answer", client.get(moved.headers["Location"]))
    for item in drawn:
        kind = item.version.kind
        record(f"save {item.position}", client.post(f"{base}/save", json={"position": item.position,
                                                                           "choice": CHOICE[kind]}))
        record(f"save again {item.position}", client.post(f"{base}/save", json={"position": item.position,
                                                                                 "choice": CHOICE[kind]}))
    record("save cleared", client.post(f"{base}/save", json={"position": 3, "choice": []}))
    record("save refused", client.post(f"{base}/save", json={"position": 1, "choice": ["0", "1"]}))
    record("save malformed", client.post(f"{base}/save", json={"position": 1}))
    record("save bad position", client.post(f"{base}/save", json={"position": 99, "choice": ["0"]}))
    for item in drawn:
        record(f"take answered {item.position}", client.get(f"{base}?n={item.position}"))
    record("confirm", client.get(f"{base}/submit"))
    result = record("result while open", client.get(f"{base}/result"))
    record("after result", client.get(result.headers["Location"]))
    record("script", client.get("/static/js/attempt.js"))
    return seen


def rotate_keys(attempt) -> None:
    for item in items(attempt):
        version = db.session.get(QuestionVersion, item.version_id)
        version.answer = ROTATE[version.kind][version.answer]
    db.session.commit()


def test_no_response_of_an_open_attempt_depends_on_the_key(officer, client, frozen):
    attempt = start(officer, open_exam(officer))
    before = walk(client, attempt)
    keys = [i.version.answer for i in items(attempt)]
    rotate_keys(attempt)
    db.session.expire_all()
    assert [i.version.answer for i in items(attempt)] != keys
    after = walk(client, attempt)
    assert len(before) == len(after) > 60
    for first, second in zip(before, after, strict=True):
        if first != second:
            diff = "\n".join(difflib.unified_diff(first[4].decode().splitlines(), second[4].decode().splitlines(),
                                                  lineterm="", n=1))
            raise AssertionError(f"{first[0]} depends on the key:\n{diff}")
    bodies = b"".join(entry[4] for entry in before).decode("utf-8")
    assert EXPLANATION not in bodies and BASIS not in bodies and "法律依据" not in bodies and "解析" not in bodies
    assert "正确答案" not in bodies
    for item in items(attempt):
        assert item.version.stem in bodies  # the walk did show every question
    statuses = {entry[0]: entry[1] for entry in before}
    assert statuses["take 1"] == 200 and statuses["save 1"] == 200 and statuses["save refused"] == 422
    assert statuses["confirm"] == 200 and statuses["result while open"] == 302 and statuses["script"] == 200
    db.session.refresh(attempt)
    assert attempt.status == "open"


def test_option_values_are_the_positions_shown_not_letters(officer, client, frozen):
    attempt = start(officer, open_exam(officer))
    for item in items(attempt):
        page = client.get(f"/attempts/{attempt.id}?n={item.position}").get_data(as_text=True)
        values = sorted(v.split('"')[0] for v in page.split('name="choice" value="')[1:])
        expected = ["F", "T"] if item.version.kind == "true_false" else [str(i) for i in range(len(item.option_order))]
        assert values == expected


def test_the_script_knows_nothing_of_keys(client):
    script = client.get("/static/js/attempt.js").get_data(as_text=True)
    for word in ("correct", "explanation", "legal", "option_order", "正确", "解析", "依据"):
        assert word not in script.lower()
