"""Unbound extension instances; create_app binds them (avoids import cycles)."""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
