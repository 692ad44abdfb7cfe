"""After downtime each scheduled job runs once — not once per missed fire time, and not at all when none was
missed (``portal.scheduler.catch_up``); fire times are Asia/Shanghai."""
from __future__ import annotations

import datetime as dt

import pytest

from portal import background, clock, scheduler
from portal.extensions import db

CST = clock.TZ


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.fixture
def jobs():
    """Declare test scheduled jobs with ``@background.scheduled``; ``jobs.runs[name]`` lists the ``now`` of each
    run. Only these jobs exist during the test (the app's own, such as ``mail``, are put back afterwards)."""
    saved = dict(background.SCHEDULED)
    background.SCHEDULED.clear()

    class Jobs:
        runs: dict[str, list] = {}

        def declare(self, name, fail=False, **cron):
            self.runs[name] = []

            @background.scheduled(name, f"测试任务 {name}", **cron)
            def work(now):
                self.runs[name].append(now)
                if fail:
                    raise RuntimeError("定时任务出错")
                return f"第 {len(self.runs[name])} 次"

            return work

        def ran(self, name, when):
            state = db.session.get(background.SchedulerState, name) or background.SchedulerState(name=name)
            state.last_run_at = when
            db.session.add(state)
            db.session.commit()

    try:
        yield Jobs()
    finally:
        background.SCHEDULED.clear()
        background.SCHEDULED.update(saved)


def _state(name):
    db.session.expire_all()
    return db.session.get(background.SchedulerState, name)


def test_a_minutely_job_that_missed_hundreds_of_fire_times_runs_once(jobs):
    jobs.declare("every_minute", minute="*")
    jobs.ran("every_minute", at("2026-11-26 09:00:00.250"))

    now = at("2026-11-26 12:37:10")
    assert scheduler.catch_up(now) == ["every_minute"]
    assert jobs.runs["every_minute"] == [now]
    state = _state("every_minute")
    assert state.last_run_at == now and state.last_summary == "第 1 次" and state.last_error is None

    assert scheduler.catch_up(now + dt.timedelta(seconds=30)) == []
    assert jobs.runs["every_minute"] == [now]


def test_nothing_runs_when_no_fire_time_was_missed(jobs):
    jobs.declare("every_minute", minute="*")
    jobs.declare("nightly", hour=1, minute=0)
    jobs.ran("every_minute", at("2026-11-26 09:00:00"))
    jobs.ran("nightly", at("2026-11-26 01:00:02"))

    assert scheduler.catch_up(at("2026-11-26 09:00:59")) == []
    assert jobs.runs == {"every_minute": [], "nightly": []}
    assert scheduler.catch_up(at("2026-11-26 09:01:00")) == ["every_minute"], "the fire time itself counts"
    assert jobs.runs["nightly"] == []


def test_a_nightly_job_catches_up_once_after_days_of_downtime(jobs):
    jobs.declare("nightly", hour=1, minute=0)
    jobs.ran("nightly", at("2026-11-20 01:00:03"))
    assert scheduler.catch_up(at("2026-11-21 00:59:59")) == []
    now = at("2026-11-26 08:00")
    assert scheduler.catch_up(now) == ["nightly"]
    assert scheduler.catch_up(now) == []
    assert jobs.runs["nightly"] == [now]


def test_fire_times_are_in_asia_shanghai(jobs):
    jobs.declare("nightly", hour=1, minute=0)
    jobs.ran("nightly", at("2026-11-25 01:00:00"))
    # 09:00 in Shanghai is 01:00 UTC: a scheduler counting in UTC would think 01:00 was missed
    assert scheduler.catch_up(at("2026-11-25 18:00")) == []
    utc_now = dt.datetime(2026, 11, 25, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 26th in Shanghai
    assert scheduler.catch_up(utc_now) == ["nightly"]


def test_a_job_that_never_ran_catches_up_when_its_time_passed_while_the_scheduler_was_down(jobs):
    jobs.declare("nightly", hour=1, minute=0)
    assert scheduler.catch_up(at("2026-11-26 09:00")) == [], "no heartbeat, no run: nothing to measure from"
    assert scheduler.catch_up(at("2026-11-26 09:00"), since=at("2026-11-26 02:00")) == [], \
        "the scheduler was alive at 01:00 and the job had not been declared yet"
    now = at("2026-11-26 09:00")
    assert scheduler.catch_up(now, since=at("2026-11-25 23:10")) == ["nightly"]
    assert jobs.runs["nightly"] == [now]
    assert scheduler.catch_up(now + dt.timedelta(minutes=5), since=now) == []


def test_only_the_jobs_that_missed_a_time_run_and_a_failing_one_does_not_stop_the_others(jobs, caplog):
    jobs.declare("broken", fail=True, minute="*/5")
    jobs.declare("hourly", minute=0)
    jobs.declare("nightly", hour=1, minute=0)
    for name in ("broken", "hourly", "nightly"):
        jobs.ran(name, at("2026-11-26 09:00:00"))

    now = at("2026-11-26 10:02")
    assert sorted(scheduler.catch_up(now)) == ["broken", "hourly"]
    assert jobs.runs == {"broken": [now], "hourly": [now], "nightly": []}
    broken = _state("broken")
    assert broken.last_run_at == now and "定时任务出错" in broken.last_error
    assert any(r.name == "portal.scheduler" and "broken" in r.getMessage() for r in caplog.records)
    assert _state("hourly").last_error is None


def test_the_heartbeat_records_when_and_who(jobs, frozen):
    now = frozen("2026-11-26 09:00")
    assert scheduler.last_beat() is None and background.heartbeat_age(now) is None
    scheduler.beat(now)
    state = _state(background.HEARTBEAT)
    assert state.last_run_at == now and ":" in state.holder
    later = frozen("2026-11-26 09:45")
    assert background.heartbeat_age(later) == dt.timedelta(minutes=45)
    assert scheduler.last_beat() == now
