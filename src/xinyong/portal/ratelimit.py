"""Per-address token buckets against scraping of the public search (in-process: one per server process)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from fastapi import Request

from xinyong.core.errors import TooManyAttempts
from xinyong.core.web import client_ip


class TokenBucket:
    """``burst`` requests at once, refilled at ``per_minute`` a minute, per key; the oldest keys are forgotten."""

    def __init__(self, *, per_minute: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Take one token; 0.0 when allowed, else the seconds to wait for the next token."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._state[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate if self.rate > 0 else 3600.0
            while len(self._state) > self.max_keys:
                self._state.popitem(last=False)
            return wait


def check_search_rate(request: Request) -> None:
    """Refuse a public search when the caller's address has used up its allowance (HTTP 429, Chinese message)."""
    settings = request.app.state.settings
    if settings.portal_search_per_minute <= 0:
        return
    bucket = getattr(request.app.state, "search_bucket", None)
    if bucket is None:
        bucket = TokenBucket(per_minute=settings.portal_search_per_minute, burst=settings.portal_search_burst)
        request.app.state.search_bucket = bucket
    wait = bucket.take(client_ip(request) or "unknown")
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise TooManyAttempts(
            f"查询过于频繁：同一网络地址每分钟最多查询{settings.portal_search_per_minute}次，请{seconds}秒后再试。"
            "如需批量获取信用信息，请通过信用办申请数据接口。",
            details={"retry_after": seconds},
        )
