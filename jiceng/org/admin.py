"""The organisation's base data in the Chinese admin: unit kinds, units, staff and their posts, duty
rosters, and the read-only audit trails (personal-data access log, organisation events)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiceng.core.exceptions import JicengError
from jiceng.org import roster
from jiceng.org.models import AccessLog, DutyShift, Membership, OrgEvent, Unit, UnitKind, User
from jiceng.org.privacy import mask


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "handles_cases"]
    list_filter = ["category", "handles_cases"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The event catalogue refers to kinds by code: a code never changes once created.
        return ["code"] if obj is not None else []


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "division", "is_active"]
    list_filter = ["level", "kind__category", "kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["kind", "division"]
    autocomplete_fields = ["division", "parent", "jurisdiction"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "division", "grids"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "masked_phone", "is_staff", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("实名信息"), {"fields": ["display_name", "phone", "id_number"]}),
    )
    inlines = [MembershipInline]

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: User) -> str:
        # The change list shows many people at once: masked, so the list itself reveals nothing.
        return mask({"phone": obj.phone})["phone"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "division", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__display_name", "unit__name"]
    list_select_related = ["user", "unit", "division"]
    autocomplete_fields = ["user", "unit", "division", "grids"]


class DutyShiftForm(forms.ModelForm):
    class Meta:
        model = DutyShift
        fields = ["unit", "user", "title", "starts_at", "ends_at", "substitute", "handover_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        needed = ("unit", "user", "starts_at", "ends_at")
        if all(data.get(name) for name in needed):
            try:
                roster.validate_shift(
                    data["unit"],
                    data["user"],
                    data["starts_at"],
                    data["ends_at"],
                    data.get("substitute"),
                    exclude_id=self.instance.pk,
                )
            except JicengError as exc:
                raise ValidationError(exc.message)
        return data


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    form = DutyShiftForm
    list_display = ["unit", "title", "user", "starts_at", "ends_at", "substitute"]
    list_filter = ["unit__kind", "starts_at"]
    search_fields = ["unit__name", "user__display_name", "user__username"]
    date_hierarchy = "starts_at"
    list_select_related = ["unit", "user", "substitute"]
    autocomplete_fields = ["unit", "user", "substitute"]

    # Saving and deleting go through the roster actions, so the admin leaves the same audit trail
    # and the same overlap check (under the unit's lock) as every other caller.
    def save_model(self, request: HttpRequest, obj: DutyShift, form: Any, change: bool) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in roster.SHIFT_FIELDS
            }
            original = DutyShift.objects.get(pk=obj.pk)
            roster.do_change_shift(request.user, original, **changes)
            obj.refresh_from_db()
        else:
            created = roster.do_add_shift(
                request.user,
                obj.unit,
                obj.user,
                obj.starts_at,
                obj.ends_at,
                obj.title,
                obj.substitute,
                obj.handover_note,
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: DutyShift) -> None:
        roster.do_remove_shift(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DutyShift]) -> None:
        for shift in queryset.select_related("unit"):
            roster.do_remove_shift(request.user, shift)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit trails are evidence: nobody adds, edits or deletes them through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "subject_type", "subject_id", "fields", "purpose", "path", "ip"]
    list_filter = ["subject_type", "at"]
    search_fields = ["subject_id", "user__username", "user__display_name"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    show_full_result_count = False


@admin.register(OrgEvent)
class OrgEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "verb", "unit", "actor", "object_id"]
    list_filter = ["verb", "at"]
    search_fields = ["unit__name", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["unit", "actor"]
