"""再委託 / 再々委託 (every tier): requests, decisions and the chain (入間市 第37条第4項)."""

from flask import Blueprint

bp = Blueprint("subcontract", __name__, template_folder="templates")
