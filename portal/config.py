"""Typed, frozen configuration read once from the environment; a portal that may not start
says why, one line per problem."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A built wheel carries contract_templates/ and migrations/ here (see setup.py).
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
INSTALLED = BUNDLED_DIR.is_dir()
# The checkout (make run, make test) keeps instance/ and storage/ beside portal/; an installed
# portal keeps them in the working directory it is started in (systemd WorkingDirectory).
ROOT_DIR = Path.cwd() if INSTALLED else PACKAGE_DIR.parent
DEFAULT_SQLITE_URL = f"sqlite:///{ROOT_DIR / 'instance' / 'portal.db'}"


def resource_dir(name: str) -> Path:
    """`contract_templates` or `migrations`: the wheel's copy when installed, else the
    checkout's."""
    return BUNDLED_DIR / name if INSTALLED else PACKAGE_DIR.parent / name


TEMPLATES_DIR = resource_dir("contract_templates")


# Values seen in tutorials and leaked configs; never acceptable outside development.
KNOWN_WEAK = frozenset(
    {"dev", "secret", "changeme", "you-will-never-guess", "development-only-not-secret"}
)
ENVIRONMENTS = frozenset({"development", "testing", "production"})
STORAGE_BACKENDS = frozenset({"local", "s3"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Fields whose environment variable is not simply the upper-cased field name.
ENV_NAMES = {"web_workers": "PORTAL_WORKERS", "web_timeout": "PORTAL_TIMEOUT"}


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
    templates_dir: Path = TEMPLATES_DIR
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
    # The deepest 再委託 tier the city expects (2 = up to 再々委託); a deeper request is approved
    # only over a warning. 0: no such setting.
    subcontract_warn_tier: int = 2
    # Where login throttling counts failures: memory:// (one process) or redis://host:port/db
    # so that every worker and server shares them.
    ratelimit_storage_uri: str = "memory://"
    ratelimit_key_prefix: str = "portal"
    secure_cookies: bool = False
    # Reverse proxies in front of the portal whose X-Forwarded-* headers are trusted (0: none,
    # the portal is reached directly; 1: one nginx in front).
    proxy_hops: int = 0
    web_bind: str = "127.0.0.1:8000"
    web_workers: int = 4
    web_timeout: int = 120
    log_level: str = "INFO"
    # Where the nightly job writes the audit chain head (audit-anchor-YYYYMMDD.json); a
    # folder on another system (a mounted share, a synced bucket) keeps it out of reach of
    # whoever could rewrite the database.
    audit_anchor_dir: Path | None = None

    @property
    def testing(self) -> bool:
        return self.environment == "testing"

    @property
    def development(self) -> bool:
        return self.environment == "development"

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ConfigError(f"PORTAL_ENV must be one of {sorted(ENVIRONMENTS)}")
        if self.environment == "production":
            problems = _production_problems(self)
            if problems:
                raise ConfigError("\n".join(problems))
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
            "web_workers",
            "web_timeout",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{ENV_NAMES.get(name, name.upper())} must be at least 1")
        if not self.ratelimit_storage_uri.startswith(("memory://", "redis://", "rediss://")):
            raise ConfigError("RATELIMIT_STORAGE_URI must be memory://, redis:// or rediss://")
        if self.subcontract_warn_tier < 0:
            raise ConfigError("SUBCONTRACT_WARN_TIER must be 0 or more")
        if self.proxy_hops < 0:
            raise ConfigError("TRUSTED_PROXY_HOPS must be 0 or more")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        e = dict(os.environ if env is None else env)
        environment = e.get("PORTAL_ENV", "production")
        secret = e.get("SECRET_KEY", "")
        if not secret and environment == "development":
            # Development only: a fixed, obviously-not-secret key so `make run` works from a
            # fresh clone. __post_init__ refuses it (KNOWN_WEAK) in production.
            secret = "development-only-not-secret"  # noqa: S105 - refused outside development
        templates_dir = Path(e.get("PORTAL_TEMPLATES_DIR") or resource_dir("contract_templates"))
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
            subcontract_warn_tier=_int(e, "SUBCONTRACT_WARN_TIER", 2),
            ratelimit_storage_uri=e.get("RATELIMIT_STORAGE_URI") or "memory://",
            ratelimit_key_prefix=e.get("RATELIMIT_KEY_PREFIX") or "portal",
            secure_cookies=_bool(e, "SECURE_COOKIES", environment == "production"),
            proxy_hops=_int(e, "TRUSTED_PROXY_HOPS", 0),
            web_bind=e.get("PORTAL_BIND") or "127.0.0.1:8000",
            web_workers=_int(e, "PORTAL_WORKERS", 4),
            web_timeout=_int(e, "PORTAL_TIMEOUT", 120),
            log_level=(e.get("LOG_LEVEL") or "INFO").upper(),
            audit_anchor_dir=Path(e["AUDIT_ANCHOR_DIR"]) if e.get("AUDIT_ANCHOR_DIR") else None,
        )


def _production_problems(config: Config) -> list[str]:
    """What stops a production start, one line each (all of them, not only the first)."""
    problems = []
    if len(config.secret_key) < 32 or config.secret_key in KNOWN_WEAK:
        problems.append(
            "SECRET_KEY must be at least 32 random characters in production; generate one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if config.database_url.startswith("sqlite"):
        problems.append(
            "DATABASE_URL is SQLite; production needs PostgreSQL "
            "(DATABASE_URL=postgresql+psycopg://user@host/dbname)"
        )
    if config.storage_backend == "local" and not _writable_dir(config.storage_dir):
        problems.append(
            f"STORAGE_DIR {config.storage_dir} is not a folder this user "
            f"(uid {os.getuid()}) can write; create it and give it to this user"
        )
    return problems


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)
