"""The inbox on the home page menu: everyone signed in has one."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry


def entries(user: Any) -> list[NavEntry]:
    from jiceng.notify.actions import unread_count

    if not getattr(user, "is_authenticated", False):
        return []
    unread = unread_count(user)
    note = _("%(n)d 条未读") % {"n": unread} if unread else _("通知、催办、办理进度")
    return [NavEntry(_("消息"), reverse("notify:inbox"), note, 90)]
