"""Data in and out: imports of companies, contracts and users from Excel and CSV."""

from flask import Blueprint

bp = Blueprint("dataio", __name__, template_folder="templates", url_prefix="/imports")
