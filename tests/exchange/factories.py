"""Exchange test data: contracts, tiers, spaces and documents (flushed, never committed)."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from portal.account.models import Role, User
from portal.contract.models import Contract, ContractStatus
from portal.db import utcnow
from portal.exchange import services
from portal.exchange.models import ExchangeFolder, ExchangeSpace, ExchangeVersion
from portal.extensions import db
from portal.org.models import Company, Section
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from tests.factories import make_company, make_section, make_user

_seq = itertools.count(1)
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def make_contract(
    *,
    section: Section | None = None,
    company: Company | None = None,
    status: ContractStatus = ContractStatus.ACTIVE,
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=kwargs.pop("number", f"EX-T{n:05d}"),
        title=kwargs.pop("title", f"文書交換テスト業務{n}"),
        section_id=(section or make_section()).id,
        company_id=(company or make_company()).id,
        status=status,
        fiscal_year=2026,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        **kwargs,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def make_tier(
    contract: Contract,
    *,
    subcontractor: Company | None = None,
    parent: SubcontractRequest | None = None,
    status: SubcontractStatus = SubcontractStatus.APPROVED,
) -> SubcontractRequest:
    requester = parent.subcontractor_id if parent is not None else contract.company_id
    sub = SubcontractRequest(
        contract_id=contract.id,
        parent_id=parent.id if parent is not None else None,
        tier=(parent.tier + 1) if parent is not None else 1,
        requester_company_id=requester,
        subcontractor_id=(subcontractor or make_company()).id,
        status=status,
    )
    db.session.add(sub)
    db.session.flush()
    return sub


class Setup:
    """A contract of `company` in `section` with its staff, a vendor user and the main space."""

    def __init__(self, **contract_kwargs: Any) -> None:
        self.section = make_section()
        self.company = make_company()
        self.contract = make_contract(section=self.section, company=self.company, **contract_kwargs)
        self.clerk: User = make_user(Role.PROCUREMENT, section=self.section)
        self.manager: User = make_user(Role.PROTECTION_MANAGER, section=self.section)
        self.vendor: User = make_user(Role.CONTRACTOR, company=self.company)
        self.space: ExchangeSpace = spaces_of(self.contract)[0]


def spaces_of(contract: Contract) -> list[ExchangeSpace]:
    return services.ensure_spaces(actor=make_user(Role.AUDITOR), contract=contract)


def space_for(contract: Contract, tier: SubcontractRequest | None) -> ExchangeSpace:
    key = tier.id if tier is not None else 0
    return next(s for s in spaces_of(contract) if s.tier_key == key)


def write(tmp_path: Path, data: bytes, name: str = "upload") -> Path:
    path = tmp_path / f"{next(_seq)}-{name}"
    path.write_bytes(data)
    return path


def plain_pdf(text: str = "page 1") -> bytes:
    """A PDF without properties, XMP or しおり (nothing to warn about)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(
    tmp_path: Path,
    *,
    actor: User,
    space: ExchangeSpace,
    data: bytes | None = None,
    filename: str = "資料.csv",
    folder: ExchangeFolder | None = None,
    personal_info: bool = False,
    now: datetime | None = None,
) -> ExchangeVersion:
    """Share a document through the service; fails the test if it was staged instead."""
    outcome = services.upload_document(
        actor=actor,
        space=space,
        folder=folder,
        path=write(tmp_path, data if data is not None else b"a,b\r\n1,2\r\n"),
        filename=filename,
        personal_info=personal_info,
        now=now or utcnow(),
    )
    assert outcome.version is not None, "upload was staged"
    return outcome.version


def fetch(client: Any, url: str, method: str = "GET", **kwargs: Any) -> Any:
    """Request a file: buffered, so the streamed blob is read and closed."""
    return client.open(url, method=method, buffered=True, **kwargs)


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:creator><rdf:Seq><rdf:li>佐藤 花子</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt>
    <rdf:li xml:lang="x-default">住民票の写し 受付番号123</rdf:li>
   </rdf:Alt></dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def pdf_with_properties(*, javascript: bool = False) -> bytes:
    """Title and author naming a resident, a しおり entry and XMP (広島市 第6 7)."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    font = "HeiseiMin-W3"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setTitle("山田太郎様 申請書")
    c.setAuthor("市民課 山田")
    c.setFont(font, 14)
    c.drawString(72, 720, "申請書（本文）")
    c.bookmarkPage("p1")
    c.addOutlineEntry("山田太郎様の申請", "p1")
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    writer.xmp_metadata = XMP
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('x');"),
            }
        )
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """No properties worth a warning, but an OpenAction running JavaScript."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain_pdf())))
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
