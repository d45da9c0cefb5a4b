"""WSGI entry point for servers (``gunicorn gis_app.wsgi:app``): settings from the environment.

This is the only place an app object is created at import time, because a WSGI server
imports a module and looks for a callable in it.
"""

from __future__ import annotations

from gis_app.app import create_app
from gis_app.config import Settings

app = create_app(Settings.from_env())
