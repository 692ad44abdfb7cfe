"""Officer records: validation shared by the form and the imports, changes with audit, photos."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from PIL import Image, ImageOps

from portal import audit, clock, images, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import idcard, signals
from portal.officers.models import (
    GENDERS,
    STAFF_KIND_CODES,
    STAFF_KINDS,
    STATUSES,
    Officer,
    OfficerCategory,
    OfficerPhoto,
)

policy.define(
    "officers.categories", "执法类别", "list",
    ["城市管理", "市场监管", "生态环境", "交通运输", "文化市场", "农业农村", "自然资源", "应急管理", "卫生健康",
     "住房城乡建设", "水务", "海洋渔业", "人力资源社会保障", "综合执法"],
    "人员", help="每行一个；人员的执法类别须从中选择",
)

policy.define(
    "officers.eligible_staff_kinds", "可参加资格考试、持有执法证件的人员类别", "list",
    ["公务员", "参照公务员法管理", "事业编制"], "人员",
    help="每行一个，须为：" + "、".join(STAFF_KINDS.values()) + "。依据：行政处罚法第四十二条（行政处罚应当由具有行政执法资格的"
         "执法人员实施）、行政强制法第十七条第三款（行政强制措施应当由行政机关具备资格的行政执法人员实施，其他人员不得实施）。"
         "人员改为其他类别时，其证件暂扣。",
)
#: why a staff kind matters, as the eligibility rules and the hold say it
STAFF_KIND_BASIS = "《行政处罚法》第四十二条、《行政强制法》第十七条第三款"


@policy.constraint
def _eligible_staff_kinds_are_kinds(values: dict) -> str | None:
    """The eligible 人员类别 are named from the fixed list, at least one."""
    kinds = values["officers.eligible_staff_kinds"]
    unknown = [kind for kind in kinds if kind not in STAFF_KIND_CODES]
    if unknown:
        return f"人员类别“{unknown[0][:20]}”不在可选范围内：须为{'、'.join(STAFF_KINDS.values())}"
    if not kinds:
        return "可持证的人员类别至少填写一个"
    return None


def eligible_staff_kinds() -> list[str]:
    """The codes of the 人员类别 that may sit the qualification exam and hold a certificate."""
    return [STAFF_KIND_CODES[label] for label in policy.get("officers.eligible_staff_kinds") if label in STAFF_KIND_CODES]


def staff_kind_refusal(staff_kind: str | None) -> str | None:
    """``None`` when an officer of ``staff_kind`` may sit the qualification exam and hold a certificate, else why
    not (SPEC §2.3; 行政处罚法第四十二条, 行政强制法第十七条第三款)."""
    if staff_kind in eligible_staff_kinds():
        return None
    allowed = "、".join(STAFF_KINDS[code] for code in eligible_staff_kinds())
    if not staff_kind:
        return f"人员类别未登记：请人事管理员登记（可持证的类别为{allowed}）"
    return f"人员类别为“{STAFF_KINDS.get(staff_kind, staff_kind)}”，可持证的类别为{allowed}（{STAFF_KIND_BASIS}）"


MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only (\d matches every script's digits)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Chinese names may use characters outside the basic CJK block (生僻字: Extensions A–G, compatibility
# ideographs, 〇); minority names are joined by a middle dot, which IMEs offer in several forms.
NAME = re.compile(
    "^[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z·•・ ]{2,40}$")
PHOTO_MAX_BYTES = 2 * 1024 * 1024
#: someone else saved the record since the form was opened
STALE = "该人员信息已被他人修改，请刷新页面后重新编辑"
PHOTO_BOX = (480, 640)

LABELS = {
    "name": "姓名", "gender": "性别", "birth_date": "出生日期", "id_number": "身份证号", "agency_id": "单位",
    "post": "岗位", "categories": "执法类别", "region": "执法区域", "mobile": "手机", "email": "邮箱",
    "hired_on": "入职日期", "status": "在岗状态", "staff_kind": "人员类别",
}


@dataclass
class OfficerData:
    """Input for an officer record, as typed."""

    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str
    agency_id: int | None
    post: str
    categories: list[str] = field(default_factory=list)
    region: str = ""
    mobile: str = ""
    email: str | None = None
    hired_on: dt.date | None = None
    status: str = "on_duty"
    #: a code of :data:`STAFF_KINDS` (the import and the API may give its label: :func:`problems` turns it into the code)
    staff_kind: str = ""


def sixteenth_birthday(born: dt.date) -> dt.date:
    """The day someone born on ``born`` turns 16 (29 February → 28 February)."""
    try:
        return born.replace(year=born.year + 16)
    except ValueError:
        return born.replace(year=born.year + 16, day=28)


def problems(data: OfficerData, today: dt.date, officer: Officer | None = None,
             check_unique: bool = True) -> list[tuple[str, str]]:
    """Every problem with ``data`` as ``(field, message in Chinese)``; normalises the data in place."""
    errors: list[tuple[str, str]] = []
    data.name = (data.name or "").strip()
    data.id_number = idcard.normalize(data.id_number)
    data.post = (data.post or "").strip()
    data.region = (data.region or "").strip()
    data.mobile = unicodedata.normalize("NFKC", data.mobile or "").strip()  # 全角 digits typed with an IME
    data.email = (data.email or "").strip() or None
    data.categories = sorted({c.strip() for c in data.categories if c and c.strip()})
    data.staff_kind = (data.staff_kind or "").strip()
    data.staff_kind = STAFF_KIND_CODES.get(data.staff_kind, data.staff_kind)
    if not NAME.match(data.name):
        errors.append(("name", "姓名应为2–40个汉字或字母"))
    id_problem = idcard.problem(data.id_number, today)
    if id_problem:
        errors.append(("id_number", id_problem))
    if data.gender not in GENDERS:
        errors.append(("gender", "请选择性别"))
    if data.birth_date is None:
        errors.append(("birth_date", "请填写出生日期"))
    if not id_problem:
        born = idcard.birth_date(data.id_number)
        if data.birth_date is not None and born != data.birth_date:
            errors.append(("birth_date", f"出生日期与身份证号不一致：身份证号中为{born:%Y年%m月%d日}"))
        if data.gender in GENDERS and idcard.gender(data.id_number) != data.gender:
            errors.append(("gender", f"性别与身份证号不一致：身份证号第17位表示{GENDERS[idcard.gender(data.id_number)]}"))
        if check_unique:
            taken = sa.select(Officer.id).where(Officer.id_number == data.id_number)
            if officer is not None:
                taken = taken.where(Officer.id != officer.id)
            if db.session.scalar(taken):
                errors.append(("id_number", "该身份证号已登记在其他人员名下"))
    if data.agency_id is None:
        errors.append(("agency_id", "请选择单位"))
    if not data.post:
        errors.append(("post", "请填写岗位"))
    allowed = policy.get("officers.categories")
    if not data.categories:
        errors.append(("categories", "至少选择一个执法类别"))
    unknown = [c for c in data.categories if c not in allowed]
    if unknown:
        errors.append(("categories", f"执法类别“{'、'.join(unknown)}”不在设置的类别中"))
    if not data.region:
        errors.append(("region", "请填写执法区域"))
    if not MOBILE.match(data.mobile):
        errors.append(("mobile", "手机号应为11位数字，以1开头"))
    if data.email and not EMAIL.match(data.email):
        errors.append(("email", "邮箱格式不正确"))
    if data.hired_on is None:
        errors.append(("hired_on", "请填写入职日期"))
    elif data.hired_on > today:
        errors.append(("hired_on", "入职日期不能晚于今天"))
    elif data.birth_date and data.hired_on < sixteenth_birthday(data.birth_date):
        errors.append(("hired_on", "入职日期早于16周岁，请核对"))
    if data.status not in STATUSES:
        errors.append(("status", "在岗状态无效"))
    if not data.staff_kind:
        errors.append(("staff_kind", "请选择人员类别"))
    elif data.staff_kind not in STAFF_KINDS:
        errors.append(("staff_kind", f"人员类别须为{'、'.join(STAFF_KINDS.values())}之一"))
    return errors


#: fields whose values never enter the (unerasable) audit log: only that they changed
_PERSONAL = ("id_number", "birth_date", "mobile", "email")


def _audit_view(change: dict) -> dict:
    """Personal data left out of the audit log: a change to it is recorded as such, without the values."""
    return {field: ("已修改" if isinstance(value, list) else "已登记") if field in _PERSONAL else value
            for field, value in change.items()}


def raise_problems(errors):
    """Refuse with the problems found by :func:`problems`."""
    raise DomainError("invalid_officer", "人员信息有误",
                      items=[{"field": f, "message": m} for f, m in errors])


def create_officer(actor: audit.Actor, data: OfficerData, now: dt.datetime) -> Officer:
    """Register an officer."""
    errors = problems(data, clock.local(now).date())
    if errors:
        raise_problems(errors)
    officer = Officer(created_at=now, updated_at=now)
    _assign(officer, data, clock.local(now).date())
    db.session.add(officer)
    db.session.flush()
    audit.record(actor, "officer.create", officer, _audit_view(
        {k: getattr(data, k) for k in LABELS}), now=now)
    return officer


def update_officer(actor: audit.Actor, officer: Officer, data: OfficerData, now: dt.datetime,
                   expected_version: int | None = None) -> dict:
    """Change an officer's record; refuses with 409 when someone else saved it since the form was opened."""
    if expected_version is not None and expected_version != officer.version:
        raise DomainError.conflict("conflict", STALE)
    errors = problems(data, clock.local(now).date(), officer)
    if errors:
        raise_problems(errors)
    before = {k: (officer.categories if k == "categories" else getattr(officer, k)) for k in LABELS}
    _assign(officer, data, clock.local(now).date())
    changes = {k: [before[k], getattr(data, k)] for k in LABELS if before[k] != getattr(data, k)}
    if changes:
        officer.updated_at = now
        db.session.flush()
        audit.record(actor, "officer.update", officer, _audit_view(changes), now=now)
        if "status" in changes:
            signals.status_changed.send(officer, actor=actor, now=now, before=changes["status"][0])
        if "staff_kind" in changes:
            signals.staff_kind_changed.send(officer, actor=actor, now=now, before=changes["staff_kind"][0])
    return changes


def _assign(officer: Officer, data: OfficerData, today: dt.date) -> None:
    if officer.status != data.status:
        officer.status_changed_on = None if data.status == "on_duty" else today
    for name in ("name", "gender", "birth_date", "id_number", "agency_id", "post", "region", "mobile", "email",
                 "hired_on", "status", "staff_kind"):
        setattr(officer, name, getattr(data, name))
    if officer.categories != data.categories:
        officer.category_rows = [OfficerCategory(name=c) for c in data.categories]


def process_photo(raw: bytes) -> tuple[bytes, int, int]:
    """Check an uploaded photo (JPEG or PNG, at most 2 MB) and re-encode it as a resized JPEG without metadata.

    :raises DomainError: when the file is too large, not an image, or of another type.
    """
    if not raw:
        raise DomainError("invalid_photo", "请选择照片文件")
    if len(raw) > PHOTO_MAX_BYTES:
        raise DomainError("invalid_photo", f"照片不能超过2MB（当前{len(raw) / 1024 / 1024:.1f}MB）")
    try:
        image, kind = images.decode(raw)
    except images.TooLarge as large:
        raise DomainError("invalid_photo", large.message("照片")) from None
    except images.Unreadable:
        raise DomainError("invalid_photo", "无法识别照片文件，请上传JPEG或PNG格式的图片") from None
    if kind not in ("JPEG", "PNG"):
        raise DomainError("invalid_photo", f"照片须为JPEG或PNG格式（当前为{kind}）")
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.split()[-1])
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail(PHOTO_BOX, Image.Resampling.LANCZOS)
    # Pillow writes back what the source carried in ``info`` (a JPEG comment, XMP …): the pixels alone are kept
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue(), image.width, image.height


def set_photo(actor: audit.Actor, officer: Officer, raw: bytes, now: dt.datetime) -> OfficerPhoto:
    """Store an officer's photo (re-encoded), replacing any earlier one."""
    data, width, height = process_photo(raw)
    photo = db.session.get(OfficerPhoto, officer.id)
    if photo is None:
        photo = OfficerPhoto(officer_id=officer.id)
        db.session.add(photo)
    photo.data, photo.width, photo.height, photo.uploaded_at = data, width, height, now
    officer.has_photo = True
    officer.updated_at = now
    audit.record(actor, "officer.photo", officer, {"bytes": len(data), "size": f"{width}x{height}"}, now=now)
    return photo


def reveal_id_number(actor: audit.Actor, officer: Officer, context: str, now: dt.datetime) -> str:
    """Return the unmasked ID number, auditing the display (个人信息保护法)."""
    audit.record(actor, "officer.id_number_viewed", officer, {"context": context}, now=now)
    return officer.id_number


def search(condition, *, q: str = "", agency_path: str | None = None, status: str = "", category: str = ""):
    """A SELECT of officers matching the list filters inside ``condition`` (the caller's scope)."""
    from portal.orgs.models import Agency

    query = sa.select(Officer).where(condition)
    q = (q or "").strip()
    if q:
        if idcard.looks_like(q):
            query = query.where(Officer.id_number == idcard.normalize(q))
        elif q.isdigit() and len(q) == 11:
            query = query.where(Officer.mobile == q)
        else:
            query = query.where(Officer.name.contains(q, autoescape=True))
    if agency_path:
        query = query.where(Officer.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(agency_path, autoescape=True))))
    if status in STATUSES:
        query = query.where(Officer.status == status)
    if category:
        query = query.where(Officer.id.in_(sa.select(OfficerCategory.officer_id).where(
            OfficerCategory.name == category)))
    return query.order_by(Officer.agency_id, Officer.name, Officer.id)
