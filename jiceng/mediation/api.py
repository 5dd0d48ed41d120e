"""REST API of mediation (under /api/v1/mediation/): disputes, their actions, tasks, follow-ups, the
command-centre figures and bulk grading. Every write goes through ``actions.check_*``; refusals render as
``{"error": {"code", "message"}}`` like the rest of the API. Disputes are scoped like cases (a resident
sees none) and high-risk ones only by the agencies on them and supervising leaders.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.api import page_of
from jiceng.mediation import actions as a
from jiceng.mediation import figures, grading
from jiceng.mediation.exceptions import DisputeNotFound, MediationError, MediationForbidden
from jiceng.mediation.models import (
    Agreement,
    Dispute,
    FollowUp,
    JointTask,
    Outcome,
    ReferralKind,
    Relationship,
    RiskLevel,
    Source,
    Status,
)
from jiceng.mediation.permissions import access_dispute, is_staff, visible_disputes
from jiceng.org.privacy import reveal_many

# -- serializers ------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    unit_kind = serializers.CharField(source="unit.kind.code")

    class Meta:
        model = JointTask
        fields = ["id", "unit", "unit_name", "unit_kind", "is_lead", "status", "due_at", "record", "done_at"]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "due_on", "done_at", "result", "note"]


class DisputeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    risk_label = serializers.CharField(source="get_risk_display")
    status_label = serializers.CharField(source="get_status_display")
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "kind",
            "kind_name",
            "source",
            "source_ref",
            "status",
            "status_label",
            "risk",
            "risk_label",
            "auto_risk",
            "reasons",
            "level",
            "grid_code",
            "room_code",
            "case_id",
            "outcome",
            "referral",
            "created_at",
        ]

    def get_reasons(self, obj: Dispute) -> list[str]:
        return [r.get("reason", "") for r in obj.risk_reasons]


class PartyOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    relationship = serializers.CharField()
    person_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()


class DisputeDetailSerializer(DisputeSerializer):
    narrative = serializers.CharField()
    parties = serializers.SerializerMethodField()
    tasks = TaskSerializer(many=True)
    follow_ups = FollowUpSerializer(many=True)
    events = serializers.SerializerMethodField()

    class Meta(DisputeSerializer.Meta):
        fields = [
            *DisputeSerializer.Meta.fields,
            "narrative",
            "minors",
            "elderly_dependants",
            "outcome_note",
            "parties",
            "tasks",
            "follow_ups",
            "events",
        ]

    @extend_schema(responses=PartyOutSerializer(many=True))  # type: ignore[misc]
    def get_parties(self, obj: Dispute) -> list[dict[str, Any]]:
        return masked_parties(self.context["request"], obj)

    def get_events(self, obj: Dispute) -> list[dict[str, Any]]:
        return [
            {"at": e.at, "verb": e.verb, "actor": str(e.actor) if e.actor else "", "detail": e.detail}
            for e in obj.events.select_related("actor")
        ]


def masked_parties(who: Any, dispute: Dispute) -> list[dict[str, Any]]:
    """Parties with names, ID numbers and phones masked by role; unmasked reads are logged."""
    parties = list(dispute.parties.all())
    shown = reveal_many(
        who,
        "mediation_party",
        [(p.pk, {"name": p.name, "id_number": p.id_number, "phone": p.phone}) for p in parties],
        purpose="矛盾调处",
    )
    return [
        {
            "id": p.pk,
            "role": p.role,
            "relationship": p.relationship,
            "relationship_label": p.get_relationship_display(),
            "person_id": p.person_id,
            **values,
        }
        for p, values in zip(parties, shown, strict=True)
    ]


class PartyInSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=["applicant", "respondent"], default="applicant")
    relationship = serializers.ChoiceField(choices=Relationship.choices, default=Relationship.OTHER)
    id_number = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    person_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class DisputeInSerializer(serializers.Serializer):
    kind = serializers.CharField()
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[s for s in Source.choices if s[0] != Source.CASE]
    )
    narrative = serializers.CharField()
    grid_code = serializers.CharField(required=False, allow_blank=True, default="")
    room_code = serializers.CharField(required=False, allow_blank=True, default="")
    source_ref = serializers.CharField(required=False, allow_blank=True, default="")
    parties = PartyInSerializer(many=True, required=False, default=list)
    minors = serializers.IntegerField(required=False, min_value=0, default=0)
    elderly_dependants = serializers.IntegerField(required=False, min_value=0, default=0)
    protection_order = serializers.BooleanField(required=False, default=False)


class DisputeActionSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    parties = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    referral = serializers.ChoiceField(choices=ReferralKind.choices, required=False, allow_blank=True)
    terms = serializers.CharField(required=False, allow_blank=True, default="")


class TaskActionSerializer(serializers.Serializer):
    record = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpInSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["stable", "reignited"])
    note = serializers.CharField(allow_blank=True)


class SignedInSerializer(serializers.Serializer):
    party = serializers.IntegerField()
    file = serializers.FileField()


class GradeInSerializer(serializers.Serializer):
    text = serializers.CharField()


class GradeOutSerializer(serializers.Serializer):
    level = serializers.CharField()
    score = serializers.IntegerField()
    rules = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())


# -- views ------------------------------------------------------------------------------------------


def _detail(queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
    return queryset.select_related("kind", "grid", "centre").prefetch_related(
        "tasks__unit__kind", "follow_ups"
    )


def _staff_only(request: Request) -> None:
    if not is_staff(request.user):
        raise DisputeNotFound(_("未找到纠纷。"))


LIST_PARAMETERS = [
    OpenApiParameter("risk", str, enum=list(RiskLevel.values)),
    OpenApiParameter("status", str, enum=list(Status.values)),
    OpenApiParameter("kind", str),
    OpenApiParameter("source", str, enum=list(Source.values)),
]


class DisputeListView(APIView):
    """Disputes the user may see: their territory's and their agencies'; high-risk ones only by the
    agencies on them and supervising leaders; residents none."""

    parser_classes = [JSONParser]

    @extend_schema(
        parameters=LIST_PARAMETERS, responses=page_of("DisputePage", DisputeSerializer), summary="纠纷列表"
    )
    def get(self, request: Request) -> Response:
        queryset = visible_disputes(request.user).select_related("kind")
        for name in ("risk", "status", "source"):
            value = request.query_params.get(name)
            if value:
                queryset = queryset.filter(**{name: value})
        if request.query_params.get("kind"):
            queryset = queryset.filter(kind__code=request.query_params["kind"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response(DisputeSerializer(page, many=True).data)

    @extend_schema(
        request=DisputeInSerializer,
        responses={201: DisputeDetailSerializer},
        summary="登记纠纷（110警情移交、法院诉前调解、妇联热线、网格员上报）",
        operation_id="mediation_disputes_create",
    )
    def post(self, request: Request) -> Response:
        form = DisputeInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        parties = [a.PartyInput(**p) for p in data.pop("parties")]
        dispute = a.check_create_dispute(request.user, a.DisputeInput(parties=parties, **data))
        dispute = _detail(Dispute.objects.filter(pk=dispute.pk)).get()
        return Response(DisputeDetailSerializer(dispute, context={"request": request}).data, status=201)


class DisputeDetailView(APIView):
    @extend_schema(responses=DisputeDetailSerializer, summary="纠纷详情（当事人按角色脱敏）")
    def get(self, request: Request, dispute_id: int) -> Response:
        dispute = access_dispute(request.user, dispute_id, _detail(Dispute.objects.all()))
        return Response(DisputeDetailSerializer(dispute, context={"request": request}).data)


DISPUTE_ACTIONS = ("raise_risk", "schedule_session", "draft_agreement", "record_outcome", "escalate")


def run_dispute_action(user: Any, dispute: Dispute, action: str, data: dict[str, Any]) -> Any:
    if action == "raise_risk":
        return a.check_raise_risk(user, dispute, data.get("level") or "", data.get("reason", ""))
    if action == "schedule_session":
        return a.check_schedule_session(
            user,
            dispute,
            data.get("starts_at"),
            data.get("place", ""),
            data["units"],
            data["parties"],
        )
    if action == "draft_agreement":
        return a.check_draft_agreement(user, dispute, data.get("terms", ""))
    if action == "record_outcome":
        return a.check_record_outcome(
            user, dispute, data.get("outcome") or "", data.get("note", ""), data.get("referral") or ""
        )
    if action == "escalate":
        return a.check_escalate(user, dispute, data.get("reason", ""))
    raise MediationError(_("未知的操作“%(a)s”。") % {"a": action})


class DisputeActionView(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=DisputeActionSerializer,
        responses=DisputeDetailSerializer,
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(DISPUTE_ACTIONS))],
        summary="纠纷操作（调高风险、安排联调会、生成协议书、记录结果、提级）",
        operation_id="mediation_disputes_action",
    )
    def post(self, request: Request, dispute_id: int, action: str) -> Response:
        dispute = access_dispute(request.user, dispute_id)
        form = DisputeActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        run_dispute_action(request.user, dispute, action, dict(form.validated_data))
        dispute = _detail(Dispute.objects.filter(pk=dispute.pk)).get()
        return Response(DisputeDetailSerializer(dispute, context={"request": request}).data)


def _task(user: Any, task_id: int) -> JointTask:
    task = JointTask.objects.select_related("dispute", "unit").filter(pk=task_id).first()
    if task is None:
        raise DisputeNotFound(_("未找到联调任务“%(id)s”。") % {"id": task_id})
    access_dispute(user, task.dispute_id)
    return task


class TaskActionView(APIView):
    @extend_schema(
        request=TaskActionSerializer,
        responses=TaskSerializer,
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=["accept", "record", "complete"])
        ],
        summary="联调任务：签收、记录、完成（仅本单位）",
        operation_id="mediation_tasks_action",
    )
    def post(self, request: Request, task_id: int, action: str) -> Response:
        task = _task(request.user, task_id)
        form = TaskActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = form.validated_data["record"]
        if action == "accept":
            a.check_accept_task(request.user, task)
        elif action == "record":
            a.check_record_task(request.user, task, record)
        else:
            a.check_complete_task(request.user, task, record)
        task.refresh_from_db()
        return Response(TaskSerializer(task).data)


class FollowUpView(APIView):
    @extend_schema(request=FollowUpInSerializer, responses=FollowUpSerializer, summary="记录回访")
    def post(self, request: Request, follow_up_id: int) -> Response:
        follow = FollowUp.objects.select_related("dispute").filter(pk=follow_up_id).first()
        if follow is None:
            raise DisputeNotFound(_("未找到回访“%(id)s”。") % {"id": follow_up_id})
        access_dispute(request.user, follow.dispute_id)
        form = FollowUpInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        a.check_record_follow_up(
            request.user, follow, form.validated_data["result"], form.validated_data["note"]
        )
        follow.refresh_from_db()
        return Response(FollowUpSerializer(follow).data)


class SignedCopyView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": SignedInSerializer},
        responses=DisputeDetailSerializer,
        summary="上传当事人签字的协议书",
    )
    def post(self, request: Request, dispute_id: int) -> Response:
        dispute = access_dispute(request.user, dispute_id)
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is None:
            raise MediationError(_("请先生成调解协议书。"), code="no_agreement")
        a.check_upload_signed(request.user, agreement, request.data.get("party"), request.FILES.get("file"))
        dispute = _detail(Dispute.objects.filter(pk=dispute.pk)).get()
        return Response(DisputeDetailSerializer(dispute, context={"request": request}).data)


class FiguresView(APIView):
    @extend_schema(
        responses=figures.FiguresSerializer,
        summary="纠纷数据（指挥中心，按查看人权限范围）",
        parameters=[OpenApiParameter("division", str, description="区划或网格编码（只缩小范围）")],
    )
    def get(self, request: Request) -> Response:
        _staff_only(request)
        division = str(request.query_params.get("division", "")).strip()
        if division and not (division.isascii() and division.isdigit() and len(division) <= 14):
            raise ValidationError({"division": _("区划编码应为数字。")})
        return Response(figures.figures(request.user, division))


class GradeView(APIView):
    @extend_schema(request=GradeInSerializer, responses=GradeOutSerializer, summary="研判一段叙述的风险等级")
    def post(self, request: Request) -> Response:
        if not is_staff(request.user):
            raise MediationForbidden(_("仅限工作人员使用。"))
        form = GradeInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = grading.grade(form.validated_data["text"])
        return Response(result.as_dict())
