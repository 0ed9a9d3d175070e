"""The web shell: public pages, login, the admin console, templates and static files."""
