"""The audit chain's head kept outside the audit table, so that deleting the newest entries
(and rewriting the head row to match) is still detected.

An anchor is `{"seq": N, "hash": "<entry N's hash>"}`. It is written by `portal audit anchor`,
by the nightly job (into AUDIT_ANCHOR_DIR, and in the auditors' daily mail digest), and into
every backup's manifest. `portal audit verify --anchor FILE` accepts an anchor file, a backup
manifest or a backup archive.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.audit.models import AuditChainHead, AuditEntry
from portal.extensions import db

ANCHOR_KIND = "itaku-portal audit anchor"
MANIFEST_NAME = "manifest.json"


class AnchorError(Exception):
    """The file is not an anchor, a manifest or a backup archive."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    recorded_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": ANCHOR_KIND,
            "seq": self.seq,
            "hash": self.hash,
            "recorded_at": self.recorded_at,
        }


def current_anchor(conn: sa.Connection | None = None, *, now: datetime | None = None) -> Anchor:
    """The head of the chain now (seq 0 and the genesis hash for an empty log)."""
    from portal.audit.services import GENESIS

    stmt = sa.select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)
    row = (conn.execute(stmt) if conn is not None else db.session.execute(stmt)).one_or_none()
    seq, digest = (row[0], row[1]) if row is not None else (0, GENESIS)
    return Anchor(seq=seq, hash=digest, recorded_at=now.isoformat() if now else None)


def check_anchor(anchor: Anchor) -> str | None:
    """None when the chain still holds entry `anchor.seq` with `anchor.hash`; else why not.

    Run after `verify_chain()`: that proves the chain is intact up to its last entry; this
    proves the last entry is not older than the anchor."""
    if anchor.seq == 0:
        return None
    entry_hash = db.session.scalar(sa.select(AuditEntry.hash).where(AuditEntry.seq == anchor.seq))
    if entry_hash is None:
        last = db.session.scalar(sa.select(sa.func.max(AuditEntry.seq))) or 0
        return (
            f"the anchor records entry seq={anchor.seq} but the chain ends at seq={last}: "
            f"{anchor.seq - last} entries were removed from the end"
        )
    if entry_hash != anchor.hash:
        return (
            f"entry seq={anchor.seq} has hash {entry_hash[:16]}… but the anchor records "
            f"{anchor.hash[:16]}…: the chain was rewritten"
        )
    return None


def _from_json(data: Any, source: Path) -> Anchor:
    if isinstance(data, dict) and isinstance(data.get("audit_head"), dict):
        data = data["audit_head"]  # a backup manifest
    try:
        seq, digest = data["seq"], data["hash"]
    except (KeyError, TypeError) as exc:
        raise AnchorError(f"{source}: no seq/hash of an audit anchor in it") from exc
    if not isinstance(seq, int) or seq < 0 or not isinstance(digest, str) or len(digest) != 64:
        raise AnchorError(f"{source}: seq must be a number and hash 64 hex characters")
    return Anchor(seq=seq, hash=digest, recorded_at=data.get("recorded_at"))


def load_anchor(path: Path) -> Anchor:
    """An anchor from an anchor file, a backup manifest or a backup archive."""
    try:
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                member = archive.extractfile(MANIFEST_NAME)
                if member is None:
                    raise AnchorError(f"{path}: archive without {MANIFEST_NAME}")
                return _from_json(json.load(member), path)
        return _from_json(json.loads(path.read_text(encoding="utf-8")), path)
    except (OSError, KeyError, ValueError, tarfile.TarError) as exc:
        raise AnchorError(f"{path}: not an anchor, manifest or backup archive ({exc})") from exc


def write_anchor(anchor: Anchor, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(anchor.to_json(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
