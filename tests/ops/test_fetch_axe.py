"""The install step that fetches axe-core for the browser tests: pinned, verified, idempotent."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_axe.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_axe", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetch_axe = _load()


def _tarball(content: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/axe.min.js")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def registry() -> Iterator[tuple[str, list[str], dict[str, bytes]]]:
    """A local stand-in for the npm registry that counts the requests it answers."""
    served: dict[str, bytes] = {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits, served
    server.shutdown()
    server.server_close()


def test_the_pinned_file_is_written_once_and_not_fetched_again(registry, tmp_path):
    base, hits, served = registry
    data = _tarball(b"window.axe = {};")
    served["/axe.tgz"] = data
    dest = tmp_path / "axe"
    path = fetch_axe.fetch(dest, url=f"{base}/axe.tgz", integrity=_integrity(data))
    assert path.read_bytes() == b"window.axe = {};"
    fetch_axe.fetch(dest, url=f"{base}/axe.tgz", integrity=_integrity(data))
    assert hits == ["/axe.tgz"]


def test_a_tarball_that_does_not_match_the_pin_is_refused_and_nothing_is_written(
    registry, tmp_path
):
    base, _hits, served = registry
    served["/axe.tgz"] = _tarball(b"tampered")
    with pytest.raises(fetch_axe.FetchError, match="integrity"):
        fetch_axe.fetch(tmp_path / "axe", url=f"{base}/axe.tgz", integrity=_integrity(b"x"))
    assert not (tmp_path / "axe" / "axe.min.js").exists()


def test_a_registry_that_cannot_be_reached_exits_1_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fetch_axe, "TARBALL", "http://127.0.0.1:9/axe-core.tgz")
    assert fetch_axe.main(["fetch_axe.py", str(tmp_path / "axe")]) == 1
    assert "could not be fetched from the npm registry" in capsys.readouterr().err
    assert not (tmp_path / "axe").exists()


def test_the_makefile_fetches_axe_with_the_test_dependencies():
    makefile = (SCRIPT.parents[1] / "Makefile").read_text()
    assert "scripts/fetch_axe.py $(VENV)/axe-core" in makefile
