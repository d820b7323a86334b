"""Submitting a certificate: the photo rule, the witness exception, cleaning what is served,
and refusing bad files with nothing saved (入間市規程 第16条第2項, 広島市要綱 第6 7)."""

from __future__ import annotations

import dataclasses
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.audit.models import AuditEntry
from portal.erasure import services, uploads
from portal.erasure.models import (
    CertificateStatus,
    ErasureFile,
    FileVariant,
    ObligationStatus,
)
from portal.erasure.uploads import Upload, UploadRejected
from portal.errors import PortalError
from portal.notification.models import Notification
from tests.erasure.factories import (
    NOW,
    Case,
    certificate_pdf,
    corrupt_pdf,
    encrypted_pdf,
    heic_photo,
    image_of,
    jpeg_with_gps,
    png_bomb,
    png_photo,
    read_blob,
    saved_state,
    submission,
    text_file,
)


def _files(cert, variant):
    return [f for f in cert.files if f.variant == variant]


def test_a_contractor_submits_a_certificate_with_a_photo_for_each_medium(db, tmp_path):
    case = Case()
    _, blobs_before = saved_state()

    cert = services.submit_certificate(
        actor=case.vendor,
        obligation=case.obligation(),
        data=submission(tmp_path, items=2),
        now=NOW,
    )

    assert cert.status == CertificateStatus.SUBMITTED
    assert cert.version == 1
    assert case.obligation().status == ObligationStatus.SUBMITTED
    assert [len(m.photos) for m in cert.media_items] == [1, 1]
    assert len(_files(cert, FileVariant.CERTIFICATE)) == 1
    assert len(_files(cert, FileVariant.PHOTO)) == 2
    assert len(_files(cert, FileVariant.PHOTO_THUMB)) == 2
    assert _files(cert, FileVariant.PHOTO_ORIGINAL) == []
    assert _files(cert, FileVariant.CERTIFICATE_ORIGINAL) == []
    assert saved_state()[1] == blobs_before + 5
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "erasure.submitted")
    ).one()
    assert audit.contract_id == case.contract.id
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "erasure.submitted")
    ).all()
    assert [n.user_id for n in notes] == [case.manager.id]


def test_a_medium_without_a_photo_is_refused_naming_the_row_and_nothing_is_saved(db, tmp_path):
    case = Case()
    data = submission(tmp_path, items=2)
    data = dataclasses.replace(
        data, media=(data.media[0], dataclasses.replace(data.media[1], photos=()))
    )
    before = saved_state()

    with pytest.raises(PortalError) as err:
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
        )

    assert "媒体ごとに1枚以上の写真が必要です" in err.value.message
    assert f"2行目（{data.media[1].identifier}）" in err.value.message
    assert saved_state() == before


def test_a_witnessed_erasure_needs_no_photos(db, tmp_path):
    case = Case()

    cert = services.submit_certificate(
        actor=case.vendor,
        obligation=case.obligation(),
        data=submission(tmp_path, photos_per_item=0, witnessed=True, witness_name="市民課 佐藤"),
        now=NOW,
    )

    assert cert.witnessed
    assert cert.witness_name == "市民課 佐藤"
    assert cert.photos == []


def test_a_witnessed_erasure_must_say_who_witnessed_it(db, tmp_path):
    case = Case()

    with pytest.raises(PortalError, match="立ち会った市職員の氏名"):
        services.submit_certificate(
            actor=case.vendor,
            obligation=case.obligation(),
            data=submission(tmp_path, photos_per_item=0, witnessed=True),
            now=NOW,
        )


def test_a_submission_needs_media_the_signed_pdf_and_a_date_not_in_the_future(db, tmp_path):
    case = Case()
    data = dataclasses.replace(
        submission(tmp_path),
        media=(),
        certificate_pdf=None,
        erased_on=NOW.date().replace(year=2027),
        place=" ",
    )

    with pytest.raises(PortalError) as err:
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
        )

    for expected in ("媒体を1行以上", "消去証明書（PDF）を添付", "未来の日付", "実施場所"):
        assert expected in err.value.message


def test_the_photo_served_has_no_exif_gps_or_comment_left(db, tmp_path):
    case = Case()
    source = jpeg_with_gps(tmp_path / "gps.jpg")
    assert image_of(source.read_bytes()).getexif().get_ifd(0x8825)  # the upload has GPS

    cert = services.submit_certificate(
        actor=case.vendor,
        obligation=case.obligation(),
        data=submission(tmp_path, items=1, photo_maker=lambda p: jpeg_with_gps(p)),
        now=NOW,
    )

    photo = cert.photos[0]
    assert photo.had_gps
    assert photo.had_exif
    for served in (photo.display, photo.thumb):
        assert served is not None
        data = read_blob(served)
        im = image_of(data)
        assert im.format == "JPEG"
        assert len(im.getexif()) == 0
        assert "comment" not in im.info
        assert b"Exif" not in data[:4096]
        assert "山田".encode() not in data
        assert served.metadata_removed
    assert max(image_of(read_blob(photo.thumb)).size) <= uploads.THUMB_PX


def test_the_pdf_served_has_no_author_title_or_outline(db, tmp_path):
    case = Case()
    original = certificate_pdf(tmp_path / "with-props.pdf")
    assert PdfReader(original).metadata.author == "山田 太郎"
    assert PdfReader(original).outline

    cert = services.submit_certificate(
        actor=case.vendor,
        obligation=case.obligation(),
        data=submission(tmp_path, pdf=original),
        now=NOW,
    )

    doc = cert.document
    assert doc is not None
    assert doc.metadata_removed
    served = PdfReader(io.BytesIO(read_blob(doc)))
    meta = served.metadata or {}
    assert meta.get("/Author") is None
    assert meta.get("/Title") is None
    assert served.outline == []
    assert "/Metadata" not in served.trailer["/Root"]
    assert len(served.pages) == 2
    assert doc.pages == 2


def test_originals_are_kept_only_when_the_city_configures_it(app, db, tmp_path, monkeypatch):
    case = Case()
    config = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions, "portal_config", dataclasses.replace(config, keep_original_uploads=True)
    )

    cert = services.submit_certificate(
        actor=case.vendor,
        obligation=case.obligation(),
        data=submission(tmp_path, items=1),
        now=NOW,
    )

    original = cert.photos[0].original
    assert original is not None
    assert image_of(read_blob(original)).getexif().get_ifd(0x8825)  # untouched upload
    assert cert.document_original is not None
    assert PdfReader(io.BytesIO(read_blob(cert.document_original))).metadata.author == "山田 太郎"


def test_png_and_heic_photos_are_accepted_and_served_re_encoded(db, tmp_path):
    case = Case()
    data = submission(tmp_path, items=2)
    png = Upload(png_photo(tmp_path / "a.png"), "a.png")
    heic = Upload(heic_photo(tmp_path / "b.heic"), "IMG_0001.HEIC")
    data = dataclasses.replace(
        data,
        media=(
            dataclasses.replace(data.media[0], photos=(png,)),
            dataclasses.replace(data.media[1], photos=(heic,)),
        ),
    )

    cert = services.submit_certificate(
        actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
    )

    kinds = [p.source_kind for p in cert.photos]
    assert kinds == ["png", "heic"]
    heic_served = cert.photos[1].display
    assert heic_served.content_type == "image/jpeg"
    assert heic_served.original_filename == "IMG_0001.jpg"
    assert cert.photos[1].had_gps
    assert len(image_of(read_blob(heic_served)).getexif()) == 0


def _empty(path):
    path.write_bytes(b"")
    return path


def _truncated_jpeg(path):
    data = jpeg_with_gps(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _with_photo(data, upload):
    first = dataclasses.replace(data.media[0], photos=(upload,))
    return dataclasses.replace(data, media=(first, *data.media[1:]))


@pytest.mark.parametrize(
    ("make", "name", "code", "text"),
    [
        (lambda p: text_file(p), "photo.jpg", "not_an_image", "画像ファイルではありません"),
        (lambda p: certificate_pdf(p), "scan.jpg", "not_an_image", "画像ファイルではありません"),
        (lambda p: png_bomb(p), "bomb.png", "image_too_many_pixels", "画素数が多すぎます"),
        (_empty, "empty.jpg", "empty", "ファイルが空です"),
        (_truncated_jpeg, "cut.jpg", "truncated", "途中で切れています"),
    ],
)
def test_a_bad_photo_is_refused_with_a_clear_message_and_nothing_saved(
    db, tmp_path, make, name, code, text
):
    case = Case()
    bad = Upload(make(tmp_path / f"bad-{name}"), name)
    data = _with_photo(submission(tmp_path, items=2), bad)
    before = saved_state()

    with pytest.raises(UploadRejected) as err:
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
        )

    assert err.value.code == code
    assert f"写真「{name}」を受け付けられません。" in err.value.message
    assert text in err.value.message
    assert saved_state() == before
    assert case.obligation().status == ObligationStatus.PENDING


def test_an_oversized_photo_is_refused_with_its_size_and_the_limit(db, tmp_path, monkeypatch):
    case = Case()
    monkeypatch.setattr(uploads, "PHOTO_MAX_BYTES", 20_000)
    big = Upload(jpeg_with_gps(tmp_path / "big.jpg", size=(1200, 900)), "big.jpg")
    data = _with_photo(submission(tmp_path, items=1, photo_maker=png_photo), big)
    before = saved_state()

    with pytest.raises(UploadRejected) as err:
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
        )

    assert err.value.code == "too_large"
    assert "ファイルが大きすぎます" in err.value.message
    assert "上限は" in err.value.message
    assert saved_state() == before


@pytest.mark.parametrize(
    ("make", "code", "text"),
    [
        (lambda p: jpeg_with_gps(p), "unsupported_type", "PDF ファイルではありません"),
        (lambda p: encrypted_pdf(p), "encrypted", "パスワードで保護"),
        (lambda p: corrupt_pdf(p), "malformed", "壊れているか"),
        (lambda p: text_file(p, "%PDF-1.7\nnot really\n"), "malformed", "壊れているか"),
        (_empty, "empty", "ファイルが空です"),
    ],
)
def test_a_bad_certificate_pdf_is_refused_with_a_clear_message_and_nothing_saved(
    db, tmp_path, make, code, text
):
    case = Case()
    data = submission(tmp_path, pdf=make(tmp_path / "bad.pdf"))
    before = saved_state()

    with pytest.raises(UploadRejected) as err:
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=data, now=NOW
        )

    assert err.value.code == code
    assert "消去証明書「消去証明書.pdf」を受け付けられません。" in err.value.message
    assert text in err.value.message
    assert saved_state() == before


def test_blobs_already_written_are_removed_when_a_later_step_fails(db, tmp_path, monkeypatch):
    case = Case()
    before = saved_state()
    real_save = uploads.BlobWriter.save
    calls = []

    def failing_save(self, path, content_type):
        calls.append(path)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_save(self, path, content_type)

    monkeypatch.setattr(uploads.BlobWriter, "save", failing_save)

    with pytest.raises(OSError, match="disk full"):
        services.submit_certificate(
            actor=case.vendor,
            obligation=case.obligation(),
            data=submission(tmp_path, items=2),
            now=NOW,
        )
    db.session.rollback()

    assert len(calls) == 4
    assert saved_state()[1] == before[1]


def test_a_certificate_under_review_cannot_be_submitted_again(db, tmp_path):
    case = Case()
    services.submit_certificate(
        actor=case.vendor, obligation=case.obligation(), data=submission(tmp_path), now=NOW
    )

    with pytest.raises(PortalError, match="審査中"):
        services.submit_certificate(
            actor=case.vendor, obligation=case.obligation(), data=submission(tmp_path), now=NOW
        )


def test_after_a_send_back_the_contractor_resubmits_a_new_version(db, tmp_path):
    case = Case()
    first = services.submit_certificate(
        actor=case.vendor, obligation=case.obligation(), data=submission(tmp_path), now=NOW
    )
    services.return_certificate(
        actor=case.manager, certificate=first, reason="写真が不鮮明です。", now=NOW
    )

    second = services.submit_certificate(
        actor=case.vendor, obligation=case.obligation(), data=submission(tmp_path), now=NOW
    )

    assert (first.version, first.status) == (1, CertificateStatus.RETURNED)
    assert (second.version, second.status) == (2, CertificateStatus.SUBMITTED)
    assert case.obligation().current is second
    assert case.obligation().status == ObligationStatus.SUBMITTED


def test_every_stored_blob_has_its_own_row(db, tmp_path):
    case = Case()
    cert = services.submit_certificate(
        actor=case.vendor, obligation=case.obligation(), data=submission(tmp_path), now=NOW
    )

    keys = db.session.scalars(
        sa.select(ErasureFile.storage_key).where(ErasureFile.certificate_id == cert.id)
    ).all()

    assert len(keys) == len(set(keys)) == 5
    assert all(k.startswith("erasure/") for k in keys)
