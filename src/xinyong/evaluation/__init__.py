"""Evaluation: the scoring model, grades, explanations, warnings, industry ratings.

Importing the package registers the re-grading queue with ``records.hooks`` (``dirty.mark_dirty``), so every record
write marks its subjects for re-evaluation without ``records`` importing the evaluation."""

from xinyong.evaluation import dirty as _dirty  # noqa: F401  (registers the records hook)
