"""Uploaded files: checked by what they contain, stored outside the web root under a random name.

The name a person gave a file is kept only as a label; it never becomes a path. Files are served
by views that check permission and send ``Content-Disposition`` (``nosniff`` is on every response).
"""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app, send_file
from werkzeug.datastructures import FileStorage

from app.core.errors import DomainError

KINDS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
# Other spellings of a kind's extension that a name may keep.
SAME_EXTENSION = {"jpeg": "jpg"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class UploadError(DomainError):
    """``code`` is one of: empty, kind, too_large."""

    def __init__(self, code: str, filename: str = ""):
        super().__init__(code, name=filename)
        self.filename = filename


@dataclass
class CheckedFile:
    """A file read into memory and checked, not yet written anywhere."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def display_name(filename: str | None) -> str:
    """The person's file name as a label: no path, no control characters, at most 255 characters.

    Invisible format characters (Unicode Cf: bidi overrides such as U+202E, zero-width marks) go too,
    or ``\u202efdp.exe`` would show to staff as ``exe.pdf``."""
    name = _UNSAFE_NAME.sub("_", (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    name = "".join(char for char in name if unicodedata.category(char) != "Cf").strip()
    return (name or "file")[-255:]


def typed_name(filename: str, content_type: str) -> str:
    """``filename`` ending in the extension of what the file is, as checked by its content.

    A PDF uploaded as ``evil.html`` is saved as ``evil.pdf``: the operating system that opens a
    download goes by its extension, and the person's choice of one must not decide it."""
    extension = KINDS[content_type]
    stem, dot, given = filename.rpartition(".")
    if dot and stem:
        if SAME_EXTENSION.get(given.lower(), given.lower()) == extension:
            return filename
        filename = stem
    return f"{filename[:250]}.{extension}"


def check_file(storage: FileStorage, *, allowed: tuple[str, ...], max_bytes: int) -> CheckedFile:
    """Read at most ``max_bytes`` + 1 bytes and accept the file only if its content is an allowed kind."""
    data = storage.stream.read(max_bytes + 1)
    name = display_name(storage.filename)
    if not data:
        raise UploadError("empty", name)
    if len(data) > max_bytes:
        raise UploadError("too_large", name)
    kind = filetype.guess(data)
    if kind is None or kind.mime not in allowed:
        raise UploadError("kind", name)
    return CheckedFile(filename=typed_name(name, kind.mime), content_type=kind.mime, data=data)


def given_files(files: list[FileStorage]) -> list[FileStorage]:
    """The file inputs a person actually filled (browsers send empty parts for the others)."""
    return [storage for storage in files if storage and storage.filename]


def upload_root(area: str) -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"]) / area
    root.mkdir(parents=True, exist_ok=True)
    return root


def store(checked: CheckedFile, area: str) -> str:
    """Write the file under a new random name in ``area``; returns that name."""
    stored_name = f"{secrets.token_hex(16)}.{KINDS[checked.content_type]}"
    (upload_root(area) / stored_name).write_bytes(checked.data)
    return stored_name


def remove(area: str, stored_name: str) -> None:
    (upload_root(area) / stored_name).unlink(missing_ok=True)


def send_stored(area: str, stored_name: str, *, filename: str, content_type: str):
    """Always as a download: a file someone uploaded never renders as a page of this site."""
    path = upload_root(area) / stored_name
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=typed_name(filename, content_type), max_age=0)
    # A file is never a page: no script, no plugins, even if a browser guessed otherwise.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; object-src 'none'; base-uri 'none'; "
                                                   "frame-ancestors 'none'; sandbox")
    response.headers["Cache-Control"] = "private, no-store"
    return response
