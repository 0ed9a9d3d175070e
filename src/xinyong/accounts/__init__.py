"""Accounts: users, web sessions, API tokens and login throttling."""
