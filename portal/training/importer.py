"""The training import kind (SPEC §3 *Imports*): rows matched to officers by 身份证号 within the importer's scope;
duplicates by 外部编号, or without one by (身份证号, 课程名称, 完成日期). A row already stored adds nothing, so
importing the same file twice adds nothing. Validation is :func:`portal.training.batches.validate_records`,
shared with the API."""
from __future__ import annotations

from portal.imports.engine import Column, Context, Kind, register
from portal.imports.rows import Row, error
from portal.officers.importer import SAMPLE_IDS
from portal.training import batches, services

#: the samples' officer: 张伟 of the officers sample, whom no site (and not the demo) has until that is imported
SAMPLE_ID = SAMPLE_IDS[0]

COLUMNS = (
    Column("身份证号", example=SAMPLE_ID, help="18位，末位可为X；须为您管辖范围内已登记的执法人员", text=True),
    Column("课程名称", example="《行政处罚法》专题培训", help=f"最多 {services.MAX_TITLE} 个字"),
    Column("类别", example="公共法律知识", help=f"{services.CATEGORY_CHOICES_TEXT}，三者之一"),
    Column("学时", example="4", help=f"大于0，以0.5为单位（如 1、1.5、2），每条最多 {services.MAX_HOURS_PER_RECORD} 学时"),
    Column("完成日期", example="2026-03-15", help="如 2026-03-15、2026/3/15 或 2026年3月15日；不能晚于今天"),
    Column("培训机构", example="威海市司法局", help=f"最多 {services.MAX_PROVIDER} 个字"),
    Column("外部编号", required=False, example="WH-2026-000123",
           help="培训系统中的记录编号（选填）；填写后按外部编号判断是否重复", text=True),
)
#: services' field names → this file's column headers
FIELD_COLUMN = dict(zip(batches.FIELDS, (c.header for c in COLUMNS), strict=True))


def _row_label(number: int) -> str:
    return f"第 {number} 行"


def check(rows: list[Row], context: Context) -> tuple[batches.Batch, list[dict]]:
    """Validate every row with one query for the officers and one for stored records (no query per row)."""
    items = [batches.Incoming(row.number, *(row.values.get(FIELD_COLUMN[name]) for name in batches.FIELDS))
             for row in rows]
    batch, problems = batches.validate_records(items, context.user, services.today_of(context.now),
                                               describe=_row_label, progress=context.progress)
    return batch, [error(p["ref"], FIELD_COLUMN.get(p["field"]), p["message"]) for p in problems]


def apply(batch: batches.Batch, context: Context) -> dict:
    """Insert the new records in bulk; one audit entry per agency."""
    created = batches.store_records(context.actor, batch, "import", context.now, progress=context.progress,
                                    change={"file": context.filename, "sha256": context.sha256})
    return {"created": created, "updated": 0, "unchanged": batch.unchanged}


KIND = register(Kind(
    name="training", label="培训记录", roles=("hr",), columns=COLUMNS, check=check, apply=apply,
    notes=(f"类别填写：{services.CATEGORY_CHOICES_TEXT}。学时以0.5为单位。",
           "有外部编号的行按外部编号判断重复，没有的按“身份证号＋课程名称＋完成日期”判断；已登记且内容相同的行不会重复添加。",
           "同一文件中重复的行、与已登记记录内容不同的行都会报错，整个文件不导入。"),
    sample_note="示例中的身份证号属于“执法人员”示例里的虚构人员：直接上传会在“身份证号”处报错、不导入任何记录；"
                "请换成本单位已登记人员的身份证号。",
    samples=(
        (SAMPLE_ID, "《行政处罚法》专题培训", "公共法律知识", "4", "2026-03-15", "威海市司法局", "WH-2026-000123"),
        (SAMPLE_ID, "城市管理执法业务培训", "专业法律知识", "6.5", "2026/4/20", "威海市综合行政执法局", ""),
        (SAMPLE_ID, "执法礼仪与职业道德", "职业素养", "2", "2026年5月8日", "威海市司法局", ""),
    ),
))
