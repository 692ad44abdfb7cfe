"""The scheduler process (``flask --app wsgi scheduler``): background jobs and scheduled jobs, one runner at a time.

Never started inside web workers. A second scheduler started beside the first waits for the lock: a PostgreSQL
advisory lock held on a dedicated connection, or on SQLite an exclusive ``flock`` on ``instance/scheduler.lock``
(never a database lock). After downtime each scheduled job whose fire time passed while no scheduler ran runs
once (not once per missed time). A heartbeat row is written every minute; admins see a banner when it is older
than two hours.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import socket
from contextlib import contextmanager

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from portal import background, clock
from portal.extensions import db

log = logging.getLogger(__name__)
LOCK_KEY = 7_301_017
JOB_POLL_SECONDS = 2


@contextmanager
def exclusive_lock(app: Flask, say=print):
    """Hold the one-scheduler lock for the duration of the block, waiting for it if another holds it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        with app.app_context():
            engine = db.engine
        conn = engine.connect()
        try:
            if not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                say("另一个调度进程正在运行，等待其退出……")
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            conn.commit()
            yield
        finally:
            conn.close()  # ends the session, which releases the advisory lock
        return
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, "scheduler.lock")
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("另一个调度进程正在运行，等待其退出……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    db.session.commit()


def run_scheduled(name: str, now: dt.datetime) -> None:
    """Run one scheduled job, recording when it ran and what it said (or the error)."""
    job = background.SCHEDULED[name]
    state = _state(name)
    db.session.commit()
    try:
        summary = job.func(now)
        db.session.commit()
    except Exception as err:  # noqa: BLE001 - recorded, and the next run tries again
        db.session.rollback()
        log.exception("scheduled job %s failed", name)
        state = _state(name)
        state.last_run_at, state.last_error = now, f"{type(err).__name__}: {err}"[:2000]
        db.session.commit()
        return
    state = _state(name)
    state.last_run_at, state.last_summary, state.last_error = now, (summary or "")[:500], None
    db.session.commit()


def missed(name: str, now: dt.datetime) -> bool:
    """True when a fire time of the job fell between its last run and ``now`` (so it should catch up once)."""
    job = background.SCHEDULED[name]
    last = db.session.scalar(sa.select(background.SchedulerState.last_run_at).where(
        background.SchedulerState.name == name))
    if last is None:
        return False
    trigger = CronTrigger(timezone=clock.TZ, **job.cron)
    next_fire = trigger.get_next_fire_time(None, last + dt.timedelta(seconds=1))
    return next_fire is not None and next_fire <= now


def catch_up(now: dt.datetime) -> list[str]:
    """Run once every scheduled job that missed a fire time while no scheduler ran; returns their names."""
    names = [name for name in background.SCHEDULED if missed(name, now)]
    for name in names:
        run_scheduled(name, now)
    return names


def run(app: Flask, run_for: float | None = None, say=print) -> None:
    """Take the lock, then run background and scheduled jobs until stopped (or for ``run_for`` seconds)."""
    with exclusive_lock(app, say):
        say(f"调度进程已启动（pid {os.getpid()}），持有调度锁。")
        with app.app_context():
            failed = background.fail_interrupted(clock.now())
            if failed:
                say(f"{failed} 个中断的后台作业已标记为失败。")
            beat(clock.now())
            caught = catch_up(clock.now())
            if caught:
                say("补跑停机期间错过的定时任务：" + "、".join(caught))
        scheduler = BlockingScheduler(timezone=clock.TZ)

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
        if run_for is not None:
            scheduler.add_job(scheduler.shutdown, "date",
                              run_date=dt.datetime.now(clock.TZ) + dt.timedelta(seconds=run_for),
                              kwargs={"wait": False}, id="stop")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        say("调度进程已停止。")
