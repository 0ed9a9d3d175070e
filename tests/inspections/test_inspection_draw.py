"""RFC 3797 selection: the published example, determinism, sensitivity to pool and seeds, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core.errors import ValidationFailed
from xinyong.inspections import draw

# RFC 3797 §6: the 25 names of the pool, the three seed sources and the published outcome.
NAMES = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
SOURCES = [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]


def test_rfc3797_published_example_is_reproduced_exactly() -> None:
    key = draw.make_key(SOURCES)
    assert key == b"9319./2.5.8.10.12./9.18.26.34.41.45./"
    # The first MD5 values of the RFC's table.
    assert draw.digest(key, 0).hex().upper() == "990DD0A5692A029A98B5E01AA28F3459"
    assert draw.digest(key, 1).hex().upper() == "3691E55CB63FCC37914430B2F70B5EC6"
    assert draw.digest(key, 2).hex().upper() == "FE814EDF564C190AC1D25753979990FA"
    # The RFC's selection, by pool number and by name.
    assert [p + 1 for p in draw.positions(key, 25, 10)] == [17, 7, 2, 16, 25, 23, 8, 24, 19, 13]
    assert draw.select(key, NAMES, 10) == [
        "Lee",
        "Doc",
        "Mary",
        "Charity",
        "Kasczynski",
        "Envy",
        "Sneazy",
        "Anger",
        "Chastity",
        "Pandora",
    ]


def test_same_inputs_same_result_and_any_change_changes_it() -> None:
    pool = [f"91230382MA{i:07d}\t主体{i}" for i in range(500)]
    key = draw.make_key(SOURCES)
    first = draw.select(key, pool, 40)
    assert draw.select(draw.make_key(SOURCES), list(pool), 40) == first
    # Seed order within a source does not matter (sorted), but any value does.
    assert draw.select(draw.make_key([[9319], [10, 8, 12, 5, 2], [45, 41, 34, 26, 18, 9]]), pool, 40) == first
    assert draw.select(draw.make_key([[9318], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]), pool, 40) != first
    assert draw.select(draw.make_key([*SOURCES, [1]]), pool, 40) != first
    # Pool: another order, one more entry, one entry fewer, each changes the result and the hash.
    swapped = [pool[1], pool[0], *pool[2:]]
    for changed in (swapped, [*pool, "91230382MA9999999\t新增主体"], pool[1:]):
        assert draw.select(key, changed, 40) != first
        assert draw.pool_hash(changed) != draw.pool_hash(pool)


@pytest.mark.parametrize("number", [1, 9, 10, 4817, 65535])
def test_task_key_is_the_published_team_seed_key(number: int) -> None:
    """Each team is drawn with the plan's sources, then 0, then the task number: anyone can redo it with the CLI."""
    from xinyong.inspections import service

    expected = draw.make_key(service.task_sources(SOURCES, number))
    assert service.task_key(draw.make_key(SOURCES), number) == expected
    assert expected.endswith(f"/0./{number}./".encode())


def _by_list_removal(key: bytes, size: int, count: int) -> list[int]:
    remaining = list(range(size))
    return [remaining.pop(int.from_bytes(draw.digest(key, i), "big") % (size - i)) for i in range(count)]


@pytest.mark.parametrize("size", [1, 2, 3, 32, 33, 100, 1025])
def test_whole_pool_permutation_equals_plain_list_removal(size: int) -> None:
    key = draw.make_key(SOURCES)
    assert list(draw.positions(key, size, size)) == _by_list_removal(key, size, size)


def test_large_pool_selection_equals_plain_list_removal() -> None:
    key = draw.make_key(SOURCES)
    size = 20_000  # above the small-pool threshold: the Fenwick tree is used
    remaining = list(range(size))
    expected = [remaining.pop(int.from_bytes(draw.digest(key, i), "big") % (size - i)) for i in range(3000)]
    assert list(draw.positions(key, size, 3000)) == expected
    assert len(set(expected)) == 3000


def test_seed_and_count_errors_are_chinese() -> None:
    with pytest.raises(ValidationFailed, match="第2个随机源中的“12a”不是非负整数"):
        draw.parse_seed_file("9319\n2 5 12a\n")
    with pytest.raises(ValidationFailed, match="没有随机源"):
        draw.parse_seed_file("# only a comment\n\n")
    with pytest.raises(ValidationFailed, match="抽取数量26超过名录库中的对象数25"):
        list(draw.positions(b"k", 25, 26))


def test_cli_draw_prints_selected_lines_in_order(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# RFC 3797 §6\n9319\n2 5 12 8 10\n9 18 26 34 41 45\n", encoding="utf-8")
    pool = tmp_path / "pool.txt"
    pool.write_text("".join(f"{n}\n" for n in NAMES), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["draw", "--seeds", str(seeds), "--pool", str(pool), "--count", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Lee\nDoc\nMary\nCharity\nKasczynski\n"
    too_many = runner.invoke(app, ["draw", "--seeds", str(seeds), "--pool", str(pool), "--count", "26"])
    assert too_many.exit_code == 2
    assert "抽取数量26超过名录库中的对象数25" in too_many.stderr
    missing = runner.invoke(app, ["draw", "--seeds", str(tmp_path / "none.txt"), "--pool", str(pool), "--count", "1"])
    assert missing.exit_code == 2 and "随机源文件不存在" in missing.stderr
