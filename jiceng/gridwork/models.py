"""Grid work: patrol checklists, plans and patrols with their points, building checks and findings.

Every row a phone sends carries the ``client_id`` the phone gave it (a UUID made in the browser), unique
in its table: the phone keeps what it entered while offline and sends it again until the server has it,
and a second copy of the same entry finds the first instead of making another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.places.models import Building, BuildingKind, Grid


class ChecklistCategory(models.Model):
    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Building kinds the category applies to; empty = all kinds.
    kinds = models.JSONField(_("适用楼栋类型"), default=list, blank=True)

    class Meta:
        verbose_name = _("巡查类别")
        verbose_name_plural = _("巡查类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One thing to look at on a patrol, and the catalogue event type a finding on it becomes."""

    code = models.CharField(_("代码"), max_length=16, unique=True)
    category = models.ForeignKey(
        ChecklistCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("检查内容"), max_length=100)
    event_type_code = models.CharField(_("事件类型代码"), max_length=16)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("巡查检查项")
        verbose_name_plural = _("巡查检查项")
        ordering = ["category__order", "order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PatrolPlan(models.Model):
    """How often each kind of building must be visited: district defaults (no grid) and grid overrides."""

    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    building_kind = models.CharField(_("楼栋类型"), max_length=16, choices=BuildingKind.choices)
    every_days = models.PositiveSmallIntegerField(_("巡查周期（天）"))

    class Meta:
        verbose_name = _("巡查计划")
        verbose_name_plural = _("巡查计划")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "building_kind"],
                name="patrolplan_grid_kind",
                condition=models.Q(grid__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["building_kind"],
                name="patrolplan_default_kind",
                condition=models.Q(grid__isnull=True),
            ),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="patrolplan_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grid or '—'} {self.building_kind} {self.every_days}"


class Patrol(models.Model):
    client_id = models.CharField(max_length=64, unique=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("网格员"), on_delete=models.PROTECT, related_name="patrols"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始时间"))
    stopped_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["worker", "started_at"]), models.Index(fields=["grid", "started_at"])]

    def __str__(self) -> str:
        return f"{self.worker} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    """A GPS point of a patrol's track; ``manual`` when the browser's location was refused."""

    client_id = models.CharField(max_length=64, unique=True)
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField()
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)
    manual = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("巡查轨迹点")
        verbose_name_plural = _("巡查轨迹点")
        ordering = ["patrol", "at"]

    def __str__(self) -> str:
        return f"{self.lat:.5f},{self.lng:.5f}"


class BuildingCheck(models.Model):
    """A building checked on a patrol: the items looked at and what was found (``ok`` / ``issue``)."""

    client_id = models.CharField(max_length=64, unique=True)
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checks")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", db_index=False)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    day = models.DateField()  # the local day, what coverage counts
    items = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("楼栋检查")
        verbose_name_plural = _("楼栋检查")
        ordering = ["-at"]
        indexes = [
            # Coverage reads a period's checks by day and groups them by building.
            models.Index(fields=["day", "building"], name="buildingcheck_day"),
            models.Index(fields=["building", "day"], name="buildingcheck_building"),
        ]

    def __str__(self) -> str:
        return f"{self.building_id} {self.day}"


class Finding(models.Model):
    """A problem found on a patrol, reported as a case in the same step."""

    client_id = models.CharField(max_length=64, unique=True)
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="findings")
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.description[:40]


class GridworkEvent(models.Model):
    """Audit trail of gridwork actions: who did what to which object."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=32)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("网格工作记录")
        verbose_name_plural = _("网格工作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.subject_type}:{self.subject_id}"


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class CollectionDraft(models.Model):
    """One door-to-door collection form, saved field by field as it is filled in (so a refused submit
    or a dropped connection loses nothing); on submit its changed fields become source records."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("采集人"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("采集类别"), max_length=16)
    room = models.ForeignKey(
        "places.Room", verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("填写内容"), default=dict, blank=True)  # as typed, valid or not
    clean = models.JSONField(default=dict, blank=True)  # the validated values, once submitted
    errors = models.JSONField(default=dict, blank=True)  # field → message of the last refused submit
    status = models.CharField(
        _("状态"), max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT
    )
    subject_key = models.CharField(
        max_length=64, blank=True
    )  # id number / credit code / name, once submitted
    records = models.PositiveIntegerField(_("生成来源记录数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("入户采集")
        verbose_name_plural = _("入户采集")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["room", "category", "subject_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.room_id} {self.status}"


# -- inspections ------------------------------------------------------------------------------------


class Venue(models.Model):
    """A small venue (三小场所) on the register: where it is, who runs it, and its QR plate's token."""

    name = models.CharField(_("场所名称"), max_length=100)
    kind = models.CharField(_("场所类别"), max_length=24)
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(
        "places.Room",
        verbose_name=_("房屋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entity = models.ForeignKey(
        "registry.LegalEntity",
        verbose_name=_("法人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grid_code = models.CharField(max_length=14, db_index=True)  # for scope filters without joins
    owner_name = models.CharField(_("负责人"), max_length=50)
    owner_phone = models.CharField(_("负责人电话"), max_length=20, blank=True)
    qr_token = models.CharField(max_length=32, unique=True)
    is_active = models.BooleanField(_("在营"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("三小场所")
        verbose_name_plural = _("三小场所")
        ordering = ["grid_code", "name"]

    def __str__(self) -> str:
        return self.name


class InspectionKind(models.TextChoices):
    VENUE = "venue", _("三小场所检查")
    RENTAL = "rental", _("出租屋检查")
    HOTEL = "hotel", _("旅馆检查")


class InspectionStatus(models.TextChoices):
    PASSED = "passed", _("合格")
    HAZARDS = "hazards", _("限期整改")
    RECTIFIED = "rectified", _("整改完成")


class Inspection(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=InspectionKind.choices)
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey("places.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grid_code = models.CharField(max_length=14, db_index=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reinspections"
    )
    results = models.JSONField(_("检查结果"), default=dict, blank=True)  # item → ok | hazard
    # Rental / hotel checks: tenants checked against the registry, the three checks, four notices.
    tenants = models.JSONField(default=list, blank=True)
    checks = models.JSONField(default=dict, blank=True)
    notices = models.JSONField(default=dict, blank=True)
    signer_name = models.CharField(_("签名人"), max_length=50)
    signature = models.FileField(upload_to="gridwork/signatures/%Y/%m/")
    letter = models.FileField(upload_to="gridwork/letters/%Y/%m/", blank=True)  # 治安责任书 (signed)
    status = models.CharField(_("结论"), max_length=16, choices=InspectionStatus.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("场所检查")
        verbose_name_plural = _("场所检查")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    angle = models.CharField(max_length=16)
    file = models.FileField(upload_to="gridwork/inspections/%Y/%m/")
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.angle}"


class HazardStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已整改")
    ESCALATED = "escalated", _("逾期转事件")


class Hazard(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="hazards")
    item = models.CharField(_("检查项"), max_length=16)
    description = models.CharField(_("隐患描述"), max_length=300)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    rectified_in = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="rectified_hazards"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        indexes = [models.Index(fields=["status", "deadline"], name="hazard_due")]

    def __str__(self) -> str:
        return self.description


# -- key persons (包挂) ------------------------------------------------------------------------------


class KeyPerson(models.Model):
    """A person under care or watch, with one named community cadre and one named police officer."""

    kind = models.CharField(_("类别"), max_length=24)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    room = models.ForeignKey("places.Room", on_delete=models.PROTECT, related_name="+")
    grid_code = models.CharField(max_length=14, db_index=True)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("包联社区干部"), on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("挂点民警"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源部门"), max_length=64, blank=True)
    since = models.DateField(_("纳入日期"))
    next_visit_due = models.DateField(_("下次走访期限"))
    alerted_for = models.DateField(null=True, blank=True)  # the due date already alerted as overdue
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")
        ordering = ["next_visit_due", "pk"]
        indexes = [
            models.Index(fields=["cadre", "is_active"]),
            models.Index(fields=["officer", "is_active"]),
            models.Index(fields=["is_active", "next_visit_due"], name="keyperson_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "id_number"], name="keyperson_kind_id", condition=models.Q(is_active=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class VisitMode(models.TextChoices):
    HOME = "home", _("入户走访")
    PHONE = "phone", _("电话联系")
    VIDEO = "video", _("视频联系")


class KeyPersonVisit(models.Model):
    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    mode = models.CharField(_("方式"), max_length=8, choices=VisitMode.choices)
    situation = models.TextField(_("情况"))
    risk = models.CharField(
        _("风险"), max_length=8, choices=[("low", _("低")), ("medium", _("中")), ("high", _("高"))]
    )

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.key_person_id} {self.at:%Y-%m-%d}"
