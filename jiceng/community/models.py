"""i社区码上办: the residents' portal and the community-staff pages that run it.

Residents (accounts, assisted acts), 码上办 requests and 找书记, resources and guides, venues and
bookings, activities and volunteer tasks, the time bank (a double-entry ledger), the 暖心柜 rewards,
notices, surveys and learning articles, and 民生微实事 micro-projects.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.places.models import Division, Grid, Room

USER = settings.AUTH_USER_MODEL


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of the append-only ledger."""


# --------------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------------


class ResidencyStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")


class ResidentProfile(models.Model):
    """A resident's portal account: the community they live in and whether staff confirmed it."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="resident_profile")
    community = models.ForeignKey(
        Division, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="resident_profiles"
    )
    room = models.ForeignKey(
        Room, verbose_name=_("居住房屋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The registry's real-population record (实有人口) staff linked the account to when confirming it.
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("实有人口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("居住核实"), max_length=16, choices=ResidencyStatus.choices, default=ResidencyStatus.PENDING
    )
    status_note = models.CharField(_("核实说明"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    is_volunteer = models.BooleanField(_("志愿者"), default=False)
    is_elderly = models.BooleanField(_("长者（可代办）"), default=False)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居民账号")
        verbose_name_plural = _("居民账号")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        # No name: the admin prints this in titles and breadcrumbs, where names must not show.
        return f"#{self.pk} · {self.community.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == ResidencyStatus.CONFIRMED


class SmsCode(models.Model):
    """A one-time verification code sent by SMS. Only its hash is kept."""

    phone = models.CharField(max_length=20, db_index=True)
    purpose = models.CharField(max_length=16, default="signup")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The address that asked for the code: requests are rate-limited per address as well as per phone.
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ip", "created_at"], name="smscode_ip_created")]

    def __str__(self) -> str:
        return f"{self.phone} {self.purpose}"


class AssistedAct(models.Model):
    """代办: one act a staff member did for a resident (often an elderly one), with both names."""

    staff = models.ForeignKey(USER, verbose_name=_("代办人"), on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(USER, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="+")
    staff_name = models.CharField(_("代办人姓名"), max_length=64)
    resident_name = models.CharField(_("居民姓名"), max_length=64)
    action = models.CharField(_("事项"), max_length=64)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("代办记录")
        verbose_name_plural = _("代办记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.staff_name} 代 {self.resident_name}：{self.action}"


# --------------------------------------------------------------------------------------------------
# 码上办: requests and 找书记
# --------------------------------------------------------------------------------------------------


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    IN_CASE = "in_case", _("办理中")
    DONE = "done", _("已办结")
    RATED = "rated", _("已评价")


class PortalRequest(models.Model):
    """A resident's request from the portal. It becomes a case; the case's timeline is shown here."""

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="portal_requests")
    resident = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="portal_requests")
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("诉求内容"))
    category = models.CharField(_("类别"), max_length=64, blank=True)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    to_secretary = models.BooleanField(_("找书记"), default=False)
    secretary = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    shift_id_ref = models.BigIntegerField(null=True, blank=True)
    uncovered = models.BooleanField(_("无人值班时提交"), default=False)
    idempotency_key = models.CharField(max_length=64, unique=True)
    case_id_ref = models.BigIntegerField(_("事件编号"), null=True, blank=True, db_index=True)
    case_code = models.CharField(_("事件编码"), max_length=40, blank=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("居民诉求")
        verbose_name_plural = _("居民诉求")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "created_at"])]

    def __str__(self) -> str:
        return self.text[:30]


class RequestPhoto(models.Model):
    request = models.ForeignKey(PortalRequest, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="community/requests/%Y/%m/")

    def __str__(self) -> str:
        return self.file.name


class RequestEvent(models.Model):
    """The portal's own steps of a request (submitted, routed to the secretary, rated)."""

    request = models.ForeignKey(PortalRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    # --------------------------------------------------------------------------------------------------
    # 找资源 and 找指南
    # --------------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.title


class Goal(models.TextChoices):
    """The seven livelihood goals (七有): 幼有所育、学有所教、劳有所得、病有所医、老有所养、住有所居、弱有所扶."""

    CHILDCARE = "childcare", _("幼有所育")
    EDUCATION = "education", _("学有所教")
    WORK = "work", _("劳有所得")
    HEALTH = "health", _("病有所医")
    ELDERLY = "elderly", _("老有所养")
    HOUSING = "housing", _("住有所居")
    VULNERABLE = "vulnerable", _("弱有所扶")


class ServiceResource(models.Model):
    community = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_resources",
        help_text=_("留空表示全区通用"),
    )
    goal = models.CharField(_("民生目标"), max_length=16, choices=Goal.choices)
    name = models.CharField(_("名称"), max_length=100)
    provider = models.CharField(_("提供方"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    hours = models.CharField(_("服务时间"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("服务资源")
        verbose_name_plural = _("服务资源")
        ordering = ["goal", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceGuide(models.Model):
    community = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.CASCADE, related_name="service_guides"
    )
    title = models.CharField(_("事项"), max_length=100)
    goal = models.CharField(_("民生目标"), max_length=16, choices=Goal.choices, blank=True)
    summary = models.CharField(_("简介"), max_length=300, blank=True)
    steps = models.TextField(_("办理步骤"), help_text=_("每行一步"))
    materials = models.TextField(_("所需材料"), blank=True, help_text=_("每行一项"))
    office = models.CharField(_("办理地点"), max_length=200, blank=True)
    hours = models.CharField(_("办理时间"), max_length=100, blank=True)
    fees = models.CharField(_("收费"), max_length=100, blank=True, default="免费")

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def step_list(self) -> list[str]:
        return [s.strip() for s in self.steps.splitlines() if s.strip()]

    def material_list(self) -> list[str]:
        return [s.strip() for s in self.materials.splitlines() if s.strip()]


# --------------------------------------------------------------------------------------------------
# 码上享: venues
# --------------------------------------------------------------------------------------------------


class Venue(models.Model):
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(_("场地名称"), max_length=100)
    place = models.CharField(_("位置"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("每时段名额"), default=1)
    description = models.TextField(_("说明"), blank=True)
    is_open = models.BooleanField(_("开放预约"), default=True)

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class VenueSlot(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("名额"))

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "starts_at"], name="venue_slot_unique_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {timezone.localtime(self.starts_at):%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已预约")
    WAITLISTED = "waitlisted", _("候补中")
    CHECKED_IN = "checked_in", _("已签到")
    CANCELLED = "cancelled", _("已取消")


HOLDS_SEAT = [BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN]
ACTIVE_BOOKING = [BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.WAITLISTED]


class Booking(models.Model):
    slot = models.ForeignKey(VenueSlot, on_delete=models.PROTECT, related_name="bookings")
    resident = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="venue_bookings")
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    # Seat numbers 1..capacity: a unique (slot, seat) among seat-holding bookings is the database's
    # own guarantee that two parallel requests can never take the same place.
    seat = models.PositiveIntegerField(null=True, blank=True)
    checkin_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    by_staff = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"], condition=Q(status__in=HOLDS_SEAT), name="booking_unique_seat"
            ),
            models.UniqueConstraint(
                fields=["slot", "resident"],
                condition=Q(status__in=ACTIVE_BOOKING),
                name="booking_one_per_resident",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=HOLDS_SEAT) | Q(seat__isnull=False), name="booking_seat_when_held"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot} · {self.resident}"


# --------------------------------------------------------------------------------------------------
# Activities and volunteer tasks
# --------------------------------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    ACTIVITY = "activity", _("社区活动")
    VOLUNTEER = "volunteer", _("志愿服务")
    URGENT = "urgent", _("应急任务")


class Activity(models.Model):
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(
        _("类型"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.ACTIVITY
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("内容"), blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveIntegerField(_("名额"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2, default=Decimal("0"))
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    is_cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("活动与志愿任务")
        verbose_name_plural = _("活动与志愿任务")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    SIGNED = "signed", _("已报名")
    DISPATCHED = "dispatched", _("已派遣")
    CHECKED_IN = "checked_in", _("已签到")
    CONFIRMED = "confirmed", _("已确认出勤")
    ABSENT = "absent", _("缺勤")
    CANCELLED = "cancelled", _("已取消")


class ActivitySignup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="activity_signups")
    status = models.CharField(max_length=16, choices=SignupStatus.choices, default=SignupStatus.SIGNED)
    checkin_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispatched_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "resident"], name="signup_one_per_resident")
        ]

    # --------------------------------------------------------------------------------------------------
    # Time bank: a double-entry ledger in hours and points
    # --------------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.activity_id}·{self.resident_id}·{self.status}"


class Measure(models.TextChoices):
    HOURS = "hours", _("服务时长")
    POINTS = "points", _("积分")


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("居民账户")
    ISSUANCE = "issuance", _("社区发放账户")
    REDEMPTION = "redemption", _("兑换回收账户")


class LedgerAccount(models.Model):
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="ledger_accounts")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    # None: the setting JICENG_TIMEBANK_MIN_BALANCE applies (resident accounts only; the community's
    # issuance account is the counter-side of every credit and runs negative by design).
    min_balance = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("时间银行账户")
        verbose_name_plural = _("时间银行账户")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind"], condition=~Q(kind="resident"), name="ledger_one_system_account"
            ),
            models.UniqueConstraint(
                fields=["community", "owner"],
                condition=Q(kind="resident"),
                name="ledger_one_resident_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} · {self.get_kind_display()} · {self.owner or ''}"


class PostingKind(models.TextChoices):
    SERVICE = "service", _("服务时长入账")
    REDEEM = "redeem", _("积分兑换")
    REVERSAL = "reversal", _("冲正")
    ADJUST = "adjust", _("调整")


class Posting(models.Model):
    """One balanced movement. Rows are never edited or deleted: a correction is a reversal posting."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=PostingKind.choices)
    memo = models.CharField(max_length=200)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.memo}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("postings are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("postings are append-only")


class Entry(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    measure = models.CharField(max_length=8, choices=Measure.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        indexes = [models.Index(fields=["account", "measure"])]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.measure}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("entries are append-only")


class Reward(models.Model):
    """An item of the 暖心柜 (rewards locker): goods or a service residents redeem with points."""

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="rewards")
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    points = models.DecimalField(_("所需积分"), max_digits=8, decimal_places=2)
    stock = models.IntegerField(_("库存"), default=0)
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("暖心柜物品")
        verbose_name_plural = _("暖心柜物品")
        ordering = ["points", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(points__gt=0), name="reward_points_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    ISSUED = "issued", _("待领取")
    USED = "used", _("已领取")
    CANCELLED = "cancelled", _("已撤销")


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    resident = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="redemptions")
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="redemption")
    code = models.CharField(_("领取码"), max_length=16, unique=True)
    status = models.CharField(
        max_length=16, choices=RedemptionStatus.choices, default=RedemptionStatus.ISSUED
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        ordering = ["-created_at"]

    # --------------------------------------------------------------------------------------------------
    # 码上知 and 码上学: notices, news, learning articles, surveys
    # --------------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.code


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("通知公告")
    NEWS = "news", _("社区新闻")
    ARTICLE = "article", _("学习文章")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.NOTICE)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    topic = models.CharField(_("专题"), max_length=64, blank=True, help_text=_("学习文章的专题清单"))
    communities = models.ManyToManyField(Division, verbose_name=_("面向社区"), related_name="notices")
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知与文章")
        verbose_name_plural = _("通知与文章")
        ordering = ["-publish_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_scheduled(self) -> bool:
        return self.status == NoticeStatus.PUBLISHED and bool(
            self.publish_at and self.publish_at > timezone.now()
        )


class Survey(models.Model):
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    is_open = models.BooleanField(_("开放填写"), default=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def accepting(self) -> bool:
        return self.is_open and (self.closes_at is None or self.closes_at > timezone.now())


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    RATING = "rating", _("评分")
    TEXT = "text", _("文字")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    text = models.CharField(max_length=200)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=100)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    resident = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="survey_responses")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "resident"], name="survey_one_response")]

    def __str__(self) -> str:
        return f"{self.survey_id}·{self.resident_id}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    # --------------------------------------------------------------------------------------------------
    # 民生微实事: micro-projects
    # --------------------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.response_id}·{self.question_id}"


class ProjectType(models.TextChoices):
    SERVICE = "service", _("服务类")
    GOODS = "goods", _("货物类")
    ENGINEERING = "engineering", _("工程类")


class VoteMethod(models.TextChoices):
    APPROVAL = "approval", _("赞成投票（过半数赞成入选）")
    BUDGET = "budget", _("预算内按票数排序")


class RoundStatus(models.TextChoices):
    COLLECTING = "collecting", _("征集中")
    REVIEWING = "reviewing", _("社区审核")
    VOTING = "voting", _("议事会表决")
    DECIDED = "decided", _("已定项")


class ProjectRound(models.Model):
    """One year's (or batch's) micro-projects of a community, voted on together."""

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="project_rounds")
    title = models.CharField(_("批次"), max_length=100)
    status = models.CharField(max_length=16, choices=RoundStatus.choices, default=RoundStatus.COLLECTING)
    method = models.CharField(
        _("表决方式"), max_length=16, choices=VoteMethod.choices, default=VoteMethod.BUDGET
    )
    budget = models.DecimalField(_("总预算（元）"), max_digits=12, decimal_places=2)
    cap_service = models.DecimalField(
        _("服务类单项上限"), max_digits=12, decimal_places=2, default=Decimal("200000")
    )
    cap_goods = models.DecimalField(
        _("货物类单项上限"), max_digits=12, decimal_places=2, default=Decimal("200000")
    )
    cap_engineering = models.DecimalField(
        _("工程类单项上限"), max_digits=12, decimal_places=2, default=Decimal("1000000")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("微实事批次")
        verbose_name_plural = _("微实事批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def cap_for(self, kind: str) -> Decimal:
        return {
            ProjectType.SERVICE: self.cap_service,
            ProjectType.GOODS: self.cap_goods,
            ProjectType.ENGINEERING: self.cap_engineering,
        }[ProjectType(kind)]


class Phase(models.TextChoices):
    PROPOSED = "proposed", _("群众点菜")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核未通过")
    VOTING = "voting", _("议事会表决")
    NOT_SELECTED = "not_selected", _("未入选")
    IMPLEMENTING = "implementing", _("实施中")
    EVALUATING = "evaluating", _("评价中")
    DONE = "done", _("已完成")


class MicroProject(models.Model):
    round = models.ForeignKey(ProjectRound, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("项目内容"))
    proposer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.PROPOSED)
    kind = models.CharField(_("类型"), max_length=16, choices=ProjectType.choices, blank=True)
    cost = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    feasibility = models.TextField(_("可行性意见"), blank=True)
    votes = models.PositiveIntegerField(_("得票"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度 %"), default=0)
    observers: models.ManyToManyField = models.ManyToManyField(
        USER, blank=True, related_name="observed_projects"
    )
    survey = models.OneToOneField(Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("微实事项目")
        verbose_name_plural = _("微实事项目")
        ordering = ["-votes", "id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_max")]

    def __str__(self) -> str:
        return self.title


class PhaseEvent(models.Model):
    """Every phase change of a micro-project: residents see the whole history."""

    project = models.ForeignKey(MicroProject, on_delete=models.PROTECT, related_name="phase_events")
    from_phase = models.CharField(max_length=16, blank=True)
    to_phase = models.CharField(max_length=16)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_phase}→{self.to_phase}"

    @property
    def to_label(self) -> str:
        return str(Phase(self.to_phase).label)


class Ballot(models.Model):
    """One voter's ballot: cast online by a resident, or a paper ballot entered by staff."""

    round = models.ForeignKey(ProjectRound, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paper_no = models.CharField(_("纸质选票编号"), max_length=32, blank=True)
    entered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    projects = models.ManyToManyField(MicroProject, related_name="ballots")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "voter"], condition=Q(voter__isnull=False), name="ballot_one_per_voter"
            ),
            models.UniqueConstraint(
                fields=["round", "paper_no"], condition=~Q(paper_no=""), name="ballot_paper_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}·{self.voter_id or self.paper_no}"


class Milestone(models.Model):
    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=100)
    due = models.DateField(_("计划完成"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    is_observer = models.BooleanField(default=False)
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField()
    photo = models.FileField(upload_to="community/projects/%Y/%m/", blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.at:%Y-%m-%d}"


class AuditEvent(models.Model):
    """The portal's audit trail: who did what to which object, and for whom when assisting."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=48)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("社区服务操作记录")
        verbose_name_plural = _("社区服务操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.subject_type}:{self.subject_id}"


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待议事会受理")
    ACCEPTED = "accepted", _("已列入议程")
    DECLINED = "declined", _("未列入")


class CouncilProposal(models.Model):
    """A resident's proposal of an agenda item for their community's residents' council (议事会).
    Council staff put it on a meeting's agenda or decline it with a reason (in ``jiceng.party``)."""

    community = models.ForeignKey(
        Division, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(USER, verbose_name=_("提议人"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("议题"), max_length=200)
    detail = models.TextField(_("说明"), max_length=1000, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    reason = models.CharField(_("答复"), max_length=300, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("居民议题提议")
        verbose_name_plural = _("居民议题提议")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"], name="proposal_community_status")]

    def __str__(self) -> str:
        return self.title
