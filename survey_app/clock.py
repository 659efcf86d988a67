"""The one place the application reads the time.

Everything that depends on "now" (link expiry, timestamps, later the send
schedule) calls :func:`now`, so tests can freeze or travel the clock with
time-machine and get consistent answers everywhere.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def now() -> datetime:
    """The current time as an aware datetime in UTC."""
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """How timestamps are stored: UTC, ISO 8601, second precision."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(stored: str) -> datetime:
    """Read a timestamp written by :func:`isoformat`."""
    return datetime.fromisoformat(stored).astimezone(UTC)


def local(moment: datetime) -> datetime:
    """The same instant in Danish local time, for display.

    At the calendar's very ends (9999-12-31 23:00 UTC is already year 10000
    in Denmark) there is no such local time: the moment is kept as it is.
    """
    try:
        return moment.astimezone(LOCAL_TZ)
    except OverflowError:
        return moment


def today() -> date:
    """Today's date in Denmark."""
    return local(now()).date()
