"""The only way code reads the time: ``now()`` and ``today()`` in Asia/Shanghai.

Tests freeze it with :func:`freeze`; services take ``now``/``today`` as arguments and views pass these.
"""
import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware, in Asia/Shanghai."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(TZ)


def today() -> dt.date:
    """Today's date in Asia/Shanghai."""
    return now().date()


def freeze(moment: dt.datetime | dt.date | None) -> None:
    """Fix the clock at ``moment`` (a date means its midnight); ``None`` releases it."""
    global _frozen
    if moment is None:
        _frozen = None
        return
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    _frozen = moment.astimezone(TZ) if moment.tzinfo else moment.replace(tzinfo=TZ)


def local(moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` converted to Asia/Shanghai (naive values are taken as already local)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)
