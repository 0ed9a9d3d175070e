"""Helpers for exchange tests: a real HTTP receiver that fails every third request, records to report."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.factories import ACTOR, CIPHER, row, write_csv

from xinyong.core.db import Database
from xinyong.exchange import feed
from xinyong.exchange.models import ExchangeOutbox
from xinyong.ingestion import service as ingestion_service
from xinyong.records.models import CreditRecord, RecordEvent


@dataclass
class Receiver:
    """What the receiving platform stored: batches by id (deduplicated), every request, the failures it faked."""

    fail_every: int = 3
    down: bool = False
    requests: int = 0
    failures: int = 0
    duplicates: int = 0
    batches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    bad_checksums: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def keys(self) -> list[str]:
        """Every item key received, across the stored batches (a key twice would show up twice here)."""
        return [item["key"] for items in self.batches.values() for item in items]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            batch_id = self.headers["X-Batch-Id"]
            sha = hashlib.sha256(body).hexdigest()
            with receiver.lock:
                receiver.requests += 1
                n = receiver.requests
                if receiver.down:
                    receiver.failures += 1
                    self._reply(503, {"error": "maintenance"})
                    return
                failing = n % receiver.fail_every == 0
                # Every third request fails: alternately before storing (503) and after storing (500, the ack is
                # lost), so the sender must resend and the receiver must deduplicate by batch id.
                if failing and (n // receiver.fail_every) % 2 == 1:
                    receiver.failures += 1
                    self._reply(503, {"error": "busy"})
                    return
                if sha != self.headers["X-Batch-Sha256"]:
                    receiver.bad_checksums += 1
                    self._reply(422, {"error": "checksum"})
                    return
                if batch_id in receiver.batches:
                    receiver.duplicates += 1
                    assert receiver.checksums[batch_id] == sha, "a batch id was resent with other content"
                else:
                    items = [json.loads(line) for line in body.decode().splitlines()]
                    assert len(items) == int(self.headers["X-Batch-Items"])
                    receiver.batches[batch_id] = items
                    receiver.checksums[batch_id] = sha
                if failing:
                    receiver.failures += 1
                    self._reply(500, {"error": "lost acknowledgement"})
                    return
            self._reply(200, {"batch_id": batch_id, "sha256": sha, "status": "ok"})

    return Handler


@contextmanager
def http_receiver() -> Iterator[tuple[str, Receiver]]:
    """A real HTTP server on a free local port, in a thread."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/credit/batches", receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def ingest_penalties(db: Database, tmp_path: Path, numbers: range) -> None:
    """Penalties about companies ``numbers``, through the bulk file path (records.service.write_prepared)."""
    path = write_csv(tmp_path / f"penalties-{numbers.start}-{numbers.stop}.csv", [row(n) for n in numbers])
    ingestion_service.ingest_file(db, path=path, kind="penalty", department_code="scjg", actor=ACTOR, cipher=CIPHER)


def expected_keys(db: Database) -> set[str]:
    """Every item the feed must carry, computed from the tables directly."""
    rules = feed.load_rules()
    with db.session(write=False) as s:
        records = s.execute(select(CreditRecord.id).where(CreditRecord.item_code.in_(rules.record_items))).scalars()
        events = s.execute(
            select(RecordEvent.id)
            .join(CreditRecord, CreditRecord.id == RecordEvent.record_id)
            .where(
                CreditRecord.item_code.in_(rules.record_items),
                RecordEvent.to_status.in_(rules.record_status_changes),
                RecordEvent.from_status.is_not(None),
            )
        ).scalars()
        outbox = s.execute(select(ExchangeOutbox.id)).scalars()
        keys = {f"record:{i}" for i in records} | {f"record_event:{i}" for i in events}
        return keys | {f"outbox:{i}" for i in outbox}


__all__ = ["CIPHER", "Receiver", "expected_keys", "http_receiver", "ingest_penalties"]
