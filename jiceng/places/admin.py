from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from jiceng.core.exceptions import JicengError
from jiceng.places.actions import check_change_code
from jiceng.places.models import Building, CodeHistory, Division, Grid, Room


class CodeHistoryMixin:
    """Saving a new code through the admin renumbers the object (and everything under it) with a
    CodeHistory row for each change, so old printed codes still resolve."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        new_code = obj.code
        old_code = (
            type(obj).objects.filter(pk=obj.pk).values_list("code", flat=True).first() if change else None
        )
        if old_code is not None and old_code != new_code:
            obj.code = old_code
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            try:
                count = check_change_code(obj, new_code, reason=f"后台修改（{request.user}）")
            except JicengError as exc:
                messages.error(request, exc.message)
                return
            messages.info(request, f"编码已由 {old_code} 改为 {new_code}，共记录 {count} 条编码变更。")
            return
        super().save_model(request, obj, form, change)  # type: ignore[misc]


@admin.register(Division)
class DivisionAdmin(CodeHistoryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Grid)
class GridAdmin(CodeHistoryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "community"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]
    readonly_fields = ["min_lng", "min_lat", "max_lng", "max_lat", "center_lng", "center_lat", "updated_at"]


@admin.register(Building)
class BuildingAdmin(CodeHistoryMixin, admin.ModelAdmin):
    list_display = ["code", "address", "kind", "floors", "grid"]
    list_filter = ["kind"]
    search_fields = ["code", "address"]
    raw_id_fields = ["grid"]
    readonly_fields = ["address_key"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from jiceng.places.addresses import normalise

        obj.address_key = normalise(obj.address)[:200]
        super().save_model(request, obj, form, change)


@admin.register(Room)
class RoomAdmin(CodeHistoryMixin, admin.ModelAdmin):
    list_display = ["code", "room_no", "floor", "area_m2", "use", "building"]
    list_filter = ["use"]
    search_fields = ["code"]
    raw_id_fields = ["building"]
    show_full_result_count = False


@admin.register(CodeHistory)
class CodeHistoryAdmin(admin.ModelAdmin):
    list_display = ["kind", "old_code", "new_code", "reason", "changed_at"]
    search_fields = ["old_code", "new_code"]
