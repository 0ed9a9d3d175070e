"""`xinyong evaluate` as a real process: everyone graded after the demo; `--dirty` after an import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET
from tests.ingestion.samples import row, write_csv


def test_evaluate_grades_everyone_and_dirty_finds_nothing_left_after_an_import(
    tmp_path: Path, sqlite_template: Path
) -> None:
    db_path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, db_path)
    env = {
        **os.environ,
        "XINYONG_DATABASE_URL": f"sqlite:///{db_path}",
        "XINYONG_SECRET_KEY": TEST_SECRET,
        "XINYONG_MODE": "test",
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "xinyong.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )

    assert run("demo", "--entities", "200").returncode == 0
    result = run("evaluate")
    assert result.returncode == 0, result.stderr
    assert "评价模型2026.1版：评价主体200个" in result.stdout
    # The demo already graded everyone: nothing changed since.
    assert "等级或分数变化0个" in result.stdout
    path = write_csv(tmp_path / "处罚.csv", [row(1), row(2)])
    assert run("import", str(path), "--kind", "penalty", "--dept", "scjg").returncode == 0
    dirty = run("evaluate", "--dirty")
    assert dirty.returncode == 0 and "待重新评价主体0个" in dirty.stdout  # the batch re-graded its subjects
