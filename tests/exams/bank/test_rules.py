"""The rules every question obeys (SPEC §2.6 *Question bank*), each at its edge, through the question form: a refused
question shows the reason beside the field, keeps every typed value and stores nothing."""
from __future__ import annotations

import pytest

from tests.exams.bank.helpers import audits, form, question_count, questions
from tests.officers import page

NEW = "/exams/questions/new"


def post(client, **overrides):
    return client.post(NEW, data=form(**overrides))


def refused(response, field_id: str) -> list[str]:
    assert response.status_code == 200
    assert question_count() == 0 and audits() == []
    return page.field_errors(response, field_id)


def options(*texts) -> dict:
    values = dict(zip(["option_a", "option_b", "option_c", "option_d", "option_e", "option_f"],
                      list(texts) + [""] * (6 - len(texts)), strict=True))
    return values


def test_a_single_choice_question_with_one_option_is_refused_and_two_are_accepted(client, legal):
    response = post(client, **options("举行听证"), answer=["A"])
    assert refused(response, "option_b") == ["单选题至少需要 2 个选项，当前 1 个"]
    accepted = post(client, **options("举行听证", "申请复议"), answer=["A"])
    assert accepted.status_code == 302
    [question] = questions()
    assert question.current.options == ["举行听证", "申请复议"] and question.current.answer == "A"


def test_six_options_are_accepted_and_there_is_no_seventh(client, legal):
    six = options("警告", "罚款", "没收违法所得", "暂扣许可证件", "责令停产停业", "行政拘留")
    response = post(client, kind="multiple", answer=["A", "F", "C"], **six)
    assert response.status_code == 302
    [question] = questions()
    assert len(question.current.options) == 6 and question.current.answer == "ACF"
    # the form offers six option rows and six answer boxes; a seventh letter posted is not an option
    page_ = client.get(NEW)
    assert page.input_value(page_, "option_f") == "" and page.input_value(page_, "option_g") is None
    seventh = post(client, kind="multiple", stem="另一道题", answer=["A", "G"], **six)
    assert page.field_errors(seventh, "answer-errors") == ["答案只能由选项字母 A–F 组成，不能含“G”"]


def test_options_must_be_contiguous_from_a(client, legal):
    response = post(client, **options("举行听证", "申请复议", "", "提起诉讼"))
    assert refused(response, "option_c") == ["选项C为空，但其后的选项D已填写；选项须从 A 起连续填写"]


def test_a_single_choice_question_has_exactly_one_key(client, legal):
    assert refused(post(client, answer=["A", "B"]), "answer-errors") == ["单选题只能有一个正确答案，当前为 AB"]
    assert refused(post(client, answer=[]), "answer-errors") == ["请填写答案（选项字母，如 B 或 ACD）"]


def test_a_key_naming_an_empty_option_is_refused(client, legal):
    response = post(client, answer=["D"])  # options A–C are filled
    assert refused(response, "answer-errors") == ["答案中的选项D没有内容"]


def test_a_multiple_choice_question_needs_two_keys(client, legal):
    response = post(client, kind="multiple", answer=["B"])
    assert refused(response, "answer-errors") == ["多选题至少有两个正确答案，当前只有 B；只有一个答案请改为单选题"]
    assert post(client, kind="multiple", answer=["A", "B"]).status_code == 302


def test_a_true_false_question_has_no_options_and_a_key_of_true_or_false(client, legal):
    response = post(client, kind="true_false", answer=[], answer_tf="T")  # options A–C still filled
    assert refused(response, "option_a") == ["判断题不设选项，请清空选项A"]
    assert page.field_errors(response, "option_c") == ["判断题不设选项，请清空选项C"]
    no_key = post(client, kind="true_false", answer=[], answer_tf="", **options())
    assert refused(no_key, "answer-errors") == ["请填写答案：对 或 错"]
    accepted = post(client, kind="true_false", answer=[], answer_tf="F", **options())
    assert accepted.status_code == 302
    [question] = questions()
    assert question.kind == "true_false" and question.current.options == [] and question.current.answer == "F"
    assert "错" in page.text(client.get(f"/exams/questions/{question.id}"))


@pytest.mark.parametrize(("value", "ok"), [("0", False), ("1", True), ("5", True), ("6", False)])
def test_difficulty_is_1_to_5(client, legal, value, ok):
    response = post(client, difficulty=value)
    if ok:
        assert response.status_code == 302
        assert questions()[0].difficulty == int(value)
    else:
        assert refused(response, "difficulty") == [f"难度须为 1–5 的整数，不能是 {value}"]


def test_duplicate_options_are_refused(client, legal):
    response = post(client, **options("举行听证", "申请复议", "举行 听证"))
    assert refused(response, "option_c") == ["选项C与选项A相同"]


def test_the_stem_is_required_and_limited(client, legal):
    assert refused(post(client, stem="  "), "stem") == ["请填写题干"]
    assert refused(post(client, stem="问" * 1001), "stem") == ["题干最多 1000 个字，当前 1001 个字"]
    assert post(client, stem="问" * 1000).status_code == 302


HEARING_ONLY = ("“听证程序”类试题只考行政处罚和行政许可的听证，法律依据须为《行政处罚法》或《行政许可法》的条款；"
                "行政复议听证的试题请归入“行政复议法”类")


@pytest.mark.parametrize(("basis", "category", "message"), [
    ("", "行政处罚法", "请填写法律依据，如《行政处罚法》第六十四条"),
    ("行政处罚法第六十三条", "行政处罚法", "法律依据须用书名号写明依据的法律文件，如《行政处罚法》第六十四条"),
    ("《行政处罚法》", "行政处罚法", "法律依据须写明具体条款，如《行政处罚法》第六十四条"),
    ("《威海市人民政府办公室关于改进和加强行政执法工作的意见》三（一）4", "行政处罚法", "法律依据须写明具体条款，如《行政处罚法》第六十四条"),
    ("《威海市人民政府办公室关于改进和加强行政执法工作的意见》", "执法礼仪与职业道德",
     "法律依据须写明条款或文件的部分，如《行政处罚法》第五十五条，或威政办发〔2016〕3号文件的三（一）4"),
    # the presider's category: hearings of 行政处罚 and 行政许可 only (复议听证 is chaired by 行政复议人员, 复议法第五十条)
    ("《行政复议法》第五十条", "听证程序", HEARING_ONLY),
    ("《行政许可法》第四十七条、《行政强制法》第十八条", "听证程序", HEARING_ONLY),
])
def test_the_legal_basis_cites_a_document_and_its_article(client, legal, basis, category, message):
    assert refused(post(client, legal_basis=basis, category=category), "legal_basis") == [message]


@pytest.mark.parametrize(("basis", "category"), [
    ("《行政处罚法》第六十四条第（四）项", "听证程序"),
    ("《行政许可法》第四十八条", "听证程序"),
    ("《行政复议法》第五十条", "行政复议法"),
    ("《中华人民共和国行政强制法》第18条", "行政强制法"),
    ("《威海市人民政府办公室关于改进和加强行政执法工作的意见》（威政办发〔2016〕3号）三(一)4", "执法礼仪与职业道德"),
    ("《威海市人民政府办公室关于改进和加强行政执法工作的意见》三（四）2", "执法礼仪与职业道德"),
])
def test_citations_that_are_accepted(client, legal, basis, category):
    assert post(client, legal_basis=basis, category=category).status_code == 302


def test_category_comes_from_the_policy_list_and_the_tag_from_the_officer_categories(client, legal):
    assert refused(post(client, category="民法典"), "category")[0].startswith("类别须为行政处罚法、行政许可法")
    assert refused(post(client, category=""), "category") == ["请选择类别"]
    assert refused(post(client, tag="外星执法"), "tag")[0].startswith("执法类别“外星执法”不在执法类别列表中")
    assert post(client, tag="市场监管").status_code == 302
    assert questions()[0].tag == "市场监管"


def test_a_refused_form_keeps_every_typed_value(client, legal):
    typed = form(kind="multiple", stem="下列哪些属于行政处罚？", option_a="警告", option_b="罚款", option_c="记过",
                 option_d="", answer=["A"], category="行政处罚法", tag="城市管理", difficulty="4",
                 legal_basis="《行政处罚法》第九条", explanation="记过是处分。")
    response = client.post(NEW, data=typed)
    assert response.status_code == 200 and question_count() == 0
    values = page.form_values(response)
    assert values["kind"] == ["multiple"] and values["answer"] == ["A"]
    assert page.input_value(response, "stem") == "下列哪些属于行政处罚？"
    assert [values[f"option_{c}"][0] for c in "abcd"] == ["警告", "罚款", "记过", ""]
    assert values["category"] == ["行政处罚法"] and values["tag"] == ["城市管理"] and values["difficulty"] == ["4"]
    assert values["legal_basis"] == ["《行政处罚法》第九条"]
    assert page.input_value(response, "explanation") == "记过是处分。"


def test_a_duplicate_is_refused_naming_the_existing_question(client, legal):
    assert post(client).status_code == 302
    [first] = questions()
    # the same stem and options, spaces aside, with another key and labels
    response = post(client, stem="行政机关作出较大数额罚款决定前， 应当告知当事人有权要求什么？", answer=["B"], difficulty="5")
    assert response.status_code == 200 and question_count() == 1
    [message] = page.field_errors(response, "stem")
    assert message.startswith(f"与已有的试题 #{first.id}（“行政机关作出较大数额罚款决定前") and "不能重复添加" in message
    # another option set is another question
    assert post(client, option_c="申请国家赔偿").status_code == 302


def test_a_professional_law_question_carries_its_enforcement_category(client, legal):
    """Seed 四(二)1 公共法律知识、专业法律知识: a category the settings mark as professional law needs the 执法类别 its
    questions belong to; public law (行政处罚法 …) does not."""
    from portal import audit, policy
    from portal.extensions import db

    policy.update(audit.Actor.system("test"), {
        "exams.categories": policy.get("exams.categories") + ["城市管理法规"],
        "exams.professional_categories": ["城市管理法规"]})
    db.session.commit()
    assert refused(post(client, category="城市管理法规", tag=""), "tag") == [
        "“城市管理法规”是专业法律知识类别，须标明所属执法类别（威政办发〔2016〕3号 四（二）1）"]
    assert post(client, category="城市管理法规", tag="城市管理").status_code == 302
    assert post(client, stem="行政处罚的种类有哪些？", category="行政处罚法", tag="").status_code == 302
    with pytest.raises(Exception, match="不在题库类别中"):
        policy.update(audit.Actor.system("test"), {"exams.professional_categories": ["民法典"]})
    db.session.rollback()
