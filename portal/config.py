"""Typed, frozen configuration read once from the environment (STYLE §1)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite:///{ROOT_DIR / 'instance' / 'portal.db'}"

# Values seen in tutorials and leaked configs; never acceptable outside development.
KNOWN_WEAK = frozenset(
    {"dev", "secret", "changeme", "you-will-never-guess", "development-only-not-secret"}
)
ENVIRONMENTS = frozenset({"development", "testing", "production"})
STORAGE_BACKENDS = frozenset({"local", "s3"})


class ConfigError(Exception):
    """The environment does not describe a portal that may start."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    # A typo must not silently turn a switch off (SECURE_COOKIES=ture would send the session
    # cookie over plain HTTP in production).
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Config:
    secret_key: str
    environment: str = "production"
    database_url: str = DEFAULT_SQLITE_URL
    profile: str = "iruma"
    templates_dir: Path = ROOT_DIR / "contract_templates"
    storage_backend: str = "local"
    storage_dir: Path = ROOT_DIR / "storage"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    mail_server: str = "127.0.0.1"
    mail_port: int = 25
    mail_username: str | None = None
    mail_password: str | None = None
    mail_use_tls: bool = False
    mail_sender: str = "itaku-portal@localhost"
    mail_enabled: bool = True
    base_url: str = "http://127.0.0.1:5000"
    max_content_length: int = 100 * 1024 * 1024
    max_document_pages: int = 2000
    max_image_pixels: int = 50_000_000
    keep_original_uploads: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    lockout_threshold: int = 5
    secure_cookies: bool = False

    @property
    def testing(self) -> bool:
        return self.environment == "testing"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ConfigError(f"PORTAL_ENV must be one of {sorted(ENVIRONMENTS)}")
        if not (self.testing or self.development) and (
            len(self.secret_key) < 32 or self.secret_key in KNOWN_WEAK
        ):
            raise ConfigError(
                "SECRET_KEY must be at least 32 random characters outside development. "
                "Generate one with:\n"
                '  export SECRET_KEY="$(python3 -c '
                "'import secrets; print(secrets.token_urlsafe(48))')\""
            )
        if self.storage_backend not in STORAGE_BACKENDS:
            raise ConfigError("STORAGE_BACKEND must be 'local' or 's3'")
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        if not (self.templates_dir / "profiles" / f"{self.profile}.toml").is_file():
            raise ConfigError(
                f"PORTAL_PROFILE={self.profile!r} has no file "
                f"{self.templates_dir / 'profiles' / (self.profile + '.toml')}"
            )
        if self.max_content_length < 1024:
            raise ConfigError("MAX_CONTENT_LENGTH is too small")
        # 0 would lock every account at its first mistyped password, or end every session
        # at once; a negative page or pixel limit refuses every upload.
        for name in (
            "max_document_pages",
            "max_image_pixels",
            "session_idle_minutes",
            "session_absolute_hours",
            "lockout_threshold",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.upper()} must be at least 1")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        e = dict(os.environ if env is None else env)
        environment = e.get("PORTAL_ENV", "production")
        secret = e.get("SECRET_KEY", "")
        if not secret and environment == "development":
            # Development only: a fixed, obviously-not-secret key so `make run` works from a
            # fresh clone. __post_init__ refuses it (KNOWN_WEAK) in production.
            secret = "development-only-not-secret"  # noqa: S105 - refused outside development
        templates_dir = Path(e.get("PORTAL_TEMPLATES_DIR") or ROOT_DIR / "contract_templates")
        return cls(
            secret_key=secret,
            environment=environment,
            database_url=e.get("DATABASE_URL") or DEFAULT_SQLITE_URL,
            profile=e.get("PORTAL_PROFILE") or "iruma",
            templates_dir=templates_dir,
            storage_backend=e.get("STORAGE_BACKEND") or "local",
            storage_dir=Path(e.get("STORAGE_DIR") or ROOT_DIR / "storage"),
            s3_bucket=e.get("S3_BUCKET") or None,
            s3_endpoint_url=e.get("S3_ENDPOINT_URL") or None,
            s3_region=e.get("S3_REGION") or None,
            mail_server=e.get("MAIL_SERVER") or "127.0.0.1",
            mail_port=_int(e, "MAIL_PORT", 25),
            mail_username=e.get("MAIL_USERNAME") or None,
            mail_password=e.get("MAIL_PASSWORD") or None,
            mail_use_tls=_bool(e, "MAIL_USE_TLS", False),
            mail_sender=e.get("MAIL_SENDER") or "itaku-portal@localhost",
            mail_enabled=_bool(e, "MAIL_ENABLED", environment != "development"),
            base_url=e.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000",
            max_content_length=_int(e, "MAX_CONTENT_LENGTH", 100 * 1024 * 1024),
            max_document_pages=_int(e, "MAX_DOCUMENT_PAGES", 2000),
            max_image_pixels=_int(e, "MAX_IMAGE_PIXELS", 50_000_000),
            keep_original_uploads=_bool(e, "KEEP_ORIGINAL_UPLOADS", False),
            session_idle_minutes=_int(e, "SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=_int(e, "SESSION_ABSOLUTE_HOURS", 12),
            lockout_threshold=_int(e, "LOCKOUT_THRESHOLD", 5),
            secure_cookies=_bool(e, "SECURE_COOKIES", environment == "production"),
        )
