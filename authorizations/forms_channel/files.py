"""R34: what an uploaded form's file may be. Pure functions over the bytes, no storage, no DB.

The type comes from the bytes (their magic numbers), never from the file's name or the type the
browser claims. A PDF must open (pypdf reads it) and must not be encrypted: the CAF unit has to
read it without a password.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from authorizations.errors import FormRefused

# pypdf reports every oddity of a malformed file on this logger; the refusal says enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: str


PDF = FileKind("pdf", "application/pdf", "PDF")
JPEG = FileKind("jpg", "image/jpeg", "JPG")
GIF = FileKind("gif", "image/gif", "GIF")

_MAGIC: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed :func:`form_file_check`: its kind, size and SHA-256 (R39)."""

    kind: FileKind
    size: int
    sha256: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def file_kind_of(content: bytes) -> FileKind | None:
    """The kind the bytes say, or None for anything but a PDF, JPG or GIF."""
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    return None


def _pdf_check(content: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise FormRefused(
                "The PDF is protected by a password. Upload a copy without a password.",
                field="file",
            )
        if len(reader.pages) == 0:
            raise FormRefused("The PDF has no pages. Upload the signed form.", field="file")
    except FormRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise FormRefused(
            "The PDF cannot be opened: it may be damaged. Save it again and upload it.",
            field="file",
        ) from exc


def form_file_size_check(size: int) -> None:
    """R34: refuse an empty file or one over FORM_UPLOAD_MAX_BYTES (before reading it)."""
    limit = settings.FORM_UPLOAD_MAX_BYTES
    if size == 0:
        raise FormRefused("The file is empty. Choose the signed form.", field="file")
    if size > limit:
        raise FormRefused(
            f"The file is larger than {_megabytes(limit)}. Upload a smaller scan of the form.",
            field="file",
        )


def form_file_check(content: bytes) -> CheckedFile:
    """R34: accept a PDF, JPG or GIF of at most FORM_UPLOAD_MAX_BYTES; raise FormRefused else."""
    form_file_size_check(len(content))
    kind = file_kind_of(content)
    if kind is None:
        raise FormRefused(
            "The file must be a PDF, JPG or GIF. Whatever its name, this file is none of them.",
            field="file",
        )
    if kind is PDF:
        _pdf_check(content)
    return CheckedFile(kind=kind, size=len(content), sha256=hashlib.sha256(content).hexdigest())
