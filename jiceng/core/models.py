"""Models of core: the working-day calendar (工作日历) that every time limit is counted on.

The official calendar (法定节假日与调休) is published by the State Council once a year, usually in
October–December for the next year. It is seeded from the ``chinesecalendar`` package and corrected
or extended by administrators; deadlines refuse to count through a year that is not marked complete.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    SEEDED = "seeded", _("软件包导入")
    MANUAL = "manual", _("人工录入")


class CalendarYear(models.Model):
    """One year of the calendar; only complete years are used to count deadlines."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(
        _("已完整"),
        default=False,
        help_text=_("该年的法定节假日与调休已全部录入；未完整的年份不参与期限计算。"),
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, help_text=_("如国务院办公厅通知的文号。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """An exception to "Monday–Friday work, weekend rest": a holiday, or a make-up working day (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选表示调休上班；不勾选表示放假。"))
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("如：国庆节、春节调休。"))
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name or ('上班' if self.is_workday else '放假')}"


class CalendarState(models.Model):
    """A single row whose token changes with every calendar change, so each process can tell cheaply
    (one primary-key read) whether its compiled calendar is stale. A random token, not a counter:
    a rolled-back change must never leave two different calendars under the same version."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日历版本")
        verbose_name_plural = _("日历版本")

    def __str__(self) -> str:
        return self.version


class CalendarAction(models.TextChoices):
    DAY_SET = "day_set", _("设置日期")
    DAY_DELETED = "day_deleted", _("删除日期")
    YEAR_SET = "year_set", _("设置年份")
    YEAR_DELETED = "year_deleted", _("删除年份")
    SEEDED = "seeded", _("软件包导入")


class CalendarChange(models.Model):
    """The audit trail of the calendar: every change, who made it, and the values before and after.

    The actor is kept by name and id rather than a foreign key so that the trail outlives accounts.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_id = models.PositiveBigIntegerField(_("操作人ID"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=CalendarAction.choices)
    year = models.PositiveSmallIntegerField(_("年份"), db_index=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("日历变更记录")
        verbose_name_plural = _("日历变更记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.date or self.year}"


def _calendar_changed(sender: type[models.Model], **kwargs: object) -> None:
    # Saves that bypass the actions (the shell, a fixture) still move the version, so no process
    # keeps counting deadlines on a calendar that was corrected.
    from jiceng.core.calendar import bump_version

    bump_version()


for _model in (CalendarDay, CalendarYear):
    models.signals.post_save.connect(
        _calendar_changed, sender=_model, dispatch_uid=f"calendar-save-{_model.__name__}"
    )
    models.signals.post_delete.connect(
        _calendar_changed, sender=_model, dispatch_uid=f"calendar-delete-{_model.__name__}"
    )


class WorkerBeat(models.Model):
    """The last sign of life of each background loop (``sla run``, ``notify run``…), for ``/readyz``."""

    name = models.CharField(_("进程"), max_length=64, unique=True)
    host = models.CharField(_("主机"), max_length=128, blank=True)
    pid = models.PositiveIntegerField(_("进程号"), default=0)
    beat_at = models.DateTimeField(_("最近心跳"))
    state = models.CharField(_("状态"), max_length=16, default="running")  # running | stopped
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("后台进程心跳")
        verbose_name_plural = _("后台进程心跳")

    def __str__(self) -> str:
        return f"{self.name} {self.state} {self.beat_at:%Y-%m-%d %H:%M:%S}"
