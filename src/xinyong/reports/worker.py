"""The application's report renderer: one background thread renders, signs and stores reports requested as 生成中,
re-queues those left pending by a restart, and stops with the application."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from xinyong.core.db import Database
from xinyong.core.errors import DomainError
from xinyong.reports import service

log = logging.getLogger("xinyong.reports")

FAILED_MESSAGE = "生成信用报告时发生系统错误，报告未生成。请点击“重新生成”；如仍失败，请联系信用办系统管理员。"


class ReportRenderer:
    """Owned by the application (``app.state.report_renderer``): one worker, so reports render one after another
    and a single writer suits SQLite."""

    def __init__(self, db: Database, secret: str) -> None:
        self.db = db
        self.secret = secret
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, report_id: int) -> Future[None]:
        """Queue one report (already committed as 生成中)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
        return self._executor.submit(self.render, report_id)

    def requeue_pending(self) -> list[int]:
        """Queue every report still 生成中 (a restart or shutdown interrupted them); returns their ids."""
        with self.db.session(write=False) as session:
            ids = service.pending_ids(session)
        for report_id in ids:
            self.submit(report_id)
        if ids:
            log.info("re-queued %s pending credit reports", len(ids))
        return ids

    def render(self, report_id: int) -> None:
        """Render one report; a failure is stored with a Chinese message (never lost, never raised)."""
        try:
            with self.db.session(write=False) as session:  # seconds of rendering without holding a write lock
                rendered = service.render_pending(session, report_id=report_id, secret=self.secret)
            if rendered is not None:
                with self.db.session() as session:
                    service.store_rendered(session, rendered, secret=self.secret)
        except DomainError as exc:
            self._fail(report_id, f"生成信用报告失败：{exc.message}")
        except Exception:
            log.exception("rendering credit report %s failed", report_id)
            self._fail(report_id, FAILED_MESSAGE)

    def _fail(self, report_id: int, message: str) -> None:
        try:
            with self.db.session() as session:
                service.mark_failed(session, report_id=report_id, message=message)
        except Exception:  # the report stays 生成中 and is re-queued at the next start
            log.exception("could not record the failure of credit report %s", report_id)

    def shutdown(self) -> None:
        """Stop: queued reports stay 生成中 in the database and are re-queued at the next start; a report being
        rendered finishes first."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
