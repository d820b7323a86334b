"""``portal contracts check FILE [--profile NAME] [--json] [--ocr MODE]``: the eight-clause check.

Works without a Flask app and without a database: the profile comes from ``--profile``, else
``$PORTAL_PROFILE``, else ``iruma``; the templates from ``$PORTAL_TEMPLATES_DIR``, else
``<repo>/contract_templates``. A profile name is either a clause set or a policy profile whose
``clause_set`` names one (四日市市 → iruma).

Exit status: 0 when all eight clauses are present, 1 when any is partial or missing, 2 when the
file cannot be read (or, as for any click command, the arguments are wrong).

Run standalone: ``python -m portal.clausecheck.cli FILE --json``.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import click

from portal.clausecheck.clauseset import (
    ClauseSet,
    default_templates_dir,
    load_clause_set,
    resolve_clause_set_name,
)
from portal.clausecheck.errors import ClauseSetError, DocumentError
from portal.clausecheck.extract import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    OcrMode,
    extract_document,
)
from portal.clausecheck.matcher import CheckResult, check_documents_limited

EXIT_OK = 0
EXIT_NOT_ALL_PRESENT = 1
EXIT_UNREADABLE = 2

STATUS_LABELS = {"present": "○ あり", "partial": "△ 一部", "missing": "× なし"}


def _out(text: str, *, err: bool = False) -> None:
    # Bytes, so the output is UTF-8 whatever the locale of the terminal or pipe.
    click.echo(text.encode("utf-8"), err=err)


def _emit(payload: dict[str, Any]) -> None:
    _out(json.dumps(payload, ensure_ascii=False))


def result_payload(file: str, profile: str, result: CheckResult) -> dict[str, Any]:
    """The JSON object of the command contract (its keys are a stable interface for scripts)."""
    return {
        "file": file,
        "profile": profile,
        "ok": result.ok,
        "pages": result.pages,
        "clauses": [
            {
                "no": c.no,
                "key": c.key,
                "status": c.status,
                "page": c.page if c.status != "missing" else None,
                "excerpt": c.excerpt,
                "confidence": c.confidence,
                "needs_review": c.needs_review,
            }
            for c in result.clauses
        ],
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _clip(text: str, width: int) -> str:
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


def _print_table(file: str, profile: str, clause_set: ClauseSet, result: CheckResult) -> None:
    _out(f"ファイル: {file}")
    _out(f"プロファイル: {profile}（{clause_set.title}）  ページ数: {result.pages}")
    _out("")
    _out(f"{_pad('号', 4)}{_pad('条項', 40)}{_pad('判定', 9)}{_pad('頁', 5)}根拠（抜粋）")
    _out("-" * 100)
    for c in result.clauses:
        page = str(c.page) if c.page is not None else "-"
        excerpt = _clip(c.excerpt, 46) if c.excerpt else ""
        _out(
            f"{_pad(f'({c.no})', 4)}{_pad(_clip(c.title, 38), 40)}"
            f"{_pad(STATUS_LABELS[c.status], 9)}{_pad(page, 5)}{excerpt}"
        )
        if c.missing_elements:
            labels = "、".join(clause_set.element_label(k) for k in c.missing_elements)
            _out(f"{'':4}{'':2}不足: {labels}")
    _out("-" * 100)
    present = sum(c.status == "present" for c in result.clauses)
    total = len(result.clauses)
    verdict = f"{total}項目すべて記載あり" if result.ok else f"記載あり {present}/{total}（要確認）"
    _out(f"結果: {verdict}")


@click.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--profile",
    "profile",
    default=None,
    help="プロファイル又は条項セット名（既定: 環境変数 PORTAL_PROFILE、なければ iruma）",
)
@click.option("--json", "as_json", is_flag=True, help="結果を1つのJSONオブジェクトで出力する")
@click.option("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, show_default=True, hidden=True)
@click.option("--max-pages", type=int, default=DEFAULT_MAX_PAGES, show_default=True, hidden=True)
@click.option(
    "--ocr",
    "ocr",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="画像だけのページを文字認識（OCR）で読むか（auto: 文字情報のないページだけ）",
)
@click.pass_context
def check_command(
    ctx: click.Context,
    file: str,
    profile: str | None,
    as_json: bool,
    max_bytes: int,
    max_pages: int,
    ocr: OcrMode,
) -> None:
    """契約書ファイルに個人情報の取扱いに関する8項目が記載されているか確認する。"""
    profile_name = profile or os.environ.get("PORTAL_PROFILE") or "iruma"
    templates_dir = default_templates_dir()
    try:
        clause_set = load_clause_set(
            resolve_clause_set_name(profile_name, templates_dir), templates_dir
        )
    except ClauseSetError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc

    path = Path(file)
    try:
        document = extract_document(
            path, filename=path.name, max_bytes=max_bytes, max_pages=max_pages, ocr=ocr
        )
        result = check_documents_limited([document], clause_set)
    except DocumentError as exc:
        if as_json:
            _emit({"file": file, "error": {"code": exc.code, "message": exc.message}})
        else:
            _out(f"ファイル: {file}", err=True)
            _out(f"読み取れません（{exc.code}）: {exc.message}", err=True)
        ctx.exit(EXIT_UNREADABLE)

    if as_json:
        payload = result_payload(file, profile_name, result)
        payload["ocr"] = document.ocr
        payload["ocr_pages"] = list(document.ocr_pages)
        _emit(payload)
    else:
        _print_table(file, profile_name, clause_set, result)
        if document.ocr:
            pages = "、".join(str(n) for n in document.ocr_pages)
            _out(f"OCR: {pages}ページ目は文字認識で読み取りました。結果を原本で確認してください。")
    ctx.exit(EXIT_OK if result.ok else EXIT_NOT_ALL_PRESENT)


@click.group("clauses", help="条項確認の統計モデル（要素モデル）の学習と評価")
def clauses_group() -> None:
    pass


@clauses_group.command("train")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="ラベル付きコーパスのフォルダ（既定: tests/clausecheck/labelled）",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="出力先（既定: portal/clausecheck/data/element_model.json.gz）",
)
def train_command(corpus_dir: Path | None, output: Path | None) -> None:
    """ラベル付きコーパスから要素モデルを学習し、成果物とコーパスのハッシュを保存する。"""
    try:
        from portal.clausecheck import train
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise click.ClickException(
            "scikit-learn がありません。pip install -e '.[train]' を実行してください。"
        ) from exc
    from portal.clausecheck.corpus import DEFAULT_CORPUS_DIR
    from portal.clausecheck.model import MODEL_PATH, save_model

    corpus = corpus_dir or DEFAULT_CORPUS_DIR
    if not corpus.is_dir():
        raise click.ClickException(f"コーパスのフォルダがありません: {corpus}")
    templates_dir = default_templates_dir()
    model = train.train(corpus, load_clause_set("iruma", templates_dir))
    target = output or MODEL_PATH
    save_model(model, target)
    info = train.summary(model)
    _out(
        f"保存しました: {target}（要素 {info['elements']}、語彙 {info['vocabulary']}、"
        f"コーパス sha256 {info['corpus_sha256'][:12]}…）"
    )


if __name__ == "__main__":  # pragma: no cover - exercised by a subprocess test
    check_command()
