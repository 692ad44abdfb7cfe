"""The daily statistics job (issue 16): on SQLite the planner's statistics are refreshed, so that a filter keeps
choosing the right index as the data grows; PostgreSQL keeps its own (autovacuum)."""
from __future__ import annotations

import sqlalchemy as sa

from portal import background, clock, scheduler
from portal.extensions import db


def test_the_daily_job_refreshes_the_planners_statistics(app, world, frozen):
    job = background.SCHEDULED["optimize"]
    assert (job.cron["hour"], job.cron["minute"]) == (4, 10)
    scheduler.run_scheduled("optimize", clock.now())
    state = db.session.get(background.SchedulerState, "optimize")
    assert state.last_error is None
    if db.session.get_bind().dialect.name == "sqlite":
        assert state.last_summary == "已更新 SQLite 查询统计信息"
        tables = set(db.session.scalars(sa.text("SELECT tbl FROM sqlite_stat1")))
        assert {"officer", "agency", "user_account"} <= tables
    else:
        assert "autovacuum" in state.last_summary
