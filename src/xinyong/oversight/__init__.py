"""Oversight (G4): department performance, plan task tracking and the annual assessment table."""
