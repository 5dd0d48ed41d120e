"""Family and emotional disputes (家事情感纠纷): kinds, disputes, parties, joint tasks, follow-ups,
the editable risk rules and the audit trail of every change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.org.models import Unit
from jiceng.places.models import Grid, Level


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class DisputeKind(models.Model):
    """A kind of dispute, as data: which agencies act on it, by risk level (unit kind codes)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    # {"low": ["sifasuo", "community_workstation"], "medium": [...], "high": [...]}
    agencies = models.JSONField(_("联调单位类型"), default=dict, blank=True)
    lead = models.JSONField(_("牵头单位类型"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def agency_kinds(self, risk: str) -> list[str]:
        return list(self.agencies.get(risk) or self.agencies.get("low") or [])

    def lead_kind(self, risk: str) -> str:
        return str(self.lead.get(risk) or self.lead.get("low") or "sifasuo")


class RiskRule(models.Model):
    """The database copy of one risk rule, seeded from ``data/risk_rules.yaml`` and edited in the
    admin; every save or delete writes a ``RiskRuleChange``."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    severity = models.CharField(
        _("级别"),
        max_length=8,
        choices=[("high", _("单独即高风险")), ("medium", _("计分")), ("minor", _("仅计入中风险"))],
    )
    weight = models.PositiveSmallIntegerField(_("分值"), default=1)
    patterns = models.TextField(_("短语模式"), help_text=_("每行一个正则表达式"))
    sentence_exclude = models.CharField(_("同句排除"), max_length=300, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("风险研判规则")
        verbose_name_plural = _("风险研判规则")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "weight": self.weight,
            "patterns": self.patterns,
            "sentence_exclude": self.sentence_exclude,
            "enabled": self.enabled,
        }


class RiskRuleChange(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_code = models.CharField(_("规则"), max_length=32)
    action = models.CharField(_("操作"), max_length=16)  # create | update | delete
    before = models.JSONField(_("修改前"), default=dict, blank=True)
    after = models.JSONField(_("修改后"), default=dict, blank=True)

    class Meta:
        verbose_name = _("规则修改记录")
        verbose_name_plural = _("规则修改记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.rule_code} {self.action}"


class Source(models.TextChoices):
    CASE = "case", _("事件工单")
    POLICE = "police", _("110警情移交")
    COURT = "court", _("法院诉前调解")
    HOTLINE = "hotline", _("妇联热线")
    GRID = "grid", _("网格员上报")


class Status(models.TextChoices):
    OPEN = "open", _("受理中")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("达成协议")
    PARTIAL = "partial", _("部分达成")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("撤回")
    CLOSED = "closed", _("已结案")


class Dispute(models.Model):
    kind = models.ForeignKey(DisputeKind, verbose_name=_("类型"), on_delete=models.PROTECT)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    narrative = models.TextField(_("情况描述"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    risk = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    auto_risk = models.CharField(
        _("研判等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_reasons = models.JSONField(_("研判依据"), default=list, blank=True)
    level = models.CharField(_("调处层级"), max_length=16, choices=Level.choices, default=Level.COMMUNITY)
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    grid_code = models.CharField(_("网格编码"), max_length=14, db_index=True)
    room_code = models.CharField(_("房屋编码"), max_length=25, blank=True, db_index=True)
    case_id = models.BigIntegerField(_("关联工单"), null=True, blank=True, unique=True)
    outcome = models.CharField(_("调解结果"), max_length=16, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    referral = models.CharField(_("转介"), max_length=24, blank=True)
    centre = models.ForeignKey(
        Unit, verbose_name=_("调处中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minors = models.PositiveSmallIntegerField(_("未成年子女"), default=0)
    elderly_dependants = models.PositiveSmallIntegerField(_("失能或高龄老人"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~models.Q(source_ref=""), name="dispute_unique_ref"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"MT{self.pk:08d}"


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("夫妻")
    FORMER_SPOUSE = "former_spouse", _("前配偶")
    PARTNER = "partner", _("恋人/同居")
    PARENT_CHILD = "parent_child", _("父母子女")
    IN_LAW = "in_law", _("姻亲")
    SIBLING = "sibling", _("兄弟姐妹")
    NEIGHBOUR = "neighbour", _("邻居")
    OTHER = "other", _("其他")


class Party(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(
        _("身份"), max_length=16, choices=[("applicant", _("申请人")), ("respondent", _("被申请人"))]
    )
    person_id = models.BigIntegerField(_("人口库编号"), null=True, blank=True, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True, db_index=True)
    relationship = models.CharField(_("与对方关系"), max_length=16, choices=Relationship.choices)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACCEPTED = "accepted", _("处理中")
    DONE = "done", _("已完成")


class JointTask(models.Model):
    """One agency's part of a dispute (联调任务), with its own deadline."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(_("牵头"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    due_at = models.DateTimeField(_("期限"), db_index=True)
    record = models.TextField(_("处置记录"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("联调任务")
        verbose_name_plural = _("联调任务")
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dispute", "unit"], name="task_one_per_unit")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.unit_id} {self.status}"


class FollowUp(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("回访日期"), db_index=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    result = models.CharField(
        _("回访结果"),
        max_length=16,
        blank=True,
        choices=[("stable", _("稳定")), ("reignited", _("再次激化"))],
    )
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.due_on}"


class DisputeEvent(models.Model):
    """The audit trail: every state change of a dispute is one row, written in its action."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(_("操作"), max_length=32)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("纠纷记录")
        verbose_name_plural = _("纠纷记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb}"


class Outcome(models.TextChoices):
    AGREED = "agreed", _("达成协议")
    PARTIAL = "partial", _("部分达成")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("撤回")


class ReferralKind(models.TextChoices):
    LITIGATION = "litigation", _("诉讼引导")
    PROTECTION_ORDER = "protection_order", _("申请人身安全保护令")
    LEGAL_AID = "legal_aid", _("法律援助")


class JointSession(models.Model):
    """A joint mediation session (联调会)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    units = models.ManyToManyField(Unit, verbose_name=_("参加单位"), related_name="+")
    parties = models.ManyToManyField(Party, verbose_name=_("参加当事人"), related_name="sessions")
    attended_units = models.JSONField(_("到会单位"), default=list, blank=True)
    attended_parties = models.JSONField(_("到会当事人"), default=list, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    held = models.BooleanField(_("已召开"), default=False)

    class Meta:
        verbose_name = _("联调会")
        verbose_name_plural = _("联调会")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.starts_at:%Y-%m-%d %H:%M} {self.place}"


def agreement_path(instance: Agreement, filename: str) -> str:
    return f"mediation/agreements/{instance.dispute_id}/{filename}"


def signed_path(instance: SignedCopy, filename: str) -> str:
    return f"mediation/signed/{instance.agreement.dispute_id}/{filename}"


class Agreement(models.Model):
    """A mediation agreement (调解协议书): generated as .docx, valid once signed copies are uploaded."""

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="agreement")
    terms = models.TextField(_("协议内容"))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.FileField(_("协议书"), upload_to=agreement_path)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return f"调解协议 {self.dispute_id}"


class SignedCopy(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signed_copies")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("签字件"), upload_to=signed_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("签字件")
        verbose_name_plural = _("签字件")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.party_id}"


# --- legal services (法i社区) -------------------------------------------------------------------


class LegalQuestion(models.Model):
    """A resident's legal question, answered by the community's legal adviser."""

    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(_("社区"), max_length=12, db_index=True)
    question = models.TextField(_("问题"))
    answer = models.TextField(_("解答"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("法律咨询")
        verbose_name_plural = _("法律咨询")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question[:30]


class ConsultSlot(models.Model):
    """A consultation slot offered by a legal adviser; a resident books it."""

    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(_("社区"), max_length=12, db_index=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("咨询事项"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("咨询预约时段")
        verbose_name_plural = _("咨询预约时段")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.community_code} {self.starts_at:%Y-%m-%d %H:%M}"


class AidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("批准援助")
    REJECTED = "rejected", _("不予援助")


class LegalAidApplication(models.Model):
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(_("社区"), max_length=12, db_index=True)
    case_type = models.CharField(_("案件类型"), max_length=32)
    monthly_income = models.DecimalField(_("家庭月人均收入（元）"), max_digits=10, decimal_places=2)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    facts = models.TextField(_("案情"))
    eligible = models.BooleanField(_("初审符合条件"), default=False)
    eligibility_notes = models.JSONField(_("初审说明"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=AidStatus.choices, default=AidStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("决定理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("法律援助申请")
        verbose_name_plural = _("法律援助申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"法律援助 {self.pk} {self.status}"


def aid_document_path(instance: AidDocument, filename: str) -> str:
    return f"mediation/legal_aid/{instance.application_id}/{filename}"


class AidDocument(models.Model):
    application = models.ForeignKey(LegalAidApplication, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("材料"), upload_to=aid_document_path)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("援助申请材料")
        verbose_name_plural = _("援助申请材料")

    def __str__(self) -> str:
        return self.name


class LegalEvent(models.Model):
    """The audit trail of legal services: every state change of a question, slot or application."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=16)  # question | slot | aid
    object_id = models.BigIntegerField()
    verb = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("法律服务记录")
        verbose_name_plural = _("法律服务记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.verb}"
