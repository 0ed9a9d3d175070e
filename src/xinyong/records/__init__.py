"""The credit record archive (T10): one record per decision, versioned, with state and provenance."""
