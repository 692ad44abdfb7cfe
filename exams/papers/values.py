"""What the exam forms type, read as values: text (NFKC, trimmed), whole numbers within bounds, moments in Shanghai
time — a refusal is a problem naming its field. Shared by the blueprint, the exam and the enrolment."""
from __future__ import annotations

import datetime as dt
import unicodedata

from portal import clock
from portal.errors import problem


def _plain(value) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def _whole(value, label: str, lowest: int, highest: int, field_name: str, items: list,
           required: bool = True) -> int | None:
    """A whole number typed (full-width digits too) within bounds, else a problem naming the field."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _plain(value)
    if not text:
        if required:
            items.append(problem(field_name, f"请填写{label}"))
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        items.append(problem(field_name, f"{label}须为整数"))
        return None
    number = int(text)
    if not lowest <= number <= highest:
        items.append(problem(field_name, f"{label}须在 {lowest} 至 {highest} 之间"))
        return None
    return number


def parse_moment(value) -> dt.datetime | None:
    """A moment typed as ``2026-12-01T09:00``, ``2026-12-01 09:00[:00]`` (Shanghai time), or a datetime."""
    if isinstance(value, dt.datetime):
        return clock.local(value)
    text = _plain(value).replace(" ", "T", 1)
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    return moment.replace(tzinfo=clock.TZ, microsecond=0)


def _moment(value, label: str, field_name: str, items: list) -> dt.datetime | None:
    if value is None or _plain(value) == "":
        items.append(problem(field_name, f"请填写{label}"))
        return None
    moment = parse_moment(value)
    if moment is None:
        items.append(problem(field_name, f"{label}不是有效的时间，请写成 2026-12-01 09:00 的形式"))
    return moment
