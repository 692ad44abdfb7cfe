"""The bank's pages: creating through the form, the list with its search, filters and per-category counts, a question
with its key and history, the candidate's preview, status changes, and who may do what (legal only; editing only
within the account's scope, 404 outside it)."""
from __future__ import annotations

import re

import pytest

from exams.bank.models import Question
from portal import policy
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.exams.bank.helpers import audits, form, make_question, questions, versions
from tests.factories import SYSTEM, make_staff
from tests.officers import page


def list_ids(response) -> list[int]:
    assert response.status_code == 200
    doc = page.parse(response.get_data(as_text=True))
    return [int(tr.attrs["data-question"]) for tr in doc.find_all("tr") if "data-question" in tr.attrs]


def test_a_question_written_in_the_form_is_stored_audited_and_shown(client, legal):
    response = client.post("/exams/questions/new", data=form(kind="multiple", answer=["A", "C"], tag="城市管理",
                                                             option_d="申请调解", status="draft"))
    assert response.status_code == 302
    [question] = questions()
    assert response.headers["Location"].endswith(f"/exams/questions/{question.id}")
    assert (question.kind, question.status, question.version, question.tag, question.agency_id) == (
        "multiple", "draft", 1, "城市管理", legal.city.id)
    version = question.current
    assert version.options == ["举行听证", "申请复议", "提起诉讼", "申请调解"] and version.answer == "AC"
    [entry] = audits()
    assert entry.action == "question.create" and entry.actor_id == legal.legal_city.id
    assert entry.agency_id == legal.city.id and entry.change["answer"] == "AC" and entry.change["status"] == "draft"
    shown = client.get(f"/exams/questions/{question.id}")
    text = page.text(shown)
    assert "举行听证" in text and "《行政处罚法》第六十三条" in text and "较大数额罚款属于听证范围。" in text
    doc = page.parse(shown.get_data(as_text=True))
    assert " ".join(next(n for n in doc.walk() if "question-answer" in n.classes).text().split()) == "AC"
    assert page.table_rows(shown)[0][-1] == "未使用"


def test_the_list_searches_the_stem_and_filters_by_every_label(client, legal):
    a = make_question(legal.legal_city, stem="关于听证程序的问题", category="听证程序", difficulty=2)
    b = make_question(legal.legal_city, kind="true_false", stem="行政强制措施由法律设定。", options=[], answer="对",
                      category="行政强制法", legal_basis="《行政强制法》第十条", tag="城市管理", difficulty=4)
    c = make_question(legal.legal_city, status="draft", stem="行政复议期间原则上不停止执行", kind="multiple",
                      answer="AB", category="行政复议法", legal_basis="《行政复议法》第四十二条")
    d = make_question(legal.legal_district, status="retired", stem="听证由谁主持？", category="听证程序",
                      legal_basis="《行政处罚法》第六十四条")
    assert list_ids(client.get("/exams/questions")) == [d.id, c.id, b.id, a.id]  # newest first
    assert list_ids(client.get("/exams/questions?q=听证")) == [d.id, a.id]
    assert list_ids(client.get("/exams/questions?q=%25")) == []  # LIKE wildcards are searched literally
    assert list_ids(client.get("/exams/questions?kind=true_false")) == [b.id]
    assert list_ids(client.get("/exams/questions?category=听证程序")) == [d.id, a.id]
    assert list_ids(client.get("/exams/questions?tag=城市管理")) == [b.id]
    assert list_ids(client.get("/exams/questions?difficulty=4")) == [b.id]
    assert list_ids(client.get("/exams/questions?status=draft")) == [c.id]
    assert list_ids(client.get("/exams/questions?status=retired&category=听证程序&q=主持")) == [d.id]
    # nonsense filter values are ignored rather than answered with an error
    assert len(list_ids(client.get("/exams/questions?difficulty=9&kind=x&status=y&page=999999999"))) == 0
    assert len(list_ids(client.get("/exams/questions?difficulty=9&kind=x&status=y"))) == 4
    # the filters keep their values in the form
    filtered = client.get("/exams/questions?category=听证程序&status=retired&q=主持")
    assert page.selected_value(filtered, "category") == "听证程序" and page.input_value(filtered, "q") == "主持"


def test_the_list_pages_and_counts_active_questions_per_category(client, legal):
    policy.update(SYSTEM, {"ui.page_size": 20})  # the portal's one page size
    for n in range(23):
        make_question(legal.legal_city, stem=f"第{n}题")
    make_question(legal.legal_city, status="draft", stem="草稿题", category="国家赔偿法",
                  legal_basis="《国家赔偿法》第二条")
    make_question(legal.legal_city, stem="复议题", category="行政复议法", legal_basis="《行政复议法》第二条")
    first = client.get("/exams/questions")
    assert len(list_ids(first)) == 20 and "共 25 条" in page.text(first)
    assert len(list_ids(client.get("/exams/questions?page=2"))) == 5
    doc = page.parse(first.get_data(as_text=True))
    table = next(n for n in doc.walk() if n.tag == "table" and "bank-category-counts" in n.classes)
    counts = {cells[0]: int(cells[1]) for cells in
              ([" ".join(td.text().split()) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr"))}
    assert counts["行政处罚法"] == 23 and counts["行政复议法"] == 1 and counts["国家赔偿法"] == 0
    assert list(counts)[:3] == ["行政处罚法", "行政许可法", "行政强制法"]
    canvas = next(n for n in doc.walk() if n.tag == "canvas")
    import json

    chart = json.loads(canvas.attrs["data-chart"])
    assert dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["data"], strict=True)) == counts
    assert "/imports/questions" in page.links(first)


def test_the_preview_shows_what_a_candidate_sees_and_nothing_more(client, legal):
    question = make_question(legal.legal_city, kind="multiple", answer="BD", legal_basis="《行政处罚法》第九条",
                             explanation="解析文字不应出现", options=["选项甲", "选项乙", "选项丙", "选项丁", "", ""])
    response = client.get(f"/exams/questions/{question.id}/preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for letter, text in zip("ABCD", ["选项甲", "选项乙", "选项丙", "选项丁"], strict=True):
        assert f"{letter}. {text}" in page.text(response)
    doc = page.parse(html)
    boxes = [n for n in doc.find_all("input") if n.attrs.get("name") == "preview"]
    assert len(boxes) == 4 and {b.attrs["type"] for b in boxes} == {"checkbox"}
    assert all("checked" not in b.attrs and "value" not in b.attrs for b in boxes)
    assert "BD" not in html and "第九条" not in html and "解析文字不应出现" not in html and "question-answer" not in html
    card = next(n for n in doc.walk() if "question-preview" in n.classes).text()
    assert "法律依据" not in card and "解析" not in card and "答案" not in card
    single = make_question(legal.legal_city)
    radios = [n for n in page.parse(client.get(f"/exams/questions/{single.id}/preview").get_data(as_text=True))
              .find_all("input") if n.attrs.get("name") == "preview"]
    assert {r.attrs["type"] for r in radios} == {"radio"}
    tf = make_question(legal.legal_city, kind="true_false", options=[], answer="错")
    text = page.text(client.get(f"/exams/questions/{tf.id}/preview"))
    assert "对" in text and "错" in text and "第六十三条" not in text


def test_status_changes_are_audited_and_a_bad_status_changes_nothing(client, legal):
    question = make_question(legal.legal_city, status="draft")
    response = client.post(f"/exams/questions/{question.id}/status", data={"status": "active"})
    assert response.status_code == 302 and questions()[0].status == "active"
    assert "已设为“启用”" in " ".join(page.alerts(client.get(response.headers["Location"])))
    client.post(f"/exams/questions/{question.id}/status", data={"status": "retired"})
    assert questions()[0].status == "retired"
    assert [e.change for e in audits()[1:]] == [{"status": ["draft", "active"]}, {"status": ["active", "retired"]}]
    bad = client.post(f"/exams/questions/{question.id}/status", data={"status": "deleted"}, follow_redirects=True)
    assert "状态须为草稿、启用或停用" in " ".join(page.alerts(bad))
    assert questions()[0].status == "retired" and len(audits()) == 3
    # the same status again changes nothing and writes nothing
    client.post(f"/exams/questions/{question.id}/status", data={"status": "retired"})
    assert len(audits()) == 3


def test_a_district_legal_office_reads_the_city_bank_but_cannot_change_it(client, auth, world, frozen):
    city_question = make_question(world.legal_city, status="draft")
    own = make_question(world.legal_district)
    assert own.agency_id == world.district.id
    assert auth.login("legal_district").status_code == 302
    base = f"/exams/questions/{city_question.id}"
    for path in ("/exams/questions", base, f"{base}/versions/1", f"{base}/preview"):
        assert client.get(path).status_code == 200, path
    detail = client.get(base)
    assert f"{base}/edit" not in page.links(detail) and "不能修改" in page.text(detail)
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(f"{base}/edit", data=form(stem="改掉市里的题")).status_code == 404
    assert client.post(f"{base}/status", data={"status": "active"}).status_code == 404
    db.session.expire_all()
    stored = db.session.get(Question, city_question.id)
    assert stored.status == "draft" and stored.current.stem != "改掉市里的题"
    # its own question it may edit; the city's legal office may edit the district's too (its scope covers it)
    assert client.post(f"/exams/questions/{own.id}/status", data={"status": "retired"}).status_code == 302
    auth.logout()
    auth.login("legal_city")
    assert client.get(f"/exams/questions/{own.id}/edit").status_code == 200
    # another district's legal office does not cover the district's question
    make_staff("legal_other", "legal", [world.other_district])
    auth.logout()
    auth.login("legal_other", PASSWORD)
    assert client.get(f"/exams/questions/{own.id}/edit").status_code == 404
    assert client.get(f"/exams/questions/{own.id}").status_code == 200


@pytest.mark.parametrize("login", ["hr", "admin", "officer"])
def test_other_roles_may_not_use_the_bank(client, auth, world, frozen, login):
    question = make_question(world.legal_city)
    auth.login(world.officer.id_number if login == "officer" else login)
    base = f"/exams/questions/{question.id}"
    for path in ("/exams/questions", "/exams/questions/new", base, f"{base}/versions/1", f"{base}/preview",
                 f"{base}/edit"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{base}/status", data={"status": "retired"}).status_code == 403
    assert client.post("/exams/questions/new", data=form()).status_code == 403
    assert client.get("/imports/questions").status_code == 403
    assert len(questions()) == 1 and questions()[0].status == "active"


def test_unknown_questions_and_versions_answer_404(client, legal):
    question = make_question(legal.legal_city)
    for path in ("/exams/questions/999", "/exams/questions/999/edit", "/exams/questions/999/preview",
                 f"/exams/questions/{question.id}/versions/2", "/exams/questions/99999999999"):
        assert client.get(path).status_code == 404, path
    assert client.post("/exams/questions/999/status", data={"status": "active"}).status_code == 404


def test_the_navigation_names_the_bank_for_legal(client, legal):
    html = client.get("/home").get_data(as_text=True)
    assert re.search(r'href="/exams/questions"[^>]*>\s*题库', html)
    assert versions(make_question(legal.legal_city).id)[0].version == 1
