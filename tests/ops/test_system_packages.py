"""`make system-packages` on a fresh machine: root without sudo, a user with sudo, a user
without sudo, and a machine that already has everything.

The Makefile runs against a PATH holding only fakes for `id`, `sudo`, `dpkg-query` and
`apt-get` (each records how it was called) next to the real make, bash and env, so what it
would ask of the system is visible without touching the system."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Serving needs OCR too: a scanned contract is read when it is uploaded.
RUN = [
    "python3-venv",
    "fonts-ipaexfont-gothic",
    "fonts-ipaexfont-mincho",
    "tesseract-ocr",
    "tesseract-ocr-jpn",
    "tesseract-ocr-jpn-vert",
    "poppler-utils",
]
TEST = [*RUN, "chromium", "libatomic1", "postgresql-client"]

FAKE_ID = """#!/bin/bash
[ "$1" = -u ] && echo "$FAKE_UID"
"""
# Like dpkg-query -W -f='${db:Status-Status}': "installed" for a package in $FAKE_INSTALLED,
# an error for any other.
FAKE_DPKG_QUERY = """#!/bin/bash
echo "$*" >> "$FAKE_LOG/dpkg-query"
package="${!#}"
for p in $FAKE_INSTALLED; do
    if [ "$p" = "$package" ]; then printf installed; exit 0; fi
done
echo "dpkg-query: no packages found matching $package" >&2
exit 1
"""
FAKE_SUDO = """#!/bin/bash
echo "$*" >> "$FAKE_LOG/sudo"
exec "$@"
"""
FAKE_APT_GET = """#!/bin/bash
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND uid=$(id -u) $*" >> "$FAKE_LOG/apt-get"
"""


def _fake_system(tmp_path: Path, *, uid: int, sudo: bool) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "bash", "env"):
        real = shutil.which(tool)
        assert real, f"{tool} is needed to run the Makefile"
        (bin_dir / tool).symlink_to(real)
    fakes = {"id": FAKE_ID, "dpkg-query": FAKE_DPKG_QUERY, "apt-get": FAKE_APT_GET}
    if sudo:
        fakes["sudo"] = FAKE_SUDO
    for name, script in fakes.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "log").mkdir()
    return bin_dir


def _make(
    tmp_path: Path, *targets: str, uid: int, sudo: bool, installed: list[str]
) -> subprocess.CompletedProcess[str]:
    bin_dir = _fake_system(tmp_path, uid=uid, sudo=sudo)
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "FAKE_UID": str(uid),
        "FAKE_LOG": str(tmp_path / "log"),
        "FAKE_INSTALLED": " ".join(installed),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *targets],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _calls(tmp_path: Path, tool: str) -> list[str]:
    log = tmp_path / "log" / tool
    return log.read_text().splitlines() if log.exists() else []


def test_root_without_sudo_installs_the_missing_packages_directly(tmp_path):
    result = _make(tmp_path, "system-packages", uid=0, sudo=False, installed=[])

    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path, "apt-get") == [
        "DEBIAN_FRONTEND=noninteractive uid=0 update -qq",
        "DEBIAN_FRONTEND=noninteractive uid=0 install -y -qq " + " ".join(TEST),
    ]
    assert _calls(tmp_path, "sudo") == []


def test_a_user_with_sudo_installs_only_what_is_missing_through_sudo(tmp_path):
    result = _make(tmp_path, "system-packages", uid=1000, sudo=True, installed=[*RUN, "chromium"])

    assert result.returncode == 0, result.stderr
    missing = [p for p in TEST if p not in RUN and p != "chromium"]
    assert _calls(tmp_path, "sudo") == [
        "env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " + " ".join(missing),
    ]
    assert len(_calls(tmp_path, "apt-get")) == 2


def test_a_user_without_sudo_gets_one_line_naming_what_to_install(tmp_path):
    result = _make(tmp_path, "system-packages", uid=1000, sudo=False, installed=RUN)

    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if "Missing Debian packages" in line]
    assert len(message) == 1
    assert "root" in message[0]
    assert "sudo" in message[0]
    assert "libatomic1" in message[0]
    assert "fonts-ipaexfont-gothic" not in message[0]
    assert _calls(tmp_path, "apt-get") == []


@pytest.mark.parametrize("sudo", [True, False])
def test_nothing_is_asked_of_sudo_or_apt_when_every_package_is_present(tmp_path, sudo):
    result = _make(tmp_path, "system-packages", uid=1000, sudo=sudo, installed=TEST)

    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path, "sudo") == []
    assert _calls(tmp_path, "apt-get") == []
    assert len(_calls(tmp_path, "dpkg-query")) == len(TEST)


def test_make_run_asks_only_for_what_serving_needs_and_make_test_for_everything(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "test").mkdir()

    run = _make(tmp_path / "run", "-n", "run", uid=0, sudo=False, installed=[])
    test = _make(tmp_path / "test", "-n", "test", uid=0, sudo=False, installed=[])

    assert run.returncode == 0, run.stderr
    assert test.returncode == 0, test.stderr
    assert f"scripts/system-packages.sh {' '.join(RUN)}\n" in run.stdout
    assert f"scripts/system-packages.sh {' '.join(TEST)}\n" in test.stdout
