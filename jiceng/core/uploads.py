"""Uploaded files: checked by their bytes, stored under generated names, served only to who may see them.

A file is what its bytes say it is. The name and the content type a browser declares are ignored:
``read_upload`` sniffs the magic bytes (JPEG, PNG, WebP; PDF where a field allows it) and refuses
anything else, and ``store`` saves it as ``<uuid>.<extension of the sniffed type>``. An HTML or SVG body
can therefore never be kept under a name a web server would serve as a page.

Nothing is served by path alone. ``/media/<path>`` goes to ``serve_media``, which asks the app that owns
the path (``<app>/media.py`` → ``MEDIA = {prefix: resolver(user, name) -> (FieldFile, content type)}``)
whether the viewer may see the object the file belongs to; forbidden and missing both answer 404. The
response carries the sniffed type (only image/PDF types are ever sent inline), ``nosniff``, a
``Content-Disposition``, a sandboxing Content-Security-Policy and ``no-store``; with
``JICENG_MEDIA_ACCEL`` = ``nginx`` or ``apache`` the proxy sends the bytes (X-Accel-Redirect /
X-Sendfile) after the check.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError
from jiceng.core.plugins import registry

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
PDF = "application/pdf"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", PDF: "pdf"}
# The only types a browser is ever told to show inline; everything else is an attachment of bytes.
INLINE_TYPES = frozenset(EXTENSIONS)
MAX_SIDE = 20000
# Sent with every stored file: even if a browser were tricked into rendering one as a document, it
# would run in an opaque origin with no script.
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


class UploadError(JicengError):
    code = "bad_upload"


class UploadTooLarge(UploadError):
    code = "upload_too_large"
    status = 413


@dataclass(frozen=True)
class Upload:
    name: str  # the uploader's name, for messages only: never used to store or serve
    data: bytes
    content_type: str
    width: int = 0
    height: int = 0

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_bytes() -> int:
    return int(float(getattr(settings, "MAX_UPLOAD_MB", 10) or 10) * 1024 * 1024)


# -- sniffing ---------------------------------------------------------------------------------------


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            return None
        if i + 2 > n:
            return None
        (length,) = struct.unpack(">H", data[i : i + 2])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 7 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            return width, height
        i += length
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _webp_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def sniff(data: bytes) -> tuple[str, tuple[int, int] | None] | None:
    """(content type, (width, height) or None) from the magic bytes, or None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", _jpeg_size(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", _png_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", _webp_size(data)
    if data[:5] == b"%PDF-":
        return PDF, None
    return None


def sniff_type(data: bytes) -> str:
    """The content type to serve stored bytes as: a known type, or bytes to download."""
    found = sniff(data)
    return found[0] if found else "application/octet-stream"


# -- reading and storing ----------------------------------------------------------------------------


def _read(item: Any, index: int) -> tuple[str, bytes]:
    if isinstance(item, bytes | bytearray):
        return _("文件%(n)d") % {"n": index}, bytes(item)
    if isinstance(item, tuple):
        return str(item[0]), bytes(item[1])
    name = str(getattr(item, "name", "") or _("文件%(n)d") % {"n": index})
    size = getattr(item, "size", None)
    if size is not None and size > max_bytes():
        _too_large(name, size)
    if hasattr(item, "seek"):
        item.seek(0)
    # Never more than the limit plus one byte: that byte proves the point.
    return name, item.read(max_bytes() + 1)


def _too_large(name: str, size: int) -> None:
    raise UploadTooLarge(
        _("%(name)s 大小为 %(size).1f MB，超过上限 %(limit).0f MB。")
        % {"name": name, "size": size / 1048576, "limit": max_bytes() / 1048576}
    )


def read_upload(item: Any, allowed: Iterable[str] = IMAGE_TYPES, index: int = 1) -> Upload:
    """Read one upload (Django UploadedFile, (name, bytes) or bytes) and check it by its bytes."""
    name, data = _read(item, index)
    if len(data) > max_bytes():
        _too_large(name, len(data))
    if not data:
        raise UploadError(_("%(name)s 是空文件。") % {"name": name})
    allowed = tuple(allowed)
    found = sniff(data)
    if found is None or found[0] not in allowed:
        if allowed == IMAGE_TYPES:
            raise UploadError(_("%(name)s 不是图片：只接受 JPEG、PNG 或 WebP 格式。") % {"name": name})
        raise UploadError(_("%(name)s 的文件类型不被接受。") % {"name": name})
    content_type, size = found
    if content_type == PDF:
        return Upload(name, data, content_type)
    if size is None or not (0 < size[0] <= MAX_SIDE and 0 < size[1] <= MAX_SIDE):
        raise UploadError(_("%(name)s 已损坏或尺寸异常，无法读取图片尺寸。") % {"name": name})
    return Upload(name, data, content_type, size[0], size[1])


def read_uploads(items: Iterable[Any], limit: int, allowed: Iterable[str] = IMAGE_TYPES) -> list[Upload]:
    items = [item for item in items or () if item]
    if len(items) > limit:
        raise UploadError(_("最多上传 %(n)d 个文件。") % {"n": limit})
    return [read_upload(item, allowed, index) for index, item in enumerate(items, start=1)]


def generated_name(upload: Upload) -> str:
    """A fresh name that says nothing of the uploader's: ``<uuid4>.<extension of the sniffed type>``."""
    return f"{uuid.uuid4().hex}.{upload.extension}"


def store(field_file: FieldFile, upload: Upload) -> None:
    """Save the checked bytes under a generated name (the field's ``upload_to`` adds the folder)."""
    field_file.save(generated_name(upload), ContentFile(upload.data), save=False)


# -- serving ----------------------------------------------------------------------------------------

Resolver = Callable[[Any, str], tuple[FieldFile, str]]


def resolvers() -> dict[str, Resolver]:
    return registry("media", "MEDIA")


def file_response(
    field_file: FieldFile, content_type: str = "", *, download_name: str = ""
) -> HttpResponseBase:
    """The stored file with safe headers; the proxy sends the bytes when JICENG_MEDIA_ACCEL says so."""
    name = field_file.name or ""
    if not content_type:
        with field_file.open("rb") as fh:
            content_type = sniff_type(fh.read(64))
    inline = content_type in INLINE_TYPES
    if not inline:
        content_type = "application/octet-stream"
    accel = getattr(settings, "JICENG_MEDIA_ACCEL", "none")
    response: HttpResponseBase
    if accel == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.JICENG_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
    elif accel == "apache":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = field_file.path
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    filename = download_name or PurePosixPath(name).name
    response["Content-Disposition"] = "{}; filename*=UTF-8''{}".format(
        "inline" if inline else "attachment", quote(filename)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """``/media/<path>``: the file if the viewer may see the object it belongs to, else 404."""
    user = request.user
    if not user.is_authenticated or ".." in PurePosixPath(path).parts:
        raise Http404
    found = [prefix for prefix in resolvers() if path.startswith(prefix)]
    if not found:
        raise Http404
    resolver = resolvers()[max(found, key=len)]
    try:
        field_file, content_type = resolver(user, path)
    except JicengError as exc:  # missing and forbidden look the same
        raise Http404 from exc
    if not field_file or not field_file.name or not field_file.storage.exists(field_file.name):
        raise Http404
    return file_response(field_file, content_type)
