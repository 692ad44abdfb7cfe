"""Creating and changing agencies; the tree's order and paths."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.agencies import uscc
from portal.orgs.models import BODY_KINDS, KINDS, QUALIFICATION, Agency, BodyDecision

REGION_CODE = re.compile(r"^[0-9]{6}$")  # ASCII digits only: \d would match every script's digits


def tree_order(agencies) -> list[Agency]:
    """Agencies in depth-first order (siblings by ``sort_order`` then name); orphans of the list go first."""
    by_parent: dict[int | None, list[Agency]] = {}
    ids = {a.id for a in agencies}
    for agency in agencies:
        parent = agency.parent_id if agency.parent_id in ids else None
        by_parent.setdefault(parent, []).append(agency)
    ordered: list[Agency] = []

    def walk(parent):
        for child in sorted(by_parent.get(parent, []), key=lambda a: (a.sort_order, a.name)):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


@dataclass
class AgencyData:
    """Validated input for an agency."""

    name: str
    short_name: str
    uscc: str | None
    region_code: str
    kind: str
    parent_id: int | None
    sort_order: int = 0
    qualification_status: str = "pending"
    qualification_basis: str | None = None
    qualification_decided_on: dt.date | None = None
    announcement_text: str | None = None
    announced_on: dt.date | None = None


STRUCTURE_LABELS = {
    "name": "名称", "short_name": "简称", "uscc": "统一社会信用代码", "region_code": "行政区划代码", "kind": "类型",
    "parent_id": "上级单位", "sort_order": "排序",
}
#: a body's standing: set when an agency is created (the tree as it stands), changed afterwards only through the
#: legal office's decisions (:mod:`portal.orgs.bodies`), which keep its history
STANDING_LABELS = {
    "qualification_status": "执法主体资格", "qualification_basis": "确认依据", "qualification_decided_on": "确认/取消日期",
    "announcement_text": "公告内容", "announced_on": "公告日期",
}
FIELD_LABELS = STRUCTURE_LABELS | STANDING_LABELS


def _standing_problems(data: AgencyData) -> list[tuple[str, str]]:
    """A new agency's standing as it stands today (later changes go through :mod:`portal.orgs.bodies`)."""
    errors = []
    if data.qualification_status not in QUALIFICATION:
        errors.append(("qualification_status", "执法主体资格状态无效"))
    elif data.qualification_status != "pending":
        if data.kind not in BODY_KINDS:
            errors.append(("qualification_status", "只有行政机关、法律法规授权的组织和乡镇街道可以确认为执法主体；受委托组织不是执法主体"))
        if not data.qualification_decided_on:
            errors.append(("qualification_decided_on", "确认或取消执法主体资格须填写日期"))
        if not (data.qualification_basis or "").strip():
            errors.append(("qualification_basis", "确认或取消执法主体资格须写明法律依据"))
    elif data.announced_on:
        errors.append(("announced_on", "尚未确认的执法主体不能公告"))
    if data.announced_on and data.qualification_decided_on and data.announced_on < data.qualification_decided_on:
        errors.append(("announced_on", "公告日期不能早于确认/取消日期"))
    if data.announced_on and not (data.announcement_text or "").strip():
        errors.append(("announcement_text", "公告须有公告内容"))
    return errors


def validate(data: AgencyData, agency: Agency | None) -> None:
    """Refuse ``data`` with every problem found (normalises it in place)."""
    errors = []
    data.name = data.name.strip()
    data.short_name = data.short_name.strip()
    data.uscc = uscc.normalize(data.uscc) or None
    data.region_code = unicodedata.normalize("NFKC", data.region_code or "").strip()  # 全角 digits from an IME
    if not data.name:
        errors.append(("name", "名称不能为空"))
    if not data.short_name:
        errors.append(("short_name", "简称不能为空"))
    if data.uscc and (reason := uscc.problem(data.uscc)):
        errors.append(("uscc", reason))
    if not REGION_CODE.match(data.region_code or ""):
        errors.append(("region_code", "行政区划代码应为6位数字"))
    if data.kind not in KINDS:
        errors.append(("kind", "请选择单位类型"))
    if agency is None:
        errors += _standing_problems(data)
    elif data.qualification_status != "pending" and data.kind not in BODY_KINDS:
        errors.append(("kind", f"本单位的执法主体资格为“{agency.qualification_label}”，不能改为{KINDS.get(data.kind, '该')}类型："
                               "只有行政机关、法律法规授权的组织和乡镇街道可以是执法主体"))
    duplicate = sa.select(Agency.id).where(Agency.name == data.name)
    if agency is not None:
        duplicate = duplicate.where(Agency.id != agency.id)
    if data.name and db.session.scalar(duplicate):
        errors.append(("name", f"已有名为“{data.name}”的单位"))
    if data.uscc:
        taken = sa.select(Agency.id).where(Agency.uscc == data.uscc)
        if agency is not None:
            taken = taken.where(Agency.id != agency.id)
        if db.session.scalar(taken):
            errors.append(("uscc", "该统一社会信用代码已被其他单位使用"))
    if data.parent_id is not None:
        parent = db.session.get(Agency, data.parent_id)
        if parent is None:
            errors.append(("parent_id", "上级单位不存在"))
        elif agency is not None and agency.id is not None and parent.path.startswith(agency.path):
            errors.append(("parent_id", "不能把单位移到它自己或它的下级单位之下"))
    if errors:
        raise DomainError("invalid_agency", "单位信息有误", items=[{"field": f, "message": m} for f, m in errors])


def _apply(agency: Agency, data: AgencyData, fields=FIELD_LABELS) -> dict:
    changes = {}
    for field in fields:
        old, new = getattr(agency, field), getattr(data, field)
        if old != new:
            changes[field] = [old, new]
            setattr(agency, field, new)
    return changes


def create_agency(actor: audit.Actor, data: AgencyData, now: dt.datetime) -> Agency:
    """Add an agency to the tree."""
    validate(data, None)
    agency = Agency(created_at=now, updated_at=now, path="")
    _apply(agency, data)
    db.session.add(agency)
    db.session.flush()
    parent = db.session.get(Agency, data.parent_id) if data.parent_id else None
    agency.path = f"{parent.path if parent else '/'}{agency.id}/"
    if data.qualification_status != "pending":  # the standing it already has, as its history's first rows
        action = "confirm" if data.qualification_status == "confirmed" else "cancel"
        db.session.add(BodyDecision(agency_id=agency.id, action=action, decided_on=data.qualification_decided_on,
                                    legal_basis=data.qualification_basis.strip(),
                                    announcement_text=(data.announcement_text or "（未载明）").strip(),
                                    actor_id=actor.user_id, actor_label=actor.shown, created_at=now))
        if data.announced_on:
            db.session.add(BodyDecision(agency_id=agency.id, action="announce", decided_on=data.announced_on,
                                        actor_id=actor.user_id, actor_label=actor.shown, created_at=now))
    audit.record(actor, "agency.create", agency, {k: getattr(data, k) for k in FIELD_LABELS}, now=now)
    return agency


def update_agency(actor: audit.Actor, agency: Agency, data: AgencyData, now: dt.datetime) -> dict:
    """Change an agency's place and particulars (not its standing as a body: see :mod:`portal.orgs.bodies`); moving
    it under another parent moves its whole subtree."""
    for field in STANDING_LABELS:
        setattr(data, field, getattr(agency, field))
    validate(data, agency)
    old_path = agency.path
    changes = _apply(agency, data, STRUCTURE_LABELS)
    if "parent_id" in changes:
        parent = db.session.get(Agency, data.parent_id) if data.parent_id else None
        new_path = f"{parent.path if parent else '/'}{agency.id}/"
        db.session.execute(
            sa.update(Agency)
            .where(Agency.path.startswith(old_path, autoescape=True))
            .values(path=sa.literal(new_path) + sa.func.substr(Agency.path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    if changes:
        agency = db.session.get(Agency, agency.id)
        agency.updated_at = now
        audit.record(actor, "agency.update", agency, changes, now=now)
    return changes
