"""Admin: API keys (the raw key is shown once, when created), service attributes, submissions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest

from jiceng.open311 import actions
from jiceng.open311.models import ApiKey, ServiceAttribute, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "note"]
        return ["name", "prefix", "user", "is_active", "note", "created_at", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["name", "prefix", "user", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = actions.do_create_key(obj.name, note=obj.note)
        obj.pk, obj.prefix, obj.user, obj.created_at = key.pk, key.prefix, key.user, key.created_at
        messages.warning(request, f"新的 api_key（只显示这一次，请妥善保存）：{raw}")


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["event_type", "code", "description", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "event_type__code", "event_type__name"]
    raw_id_fields = ["event_type"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["token", "api_key", "service_code", "case", "created_at"]
    list_filter = ["api_key"]
    search_fields = ["token", "client_key"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
