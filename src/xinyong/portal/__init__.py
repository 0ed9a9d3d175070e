"""Portal: the public credit portal (search, profiles, publicity lists)."""
