"""R34: an uploaded form's file is a PDF, JPG or GIF by its bytes, at most 15 MB, not empty; a PDF
opens and has no password. Real small files, made here."""

from __future__ import annotations

import hashlib

import pytest

from authorizations.errors import FormRefused
from authorizations.forms_channel.files import GIF, JPEG, PDF, form_file_check
from tests.authorizations.forms_support import GIF_BYTES, JPEG_BYTES, PNG_BYTES, pdf_bytes

MB = 1024 * 1024


def refusal(content: bytes) -> str:
    with pytest.raises(FormRefused) as caught:
        form_file_check(content)
    assert caught.value.field == "file"
    return str(caught.value)


def test_r34_a_real_pdf_is_accepted_with_its_sha256() -> None:
    content = pdf_bytes(pages=2)
    checked = form_file_check(content)
    assert checked.kind is PDF
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_r34_jpg_and_gif_are_accepted_by_their_bytes() -> None:
    assert form_file_check(JPEG_BYTES).kind is JPEG
    assert form_file_check(GIF_BYTES).kind is GIF


def test_r34_a_png_is_refused_whatever_it_is_called() -> None:
    # The check never sees a name: a PNG saved as form.pdf is still a PNG.
    assert "must be a PDF, JPG or GIF" in refusal(PNG_BYTES)


def test_r34_text_pretending_to_be_a_pdf_is_refused() -> None:
    assert "must be a PDF, JPG or GIF" in refusal(b"Dear IRS, please find attached...")


def test_r34_an_empty_file_is_refused() -> None:
    assert "empty" in refusal(b"")


def test_r34_a_file_over_15_mb_is_refused() -> None:
    content = pdf_bytes() + b"\0" * (16 * MB)
    assert "larger than 15 MB" in refusal(content)


def test_r34_the_limit_is_the_setting(settings) -> None:
    content = pdf_bytes()
    settings.FORM_UPLOAD_MAX_BYTES = len(content)
    assert form_file_check(content).size == len(content)
    settings.FORM_UPLOAD_MAX_BYTES = len(content) - 1
    assert "larger than" in refusal(content)


def test_r34_an_encrypted_pdf_is_refused() -> None:
    assert "password" in refusal(pdf_bytes(password="secret"))


def test_r34_a_damaged_pdf_is_refused() -> None:
    assert "cannot be opened" in refusal(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF")


def test_r34_a_truncated_pdf_is_refused() -> None:
    whole = pdf_bytes()
    assert "cannot be opened" in refusal(whole[: len(whole) // 3])
