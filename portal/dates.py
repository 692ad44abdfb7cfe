"""Pure calendar arithmetic shared by every package (beside :mod:`portal.clock`, which alone reads the time)."""
import datetime as dt


def anniversary(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February falls on 28 February in a common year (民法典第二百零二条)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
