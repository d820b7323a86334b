"""Mail over SMTP (smtplib): Japanese subject and body in UTF-8, one message per recipient.

Only this module talks to the mail server. It knows nothing about the database: the chase
(portal/chase/services.py) decides what goes into a digest and records what was sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from portal.config import Config
from portal.wareki import JST, wareki_date

log = logging.getLogger(__name__)

SENDER_NAME = "委託先監督ポータル"
DIGEST_MAX_ITEMS = 100  # more than this: the rest is counted and linked, not listed
SMTP_TIMEOUT = 30


class MailError(Exception):
    """The mail server refused or could not be reached."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "itaku-portal@localhost"
    enabled: bool = True
    base_url: str = "http://127.0.0.1:5000"

    @classmethod
    def from_config(cls, config: Config) -> MailSettings:
        return cls(
            server=config.mail_server,
            port=config.mail_port,
            username=config.mail_username,
            password=config.mail_password,
            use_tls=config.mail_use_tls,
            sender=config.mail_sender,
            enabled=config.mail_enabled,
            base_url=config.base_url.rstrip("/"),
        )


@dataclass(frozen=True)
class DigestEntry:
    subject: str
    body: str
    url: str | None
    created_at: datetime


def _clean(text: str) -> str:
    """Drop control characters other than newlines and tabs (user-entered titles end up in
    the body; they must not forge lines or escape sequences)."""
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def absolute_url(base_url: str, url: str | None) -> str | None:
    """The link to put in a mail for a portal path; None for anything else."""
    if not url:
        return None
    if url.startswith("/") and not url.startswith("//"):
        return base_url + url
    return None  # only the portal's own paths are linked


def compose(
    *,
    settings: MailSettings,
    to_address: str,
    to_name: str,
    subject: str,
    body: str,
    now: datetime,
) -> EmailMessage:
    """One plain-text UTF-8 message with the headers a mail server and a reader expect.

    An address the mail library cannot write (a stray space, CR/LF, non-ASCII local part) is
    a MailError like a refusal: the caller records one failed message and goes on with the
    others, instead of one bad account row stopping every user's mail."""
    msg = EmailMessage()
    msg["Subject"] = _one_line(subject)
    try:
        msg["From"] = Address(SENDER_NAME, addr_spec=settings.sender)
        msg["To"] = Address(_one_line(to_name), addr_spec=to_address)
    except (ValueError, IndexError, MessageError) as exc:
        raise MailError(f"invalid address: {exc}") from exc
    msg["Date"] = format_datetime(now.astimezone(JST))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(idstring="portal", domain=domain)
    # RFC 3834: a machine wrote this; autoresponders must not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Content-Language"] = "ja"
    msg.set_content(_clean(body), charset="utf-8")
    return msg


def digest_text(
    *,
    settings: MailSettings,
    name: str,
    day: date,
    entries: Sequence[DigestEntry],
) -> tuple[str, str]:
    """(subject, body) of one recipient's daily digest."""
    count = len(entries)
    subject = f"【委託先監督ポータル】{wareki_date(day)}のお知らせ（{count}件）"
    lines = [
        f"{_one_line(name)} 様",
        "",
        f"委託先監督ポータルから、対応が必要な事項等のお知らせが{count}件あります。",
        "",
    ]
    for i, entry in enumerate(entries[:DIGEST_MAX_ITEMS], start=1):
        lines.append(f"■ {i}. {_one_line(entry.subject)}")
        if entry.body:
            lines += [f"  {line}" if line else "" for line in _clean(entry.body).splitlines()]
        link = absolute_url(settings.base_url, entry.url)
        if link:
            lines.append(f"  {link}")
        lines.append("")
    if count > DIGEST_MAX_ITEMS:
        lines += [f"ほか{count - DIGEST_MAX_ITEMS}件はポータルのお知らせ一覧でご確認ください。", ""]
    lines += [
        "―" * 30,
        f"お知らせ一覧: {settings.base_url}/notifications",
        "このメールは送信専用です。返信されても対応できません。",
        "お知らせは1日1通にまとめて送信しています。",
    ]
    return subject, "\n".join(lines) + "\n"


class Mailer:
    """One SMTP connection for several messages (`with Mailer(settings) as m: m.send(msg)`)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        try:
            if s.port == 465:
                self._smtp = smtplib.SMTP_SSL(
                    s.server, s.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                self._smtp = smtplib.SMTP(s.server, s.port, timeout=SMTP_TIMEOUT)
                if s.use_tls:
                    self._smtp.starttls(context=ssl.create_default_context())
            if s.username:
                self._smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise MailError(f"cannot connect to {s.server}:{s.port}: {exc}") from exc
        return self

    def send(self, msg: EmailMessage) -> None:
        if self._smtp is None:
            raise MailError("not connected")
        try:
            refused = self._smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"sending failed: {exc}") from exc
        if refused:
            raise MailError(f"recipient refused: {sorted(refused)}")

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(self, *_exc: object) -> None:
        self._close()
