"""漏えい等事案: reports from contractors and staff, the PPC reportability decision and its
clocks, report drafts and the follow-up (入間市規程 第39条—第41条, 広島市要綱 第12・別表)."""

from flask import Blueprint

bp = Blueprint("incident", __name__, template_folder="templates")
