"""Producing the city's chunks in this process, or in a child interpreter so that generating overlaps writing."""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from xinyong.demo.service.city import Chunk, CityGenerator


def produce(gen_args: dict[str, Any], sizes: list[int], start: tuple[int, int, int]) -> Iterator[Chunk]:
    """Generate the chunks in order, ids continuing from ``start`` (entity, person, relation)."""
    gen = CityGenerator(**gen_args)
    e, p, r = start
    for n in sizes:
        chunk = gen.chunk(n, e, p, r)
        e, p, r = e + n, p + len(chunk.persons), r + len(chunk.relations)
        yield chunk


# The child is a fresh interpreter started with ``-c`` (not multiprocessing), so the caller's main module is
# never re-imported.  Parent -> child on stdin: sys.path, then (gen_args, sizes, start), pickled.  Child ->
# parent on stdout: ("chunk", Chunk) ... ("done", None), or ("error", traceback text).
_CHILD_BOOTSTRAP = (
    "import pickle, sys; out = sys.stdout.buffer; sys.stdout = sys.stderr; "
    "sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from xinyong.demo.service.worker import _worker_main; _worker_main(out)"
)


def _worker_main(out: Any) -> None:
    """Child-process body: read the job from stdin, write each chunk to ``out`` (the real stdout)."""
    try:
        gen_args, sizes, start = pickle.load(sys.stdin.buffer)
        for chunk in produce(gen_args, sizes, start):
            pickle.dump(("chunk", chunk), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(("done", None), out)
    except BrokenPipeError:  # the parent stopped reading
        return
    except BaseException:
        with contextlib.suppress(OSError):
            pickle.dump(("error", traceback.format_exc()), out)
    with contextlib.suppress(OSError):
        out.flush()


def produce_in_worker(gen_args: dict[str, Any], sizes: list[int], start: tuple[int, int, int]) -> Iterator[Chunk]:
    """Like :func:`produce`, but built by a child process so that generating overlaps writing."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD_BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        try:
            pickle.dump([p for p in sys.path if p], proc.stdin)
            pickle.dump((gen_args, sizes, start), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
        except BrokenPipeError:
            raise RuntimeError(f"演示数据生成子进程未能启动（退出码{proc.wait()}）。") from None
        while True:
            try:
                kind, payload = pickle.load(proc.stdout)
            except EOFError:
                raise RuntimeError(f"演示数据生成子进程意外退出（退出码{proc.wait()}）。") from None
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"演示数据生成子进程出错：\n{payload}")
            yield payload
    finally:
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
