"""Demo contracts: every state of the register, documents stored in the file store and checked.

`ctx.extra["contracts"]` maps a short key to each Contract, for the demo data of later
features (subcontracts, inspections, erasure certificates).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal.contract import drafting, services
from portal.contract.models import (
    Contract,
    ContractKind,
    DocumentRole,
    HandlingLocation,
)
from portal.demo import DemoContext
from portal.profile import current_profile
from portal.wareki import fiscal_year

BODY_TEXT = "body"  # contract_templates/texts/_demo/body.txt

# 第37条第1項第3号 (複製等の制限) is missing on purpose: the check reports it.
LACKING_TEXT = "lacking"  # contract_templates/texts/_demo/lacking.txt


@dataclass(frozen=True)
class _Spec:
    key: str
    section: str
    company: str
    user: str
    title: str
    number: str
    year_offset: int
    pi: str
    people: int
    kind: ContractKind = ContractKind.ITAKU
    sensitive: bool = False
    location: HandlingLocation = HandlingLocation.CONTRACTOR_SITE
    cloud: tuple[str, str, str] | None = None


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _create(ctx: DemoContext, spec: _Spec) -> Contract:
    fy = fiscal_year(ctx.today) + spec.year_offset
    provider, provider_country, server_country = spec.cloud or (None, None, None)
    return services.create_contract(
        actor=ctx.users[spec.user],
        section_id=ctx.sections[spec.section].id,
        data=services.ContractInput(
            number=spec.number.format(fy=fy),
            title=spec.title,
            company_id=ctx.companies[spec.company].id,
            kind=spec.kind,
            fiscal_year=fy,
            period_start=date(fy, 4, 1),
            period_end=date(fy + 1, 3, 31),
            pi_categories=spec.pi,
            sensitive=spec.sensitive,
            people_count=spec.people,
            location=spec.location,
            cloud_provider=provider,
            cloud_provider_country=provider_country,
            cloud_server_country=server_country,
            minimum_scope="委託業務の処理に必要な項目に限り、それ以外の個人情報は引き渡さない。",
            anonymised=False,
            anonymisation_note="",
            retention_years=5,
        ),
    )


def _body(contract: Contract, template: str) -> bytes:
    """The demo document `template` (a contract's own text, with its own 第1条…) filled in."""
    folder = current_app.extensions["portal_config"].templates_dir / "texts" / "_demo"
    text = (folder / f"{template}.txt").read_text(encoding="utf-8")
    filled: str = text.format(
        city=current_profile().city,
        company=contract.company.name,
        title=contract.title,
        start=contract.period_start.isoformat(),
        end=contract.period_end.isoformat(),
    )
    return filled.encode("utf-8")


SPECS = (
    _Spec(
        "juki",
        "shimin",
        "alpha",
        "proc_shimin",
        "住民記録システム運用保守業務委託",
        "S01-{fy}-001",
        0,
        "氏名、住所、生年月日、性別、世帯構成、住民票コード",
        85000,
    ),
    _Spec(
        "mailing",
        "shimin",
        "beta",
        "proc_shimin",
        "住民票等郵送請求処理業務委託",
        "S01-{fy}-002",
        0,
        "氏名、住所、請求内容",
        6000,
    ),
    _Spec(
        "kaigo_cloud",
        "fukushi",
        "gamma",
        "proc_fukushi",
        "介護保険事務システム（クラウド）運用業務委託",
        "F01-{fy}-001",
        0,
        "氏名、住所、生年月日、要介護度、給付記録",
        21000,
        sensitive=True,
        location=HandlingLocation.CLOUD,
        cloud=("ガンマクラウド基盤サービス", "日本", "日本"),
    ),
    _Spec(
        "kyufu_print",
        "fukushi",
        "beta",
        "proc_fukushi",
        "福祉給付金支給決定通知書印刷封入業務委託",
        "F01-{fy}-003",
        -1,
        "氏名、住所、給付額",
        9500,
    ),
    _Spec(
        "madoguchi_haken",
        "shimin",
        "gamma",
        "pm_shimin",
        "市民課窓口案内業務（労働者派遣）",
        "S01-{fy}-010",
        0,
        "来庁者の氏名、住所、申請内容",
        30000,
        kind=ContractKind.HAKEN,
        location=HandlingLocation.CITY_PREMISES,
    ),
    _Spec(
        "migration",
        "shimin",
        "alpha",
        "proc_shimin",
        "次期住民記録システムへのデータ移行業務委託",
        "S01-{fy}-020",
        1,
        "住民記録の全項目",
        85000,
        location=HandlingLocation.CITY_PREMISES,
    ),
    _Spec(
        "old_maintenance",
        "fukushi",
        "alpha",
        "proc_fukushi",
        "旧福祉システム保守業務委託（入札不調により取消）",
        "F01-{fy}-009",
        0,
        "氏名、住所",
        100,
    ),
)


def load(ctx: DemoContext) -> None:
    """Create the demo contracts (never commits)."""
    now = ctx.now
    contracts = {spec.key: _create(ctx, spec) for spec in SPECS}
    users = ctx.users

    # 市民課 × アルファ: body + generated 特記事項 (eight present), in performance.
    juki = contracts["juki"]
    services.upload_document(
        actor=users["proc_shimin"],
        contract=juki,
        data=_body(juki, BODY_TEXT),
        filename="業務委託契約書.txt",
        role=DocumentRole.BODY,
        now=now,
    )
    drafting.attach_special_terms(actor=users["proc_shimin"], contract=juki, fmt="pdf", now=now)
    services.activate_contract(actor=users["pm_shimin"], contract=juki, now=now)

    # 市民課 × ベータ: the contract lacks clause (3); it cannot be activated yet.
    mailing = contracts["mailing"]
    services.upload_document(
        actor=users["proc_shimin"],
        contract=mailing,
        data=_docx(_body(mailing, LACKING_TEXT).decode("utf-8")),
        filename="郵送請求処理業務委託契約書.docx",
        role=DocumentRole.BODY,
        now=now,
    )

    # 福祉総務課 × ガンマ (cloud, 要配慮個人情報): generated 特記事項 as DOCX, in performance.
    cloud = contracts["kaigo_cloud"]
    drafting.attach_special_terms(actor=users["proc_fukushi"], contract=cloud, fmt="docx", now=now)
    services.activate_contract(actor=users["pm_fukushi"], contract=cloud, now=now)

    # Last 年度's printing contract: ended, waiting for the erasure certificate.
    printing = contracts["kyufu_print"]
    drafting.attach_special_terms(
        actor=users["proc_fukushi"], contract=printing, fmt="pdf", now=now
    )
    services.activate_contract(actor=users["pm_fukushi"], contract=printing, now=now)
    services.start_ending_contract(actor=users["proc_fukushi"], contract=printing, now=now)
    services.mark_erasure_pending(actor=users["proc_fukushi"], contract=printing, now=now)

    # 派遣 (第37条第5項): 特記事項 attached and checked, ready to go into performance.
    haken = contracts["madoguchi_haken"]
    drafting.attach_special_terms(actor=users["pm_shimin"], contract=haken, fmt="pdf", now=now)

    # Next 年度's migration stays a draft; the failed tender is cancelled.
    services.cancel_contract(
        actor=users["proc_fukushi"], contract=contracts["old_maintenance"], now=now
    )

    ctx.extra["contracts"] = contracts
