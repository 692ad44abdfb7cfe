"""Background jobs: long work (imports, bulk approval, PDF batches, exports) as rows run by the scheduler process.

* :func:`enqueue` adds a job (committed with the request or command that queues it); :func:`run_pending` runs
  queued jobs — the scheduler process calls it every few seconds and tests call it directly, so both use the same
  code path.
* A job's handler is registered with :func:`handler` and receives the job and a :class:`Progress` whose updates
  are committed on their own connection, so a page polling ``/jobs/<id>.json`` sees them while the job's own
  transaction is still open. The handler's work commits with the job's final status, or not at all: this module is
  the jobs' transaction boundary (:mod:`portal.transaction`); a handler never commits.
* Scheduled (cron) jobs are declared with :func:`scheduled`; the scheduler process runs them.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import audit, clock, transaction
from portal.columns import LocalDateTime
from portal.errors import DomainError
from portal.extensions import db

log = logging.getLogger(__name__)

STATUSES = {"queued": "排队中", "running": "进行中", "succeeded": "已完成", "failed": "失败"}


class Job(db.Model):
    """One piece of background work."""

    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(120))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    payload: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    message: Mapped[str | None] = mapped_column(sa.String(200))
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','running','succeeded','failed')", name="status"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        sa.CheckConstraint("(status IN ('succeeded','failed')) = (finished_at IS NOT NULL)", name="finished"),
        sa.Index("ix_background_job_queue", "status", "id"),
    )

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "failed")

    def as_dict(self) -> dict:
        """The job's state for the polling progress bar — never an export's file, which only its owner downloads
        (:func:`portal.exports.download`); ``has_file`` says whether there is one."""
        result = self.result
        if result and "file" in result:
            result = {**{key: value for key, value in result.items() if key != "file"}, "has_file": True}
        return {"id": self.id, "kind": self.kind, "title": self.title, "status": self.status,
                "status_label": self.status_label, "progress": self.progress, "message": self.message,
                "result": result, "error": self.error, "done": self.done}


class Progress:
    """Reports a running job's progress on a separate connection (visible before the job commits)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = -1

    def update(self, done: int, total: int, message: str | None = None) -> None:
        """Set progress to ``done/total`` (kept below 100 until the job finishes) with an optional message."""
        percent = 0 if total <= 0 else min(99, int(done * 100 / total))
        if percent == self.last and message is None:
            return
        self.last = percent
        values = {"progress": percent}
        if message is not None:
            values["message"] = message[:200]
        # SQLite while the job's own transaction writes: the progress is skipped, the work is not
        transaction.side_write(sa.update(Job).where(Job.id == self.job_id).values(**values))


HANDLERS: dict[str, Callable[[Job, Progress], dict | None]] = {}


def handler(kind: str):
    """Register the function that runs jobs of ``kind``: ``fn(job, progress) -> result dict``."""

    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(actor: audit.Actor, kind: str, title: str, params: dict | None = None, payload: bytes | None = None,
            now: dt.datetime | None = None) -> Job:
    """Queue a job (flushes; committed with the caller's unit of work)."""
    if kind not in HANDLERS:
        raise DomainError("unknown_job", f"未知的后台作业类型：{kind}", status=500)
    job = Job(kind=kind, title=title[:120], params=params or {}, payload=payload, status="queued", progress=0,
              created_by=actor.user_id, created_at=now or clock.now())
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.enqueue", job, {"kind": kind, "title": job.title}, now=now)
    return job


def _claim() -> Job | None:
    query = sa.select(Job).where(Job.status == "queued").order_by(Job.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def run_one(job: Job) -> Job:
    """Run a claimed job: mark it running (committed), run its handler, commit its work with the final status."""
    job_id = job.id
    job.status, job.started_at, job.progress = "running", clock.now(), 0
    transaction.finish()
    kind = job.kind
    try:
        result = HANDLERS[kind](job, Progress(job_id))
        job = db.session.get(Job, job_id)
        job.status, job.progress, job.result, job.finished_at = "succeeded", 100, result or {}, clock.now()
        job.payload = None  # an uploaded file holds personal data: kept only as long as the work needs it
        transaction.finish()  # the handler's work and the final status, together
    except Exception as err:  # noqa: BLE001 - a failing job is recorded, never lost
        transaction.abandon()
        if isinstance(err, DomainError):
            message = err.message
        else:
            log.exception("background job %s (%s) failed", job_id, kind)
            message = "作业执行出错，已记录日志，请联系系统管理员。"
        job = db.session.get(Job, job_id)
        job.status, job.error, job.finished_at = "failed", message, clock.now()
        job.result = {"items": err.items} if isinstance(err, DomainError) and err.items else None
        job.payload = None
        transaction.finish()
    return job


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs one after another until none is left (or ``limit`` ran); returns how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job = _claim()
        if job is None:
            transaction.abandon()
            return ran
        run_one(job)
        ran += 1
    return ran


def fail_interrupted(now: dt.datetime) -> int:
    """Mark jobs left ``running`` by a scheduler that died as failed (called by the scheduler that holds the lock)."""
    jobs = db.session.scalars(sa.select(Job).where(Job.status == "running")).all()
    for job in jobs:
        job.status, job.finished_at = "failed", now
        job.error = "作业执行中断（后台调度进程重启），未保存任何结果，请重新提交。"
    transaction.finish()
    return len(jobs)


@dataclass(frozen=True)
class Scheduled:
    """A job the scheduler runs on a cron schedule (Asia/Shanghai)."""

    name: str
    label: str
    func: Callable[[dt.datetime], str | None]
    cron: dict


SCHEDULED: dict[str, Scheduled] = {}


def scheduled(name: str, label: str, **cron):
    """Declare a scheduled job: ``@scheduled("sweep", "每日巡检", hour=1, minute=0)``.

    The function takes ``now`` and returns a short summary of what it did (or ``None``).
    """

    def register(fn):
        SCHEDULED[name] = Scheduled(name, label, fn, cron)
        return fn

    return register


class SchedulerState(db.Model):
    """When each scheduled job last ran, and the scheduler's heartbeat (row ``heartbeat``)."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    last_summary: Mapped[str | None] = mapped_column(sa.String(500))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    holder: Mapped[str | None] = mapped_column(sa.String(120))


HEARTBEAT = "heartbeat"
HEARTBEAT_STALE = dt.timedelta(hours=2)


def heartbeat_age(now: dt.datetime) -> dt.timedelta | None:
    """How long ago the scheduler last beat; ``None`` if it never ran."""
    beat = db.session.scalar(sa.select(SchedulerState.last_run_at).where(SchedulerState.name == HEARTBEAT))
    return None if beat is None else now - beat
