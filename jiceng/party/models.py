"""Party-led governance (党建引领): party organisations down to the building, members and dual
registration (双报到), unit–community pairings, wish cards, building heads, vanguard teams, compound
boards (1+3+N) and residents' councils.

Every organisation and every governance object hangs off a division (usually a community), so "inside
my scope" is the same code-prefix test the rest of the platform uses.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.places.models import Building, Division, Room

USER = settings.AUTH_USER_MODEL


# --------------------------------------------------------------------------------------------------
# Organisations and members
# --------------------------------------------------------------------------------------------------


class OrgKind(models.TextChoices):
    DISTRICT = "district", _("区委")
    STREET = "street", _("街道党工委")
    COMMUNITY = "community", _("社区党委")
    COMPOUND = "compound", _("小区党支部")
    BUILDING = "building", _("楼栋党小组")
    DEPARTMENT = "department", _("机关党组织")
    COMPANY = "company", _("企业党组织")
    SCHOOL = "school", _("学校党组织")


# The territorial chain: a child's kind must come after its parent's in this order.
TERRITORIAL = (OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY, OrgKind.COMPOUND, OrgKind.BUILDING)
UNIT_KINDS = (OrgKind.DEPARTMENT, OrgKind.COMPANY, OrgKind.SCHOOL)


class PartyOrg(models.Model):
    code = models.SlugField(_("组织代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The territory the organisation sits in: its district, street or community. Unit organisations
    # sit where their unit is seated.
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    compound = models.ForeignKey(
        "Compound", verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    secretary = models.ForeignKey(
        USER, verbose_name=_("书记"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A party member, linked to their account and, when known, to the registry's person."""

    user = models.OneToOneField(
        USER,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("人口库人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org = models.ForeignKey(
        PartyOrg, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["org"], condition=Q(is_active=True), name="party_member_active_org")]
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["org", "id"]

    def __str__(self) -> str:
        return self.name


class ServicePost(models.Model):
    """A service post a dual-registered member can pick (政策宣传员, 文明劝导员, 助老服务…)."""

    community = models.ForeignKey(
        Division, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("岗位"), max_length=64)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    is_open = models.BooleanField(_("开放认领"), default=True)

    class Meta:
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        ordering = ["community", "id"]

    def __str__(self) -> str:
        return self.title


class DualRegistration(models.Model):
    """双报到: a member registers at the community where they live (besides their own organisation)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="registrations")
    community = models.ForeignKey(
        Division, verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+"
    )
    posts = models.ManyToManyField(
        ServicePost, verbose_name=_("服务岗位"), blank=True, related_name="registrations"
    )
    registered_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("双报到")
        verbose_name_plural = _("双报到")
        indexes = [
            models.Index(
                fields=["community", "member"], condition=Q(is_active=True), name="party_reg_active_community"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=Q(is_active=True),
                name="party_one_active_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.community}"


class ServiceStatus(models.TextChoices):
    RECORDED = "recorded", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")


class ServiceRecord(models.Model):
    registration = models.ForeignKey(DualRegistration, on_delete=models.PROTECT, related_name="services")
    post = models.ForeignKey(ServicePost, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2)
    note = models.CharField(_("服务内容"), max_length=300)
    status = models.CharField(max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.RECORDED)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time-bank posting (community.Posting) when the community runs a time bank.
    posting_id_ref = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # the figure set sums confirmed hours from the index alone (PostgreSQL; plain index elsewhere)
        indexes = [
            models.Index(
                fields=["registration"],
                include=["hours"],
                condition=Q(status="confirmed"),
                name="party_service_confirmed",
            )
        ]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-served_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="party_service_hours_positive")]

    def __str__(self) -> str:
        return f"{self.served_on} {self.hours}h {self.note}"


class Pairing(models.Model):
    """A unit's party organisation paired with a community (结对共建)."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("结对单位党组织"), on_delete=models.PROTECT, related_name="pairings"
    )
    community = models.ForeignKey(
        Division, verbose_name=_("结对社区"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("结对日期"), default=timezone.localdate)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        constraints = [models.UniqueConstraint(fields=["org", "community"], name="party_one_pairing")]

    def __str__(self) -> str:
        return f"{self.org} ↔ {self.community}"


class Commitment(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="commitments")
    title = models.CharField(_("承诺事项"), max_length=120)
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("兑现时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("共建承诺")
        verbose_name_plural = _("共建承诺")
        ordering = ["pairing", "id"]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="deliveries")
    delivered_on = models.DateField(_("日期"))
    note = models.CharField(_("兑现情况"), max_length=300)
    people = models.PositiveIntegerField(_("参与人数"), default=0)
    completes = models.BooleanField(_("承诺已兑现"), default=False)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("兑现记录")
        verbose_name_plural = _("兑现记录")
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.delivered_on} {self.note}"


# --------------------------------------------------------------------------------------------------
# Wish cards
# --------------------------------------------------------------------------------------------------


class WishStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("未通过")
    PUBLISHED = "published", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已实现")
    CONFIRMED = "confirmed", _("已确认")


class WishGroup(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    CHILDREN = "children", _("留守儿童")
    HARDSHIP = "hardship", _("困难家庭")
    OTHER = "other", _("其他")


class ClaimerKind(models.TextChoices):
    MEMBER = "member", _("党员")
    UNIT = "unit", _("结对单位")
    VOLUNTEER = "volunteer", _("志愿者")


class WishCard(models.Model):
    community = models.ForeignKey(
        Division, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        USER, verbose_name=_("心愿人"), on_delete=models.PROTECT, related_name="wishes"
    )
    posted_by = models.ForeignKey(USER, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("对象"), max_length=16, choices=WishGroup.choices, default=WishGroup.OTHER)
    title = models.CharField(_("心愿"), max_length=100)
    # What the resident wrote (may name people and places): staff only. The public text is written
    # at review, without personal details.
    detail = models.TextField(_("详细说明"), blank=True)
    public_text = models.CharField(_("公开说明"), max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=WishStatus.choices, default=WishStatus.SUBMITTED, db_index=True
    )
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_wishes"
    )
    claimer_kind = models.CharField(max_length=16, choices=ClaimerKind.choices, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfil_note = models.CharField(_("实现说明"), max_length=300, blank=True)
    photo = models.FileField(_("照片"), upload_to="party/wishes/%Y/%m/", blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["community", "status"], name="party_wish_community_status")]
        verbose_name = _("心愿卡")
        verbose_name_plural = _("心愿卡")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------------------------------
# Building heads
# --------------------------------------------------------------------------------------------------


class BuildingHead(models.Model):
    user = models.ForeignKey(
        USER, verbose_name=_("楼栋长"), on_delete=models.PROTECT, related_name="headed_buildings"
    )
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("楼栋长任职")
        verbose_name_plural = _("楼栋长任职")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "building"], condition=Q(is_active=True), name="party_one_active_head"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.building.code}"


class BuildingNotice(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    posted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("楼栋通知")
        verbose_name_plural = _("楼栋通知")
        ordering = ["-posted_at", "-id"]

    def __str__(self) -> str:
        return self.title


class VisitPlan(models.Model):
    """An elderly resident living alone whom the building head visits every ``every_days`` days."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=64)
    every_days = models.PositiveSmallIntegerField(_("走访周期（天）"), default=7)
    next_due = models.DateField(_("下次走访"), db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("独居老人走访计划")
        verbose_name_plural = _("独居老人走访计划")
        ordering = ["next_due", "id"]

    def __str__(self) -> str:
        return self.name


class VisitOutcome(models.TextChoices):
    WELL = "well", _("状况良好")
    NEEDS_HELP = "needs_help", _("需要帮助")
    NOT_HOME = "not_home", _("未见到本人")


class Visit(models.Model):
    plan = models.ForeignKey(VisitPlan, on_delete=models.PROTECT, related_name="visits")
    visited_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("情况"), max_length=16, choices=VisitOutcome.choices)
    note = models.CharField(_("记录"), max_length=300, blank=True)
    case_id_ref = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} {self.get_outcome_display()}"


class DutyCheck(models.Model):
    """One ticked item of a building head's duty checklist on one day."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(max_length=32)
    on = models.DateField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("职责打卡")
        verbose_name_plural = _("职责打卡")
        constraints = [
            models.UniqueConstraint(fields=["user", "building", "duty", "on"], name="party_one_check")
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.duty}"


# --------------------------------------------------------------------------------------------------
# Vanguard teams, call-ups and urgent dispatch
# --------------------------------------------------------------------------------------------------


class Theme(models.TextChoices):
    FLOOD = "flood", _("防汛")
    EPIDEMIC = "epidemic", _("防疫")
    ELDERLY = "elderly", _("助老")
    SAFETY = "safety", _("安全巡查")
    CIVILITY = "civility", _("文明创建")
    OTHER = "other", _("其他")


class VanguardTeam(models.Model):
    community = models.ForeignKey(
        Division, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    theme = models.CharField(_("主题"), max_length=16, choices=Theme.choices)
    name = models.CharField(_("名称"), max_length=64)
    members = models.ManyToManyField(PartyMember, verbose_name=_("队员"), blank=True, related_name="teams")

    class Meta:
        verbose_name = _("党员先锋队")
        verbose_name_plural = _("党员先锋队")
        ordering = ["community", "theme", "id"]

    def __str__(self) -> str:
        return self.name


class CallUp(models.Model):
    """A call-up of a team (集结), or — with ``urgent`` — an urgent task for the community's party
    volunteers (平急转换): every active member of the team, or every member dual-registered there."""

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        VanguardTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="callups"
    )
    title = models.CharField(_("任务"), max_length=120)
    place = models.CharField(_("集合地点"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("集合时间"))
    needed = models.PositiveIntegerField(_("所需人数"), default=0)
    urgent = models.BooleanField(_("紧急任务"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("集结令")
        verbose_name_plural = _("集结令")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallUpReply(models.Model):
    callup = models.ForeignKey(CallUp, on_delete=models.CASCADE, related_name="replies")
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField(default=True)
    replied_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("集结响应")
        verbose_name_plural = _("集结响应")
        constraints = [models.UniqueConstraint(fields=["callup", "member"], name="party_one_reply")]

    def __str__(self) -> str:
        return f"{self.callup_id}·{self.member_id}"


# --------------------------------------------------------------------------------------------------
# Compound governance (1+3+N) and residents' councils
# --------------------------------------------------------------------------------------------------


class Compound(models.Model):
    community = models.ForeignKey(
        Division, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("小区名称"), max_length=100)
    buildings = models.ManyToManyField(Building, verbose_name=_("楼栋"), blank=True, related_name="compounds")

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class SeatKind(models.TextChoices):
    PARTY = "party", _("小区党支部")
    OWNERS = "owners", _("业主委员会")
    PROPERTY = "property", _("物业服务企业")
    OTHER = "other", _("其他成员")


class BoardSeat(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="seats")
    kind = models.CharField(_("席位"), max_length=16, choices=SeatKind.choices)
    body = models.CharField(_("所在组织"), max_length=100)
    user = models.ForeignKey(
        USER, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="board_seats"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("小区治理联席会成员")
        verbose_name_plural = _("小区治理联席会成员")
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "user", "kind"], condition=Q(is_active=True), name="party_one_seat"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.body}"


class Meeting(models.Model):
    """A meeting of a residents' council (议事会) of a community or of one compound."""

    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("会议"), max_length=120)
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("议事会会议")
        verbose_name_plural = _("议事会会议")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AgendaSource(models.TextChoices):
    PROPOSAL = "proposal", _("居民提议")
    RECURRING = "recurring", _("反复发生的事件")
    PROJECT = "project", _("微实事建议")
    OTHER = "other", _("其他")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("议题"), max_length=200)
    source = models.CharField(
        _("来源"), max_length=16, choices=AgendaSource.choices, default=AgendaSource.PROPOSAL
    )
    # the resident's proposal this item came from, when it did
    proposal = models.OneToOneField(
        "community.CouncilProposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_item",
    )

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("身份"), max_length=64, blank=True)
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.name


class FollowUp(models.TextChoices):
    CASE = "case", _("转为事件办理")
    PROJECT = "project", _("转为微实事")
    TASK = "task", _("责任人办理")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("决议"), max_length=300)
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    follow_up = models.CharField(_("落实方式"), max_length=16, choices=FollowUp.choices)
    owner = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"))
    case_id_ref = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_code = models.CharField(max_length=40, blank=True)
    project_id_ref = models.BigIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("议事决议")
        verbose_name_plural = _("议事决议")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text

    @property
    def passed(self) -> bool:
        return self.votes_for > self.votes_against


# --------------------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------------------


class PartyEvent(models.Model):
    """The audit trail of every party action: who did what to which object, in which community."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=32)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=32)
    division = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("党建操作记录")
        verbose_name_plural = _("党建操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.subject_type}:{self.subject_id}"


ZERO = Decimal("0")
