"""RFC 3797 verifiable selection (RULES.md §6): seed key, MD5 sequence, selection from an ordered pool.

The procedure is the RFC's: each seed source's integers sorted ascending, each followed by ".", each source ended
by "/"; hash i is MD5(u16be(i) ‖ K ‖ u16be(i)) read as a big-endian integer; r = hash mod (items still in the
pool); the r-th remaining item (from 0, in published order) is taken and removed. Remaining items are found with
a Fenwick tree, so a selection of k from P costs O(k log P) instead of the O(k·P) of removing from a list.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence

from xinyong.core.errors import ValidationFailed

MAX_SELECTIONS = 65536  # the counter is two bytes (RFC 3797 §4)
_SPARSE_PICKS = 32
_INT = re.compile(r"[0-9]+")


def parse_source(text: str, *, number: int | None = None) -> list[int]:
    """One seed source: whitespace- or comma-separated non-negative integers (Chinese error naming the source)."""
    where = f"第{number}个随机源" if number is not None else "随机源"
    tokens = [t for t in re.split(r"[\s,，、]+", text.strip()) if t]
    if not tokens:
        raise ValidationFailed(f"{where}为空：每个随机源至少包含一个整数。")
    values: list[int] = []
    for token in tokens:
        if not _INT.fullmatch(token):
            raise ValidationFailed(f"{where}中的“{token}”不是非负整数。")
        values.append(int(token))
    return values


def parse_seed_file(text: str) -> list[list[int]]:
    """Seed sources from a file: one source per line; blank lines and lines starting with # are ignored."""
    sources: list[list[int]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        sources.append(parse_source(stripped, number=len(sources) + 1))
    if not sources:
        raise ValidationFailed("随机源文件中没有随机源：每行写一个随机源（空格分隔的整数）。")
    return sources


def make_key(sources: Iterable[Sequence[int]]) -> bytes:
    """The key K of RFC 3797 §4 (e.g. ``9319./2.5.8.10.12./9.18.26.34.41.45./``)."""
    parts = []
    for source in sources:
        parts.append("".join(f"{value}." for value in sorted(source)) + "/")
    return "".join(parts).encode("ascii")


def digest(key: bytes, index: int) -> bytes:
    """The MD5 value for selection number ``index`` (counting from 0)."""
    if not 0 <= index < MAX_SELECTIONS:
        raise ValidationFailed(f"RFC 3797 方法一次最多抽取{MAX_SELECTIONS}个。")
    counter = index.to_bytes(2, "big")
    return hashlib.md5(counter + key + counter, usedforsecurity=False).digest()


def positions(key: bytes, pool_size: int, count: int) -> Iterator[int]:
    """0-based pool positions selected in order (lazily: a caller may stop early or keep drawing)."""
    if count < 0:
        raise ValidationFailed("抽取数量不能为负数。")
    if count > pool_size:
        raise ValidationFailed(f"抽取数量{count}超过名录库中的对象数{pool_size}。")
    if count > MAX_SELECTIONS:
        raise ValidationFailed(f"RFC 3797 方法一次最多抽取{MAX_SELECTIONS}个，请分层或分批抽取。")
    # The first picks keep a short sorted list of removed positions (a team of inspectors needs two or three);
    # a long selection switches to a Fenwick tree.
    removed: list[int] = []
    for i in range(min(count, _SPARSE_PICKS)):
        r = int.from_bytes(digest(key, i), "big") % (pool_size - i)
        position = r
        for gone in removed:
            if gone <= position:
                position += 1
            else:
                break
        bisect.insort(removed, position)
        yield position
    if count <= _SPARSE_PICKS:
        return
    tree = _Remaining(pool_size)
    for gone in removed:
        tree.remove(gone)
    for i in range(_SPARSE_PICKS, count):
        r = int.from_bytes(digest(key, i), "big") % (pool_size - i)
        yield tree.take(r)


def select(key: bytes, pool: Sequence[str], count: int) -> list[str]:
    """The selected pool lines in order."""
    return [pool[p] for p in positions(key, len(pool), count)]


def pool_lines(text: str) -> list[str]:
    """A published pool file's entries: its non-empty lines, in order (trailing whitespace ignored)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def pool_text(lines: Iterable[str]) -> str:
    """The canonical pool file: one entry per line, LF, ending with a newline (what the SHA-256 is taken of)."""
    return "".join(f"{line}\n" for line in lines)


def pool_hash(lines: Iterable[str]) -> str:
    """SHA-256 (hex) of the canonical pool file."""
    return hashlib.sha256(pool_text(lines).encode("utf-8")).hexdigest()


class _Remaining:
    """Which of 0..n-1 are still in the pool; finds the r-th remaining one and removes it (Fenwick tree)."""

    def __init__(self, n: int) -> None:
        self.n = n
        # A Fenwick tree over an all-ones array: node i covers (i - lowbit(i), i], so it holds lowbit(i).
        self.tree = [i & -i for i in range(n + 1)]
        self.top = 1 << (n.bit_length() - 1) if n else 0

    def take(self, r: int) -> int:
        """Remove and return the r-th (from 0) remaining position."""
        tree = self.tree
        pos = 0
        rest = r + 1
        step = self.top
        while step:
            nxt = pos + step
            if nxt <= self.n and tree[nxt] < rest:
                pos = nxt
                rest -= tree[nxt]
            step >>= 1
        self.remove(pos)
        return pos

    def remove(self, position: int) -> None:
        """Mark a 0-based position as taken."""
        tree = self.tree
        i = position + 1
        while i <= self.n:
            tree[i] -= 1
            i += i & -i
