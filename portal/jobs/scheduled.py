"""The platform's own scheduled jobs, registered by ``create_app``: e-mail delivery, the expiry of export files and
the database's query statistics."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import background, exports, notify
from portal.extensions import db


@background.scheduled("mail", "发送通知邮件", minute="*")
def deliver_due(now: dt.datetime) -> str:
    """Scheduled every minute: deliver the e-mails that are due."""
    counts = notify.deliver(now)
    return f"发送 {counts['sent']} 封，待重试 {counts['retry']} 封，失败 {counts['failed']} 封"


@background.scheduled(exports.EXPIRE_JOB, "清理过期的导出文件", hour=3, minute=20)
def expire_exports(now: dt.datetime) -> str:
    """Daily at 03:20: drop the files of export jobs kept longer than ``exports.KEEP_FILES``."""
    return exports.expire(now)


@background.scheduled("optimize", "更新数据库查询统计信息", hour=4, minute=10)
def optimize_database(now: dt.datetime) -> str:
    """Daily at 04:10: on SQLite, the planner's statistics refreshed (``ANALYZE``, sampling at most 1,000 rows of
    each index: ``PRAGMA analysis_limit``, so it takes a moment at any size), so that a filter such as
    ``status = 'on_duty'`` keeps choosing the right index as the data grows (issue 16). PostgreSQL's autovacuum keeps
    its own statistics."""
    if db.session.get_bind().dialect.name != "sqlite":
        return "PostgreSQL 由 autovacuum 维护统计信息"
    analyze()
    return "已更新 SQLite 查询统计信息"


def analyze() -> None:
    """Refresh the query planner's statistics: sampled ``ANALYZE`` on SQLite, ``ANALYZE`` on PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA analysis_limit = 1000"))
    db.session.execute(sa.text("ANALYZE"))
