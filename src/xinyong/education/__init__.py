"""Integrity education: courses, sessions, completions."""
