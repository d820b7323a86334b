"""消去・廃棄証明 (erasure certificates) with photos, and closing a contract."""

from flask import Blueprint

bp = Blueprint("erasure", __name__, template_folder="templates")
