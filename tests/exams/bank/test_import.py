"""The questions import (SPEC §3 *Imports*): exactly the spec's headers; every row checked by the form's rules and
every bad one reported with its row and column; nothing stored unless every row is valid; duplicates within the file
name the first row; rows already in the bank add nothing (the same file twice adds nothing); GBK CSV; the demo
question file; the CLI; and set-based checking (the same SELECTs for 20 rows as for 200)."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from exams.bank.models import Question
from portal.imports import engine
from tests.exams.bank.helpers import (
    HEADERS,
    audits,
    csv_bytes,
    make_question,
    question_count,
    questions,
    row,
    rows,
    upload,
    versions,
    xlsx_bytes,
)
from tests.imports.helpers import alert_text, error_table
from tests.sql import statements

DEMO = Path(__file__).resolve().parents[3] / "exams" / "data" / "demo_questions.csv"


def test_the_kind_has_exactly_the_spec_headers_and_a_template(client, legal):
    assert engine.KINDS["questions"].headers == HEADERS
    assert engine.KINDS["questions"].roles == ("legal",)
    required = [c.header for c in engine.KINDS["questions"].columns if c.required]
    assert required == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "类别", "难度", "法律依据"]
    response = client.get("/imports/questions/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert "批量导入试题" in client.get("/imports/questions").get_data(as_text=True)


def test_a_good_file_is_imported_active_and_the_same_file_again_adds_nothing(client, legal):
    payload = xlsx_bytes(rows(6) + [row(题干="带执法类别和解析的题", 执法类别="城市管理", 解析="解析", 难度="5",
                                        选项E="第五项", 选项F="第六项", 答案="f")])
    response = upload(client, payload)
    assert response.status_code == 200, alert_text(response)
    assert "共 7 行，新增 7 条" in alert_text(response)
    stored = questions()
    assert [q.kind for q in stored] == ["single", "multiple", "true_false"] * 2 + ["single"]
    assert {(q.status, q.version, q.agency_id, q.created_by) for q in stored} == {
        ("active", 1, legal.city.id, legal.legal_city.id)}
    last = stored[-1]
    assert (last.tag, last.difficulty, last.current.answer, len(last.current.options)) == ("城市管理", 5, "F", 6)
    assert last.current.explanation == "解析"
    tf = stored[2].current
    assert (tf.options, tf.answer) == ([], "T")
    assert stored[1].current.answer == "ABC" and len(versions(stored[0].id)) == 1
    [entry] = audits()
    assert entry.action == "question.import" and entry.change["created"] == 7 and entry.agency_id == legal.city.id
    assert entry.change["file"] == "试题.xlsx"

    again = upload(client, payload)
    assert again.status_code == 200
    assert "新增 0 条" in alert_text(again) and "7 条与已有记录相同" in alert_text(again)
    assert question_count() == 7 and len(audits()) == 1
    # a question typed in the form earlier counts too: a file holding it adds only the rest
    make_question(legal.legal_city, stem="已在题库中的题", options=["举行听证", "申请复议", "提起诉讼", "申请调解", "", ""])
    mixed = upload(client, xlsx_bytes([row(题干="已在题库中的题", 答案="B"), row(题干="新题")]))
    assert "新增 1 条" in alert_text(mixed) and "1 条与已有记录相同" in alert_text(mixed)
    assert question_count() == 9


def test_a_gbk_csv_is_read(client, legal):
    response = upload(client, csv_bytes(rows(3), encoding="gbk"), "试题.csv")
    assert "新增 3 条" in alert_text(response), alert_text(response)
    assert [q.current.stem for q in questions()][0] == "第0题：较大数额罚款前应当告知当事人有权要求什么？"
    bom = upload(client, csv_bytes(rows(3), encoding="utf-8-sig"), "试题.csv")
    assert "新增 0 条" in alert_text(bom)


def test_one_bad_row_stores_nothing_and_is_named_by_row_and_column(client, legal):
    values = rows(5)
    values[3]["难度"] = 6
    response = upload(client, xlsx_bytes(values))
    assert response.status_code == 422
    assert "未导入任何数据" in alert_text(response)
    assert error_table(response) == [(5, "难度", "难度须为 1–5 的整数，不能是 6")]
    assert question_count() == 0 and audits() == []


def test_every_rule_is_reported_with_its_row_and_column(client, legal):
    bad = [
        row(题干="一个选项", 选项B=None, 选项C=None, 选项D=None),                        # 2
        row(题干="两个答案", 答案="AB"),                                                 # 3
        row(题型="多选", 题干="多选一个答案", 答案="B"),                                  # 4
        row(题干="空选项", 答案="E"),                                                    # 5
        row(题型="判断", 题干="判断带选项", 答案="对"),                                   # 6
        row(题型="判断", 题干="判断答案", 选项A=None, 选项B=None, 选项C=None, 选项D=None, 答案="A"),  # 7
        row(题干="难度零", 难度=0),                                                      # 8
        row(题型="填空", 题干="题型"),                                                    # 9
        row(题干="类别", 类别="民法典"),                                                  # 10
        row(题干="执法类别", 执法类别="外星执法"),                                          # 11
        row(题干="依据", 法律依据="行政处罚法"),                                           # 12
        row(题干="重复选项", 选项C="举行听证"),                                            # 13
        row(题干="不连续", 选项C=None),                                                   # 14
        row(题干=None),                                                                 # 15
        row(题干="难度文字", 难度="较难"),                                                 # 16
    ]
    response = upload(client, xlsx_bytes(bad))
    assert response.status_code == 422
    found = error_table(response)
    assert found == [
        (2, "选项B", "单选题至少需要 2 个选项，当前 1 个"),
        (3, "答案", "单选题只能有一个正确答案，当前为 AB"),
        (4, "答案", "多选题至少有两个正确答案，当前只有 B；只有一个答案请改为单选题"),
        (5, "答案", "答案中的选项E没有内容"),
        (6, "选项A", "判断题不设选项，请清空选项A"),
        (6, "选项B", "判断题不设选项，请清空选项B"),
        (6, "选项C", "判断题不设选项，请清空选项C"),
        (6, "选项D", "判断题不设选项，请清空选项D"),
        (7, "答案", "判断题的答案须为“对”或“错”，不能是“A”"),
        (8, "难度", "难度须为 1–5 的整数，不能是 0"),
        (9, "题型", "题型须为单选、多选或判断"),
        (10, "类别", "类别须为行政处罚法、行政许可法、行政强制法、行政复议法、行政诉讼法、国家赔偿法、政府信息公开条例、"
                   "听证程序、执法礼仪与职业道德之一"),
        (11, "执法类别", found[12][2]),
        (12, "法律依据", "法律依据须用书名号写明依据的法律文件，如《行政处罚法》第六十四条"),
        (13, "选项C", "选项C与选项A相同"),
        (14, "选项C", "选项C为空，但其后的选项D已填写；选项须从 A 起连续填写"),
        (15, "题干", "请填写题干"),
        (16, "难度", "难度须为 1–5 的整数，不能是“较难”"),
    ]
    assert found[12][2].startswith("执法类别“外星执法”不在执法类别列表中")
    assert question_count() == 0


def test_a_seventh_option_column_is_refused(client, legal):
    response = upload(client, xlsx_bytes([{**row(), "选项G": "第七项"}], headers=HEADERS + ["选项G"]))
    assert response.status_code == 422
    assert (1, "选项G", f"无法识别的列“选项G”；应为：{'、'.join(HEADERS)}") in error_table(response)
    assert question_count() == 0


def test_duplicates_within_the_file_name_the_first_row(client, legal):
    values = rows(3) + [row(题干="第0题：较大数额罚款前应当告知当事人有权要求什么？", 答案="B", 难度=1)]
    values.append(row(题干=" 第0题：较大数额罚款前应当告知 当事人有权要求什么？"))
    response = upload(client, xlsx_bytes(values))
    assert response.status_code == 422
    assert error_table(response) == [(5, "题干", "与第 2 行的题干和选项相同"), (6, "题干", "与第 2 行的题干和选项相同")]
    assert question_count() == 0


def test_answers_and_kinds_are_read_as_people_write_them(client, legal):
    values = [row(题型="多选题", 题干="一", 答案="a、c"), row(题型="多选", 题干="二", 答案="ＢＤ"),
              row(题型="判断题", 题干="三", 选项A=None, 选项B=None, 选项C=None, 选项D=None, 答案="错"),
              row(题型="判断", 题干="四", 选项A=None, 选项B=None, 选项C=None, 选项D=None, 答案="正确"),
              row(题干="五", 难度="２")]
    response = upload(client, xlsx_bytes(values))
    assert "新增 5 条" in alert_text(response), error_table(response)
    assert [(q.kind, q.current.answer, q.difficulty) for q in questions()] == [
        ("multiple", "AC", 3), ("multiple", "BD", 3), ("true_false", "F", 3), ("true_false", "T", 3), ("single", "A", 2)]


def test_a_district_legal_office_imports_into_its_own_bank(client, auth, world, frozen):
    auth.login("legal_district")
    assert "新增 2 条" in alert_text(upload(client, xlsx_bytes(rows(2))))
    assert {q.agency_id for q in questions()} == {world.district.id}


def test_hr_may_not_import_questions(client, auth, world, frozen):
    auth.login("hr")
    assert upload(client, xlsx_bytes(rows(2))).status_code == 403
    assert question_count() == 0


def test_the_demo_question_file_imports_cleanly(client, legal):
    """The demo file is larger than the upload page runs at once: it goes through the import job."""
    from portal import background
    from portal.extensions import db

    response = upload(client, DEMO.read_bytes(), DEMO.name)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert background.run_pending() == 1
    job = db.session.scalar(db.select(background.Job))
    assert job.status == "succeeded", (job.error, (job.result or {}))
    count = question_count()
    assert count >= 150 and job.result["created"] == count == job.result["rows"]
    categories = {q.category for q in questions()}
    assert categories == {"行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法", "国家赔偿法",
                          "政府信息公开条例", "听证程序", "执法礼仪与职业道德"}
    assert {q.agency_id for q in questions()} == {legal.city.id}


def test_the_cli_imports_into_the_root_bank(runner, world, tmp_path, frozen):
    path = tmp_path / "试题.xlsx"
    path.write_bytes(xlsx_bytes(rows(4)))
    result = runner.invoke(args=["import", "questions", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成：4 行，新增 4，更新 0，未变 0" in result.output
    assert {(q.agency_id, q.created_by, q.status) for q in questions()} == {(world.city.id, None, "active")}
    again = runner.invoke(args=["import", "questions", str(path)])
    assert again.exit_code == 0 and "新增 0，更新 0，未变 4" in again.output

    bad = tmp_path / "坏.csv"
    bad.write_bytes(csv_bytes([row(题干="新题", 答案="G")]))
    failed = runner.invoke(args=["import", "questions", str(bad)])
    assert failed.exit_code != 0
    assert "第2行，答案列：答案只能由选项字母 A–F 组成，不能含“G”" in failed.output
    assert question_count() == 4


def test_an_import_costs_the_same_selects_for_20_and_200_rows(app, client, legal):
    def selects(payload) -> int:
        with statements(app, selects_only=True) as seen:
            response = upload(client, payload)
        assert response.status_code == 200, error_table(response)[:5]
        return len(seen)

    few, many = xlsx_bytes(rows(20)), xlsx_bytes(rows(200, start=1000))
    assert selects(few) == selects(many)
    # checking rows already in the bank costs the same too
    assert selects(few) == selects(many)
    assert question_count() == 220 and db_kinds() == {"single", "multiple", "true_false"}


def db_kinds() -> set[str]:
    return {q.kind for q in questions(Question.id > 0)}
