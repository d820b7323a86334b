"""督促 (chase): the scheduler's rules that chase what falls due, exactly once."""

from flask import Blueprint

bp = Blueprint("chase", __name__, template_folder="templates")
