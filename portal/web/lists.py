"""A list page's current page: `?page=` parsed once, the statement paginated."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request

from portal.pagination import Page, paginate
from portal.web.args import page_arg


def paged(stmt: sa.Select[Any], *, per_page: int = 50) -> Page[Any]:
    """The page of `stmt` the visitor asked for with ?page= (two queries)."""
    return paginate(stmt, page=page_arg(request.args.get("page")), per_page=per_page)
