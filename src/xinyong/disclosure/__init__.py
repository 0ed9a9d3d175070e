"""Public disclosure: which credit records the public portal shows, and for how long."""
