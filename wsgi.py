"""WSGI entry point: `gunicorn wsgi:app` (run `portal db upgrade` first)."""

from portal import create_app

app = create_app()
