"""Versioning (SPEC §2.6): editing a question no attempt has shown changes its current version in place; editing one
an attempt has shown adds version n+1, and the attempt keeps pointing at the old row, unchanged. Labels (category,
tag, difficulty) live on the question and never make a version."""
from __future__ import annotations

import sqlalchemy as sa

from exams.attempts.models import AttemptItem
from exams.bank.models import fingerprint
from portal.extensions import db
from tests.exams.bank.helpers import audits, make_question, mark_used, questions, versions
from tests.officers import page


def _edit(client, question, **overrides):
    """Post the edit form as the page fills it, with ``overrides``."""
    filled = page.form_values(client.get(f"/exams/questions/{question.id}/edit"))
    values = {name: found if name == "answer" else found[0] for name, found in filled.items()}
    values.update(overrides)
    return client.post(f"/exams/questions/{question.id}/edit", data=values)


def test_the_edit_form_starts_from_the_stored_question(client, legal):
    question = make_question(legal.legal_city, kind="multiple", answer="AC", tag="城市管理", difficulty=4)
    response = client.get(f"/exams/questions/{question.id}/edit")
    values = page.form_values(response)
    assert values["kind"] == ["multiple"] and values["answer"] == ["A", "C"] and values["tag"] == ["城市管理"]
    assert values["difficulty"] == ["4"] and values["option_a"] == ["要求听证"] and values["option_e"] == [""]
    assert "status" not in values  # the status has its own buttons
    assert "尚未被考试使用" in page.text(response)


def test_editing_an_unused_question_changes_its_version_in_place(client, legal):
    question = make_question(legal.legal_city)
    [before] = versions(question.id)
    before_id, before_stem = before.id, before.stem
    response = _edit(client, question, stem="修改后的题干", option_b="申请行政复议", legal_basis="《行政处罚法》第六十四条")
    assert response.status_code == 302
    [after] = versions(question.id)
    [stored] = questions()
    assert after.id == before_id and after.version == 1 and stored.version == 1
    assert after.stem == "修改后的题干" and after.options[1] == "申请行政复议"
    assert stored.fingerprint == fingerprint("修改后的题干", after.options)
    entry = audits()[-1]
    assert entry.action == "question.update" and "version" not in entry.change
    assert entry.change["stem"] == [before_stem, "修改后的题干"] and "legal_basis" in entry.change
    assert "已保存：修改了题干、选项、法律依据" in " ".join(page.alerts(client.get(response.headers["Location"])))


def test_editing_a_used_question_makes_a_new_version_and_the_attempt_keeps_the_old(client, legal):
    question = make_question(legal.legal_city)
    item = mark_used(question)
    [old] = versions(question.id)
    old_content = (old.stem, list(old.options), old.answer, old.legal_basis, old.explanation, old.created_at)
    page_ = client.get(f"/exams/questions/{question.id}/edit")
    notice = " ".join(page.alerts(page_))
    assert "当前版本（第 1 版）已被考试使用" in notice and "将生成第 2 版" in notice

    response = _edit(client, question, stem="新版题干", answer=["B"], explanation="新版解析")
    assert response.status_code == 302
    old_row, new_row = versions(question.id)
    [stored] = questions()
    assert (old_row.id, old_row.version) == (old.id, 1)
    assert (old_row.stem, old_row.options, old_row.answer, old_row.legal_basis, old_row.explanation,
            old_row.created_at) == old_content
    assert (new_row.version, new_row.stem, new_row.answer, new_row.explanation) == (2, "新版题干", "B", "新版解析")
    assert stored.version == 2 and stored.current.id == new_row.id
    assert stored.fingerprint == fingerprint("新版题干", new_row.options)
    assert db.session.scalar(sa.select(AttemptItem.version_id).where(AttemptItem.id == item.id)) == old.id
    assert audits()[-1].change["version"] == [1, 2]
    flash = " ".join(page.alerts(client.get(response.headers["Location"])))
    assert "已保存为第 2 版（原版本已被考试使用，保留不变）" in flash

    detail = client.get(f"/exams/questions/{question.id}")
    assert [row[0] for row in page.table_rows(detail)] == ["第2版 当前", "第1版"]
    assert [row[-1] for row in page.table_rows(detail)] == ["未使用", "已使用 1 次"]
    shown = page.text(client.get(f"/exams/questions/{question.id}/versions/1"))
    assert old.stem in shown and "已被 1 份试卷使用" in shown and "新版题干" not in shown

    # version 2 is unused: editing it again changes it in place; once used, the next edit makes version 3
    _edit(client, stored, stem="新版题干（修订）")
    assert [v.version for v in versions(question.id)] == [1, 2]
    mark_used(questions()[0])
    _edit(client, questions()[0], stem="第三版题干")
    assert [(v.version, v.stem) for v in versions(question.id)] == [(1, old.stem), (2, "新版题干（修订）"),
                                                                      (3, "第三版题干")]


def test_labels_of_a_used_question_change_without_a_new_version(client, legal):
    question = make_question(legal.legal_city)
    mark_used(question)
    response = _edit(client, question, difficulty="5", tag="市场监管", category="听证程序")
    assert response.status_code == 302
    [stored] = questions()
    assert [v.version for v in versions(question.id)] == [1]
    assert (stored.version, stored.difficulty, stored.tag, stored.category) == (1, 5, "市场监管", "听证程序")
    assert audits()[-1].change == {"category": ["行政处罚法", "听证程序"], "tag": [None, "市场监管"],
                                   "difficulty": [3, 5]}


def test_saving_without_changes_writes_nothing(client, legal):
    question = make_question(legal.legal_city)
    response = _edit(client, question)
    assert response.status_code == 302
    assert "内容没有变化" in " ".join(page.alerts(client.get(response.headers["Location"])))
    assert len(audits()) == 1 and versions(question.id)[0].version == 1


def test_an_edit_may_not_turn_a_question_into_a_duplicate_and_a_refusal_keeps_the_typing(client, legal):
    first = make_question(legal.legal_city, stem="甲题")
    second = make_question(legal.legal_city, stem="乙题")
    response = _edit(client, second, stem="甲题", explanation="打字的解析")
    assert response.status_code == 200
    assert page.field_errors(response, "stem")[0].startswith(f"与已有的试题 #{first.id}（“甲题”）题干和选项相同")
    assert page.input_value(response, "explanation") == "打字的解析"
    assert versions(second.id)[0].stem == "乙题" and len(audits()) == 2
    bad = _edit(client, second, option_a="", option_b="", option_c="", option_d="")
    assert page.field_errors(bad, "option_a") == ["单选题至少需要 2 个选项，当前 0 个"]
    assert versions(second.id)[0].options[0] == "要求听证"
