from django.contrib import admin

from jiceng.command.models import CommandEvent, IndexWeight


@admin.register(IndexWeight)
class IndexWeightAdmin(admin.ModelAdmin):
    list_display = ["component", "weight", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # weights are set through the evaluation page (audited)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CommandEvent)
class CommandEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "verb"]
    readonly_fields = ["at", "actor", "verb", "data"]

    def has_add_permission(self, request: object) -> bool:
        return False
