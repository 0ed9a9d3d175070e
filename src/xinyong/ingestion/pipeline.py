"""Rows of a file, validated and prepared for storage, chunk by chunk — in this process or in worker processes.

Validating and preparing a row costs several times what writing it does, so large files are spread over worker
processes: each worker opens the file itself and parses every row (cheap), but validates and prepares only its
share of the chunks (chunk *i* goes to worker *i* mod *N*). The caller reads the chunks back in file order and
writes them one transaction per chunk, exactly as a single process would; nothing a worker does touches the
database.

Workers are fresh interpreters started with ``python -c`` (not multiprocessing), so the caller's main module —
uvicorn, pytest, the CLI — is never re-imported. Parent -> child on stdin: ``sys.path`` and the ``Job``, pickled.
Child -> parent on stdout: ``marshal`` frames of plain tuples (several times cheaper than pickle):
``("chunk", index, rows, good, errors, file_error)`` ... ``("done",)``, or ``("error", traceback text)``.
"""

from __future__ import annotations

import contextlib
import marshal
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from xinyong.catalog.schemas import ItemSpec
from xinyong.core.calendar import WorkingCalendar
from xinyong.disclosure.rules import RegimeSet
from xinyong.ingestion.files import FileRejected, column_letter, open_source
from xinyong.ingestion.validate import FieldError, RowValidator, ValidRow
from xinyong.records.service import Preparer

# An error line: (row number, field code, field name, value, reason).
ErrorLine = tuple[int, str, str, str, str]


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to validate and prepare its share of a file (picklable)."""

    path: str
    filename: str | None
    encoding: str | None
    spec: ItemSpec
    today: date
    submitted_day: date
    calendar: WorkingCalendar | None
    regimes: RegimeSet
    chunk_rows: int
    worker: int = 0
    workers: int = 1


@dataclass(frozen=True)
class Chunk:
    """One chunk of the file: how many data rows it had, the good rows prepared, the bad rows' errors.

    ``file_error`` is set when the file could not be read past this point (e.g. an undecodable byte): the chunk's
    rows are then not given and nothing after it follows.
    """

    index: int
    rows: int
    good: list[tuple[Any, ...]]  # records.service.Prepared as plain tuples
    errors: list[ErrorLine]
    file_error: str | None = None
    id_in_text: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, field names) of accepted rows


def _error_line(row_number: int, e: FieldError) -> ErrorLine:
    return (row_number, e.field, e.name, e.value[:200], e.reason)


def produce(job: Job) -> Iterator[Chunk]:
    """The chunks of the file that belong to this job's worker, in order."""
    _source, rows = open_source(Path(job.path), filename=job.filename, encoding=job.encoding)
    validator = RowValidator(job.spec, today=job.today)
    headers = _source.headers
    mapping, _header_errors = validator.header_map(headers)  # the caller refused the file if there were any
    items = list(mapping.items())
    unnamed = [i for i, h in enumerate(headers) if not h]
    width = len(headers)
    preparer = Preparer(job.spec, calendar=job.calendar, regimes=job.regimes, submitted_day=job.submitted_day)
    index = 0
    chunk: list[tuple[int, list[str]]] = []
    size, mine, workers = job.chunk_rows, job.worker, job.workers
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                if index % workers == mine:
                    yield _process(index, chunk, validator, preparer, items, unnamed, width)
                index += 1
                chunk = []
        if chunk and index % workers == mine:
            yield _process(index, chunk, validator, preparer, items, unnamed, width)
    except FileRejected as exc:
        # Every worker meets the bad byte in the same chunk; the caller stops at the first report of it.
        yield Chunk(index, 0, [], [], exc.message)


def _process(
    index: int,
    chunk: list[tuple[int, list[str]]],
    validator: RowValidator,
    preparer: Preparer,
    items: list[tuple[int, str]],
    unnamed: list[int],
    width: int,
) -> Chunk:
    good: list[tuple[Any, ...]] = []
    errors: list[ErrorLine] = []
    id_in_text: list[tuple[int, list[str]]] = []
    for row_number, cells in chunk:
        n = len(cells)
        raw = {code: cells[i] if i < n else "" for i, code in items}
        row_errors: list[FieldError] = []
        for i in unnamed:
            if i < n and cells[i]:
                row_errors.append(
                    FieldError("", f"第{column_letter(i)}列", cells[i][:200], "该列没有表头，无法确定所属字段")
                )
        for i in range(width, n):
            if cells[i]:
                row_errors.append(FieldError("", f"第{column_letter(i)}列", cells[i][:200], "超出表头范围的多余数据"))
        result = validator.validate(raw)
        if not isinstance(result, ValidRow):
            row_errors.extend(result)
        if row_errors:
            errors.extend(_error_line(row_number, e) for e in row_errors)
        else:
            good.append(tuple(preparer.prepare(row_number, result.values)))  # type: ignore[union-attr]
            if result.id_in_text:  # type: ignore[union-attr]
                id_in_text.append((row_number, result.id_in_text))  # type: ignore[union-attr]
    return Chunk(index, len(chunk), good, errors, id_in_text=id_in_text)


# ------------------------------------------------------------------------------------------------ workers

_CHILD_BOOTSTRAP = (
    "import pickle, sys; out = sys.stdout.buffer; sys.stdout = sys.stderr; "
    "sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from xinyong.ingestion.pipeline import _worker_main; _worker_main(out)"
)


def _worker_main(out: Any) -> None:
    """Child-process body: read the job from stdin, write each chunk to ``out`` (the real stdout)."""
    try:
        job: Job = pickle.load(sys.stdin.buffer)
        for c in produce(job):
            marshal.dump(("chunk", c.index, c.rows, c.good, c.errors, c.file_error, c.id_in_text), out)
            out.flush()
        marshal.dump(("done",), out)
    except BrokenPipeError:  # the parent stopped reading
        return
    except BaseException:
        with contextlib.suppress(OSError):
            marshal.dump(("error", traceback.format_exc()), out)
    with contextlib.suppress(OSError):
        out.flush()


class _Worker:
    """One worker process and its stream of chunks."""

    def __init__(self, job: Job) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.out = self.proc.stdout
        try:
            pickle.dump([p for p in sys.path if p], self.proc.stdin)
            pickle.dump(job, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except BrokenPipeError:
            raise RuntimeError(f"数据校验子进程未能启动（退出码{self.proc.wait()}）。") from None
        self.finished = False

    def next(self) -> Chunk | None:
        """The worker's next chunk, or None when it has no more."""
        if self.finished:
            return None
        try:
            frame = marshal.load(self.out)
        except EOFError:
            raise RuntimeError(f"数据校验子进程意外退出（退出码{self.proc.wait()}）。") from None
        if frame[0] == "done":
            self.finished = True
            return None
        if frame[0] == "error":
            raise RuntimeError(f"数据校验子进程出错：\n{frame[1]}")
        _kind, index, rows, good, errors, file_error, id_in_text = frame
        return Chunk(index, rows, good, errors, file_error, id_in_text)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.out.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def chunks(job: Job, workers: int) -> Iterator[Chunk]:
    """All chunks of the file in order: computed here (``workers`` 0) or by that many worker processes."""
    if workers <= 0:
        yield from produce(job)
        return
    pool = [_Worker(replace(job, worker=w, workers=workers)) for w in range(workers)]
    try:
        index = 0
        while True:
            chunk = pool[index % workers].next()
            if chunk is None:
                return
            if chunk.index != index:
                raise RuntimeError(f"数据校验子进程返回的分块顺序有误（应为第{index}块，实为第{chunk.index}块）。")
            yield chunk
            if chunk.file_error is not None:
                return
            index += 1
    finally:
        for worker in pool:
            worker.close()
