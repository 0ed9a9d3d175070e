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


class ShiftedClock(Clock):
    """A running clock set to another date (demo and training environments: ``XINYONG_CLOCK``): it starts at the
    given instant and runs on in real time."""

    def __init__(self, at: datetime) -> None:
        at = at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)
        self._offset = at - datetime.now(UTC)

    def now(self) -> datetime:
        """The shifted instant."""
        return datetime.now(UTC) + self._offset


def parse_clock(text: str) -> datetime:
    """An ISO date (China time, at the current time of day) or datetime (China time unless it says otherwise)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            now = datetime.now(CHINA_TZ)
            return datetime.combine(day, now.time().replace(tzinfo=None), tzinfo=CHINA_TZ)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"XINYONG_CLOCK“{text}”无效，应为YYYY-MM-DD日期或ISO格式的日期时间（北京时间）。") from None
    return at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)


def demo_today() -> date | None:
    """The date shown as 演示日期 when the process runs on a shifted clock, else None."""
    return _clock.today() if isinstance(_clock, ShiftedClock) else None


_clock: Clock = Clock()


def get_clock() -> Clock:
    """The process clock (replaceable in tests via ``set_clock``)."""
    return _clock


def set_clock(clock: Clock) -> None:
    """Replace the process clock."""
    global _clock
    _clock = clock


def apply_setting(text: str) -> None:
    """Run the process on the clock of the ``XINYONG_CLOCK`` setting (no change when it is empty)."""
    if text.strip():
        set_clock(ShiftedClock(parse_clock(text)))


def to_china(dt: datetime) -> datetime:
    """Convert an aware datetime to China time for display."""
    return dt.astimezone(CHINA_TZ)
