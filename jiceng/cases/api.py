"""REST API of cases (mounted under /api/v1/): intake, lists, detail, trail and every action.

All writes go through ``actions.check_*``, exactly as the pages and Open311 do; refusals are
``JicengError`` subclasses rendered as ``{"error": {"code", "message"}}`` by ``core.api``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.cases import actions, lifecycle, queries
from jiceng.cases import permissions as perm
from jiceng.cases.exceptions import CaseError
from jiceng.cases.models import Case, CaseUnit, EventType, Status
from jiceng.core.api import ObjectJSONParser
from jiceng.core.exceptions import NotFound
from jiceng.core.params import is_ascii_digits, parse_day, parse_moment
from jiceng.lib.identity import mask_name, mask_phone
from jiceng.lib.paging import BoundedPageNumberPagination
from jiceng.org.privacy import reveal
from jiceng.org.scopes import prefix_q

API_ACTIONS = (*lifecycle.PUBLIC_ACTIONS, "add_cohandler")


# -- serializers ------------------------------------------------------------------------------------


class EventTypeSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    level = serializers.CharField(help_text="community | street | district")
    dispatch_unit = serializers.CharField(help_text="workday | workhour | minute")
    accept_unit = serializers.CharField(help_text="workday | workhour | minute")
    handle_unit = serializers.CharField(help_text="workday | workhour | minute")

    class Meta:
        model = EventType
        fields = [
            "code",
            "name",
            "category",
            "category_name",
            "description",
            "keywords",
            "lead_kind",
            "level",
            "first_responder_kind",
            "co_kinds",
            "closing_conditions",
            "dispatch_limit",
            "dispatch_unit",
            "accept_limit",
            "accept_unit",
            "handle_limit",
            "handle_unit",
            "resident_limit",
            "severity",
            "is_public",
        ]


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    event_type = serializers.CharField(
        source="event_type.code", default=None, read_only=True, allow_null=True
    )
    event_type_name = serializers.CharField(
        source="event_type.name", default=None, read_only=True, allow_null=True
    )
    lead_unit = serializers.CharField(source="lead_unit.code", default=None, read_only=True, allow_null=True)
    lead_unit_name = serializers.CharField(
        source="lead_unit.name", default=None, read_only=True, allow_null=True
    )
    desk_unit = serializers.CharField(source="desk_unit.code", default=None, read_only=True, allow_null=True)
    co_units = serializers.SerializerMethodField()
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    level = serializers.CharField(read_only=True, help_text="处置层级：community | street | district")
    floor_level = serializers.CharField(read_only=True, help_text="单向升级后的最低层级")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "description",
            "channel",
            "status",
            "status_label",
            "priority",
            "sensitive",
            "is_public",
            "event_type",
            "event_type_name",
            "grid_code",
            "community_code",
            "street_code",
            "location_code",
            "address",
            "lat",
            "lng",
            "level",
            "floor_level",
            "desk_unit",
            "lead_unit",
            "lead_unit_name",
            "assignee",
            "assigned_at",
            "co_units",
            "first_responder",
            "escalated",
            "supervised",
            "urge_count",
            "reopen_count",
            "rating",
            "merged_into",
            "reporter_name",
            "reporter_phone",
            "registered_at",
            "accepted_at",
            "completed_at",
            "closed_at",
            "due_at",
            "warn_at",
            "resident_due_at",
            "supervision_due_at",
            "overdue",
            "resident_overdue",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _personal(self, case: Case) -> dict[str, str]:
        cache = self.context.setdefault("_personal", {})
        if case.pk not in cache:
            request = self.context.get("request")
            values = {"name": case.reporter_name, "phone": case.reporter_phone}
            user = getattr(request, "user", None)
            if user is not None and case.reporter_id == user.pk:
                cache[case.pk] = values
            elif self.context.get("detail") and request is not None:
                cache[case.pk] = reveal(request, "case", case.pk, values, purpose="case")
            else:
                cache[case.pk] = {"name": mask_name(values["name"]), "phone": mask_phone(values["phone"])}
        return cache[case.pk]

    def get_reporter_name(self, case: Case) -> str:
        return self._personal(case)["name"]

    def get_reporter_phone(self, case: Case) -> str:
        return self._personal(case)["phone"]

    def get_co_units(self, case: Case) -> list[str]:
        links = getattr(case, "co_links", None)
        if links is None:
            links = case.units.filter(role="co", is_active=True).select_related("unit")
        return [link.unit.code for link in links]

    def get_allowed_actions(self, case: Case) -> list[str]:
        return [a for a in lifecycle.allowed_actions(case.status) if a in API_ACTIONS]


class SubmitSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    type_code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    location_code = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    grid_code = serializers.CharField(max_length=14, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=["portal", "hotline", "patrol", "sensor", "mediation", "open311", "api"], required=False
    )
    reporter_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="也可用 Idempotency-Key 请求头",
    )
    is_public = serializers.BooleanField(required=False, default=True)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ActionSerializer(serializers.Serializer):
    """The fields the actions take; each action reads those it needs."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="单位代码或编号（分拨、协办）"
    )
    co_units = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    type_code = serializers.CharField(required=False, allow_blank=True, default="")
    to_level = serializers.ChoiceField(
        choices=["community", "street", "district"], required=False, allow_null=True, default=None
    )
    checklist = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    passed = serializers.BooleanField(required=False, default=True)
    score = serializers.IntegerField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    due = serializers.DateTimeField(required=False, allow_null=True, default=None)
    days = serializers.FloatField(required=False, allow_null=True, default=None)
    into = serializers.CharField(required=False, allow_blank=True, default="", help_text="合并到的工单编号")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class TimelineSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    status_label = serializers.CharField()
    actor = serializers.CharField()
    unit = serializers.CharField()
    reason = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]


# -- views ------------------------------------------------------------------------------------------


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "是")


def _moment(value: str | None, end: bool = False) -> Any:
    if not value:
        return None
    if len(value) > 10:
        return parse_moment(value, _("登记时间"))
    day = parse_day(value, _("登记时间"))
    from datetime import datetime, time, timedelta

    return timezone.make_aware(datetime.combine(day + timedelta(days=1) if end else day, time.min))


def filter_cases(queryset: QuerySet[Case], params: Any) -> QuerySet[Case]:
    """The list filters shared by the API and the pages."""
    if params.get("status"):
        statuses = [s for s in params["status"].split(",") if s]
        bad = [s for s in statuses if s not in Status.values]
        if bad:
            raise CaseError(_("未知的状态：%(s)s") % {"s": "、".join(bad)}, code="bad_filter")
        queryset = queryset.filter(status__in=statuses)
    if params.get("type"):
        queryset = queryset.filter(event_type__code=params["type"])
    if params.get("category"):
        queryset = queryset.filter(event_type__category__code=params["category"])
    if params.get("channel"):
        queryset = queryset.filter(channel=params["channel"])
    if params.get("unit"):
        unit = params["unit"]
        queryset = queryset.filter(
            Q(lead_unit__code=unit)
            | Q(pk__in=CaseUnit.objects.filter(unit__code=unit, is_active=True).values("case_id"))
        )
    if params.get("grid"):
        if not is_ascii_digits(params["grid"]):
            raise CaseError(_("网格编码只能由数字组成。"), code="bad_grid")
        queryset = queryset.filter(prefix_q("grid_code", params["grid"]))
    overdue = _flag(params.get("overdue"))
    if overdue is True:
        queryset = queryset.filter(Q(overdue=True) | Q(resident_overdue=True))
    elif overdue is False:
        queryset = queryset.filter(overdue=False, resident_overdue=False)
    for name, field in (("escalated", "escalated"), ("supervised", "supervised"), ("sensitive", "sensitive")):
        value = _flag(params.get(name))
        if value is not None:
            queryset = queryset.filter(**{field: value})
    if params.get("created_after"):
        queryset = queryset.filter(registered_at__gte=_moment(params["created_after"]))
    if params.get("created_before"):
        queryset = queryset.filter(registered_at__lt=_moment(params["created_before"], end=True))
    if params.get("q"):
        text = params["q"].strip()
        case_id = Case.id_from_number(text)
        queryset = queryset.filter(Q(title__icontains=text) | Q(pk=case_id or -1))
    return queryset


LIST_PARAMETERS = [
    OpenApiParameter("status", str, description="状态，可用逗号分隔多个：" + ", ".join(Status.values)),
    OpenApiParameter("type", str, description="事件类型代码"),
    OpenApiParameter("category", str, description="事件大类代码"),
    OpenApiParameter("channel", str, description="来源渠道"),
    OpenApiParameter("unit", str, description="承办单位代码（主办或协办）"),
    OpenApiParameter("grid", str, description="区划或网格编码前缀（6/9/12/14 位）"),
    OpenApiParameter("overdue", bool, description="是否超期"),
    OpenApiParameter("escalated", bool),
    OpenApiParameter("supervised", bool),
    OpenApiParameter("sensitive", bool),
    OpenApiParameter("created_after", OpenApiTypes.DATETIME, description="登记时间起（日期或时间）"),
    OpenApiParameter("created_before", OpenApiTypes.DATETIME, description="登记时间止（含当日）"),
    OpenApiParameter("q", str, description="标题关键词或工单编号"),
]


def _with_relations(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("event_type", "lead_unit", "desk_unit").prefetch_related(
        Prefetch(
            "units",
            queryset=CaseUnit.objects.filter(role="co", is_active=True).select_related("unit"),
            to_attr="co_links",
        )
    )


class CasePageSerializer(serializers.Serializer):
    """One page of cases, as ``PageNumberPagination`` answers it."""

    count = serializers.IntegerField(help_text="总数；超过一万条时为数据库估计值（见 count_exact）")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseSerializer(many=True)
    count_exact = serializers.BooleanField(help_text="count 是否为精确值（超过一万条时为估计）")


class CaseListView(APIView):
    """Cases the user may see (staff: their scope and their units' cases; residents: their own)."""

    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=LIST_PARAMETERS, responses=CasePageSerializer, summary="工单列表")
    def get(self, request: Request) -> Response:
        queryset = _with_relations(filter_cases(perm.visible_cases(request.user), request.query_params))
        queryset = queryset.order_by("-registered_at", "-id")
        paginator = BoundedPageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = CaseSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request={"application/json": SubmitSerializer, "multipart/form-data": SubmitSerializer},
        responses={201: CaseSerializer, 200: CaseSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        summary="提交工单",
        operation_id="cases_submit",
    )
    def post(self, request: Request) -> Response:
        form = SubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        data.pop("photos", None)
        key = data.pop("idempotency_key", "") or request.headers.get("Idempotency-Key", "")
        channel = data.pop("channel", None) or None
        existing_before = None
        if key:
            existing_before = (
                Case.objects.filter(
                    idempotency_key=actions._idempotency_key(
                        request.user, channel or actions.default_channel(request.user), key
                    )
                )
                .values_list("pk", flat=True)
                .first()
            )
        case = actions.check_submit_case(
            request.user, channel=channel, photos=photos, idempotency_key=key, **data
        )
        status = 200 if existing_before == case.pk else 201
        case = _with_relations(Case.objects.filter(pk=case.pk)).get()
        return Response(
            CaseSerializer(case, context={"request": request, "detail": True}).data, status=status
        )


class CaseDetailView(APIView):
    @extend_schema(responses=CaseSerializer, summary="工单详情")
    def get(self, request: Request, case_id: int) -> Response:
        case = perm.access_case(request.user, case_id, _with_relations(Case.objects.all()))
        return Response(CaseSerializer(case, context={"request": request, "detail": True}).data)


class CaseEventsView(APIView):
    @extend_schema(responses=TimelineSerializer(many=True), summary="工单全流程记录")
    def get(self, request: Request, case_id: int) -> Response:
        case = perm.access_case(request.user, case_id)
        entries = queries.timeline(case, request.user)
        return Response(TimelineSerializer([e.__dict__ for e in entries], many=True).data)


def run_action(user: Any, case_id: Any, action: str, data: dict[str, Any], photos: list[Any]) -> Case:
    """Map an action name and its form fields onto ``actions.check_<action>``."""
    a = actions
    if action == "dispatch":
        return a.check_dispatch(
            user,
            case_id,
            unit=data["unit"] or None,
            co_units=data["co_units"],
            type_code=data["type_code"],
            reason=data["reason"],
        )
    if action == "accept":
        return a.check_accept(user, case_id)
    if action == "return":
        return a.check_return(user, case_id, reason=data["reason"], to_level=data["to_level"])
    if action == "progress":
        return a.check_progress(user, case_id, note=data["note"] or data["reason"], photos=photos)
    if action == "complete":
        return a.check_complete(
            user, case_id, note=data["note"] or data["reason"], checklist=data["checklist"], photos=photos
        )
    if action == "verify":
        return a.check_verify(user, case_id, passed=data["passed"], note=data["note"] or data["reason"])
    if action == "escalate":
        return a.check_escalate(user, case_id, reason=data["reason"])
    if action == "suspend":
        return a.check_suspend(user, case_id, reason=data["reason"])
    if action == "resume":
        return a.check_resume(user, case_id, note=data["note"] or data["reason"])
    if action == "urge":
        return a.check_urge(user, case_id, note=data["note"] or data["reason"])
    if action == "supervise":
        return a.check_supervise(user, case_id, reason=data["reason"], due=data["due"], days=data["days"])
    if action == "rate":
        if data["score"] is None:
            raise CaseError(_("请给出 1 到 5 分的评价。"), code="bad_score")
        return a.check_rate(user, case_id, score=data["score"], comment=data["comment"] or data["note"])
    if action == "reopen":
        return a.check_reopen(user, case_id, reason=data["reason"])
    if action == "merge":
        if not data["into"]:
            raise CaseError(_("请指定要合并到的工单。"), code="into_required")
        return a.check_merge(user, case_id, into=data["into"], reason=data["reason"])
    if action == "invalidate":
        return a.check_invalidate(user, case_id, reason=data["reason"])
    if action == "close":
        return a.check_close(user, case_id, reason=data["reason"])
    if action == "add_cohandler":
        return a.check_add_cohandler(user, case_id, unit=data["unit"])
    raise NotFound(_("未知的操作“%(action)s”。") % {"action": action})


class CaseActionView(APIView):
    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": ActionSerializer, "multipart/form-data": ActionSerializer},
        responses=CaseSerializer,
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(API_ACTIONS))],
        summary="工单操作（分拨、签收、退回、办结、评价……）",
        operation_id="cases_action",
    )
    def post(self, request: Request, case_id: int, action: str) -> Response:
        form = ActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        case = run_action(request.user, case_id, action, dict(form.validated_data), photos)
        case = _with_relations(Case.objects.filter(pk=case.pk)).get()
        return Response(CaseSerializer(case, context={"request": request, "detail": True}).data)


class EventTypeListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("category", str),
            OpenApiParameter("q", str, description="名称或关键词"),
        ],
        responses=EventTypeSerializer(many=True),
        summary="事件目录",
    )
    def get(self, request: Request) -> Response:
        queryset = EventType.objects.filter(is_active=True).select_related("category").order_by("code")
        if not perm.posts(request.user):
            queryset = queryset.filter(is_public=True)
        if request.query_params.get("category"):
            queryset = queryset.filter(category__code=request.query_params["category"])
        if request.query_params.get("q"):
            text = request.query_params["q"]
            queryset = queryset.filter(Q(name__icontains=text) | Q(keywords__icontains=text) | Q(code=text))
        return Response(EventTypeSerializer(queryset, many=True).data)
