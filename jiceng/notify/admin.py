from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jiceng.notify.models import Delivery, InboxMessage, Preference


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every message to every address: who, channel, when, result (read-only: the sender writes it)."""

    list_display = ["updated_at", "notification", "channel", "address", "user", "state", "attempts", "error"]
    list_filter = ["state", "channel"]
    search_fields = ["address"]
    raw_id_fields = ["notification", "user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "text", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "notification"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms", "email", "wechat", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]
