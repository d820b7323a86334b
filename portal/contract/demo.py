"""Demo contracts: every state of the register, documents stored in the file store and checked.

`ctx.extra["contracts"]` maps a short key to each Contract, for the demo data of later
features (subcontracts, inspections, erasure certificates).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

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

BODY_TEXT = (
    "業務委託契約書\n"
    "\n"
    "委託者{city}（以下「甲」という。）と受託者{company}（以下「乙」とい"
    "う。）は、次の条項により{title}に関する委託契約を締結する。\n"
    "\n"
    "（委託業務）\n"
    "第1条　甲は、{title}（以下「委託業務」という。）を乙に委託し、"
    "乙はこれを受託する。\n"
    "\n"
    "（契約期間）\n"
    "第2条　契約期間は、{start}から{end}までとする。\n"
    "\n"
    "（検査）\n"
    "第3条　乙は、委託業務を完了したときは、遅滞なく甲に完了報告書を提出し、"
    "甲の検査を受けなければならない。\n"
    "\n"
    "（個人情報の保護）\n"
    "第4条　乙は、この契約による事務を処理するための個人情報の取扱いについては、"
    "別記「個人情報取扱特記事項」を守らなければならない。\n"
    "\n"
)

# 第37条第1項第3号 (複製等の制限) is missing on purpose: the check reports it.
LACKING_TEXT = (
    "業務委託契約書\n"
    "\n"
    "委託者{city}（以下「甲」という。）と受託者{company}（以下「乙」とい"
    "う。）は、{title}について次のとおり契約を締結する。\n"
    "\n"
    "（秘密の保持）\n"
    "第1条　乙は、この契約による事務に関して知り得た個人情報をみだりに他人に知らせ、"
    "又は不当な目的に使用してはならない。この契約が終了した後においても、同様とする。\n"
    "\n"
    "（目的外利用の禁止）\n"
    "第2条　乙は、甲の指示又は承諾がある場合を除き、この契約による事務に関して知り得た"
    "個人情報を契約の目的以外の目的に利用し、又は第三者に提供してはならない。\n"
    "\n"
    "（再委託の禁止）\n"
    "第3条　乙は、この契約による個人情報を取り扱う事務を第三者に委託してはならない。ただし、"
    "あらかじめ甲の書面による承諾を得た場合は、この限りでない。\n"
    "\n"
    "（安全管理措置）\n"
    "第4条　乙は、この契約による事務に関して知り得た個人情報の漏えい、"
    "滅失及びき損の防止その他の個人情報の適切な管理のために必要な措置を講じなければなら"
    "ない。\n"
    "\n"
    "（事故発生時における報告）\n"
    "第5条　乙は、個人情報の漏えい、滅失、き損その他の事故が発生し、"
    "又は発生したおそれがあることを知ったときは、直ちに甲に報告し、"
    "甲の指示に従わなければならない。\n"
    "\n"
    "（資料等の返還等）\n"
    "第6条　乙は、この契約による事務を処理するために甲から引き渡された個人情報が記録さ"
    "れた資料等を、この契約の完了後直ちに甲に返還し、又は甲の指示する方法により消去し、"
    "若しくは廃棄しなければならない。\n"
    "\n"
    "（契約の解除及び損害賠償）\n"
    "第7条　甲は、乙がこの契約に違反していると認めたときは、契約を解除し、"
    "乙に対し損害賠償を請求することができる。\n"
    "\n"
    "（遵守状況の報告及び監査）\n"
    "第8条　乙は、甲が定める時期に、この契約の遵守状況について書面により甲に報告しなけ"
    "ればならない。\n"
    "2　甲は、必要があると認めるときは、乙に対し個人情報の取扱状況について報告を求め、"
    "又は甲の職員に乙の作業場所に立ち入らせ、実地に検査させることができる。\n"
    "3　前2項の規定は、再委託先について準用する。この場合において、"
    "甲は、乙を通じて、又は自ら再委託先の監査等を行うことができる。\n"
    "\n"
)


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
    return template.format(
        city=current_profile().city,
        company=contract.company.name,
        title=contract.title,
        start=contract.period_start.isoformat(),
        end=contract.period_end.isoformat(),
    ).encode("utf-8")


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
