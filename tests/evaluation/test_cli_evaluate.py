"""`xinyong evaluate` as a real process: everyone graded after the demo; `--dirty` after an import."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli
from tests.ingestion.samples import row, write_csv


def test_evaluate_grades_everyone_and_dirty_finds_nothing_left_after_an_import(cli: Cli, tmp_path: Path) -> None:
    assert cli("demo", "--entities", "200").returncode == 0
    result = cli("evaluate")
    assert result.returncode == 0, result.stderr
    assert "评价模型2026.1版：评价主体200个" in result.stdout
    # The demo already graded everyone: nothing changed since.
    assert "等级或分数变化0个" in result.stdout
    path = write_csv(tmp_path / "处罚.csv", [row(1), row(2)])
    assert cli("import", str(path), "--kind", "penalty", "--dept", "scjg").returncode == 0
    dirty = cli("evaluate", "--dirty")
    assert dirty.returncode == 0 and "待重新评价主体0个" in dirty.stdout  # the batch re-graded its subjects
