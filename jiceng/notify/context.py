"""``INBOX_UNREAD`` for the top bar: counted only when a template shows it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def inbox(request: HttpRequest) -> dict[str, object]:
    from jiceng.notify.actions import unread_count

    user = getattr(request, "user", None)
    return {"INBOX_UNREAD": SimpleLazyObject(lambda: unread_count(user))}
