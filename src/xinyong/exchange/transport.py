"""Delivery of a built batch: HTTP POST with retry and exponential backoff, or files in a directory with a manifest
(acknowledged by an ack file dropped back). No database here: the caller records the outcome."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xinyong.exchange.feed import sha256_text

USER_AGENT = "xinyong-exchange/1"


@dataclass(frozen=True)
class Parcel:
    """What a receiver gets for one batch (a snapshot of the stored batch, delivered identically every time)."""

    number: str
    sequence: int
    destination: str
    division: str
    sha256: str
    item_count: int
    type_counts: dict[str, int]
    cursor_from: dict[str, int]
    cursor_to: dict[str, int]
    built_at: str
    content: str
    csv_files: dict[str, str]

    def manifest(self) -> dict[str, Any]:
        """The manifest: batch id, checksum and count, and each file with its own checksum."""
        files = [{"name": f"{self.number}.jsonl", "sha256": self.sha256, "items": self.item_count}]
        for name, body in sorted(self.csv_files.items()):
            kind = name.removeprefix(f"{self.number}.").removesuffix(".csv")
            files.append({"name": name, "sha256": sha256_text(body), "items": self.type_counts.get(kind, 0)})
        return {
            "batch_id": self.number,
            "sequence": self.sequence,
            "destination": self.destination,
            "source_division": self.division,
            "built_at": self.built_at,
            "item_count": self.item_count,
            "type_counts": self.type_counts,
            "sha256": self.sha256,
            "cursor_from": self.cursor_from,
            "cursor_to": self.cursor_to,
            "files": files,
        }


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt's outcome."""

    ok: bool
    http_status: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Policy:
    """Retry policy of a destination."""

    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    timeout_seconds: float

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the n-th failed attempt (1-based): base × 2^(n−1), capped."""
        return float(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1)))


def check_ack(parcel: Parcel, body: Any) -> str | None:
    """None when the acknowledgement names this batch and its checksum, else why not (in Chinese)."""
    if not isinstance(body, dict):
        return "回执不是JSON对象"
    if body.get("batch_id") != parcel.number:
        return f"回执的批次号“{body.get('batch_id')}”与发送的批次{parcel.number}不一致"
    if body.get("sha256") != parcel.sha256:
        return f"回执的校验值与批次{parcel.number}的SHA-256不一致"
    if body.get("status", "ok") not in ("ok", "duplicate"):
        return f"接收方拒收：{body.get('message') or body.get('status')}"
    return None


def post_once(url: str, parcel: Parcel, timeout: float) -> Attempt:
    """POST the batch's JSON Lines once; success only with an acknowledgement naming batch id and checksum."""
    request = urllib.request.Request(
        url,
        data=parcel.content.encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-ndjson; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Batch-Id": parcel.number,
            "X-Batch-Sequence": str(parcel.sequence),
            "X-Batch-Sha256": parcel.sha256,
            "X-Batch-Items": str(parcel.item_count),
            "X-Source-Division": parcel.division,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode(errors="replace")
        return Attempt(False, exc.code, f"接收方返回HTTP {exc.code}：{detail}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Attempt(False, None, f"连接失败：{reason}")
    try:
        body = json.loads(raw)
    except ValueError:
        return Attempt(False, status, "回执不是有效的JSON")
    problem = check_ack(parcel, body)
    return Attempt(problem is None, status, problem)


def post(url: str, parcel: Parcel, policy: Policy, sleep: Callable[[float], None]) -> list[Attempt]:
    """POST until acknowledged or the attempts run out, waiting with exponential backoff in between."""
    attempts: list[Attempt] = []
    for n in range(1, policy.max_attempts + 1):
        attempt = post_once(url, parcel, policy.timeout_seconds)
        attempts.append(attempt)
        if attempt.ok:
            break
        if n < policy.max_attempts:
            sleep(policy.delay(n))
    return attempts


def out_dir(directory: str) -> Path:
    """Where batches are written for offline transfer."""
    return Path(directory) / "out"


def ack_dir(directory: str) -> Path:
    """Where the receiver drops its acknowledgements (``<batch id>.ack.json``)."""
    return Path(directory) / "ack"


def _write(path: Path, body: str) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_files(directory: str, parcel: Parcel) -> Attempt:
    """Write the JSON Lines, the CSV files and, last, the manifest (each atomically: a reader never sees half)."""
    target = out_dir(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
        ack_dir(directory).mkdir(parents=True, exist_ok=True)
        _write(target / f"{parcel.number}.jsonl", parcel.content)
        for name, body in sorted(parcel.csv_files.items()):
            _write(target / name, body)
        manifest = json.dumps(parcel.manifest(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        _write(target / f"{parcel.number}.manifest.json", manifest)
    except OSError as exc:
        return Attempt(False, None, f"写入目录{target}失败：{exc}")
    return Attempt(True)


def read_acks(directory: str) -> list[tuple[str, Any]]:
    """The acknowledgements dropped back: (file name, parsed content or None when unreadable)."""
    folder = ack_dir(directory)
    if not folder.is_dir():
        return []
    found: list[tuple[str, Any]] = []
    for path in sorted(folder.glob("*.ack.json")):
        try:
            found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            found.append((path.name, None))
    return found
