"""Cases (事件工单): the event catalogue, the case, its trail of events, photos and the outbox.

A case's state lives in two places on purpose: the ``CaseEvent`` trail is the truth (timelines, SLA
deadlines and evaluation figures are all computed from it), and a few columns on ``Case`` cache what
lists and the SLA sweep need to find cases through an index (status, lead unit, due_at,
next_check_at…). Every action rewrites the cache in the same transaction as the event it adds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.org.models import Unit
from jiceng.places.models import Grid, Level


class LimitUnit(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    WORKHOUR = "workhour", _("工作小时")
    MINUTE = "minute", _("分钟（自然时间）")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较大")
    MAJOR = "major", _("重大")
    EMERGENCY = "emergency", _("紧急")


class Category(models.Model):
    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事件大类")
        verbose_name_plural = _("事件大类")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class EventType(models.Model):
    """One item of the event catalogue (事项目录): who handles it, how fast, and when it is done.

    Unit kinds are referenced by their stable code (``jiceng.org.models.UnitKind.code``) so the
    catalogue is plain data that loads before or after the organisation's own seeds.
    """

    code = models.CharField(_("事项代码"), max_length=16, unique=True)
    name = models.CharField(_("事项名称"), max_length=64)
    category = models.ForeignKey(
        Category, verbose_name=_("大类"), on_delete=models.PROTECT, related_name="types"
    )
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以空格分隔"))
    lead_kind = models.CharField(_("主责单位类型"), max_length=32)
    level = models.CharField(_("处置层级"), max_length=16, choices=Level.choices, default=Level.STREET)
    first_responder_kind = models.CharField(_("首问负责单位类型"), max_length=32, blank=True)
    co_kinds = models.JSONField(_("协办单位类型"), default=list, blank=True)
    closing_conditions = models.JSONField(_("办结条件"), default=list, blank=True)
    dispatch_limit = models.FloatField(_("分拨时限"), default=2)
    dispatch_unit = models.CharField(
        _("分拨时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKHOUR
    )
    accept_limit = models.FloatField(_("签收时限"), default=2)
    accept_unit = models.CharField(
        _("签收时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKHOUR
    )
    handle_limit = models.FloatField(_("办理时限"), default=5)
    handle_unit = models.CharField(
        _("办理时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKDAY
    )
    resident_limit = models.FloatField(
        _("对群众承诺时限"), default=7, help_text=_("自登记起计算，单位同办理时限单位")
    )
    severity = models.CharField(
        _("严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL
    )
    is_public = models.BooleanField(_("对公众开放"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件类型")
        verbose_name_plural = _("事件类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.split() if k]


class CatalogueChange(models.Model):
    """Every change to the catalogue, from the admin or an import: who, when, what."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    object_type = models.CharField(_("对象"), max_length=16)  # "category" | "type"
    object_code = models.CharField(_("代码"), max_length=16, db_index=True)
    action = models.CharField(_("操作"), max_length=16)  # "create" | "update" | "delete"
    changes = models.JSONField(_("变更内容"), default=dict)
    source = models.CharField(_("来源"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("目录变更记录")
        verbose_name_plural = _("目录变更记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_code} {self.action}"


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    PENDING_DISPATCH = "pending_dispatch", _("待分拨")
    DISPATCHED = "dispatched", _("已分拨")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("已挂起")
    COMPLETED = "completed", _("已办结")
    VERIFIED = "verified", _("已核查")
    AWAITING_RATING = "awaiting_rating", _("待评价")
    CLOSED = "closed", _("已结案")
    MERGED = "merged", _("已合并")
    INVALID = "invalid", _("已作废")


OPEN_STATUSES = frozenset(
    {
        Status.REGISTERED,
        Status.PENDING_DISPATCH,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.COMPLETED,
        Status.VERIFIED,
        Status.AWAITING_RATING,
    }
)
FINAL_STATUSES = frozenset({Status.CLOSED, Status.MERGED, Status.INVALID})


class Channel(models.TextChoices):
    PORTAL = "portal", _("居民端")
    HOTLINE = "hotline", _("热线")
    PATROL = "patrol", _("网格巡查")
    SENSOR = "sensor", _("物联感知")
    MEDIATION = "mediation", _("矛盾调解")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("一般")
    HIGH = 1, _("优先")
    URGENT = 2, _("紧急")
    TOP = 3, _("特急")


class Case(models.Model):
    """One resident request or found event, from registration to closing."""

    # The human case number is the local registration date plus the surrogate id
    # (``Case.number``): unique without a counter row every intake would have to lock.
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    event_type = models.ForeignKey(
        EventType,
        verbose_name=_("事件类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_type (event_type, registered_at) serves lookups by type
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    priority = models.SmallIntegerField(_("优先级"), choices=Priority.choices, default=Priority.NORMAL)
    sensitive = models.BooleanField(_("敏感诉求"), default=False)
    is_public = models.BooleanField(_("公开"), default=True)

    # Where: the grid, and its codes copied for scope filters and rollups without joins.
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # cases are found by grid_code (case_grid), never by the grid's id
    )
    grid_code = models.CharField(_("网格编码"), max_length=14)
    community_code = models.CharField(max_length=12)
    street_code = models.CharField(max_length=9)
    # Indexed for the one-key lookup: open cases in a room or (by code range) a building.
    location_code = models.CharField(_("房屋/楼栋编码"), max_length=25, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    # Who reported it.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        db_index=False,  # case_reporter (reporter, registered_at) serves it
    )
    reporter_name = models.CharField(_("联系人"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # unique: case_idempotency

    # Who has it: the handling level, the lowest level it may ever go back to (one-way escalation),
    # the desk that dispatches it and the unit that leads it.
    level = models.CharField(_("处置层级"), max_length=16, choices=Level.choices, default=Level.COMMUNITY)
    floor_level = models.CharField(
        _("最低层级"), max_length=16, choices=Level.choices, default=Level.COMMUNITY
    )
    desk_unit = models.ForeignKey(
        Unit,
        verbose_name=_("分拨台"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_desk (status, level, desk_unit) serves the desk queues
    )
    # Every index is written on every case update: the composite indexes that start with a foreign
    # key stand in for that key's own index.
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_lead (lead_unit, status)
    )
    # The named person of the lead unit accountable for the case (分拨到人); cleared whenever the lead
    # unit changes, since only a member of the lead unit may hold it (``cases.assignment``).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,  # case_assignee (assignee, status) serves the person's inbox
    )
    assigned_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    first_responder = models.BooleanField(_("首问负责"), default=False)
    escalated = models.BooleanField(_("已升级"), default=False)
    supervised = models.BooleanField(_("督办"), default=False)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rated_round = models.SmallIntegerField(null=True, blank=True)  # reopen_count when last rated
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_merged: a partial index over the few merged cases
    )
    resume_status = models.CharField(max_length=20, blank=True)  # where a suspended case resumes

    # When. The deadlines are a cache of sla.compute(trail); next_check_at drives the sweep.
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    resident_due_at = models.DateTimeField(_("承诺时限"), null=True, blank=True)
    supervision_due_at = models.DateTimeField(_("督办时限"), null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    warned = models.BooleanField(_("已预警"), default=False)
    overdue = models.BooleanField(_("已超期"), default=False)
    resident_overdue = models.BooleanField(_("超承诺时限"), default=False)
    sla_note = models.CharField(max_length=200, blank=True)

    # Compare-and-set counter: every action and every sweep claim bumps it.
    version = models.PositiveIntegerField(default=0)
    trail_head = models.CharField(max_length=64, blank=True)  # hash of the last event
    trail_length = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事件工单")
        verbose_name_plural = _("事件工单")
        ordering = ["-registered_at", "-id"]
        indexes = [
            # The sweep's only query: due work in time order, paged by (next_check_at, id). With the id
            # in the key, a close-of-business backlog (every case due at one moment) is read a batch
            # at a time in index order instead of being sorted in full for every batch.
            models.Index(fields=["next_check_at", "id"], name="case_next_check_id"),
            models.Index(fields=["status", "level", "desk_unit"], name="case_desk"),
            models.Index(fields=["lead_unit", "status"], name="case_lead"),
            # Partial: only assigned cases cost this index anything.
            models.Index(
                fields=["assignee", "status"],
                name="case_assignee",
                condition=models.Q(assignee__isnull=False),
            ),
            models.Index(fields=["registered_at"], name="case_registered"),
            models.Index(fields=["street_code", "status"], name="case_street"),
            models.Index(fields=["reporter", "registered_at"], name="case_reporter"),
            models.Index(fields=["event_type", "registered_at"], name="case_type"),
            # Codes are searched by range (a prefix is a range), so plain indexes without the
            # pattern-ops twins Django adds for ``db_index`` on a CharField.
            models.Index(fields=["grid_code"], name="case_grid"),
            models.Index(fields=["location_code"], name="case_location"),
            # Partial: most cases are never merged and most have no idempotency key, so their rows
            # cost these indexes nothing on insert or update.
            models.Index(
                fields=["merged_into"], name="case_merged", condition=models.Q(merged_into__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                name="case_idempotency",
                condition=models.Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        local = timezone.localtime(self.registered_at)
        return f"{local:%Y%m%d}{self.pk:07d}"

    @staticmethod
    def id_from_number(number: str) -> int | None:
        text = (number or "").strip()
        if len(text) < 15 or not text.isdigit():
            return None
        return int(text[8:])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseSupporter(models.Model):
    """我也遇到: a resident who reported the same problem by joining an open case instead of filing a
    duplicate. They follow it (told of each step the reporter is told of) and are counted as its
    supporters; the joining itself is a "support" event on the case's trail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("我也遇到")
        verbose_name_plural = _("我也遇到")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_supporter_once")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class CaseUnitRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class CaseUnit(models.Model):
    """A unit on a case: the lead, and any co-handling units it pulled in."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(max_length=8, choices=CaseUnitRole.choices)
    is_active = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        indexes = [models.Index(fields=["unit", "is_active"], name="caseunit_unit")]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="caseunit_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.unit_id} {self.role}"


class CaseEvent(models.Model):
    """One step of a case's trail. Lean on purpose: rollups read tens of millions of these rows.

    ``prev_hash`` is the previous event's ``hash`` for the same case and ``hash`` covers this row's
    content plus ``prev_hash``, so changing or deleting any row breaks the chain (``jiceng cases
    verify``).
    """

    # Both keys are the first column of a composite index (caseevent_case_seq, caseevent_unit_action),
    # which serves their lookups; an index of their own would only slow every event insert.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    # True: ``hash`` is an HMAC keyed by JICENG_TRAIL_KEY (every event written since the upgrade).
    # False: a plain SHA-256 of the first trail version, accepted only for events up to the sealed
    # upgrade point (``TrailSeal``); the database default covers the SLA sweep's raw inserts.
    keyed = models.BooleanField(default=True, db_default=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["case_id", "seq"]
        indexes = [models.Index(fields=["unit", "action", "at"], name="caseevent_unit_action")]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_case_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event_seq = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")

    def __str__(self) -> str:
        return self.file.name


class NotificationState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("发送失败")


class Notification(models.Model):
    """The outbox: rows written in the action's transaction, sent later by a worker."""

    kind = models.CharField(max_length=32)  # sensitive, urge, supervise, sla_warning, calendar_missing…
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Delivery (``jiceng notify run``): a sender claims a due row by compare-and-set on ``state``
    # (pending → sending), so two senders never take one row; a sender that dies mid-row leaves it
    # ``sending`` with an old ``claimed_at``, and it is claimed again after the lease.
    state = models.CharField(
        _("投递状态"), max_length=12, choices=NotificationState.choices, default="pending"
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)  # failed passes so far
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        # The sender's only query: due rows of a state in time order.
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message}"


class TrailSeal(models.Model):
    """A value about the trail signed with the trail key, so a database writer cannot move it: the
    upgrade point (``legacy_max_event_id``) up to which unkeyed SHA-256 events stay valid."""

    name = models.CharField(max_length=64, unique=True)
    value = models.CharField(max_length=200)
    mac = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("记录链封印")
        verbose_name_plural = _("记录链封印")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class SavedFilter(models.Model):
    """A person's named set of case-list filters (the list's query string), shown as chips."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_filters"
    )
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(_("筛选条件"), max_length=500)
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name")]

    def __str__(self) -> str:
        return f"{self.user} {self.name}"
