"""The demo city: synthetic 密山市 market entities, people, relations and demo accounts."""
