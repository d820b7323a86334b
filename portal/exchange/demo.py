"""Demo exchange: a space on an active contract of company alpha (市民課), a folder, a cleaned
PDF from the city, a CSV marked 個人情報含む from the contractor, a comment and read receipts."""

from __future__ import annotations

import io
import tempfile
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.contract.models import Contract, ContractStatus
from portal.demo import DemoContext
from portal.exchange import services
from portal.extensions import db
from portal.wareki import fiscal_year

DEMO_CSV = "番号,氏名（仮名）,区分\r\n1,サンプル 太郎,A\r\n2,サンプル 花子,B\r\n".encode()


def _contract(ctx: DemoContext) -> Contract:
    alpha = ctx.companies["alpha"]
    shimin = ctx.sections["shimin"]
    found = db.session.scalar(
        sa.select(Contract)
        .where(
            Contract.company_id == alpha.id,
            Contract.section_id == shimin.id,
            Contract.status == ContractStatus.ACTIVE,
        )
        .order_by(Contract.id)
        .limit(1)
    )
    if found is not None:
        return found
    fy = fiscal_year(ctx.today)
    contract = Contract(
        number=f"DEMO-EX-{fy}",
        title="住民記録システム運用保守業務委託（文書交換デモ）",
        section_id=shimin.id,
        company_id=alpha.id,
        status=ContractStatus.ACTIVE,
        fiscal_year=fy,
        period_start=date(fy, 4, 1),
        period_end=date(fy + 1, 3, 31),
        pi_categories="氏名、住所、生年月日",
        people_count=120000,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def _specification_pdf() -> bytes:
    """A one-page PDF whose properties name a person (the warning and the cleaning act)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "HeiseiKakuGo-W5"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setAuthor("市民課 契約 次郎")
    c.setTitle("業務仕様書（案）")
    c.setFont(font, 16)
    c.drawString(72, 760, "住民記録システム運用保守業務 仕様書（デモ）")
    c.setFont(font, 11)
    c.drawString(72, 730, "1. 業務内容  2. 個人情報の取扱い  3. 再委託の制限")
    c.showPage()
    c.save()
    return buf.getvalue()


def load(ctx: DemoContext) -> None:
    city = ctx.users["proc_shimin"]
    vendor = ctx.users["vendor_alpha"]
    contract = _contract(ctx)
    space = services.ensure_spaces(actor=city, contract=contract)[0]
    folder = services.create_folder(actor=city, space=space, name="仕様書・資料")
    t0 = ctx.now - timedelta(days=3)
    with tempfile.TemporaryDirectory(prefix="portal-demo-") as tmp:
        pdf = Path(tmp) / "spec.pdf"
        pdf.write_bytes(_specification_pdf())
        outcome = services.upload_document(
            actor=city,
            space=space,
            folder=folder,
            path=pdf,
            filename="業務仕様書.pdf",
            personal_info=False,
            now=t0,
        )
        spec = outcome.version
        if outcome.staged is not None:
            spec, unused = services.send_staged_upload(
                actor=city, staged=outcome.staged, choice="cleaned", now=t0
            )
            # The original was never shared; if the demo rolls back later, no row points at it.
            services.discard_blobs(unused)
        csv = Path(tmp) / "list.csv"
        csv.write_bytes(DEMO_CSV)
        handover = services.upload_document(
            actor=vendor,
            space=space,
            folder=folder,
            path=csv,
            filename="引継ぎデータ一覧.csv",
            personal_info=True,
            now=t0 + timedelta(hours=2),
        ).version
    assert spec is not None  # noqa: S101 - shared above
    assert handover is not None  # noqa: S101 - shared above
    services.record_access(
        actor=vendor, versions=[spec], action="downloaded", now=t0 + timedelta(hours=1)
    )
    services.add_comment(
        actor=vendor,
        document=spec.document,
        body="仕様書を受領しました。引継ぎデータ一覧を同じフォルダに置きました。",
        now=t0 + timedelta(hours=2, minutes=5),
    )
    services.record_access(
        actor=city, versions=[handover], action="downloaded", now=t0 + timedelta(hours=3)
    )
    ctx.extra["exchange_space_id"] = space.id
