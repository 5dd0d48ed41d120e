"""物联感知: device kinds and rules as data, devices, telemetry, alarms.

Telemetry is written at the rate devices speak, so it lives in its own table (monthly partitions on
PostgreSQL, see migration 0002) and the screen reads ``DeviceState`` (one row per device) instead.
A message is recorded once per (device, msg_id) by ``Receipt``'s unique key, whatever the transport and
however often the broker redelivers it. An alarm is a ThingsBoard alarm: active or cleared,
acknowledged or not; clearing is terminal, and the database allows one active alarm per device and
alarm type (a partial unique index), so concurrent workers absorb repeats instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    # [{"name", "label", "unit", "min", "max"}]: a value outside [min, max] is dead-lettered.
    measurements = models.JSONField(_("测量项"), default=list, blank=True)
    # [{"name", "label"}]
    events = models.JSONField(_("事件"), default=list, blank=True)
    offline_minutes = models.PositiveIntegerField(_("离线判定（分钟）"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("设备类型")
        verbose_name_plural = _("设备类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def measurement(self, name: str) -> dict[str, Any] | None:
        for m in self.measurements:
            if m.get("name") == name:
                return m
        return None

    def event_names(self) -> set[str]:
        return {e.get("name", "") for e in self.events}


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("在线")
    OFFLINE = "offline", _("离线")
    RETIRED = "retired", _("停用")


class Device(models.Model):
    device_id = models.CharField(_("设备编号"), max_length=64, unique=True, help_text=_("厂商序列号"))
    kind = models.ForeignKey(DeviceKind, verbose_name=_("类型"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100, blank=True)
    # As given (room, building or grid code); grid_code is what scopes filter on.
    location_code = models.CharField(_("位置编码"), max_length=25, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=14, db_index=True)
    building_code = models.CharField(_("楼栋编码"), max_length=19, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    # The people responsible: the wearer (registry), family or flood-point contacts (phones), care worker.
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("关联人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contacts = models.JSONField(_("联系人"), default=list, blank=True, help_text=_('[{"name", "phone"}]'))
    care_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    last_seen_at = models.DateTimeField(_("最后上报"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("感知设备")
        verbose_name_plural = _("感知设备")
        ordering = ["device_id"]
        indexes = [models.Index(fields=["status", "last_seen_at"])]

    def __str__(self) -> str:
        return self.name or self.device_id

    def phones(self) -> list[str]:
        return [str(c.get("phone", "")).strip() for c in self.contacts if str(c.get("phone", "")).strip()]


class DeviceState(models.Model):
    """The last values of one device (what the screen and the rules read), kept apart from telemetry."""

    device = models.OneToOneField(Device, primary_key=True, on_delete=models.CASCADE, related_name="state")
    ts = models.DateTimeField(_("最新数据时间"), null=True, blank=True)
    values = models.JSONField(_("最新值"), default=dict, blank=True)
    last_movement_at = models.DateTimeField(_("最后活动"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备最新值")
        verbose_name_plural = _("设备最新值")

    def __str__(self) -> str:
        return f"{self.device_id} @ {self.ts}"


class Receipt(models.Model):
    """One row per message ever accepted: the unique key is what makes redelivery harmless."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    msg_id = models.CharField(max_length=64)
    ts = models.DateTimeField()
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "msg_id"], name="sensing_receipt_once")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.msg_id}"


class Telemetry(models.Model):
    """One message's values. On PostgreSQL a table partitioned by month on ``ts`` (migration 0002)."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    ts = models.DateTimeField()
    msg_id = models.CharField(max_length=64)
    values = models.JSONField(default=dict)
    event = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("遥测数据")
        verbose_name_plural = _("遥测数据")
        indexes = [models.Index(fields=["device", "ts"], name="sensing_tel_device_ts")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.ts}"


class DeadLetter(models.Model):
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)
    source = models.CharField(_("来源"), max_length=16)  # mqtt | http
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    device_ref = models.CharField(_("设备编号"), max_length=64, blank=True)
    msg_id = models.CharField(max_length=64, blank=True)
    code = models.CharField(_("原因代码"), max_length=32)
    reason = models.CharField(_("原因"), max_length=300)
    payload = models.TextField(_("原始报文"), blank=True)

    class Meta:
        verbose_name = _("死信")
        verbose_name_plural = _("死信")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.device_ref} {self.reason}"


class GatewayKey(models.Model):
    name = models.CharField(_("网关名称"), max_length=64, unique=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64)  # sha256 of the whole key; the key itself is never stored
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("网关密钥")
        verbose_name_plural = _("网关密钥")

    def __str__(self) -> str:
        return self.name


class Condition(models.TextChoices):
    THRESHOLD = "threshold", _("阈值（持续时长）")
    RATE = "rate", _("变化率（每分钟）")
    EVENT = "event", _("事件")
    NO_DATA = "no_data", _("无数据（离线）")
    NO_MOVEMENT = "no_movement", _("长时间无活动")


class AlarmSeverity(models.TextChoices):
    CRITICAL = "critical", _("紧急")
    MAJOR = "major", _("重要")
    MINOR = "minor", _("次要")
    WARNING = "warning", _("提示")


CASE_SEVERITIES = (AlarmSeverity.CRITICAL, AlarmSeverity.MAJOR)


class Rule(models.Model):
    kind = models.ForeignKey(
        DeviceKind, verbose_name=_("设备类型"), on_delete=models.CASCADE, related_name="rules"
    )
    alarm_type = models.CharField(_("告警类型"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    condition = models.CharField(_("条件"), max_length=16, choices=Condition.choices)
    measurement = models.CharField(_("测量项"), max_length=32, blank=True)
    op = models.CharField(
        _("比较"), max_length=2, blank=True, choices=[(">", ">"), (">=", ">="), ("<", "<"), ("<=", "<=")]
    )
    value = models.FloatField(_("阈值"), null=True, blank=True)
    duration_s = models.PositiveIntegerField(_("持续秒数"), default=0)
    clear_value = models.FloatField(_("解除阈值"), null=True, blank=True)
    events = models.CharField(_("事件（逗号分隔）"), max_length=200, blank=True)
    clear_events = models.CharField(_("解除事件"), max_length=200, blank=True)
    minutes = models.PositiveIntegerField(_("分钟"), null=True, blank=True)
    care_tag = models.CharField(_("关爱标签"), max_length=16, blank=True)
    severity = models.CharField(_("级别"), max_length=16, choices=AlarmSeverity.choices)
    case_type = models.CharField(_("工单事项代码"), max_length=16, blank=True)
    notify_contacts = models.BooleanField(_("短信通知联系人"), default=False)
    registry_task = models.BooleanField(_("生成核实任务"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("告警规则")
        verbose_name_plural = _("告警规则")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind.code}:{self.alarm_type} {self.name}"

    def event_set(self) -> set[str]:
        cached = self.__dict__.get("_event_set")
        if cached is None or cached[0] != self.events:
            cached = (self.events, {e.strip() for e in self.events.split(",") if e.strip()})
            self.__dict__["_event_set"] = cached
        return cached[1]

    def clear_event_set(self) -> set[str]:
        return {e.strip() for e in self.clear_events.split(",") if e.strip()}


class RuleChange(models.Model):
    """Audit of every rule (and kind) edit: who, when, what changed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=16)  # rule | kind
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=16)  # create | update | delete
    changes = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("规则变更记录")
        verbose_name_plural = _("规则变更记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.action}"


class RuleState(models.Model):
    """Where a threshold rule stands for one device: since when its condition has held."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "rule"], name="sensing_rulestate_once")]

    def __str__(self) -> str:
        return f"{self.device_id}/{self.rule_id} since {self.since}"


class AlarmStatus(models.TextChoices):
    ACTIVE = "active", _("告警中")
    CLEARED = "cleared", _("已解除")


class Alarm(models.Model):
    device = models.ForeignKey(
        Device, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="alarms"
    )
    type = models.CharField(_("告警类型"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    severity = models.CharField(_("级别"), max_length=16, choices=AlarmSeverity.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=AlarmStatus.choices, default=AlarmStatus.ACTIVE
    )
    grid_code = models.CharField(max_length=14, db_index=True)
    started_at = models.DateTimeField(_("开始时间"))
    last_at = models.DateTimeField(_("最近时间"))
    count = models.PositiveIntegerField(_("次数"), default=1)
    last_value = models.FloatField(_("最近值"), null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    acknowledged = models.BooleanField(_("已确认"), default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clear_note = models.CharField(_("解除说明"), max_length=300, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alarm",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = _("告警")
        ordering = ["-started_at"]
        constraints = [
            # The ThingsBoard race closed by the database: whatever the number of workers and
            # redeliveries, a (device, type) pair has at most one active alarm.
            models.UniqueConstraint(
                fields=["device", "type"],
                condition=models.Q(status="active"),
                name="sensing_one_active_alarm",
            )
        ]
        indexes = [
            models.Index(fields=["status", "grid_code"]),
            models.Index(fields=["device", "type", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.device.device_id} {self.name}"


class AlarmEvent(models.Model):
    """The alarm's trail: created, acknowledged, cleared, case opened (repeats only bump the count)."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.verb}"
