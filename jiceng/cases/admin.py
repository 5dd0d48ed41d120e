"""Admin: the catalogue is editable (every change audited); cases and their trail are read-only here,
because every change of a case goes through an action that writes its event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from jiceng.cases.models import (
    Case,
    CaseEvent,
    CatalogueChange,
    Category,
    EventType,
    Notification,
)


def _audit(
    request: HttpRequest, obj: Model, kind: str, code: str, action: str, changes: dict[str, Any]
) -> None:
    CatalogueChange.objects.create(
        user=request.user if request.user.is_authenticated else None,
        object_type=kind,
        object_code=code,
        action=action,
        changes=changes,
        source="admin",
    )


def _changes(form: ModelForm, change: bool) -> dict[str, Any]:
    out = {}
    for name in form.changed_data:
        new = form.cleaned_data.get(name)
        old = form.initial.get(name) if change else None
        out[name] = [
            str(old) if old is not None else None,
            new if isinstance(new, str | int | float | bool | list) else str(new),
        ]
    return out


class EventTypeForm(ModelForm):
    class Meta:
        model = EventType
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        from jiceng.org.models import UnitKind

        data = super().clean() or {}
        known = set(UnitKind.objects.values_list("code", flat=True))
        for name in ("lead_kind", "first_responder_kind"):
            value = data.get(name)
            if value and known and value not in known:
                self.add_error(name, ValidationError(f"未知的单位类型“{value}”"))
        for value in data.get("co_kinds") or []:
            if known and value not in known:
                self.add_error("co_kinds", ValidationError(f"未知的单位类型“{value}”"))
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Category, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit(request, obj, "category", obj.code, "update" if change else "create", _changes(form, change))

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        _audit(request, obj, "category", obj.code, "delete", {"name": obj.name})
        super().delete_model(request, obj)


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    form = EventTypeForm
    list_display = [
        "code",
        "name",
        "category",
        "lead_kind",
        "level",
        "handle_limit",
        "handle_unit",
        "severity",
        "is_public",
        "is_active",
    ]
    list_filter = ["category", "level", "severity", "is_public", "is_active", "lead_kind"]
    search_fields = ["code", "name", "keywords"]

    def save_model(self, request: HttpRequest, obj: EventType, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit(request, obj, "type", obj.code, "update" if change else "create", _changes(form, change))

    def delete_model(self, request: HttpRequest, obj: EventType) -> None:
        _audit(request, obj, "type", obj.code, "delete", {"name": obj.name})
        super().delete_model(request, obj)


@admin.register(CatalogueChange)
class CatalogueChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "object_type", "object_code", "action", "source"]
    list_filter = ["object_type", "action", "source"]
    search_fields = ["object_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "title",
        "status",
        "event_type",
        "grid_code",
        "lead_unit",
        "registered_at",
        "due_at",
        "overdue",
    ]
    list_filter = ["status", "channel", "overdue", "escalated", "supervised", "sensitive"]
    search_fields = ["title", "grid_code"]
    list_select_related = ["event_type", "lead_unit"]
    # The reporter's name and phone are personal data: masked here (the case pages reveal them, with
    # an access-log row, to the roles that call residents back).
    exclude = ["reporter_name", "reporter_phone"]
    readonly_fields = ["masked_reporter"]

    @admin.display(description="联系人")
    def masked_reporter(self, obj: Case) -> str:
        from jiceng.org.privacy import mask

        shown = mask({"name": obj.reporter_name, "phone": obj.reporter_phone})
        return f"{shown['name']} {shown['phone']}".strip()


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "at", "action", "from_status", "to_status", "actor", "unit"]
    list_filter = ["action"]
    list_select_related = ["actor", "unit"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "kind", "case", "unit", "role", "message", "state", "attempts", "sent_at", "last_error",
    ]  # fmt: skip
    list_filter = ["state", "kind"]
