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
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from jiceng.core.exceptions import JicengError
from jiceng.org import roster
from jiceng.org.models import AccessLog, DutyShift, Membership, OrgEvent, Unit, UnitKind, User
from jiceng.org.privacy import mask, reveal_on_request, shown_username


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


REVEAL_PARAM = "reveal"
_REAL_NAME = _("实名信息")


def _revealing(request: HttpRequest) -> bool:
    return request.GET.get(REVEAL_PARAM) == "1"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Personal data is masked here too: the list always, a user's page until the administrator asks
    for the full values ("显示完整实名信息"), which writes an access-log row before they are shown."""

    list_display = ["shown_username", "masked_name", "masked_phone", "is_staff", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_REAL_NAME, {"fields": ["display_name", "phone", "id_number"]}),
    )
    masked_fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_REAL_NAME, {"fields": ["masked_name", "masked_phone", "masked_id_number", "reveal_link"]}),
    )
    inlines = [MembershipInline]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not _revealing(request):
            # BaseUserAdmin's first fieldset shows first and last name: personal too, so masked.
            return [
                (
                    name,
                    {**opts, "fields": [f for f in opts["fields"] if f not in ("first_name", "last_name")]},
                )
                for name, opts in self.masked_fieldsets
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not _revealing(request):
            readonly += ["masked_name", "masked_phone", "masked_id_number", "reveal_link"]
        return readonly

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        if request.method == "GET" and _revealing(request):
            user = self.get_object(request, object_id)
            if user is not None and self.has_view_or_change_permission(request, user):
                reveal_on_request(
                    request,
                    "user",
                    user.pk,
                    {"name": user.display_name, "phone": user.phone, "id_number": user.id_number},
                    purpose="admin",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("用户名"), ordering="username")
    def shown_username(self, obj: User) -> str:
        return shown_username(obj, masked=True)

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: User) -> str:
        return mask({"name": obj.display_name})["name"]

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: User) -> str:
        # The change list shows many people at once: masked, so the list itself reveals nothing.
        return mask({"phone": obj.phone})["phone"]

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: User) -> str:
        return mask({"id_number": obj.id_number})["id_number"]

    @admin.display(description=_("完整信息"))
    def reveal_link(self, obj: User) -> str:
        return format_html(
            '<a href="?{}=1">{}</a>', REVEAL_PARAM, _("显示完整实名信息并编辑（将记录访问日志）")
        )


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
