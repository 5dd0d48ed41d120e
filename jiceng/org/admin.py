from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jiceng.org.models import AccessLog, DutyShift, Membership, Unit, UnitKind, User


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "handles_cases"]
    list_filter = ["category", "handles_cases"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "division", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["division", "parent"]
    filter_horizontal = ["jurisdiction"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["unit", "division"]
    filter_horizontal = ["grids"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_staff", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("实名信息"), {"fields": ["display_name", "phone", "id_number"]}),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "division", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "unit", "division"]
    filter_horizontal = ["grids"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["unit", "user", "title", "starts_at", "ends_at", "substitute"]
    list_filter = ["unit"]
    raw_id_fields = ["unit", "user", "substitute"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "subject_type", "subject_id", "fields", "purpose", "path"]
    list_filter = ["subject_type"]
    search_fields = ["subject_id", "user__username"]

    # The log is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
