"""The working-day calendar in the Chinese admin.

Every save and delete goes through the calendar actions, so each change writes a ``CalendarChange``
row (before/after values, who) besides Django's own admin ``LogEntry``; the change trail itself is
read-only. To add a year the package does not have yet: add the year (not complete), enter its
holidays and make-up working days, then tick "已完整".
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiceng.core import calendar
from jiceng.core.exceptions import JicengError
from jiceng.core.models import CalendarChange, CalendarDay, CalendarYear
from jiceng.lib.workdays import CalendarMissing


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}年") for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


class CalendarDayForm(ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "weekday", "is_workday", "name", "source"]
    list_filter = [YearFilter, "is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change and "date" in form.changed_data:
            # Moving an exception to another date: the old date returns to the normal rule.
            calendar.check_delete_day(request.user, form.initial["date"], note=str(_("管理后台修改日期")))
        saved = calendar.check_set_day(
            request.user, obj.date, obj.is_workday, obj.name, note=str(_("管理后台"))
        )
        obj.pk = saved.pk
        obj.source = saved.source

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar.check_delete_day(request.user, obj.date, note=str(_("管理后台")))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in list(queryset):
            calendar.check_delete_day(request.user, day.date, note=str(_("管理后台批量删除")))


class CalendarYearForm(ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, complete = data.get("year"), data.get("complete")
        # Django's week_day runs from 1 (Sunday) to 7 (Saturday): 2–6 are Monday to Friday.
        weekday_holidays = CalendarDay.objects.filter(
            date__year=year, is_workday=False, date__week_day__in=[2, 3, 4, 5, 6]
        )
        if year and complete and not weekday_holidays.exists():
            raise ValidationError(_("该年还没有录入任何工作日放假的法定节假日，不能标记为完整。"))
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "complete", "source", "holidays", "make_up_days", "note", "updated_at"]
    list_filter = ["complete", "source"]
    actions = ["seed_selected", "mark_complete", "mark_incomplete"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["year", "source"] if obj is not None else ["source"]

    @admin.display(description=_("放假天数"))
    def holidays(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, is_workday=False).count()

    @admin.display(description=_("调休上班天数"))
    def make_up_days(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, is_workday=True).count()

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = calendar.check_set_year(request.user, obj.year, obj.complete, obj.note)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        calendar.check_delete_year(request.user, obj.year)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for row in list(queryset):
            calendar.check_delete_year(request.user, row.year)

    @admin.action(description=_("从 chinesecalendar 软件包重新导入所选年份（覆盖人工修改）"))
    def seed_selected(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        try:
            written = calendar.check_seed_from_package(request.user, [row.year for row in queryset])
        except CalendarMissing as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("已导入 %(n)s 个年份。") % {"n": len(written)}, messages.SUCCESS)

    @admin.action(description=_("标记为完整（参与期限计算）"))
    def mark_complete(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._set_complete(request, queryset, True)

    @admin.action(description=_("标记为未完整（停止用于期限计算）"))
    def mark_incomplete(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._set_complete(request, queryset, False)

    def _set_complete(self, request: HttpRequest, queryset: QuerySet[CalendarYear], complete: bool) -> None:
        for row in list(queryset):
            try:
                calendar.check_set_year(request.user, row.year, complete, row.note)
            except JicengError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "year", "date", "before", "after", "note"]
    list_filter = ["action", "year"]
    search_fields = ["actor", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
