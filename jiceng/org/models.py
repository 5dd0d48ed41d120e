"""Units, staff, roles, duty rosters and the personal-data access log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.lib.identity import IdentityError, validate_phone, validate_resident_id
from jiceng.org.validators import phone_validator, resident_id_validator
from jiceng.places.models import Division, Grid, Level


class UnitCategory(models.TextChoices):
    GOVERNMENT = "government", _("党政机关")  # district office, street office, community workstation
    DEPARTMENT = "department", _("职能部门")
    JUDICIAL = "judicial", _("政法单位")
    MASS = "mass", _("群团组织")
    UTILITY = "utility", _("公共服务企业")


class UnitKind(models.Model):
    """What kind of unit handles a matter: 城管执法, 住建, 水务… The catalogue names kinds, not units."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(_("类别"), max_length=16, choices=UnitCategory.choices)
    handles_cases = models.BooleanField(_("承办事件"), default=True)

    class Meta:
        verbose_name = _("单位类型")
        verbose_name_plural = _("单位类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    code = models.SlugField(_("单位代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.ForeignKey(UnitKind, verbose_name=_("类型"), on_delete=models.PROTECT, related_name="units")
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units"
    )
    # The divisions whose cases and data this unit handles; usually just ``division``, but a police
    # station or a utility's branch can cover several streets or communities.
    jurisdiction = models.ManyToManyField(Division, verbose_name=_("管辖范围"), related_name="covering_units")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(
        _("手机号"), max_length=20, blank=True, db_index=True, validators=[phone_validator]
    )
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, validators=[resident_id_validator])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        """Store phones and ID numbers in one canonical form, so lookups and record linkage match."""
        super().clean()
        try:
            if self.phone:
                self.phone = validate_phone(self.phone)
            if self.id_number:
                self.id_number = validate_resident_id(self.id_number).number
        except IdentityError:
            pass  # the field validators report the error with its Chinese message


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    BUILDING_HEAD = "building_head", _("楼栋长")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    DISPATCHER = "dispatcher", _("分拨员")
    HANDLER = "handler", _("承办人员")
    SUPERVISOR = "supervisor", _("督办人员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")


STAFF_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.DISPATCHER,
        Role.HANDLER,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
    }
)


class Membership(models.Model):
    """A person's role in a unit. Grid workers also name their grids; residents their community."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    grids = models.ManyToManyField(Grid, verbose_name=_("负责网格"), blank=True, related_name="memberships")
    division = models.ForeignKey(
        Division,
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("居民、楼栋长所在的社区"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit or self.division} · {self.get_role_display()}"


class DutyShift(models.Model):
    """One shift of a unit's duty roster (值班表): who answers between ``starts_at`` and ``ends_at``."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("值班人"), on_delete=models.PROTECT, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    title = models.CharField(_("岗位"), max_length=64, blank=True, help_text=_("如：值班书记"))
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("替班人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handover_note = models.TextField(_("交接说明"), blank=True)

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        ordering = ["unit", "starts_at"]
        indexes = [models.Index(fields=["unit", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_at:%m-%d %H:%M}–{self.ends_at:%H:%M} {self.user}"


class AccessLog(models.Model):
    """One row per unmasked read of personal data by staff: who saw whose what, when and where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_logs")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=32)
    subject_id = models.CharField(_("对象"), max_length=64)
    fields = models.CharField(_("字段"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=64, blank=True)
    path = models.CharField(_("访问路径"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息访问日志")
        verbose_name_plural = _("个人信息访问日志")
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.subject_type}:{self.subject_id}"


class OrgEvent(models.Model):
    """The audit trail of organisation changes: duty shifts added, changed or removed, and who did it."""

    class Verb(models.TextChoices):
        SHIFT_ADDED = "shift_added", _("新增值班")
        SHIFT_CHANGED = "shift_changed", _("调整值班")
        SHIFT_REMOVED = "shift_removed", _("删除值班")
        SUBSTITUTE_SET = "substitute_set", _("设置替班")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("操作"), max_length=32, choices=Verb.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    object_id = models.BigIntegerField(_("对象"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("组织变更记录")
        verbose_name_plural = _("组织变更记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_verb_display()} {self.unit or ''}"


class LoginFailure(models.Model):
    """One failed sign-in (login page, admin login, API token), written in its own autocommitted
    statement so no rolled-back transaction can erase it: the lockout counts these rows."""

    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["username", "at"], name="loginfailure_user_at"),
            models.Index(fields=["ip", "at"], name="loginfailure_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.ip or ''}"
