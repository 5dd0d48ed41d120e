"""Delivery records, the in-app inbox and each person's notification preferences.

The outbox itself is :class:`jiceng.cases.models.Notification` (written by ``cases.outbox.notify``);
``jiceng notify run`` turns each row into one :class:`Delivery` per recipient and channel.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.cases.models import Notification


class DeliveryState(models.TextChoices):
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")  # this attempt failed; the notification is retried
    DEFERRED = "deferred", _("免打扰顺延")  # quiet hours: sent when they end
    DEAD = "dead", _("放弃发送")


class Delivery(models.Model):
    """One message to one address through one channel: who, channel, when, result.

    Unique per (notification, channel, address): a retried or re-claimed notification finds the
    addresses already reached and never sends to them twice."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=16)
    address = models.CharField(_("地址"), max_length=128)  # phone, e-mail, openid or "user:<id>"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("结果"), max_length=12, choices=DeliveryState.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel", "address"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} {self.state}"


class InboxMessage(models.Model):
    """A message in a person's in-app inbox (站内信), for staff and residents alike."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=32)
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="inbox_user"),
            # The unread badge on every page: a partial index over the few unread messages.
            models.Index(fields=["user"], name="inbox_unread", condition=models.Q(read_at__isnull=True)),
        ]
        constraints = [models.UniqueConstraint(fields=["notification", "user"], name="inbox_once")]

    def __str__(self) -> str:
        return self.text


def default_quiet_start() -> dt.time:
    return quiet_default()[0]


def default_quiet_end() -> dt.time:
    return quiet_default()[1]


def quiet_default() -> tuple[dt.time, dt.time]:
    """``JICENG_NOTIFY_QUIET_HOURS`` ("22:00-07:00"); an empty value means no quiet hours."""
    raw = str(getattr(settings, "JICENG_NOTIFY_QUIET_HOURS", "22:00-07:00") or "").strip()
    if not raw:
        return dt.time(0, 0), dt.time(0, 0)
    start, _sep, end = raw.partition("-")
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


class Preference(models.Model):
    """One person's channels and quiet hours. A person without a row gets the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sms = models.BooleanField(_("短信"), default=True)
    email = models.BooleanField(_("电子邮件"), default=True)
    wechat = models.BooleanField(_("微信"), default=True)
    wechat_openid = models.CharField(_("微信 OpenID"), max_length=64, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), default=default_quiet_start)
    quiet_end = models.TimeField(_("免打扰结束"), default=default_quiet_end)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)
