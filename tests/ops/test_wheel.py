"""`pip install .` gives a working portal: the wheel carries the contract templates, the
migrations and the `portal` command, and the installed code finds them without a checkout.

The wheel is built from a copy of the tracked sources with the build backend already in the
test environment and installed into a fresh virtualenv with no index at all; the fresh
environment sees the pinned dependencies through a .pth line pointing at this environment's
site-packages (the wheel itself, not the dependency download, is under test)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP_PARTS = {".venv", ".git", "build", "dist", "storage", "instance", "__pycache__"}


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=300, check=False, **kwargs
    )  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtualenv with the portal wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    tracked = _run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO).stdout.split()
    for name in tracked:
        if SKIP_PARTS.intersection(Path(name).parts) or not (REPO / name).is_file():
            continue
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    dist = root / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(source),
        ],
    )
    (wheel,) = dist.glob("itaku_portal-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    fresh_site = Path(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
        ).stdout.strip()
    )
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-index",
            "--no-deps",
            "-q",
            str(wheel),
        ],
    )
    # After the install, so pip never sees (or touches) this environment's own packages.
    (fresh_site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", **extra}


def test_the_installed_code_runs_from_the_virtualenv_with_its_own_templates(installed, tmp_path):
    result = _run(
        [
            str(installed / "python"),
            "-c",
            "import portal, portal.config as c; "
            "print(portal.__file__); print(c.resource_dir('contract_templates')); "
            "print(c.resource_dir('migrations'))",
        ],
        cwd=tmp_path,
        env=_fresh_env(tmp_path),
    )
    venv = installed.parent
    for line in result.stdout.splitlines():
        assert Path(line).is_relative_to(venv), line
        assert Path(line).exists(), line


def test_the_wheel_carries_templates_migrations_and_the_portal_command(installed):
    (wheel,) = installed.parent.parent.joinpath("dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    assert "portal/_bundled/contract_templates/profiles/iruma.toml" in names
    assert "portal/_bundled/contract_templates/texts/iruma/tokki_jiko.txt" in names
    assert "portal/_bundled/migrations/env.py" in names
    assert any(n.startswith("portal/_bundled/migrations/versions/") for n in names)
    assert "portal/templates/base.html" in names
    assert "portal/clausecheck/data/element_model.json.gz" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "portal = portal.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any("__pycache__" in n for n in names)


def test_installed_portal_checks_a_contract_template_without_a_checkout(installed, tmp_path):
    template = installed.parent / "lib"
    (tokki,) = template.glob(
        "python3*/site-packages/portal/_bundled/contract_templates/texts/iruma/tokki_jiko.txt"
    )

    result = _run(
        [str(installed / "portal"), "contracts", "check", str(tokki), "--json"],
        cwd=tmp_path,
        env=_fresh_env(tmp_path),
    )

    report = json.loads(result.stdout)
    assert report["profile"] == "iruma"
    assert report["ok"] is True
    assert [c["status"] for c in report["clauses"]] == ["present"] * 8


def test_installed_portal_migrates_an_empty_sqlite_database_to_head(installed, tmp_path):
    database = tmp_path / "data" / "portal.db"
    env = _fresh_env(tmp_path, PORTAL_ENV="development", DATABASE_URL=f"sqlite:///{database}")

    _run([str(installed / "portal"), "db", "upgrade"], cwd=tmp_path, env=env)
    current = _run([str(installed / "portal"), "db", "current"], cwd=tmp_path, env=env)

    assert database.is_file()
    assert "(head)" in current.stdout + current.stderr
