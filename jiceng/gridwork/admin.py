"""The checklist and plans are edited here (and imported with `jiceng import patrol-checklist FILE`)."""

from django.contrib import admin

from jiceng.gridwork.models import ChecklistCategory, ChecklistItem, PatrolPlan


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(ChecklistCategory)
class ChecklistCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    inlines = [ItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "event_type_code", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name", "event_type_code"]


@admin.register(PatrolPlan)
class PatrolPlanAdmin(admin.ModelAdmin):
    list_display = ["grid", "building_kind", "every_days"]
