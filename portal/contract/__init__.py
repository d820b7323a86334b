"""Contract register: particulars, document versions, the eight-clause check and its overrides,
the lifecycle and the drafted 個人情報取扱特記事項."""

from flask import Blueprint

bp = Blueprint("contract", __name__, template_folder="templates")
