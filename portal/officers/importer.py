"""The officers import kind (SPEC §3 *Imports*): rows matched by 身份证号; new officers added, changed ones
updated, identical ones left alone — so importing the same file twice adds nothing."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit
from portal.auth.access import agencies_in_scope
from portal.extensions import db
from portal.imports.engine import Column, Context, Kind, register
from portal.imports.rows import Row, error
from portal.imports.values import as_date, as_text
from portal.officers import idcard, signals
from portal.officers.models import STAFF_KINDS, Officer, OfficerCategory
from portal.officers.services import OfficerData, problems
from portal.orgs.models import Agency

#: synthetic ID numbers with valid check characters; the sequence 99 is one the demo never draws
#: (``portal.demo.officers.synthetic_id``), so uploading a sample to the demo adds no hours to a demo officer
SAMPLE_IDS = (idcard.complete("37100219880315991"), idcard.complete("37100219910722992"),
              idcard.complete("37100319850109991"))
#: the sample's unit is a placeholder no site has: uploaded as it is, it stops at 单位 and stores nobody
SAMPLE_AGENCY = "示例单位（请改为本单位全称）"

COLUMNS = (
    Column("姓名", example="张伟"),
    Column("身份证号", example=SAMPLE_IDS[0], help="18位，末位可为X；性别和出生日期由身份证号得出", text=True),
    Column("单位", example="威海市综合行政执法局", help="单位全称或统一社会信用代码，须在您的管辖范围内"),
    Column("岗位", example="执法队员"),
    Column("执法类别", example="城市管理、综合执法", help="多个类别用顿号“、”分隔，须为系统设置中的类别"),
    Column("执法区域", example="环翠区全域"),
    Column("手机", example="13906310000", text=True),
    Column("邮箱", required=False, example="zhangwei@example.gov.cn"),
    Column("入职日期", example="2015-08-01", help="如 2015-08-01、2015/8/1 或 2015年8月1日"),
    Column("人员类别", example="公务员", help="、".join(STAFF_KINDS.values()) + " 之一"),
)
#: OfficerData field → column header, to place each problem in its column
FIELD_COLUMN = {"name": "姓名", "id_number": "身份证号", "gender": "身份证号", "birth_date": "身份证号",
                "agency_id": "单位", "post": "岗位", "categories": "执法类别", "region": "执法区域", "mobile": "手机",
                "email": "邮箱", "hired_on": "入职日期", "status": None, "staff_kind": "人员类别"}
COMPARED = ("name", "agency_id", "post", "region", "mobile", "email", "hired_on", "staff_kind", "categories")
#: the stored columns' sizes (the form's Length validators; the shared checks leave them to it)
MAX_LENGTH = {"post": 60, "region": 100, "email": 120}
CHUNK = 2000


@dataclass
class Plan:
    new: list[OfficerData]
    changed: list[tuple[Officer, OfficerData]]
    unchanged: int


def _existing(id_numbers: list[str]) -> dict[str, Officer]:
    found = {}
    for start in range(0, len(id_numbers), CHUNK):
        chunk = id_numbers[start:start + CHUNK]
        for officer in db.session.scalars(sa.select(Officer).where(Officer.id_number.in_(chunk))):
            found[officer.id_number] = officer
    return found


def _agencies(context: Context) -> tuple[dict[str, Agency], set[int]]:
    agencies = db.session.scalars(sa.select(Agency)).all()
    if context.user is None:
        allowed = {a.id for a in agencies}
    else:
        allowed = set(db.session.scalars(agencies_in_scope(context.user)).all())
    lookup = {}
    for agency in agencies:
        lookup[agency.name] = agency
        if agency.uscc:
            lookup[agency.uscc] = agency
    return lookup, allowed


def check(rows: list[Row], context: Context) -> tuple[Plan, list[dict]]:
    """Validate every row with one query for the officers and one for the agencies (no query per row)."""
    today = context.now.date()
    errors: list[dict] = []
    lookup, allowed = _agencies(context)
    ids = [idcard.normalize(as_text(row.values.get("身份证号"))) for row in rows]
    existing = _existing([i for i in ids if i])
    first_row: dict[str, int] = {}
    plan = Plan([], [], 0)
    for index, (row, id_number) in enumerate(zip(rows, ids, strict=True)):
        if index % 500 == 0:
            context.progress(index, len(rows), f"正在校验第 {index + 1}–{min(index + 500, len(rows))} 行，共 {len(rows)} 行")
        values = row.values
        row_errors: list[dict] = []
        raw_id = values.get("身份证号")
        if isinstance(raw_id, int | float):
            row_errors.append(error(row.number, "身份证号", "身份证号被存成了数字（Excel 会丢失末几位），请把该列设为文本后重新填写"))
        unit = as_text(values.get("单位"))
        agency = lookup.get(unit) or lookup.get(unit.upper())
        if not unit:
            row_errors.append(error(row.number, "单位", "请填写单位全称或统一社会信用代码"))
        elif agency is None or agency.id not in allowed:
            row_errors.append(error(row.number, "单位", f"找不到单位“{unit}”，或它不在您的管辖范围内"))
        # gender and birth date only from a valid number: a wrong one would bring follow-on errors of its own
        born = idcard.birth_date(id_number) if idcard.problem(id_number, today) is None else None
        data = OfficerData(
            name=as_text(values.get("姓名")), gender=idcard.gender(id_number) if born else "",
            birth_date=born, id_number=id_number, agency_id=agency.id if agency is not None else None,
            post=as_text(values.get("岗位")),
            categories=[c for c in as_text(values.get("执法类别")).replace("，", "、").replace(",", "、").split("、")],
            region=as_text(values.get("执法区域")), mobile=as_text(values.get("手机")),
            email=as_text(values.get("邮箱")) or None, hired_on=as_date(values.get("入职日期")),
            staff_kind=as_text(values.get("人员类别")),
        )
        if values.get("入职日期") is not None and data.hired_on is None:
            row_errors.append(error(row.number, "入职日期", "入职日期不是有效日期，请写成 2015-08-01 的形式"))
        officer = existing.get(id_number)
        if officer is not None:
            data.status = officer.status
            if officer.agency_id not in allowed:
                row_errors.append(error(row.number, "身份证号", "该身份证号已登记在不属于您管辖范围的单位，请联系该单位或法制机构"))
        reported = {e["field"] for e in row_errors}
        found = problems(data, today, officer, check_unique=False)
        for field_name, limit in MAX_LENGTH.items():
            value = getattr(data, field_name) or ""
            if len(value) > limit:
                found.append((field_name, f"{FIELD_COLUMN[field_name]}最多{limit}个字，当前{len(value)}个字"))
        for field_name, message in found:
            column = FIELD_COLUMN.get(field_name)
            if column not in reported and not (field_name == "agency_id" and "单位" in reported):
                row_errors.append(error(row.number, column, message))
                reported.add(column)
        if id_number and id_number in first_row:
            row_errors.append(error(row.number, "身份证号", f"与第 {first_row[id_number]} 行的身份证号重复"))
        first_row.setdefault(id_number, row.number)
        if row_errors:
            errors.extend(row_errors)
        elif officer is None:
            plan.new.append(data)
        elif any((sorted(officer.categories) if f == "categories" else getattr(officer, f)) != getattr(data, f)
                 for f in COMPARED):
            plan.changed.append((officer, data))
        else:
            plan.unchanged += 1
    return plan, errors


def apply(plan: Plan, context: Context) -> dict:
    """Insert the new officers in bulk and update the changed ones; one audit entry for the whole file."""
    now = context.now
    created_ids: list[int] = []
    for start in range(0, len(plan.new), CHUNK):
        batch = [Officer(name=d.name, gender=d.gender, birth_date=d.birth_date, id_number=d.id_number,
                         agency_id=d.agency_id, post=d.post, region=d.region, mobile=d.mobile, email=d.email,
                         hired_on=d.hired_on, staff_kind=d.staff_kind, status="on_duty", has_photo=False,
                         created_at=now, updated_at=now,
                         category_rows=[OfficerCategory(name=c) for c in d.categories])
                 for d in plan.new[start:start + CHUNK]]
        db.session.add_all(batch)
        db.session.flush()
        created_ids.extend(o.id for o in batch)
        context.progress(start + len(batch), len(plan.new) + len(plan.changed), f"已保存 {start + len(batch)} 名新人员")
    kind_changed: list[tuple[Officer, str | None]] = []
    for officer, data in plan.changed:
        if officer.staff_kind != data.staff_kind:
            kind_changed.append((officer, officer.staff_kind))
        for name in ("name", "agency_id", "post", "region", "mobile", "email", "hired_on", "staff_kind"):
            setattr(officer, name, getattr(data, name))
        if sorted(officer.categories) != data.categories:
            officer.category_rows = [OfficerCategory(name=c) for c in data.categories]
        officer.updated_at = now
    db.session.flush()
    for officer, before in kind_changed:  # a certificate held (or released) by the new 人员类别, as on the form
        signals.staff_kind_changed.send(officer, actor=context.actor, now=now, before=before)
    result = {"created": len(plan.new), "updated": len(plan.changed), "unchanged": plan.unchanged}
    if plan.new or plan.changed:
        audit.record(context.actor, "officer.import", change={
            **result, "file": context.filename, "sha256": context.sha256,
            "created_ids": created_ids, "updated_ids": [o.id for o, _ in plan.changed]},
            object_type="import", now=now)
    return result


KIND = register(Kind(
    name="officers", label="执法人员", roles=("hr",), columns=COLUMNS, check=check, apply=apply,
    notes=("按身份证号匹配：新的身份证号新增人员，已有的更新其信息（在岗状态不在此修改）。",),
    sample_note="示例中的人员是虚构的，“单位”一列是占位文字：直接上传会在“单位”处报错、不导入任何人；"
                "请照样填写本单位人员，单位写全称。",
    # three ways of writing a date
    samples=(
        ("张伟", SAMPLE_IDS[0], SAMPLE_AGENCY, "执法队员", "城市管理、综合执法", "环翠区全域",
         "13906310000", "zhangwei@example.gov.cn", "2015-08-01", "公务员"),
        ("李娜", SAMPLE_IDS[1], SAMPLE_AGENCY, "中队长", "城市管理", "经济技术开发区",
         "13906310001", "", "2012/3/1", "参照公务员法管理"),
        ("王磊", SAMPLE_IDS[2], SAMPLE_AGENCY, "执法队员", "综合执法", "高区全域",
         "13906310002", "", "2019年7月15日", "事业编制"),
    ),
))
