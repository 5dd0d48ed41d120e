"""Open311 GeoReport v2: the clients' API keys, extra attributes of the public event types, and each
posted service request (its token and the case it became)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.cases.models import Case, EventType


class ApiKey(models.Model):
    """A client allowed to POST service requests. Only the key's SHA-256 is stored; the key itself is
    shown once, when it is created (``jiceng open311 key NAME`` or the admin).

    Each key has its own service account: the cases a client submits are registered in its name, so
    the engine's per-submitter idempotency and the trail's "who" both name the client."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    prefix = models.CharField(_("密钥前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务账号"),
        on_delete=models.PROTECT,
        related_name="open311_key",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"


class Datatype(models.TextChoices):
    STRING = "string", _("文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class ServiceAttribute(models.Model):
    """An extra question of one event type (a GeoReport service definition's attribute)."""

    event_type = models.ForeignKey(
        EventType, verbose_name=_("事件类型"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.SlugField(_("代码"), max_length=32)
    description = models.CharField(_("问题"), max_length=300)
    datatype = models.CharField(_("类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("填写说明"), max_length=300, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("需用户填写"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=1)
    values = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('单选/多选的选项：[{"key": "a", "name": "选项A"}]')
    )

    class Meta:
        verbose_name = _("服务附加属性")
        verbose_name_plural = _("服务附加属性")
        ordering = ["event_type", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["event_type", "code"], name="open311_attribute_code")]

    def __str__(self) -> str:
        return f"{self.event_type.code}.{self.code}"

    def allowed_keys(self) -> set[str]:
        return {str(v.get("key")) for v in self.values or [] if isinstance(v, dict)}


class Submission(models.Model):
    """One POSTed service request: the token handed back and the case it became."""

    token = models.CharField(max_length=40, unique=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    client_key = models.CharField(_("客户端请求标识"), max_length=100, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_code = models.CharField(max_length=16)
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    email = models.CharField(max_length=254, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "client_key"],
                condition=~models.Q(client_key=""),
                name="open311_client_key",
            )
        ]

    def __str__(self) -> str:
        return self.token
