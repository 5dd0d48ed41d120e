"""Photo checks without Pillow: the type from the file's magic bytes (``jiceng.core.uploads.sniff``),
the size from its header.

Only JPEG, PNG and WebP are accepted. The declared file name and content type are ignored: a file is
what its bytes say it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import PhotoError, PhotoTooLarge
from jiceng.core.uploads import IMAGE_TYPES, MAX_SIDE, sniff

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


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
    if sniffed is None or sniffed[0] not in IMAGE_TYPES:
        raise PhotoError(_("%(name)s 不是图片：只接受 JPEG、PNG 或 WebP 格式。") % {"name": label})
    content_type, size = sniffed
    if size is None or not (0 < size[0] <= MAX_SIDE and 0 < size[1] <= MAX_SIDE):
        raise PhotoError(_("%(name)s 已损坏或尺寸异常，无法读取图片尺寸。") % {"name": label})
    return PhotoInfo(content_type, size[0], size[1], len(data), hashlib.sha256(data).hexdigest())
