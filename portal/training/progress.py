"""An officer's training progress as the pages show it (我的培训, the officer's home, the officer detail page)."""
from __future__ import annotations

import datetime as dt

from portal.training import requirements


def progress_of(officer_id: int, today: dt.date) -> dict[str, requirements.Result]:
    """This calendar year (annual rule), the last 24 months up to today (against the two-year period's minimums)
    and the pre-exam rule as it stands today (the 365 days before today)."""
    return {
        "annual": requirements.check(officer_id, "annual", today),
        "recent": requirements.check(officer_id, "period", today + dt.timedelta(days=1)),
        "pre_exam": requirements.check(officer_id, "pre_exam", today),
    }
