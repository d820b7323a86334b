"""Annual inspections (実地検査 / 書面) and the auditors' status view."""

from flask import Blueprint

bp = Blueprint("inspection", __name__, template_folder="templates")
