"""Entrustment agreements (委托执法, SPEC §2.2, seed 四(三) and 二(三)): the legal office records an agreement, files
it, announces it, and records its termination; a renewal is a new agreement naming the one it renews.

Each rule of SPEC §2.2 is refused (422) with its legal basis named, field by field:
* the entrusting party must be a valid 行政机关 (a ``government`` body, confirmed and announced);
* the entrusted party is another 行政机关 (a department, a township under seed 二(三)) or an organisation with
  public-affairs functions (seed 四(三): 委托其他行政机关或者具有管理公共事务职能的组织) — any kind but ``other``;
* 行政强制措施 may never be entrusted (行政强制法第十七条第一款; seed 三(一)3);
* 行政许可 only to another 行政机关 — a department or a township (行政许可法第二十四条第一款);
* 行政处罚 only to an organisation meeting 行政处罚法第二十一条: conditions (一) and (三) are declared on the
  agreement (or its stated basis provides otherwise); condition (二) — staff holding enforcement certificates — is
  checked: the party's staff may apply once the agreement is filed (:func:`pending_for`), and the agreement is
  announced only when one of them holds a certificate (:func:`certified_staff`);
* an entrusted party may never entrust further (再委托: seed 四(三); 行政处罚法第二十条第四款, 行政许可法第二十四条第三款);
* announcement only after filing; both parties' announcements are recorded, the entrusted party's required where
  行政处罚 is entrusted (行政处罚法第二十条第二款; 行政许可法第二十四条第一款 asks it of the entrusting body only).
Filing more than ``orgs.filing_days`` (10) days after signing is flagged, not refused. An agreement is in force only
once announced, within its term, not terminated, and while its entrusting body is valid.

Every step is an audit entry and the ``entrustment_changed`` signal, on which the certificates package places or
lifts the ``entrustment_ended`` hold of the entrusted party's certificates. Callers commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit, locks, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs import signals
from portal.orgs.bodies import services as bodies
from portal.orgs.bodies.services import SECTION
from portal.orgs.models import POWERS, Agency, Agreement
from portal.templating import cn_date

policy.define("orgs.filing_days", "委托协议备案期限（签订后天数）", "int", 10, SECTION, minimum=1, maximum=90, unit="天",
              help="委托协议签订后超过此天数才向法制机构备案的，系统标记为逾期备案。")
policy.define("orgs.entrustment_reminder_days", "委托期限届满提前提醒（天）", "int", 30, SECTION, minimum=1,
              maximum=180, unit="天", help="委托协议期限届满前此天数，提醒法制机构。")

DOCUMENT_MAX = 10 * 1024 * 1024
TEXT_MAX = 4000
#: how an agreement that breaks a rule is refused: this message, each problem beside its field
REFUSED, INVALID = "委托协议不符合规定，请按提示修改", "invalid_agreement"
#: who may be entrusted: another 行政机关 (a department, a township) or an organisation with public-affairs functions
ENTRUSTED_KINDS = ("government", "township", "authorized", "entrusted")
#: the kinds that are 行政机关, to which alone 行政许可 may be entrusted (行政许可法第二十四条第一款)
ADMINISTRATIVE_KINDS = ("government", "township")
#: the kinds whose staff may enforce by an entrustment alone, in the entrusting body's name: an ``entrusted``
#: organisation, and a township entrusted under seed 二(三). A department or an authorised organisation entrusted
#: with some matters enforces as the body it is, and needs its own standing (SPEC §2.1) for its certificates.
BY_ENTRUSTMENT_KINDS = ("entrusted", "township")
#: the dates a term may take (a typo such as 9999 is refused, not stored)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
RE_ENTRUST = ("受委托组织不得再委托其他组织或者个人实施行政执法（威政办发〔2016〕3号 四（三）；《行政处罚法》第二十条第四款，"
              "《行政许可法》第二十四条第三款）")
ARTICLE_21_TWO = ("委托行政处罚的，受委托组织须有取得行政执法资格的工作人员（《行政处罚法》第二十一条第二项）：其工作人员"
                  "可在协议备案后申领执法证，至少一人持有有效执法证后方可公告")
BOTH_ANNOUNCE = "委托行政处罚的，委托行政机关和受委托组织均应将委托书向社会公布（《行政处罚法》第二十条第二款），请填写受委托组织的公告日期"

#: ``fn(agency_id, on) -> bool``: whether one of the agency's staff held an enforcement certificate on ``on`` (one
#: held only because this very agreement is not yet in force counts); registered by the certificates package, which
#: sits above this one. Until one is registered nobody holds a certificate.
_certified_staff: list[Callable[[int, dt.date], bool]] = []


def certified_staff(fn: Callable[[int, dt.date], bool]) -> Callable[[int, dt.date], bool]:
    """Register the check of 行政处罚法第二十一条第二项 (the certificates package does)."""
    _certified_staff[:] = [fn]
    return fn


def has_certified_staff(agency_id: int, on: dt.date) -> bool:
    return bool(_certified_staff) and _certified_staff[0](agency_id, on)


@dataclass
class AgreementData:
    """What the legal office typed and uploaded."""

    entrusting_id: int | None
    entrusted_id: int | None
    legal_basis: str
    matters: str
    powers: list[str]
    meets_article_21: bool
    starts_on: dt.date | None
    ends_on: dt.date | None
    rights_obligations: str
    liability: str
    signed_on: dt.date | None
    document: bytes | None
    document_name: str
    renews_id: int | None = None


def is_entrusted_party(agency_id: int) -> bool:
    """True when the agency is the entrusted party of a filed agreement (so acts in another's name, and may not
    entrust further); an agreement only signed and never filed makes nobody an entrusted party."""
    return db.session.scalar(sa.select(Agreement.id).where(
        Agreement.entrusted_id == agency_id, Agreement.filed_on.is_not(None)).limit(1)) is not None


def acts_in_entrusting_name(agency: Agency, today: dt.date) -> bool:
    """True when ``agency``'s officers act only in an entrusting body's name: an ``entrusted`` organisation, or a
    township that is no valid body in its own right and is the entrusted party of a filed agreement. A valid body
    entrusted with some matters acts in its own name for its own powers; a department or authorised organisation
    that is no valid body has no authority of its own to hold certificates by (:data:`BY_ENTRUSTMENT_KINDS`)."""
    if agency.kind not in BY_ENTRUSTMENT_KINDS or agency.is_valid_body(today):
        return False
    return agency.kind == "entrusted" or is_entrusted_party(agency.id)


def problems(data: AgreementData, today: dt.date) -> list[tuple[str, str]]:
    """Every rule ``data`` breaks, as (field, message naming the legal basis)."""
    errors: list[tuple[str, str]] = []
    entrusting = db.session.get(Agency, data.entrusting_id) if data.entrusting_id else None
    entrusted = db.session.get(Agency, data.entrusted_id) if data.entrusted_id else None
    if entrusting is None:
        errors.append(("entrusting_id", "请选择委托机关"))
    elif entrusting.kind == "entrusted" or acts_in_entrusting_name(entrusting, today):
        # a valid body entrusted with some matters may still entrust its own (行政处罚法第二十条第一款 在其法定权限内)
        errors.append(("entrusting_id", RE_ENTRUST))
    elif entrusting.kind != "government":
        errors.append(("entrusting_id", f"{entrusting.name}不是行政机关，不能委托实施行政执法（《行政处罚法》第二十条）"))
    elif not entrusting.is_valid_body(today):
        errors.append(("entrusting_id", f"{entrusting.name}的执法主体资格未经确认并公告，不得开展（委托）行政执法"
                                        "（威政办发〔2016〕3号 四（一））"))
    if entrusted is None:
        errors.append(("entrusted_id", "请选择受委托组织"))
    elif entrusted.kind not in ENTRUSTED_KINDS:
        errors.append(("entrusted_id", f"{entrusted.name}的单位类型为“{entrusted.kind_label}”：受委托方须为其他行政机关或者"
                                       "具有管理公共事务职能的组织（威政办发〔2016〕3号 四（三））"))
    elif entrusting is not None and entrusted.id == entrusting.id:
        errors.append(("entrusted_id", "委托机关和受委托组织不能是同一单位"))
    elif entrusted.qualification_status == "cancelled":
        errors.append(("entrusted_id", f"{entrusted.name}的执法主体资格已取消（{entrusted.qualification_basis or '见执法主体公告'}），"
                                       "不能再受委托实施行政执法"))
    powers = [p for p in data.powers if p in POWERS]
    if not powers:
        errors.append(("powers", "请选择委托的职权种类"))
    if "coercion" in powers:
        errors.append(("powers", "行政强制措施权不得委托（《行政强制法》第十七条第一款；威政办发〔2016〕3号 三（一）3）"))
    if "licensing" in powers and entrusted is not None and entrusted.kind not in ADMINISTRATIVE_KINDS:
        errors.append(("powers", f"{entrusted.name}不是行政机关：行政许可只能委托其他行政机关实施（《行政许可法》第二十四条第一款）"))
    if "penalty" in powers and not data.meets_article_21:
        errors.append(("meets_article_21", "委托行政处罚的，受委托组织须依法成立并具有管理公共事务职能、需要技术检查或者"
                                           "技术鉴定的有条件组织进行（《行政处罚法》第二十一条第一、三项），或委托依据另有规定，"
                                           "请核实后勾选"))
    for name, label in (("legal_basis", "委托的法律依据"), ("matters", "委托事项"),
                        ("rights_obligations", "双方的权利和义务"), ("liability", "法律责任")):
        value = (getattr(data, name) or "").strip()
        if not value:
            errors.append((name, f"请填写{label}"))
        elif len(value) > TEXT_MAX:
            errors.append((name, f"{label}不能超过 {TEXT_MAX} 个字"))
    if data.signed_on is None:
        errors.append(("signed_on", "请填写签订日期"))
    elif data.signed_on > today:
        errors.append(("signed_on", "签订日期不能晚于今天"))
    if data.starts_on is None:
        errors.append(("starts_on", "请填写委托期限的起始日期"))
    if data.starts_on is not None and not EARLIEST <= data.starts_on <= LATEST:
        errors.append(("starts_on", f"起始日期应在 {EARLIEST.year} 年至 {LATEST.year} 年之间"))
    if data.ends_on is None:
        errors.append(("ends_on", "请填写委托期限的截止日期"))
    elif not EARLIEST <= data.ends_on <= LATEST:
        errors.append(("ends_on", f"截止日期应在 {EARLIEST.year} 年至 {LATEST.year} 年之间"))
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors.append(("ends_on", "截止日期不能早于起始日期"))
    if not data.document:
        errors.append(("document", "请上传双方签章的委托协议（PDF）"))
    elif len(data.document) > DOCUMENT_MAX:
        errors.append(("document", "协议文件不能超过 10 MB"))
    elif not data.document.startswith(b"%PDF-"):
        errors.append(("document", "协议文件须为 PDF"))
    return errors


def create(data: AgreementData, *, actor: audit.Actor, now: dt.datetime) -> Agreement:
    """Record a signed agreement (not yet filed, announced or in force)."""
    errors = problems(data, now.date())
    if errors:
        raise DomainError.invalid(errors, REFUSED, code=INVALID)
    if data.renews_id is not None:
        old = db.session.get(Agreement, data.renews_id)
        if old is None or (old.entrusting_id, old.entrusted_id) != (data.entrusting_id, data.entrusted_id):
            raise DomainError.invalid([("renews_id", "续签的协议须与原协议的委托机关和受委托组织相同")], REFUSED, code=INVALID)
    row = Agreement(
        entrusting_id=data.entrusting_id, entrusted_id=data.entrusted_id, renews_id=data.renews_id,
        legal_basis=data.legal_basis.strip(), matters=data.matters.strip(),
        powers=[p for p in POWERS if p in data.powers], meets_article_21=bool(data.meets_article_21),
        starts_on=data.starts_on, ends_on=data.ends_on, rights_obligations=data.rights_obligations.strip(),
        liability=data.liability.strip(), signed_on=data.signed_on, document=data.document,
        document_name=(data.document_name or "委托协议.pdf")[-120:], created_by_label=actor.shown,
        created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "entrustment.create", row, {
        "entrusting": data.entrusting_id, "entrusted": data.entrusted_id, "powers": row.powers,
        "term": [str(data.starts_on), str(data.ends_on)], "renews": data.renews_id}, now=now)
    signals.entrustment_changed.send(row, actor=actor, now=now)
    return row


def late(agreement: Agreement) -> bool:
    """Filed more than ``orgs.filing_days`` days after signing."""
    limit = int(policy.get("orgs.filing_days"))
    filed = agreement.filed_on
    return filed is not None and (filed - agreement.signed_on).days > limit


def file(agreement: Agreement, filed_on: dt.date | None, *, actor: audit.Actor, now: dt.datetime) -> Agreement:
    """Record the agreement's filing (备案) with the legal office; a filing past the deadline is flagged."""
    agreement = locks.relock(agreement)
    if agreement.state != "signed":
        raise DomainError.conflict("already_filed", f"该协议{agreement.state_label}，不能重复备案")
    if filed_on is None:
        raise DomainError.invalid([("filed_on", "请填写备案日期")], REFUSED, code=INVALID)
    if filed_on > now.date():
        raise DomainError.invalid([("filed_on", "备案日期不能晚于今天")], REFUSED, code=INVALID)
    if filed_on < agreement.signed_on:
        raise DomainError.invalid([("filed_on", f"备案日期不能早于签订日期（{cn_date(agreement.signed_on)}）")], REFUSED, code=INVALID)
    agreement.filed_on, agreement.updated_at = filed_on, now
    db.session.flush()
    audit.record(actor, "entrustment.file", agreement, {"filed_on": str(filed_on), "late": late(agreement),
                                                         "days": agreement.filing_days()}, now=now)
    signals.entrustment_changed.send(agreement, actor=actor, now=now)
    return agreement


def announce(agreement: Agreement, announced_on: dt.date | None, *, actor: audit.Actor, now: dt.datetime,
             entrusted_announced_on: dt.date | None = None) -> Agreement:
    """Record the agreement's announcement — the entrusting body's (``announced_on``, from which it is in force) and
    the entrusted party's — once filed (SPEC §2.2). Where 行政处罚 is entrusted both are required (行政处罚法第二十条
    第二款) and one of the party's staff must hold an enforcement certificate (第二十一条第二项)."""
    agreement = locks.relock(agreement)
    if agreement.state == "signed":
        raise DomainError.invalid([("announced_on", "委托协议须先向法制机构备案，备案后方可公告（威政办发〔2016〕3号 四（三））")],
            "尚未备案的委托协议不能公告", code=INVALID)
    if agreement.state != "filed":
        raise DomainError.conflict("already_announced", f"该协议{agreement.state_label}，不能再公告")
    penalty = "penalty" in agreement.powers
    errors = []
    for name, day, whose in (("announced_on", announced_on, "委托机关的公告日期"),
                             ("entrusted_announced_on", entrusted_announced_on, "受委托组织的公告日期")):
        if day is None:
            if name == "announced_on":
                errors.append((name, "请填写公告日期"))
            elif penalty:
                errors.append((name, BOTH_ANNOUNCE))
        elif day > now.date():
            errors.append((name, f"{whose}不能晚于今天：请在公告发布后登记"))
        elif day < agreement.filed_on:
            errors.append((name, f"{whose}不能早于备案日期（{cn_date(agreement.filed_on)}）"))
    if penalty and not errors and not has_certified_staff(agreement.entrusted_id, announced_on):
        errors.append(("announced_on", f"{cn_date(announced_on)}，{agreement.entrusted.name}尚无持有有效执法证的工作人员。"
                                       f"{ARTICLE_21_TWO}"))
    if errors:
        raise DomainError.invalid(errors, REFUSED, code=INVALID)
    agreement.announced_on, agreement.entrusted_announced_on = announced_on, entrusted_announced_on
    agreement.updated_at = now
    db.session.flush()
    audit.record(actor, "entrustment.announce", agreement, {
        "announced_on": str(announced_on),
        "entrusted_announced_on": str(entrusted_announced_on) if entrusted_announced_on else None}, now=now)
    signals.entrustment_changed.send(agreement, actor=actor, now=now)
    return agreement


def terminate(agreement: Agreement, terminated_on: dt.date | None, reason: str, *, actor: audit.Actor,
              now: dt.datetime) -> Agreement:
    """End the agreement before its term (解除): from ``terminated_on`` it is no longer in force, and the entrusted
    party's certificates are held (委托终止) unless another agreement of theirs is in force."""
    agreement = locks.relock(agreement)
    if agreement.terminated_on is not None:
        raise DomainError.conflict("already_terminated", "该协议已终止")
    reason = (reason or "").strip()
    errors = []
    if terminated_on is None:
        errors.append(("terminated_on", "请填写终止日期"))
    elif terminated_on < agreement.signed_on:
        errors.append(("terminated_on", "终止日期不能早于签订日期"))
    if not reason:
        errors.append(("reason", "请写明终止的理由"))
    elif len(reason) > TEXT_MAX:
        errors.append(("reason", f"理由不能超过 {TEXT_MAX} 个字"))
    if errors:
        raise DomainError.invalid(errors, REFUSED, code=INVALID)
    agreement.terminated_on, agreement.termination_reason, agreement.updated_at = terminated_on, reason, now
    db.session.flush()
    audit.record(actor, "entrustment.terminate", agreement, {"terminated_on": str(terminated_on),
                                                              "reason": reason}, now=now)
    signals.entrustment_changed.send(agreement, actor=actor, now=now)
    return agreement


def in_force_condition(today: dt.date):
    """The SQL twin of :meth:`Agreement.in_force`: announced, within its term, not terminated, and its entrusting
    body valid."""
    return sa.and_(Agreement.announced_on.is_not(None), Agreement.announced_on <= today,
                   Agreement.starts_on <= today, Agreement.ends_on >= today,
                   sa.or_(Agreement.terminated_on.is_(None), Agreement.terminated_on > today),
                   Agreement.entrusting_id.in_(sa.select(Agency.id).where(bodies.valid_condition(today))))


def in_force_for(agency_id: int, today: dt.date) -> Agreement | None:
    """The agreement under which ``agency_id`` acts today (the one ending last), or ``None``."""
    return db.session.scalar(sa.select(Agreement).where(Agreement.entrusted_id == agency_id,
                                                        in_force_condition(today))
                             .order_by(Agreement.ends_on.desc(), Agreement.id.desc()).limit(1))


def pending_for(agency_id: int, today: dt.date) -> Agreement | None:
    """The filed agreement of ``agency_id`` awaiting its announcement (not terminated, its term not over, its
    entrusting body valid), under which its staff may apply for certificates (行政处罚法第二十一条第二项), or
    ``None``."""
    return db.session.scalar(sa.select(Agreement).where(
        Agreement.entrusted_id == agency_id, Agreement.filed_on.is_not(None), Agreement.announced_on.is_(None),
        Agreement.terminated_on.is_(None), Agreement.ends_on >= today,
        Agreement.entrusting_id.in_(sa.select(Agency.id).where(bodies.valid_condition(today))))
        .order_by(Agreement.ends_on.desc(), Agreement.id.desc()).limit(1))


def latest_announced(agency_id: int, today: dt.date) -> Agreement | None:
    """The entrusted party's most recent announced agreement, in force or not (what the verification page shows
    beside the hold once none is in force); an agreement not yet announced is not public."""
    return db.session.scalar(sa.select(Agreement).where(
        Agreement.entrusted_id == agency_id, Agreement.announced_on.is_not(None), Agreement.announced_on <= today)
        .order_by(Agreement.ends_on.desc(), Agreement.id.desc()).limit(1))
