from django.contrib import admin

from jiceng.community import models as m


@admin.register(m.ResidentProfile)
class ResidentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "status", "is_volunteer", "is_elderly", "created_at"]
    list_filter = ["status", "community"]
    search_fields = ["user__display_name", "user__phone"]
    raw_id_fields = ["user", "room", "person", "confirmed_by"]


@admin.register(m.ServiceResource)
class ServiceResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "goal", "community", "provider", "phone"]
    list_filter = ["goal"]


@admin.register(m.ServiceGuide)
class ServiceGuideAdmin(admin.ModelAdmin):
    list_display = ["title", "goal", "community", "office", "fees"]


@admin.register(m.Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "capacity", "is_open"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger and audit rows are append-only: the admin shows them, never changes them."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(m.Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "memo", "idempotency_key", "created_by"]
    list_filter = ["kind"]


@admin.register(m.AssistedAct)
class AssistedActAdmin(ReadOnlyAdmin):
    list_display = ["at", "staff_name", "resident_name", "action", "detail"]


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "on_behalf_of", "verb", "subject_type", "subject_id", "detail"]
    list_filter = ["verb"]
