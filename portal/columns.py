"""Column types shared by every model."""
import datetime as dt

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from portal.clock import TZ


class LocalDateTime(TypeDecorator):
    """A moment stored as naive Asia/Shanghai wall time (China has no DST) and read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(TZ).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - SQLite raw strings
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=TZ)
