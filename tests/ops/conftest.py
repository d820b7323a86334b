"""Portal instances driven through the real `portal` command, one process per step, each
with its own database (SQLite or PostgreSQL, as the run chooses) and file store."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.db import make_engine
from tests.conftest import SECRET, create_database
from tests.fixtures.s3 import TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET_ACCESS_KEY

PORTAL = str(Path(sys.executable).parent / "portal")


@dataclass
class Instance:
    url: str
    env: dict[str, str]
    storage_dir: Path | None = None
    bucket: str | None = None
    _engine: sa.Engine | None = field(default=None, repr=False)

    def portal(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [PORTAL, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"portal {args}: {result.stdout}\n{result.stderr}"
        return result

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, poolclass=sa.pool.NullPool)
        return self._engine


@pytest.fixture
def make_instance(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Instance]]:
    """make_instance(label, backend="local"|"s3") -> a new, empty instance."""
    cleanups: list[Callable[[], None]] = []

    def _make(label: str, backend: str = "local") -> Instance:
        url, drop = create_database(tmp_path, label)
        cleanups.append(drop)
        env = {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": url,
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
        }
        instance = Instance(url=url, env=env)
        if backend == "s3":
            client = request.getfixturevalue("s3_client")
            bucket = f"test-{uuid.uuid4().hex[:20]}"
            client.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": TEST_REGION}
            )
            cleanups.append(lambda: _empty_bucket(client, bucket))
            env.update(
                STORAGE_BACKEND="s3",
                S3_BUCKET=bucket,
                S3_ENDPOINT_URL=request.getfixturevalue("s3_server"),
                S3_REGION=TEST_REGION,
                AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY_ID,
                AWS_SECRET_ACCESS_KEY=TEST_SECRET_ACCESS_KEY,
            )
            instance.bucket = bucket
        else:
            instance.storage_dir = tmp_path / f"storage-{label}"
            env["STORAGE_DIR"] = str(instance.storage_dir)
        cleanups.append(lambda: instance._engine.dispose() if instance._engine else None)
        return instance

    yield _make
    for cleanup in reversed(cleanups):
        cleanup()


def _empty_bucket(client: Any, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)
