"""The sensitive-request lexicon in the admin: rules are data, edited here, applied on the next request."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from jiceng.triage.actions import do_delete_rule, do_save_rule
from jiceng.triage.models import SensitiveRule, TriageEvent


@admin.register(SensitiveRule)
class SensitiveRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "pattern", "window", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "pattern", "note"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        do_save_rule(request.user, obj, changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        do_delete_rule(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for rule in queryset:
            do_delete_rule(request.user, rule)


@admin.register(TriageEvent)
class TriageEventAdmin(admin.ModelAdmin):
    list_display = ["at", "verb", "actor"]
    list_filter = ["verb"]
    readonly_fields = ["at", "verb", "actor", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
