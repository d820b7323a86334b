"""CSV that opens in Excel: UTF-8 with BOM, CRLF, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

from portal.filecheck.policy import content_disposition as disposition


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        # Formula injection: Excel runs a text cell starting with = + - @; prefix a quote.
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_cell(v) for v in row])
        yield buf.getvalue()


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266/5987: UTF-8 filename* plus an ASCII fallback keeping the extension
    ('一覧.csv' -> 'download.csv'); the one helper every download uses."""
    return disposition(filename, inline=inline)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    resp = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = content_disposition(filename)
    return resp
