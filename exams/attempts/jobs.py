"""The scheduled job that hands in every attempt whose deadline has passed (requests also do it lazily)."""
from __future__ import annotations

import datetime as dt

from exams.attempts import services
from portal import background


@background.scheduled("exam_attempts_finalize", "考试到时自动交卷", minute="*")
def finalize_overdue(now: dt.datetime) -> str | None:
    """Finalize the open attempts past their deadline; the scheduler commits."""
    done = services.finalize_due(now)
    return f"自动交卷 {done} 份" if done else None
