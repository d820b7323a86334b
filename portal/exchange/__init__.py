"""Document exchange per contract: shared spaces, versions, comments, read receipts,
access records (入間市 第20条) and the bulk-download warning (第21条)."""

from flask import Blueprint

bp = Blueprint("exchange", __name__, template_folder="templates")
