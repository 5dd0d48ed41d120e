"""Photo checks without Pillow: the type from the file's magic bytes, the size from its header.

Only JPEG, PNG and WebP are accepted. The declared file name and content type are ignored: a file is
what its bytes say it is.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import PhotoError, PhotoTooLarge

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_SIDE = 20000


@dataclass(frozen=True)
class PhotoInfo:
    content_type: str
    width: int
    height: int
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_bytes() -> int:
    mb = getattr(settings, "JICENG_CASE_PHOTO_MAX_MB", None) or getattr(settings, "MAX_UPLOAD_MB", 10) or 10
    return int(float(mb) * 1024 * 1024)


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
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", _jpeg_size(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", _png_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", _webp_size(data)
    return None


def inspect(data: bytes, name: str = "") -> PhotoInfo:
    """Check one photo; raise PhotoTooLarge or PhotoError with a message naming the file."""
    label = name or _("照片")
    limit = max_bytes()
    if len(data) > limit:
        raise PhotoTooLarge(
            _("%(name)s 大小为 %(size).1f MB，超过上限 %(limit).0f MB。")
            % {"name": label, "size": len(data) / 1048576, "limit": limit / 1048576}
        )
    if not data:
        raise PhotoError(_("%(name)s 是空文件。") % {"name": label})
    sniffed = sniff(data)
    if sniffed is None:
        raise PhotoError(_("%(name)s 不是图片：只接受 JPEG、PNG 或 WebP 格式。") % {"name": label})
    content_type, size = sniffed
    if size is None or not (0 < size[0] <= MAX_SIDE and 0 < size[1] <= MAX_SIDE):
        raise PhotoError(_("%(name)s 已损坏或尺寸异常，无法读取图片尺寸。") % {"name": label})
    return PhotoInfo(content_type, size[0], size[1], len(data), hashlib.sha256(data).hexdigest())
