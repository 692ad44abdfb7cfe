"""Working days (工作日) for the deadlines the law counts in them — an officer's 陈述申辩 before a certificate is
revoked, an answer to a complaint before it is found substantiated (5 working days *(default)* each).

A working day is Monday to Friday, except the public holidays listed on 政策设置, plus the weekend days that the
State Council's holiday arrangement makes working days (调休上班). Neither list is knowable in advance — the State
Council publishes each year's arrangement in the preceding winter — so both are settings the administrator keeps.
"""
from __future__ import annotations

import datetime as dt

from portal import policy

SECTION = "工作日"
policy.define("calendar.holidays", "法定节假日（不计入工作日）", "list", [], SECTION, optional=True,
              help="每行一个日期，如 2027-01-01；依国务院办公厅每年公布的节假日安排填写。周六、周日本来就不计入工作日。")
policy.define("calendar.extra_workdays", "调休上班日（计入工作日）", "list", [], SECTION, optional=True,
              help="每行一个日期，如 2027-02-07；因调休需要上班的周六、周日。")


def _dates(key: str) -> set[dt.date]:
    found = set()
    for text in policy.get(key):
        try:
            found.add(dt.date.fromisoformat(str(text).strip()))
        except ValueError:
            continue  # refused when saved (below); an older stored value is ignored rather than fatal
    return found


@policy.constraint
def _calendar_lists_are_dates(values: dict) -> str | None:
    """Both lists hold dates written YYYY-MM-DD."""
    for key, label in (("calendar.holidays", "法定节假日"), ("calendar.extra_workdays", "调休上班日")):
        for text in values[key]:
            try:
                dt.date.fromisoformat(str(text).strip())
            except ValueError:
                return f"{label}中的“{str(text)[:20]}”不是日期：请每行写一个，如 2027-01-01"
    return None


def is_workday(day: dt.date, holidays: set[dt.date] | None = None, extra: set[dt.date] | None = None) -> bool:
    """Whether ``day`` is a working day under the settings (or the sets given)."""
    holidays = _dates("calendar.holidays") if holidays is None else holidays
    extra = _dates("calendar.extra_workdays") if extra is None else extra
    if day in extra:
        return True
    return day.weekday() < 5 and day not in holidays


def add(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted): a period of 5 working days that
    begins with a notice on ``start`` ends on ``add(start, 5)``, its last day."""
    holidays, extra = _dates("calendar.holidays"), _dates("calendar.extra_workdays")
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day, holidays, extra):
            counted += 1
    return day
