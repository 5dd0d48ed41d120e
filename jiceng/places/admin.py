from django.contrib import admin

from jiceng.places.models import Building, CodeHistory, Division, Grid, Room


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]
    readonly_fields = ["min_lng", "min_lat", "max_lng", "max_lat", "center_lng", "center_lat"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["code", "address", "kind", "floors", "grid"]
    list_filter = ["kind"]
    search_fields = ["code", "address"]
    raw_id_fields = ["grid"]
    readonly_fields = ["address_key"]
    show_full_result_count = False


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["code", "room_no", "floor", "area_m2", "use", "building"]
    list_filter = ["use"]
    search_fields = ["code"]
    raw_id_fields = ["building"]
    show_full_result_count = False


@admin.register(CodeHistory)
class CodeHistoryAdmin(admin.ModelAdmin):
    list_display = ["kind", "old_code", "new_code", "reason", "changed_at"]
    search_fields = ["old_code", "new_code"]
