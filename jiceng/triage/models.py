"""Models of triage: the sensitive-request rules (editable in the admin) and triage's audit trail.

The classifier itself is a file (see ``service.model_path``), not rows: it is loaded once per process
and swapped atomically when retrained.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(_("不是有效的正则表达式：%(error)s"), params={"error": exc})


class SensitiveKind(models.TextChoices):
    LIFE = "life", _("生命危险（轻生）")
    VIOLENCE = "violence", _("暴力与家暴")
    GROUP = "group", _("群体性事件")
    SAFETY = "safety", _("公共安全")
    MEDIA = "media", _("扬言向媒体曝光")
    MINOR = "minor", _("未成年人风险")


class SensitiveRule(models.Model):
    """One rule of the sensitive-request detector: a phrase pattern and the contexts that confirm or
    cancel it. Seeded from ``data/sensitive_rules.json``."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=SensitiveKind.choices)
    pattern = models.TextField(_("命中短语（正则）"), validators=[validate_regex])
    near = models.TextField(
        _("须同时出现（正则）"),
        blank=True,
        default="",
        validators=[validate_regex],
        help_text=_("非空时，须在命中处前后“窗口”字数内出现，才算命中。"),
    )
    exclude = models.TextField(
        _("排除语境（正则）"),
        blank=True,
        default="",
        validators=[validate_regex],
        help_text=_("在命中处前后“窗口”字数内出现时，不算命中（如“跳楼价”）。"),
    )
    sentence_exclude = models.TextField(
        _("整句排除（正则）"),
        blank=True,
        default="",
        validators=[validate_regex],
        help_text=_("命中所在句子出现时不算命中：用于过去的事、假设和隐患（“如果”“去年”“隐患”）。"),
    )
    window = models.PositiveSmallIntegerField(_("窗口（字）"), default=6)
    negatable = models.BooleanField(
        _("否定可撤销"), default=True, help_text=_("“不是家暴”之类的否定不算命中。")
    )
    weight = models.FloatField(_("权重"), default=1.0)
    enabled = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("敏感诉求规则")
        verbose_name_plural = _("敏感诉求规则")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def compiled(self) -> Any:
        from jiceng.triage.sensitive import rule_from_dict

        return rule_from_dict(
            {
                "name": self.name,
                "kind": self.kind,
                "pattern": self.pattern,
                "near": self.near,
                "exclude": self.exclude,
                "sentence_exclude": self.sentence_exclude,
                "window": self.window,
                "negatable": self.negatable,
                "weight": self.weight,
            }
        )


class TriageEvent(models.Model):
    """Audit trail of triage: rule changes and model builds, with who and what."""

    class Verb(models.TextChoices):
        RULE_CREATED = "rule_created", _("新增规则")
        RULE_CHANGED = "rule_changed", _("修改规则")
        RULE_DELETED = "rule_deleted", _("删除规则")
        MODEL_BUILT = "model_built", _("生成分拨模型")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("操作"), max_length=32, choices=Verb.choices)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("分拨变更记录")
        verbose_name_plural = _("分拨变更记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} {self.at:%Y-%m-%d %H:%M}"
