"""The block data base (块数据底板): people, legal entities, where they live and work, and where each
fact came from.

Departments' rows are kept exactly as received (``SourceRecord``, never changed); linkage decides which
person or entity and which room each record is about (``Link``), and what a grid worker must check
at the door (``VerificationTask``). ``Person``/``LegalEntity`` are the linked result: one row per real
person or entity.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.places.models import Grid, Room


class CareTag(models.TextChoices):
    ELDERLY_ALONE = "独居老人", _("独居老人")
    DISABLED = "残障", _("残障")
    LEFT_BEHIND_CHILD = "留守儿童", _("留守儿童")
    OLD_AGE = "高龄", _("高龄")


class Person(models.Model):
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    other_names = models.JSONField(_("曾用名/其他写法"), default=list, blank=True)
    phones = models.JSONField(_("电话"), default=list, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))])
    care_tags = models.JSONField(_("关爱标签"), default=list, blank=True)
    # The linkage cluster this person was built from, so re-running ``jiceng link`` updates rather
    # than duplicates.
    cluster_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~models.Q(id_number=""), name="person_unique_id_number"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EntityKind(models.TextChoices):
    COMPANY = "company", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    SOCIAL = "social", _("社会组织")
    INSTITUTION = "institution", _("机关事业单位")
    OTHER = "other", _("其他")


class LegalEntity(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=EntityKind.choices, default=EntityKind.COMPANY)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("法人单位")
        verbose_name_plural = _("法人单位")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~models.Q(uscc=""), name="entity_unique_uscc")
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    FAMILY = "family", _("家庭成员")
    EMPLOYEE = "employee", _("员工")
    RESIDENT = "resident", _("居住")


class Occupancy(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="occupancies")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="occupancies")
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices, default=Relation.RESIDENT)
    started_on = models.DateField(_("起始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居住/使用关系")
        verbose_name_plural = _("居住/使用关系")
        indexes = [models.Index(fields=["room", "ended_on"]), models.Index(fields=["person", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.room.code}"


class EntityLocation(models.Model):
    entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="locations")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="entity_locations")
    started_on = models.DateField(_("起始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("经营/注册地址")
        verbose_name_plural = _("经营/注册地址")
        indexes = [models.Index(fields=["room", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.entity} @ {self.room.code}"


class Source(models.Model):
    """A department that sends data (公安, 人社, 卫健, 民政, 住建…), or the grid workers' own collection."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    # The --source the file was imported under; empty when each row names its own source.
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    accepted = models.PositiveIntegerField(_("接收"), default=0)
    duplicates = models.PositiveIntegerField(_("重复"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    # [{"row", "column", "reason", "values"}]: the downloadable error report.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source or '—'} {self.file_name}"

    @property
    def flagged(self) -> int:
        """Rows kept with a flagged field (the import report's warnings)."""
        return sum(1 for e in self.errors or [] if e.get("level") == "warning")


class RecordKind(models.TextChoices):
    PERSON = "person", _("人员")
    ENTITY = "entity", _("法人")


class SourceRecord(models.Model):
    """One row as a department sent it. Never updated: a changed row arrives as a new record."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="records")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    record_id = models.CharField(_("记录号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=RecordKind.choices)
    raw = models.JSONField(_("原始行"))
    digest = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    id_number = models.CharField(max_length=18, blank=True, db_index=True)
    uscc = models.CharField(max_length=18, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    observed_at = models.DateField(null=True, blank=True)
    # Fields the import could not read as they should be ({"column", "reason"}): the record is kept
    # and linked on the rest; staff who may see personal data see the flags on the person's page.
    flags = models.JSONField(_("标记"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("来源记录")
        verbose_name_plural = _("来源记录")
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id", "digest"], name="record_unique_content")
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("SourceRecord is immutable")
        super().save(*args, **kwargs)


class LinkStatus(models.TextChoices):
    LINKED = "linked", _("已关联")
    REVIEW = "review", _("待核实")
    UNMATCHED = "unmatched", _("未匹配")


class Link(models.Model):
    record = models.OneToOneField(SourceRecord, on_delete=models.CASCADE, related_name="link")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    building_code = models.CharField(max_length=19, blank=True)
    address_score = models.FloatField(default=0.0)
    cluster_key = models.CharField(max_length=64, db_index=True)
    score = models.FloatField(_("匹配概率"), default=0.0)
    status = models.CharField(_("状态"), max_length=16, choices=LinkStatus.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("关联结果")
        verbose_name_plural = _("关联结果")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.record} → {self.cluster_key} ({self.status})"


class TaskKind(models.TextChoices):
    REVIEW = "review", _("疑似同一人待核实")
    ID_CONFLICT = "id_conflict", _("身份证号冲突")
    ROOM_CONFLICT = "room_conflict", _("同时登记在多处")
    COLLECTION = "collection", _("上门采集")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CONFIRMED = "confirmed", _("已确认")
    CORRECTED = "corrected", _("已更正")
    REJECTED = "rejected", _("已驳回")


class VerificationTask(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=TaskKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    title = models.CharField(_("标题"), max_length=200)
    # What the worker is asked to check: the records involved and the linker's scores.
    details = models.JSONField(_("详情"), default=dict, blank=True)
    key = models.CharField(max_length=128, unique=True)  # dedupes tasks across ``jiceng link`` runs
    note = models.TextField(_("核实说明"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核实任务")
        verbose_name_plural = _("核实任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["grid", "status"])]

    def __str__(self) -> str:
        return self.title


class RegistryEvent(models.Model):
    """Audit trail of every change made through registry actions."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=32)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    room_code = models.CharField(max_length=25, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("块数据变更记录")
        verbose_name_plural = _("块数据变更记录")
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.subject_type}:{self.subject_id}"
