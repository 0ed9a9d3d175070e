"""Subjects: market entities, natural persons, their relations; departments and supervision domains."""
