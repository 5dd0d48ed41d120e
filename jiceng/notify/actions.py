"""The person's inbox and preferences: every read and change goes through here (pages, API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.notify.exceptions import MessageNotFound, NotifyError
from jiceng.notify.models import InboxMessage, Preference, default_quiet_end, default_quiet_start


def messages_of(user: Any, *, unread: bool = False) -> QuerySet[InboxMessage]:
    found = InboxMessage.objects.filter(user_id=user.pk)
    return found.filter(read_at__isnull=True) if unread else found


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return messages_of(user, unread=True).count()


def access_message(user: Any, message_id: Any) -> InboxMessage:
    """The person's own message; another's is "not found" like a missing one."""
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise MessageNotFound(_("未找到该消息。"))
    message = InboxMessage.objects.filter(pk=pk, user_id=user.pk).first()
    if message is None:
        raise MessageNotFound(_("未找到该消息。"))
    return message


def check_mark_read(user: Any, message_id: Any) -> InboxMessage:
    return do_mark_read(access_message(user, message_id))


def do_mark_read(message: InboxMessage) -> InboxMessage:
    if message.read_at is None:
        message.read_at = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def check_mark_all_read(user: Any) -> int:
    return messages_of(user, unread=True).update(read_at=timezone.now())


def preferences_of(user: Any) -> Preference:
    """The saved preferences, or the defaults (not saved) for someone who never changed them."""
    found = Preference.objects.filter(user_id=user.pk).first()
    return found or Preference(
        user_id=user.pk, quiet_start=default_quiet_start(), quiet_end=default_quiet_end()
    )


def _time(value: Any, what: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise NotifyError(_("%(what)s须为 时:分（如 22:00）。") % {"what": what})


def check_set_preferences(user: Any, changes: dict[str, Any]) -> Preference:
    """Switch channels on or off and set quiet hours; unknown keys are refused, nothing half-saved."""
    allowed = {"sms", "email", "wechat", "wechat_openid", "quiet_start", "quiet_end"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise NotifyError(_("无法识别的设置：%(keys)s") % {"keys": "、".join(unknown)})
    with transaction.atomic():
        prefs = preferences_of(user)
        for name in ("sms", "email", "wechat"):
            if name in changes:
                value = changes[name]
                if isinstance(value, str):
                    value = value.strip().lower() in {"1", "true", "on", "yes"}
                setattr(prefs, name, bool(value))
        if "wechat_openid" in changes:
            openid = str(changes["wechat_openid"] or "").strip()
            if len(openid) > 64:
                raise NotifyError(_("微信 OpenID 过长。"))
            prefs.wechat_openid = openid
        if "quiet_start" in changes:
            prefs.quiet_start = _time(changes["quiet_start"], _("免打扰开始时间"))
        if "quiet_end" in changes:
            prefs.quiet_end = _time(changes["quiet_end"], _("免打扰结束时间"))
        prefs.save()
    return prefs
