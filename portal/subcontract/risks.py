"""What a 保護管理者 should see before approving a 再委託 tier.

Approval is the city's one chance to stop personal information going to a subcontractor that
cannot protect it, so the decision page lists every sign that it may not: no valid
certificate, no pledge of the same measures, an attached contract or pledge in which the
eight clauses are not all found, and handling outside Japan. Approving over a warning is
allowed (the city may have other assurance) but must be acknowledged, with the reason, and
the warnings are kept with the audit entry.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from portal.contract.models import ClauseStatus
from portal.subcontract.models import SubcontractRequest
from portal.wareki import wareki_date

DOMESTIC = frozenset({"日本", "日本国", "japan", "jp", "jpn", "国内"})


@dataclass(frozen=True)
class Risk:
    code: str
    message: str


def _foreign(country: str | None) -> str | None:
    value = unicodedata.normalize("NFKC", country or "").strip()
    if not value or value.lower() in DOMESTIC:
        return None
    return value


def decision_risks(sub: SubcontractRequest, *, today: date, warn_tier: int = 0) -> list[Risk]:
    """Every warning for deciding on `sub`, in the order a reader checks them. `warn_tier` is
    the city's deepest expected tier (Config.subcontract_warn_tier; 0: none)."""
    risks: list[Risk] = []
    if warn_tier and sub.tier > warn_tier:
        risks.append(
            Risk(
                "deep_tier",
                f"{sub.tier_label}の申請です。市の設定では第{warn_tier}次までを想定しています。"
                "これより深い再委託が必要な理由を確認してください。",
            )
        )
    certificates = sub.subcontractor.certificates
    valid = [c for c in certificates if c.expires_on is None or c.expires_on >= today]
    if not certificates:
        risks.append(
            Risk(
                "no_certificate",
                "再委託先の認証（ISMS・プライバシーマーク等）が登録されていません。",
            )
        )
    elif not valid:
        for cert in certificates:
            risks.append(
                Risk(
                    "certificate_expired",
                    f"再委託先の{cert.kind_label}（登録番号 {cert.number}）は"
                    f"{wareki_date(cert.expires_on)}に有効期限が切れています。",
                )
            )
    elif all(c.awaiting_confirmation for c in valid):
        for cert in valid:
            risks.append(
                Risk(
                    "certificate_unconfirmed",
                    f"再委託先の{cert.kind_label}（登録番号 {cert.number}）は委託先が"
                    "登録したもので、市が認証書をまだ確認していません。",
                )
            )
    if not sub.same_measures_pledged:
        risks.append(
            Risk(
                "no_pledge",
                "再委託先が委託契約と同等の安全管理措置を講ずる旨の誓約がありません。",
            )
        )
    document = sub.current_document
    if document is None:
        risks.append(Risk("no_document", "再委託先との契約書又は誓約書が添付されていません。"))
    else:
        lacking = [r for r in document.results if r.status != ClauseStatus.PRESENT]
        if lacking:
            names = "、".join(
                f"{r.title}（{'一部のみ' if r.status == ClauseStatus.PARTIAL else '記載なし'}）"
                for r in lacking
            )
            risks.append(
                Risk(
                    "clauses_lacking",
                    f"添付の契約書又は誓約書で、{len(lacking)}項目が確認できません: {names}",
                )
            )
        elif document.check_status != "ok":
            risks.append(
                Risk(
                    "clauses_unchecked",
                    "添付の契約書又は誓約書は自動確認できませんでした。"
                    "8項目を目視で確認してください。",
                )
            )
    for what, country in (
        ("クラウド事業者", sub.cloud_provider_country),
        ("サーバ", sub.cloud_server_country),
    ):
        foreign = _foreign(country)
        if foreign:
            risks.append(
                Risk(
                    "foreign",
                    f"{what}の所在国が外国（{foreign}）です。外国にある第三者による取扱いとなるため、"
                    "その国の個人情報保護制度と講じる措置を確認してください。",
                )
            )
    return risks
