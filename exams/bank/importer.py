"""The questions import kind (SPEC §3 *Imports*): every row checked by :func:`exams.bank.rules.validate` (the
form's rules), duplicates by identical 题干 and options — within the file an error naming the first row, against
the bank nothing added (so the same file twice adds nothing). Imported questions are active and belong to the
importer's legal office (the CLI: the root of the agency tree)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from exams.bank import rules, services
from exams.bank.models import LETTERS, Question, QuestionVersion
from portal import audit, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.imports.engine import Column, Context, Kind, register
from portal.imports.rows import Row, error

CHUNK = 1000

COLUMNS = (
    Column("题型", example="单选", help="单选、多选或判断"),
    Column("题干", example="行政机关拟作出较大数额罚款决定的，应当告知当事人有权要求（　）。",
           help=f"最多 {rules.MAX_STEM} 个字"),
    Column("选项A", example="听证", help="单选、多选至少填写A、B两项，须从A起连续填写；判断题不填"),
    Column("选项B", example="复议"),
    Column("选项C", example="诉讼", help="选填"),
    Column("选项D", example="调解", help="选填"),
    Column("选项E", required=False, help="选填，最多六个选项"),
    Column("选项F", required=False, help="选填"),
    Column("答案", example="A", help="单选填一个字母（如 B），多选填两个以上字母（如 ACD），判断填“对”或“错”"),
    Column("类别", example="行政处罚法", help="题库类别之一（政策设置“题库类别”）"),
    Column("执法类别", required=False, example="", help="选填；填写时须为执法类别之一（如 城市管理）"),
    Column("难度", example="3", help="1–5 的整数，1 最易，5 最难"),
    Column("法律依据", example="《行政处罚法》第六十三条", help="写明法律文件及条款，如《行政处罚法》第六十四条"),
    Column("解析", required=False, example="", help=f"选填，最多 {rules.MAX_EXPLANATION} 个字"),
)
#: the rules' field names → this file's column headers
FIELD_COLUMN = {name: rules.FIELD_LABELS[name] for name in rules.FIELD_LABELS}


@dataclass
class Plan:
    """The questions to insert, and how many rows the bank already holds."""

    new: list[rules.Clean] = field(default_factory=list)
    unchanged: int = 0


def _stored(prints: list[str]) -> set[str]:
    """The fingerprints among ``prints`` the bank already holds (one query per 1,000)."""
    found: set[str] = set()
    for start in range(0, len(prints), CHUNK):
        found.update(db.session.scalars(sa.select(Question.fingerprint)
                                        .where(Question.fingerprint.in_(prints[start:start + CHUNK]))))
    return found


def check(rows: list[Row], context: Context) -> tuple[Plan, list[dict]]:
    """Validate every row (no query per row), then look the fingerprints up in one query."""
    categories, tags = policy.get("exams.categories"), policy.get("officers.categories")
    errors: list[dict] = []
    valid: list[tuple[int, rules.Clean]] = []
    first_row: dict[str, int] = {}
    for position, row in enumerate(rows):
        if position % 500 == 0:
            context.progress(position, len(rows), f"正在校验第 {position + 1} 行起，共 {len(rows)} 行")
        values = row.values
        data = rules.QuestionData(
            kind=values.get("题型"), stem=values.get("题干"),
            options=[values.get(f"选项{letter}") for letter in LETTERS], answer=values.get("答案"),
            category=values.get("类别"), tag=values.get("执法类别"), difficulty=values.get("难度"),
            legal_basis=values.get("法律依据"), explanation=values.get("解析"))
        clean, problems = rules.validate(data, categories, tags)
        if problems:
            errors.extend(error(row.number, FIELD_COLUMN.get(p["field"]), p["message"]) for p in problems)
            continue
        if clean.fingerprint in first_row:
            errors.append(error(row.number, "题干", f"与第 {first_row[clean.fingerprint]} 行的题干和选项相同"))
            continue
        first_row[clean.fingerprint] = row.number
        valid.append((row.number, clean))
    plan = Plan()
    stored = _stored(list(first_row))
    for _, clean in valid:
        if clean.fingerprint in stored:
            plan.unchanged += 1
        else:
            plan.new.append(clean)
    return plan, errors


def apply(plan: Plan, context: Context) -> dict:
    """Insert the new questions and their first versions in bulk (active); one audit entry for the file."""
    if not plan.new:
        return {"created": 0, "updated": 0, "unchanged": plan.unchanged}
    agency_id = services.owner_agency(context.user)
    now, user_id = context.now, context.actor.user_id
    created: list[int] = []
    try:
        for start in range(0, len(plan.new), CHUNK):
            chunk = plan.new[start:start + CHUNK]
            ids = db.session.scalars(sa.insert(Question).returning(Question.id, sort_by_parameter_order=True), [
                {"kind": c.kind, "category": c.category, "tag": c.tag, "difficulty": c.difficulty,
                 "status": "active", "version": 1, "fingerprint": c.fingerprint, "agency_id": agency_id,
                 "created_by": user_id, "created_at": now, "updated_at": now} for c in chunk]).all()
            db.session.execute(sa.insert(QuestionVersion), [
                {"question_id": question_id, "version": 1, **c.content(), "created_by": user_id, "created_at": now}
                for question_id, c in zip(ids, chunk, strict=True)])
            created.extend(ids)
            context.progress(len(created), len(plan.new), f"已保存 {len(created)} 道试题")
    except IntegrityError:
        # another import or a colleague stored one of these questions after the check: the caller rolls back
        raise DomainError("conflict", "另一操作同时添加了其中的试题，未导入任何试题；请重试（已有的试题不会重复添加）",
                          status=409) from None
    audit.record(context.actor, "question.import", change={
        "file": context.filename, "sha256": context.sha256, "created": len(created), "unchanged": plan.unchanged,
        "first_id": min(created), "last_id": max(created)}, object_type="question", agency_id=agency_id, now=now)
    return {"created": len(created), "updated": 0, "unchanged": plan.unchanged}


KIND = register(Kind(
    name="questions", label="试题", roles=("legal",), columns=COLUMNS, check=check, apply=apply,
    notes=("题型填写：单选、多选、判断。答案：单选填一个字母，多选填两个以上字母（如 ACD），判断填“对”或“错”。",
           "法律依据须写明法律文件及条款，如《行政处罚法》第六十四条；执法礼仪与职业道德类可写威政办发〔2016〕3号文件的部分，如三（一）4。",
           "题干和选项完全相同的试题视为重复：题库中已有的不会重复添加；同一文件中重复的行会报错，整个文件不导入。",
           "导入的试题直接启用，可供考试抽题。"),
    # each written from the statute it cites (../shared/laws): 第六十三条, 第九条 with 第二十八条, 强制法第十七条
    samples=(
        ("单选", "行政机关拟作出较大数额罚款决定的，应当告知当事人有权要求（　）。", "听证", "复议", "诉讼", "调解", "", "",
         "A", "行政处罚法", "", "3", "《行政处罚法》第六十三条", "拟作出较大数额罚款等决定的，应当告知当事人有要求听证的权利。"),
        ("多选", "下列属于《行政处罚法》规定的行政处罚种类的有（　）。", "警告", "通报批评", "罚款", "责令改正", "", "",
         "ABC", "行政处罚法", "", "2", "《行政处罚法》第九条",
         "第九条列举了警告、通报批评、罚款等处罚种类；责令改正是第二十八条规定的实施处罚时的要求，不是处罚种类。"),
        ("判断", "行政强制措施权可以委托给其他组织行使。", "", "", "", "", "", "", "错", "行政强制法", "", "2",
         "《行政强制法》第十七条", "第十七条第一款：行政强制措施权不得委托。"),
    ),
))
