"""The platform's own scheduled jobs, registered by ``create_app``: e-mail delivery and the expiry of export files."""
from __future__ import annotations

import datetime as dt

from portal import background, exports, notify


@background.scheduled("mail", "发送通知邮件", minute="*")
def deliver_due(now: dt.datetime) -> str:
    """Scheduled every minute: deliver the e-mails that are due."""
    counts = notify.deliver(now)
    return f"发送 {counts['sent']} 封，待重试 {counts['retry']} 封，失败 {counts['failed']} 封"


@background.scheduled(exports.EXPIRE_JOB, "清理过期的导出文件", hour=3, minute=20)
def expire_exports(now: dt.datetime) -> str:
    """Daily at 03:20: drop the files of export jobs kept longer than ``exports.KEEP_FILES``."""
    return exports.expire(now)
