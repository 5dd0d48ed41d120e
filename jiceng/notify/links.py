"""Absolute links for messages that leave the site (SMS, e-mail, WeChat)."""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` joined to ``JICENG_BASE_URL``; a link that is already absolute is kept."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    base = str(getattr(settings, "JICENG_BASE_URL", "") or "http://127.0.0.1:8000")
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))
