"""Hash-chained audit log: every write by a person, an API client or a job appends one entry.

Each entry stores the SHA-256 of the previous entry's hash followed by its own canonical JSON, so editing or
deleting a row breaks the chain at that row; :func:`verify` names the first broken entry.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.columns import LocalDateTime
from portal.extensions import db

GENESIS = "0" * 64
_LOCK_KEY = 7_301_016  # pg_advisory_xact_lock key serialising appends to the chain


@dataclass(frozen=True)
class Actor:
    """Who performs an operation: a signed-in user, an API token's user, the CLI or a job.

    ``label`` identifies it in the audit log (a login, ``cli:demo``); ``name`` is how people are shown it — a
    person's display name — and :attr:`shown` what pages print (a system actor in words)."""

    user_id: int | None
    label: str
    client_addr: str | None = None
    name: str = ""

    @classmethod
    def system(cls, label: str) -> Actor:
        """An actor that is not a person, e.g. ``Actor.system('cli')`` or ``Actor.system('job:sweep')``."""
        return cls(None, label, None)

    @property
    def shown(self) -> str:
        """The actor as pages show it: a person by name, a system actor by what it is (at most 80 characters)."""
        if self.name:
            return self.name[:80]
        if self.label in SYSTEM_NAMES:
            return SYSTEM_NAMES[self.label]
        if self.label.startswith("job:"):
            return "系统（后台作业）"
        return self.label[:80]


#: the system actors in words
SYSTEM_NAMES = {"cli:demo": "系统（演示数据）", "demo": "系统（演示数据）", "cli:sweep": "系统（每日巡检，命令行）",
                "job:sweep": "系统（每日巡检）", "cli:keys": "系统（密钥管理命令）", "cli:import": "系统（导入命令）",
                "cli": "系统（命令行）", "exam_openings": "系统（开考通知）", "exam:update_test": "系统（更新测试）",
                "job:exam_attempts_finalize": "系统（考试自动交卷）", "public": "公众", "system": "系统"}


class AuditEntry(db.Model):
    """One audited write."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(LocalDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    agency_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    change: Mapped[dict] = mapped_column(sa.JSON)
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    def expected_hash(self) -> str:
        """SHA-256 over the previous hash and this entry's canonical JSON."""
        return chain_hash(self.prev_hash, {name: getattr(self, name) for name in HASHED_FIELDS})


HASHED_FIELDS = ("at", "actor_id", "actor", "action", "object_type", "object_id", "agency_id", "change",
                 "client_addr")


def chain_hash(prev_hash: str, fields: dict) -> str:
    """SHA-256 of ``prev_hash`` followed by the canonical JSON (sorted keys, no spaces) of ``fields``."""
    content = dict(fields)
    content["at"] = clock.local(content["at"]).replace(tzinfo=None).isoformat(timespec="microseconds")
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _jsonable(value):
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def record(actor: Actor, action: str, obj=None, change: dict | None = None, *, agency_id: int | None = None,
           object_type: str | None = None, object_id=None, now: dt.datetime | None = None) -> AuditEntry:
    """Append an entry to the chain (flushes; the caller commits with its own change).

    :param actor: who did it.
    :param action: dotted verb, e.g. ``'officer.update'``.
    :param obj: the model changed; its table name and id are recorded, and its ``agency_id`` for scoping.
    :param change: what changed, e.g. ``{"post": ["科员", "科长"]}``; personal data masked by the caller.
    :param agency_id: the agency the entry belongs to (defaults to ``obj.agency_id``), so legal sees its scope.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    elif dialect == "sqlite":
        # a write that changes nothing takes SQLite's write lock before the last hash is read
        session.execute(sa.text("DELETE FROM audit_entry WHERE 0"))
    session.flush()
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if agency_id is None:
            agency_id = getattr(obj, "agency_id", None)
    prev = session.execute(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    entry = AuditEntry(
        at=clock.local(now or clock.now()),
        actor_id=actor.user_id,
        actor=actor.label[:80],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        agency_id=agency_id,
        change=_jsonable(change or {}),
        client_addr=actor.client_addr,
        prev_hash=prev or GENESIS,
    )
    entry.hash = entry.expected_hash()
    session.add(entry)
    session.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str | None = None


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the chain in id order and return the first entry whose link or content is wrong."""
    columns = [AuditEntry.id, AuditEntry.prev_hash, AuditEntry.hash] + [getattr(AuditEntry, f) for f in HASHED_FIELDS]
    prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.execute(
            sa.select(*columns).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return VerifyResult(True, checked)
        for row in rows:
            entry_id, prev_hash, stored = row[0], row[1], row[2]
            if prev_hash != prev:
                return VerifyResult(False, checked, entry_id, "链接断开：与上一条记录的哈希不符（有记录被删除或改动）")
            if stored != chain_hash(prev_hash, dict(zip(HASHED_FIELDS, row[3:], strict=True))):
                return VerifyResult(False, checked, entry_id, "内容被改动：记录的哈希与其内容不符")
            prev, last_id = stored, entry_id
            checked += 1
