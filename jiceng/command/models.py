"""Rollups the command centre reads, maintained from the case trail (``CaseEvent``).

Every table here can be dropped and rebuilt from the trail (``jiceng stats rollup --rebuild``); the
trail stays the truth. Figures are kept per local day *and* per calendar month (``period`` "d"/"m"),
so a query over any period reads at most two partial months of day rows plus whole-month rows: a
year at Bao'an scale is a few tens of thousands of rows, not millions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DAY = "d"
MONTH = "m"
PERIODS = [(DAY, _("日")), (MONTH, _("月"))]

AREA_COUNTS = (
    "received",
    "dispatched",
    "escalated",
    "completed",
    "completed_on_time",
    "closed",
    "overdue",
    "sensitive",
    "alarms",
    "rated",
    "satisfied",
    "rating_sum",
)
UNIT_COUNTS = (
    "received",
    "accepted",
    "accepted_on_time",
    "completed",
    "completed_on_time",
    "overdue",
    "returned",
    "reopened",
    "rated",
    "satisfied",
    "hours_count",
)


class AreaFigure(models.Model):
    """What happened to the cases of one community, category and day (or month)."""

    period = models.CharField(max_length=1, choices=PERIODS)
    start = models.DateField()
    community_code = models.CharField(max_length=12)
    category_id = models.IntegerField(default=0)  # 0: no type yet
    received = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    sensitive = models.IntegerField(default=0)
    alarms = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("区域日/月汇总")
        verbose_name_plural = _("区域日/月汇总")
        constraints = [
            # Also the index every panel reads: period, then a date range, then a code prefix.
            models.UniqueConstraint(
                fields=["period", "start", "community_code", "category_id"], name="areafigure_key"
            )
        ]
        # One community's figures over a period (community screens read this).
        indexes = [models.Index(fields=["community_code", "period", "start"], name="areafigure_community")]

    def __str__(self) -> str:
        return f"{self.period}{self.start} {self.community_code} #{self.category_id}"


class UnitFigure(models.Model):
    """One unit's evaluation figures (same rules as ``cases.evaluation``) per community, category and
    day (or month)."""

    period = models.CharField(max_length=1, choices=PERIODS)
    start = models.DateField()
    unit_id = models.IntegerField()
    community_code = models.CharField(max_length=12)
    category_id = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_on_time = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    hours_total = models.FloatField(default=0.0)
    hours_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("单位日/月汇总")
        verbose_name_plural = _("单位日/月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "community_code", "category_id", "unit_id"], name="unitfigure_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start} unit {self.unit_id} {self.community_code}"


# Code lengths of the coarser copies: district, street (``AreaTotal``) and community (``UnitTotal``).
AREA_TOTAL_LENGTHS = (6, 9)
UNIT_TOTAL_LENGTHS = (6, 9, 12)
LIVE_LENGTHS = (6, 9, 12, 14)


class AreaTotal(models.Model):
    """``AreaFigure`` summed over the communities of a district or street (``area_code``: 6 or 9 digits).

    Kept by the same incremental job and rebuild as the community rows; a district screen reads a few
    hundred of these instead of tens of thousands of community rows.
    """

    area_code = models.CharField(max_length=12)
    period = models.CharField(max_length=1, choices=PERIODS)
    start = models.DateField()
    category_id = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    sensitive = models.IntegerField(default=0)
    alarms = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("街道/区日/月汇总")
        verbose_name_plural = _("街道/区日/月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "period", "start", "category_id"], name="areatotal_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start} {self.area_code} #{self.category_id}"


class UnitTotal(models.Model):
    """``UnitFigure`` summed over every category, per district, street and community (``area_code``:
    6, 9 or 12 digits): what the rankings read when no category is chosen."""

    area_code = models.CharField(max_length=12)
    period = models.CharField(max_length=1, choices=PERIODS)
    start = models.DateField()
    unit_id = models.IntegerField()
    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_on_time = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    hours_total = models.FloatField(default=0.0)
    hours_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("单位分区汇总")
        verbose_name_plural = _("单位分区汇总")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "period", "start", "unit_id"], name="unittotal_key")
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start} unit {self.unit_id} {self.area_code}"


class TopicDay(models.Model):
    """New cases per community, event type and day: what the hot-topic panel groups."""

    start = models.DateField()
    community_code = models.CharField(max_length=12)
    type_id = models.IntegerField()
    received = models.IntegerField(default=0)
    sensitive = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("事项日汇总")
        verbose_name_plural = _("事项日汇总")
        constraints = [
            models.UniqueConstraint(fields=["start", "community_code", "type_id"], name="topicday_key")
        ]

    def __str__(self) -> str:
        return f"{self.start} {self.community_code} type {self.type_id}"


class LiveCase(models.Model):
    """A case that is open now: what the map colours by (open, overdue, alarms)."""

    case_id = models.BigIntegerField(primary_key=True)
    grid_code = models.CharField(max_length=14)
    category_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=16)
    sensitive = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)
    opened_at = models.DateTimeField()

    class Meta:
        verbose_name = _("在办工单")
        verbose_name_plural = _("在办工单")
        indexes = [models.Index(fields=["grid_code", "category_id"], name="livecase_grid")]

    def __str__(self) -> str:
        return f"case {self.case_id} @ {self.grid_code}"


LIVE_COUNTS = ("open", "overdue", "sensitive", "alarms", "escalated")


class LiveCount(models.Model):
    """Open cases now per area (district, street, community and grid code) and category: the
    ``LiveCase`` rows counted, kept with them so the map and the KPIs read a handful of rows."""

    code = models.CharField(max_length=14)
    category_id = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    sensitive = models.IntegerField(default=0)
    alarms = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("在办计数")
        verbose_name_plural = _("在办计数")
        constraints = [models.UniqueConstraint(fields=["code", "category_id"], name="livecount_key")]

    def __str__(self) -> str:
        return f"{self.code} #{self.category_id}: {self.open}"


class FeedItem(models.Model):
    """New and escalated cases of the last days, for the live feed and the hot-topic fallback."""

    NEW = "new"
    ESCALATED = "escalated"

    event_id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16)
    case_id = models.BigIntegerField()
    grid_code = models.CharField(max_length=14)
    category_id = models.IntegerField(default=0)
    type_id = models.IntegerField(default=0)
    title = models.CharField(max_length=200)
    channel = models.CharField(max_length=16)
    sensitive = models.BooleanField(default=False)
    priority = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = _("实时动态")
        verbose_name_plural = _("实时动态")
        indexes = [models.Index(fields=["grid_code", "event_id"], name="feeditem_grid")]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"


class WorkerPosition(models.Model):
    """A grid worker's last known position: the latest patrol report they filed with coordinates."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE)
    lat = models.FloatField()
    lng = models.FloatField()
    at = models.DateTimeField()
    grid_code = models.CharField(max_length=14, db_index=True)
    case_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("网格员位置")
        verbose_name_plural = _("网格员位置")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.lat:.5f},{self.lng:.5f}"


class CareBuilding(models.Model):
    """How many people of each care group live in a building (refreshed from the registry)."""

    building_code = models.CharField(max_length=19)
    tag = models.CharField(max_length=16)
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("关爱对象分布")
        verbose_name_plural = _("关爱对象分布")
        constraints = [models.UniqueConstraint(fields=["building_code", "tag"], name="carebuilding_key")]

    def __str__(self) -> str:
        return f"{self.building_code} {self.tag} {self.people}"


class CareArea(models.Model):
    """Care-group residents per district, street or community (``area_code``) and tag."""

    area_code = models.CharField(max_length=12)
    tag = models.CharField(max_length=16)
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("关爱对象分区合计")
        verbose_name_plural = _("关爱对象分区合计")
        constraints = [models.UniqueConstraint(fields=["area_code", "tag"], name="carearea_key")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.tag} {self.people}"


class CareBuildingTotal(models.Model):
    """Care-group residents of one building, all tags together: the buildings with the most first."""

    building_code = models.CharField(max_length=19, primary_key=True)
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("关爱对象楼栋合计")
        verbose_name_plural = _("关爱对象楼栋合计")
        indexes = [models.Index(fields=["-people", "building_code"], name="carebuildingtotal_top")]

    def __str__(self) -> str:
        return f"{self.building_code} {self.people}"


class RollupState(models.Model):
    """Where the rollups are: the last event id applied, and ids below it not seen yet (gaps)."""

    watermark = models.BigIntegerField(default=0)
    # [[event_id, first_seen_epoch_seconds], ...]: ids skipped by a transaction still open when the
    # batch was read; they are looked for again until they appear or expire (rolled back).
    gaps = models.JSONField(default=list, blank=True)
    events_applied = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    care_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"watermark {self.watermark}"


class IndexWeight(models.Model):
    """The weight of one component of the safety-building index (平安建设考评指数)."""

    component = models.CharField(_("指标"), max_length=32, unique=True)
    weight = models.FloatField(_("权重"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("考评指数权重")
        verbose_name_plural = _("考评指数权重")
        ordering = ["component"]

    def __str__(self) -> str:
        return f"{self.component}={self.weight}"


class CommandEvent(models.Model):
    """Audit trail of the command centre's own changes (index weights, rebuilds)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("指挥中心操作记录")
        verbose_name_plural = _("指挥中心操作记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb}"
