from django.contrib import admin

from jiceng.community import models as m
from jiceng.lib.identity import mask_name


@admin.display(description="居民")
def masked_resident(obj):  # type: ignore[no-untyped-def]
    """Residents' names are masked in the admin's lists (administrators see personal data masked)."""
    user = getattr(obj, "user", None) or getattr(obj, "resident", None)
    return mask_name(str(user)) if user is not None else ""


@admin.display(description="居民姓名")
def masked_resident_name(obj):  # type: ignore[no-untyped-def]
    return mask_name(obj.resident_name)


def masked_person(obj):  # type: ignore[no-untyped-def]
    person = getattr(obj, "person", None)
    return f"#{person.pk} {mask_name(person.name)}" if person is not None else ""


@admin.register(m.ResidentProfile)
class ResidentProfileAdmin(admin.ModelAdmin):
    """The account and the registry person show masked (the raw-id widgets would print their names);
    the full values are on the user's own admin page behind its logged "show in full" link, and the
    person is linked on the community staff's confirmation page."""

    list_display = [masked_resident, "community", "status", "is_volunteer", "is_elderly", "created_at"]
    list_filter = ["status", "community"]
    search_fields = ["user__display_name", "user__phone"]
    exclude = ["user", "person"]
    readonly_fields = ["shown_resident", "shown_person"]
    raw_id_fields = ["room", "confirmed_by"]

    @admin.display(description="居民")
    def shown_resident(self, obj):  # type: ignore[no-untyped-def]
        return masked_resident(obj)

    @admin.display(description="登记人口")
    def shown_person(self, obj):  # type: ignore[no-untyped-def]
        return masked_person(obj)


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
    list_display = ["at", "staff_name", masked_resident_name, "action", "detail"]


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "on_behalf_of", "verb", "subject_type", "subject_id", "detail"]
    list_filter = ["verb"]
