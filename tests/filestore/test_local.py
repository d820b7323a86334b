"""Local-folder specifics: the store never reads or writes outside its root, and keeps its
files private (入間市規程 第22条: least privilege)."""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.filestore import FileStoreError, new_key
from portal.filestore.local import LocalFileStore

NOW = datetime(2026, 5, 12, 1, 31, tzinfo=UTC)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_bytes(b"not for the portal")
    return path


def test_key_through_a_symlinked_directory_pointing_outside_is_refused(
    root: Path, outside: Path
) -> None:
    store = LocalFileStore(root)
    root.mkdir()
    (root / "contract").symlink_to(outside, target_is_directory=True)

    with pytest.raises(FileStoreError):
        store.open("contract/secret.txt")
    with pytest.raises(FileStoreError):
        store.save("contract/new.txt", io.BytesIO(b"x"), "text/plain")
    with pytest.raises(FileStoreError):
        store.delete("contract/secret.txt")

    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_blob_that_is_a_symlink_is_not_served_even_inside_the_root(root: Path) -> None:
    store = LocalFileStore(root)
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"real"), "text/plain")
    link_key = new_key("contract", now=NOW)
    (root / link_key).symlink_to(root / key)

    with pytest.raises(FileStoreError):
        store.open(link_key)

    assert list(store.iter_keys()) == [key]


def test_a_symlinked_storage_root_itself_is_allowed(tmp_path: Path) -> None:
    real = tmp_path / "mnt-data"
    real.mkdir()
    (tmp_path / "storage").symlink_to(real, target_is_directory=True)
    store = LocalFileStore(tmp_path / "storage")
    key = new_key("contract", now=NOW)

    store.save(key, io.BytesIO(b"on the mounted disk"), "text/plain")

    assert (real / key).read_bytes() == b"on the mounted disk"


def test_saved_file_is_owner_only_and_so_are_the_directories_created_for_it(root: Path) -> None:
    store = LocalFileStore(root)
    key = new_key("contract", now=NOW)

    store.save(key, io.BytesIO(b"x"), "text/plain")

    assert stat.S_IMODE((root / key).stat().st_mode) == 0o600
    created = [root, root / "contract", root / "contract/2026", root / "contract/2026/05"]
    assert {oct(stat.S_IMODE(d.stat().st_mode)) for d in created} == {oct(0o700)}


def test_saving_to_an_existing_key_replaces_the_blob_whole(root: Path) -> None:
    store = LocalFileStore(root)
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"first version, longer"), "text/plain")

    store.save(key, io.BytesIO(b"second"), "text/plain")

    assert (root / key).read_bytes() == b"second"


def test_iter_keys_skips_temp_files_left_by_a_crashed_process(root: Path) -> None:
    store = LocalFileStore(root)
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"x"), "text/plain")
    (root / key).with_name(".tmp-crashed").write_bytes(b"half an upload")

    keys = list(store.iter_keys())

    assert keys == [key]


def test_a_directory_at_the_key_is_neither_a_blob_nor_openable(root: Path) -> None:
    store = LocalFileStore(root)
    (root / "contract" / "2026").mkdir(parents=True)

    exists = store.exists("contract/2026")

    assert exists is False
    with pytest.raises(FileStoreError):
        store.open("contract/2026")


def test_constructing_a_store_creates_nothing_on_disk(root: Path) -> None:
    store = LocalFileStore(root)

    keys = list(store.iter_keys())

    assert keys == []
    assert not root.exists()


def test_a_file_where_a_directory_is_needed_is_refused(root: Path) -> None:
    store = LocalFileStore(root)
    root.mkdir()
    (root / "contract").write_bytes(b"not a directory")

    with pytest.raises(FileStoreError):
        store.save("contract/2026/05/x", io.BytesIO(b"x"), "text/plain")

    assert sorted(os.listdir(root)) == ["contract"]
