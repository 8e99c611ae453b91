"""The centre's small server (``site-builder server``): newsletter sign-up with double
opt-in, one-click unsubscribe (RFC 8058) and consultation intake, for the static site's forms.

``database`` holds the schema (SQLite or PostgreSQL, one SQLAlchemy Core schema, migrated
by Alembic from ``migrations/``) and ``store`` every query; ``submissions`` checks a POST
against the forms' definitions (content/forms.py); ``guard`` the request around it (size,
origin, form token, client address, rate limit); ``pages`` the Japanese pages the server
answers with; ``notices`` the mails it sends; ``app`` puts the routes together and ``run``
serves them with uvicorn. See README "Server" and SECURITY.md.
"""
