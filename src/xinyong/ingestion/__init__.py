"""Ingestion of departments' uploaded CSV / XLSX files: reading, validation against the catalogue, storage."""
