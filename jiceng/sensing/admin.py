"""Admin: device kinds and rules are data, edited here with every change audited (``RuleChange``);
alarms, dead letters and gateway keys are read-only here (alarms change through actions, keys through
``jiceng sensing key``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jiceng.org.admin import ReadOnlyAdmin
from jiceng.sensing.models import (
    Alarm,
    AlarmEvent,
    Condition,
    DeadLetter,
    Device,
    DeviceKind,
    GatewayKey,
    Rule,
    RuleChange,
)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _audit(request: HttpRequest, obj: Model, kind: str, action: str, form: ModelForm | None) -> None:
    changes: dict[str, Any] = {}
    if form is not None:
        for name in form.changed_data:
            changes[name] = [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
    RuleChange.objects.create(
        user=request.user if request.user.is_authenticated else None,
        object_type=kind,
        object_id=obj.pk,
        action=action,
        changes=changes,
    )


class AuditedAdmin(admin.ModelAdmin):
    audit_kind = ""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit(request, obj, self.audit_kind, "update" if change else "create", form)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit(request, obj, self.audit_kind, "delete", None)
        super().delete_model(request, obj)


class RuleForm(ModelForm):
    class Meta:
        model = Rule
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        condition = data.get("condition")
        kind = data.get("kind")
        if condition in (Condition.THRESHOLD, Condition.RATE):
            if data.get("value") is None:
                raise ValidationError(_("阈值与变化率规则须填写阈值。"))
            if kind is not None and kind.measurement(data.get("measurement") or "") is None:
                raise ValidationError(_("该设备类型没有此测量项。"))
            if condition == Condition.THRESHOLD and not data.get("op"):
                raise ValidationError(_("阈值规则须选择比较方式。"))
        if condition in (Condition.EVENT, Condition.NO_MOVEMENT) and not (data.get("events") or "").strip():
            raise ValidationError(_("事件与无活动规则须填写事件。"))
        if condition in (Condition.NO_DATA, Condition.NO_MOVEMENT) and not data.get("minutes"):
            raise ValidationError(_("无数据与无活动规则须填写分钟数。"))
        return data


@admin.register(Rule)
class RuleAdmin(AuditedAdmin):
    form = RuleForm
    audit_kind = "rule"
    list_display = ("kind", "alarm_type", "name", "condition", "severity", "case_type", "is_active")
    list_filter = ("kind", "condition", "severity", "is_active")


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("alarm_type", "name", "condition", "severity", "is_active")
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(DeviceKind)
class DeviceKindAdmin(AuditedAdmin):
    audit_kind = "kind"
    list_display = ("code", "name", "offline_minutes")
    inlines = [RuleInline]


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "object_type", "object_id", "action")
    list_filter = ("object_type", "action")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("device_id", "name", "kind", "grid_code", "status", "last_seen_at")
    list_filter = ("kind", "status")
    search_fields = ("device_id", "name", "location_code", "grid_code")
    raw_id_fields = ("person", "care_worker")


class AlarmEventInline(admin.TabularInline):
    model = AlarmEvent
    extra = 0
    can_delete = False
    readonly_fields = ("verb", "actor", "note", "at")


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ("device", "name", "severity", "status", "acknowledged", "count", "started_at", "case")
    list_filter = ("status", "severity", "type")
    search_fields = ("device__device_id", "type")
    inlines = [AlarmEventInline]


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "source", "device_ref", "code", "reason")
    list_filter = ("code", "source")
    search_fields = ("device_ref", "msg_id")


@admin.register(GatewayKey)
class GatewayKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "is_active", "created_at", "last_used_at")
    readonly_fields = ("name", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are made by `jiceng sensing key NAME`, which shows the key once
