"""Demo data: contracts waiting for erasure proof.

- one with the contractor's certificate (photos, signed PDF) waiting for the 保護管理者's
  review, and an approved 再委託 tier that has not submitted yet (closing is refused, naming it);
- one whose due date has passed with nothing submitted (overdue);
- one fresh case with nothing submitted, for trying the whole flow (and the browser test).

The contract feature's demo runs first; suitable contracts of it are used when they exist,
otherwise minimal contracts are created here. Photos and the PDF are generated (Pillow,
reportlab) and go through the same checks and cleaning as an upload.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.account.models import SYSTEM, Role, User
from portal.contract.models import Contract, ContractStatus
from portal.demo import DemoContext
from portal.erasure import services
from portal.erasure.models import ErasureMethod, MediaType
from portal.erasure.uploads import Upload
from portal.extensions import db
from portal.org.models import Company, Section
from portal.profile import current_profile
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from portal.wareki import fiscal_year

REVIEW_CASE_NUMBER = "DEMO-ERASURE-001"
OVERDUE_CASE_NUMBER = "DEMO-ERASURE-002"
FRESH_CASE_NUMBER = "DEMO-ERASURE-003"
FRESH_CASE_TITLE = "窓口受付データ入力業務委託（消去証明の操作確認用）"
"""The browser test works on this contract (submit → send back → resubmit → accept → close)."""


def demo_photo(path: Path, label: str, *, seed: int = 0) -> Path:
    """A small photo-like JPEG of "destroyed media", with EXIF GPS like a phone would add."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 480), (90 + seed * 20 % 100, 96, 104))
    draw = ImageDraw.Draw(img)
    draw.rectangle((120, 140, 520, 340), fill=(40, 40, 46), outline=(200, 200, 200), width=4)
    for n in range(6):
        x = 150 + n * 60
        draw.line((x, 150, x + 40, 330), fill=(230, 230, 230), width=3)  # drill holes / cracks
    draw.text((130, 360), label, fill=(255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 51.0, 24.5), "E", (139.0, 23.0, 27.8)
    img.save(path, "JPEG", quality=80, exif=exif.tobytes(), comment=b"demo operator")
    return path


def demo_certificate_pdf(path: Path, *, company: str, title: str, erased_on: date) -> Path:
    """A one-page 消去証明書 with document properties and a しおり (removed on upload)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "HeiseiMin-W3"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    c = canvas.Canvas(str(path))
    c.setAuthor("デモ 作業者")
    c.setTitle(f"消去証明書 {title}")
    c.setFont(font, 18)
    c.drawString(72, 760, "データ消去・廃棄証明書")
    c.setFont(font, 11)
    lines = [
        f"件名: {title}",
        f"実施日: {erased_on.isoformat()}",
        "上記業務で取り扱った個人情報を、復元不可能な方法により消去・廃棄したことを証明します。",
        company,
        "（記名押印）",
    ]
    for n, line in enumerate(lines):
        c.drawString(72, 720 - n * 22, line)
    c.bookmarkPage("p1")
    c.addOutlineEntry("証明書", "p1")
    c.showPage()
    c.save()
    return path


def _contractor_user(ctx: DemoContext, company_id: int) -> User | None:
    for user in ctx.users.values():
        if user.role == Role.CONTRACTOR and user.company_id == company_id:
            return user
    return db.session.scalar(
        sa.select(User).where(User.role == Role.CONTRACTOR, User.company_id == company_id)
    )


def _make_contract(
    ctx: DemoContext, *, number: str, title: str, section: Section, company: Company, ended: int
) -> Contract:
    """A minimal active contract whose period ended `ended` days ago."""
    end = ctx.today - timedelta(days=ended)
    start = date(fiscal_year(end), 4, 1)
    contract = Contract(
        number=number,
        title=title,
        section_id=section.id,
        company_id=company.id,
        status=ContractStatus.ACTIVE,
        fiscal_year=fiscal_year(start),
        period_start=start,
        period_end=max(end, start),
        pi_categories="氏名、住所、生年月日",
        people_count=1200,
        minimum_scope="業務に必要な項目に限る。",
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def _candidates(ctx: DemoContext) -> list[Contract]:
    """Contracts of the contract feature's demo that are (or should be) awaiting erasure proof
    and whose contractor has a demo account."""
    rows = db.session.scalars(
        sa.select(Contract)
        .where(
            sa.or_(
                Contract.status == ContractStatus.ERASURE_PENDING,
                sa.and_(
                    Contract.status.in_([ContractStatus.ACTIVE, ContractStatus.ENDING]),
                    Contract.period_end < ctx.today,
                ),
            )
        )
        .order_by(Contract.period_end, Contract.id)
    ).all()
    return [c for c in rows if _contractor_user(ctx, c.company_id) is not None]


def _to_pending(contract: Contract, now: datetime) -> None:
    if contract.status != ContractStatus.ERASURE_PENDING:
        services.start_erasure_check(actor=SYSTEM, contract=contract, now=now)
    else:
        services.sync_tiers([contract], actor=SYSTEM, now=now)


def _add_tier(contract: Contract, subcontractor: Company) -> None:
    db.session.add(
        SubcontractRequest(
            contract_id=contract.id,
            tier=1,
            requester_company_id=contract.company_id,
            subcontractor_id=subcontractor.id,
            is_subsidiary=subcontractor.parent_id == contract.company_id,
            work_part="データ入力作業の一部",
            pi_description="氏名、住所",
            status=SubcontractStatus.APPROVED,
            same_measures_pledged=True,
            submitted_at=contract.created_at,
            decided_at=contract.created_at,
        )
    )
    db.session.flush()


def _submit(ctx: DemoContext, contract: Contract) -> None:
    """The contractor's certificate, waiting for review."""
    case = services.load_case(contract)
    obligation = case.obligation(0)
    user = _contractor_user(ctx, contract.company_id)
    if obligation is None or user is None or obligation.current is not None:
        return
    erased_on = min(ctx.today, contract.period_end + timedelta(days=7))
    with tempfile.TemporaryDirectory(prefix="portal-demo-") as tmp:
        work = Path(tmp)
        media = (
            (MediaType.HDD, "WD-7K2A9931", ErasureMethod.PHYSICAL, "HDD WD-7K2A9931"),
            (MediaType.PAPER, "入力原票（申請書写し）一式", ErasureMethod.DISSOLVE, "PAPER"),
        )
        items = tuple(
            services.MediaInput(
                media_type=kind,
                identifier=identifier,
                count=1 if kind != MediaType.PAPER else 3,
                method=method,
                photos=(
                    Upload(
                        demo_photo(work / f"photo{n}.jpg", label, seed=n), f"IMG_{1200 + n}.jpg"
                    ),
                ),
            )
            for n, (kind, identifier, method, label) in enumerate(media, start=1)
        )
        pdf = demo_certificate_pdf(
            work / "certificate.pdf",
            company=contract.company.name,
            title=contract.title,
            erased_on=erased_on,
        )
        services.submit_certificate(
            actor=user,
            obligation=obligation,
            data=services.CertificateInput(
                media=items,
                erased_on=erased_on,
                place=f"{contract.company.name} 本社 データ消去室",
                operator="消去 作業員（情報システム部）",
                witnessed=False,
                witness_name="",
                certificate_pdf=Upload(pdf, "消去証明書.pdf"),
            ),
            now=ctx.now,
        )


def load(ctx: DemoContext) -> None:
    section = ctx.sections.get("shimin") or db.session.scalars(sa.select(Section)).first()
    alpha = ctx.companies.get("alpha")
    gamma = ctx.companies.get("gamma")
    if section is None or alpha is None:
        return
    due_days = current_profile().erasure.due_days
    candidates = _candidates(ctx)

    review = candidates.pop(0) if candidates else None
    if review is None:
        review = _make_contract(
            ctx,
            number=REVIEW_CASE_NUMBER,
            title="住民記録データ移行業務委託",
            section=section,
            company=alpha,
            ended=10,
        )
        if gamma is not None:
            _add_tier(review, gamma)
    _to_pending(review, ctx.now)
    _submit(ctx, review)

    overdue = next(
        (c for c in candidates if c.period_end + timedelta(days=due_days) < ctx.today), None
    )
    if overdue is None:
        overdue = _make_contract(
            ctx,
            number=OVERDUE_CASE_NUMBER,
            title="介護保険認定調査票入力業務委託",
            section=section,
            company=ctx.companies.get("beta") or alpha,
            ended=due_days + 15,
        )
    _to_pending(overdue, ctx.now)

    fresh = _make_contract(
        ctx,
        number=FRESH_CASE_NUMBER,
        title=FRESH_CASE_TITLE,
        section=section,
        company=alpha,
        ended=3,
    )
    _to_pending(fresh, ctx.now)
