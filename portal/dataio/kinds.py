"""What each kind of import reads, checks and writes: companies, contracts and users.

An importer turns one sheet row into clean values (or refusals naming the column), compares
them with the object the key already names, and creates or updates it with the same audit
actions the screens use. Lookups for a whole file are made up front in a few queries.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from portal.account.models import SECTION_ROLES, Actor, Role, User
from portal.audit.services import record
from portal.authz.org import can_manage_company
from portal.contract.models import Contract, ContractKind, ContractStatus, HandlingLocation
from portal.dataio.models import ImportKind
from portal.dataio.sheet import (
    CellError,
    Column,
    SheetRow,
    choice,
    count_value,
    date_value,
    nfkc,
    normalize_header,
    text,
)
from portal.extensions import db
from portal.forms import has_control_characters
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CertificateKind, Company, CompanyCertificate, Section
from portal.org.services import companies_section_ids
from portal.profile import current_profile
from portal.wareki import fiscal_year

# Password hash of an imported account: no password verifies against it (argon2 refuses the
# format), so the person can log in only after an administrator issues a temporary password.
UNUSABLE_PASSWORD = "!imported"  # noqa: S105 - a marker no password matches, not a secret
_CHUNK = 500


@dataclass
class Checked:
    """One row after checking: its key, clean values, and refusals as (column, message)."""

    number: int
    key: str
    label: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, column: str, message: str) -> None:
        # The first reason per column: a formula cell is not also reported as "empty".
        if all(existing != column for existing, _ in self.problems):
            self.problems.append((column, message))


def _in_chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _norm_name(value: str) -> str:
    return normalize_header(value)


def _email(value: str) -> str:
    """Lower-cased, NFKC'd address (full-width ＠ typed by a Japanese IME included)."""
    raw = unicodedata.normalize("NFKC", value).strip()
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise CellError(f"メールアドレス「{value}」の形式が正しくありません。") from None
    return str(result.normalized).lower()


def _limit(
    checked: Checked, column: str, value: str, limit: int, *, single_line: bool = True
) -> str:
    if single_line and has_control_characters(value):  # names, titles: mail subjects, CSV rows
        checked.refuse(column, f"{column}に改行・タブなどの制御文字は使えません。")
    if len(value) > limit:
        checked.refuse(column, f"{column}は{limit}文字以内にしてください。")
    return value


class Importer:
    kind: ClassVar[ImportKind]
    columns: ClassVar[tuple[Column, ...]]
    key_field: ClassVar[str]

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.existing: dict[str, Any] = {}

    @classmethod
    def header_of(cls, name: str) -> str:
        return next(c.header for c in cls.columns if c.field == name)

    @property
    def key_header(self) -> str:
        return self.header_of(self.key_field)

    def row_key(self, row: SheetRow) -> str:
        """The row's key as compared for duplicates and lookups ("" when missing); raises
        CellError for an unusable key cell (a formula)."""
        raise NotImplementedError

    def prepare(self, keys: Sequence[str]) -> None:
        """Load the objects the keys name and whatever the checks refer to."""
        raise NotImplementedError

    def company_number(self, row: SheetRow) -> str:
        """The 法人番号 of a registered company the row refers to ("" when none)."""
        return ""

    def prepare_companies(self, numbers: Sequence[str]) -> None:
        self.companies: dict[str, int] = {}
        for chunk in _in_chunks(numbers):
            for number, company_id in db.session.execute(
                sa.select(Company.corporate_number, Company.id).where(
                    Company.corporate_number.in_(chunk)
                )
            ):
                self.companies[number] = company_id

    def check(self, row: SheetRow, key: str) -> Checked:
        raise NotImplementedError

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        """Headers of the columns whose value differs from the stored object."""
        raise NotImplementedError

    def create(self, values: dict[str, Any], import_id: int | None) -> None:
        raise NotImplementedError

    def update(self, obj: Any, values: dict[str, Any], import_id: int | None) -> None:
        raise NotImplementedError

    def _cell(self, checked: Checked, row: SheetRow, name: str) -> str:
        try:
            return text(row.cells.get(name))
        except CellError as exc:
            checked.refuse(self.header_of(name), str(exc))
            return ""


# --- companies --------------------------------------------------------------------------------

CERTIFICATE_CHOICES = {
    "ISMS": CertificateKind.ISMS.value,
    "ISMAP": CertificateKind.ISMAP.value,
    "プライバシーマーク": CertificateKind.PRIVACY_MARK.value,
    "その他": CertificateKind.OTHER.value,
}


class CompanyImporter(Importer):
    kind = ImportKind.COMPANIES
    key_field = "corporate_number"
    columns = (
        Column("法人番号", "corporate_number"),
        Column("名称", "name"),
        Column("所在地", "address"),
        Column("担当者氏名", "contact_name"),
        Column("担当者メールアドレス", "contact_email"),
        Column("認証種別", "cert_kind", required=False),
        Column("認証番号", "cert_number", required=False),
        Column("認証有効期限", "cert_expires", required=False),
    )

    def row_key(self, row: SheetRow) -> str:
        return normalize_corporate_number(nfkc(row.cells.get("corporate_number")))

    def prepare(self, keys: Sequence[str]) -> None:
        for chunk in _in_chunks(keys):
            for company in db.session.scalars(
                sa.select(Company).where(Company.corporate_number.in_(chunk))
            ):
                self.existing[company.corporate_number] = company
        ids = [c.id for c in self.existing.values()]
        self.section_ids = companies_section_ids(ids)
        self.certificates: dict[int, list[CompanyCertificate]] = {}
        for start in range(0, len(ids), _CHUNK):
            for cert in db.session.scalars(
                sa.select(CompanyCertificate).where(
                    CompanyCertificate.company_id.in_(ids[start : start + _CHUNK])
                )
            ):
                self.certificates.setdefault(cert.company_id, []).append(cert)

    def check(self, row: SheetRow, key: str) -> Checked:
        checked = Checked(row.number, key)
        column = self.key_header
        raw_number = nfkc(row.cells.get("corporate_number"))
        if len(key) != 13 or not key.isascii() or not key.isdigit():
            checked.refuse(column, f"法人番号「{raw_number}」は13桁の数字ではありません。")
        elif not is_valid_corporate_number(key):
            checked.refuse(column, "法人番号のチェックデジットが不正です。")
        existing = self.existing.get(key)
        # The command-line import (SYSTEM) is the operator's; people are held to their 課.
        if (
            existing is not None
            and isinstance(self.actor, User)
            and not can_manage_company(
                self.actor, existing, self.section_ids.get(existing.id, set())
            )
        ):
            checked.refuse(
                column,
                "この事業者は他の課の委託先です。登録内容の変更はその課の職員"
                "又はシステム管理者に依頼してください。",
            )
        name = self._cell(checked, row, "name")
        if not name:
            checked.refuse("名称", "名称を入力してください。")
        checked.label = name
        values: dict[str, Any] = {
            "corporate_number": key,
            "name": _limit(checked, "名称", name, 200),
            "address": _limit(
                checked, "所在地", self._cell(checked, row, "address"), 300, single_line=False
            ),
            "contact_name": _limit(
                checked, "担当者氏名", self._cell(checked, row, "contact_name"), 100
            ),
            "contact_email": "",
        }
        email = self._cell(checked, row, "contact_email")
        if email:
            try:
                values["contact_email"] = _email(email)
            except CellError as exc:
                checked.refuse("担当者メールアドレス", str(exc))
        self._check_certificate(checked, row, values)
        checked.values = values
        return checked

    def _check_certificate(self, checked: Checked, row: SheetRow, values: dict[str, Any]) -> None:
        kind = number = None
        expires: date | None = None
        try:
            kind = choice(row.cells.get("cert_kind"), CERTIFICATE_CHOICES, "認証種別")
        except CellError as exc:
            checked.refuse("認証種別", str(exc))
        number = self._cell(checked, row, "cert_number")
        try:
            expires = date_value(row.cells.get("cert_expires"))
        except CellError as exc:
            checked.refuse("認証有効期限", str(exc))
        if kind and not number:
            checked.refuse("認証番号", "認証種別を入力した行には認証番号も入力してください。")
        if not kind and (number or expires) and not checked.problems:
            checked.refuse(
                "認証種別", "認証番号・有効期限を入力した行には認証種別も入力してください。"
            )
        values["certificate"] = (
            (kind, _limit(checked, "認証番号", number, 100), expires) if kind else None
        )

    def _certificate_of(
        self, company: Company, kind: str, number: str
    ) -> CompanyCertificate | None:
        for cert in self.certificates.get(company.id, []):
            if cert.kind.value == kind and cert.number == number:
                return cert
        return None

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        changed = [
            header
            for header, name in (
                ("名称", "name"),
                ("所在地", "address"),
                ("担当者氏名", "contact_name"),
                ("担当者メールアドレス", "contact_email"),
            )
            if getattr(obj, name) != values[name]
        ]
        cert = values["certificate"]
        if cert is not None:
            existing = self._certificate_of(obj, cert[0], cert[1])
            if existing is None:
                changed.append("認証（追加）")
            elif existing.expires_on != cert[2]:
                changed.append("認証有効期限")
        return changed

    def create(self, values: dict[str, Any], import_id: int | None) -> None:
        company = Company(
            corporate_number=values["corporate_number"],
            name=values["name"],
            address=values["address"],
            contact_name=values["contact_name"],
            contact_email=values["contact_email"],
        )
        db.session.add(company)
        db.session.flush()
        record(
            self.actor,
            "company.created",
            company,
            data={"corporate_number": company.corporate_number, "import_id": import_id},
        )
        self._apply_certificate(company, values, import_id)

    def update(self, obj: Any, values: dict[str, Any], import_id: int | None) -> None:
        fields = [
            n
            for n in ("name", "address", "contact_name", "contact_email")
            if getattr(obj, n) != values[n]
        ]
        before = {"name": obj.name}
        for name in fields:
            setattr(obj, name, values[name])
        if fields:
            record(
                self.actor,
                "company.updated",
                obj,
                data={
                    "fields": fields,
                    "before": before,
                    "after": {"name": obj.name},
                    "import_id": import_id,
                },
            )
        self._apply_certificate(obj, values, import_id)
        db.session.flush()

    def _apply_certificate(
        self, company: Company, values: dict[str, Any], import_id: int | None
    ) -> None:
        cert_values = values["certificate"]
        if cert_values is None:
            return
        kind, number, expires = cert_values
        cert = (
            self._certificate_of(company, kind, number) if company.id in self.certificates else None
        )
        if cert is None:
            cert = CompanyCertificate(
                company=company, kind=CertificateKind(kind), number=number, expires_on=expires
            )
            db.session.add(cert)
            db.session.flush()
            self.certificates.setdefault(company.id, []).append(cert)
            record(
                self.actor,
                "company.certificate_added",
                cert,
                data={"company_id": company.id, "kind": kind, "import_id": import_id},
            )
        elif cert.expires_on != expires:
            cert.expires_on = expires
            record(
                self.actor,
                "company.certificate_updated",
                cert,
                data={"company_id": company.id, "kind": kind, "import_id": import_id},
            )


# --- contracts --------------------------------------------------------------------------------

KIND_CHOICES = {"委託": ContractKind.ITAKU.value, "派遣": ContractKind.HAKEN.value}
SENSITIVE_CHOICES = {"有": "yes", "無": "no"}
LOCATION_CHOICES = {
    "庁内": HandlingLocation.CITY_PREMISES.value,
    "委託先": HandlingLocation.CONTRACTOR_SITE.value,
    "クラウド": HandlingLocation.CLOUD.value,
}
# A contract's particulars may change until it is closed or cancelled (as on the edit screen).
_FROZEN = frozenset({ContractStatus.CLOSED, ContractStatus.CANCELLED})
_CONTRACT_FIELDS = (
    ("件名", "title"),
    ("担当課", "section_id"),
    ("委託先法人番号", "company_id"),
    ("契約開始日", "period_start"),
    ("契約終了日", "period_end"),
    ("年度", "fiscal_year"),
    ("契約種別", "kind"),
    ("個人情報の項目", "pi_categories"),
    ("要配慮個人情報", "sensitive"),
    ("本人の数", "people_count"),
    ("取扱場所", "location"),
    ("クラウドサービス事業者", "cloud_provider"),
    ("事業者の所在国", "cloud_provider_country"),
    ("サーバの所在国", "cloud_server_country"),
)


class ContractImporter(Importer):
    kind = ImportKind.CONTRACTS
    key_field = "number"
    columns = (
        Column("契約番号", "number"),
        Column("件名", "title"),
        Column("担当課", "section"),
        Column("委託先法人番号", "company"),
        Column("契約開始日", "period_start"),
        Column("契約終了日", "period_end"),
        Column("契約種別", "kind"),
        Column("個人情報の項目", "pi_categories"),
        Column("要配慮個人情報", "sensitive"),
        Column("本人の数", "people_count"),
        Column("取扱場所", "location"),
        # 入間市 第18条: for a cloud, the provider, its country and the server's country.
        Column("クラウドサービス事業者", "cloud_provider", required=False),
        Column("事業者の所在国", "cloud_provider_country", required=False),
        Column("サーバの所在国", "cloud_server_country", required=False),
    )

    def row_key(self, row: SheetRow) -> str:
        return nfkc(row.cells.get("number"))

    def prepare(self, keys: Sequence[str]) -> None:
        for chunk in _in_chunks(keys):
            for contract in db.session.scalars(
                sa.select(Contract).where(Contract.number.in_(chunk))
            ):
                self.existing[contract.number] = contract
        self.sections: dict[str, Section] = {}
        for section in db.session.scalars(sa.select(Section)):
            self.sections.setdefault(_norm_name(section.name), section)
            self.sections.setdefault(_norm_name(section.code), section)

    def company_number(self, row: SheetRow) -> str:
        try:
            return normalize_corporate_number(nfkc(row.cells.get("company")))
        except CellError:
            return ""

    def _may_use_section(self, section_id: int) -> bool:
        # Section staff import only their own 課's contracts; the command line (system) any.
        if isinstance(self.actor, User) and self.actor.role in SECTION_ROLES:
            return self.actor.section_id == section_id
        return True

    def check(self, row: SheetRow, key: str) -> Checked:
        checked = Checked(row.number, key)
        values: dict[str, Any] = {"number": _limit(checked, "契約番号", key, 50)}
        title = self._cell(checked, row, "title")
        checked.label = title
        if not title:
            checked.refuse("件名", "件名を入力してください。")
        values["title"] = _limit(checked, "件名", title, 200)

        section_text = self._cell(checked, row, "section")
        section = self.sections.get(_norm_name(section_text))
        if not section_text:
            checked.refuse("担当課", "担当課を入力してください。")
        elif section is None:
            checked.refuse("担当課", f"担当課「{section_text}」は登録されていません。")
        elif not self._may_use_section(section.id):
            checked.refuse(
                "担当課", f"担当課「{section_text}」の契約は取り込めません（所属の課のみ）。"
            )
        values["section_id"] = section.id if section else None

        number = self.company_number(row)
        if not number:
            checked.refuse("委託先法人番号", "委託先法人番号を入力してください。")
        elif not is_valid_corporate_number(number):
            checked.refuse("委託先法人番号", "委託先法人番号のチェックデジットが不正です。")
        elif number not in self.companies:
            checked.refuse(
                "委託先法人番号",
                f"法人番号 {number} の委託先は登録されていません"
                "（先に委託先を取り込んでください）。",
            )
        values["company_id"] = self.companies.get(number)

        for header, name in (("契約開始日", "period_start"), ("契約終了日", "period_end")):
            try:
                values[name] = date_value(row.cells.get(name))
                if values[name] is None:
                    checked.refuse(header, f"{header}を入力してください。")
            except CellError as exc:
                values[name] = None
                checked.refuse(header, str(exc))
        start, end = values["period_start"], values["period_end"]
        if start and end and end < start:
            checked.refuse("契約終了日", "契約終了日が契約開始日より前です。")
        values["fiscal_year"] = fiscal_year(start) if start else None

        for header, name, choices in (
            ("契約種別", "kind", KIND_CHOICES),
            ("要配慮個人情報", "sensitive", SENSITIVE_CHOICES),
            ("取扱場所", "location", LOCATION_CHOICES),
        ):
            try:
                picked = choice(row.cells.get(name), choices, header)
            except CellError as exc:
                checked.refuse(header, str(exc))
                picked = None
            else:
                if picked is None:
                    checked.refuse(header, f"{header}を選んでください（{' / '.join(choices)}）。")
            values[name] = picked
        values["sensitive"] = values["sensitive"] == "yes"
        values["kind"] = ContractKind(values["kind"]) if values["kind"] else None
        values["location"] = HandlingLocation(values["location"]) if values["location"] else None

        values["pi_categories"] = self._cell(checked, row, "pi_categories")
        try:
            values["people_count"] = count_value(row.cells.get("people_count")) or 0
        except CellError as exc:
            checked.refuse("本人の数", str(exc))

        cloud = ("cloud_provider", "cloud_provider_country", "cloud_server_country")
        for name in cloud:
            values[name] = (
                _limit(
                    checked,
                    self.header_of(name),
                    self._cell(checked, row, name),
                    200 if name == "cloud_provider" else 100,
                )
                or None
            )
        if values["location"] == HandlingLocation.CLOUD:
            if not all(values[name] for name in cloud):
                checked.refuse(
                    "取扱場所",
                    "クラウドで取り扱う契約には、クラウドサービス事業者・事業者の所在国・"
                    f"サーバの所在国を入力してください{current_profile().article_note('foreign')}。",
                )
        else:
            for name in cloud:
                values[name] = None

        existing = self.existing.get(key)
        if existing is not None and not checked.problems:
            if not self._may_use_section(existing.section_id):
                checked.refuse("契約番号", f"契約番号 {key} は他の課の契約のため更新できません。")
            elif existing.status in _FROZEN and self.changes(existing, values):
                checked.refuse(
                    "契約番号", f"契約番号 {key} は{existing.status_label}のため変更できません。"
                )
        checked.values = values
        return checked

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        return [header for header, name in _CONTRACT_FIELDS if getattr(obj, name) != values[name]]

    def create(self, values: dict[str, Any], import_id: int | None) -> None:
        contract = Contract(
            created_by_id=self.actor.id,
            **{name: values[name] for _, name in _CONTRACT_FIELDS},
            number=values["number"],
        )
        db.session.add(contract)
        db.session.flush()
        record(
            self.actor,
            "contract.created",
            contract,
            contract_id=contract.id,
            data={
                "number": contract.number,
                "section_id": contract.section_id,
                "company_id": contract.company_id,
                "import_id": import_id,
            },
        )

    def update(self, obj: Any, values: dict[str, Any], import_id: int | None) -> None:
        changed = [name for _, name in _CONTRACT_FIELDS if getattr(obj, name) != values[name]]
        for name in changed:
            setattr(obj, name, values[name])
        record(
            self.actor,
            "contract.updated",
            obj,
            contract_id=obj.id,
            data={"fields": changed, "import_id": import_id},
        )
        db.session.flush()


# --- users ------------------------------------------------------------------------------------

_NO_AFFILIATION = frozenset({Role.CHIEF, Role.AUDITOR, Role.ADMIN})


class UserImporter(Importer):
    kind = ImportKind.USERS
    key_field = "email"
    columns = (
        Column("氏名", "name"),
        Column("メールアドレス", "email"),
        Column("役割", "role"),
        Column("所属", "affiliation"),
    )

    def __init__(self, actor: Actor, role_titles: dict[str, str]) -> None:
        super().__init__(actor)
        # The city's profile names the roles (四日市市: 取扱責任者, 管理責任者, ...).
        self.role_titles = role_titles
        self.roles_by_title = {_norm_name(title): Role(key) for key, title in role_titles.items()}

    def row_key(self, row: SheetRow) -> str:
        return nfkc(row.cells.get("email")).lower()

    def prepare(self, keys: Sequence[str]) -> None:
        for chunk in _in_chunks(keys):
            for user in db.session.scalars(sa.select(User).where(User.email.in_(chunk))):
                self.existing[user.email] = user
        self.sections: dict[str, Section] = {}
        for section in db.session.scalars(sa.select(Section)):
            self.sections.setdefault(_norm_name(section.name), section)
            self.sections.setdefault(_norm_name(section.code), section)

    def company_number(self, row: SheetRow) -> str:
        try:
            return normalize_corporate_number(nfkc(row.cells.get("affiliation")))
        except CellError:
            return ""

    def check(self, row: SheetRow, key: str) -> Checked:
        checked = Checked(row.number, key)
        values: dict[str, Any] = {}
        try:
            values["email"] = _limit(checked, "メールアドレス", _email(key), 254)
            if values["email"] != key:
                checked.key = values["email"]
        except CellError as exc:
            checked.refuse("メールアドレス", str(exc))
        name = self._cell(checked, row, "name")
        checked.label = name
        if not name:
            checked.refuse("氏名", "氏名を入力してください。")
        values["name"] = _limit(checked, "氏名", name, 100)

        role_text = self._cell(checked, row, "role")
        role = self.roles_by_title.get(_norm_name(role_text))
        if not role_text:
            checked.refuse("役割", "役割を入力してください。")
        elif role is None:
            titles = " / ".join(self.role_titles.values())
            checked.refuse("役割", f"役割「{role_text}」はこの市の役割にありません（{titles}）。")
        values["role"] = role
        values["section_id"] = values["company_id"] = None
        affiliation = self._cell(checked, row, "affiliation")
        if role is not None:
            self._check_affiliation(checked, row, role, affiliation, values)

        existing = self.existing.get(values.get("email", key))
        if (
            existing is not None
            and isinstance(self.actor, User)
            and existing.id == self.actor.id
            and role is not None
            and role != existing.role
        ):
            checked.refuse("役割", "自分自身の役割は変更できません。")
        checked.values = values
        return checked

    def _check_affiliation(
        self, checked: Checked, row: SheetRow, role: Role, affiliation: str, values: dict[str, Any]
    ) -> None:
        title = self.role_titles[role.value]
        if role == Role.CONTRACTOR:
            number = self.company_number(row)
            if not affiliation:
                checked.refuse("所属", f"{title}の所属には委託先の法人番号を入力してください。")
            elif not (len(number) == 13 and number.isdigit()):
                checked.refuse(
                    "所属", f"{title}の所属には課ではなく委託先の法人番号を入力してください。"
                )
            elif not is_valid_corporate_number(number):
                checked.refuse("所属", "所属の法人番号のチェックデジットが不正です。")
            elif number not in self.companies:
                checked.refuse("所属", f"法人番号 {number} の委託先は登録されていません。")
            values["company_id"] = self.companies.get(number)
        elif role in SECTION_ROLES:
            section = self.sections.get(_norm_name(affiliation))
            if not affiliation:
                checked.refuse("所属", f"{title}の所属には課を入力してください。")
            elif section is None:
                checked.refuse("所属", f"所属の課「{affiliation}」は登録されていません。")
            values["section_id"] = section.id if section else None
        elif role in _NO_AFFILIATION and affiliation:
            checked.refuse("所属", f"{title}には所属を入力しないでください。")

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        return [
            header
            for header, name in (
                ("氏名", "name"),
                ("役割", "role"),
                ("所属", "section_id"),
                ("所属", "company_id"),
            )
            if getattr(obj, name) != values[name]
        ]

    def create(self, values: dict[str, Any], import_id: int | None) -> None:
        user = User(
            email=values["email"],
            name=values["name"],
            role=values["role"],
            section_id=values["section_id"],
            company_id=values["company_id"],
            password_hash=UNUSABLE_PASSWORD,
            must_change_password=True,
        )
        db.session.add(user)
        db.session.flush()
        record(
            self.actor,
            "account.created",
            user,
            data={"role": user.role.value, "import_id": import_id},
        )

    def update(self, obj: Any, values: dict[str, Any], import_id: int | None) -> None:
        before = {
            "role": obj.role.value,
            "section_id": obj.section_id,
            "company_id": obj.company_id,
        }
        if obj.role != values["role"]:
            obj.session_version += 1  # new rights take effect at the next login
        for name in ("name", "role", "section_id", "company_id"):
            setattr(obj, name, values[name])
        record(
            self.actor,
            "account.updated",
            obj,
            data={
                "before": before,
                "after": {
                    "role": obj.role.value,
                    "section_id": obj.section_id,
                    "company_id": obj.company_id,
                },
                "import_id": import_id,
            },
        )
        db.session.flush()


IMPORTERS: dict[ImportKind, type[Importer]] = {
    ImportKind.COMPANIES: CompanyImporter,
    ImportKind.CONTRACTS: ContractImporter,
    ImportKind.USERS: UserImporter,
}
