"""Cross-cutting pieces: settings, database, clock, identifiers, calendar, security, audit, errors."""
