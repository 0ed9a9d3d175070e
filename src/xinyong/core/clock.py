"""An injectable clock: every deadline and period is computed from it, in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date in China."""
        return self.now().astimezone(CHINA_TZ).date()


class FixedClock(Clock):
    """A clock stopped at a given instant, movable by tests."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)

    def now(self) -> datetime:
        """The fixed instant."""
        return self._at.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        """Move the clock forward."""
        self._at += timedelta(**kwargs)


_clock: Clock = Clock()


def get_clock() -> Clock:
    """The process clock (replaceable in tests via ``set_clock``)."""
    return _clock


def set_clock(clock: Clock) -> None:
    """Replace the process clock."""
    global _clock
    _clock = clock


def to_china(dt: datetime) -> datetime:
    """Convert an aware datetime to China time for display."""
    return dt.astimezone(CHINA_TZ)
