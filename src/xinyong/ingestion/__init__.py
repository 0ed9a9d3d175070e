"""Ingestion of departments' uploaded data files: reading CSV / XLSX into header and rows."""
