"""The scheduler process (``flask --app wsgi scheduler``): background jobs and scheduled jobs, one runner at a time.

Never started inside web workers. A second scheduler started beside the first waits for the lock: a PostgreSQL
advisory lock held on a dedicated connection, or on SQLite an exclusive ``flock`` on ``instance/scheduler.lock``
(never a database lock). The holder checks every few seconds that it still holds the lock — a database session
that was cut, or a lock file that was deleted, lets another scheduler in — and exits at once when it does not.
After downtime each scheduled job whose fire time passed while no scheduler ran runs
once (not once per missed time). A heartbeat row is written every minute; admins see a banner when it is older
than two hours.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import socket
import time
from contextlib import contextmanager

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from portal import background, clock, transaction
from portal.extensions import db

log = logging.getLogger(__name__)
LOCK_KEY = 7_301_017
JOB_POLL_SECONDS = 2
LOCK_POLL_SECONDS = 1
LOCK_CHECK_SECONDS = 2


WAITING = "另一个调度进程正在运行，等待其退出……"


class Held:
    """The lock while it is held: :meth:`held` says whether it still is (a lost database session or a deleted
    lock file means another scheduler may take it)."""

    def __init__(self, check):
        self._check = check

    def held(self) -> bool:
        try:
            return bool(self._check())
        except Exception:  # noqa: BLE001 - a connection that fails the check has lost the lock
            log.warning("scheduler lock check failed", exc_info=True)
            return False


@contextmanager
def exclusive_lock(app: Flask, say=print):
    """Hold the one-scheduler lock for the duration of the block (yields a :class:`Held`), waiting for it if
    another holds it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        with app.app_context():
            engine = db.engine
        # autocommit, and polling rather than a blocking pg_advisory_lock(): a waiting scheduler holds no
        # snapshot, which would keep VACUUM from cleaning up for as long as it waits
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            waiting = False
            while not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                if not waiting:
                    say(WAITING)
                    waiting = True
                time.sleep(LOCK_POLL_SECONDS)
            yield Held(lambda: conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k "
                "AND objsubid = 1 AND pid = pg_backend_pid() AND granted"), {"k": LOCK_KEY}).scalar())
        finally:
            # the lock belongs to the database session: end the session itself (returning the connection to
            # the pool would keep both open)
            conn.invalidate()
            conn.close()
        return
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, "scheduler.lock")

    def same_file(handle) -> bool:
        mine, there = os.fstat(handle.fileno()), os.stat(path)
        return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)

    waiting = False
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - kept open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not waiting:
                say(WAITING)
                waiting = True
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if same_file(handle):
                break
        except FileNotFoundError:
            pass
        handle.close()  # the file was deleted or replaced while we waited: lock the one that is there now
    try:
        yield Held(lambda: same_file(handle))
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _state(name: str) -> background.SchedulerState:
    state = db.session.get(background.SchedulerState, name)
    if state is None:
        state = background.SchedulerState(name=name)
        db.session.add(state)
    return state


def beat(now: dt.datetime) -> None:
    """Write the heartbeat."""
    state = _state(background.HEARTBEAT)
    state.last_run_at = now
    state.holder = f"{socket.gethostname()}:{os.getpid()}"[:120]
    transaction.finish()


def run_scheduled(name: str, now: dt.datetime) -> None:
    """Run one scheduled job, recording when it ran and what it said (or the error). This is the scheduled jobs'
    transaction boundary (:mod:`portal.transaction`): the job's work is committed when it returns, rolled back when it
    raises."""
    job = background.SCHEDULED[name]
    state = _state(name)
    transaction.finish()
    try:
        summary = job.func(now)
        transaction.finish()
    except Exception as err:  # noqa: BLE001 - recorded, and the next run tries again
        transaction.abandon()
        log.exception("scheduled job %s failed", name)
        state = _state(name)
        state.last_run_at, state.last_error = now, f"{type(err).__name__}: {err}"[:2000]
        transaction.finish()
        return
    state = _state(name)
    state.last_run_at, state.last_summary, state.last_error = now, (summary or "")[:500], None
    transaction.finish()


def missed(name: str, now: dt.datetime, since: dt.datetime | None = None) -> bool:
    """True when a fire time of the job fell between its last run and ``now`` (so it should catch up once).

    :param since: for a job that never ran, when a scheduler was last seen alive (its previous heartbeat): a
        fire time between then and ``now`` was missed too. Without either there is nothing to catch up.
    """
    job = background.SCHEDULED[name]
    last = db.session.scalar(sa.select(background.SchedulerState.last_run_at).where(
        background.SchedulerState.name == name)) or since
    if last is None:
        return False
    trigger = CronTrigger(timezone=clock.TZ, **job.cron)
    next_fire = trigger.get_next_fire_time(None, last + dt.timedelta(seconds=1))
    return next_fire is not None and next_fire <= now


def catch_up(now: dt.datetime, since: dt.datetime | None = None) -> list[str]:
    """Run once every scheduled job that missed a fire time while no scheduler ran; returns their names.

    :param since: the previous heartbeat, for jobs that never ran (see :func:`missed`).
    """
    names = [name for name in background.SCHEDULED if missed(name, now, since)]
    for name in names:
        run_scheduled(name, now)
    return names


def last_beat() -> dt.datetime | None:
    """When a scheduler last wrote the heartbeat (``None`` if none ever ran)."""
    return db.session.scalar(sa.select(background.SchedulerState.last_run_at).where(
        background.SchedulerState.name == background.HEARTBEAT))


def run(app: Flask, run_for: float | None = None, say=print) -> None:
    """Take the lock, then run background and scheduled jobs until stopped (or for ``run_for`` seconds)."""
    with exclusive_lock(app, say) as lock:
        say(f"调度进程已启动（pid {os.getpid()}），持有调度锁。")
        with app.app_context():
            failed = background.fail_interrupted(clock.now())
            if failed:
                say(f"{failed} 个中断的后台作业已标记为失败。")
            last_seen = last_beat()
            beat(clock.now())
            caught = catch_up(clock.now(), since=last_seen)
            if caught:
                say("补跑停机期间错过的定时任务：" + "、".join(caught))
        scheduler = BackgroundScheduler(timezone=clock.TZ)

        def in_app(fn, *args):
            def call():
                with app.app_context():
                    try:
                        fn(*args)
                    finally:
                        db.session.remove()
            return call

        scheduler.add_job(in_app(background.run_pending), "interval", seconds=JOB_POLL_SECONDS,
                          id="background-jobs", max_instances=1, coalesce=True)
        scheduler.add_job(in_app(lambda: beat(clock.now())), "interval", minutes=1, id="heartbeat",
                          max_instances=1, coalesce=True)
        for name, job in background.SCHEDULED.items():
            scheduler.add_job(in_app(lambda n=name: run_scheduled(n, clock.now())),
                              CronTrigger(timezone=clock.TZ, **job.cron), id=name, max_instances=1,
                              coalesce=True, misfire_grace_time=3600)
        scheduler.start()
        deadline = None if run_for is None else time.monotonic() + run_for
        try:
            while deadline is None or time.monotonic() < deadline:
                left = LOCK_CHECK_SECONDS if deadline is None else deadline - time.monotonic()
                time.sleep(max(min(left, LOCK_CHECK_SECONDS), 0))  # until Ctrl-C, or for run_for seconds
                if not lock.held():
                    say("调度锁已丢失（数据库连接中断或锁文件被删除），立即退出，以免两个调度进程同时执行作业。")
                    # no waiting for a running job: its work is not committed and the next scheduler marks it
                    # failed; the exit status lets a supervisor start this one again, to wait for the lock
                    os._exit(3)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            # a job that is running finishes before the lock is let go: never two runners at once
            scheduler.shutdown(wait=True)
        say("调度进程已停止。")
