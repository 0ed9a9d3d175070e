"""Queries of natural persons' credit information: purpose, basis or authorisation, registration (T29)."""
