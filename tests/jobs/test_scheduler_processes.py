"""The scheduler as its own process (``flask --app wsgi scheduler``): exactly one runs jobs at a time, a second
one waits and takes over when the first dies, every job runs once and no e-mail is ever sent twice.

Each test has a database of its own (a SQLite file with its instance folder, or a temporary PostgreSQL database
when ``TEST_DATABASE_URL`` is set) and a real SMTP server; every process is killed at the end.
"""
from __future__ import annotations

import collections
import datetime as dt
import fcntl
import signal
import time

import sqlalchemy as sa

from portal import background, scheduler
from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Agency
from tests.conftest import PATIENCE
from tests.factories import small_world
from tests.jobs import helpers
from tests.jobs.conftest import HOLDS, WAITS, wait_until


class World:
    """The scratch database's accounts, looked up again in whichever session is current."""

    def __init__(self, ids: dict):
        self.ids = ids

    def __getattr__(self, name):
        model = Agency if name.startswith("dept") else User
        return db.session.get(model, self.ids[name])


def _prepare(scratch) -> World:
    """``small_world`` in the scratch database, three of its accounts with e-mail addresses."""
    with scratch.context():
        world = small_world()
        world.hr.email = "hr@example.cn"
        world.hr_other.email = "wendeng.hr@example.cn"
        world.legal_city.email = "legal@example.cn"
        db.session.commit()
        return World({"hr": world.hr.id, "hr_other": world.hr_other.id, "legal_city": world.legal_city.id,
                      "dept": world.dept.id})


def _mail_env(smtp):
    return {"MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "MAIL_SENDER": "noreply@portal.test"}


def _users(world):
    return [world.hr, world.hr_other, world.legal_city]


def _assert_each_mail_once(smtp, expected: int):
    counts = collections.Counter(smtp.recorder.message_ids())
    twice = {mid: n for mid, n in counts.items() if n > 1}
    assert not twice, f"e-mails received more than once: {twice}"
    assert len(counts) == expected


def _holder_and_waiter(a, b):
    wait_until(lambda: (a.holds or b.holds) and (a.waits or b.waits),
               message=lambda: f"one scheduler to hold the lock and one to wait\n--- a:\n{a.output}\n--- b:\n{b.output}")
    holder, waiter = (a, b) if a.holds else (b, a)
    assert not waiter.holds, f"both hold the lock\n--- a:\n{a.output}\n--- b:\n{b.output}"
    assert not holder.waits or holder.output.index(WAITS) < holder.output.index(HOLDS)
    return holder, waiter


def _heartbeat_holder(scratch) -> str | None:
    with scratch.context():
        state = db.session.get(background.SchedulerState, background.HEARTBEAT)
        return state.holder if state else None


def test_two_schedulers_started_together_one_runs_and_the_other_takes_over_when_it_dies(scratch, smtp, spawn):
    world = _prepare(scratch)
    with scratch.context():
        first_jobs = [helpers.enqueue_import(world.hr, world.dept, 10, 3),
                      helpers.enqueue_import(world.hr, world.dept, 20, 2)]
        first_mail = helpers.notify_many(_users(world), 6, "第一批")
        helpers.mail_due_now()

    a, b = spawn(**_mail_env(smtp)), spawn(**_mail_env(smtp))
    holder, waiter = _holder_and_waiter(a, b)

    def first_batch_done():
        with scratch.context():
            jobs = helpers.jobs()
            return (all(jobs[j].done for j in first_jobs)
                    and helpers.email_states(first_mail) == {"sent": 6})
    wait_until(first_batch_done, message="the first jobs and e-mails")
    with scratch.context():
        jobs = helpers.jobs()
        assert [(jobs[j].status, jobs[j].result) for j in first_jobs] == [
            ("succeeded", {"created": 3, "updated": 0, "unchanged": 0, "rows": 3}),
            ("succeeded", {"created": 2, "updated": 0, "unchanged": 0, "rows": 2})]
        assert helpers.officer_count() == 3 + 5
    _assert_each_mail_once(smtp, 6)
    assert _heartbeat_holder(scratch).endswith(f":{holder.pid}")

    time.sleep(2)
    assert waiter.alive() and not waiter.holds, "the second scheduler keeps waiting while the first runs"

    helpers.away_from_the_minute()
    with scratch.context():
        second_mail = helpers.notify_many(_users(world), 4, "第二批")
        helpers.mail_due_now()
    holder.kill(signal.SIGKILL)
    wait_until(lambda: waiter.holds, message=lambda: f"the waiting scheduler to take over\n{waiter.output}")
    with scratch.context():
        new_job = helpers.enqueue_import(world.hr, world.dept, 30, 4)

    def second_batch_done():
        with scratch.context():
            return helpers.jobs()[new_job].done and helpers.email_states(second_mail) == {"sent": 4}
    wait_until(second_batch_done, message=lambda: f"the new work after the takeover\n{waiter.output}")
    with scratch.context():
        assert helpers.jobs()[new_job].result["created"] == 4
        assert helpers.officer_count() == 3 + 5 + 4
    _assert_each_mail_once(smtp, 10)
    assert _heartbeat_holder(scratch).endswith(f":{waiter.pid}")
    assert waiter.alive()


def test_killing_the_scheduler_mid_job_and_starting_two_new_ones_leaves_exactly_one_running(scratch, smtp, spawn):
    world = _prepare(scratch)
    with scratch.context():
        big = helpers.enqueue_import(world.hr, world.dept, 1000, 4000)
        mail = helpers.notify_many(_users(world), 5, "中断前")
        helpers.mail_due_now()

    first = spawn(**_mail_env(smtp))
    wait_until(lambda: first.holds, message=lambda: first.output)

    def running():
        with scratch.context():
            return helpers.jobs()[big].status == "running"
    wait_until(running, interval=0.05, message="the big import to start")
    first.kill(signal.SIGKILL)
    with scratch.context():
        assert helpers.jobs()[big].status == "running", "killed mid-job"

    helpers.away_from_the_minute()
    with scratch.context():
        late_mail = helpers.notify_many(_users(world), 3, "重启后")
        helpers.mail_due_now()
    c, d = spawn(**_mail_env(smtp)), spawn(**_mail_env(smtp))
    holder, waiter = _holder_and_waiter(c, d)
    wait_until(lambda: holder.said("1 个中断的后台作业已标记为失败"), message=lambda: holder.output)

    with scratch.context():
        job = helpers.jobs()[big]
        assert job.status == "failed" and "中断" in job.error
        assert helpers.officer_count() == 3, "the interrupted import stored nothing"
        again = helpers.enqueue_import(world.hr, world.dept, 50, 2)

    def done():
        with scratch.context():
            return (helpers.jobs()[again].done
                    and helpers.email_states(mail + late_mail).get("sent", 0) == 8)
    wait_until(done, message=lambda: f"the work after the restart\n{holder.output}")
    with scratch.context():
        assert helpers.jobs()[again].result["created"] == 2
        assert helpers.jobs()[big].status == "failed", "an interrupted job is not run again behind the user's back"
    _assert_each_mail_once(smtp, 8)
    time.sleep(1)
    assert waiter.alive() and not waiter.holds and not first.alive()


def test_the_lock_is_not_a_database_lock(scratch, smtp, spawn):
    """On SQLite a flock on instance/scheduler.lock, on PostgreSQL an advisory lock: the database stays
    writable while one scheduler holds the lock and another waits, and the waiter holds no snapshot."""
    world = _prepare(scratch)
    a, b = spawn(), spawn()
    holder, waiter = _holder_and_waiter(a, b)
    lock_file = scratch.instance / "scheduler.lock"

    if scratch.dialect == "sqlite":
        assert lock_file.exists()
        with open(lock_file, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass
            else:
                raise AssertionError("instance/scheduler.lock is not locked while a scheduler runs")
        engine = sa.create_engine(scratch.url, connect_args={"timeout": 0})
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE user_account SET display_name = 'x' WHERE id = :id"),
                             {"id": world.ids["hr"]})
        finally:
            engine.dispose()
    else:
        assert not lock_file.exists()
        with scratch.context():
            holders = db.session.execute(sa.text(
                "SELECT a.pid, a.backend_xmin FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted"),
                {"key": scheduler.LOCK_KEY}).all()
            assert len(holders) == 1
            snapshots = db.session.execute(sa.text(
                "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL")).all()
            assert snapshots == [], "a waiting scheduler must not hold a snapshot (it would stop VACUUM)"
            with db.engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                conn.execute(sa.text("UPDATE user_account SET display_name = 'x' WHERE id = :id"),
                             {"id": world.ids["hr"]})
    assert holder.alive() and waiter.alive() and not waiter.holds


def test_a_scheduler_stops_by_itself_after_run_for_and_the_next_catches_up(scratch, smtp, spawn):
    """``--run-for`` ends the process cleanly and lets the lock go; the next one gets it at once and catches up a
    scheduled job that never ran but whose time passed while no scheduler was running."""
    world = _prepare(scratch)
    first = spawn(run_for=1, **_mail_env(smtp))
    assert first.proc.wait(timeout=PATIENCE) == 0, first.output
    assert first.holds and first.said("调度进程已停止") and "Traceback" not in first.output, first.output
    with scratch.context():
        state = db.session.get(background.SchedulerState, background.HEARTBEAT)
        state.last_run_at = state.last_run_at - dt.timedelta(minutes=10)  # as if it stopped ten minutes ago
        mail_state = db.session.get(background.SchedulerState, "mail")
        if mail_state is not None:  # the first one crossed a minute boundary: make "mail" one that never ran
            db.session.delete(mail_state)
        db.session.commit()
        notes = helpers.notify_many(_users(world), 2, "补跑")

    second = spawn(**_mail_env(smtp))
    wait_until(lambda: second.holds, message=lambda: second.output)
    assert not second.waits
    def caught_up_mail():  # the jobs it caught up, in the order they are registered
        return any("mail" in line.partition("补跑停机期间错过的定时任务：")[2].split("、") for line in second.lines)
    wait_until(caught_up_mail, message=lambda: second.output)

    def sent():
        with scratch.context():
            return helpers.email_states(notes) == {"sent": 2}
    wait_until(sent, message=lambda: second.output)
    _assert_each_mail_once(smtp, 2)


def test_a_scheduler_that_stops_finishes_its_job_before_letting_the_next_one_in(scratch, smtp, spawn):
    world = _prepare(scratch)
    with scratch.context():
        big = helpers.enqueue_import(world.hr, world.dept, 1000, 6000)
    first = spawn(run_for=2.5)
    wait_until(lambda: first.holds, message=lambda: first.output)
    second = spawn()
    wait_until(lambda: second.waits, message=lambda: second.output)

    def running():
        with scratch.context():
            return helpers.jobs()[big].status == "running"
    wait_until(running, interval=0.05, message="the big import to start")
    wait_until(lambda: second.holds, message=lambda: f"{first.output}\n---\n{second.output}")
    with scratch.context():
        job = helpers.jobs()[big]
        assert job.status == "succeeded", "the lock was let go while the job still ran"
        assert job.result["created"] == 6000
    assert first.proc.wait(timeout=PATIENCE) == 0 and first.said("调度进程已停止"), first.output


def test_the_lock_is_let_go_when_its_block_ends(scratch):
    """In one process too: a second taker waits while the first holds the lock and gets it when it ends."""
    import threading

    first_said, second_said, entered = [], [], threading.Event()

    def second():
        with scheduler.exclusive_lock(scratch.app, second_said.append):
            entered.set()

    with scheduler.exclusive_lock(scratch.app, first_said.append):
        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        wait_until(lambda: second_said, message="the second taker to say it waits")
        assert second_said == ["另一个调度进程正在运行，等待其退出……"]
        time.sleep(1.5)
        assert not entered.is_set()
    assert entered.wait(PATIENCE), "the lock was not let go"
    thread.join(PATIENCE)
    assert first_said == []
    if scratch.dialect == "sqlite":
        assert (scratch.instance / "scheduler.lock").exists()


def test_a_scheduler_that_loses_its_lock_stops_at_once_and_only_one_runs_after(scratch, smtp, spawn):
    """A cut database session (PostgreSQL) or a deleted lock file (SQLite) lets another scheduler in: the one
    that lost the lock must stop rather than run jobs beside it."""
    world = _prepare(scratch)
    a, b = spawn(), spawn()
    holder, waiter = _holder_and_waiter(a, b)
    if scratch.dialect == "sqlite":
        (scratch.instance / "scheduler.lock").unlink()
    else:
        with scratch.context():
            [pid] = db.session.execute(sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND granted"),
                {"key": scheduler.LOCK_KEY}).scalars().all()
            assert db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    assert holder.proc.wait(timeout=PATIENCE) != 0, holder.output
    assert holder.said("调度锁已丢失"), holder.output
    wait_until(lambda: waiter.holds, message=lambda: waiter.output)

    third = spawn()
    wait_until(lambda: third.waits, message=lambda: third.output)
    with scratch.context():
        job = helpers.enqueue_import(world.hr, world.dept, 70, 2)

    def done():
        with scratch.context():
            return helpers.jobs()[job].done
    wait_until(done, message=lambda: waiter.output)
    time.sleep(1)
    assert waiter.alive() and third.alive() and not third.holds
    assert _heartbeat_holder(scratch).endswith(f":{waiter.pid}")
