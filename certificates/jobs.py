"""The certificates' background jobs, registered by ``create_app``: the daily sweep, and legal's batch decisions of
applications and reviews (:mod:`certificates.batch`)."""
from __future__ import annotations

import datetime as dt

from certificates import batch
from certificates.applications import services as applications
from certificates.reviews import services as reviews
from certificates.sweep import run
from portal import audit, background, clock

batch.register(applications.BATCH)
batch.register(reviews.BATCH)


@background.scheduled("sweep", "每日巡检（逾期暂扣、执法主体资格、离岗注销、更新测试报名、到期提醒）", hour=1, minute=0)
def scheduled_sweep(now: dt.datetime) -> str:
    """Scheduled at 01:00: the day's sweep, committed by the scheduler with its run."""
    report = run(clock.local(now).date(), actor=audit.Actor.system("job:sweep"), now=now)
    return report.summary()
