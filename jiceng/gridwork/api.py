"""REST API of grid work (mounted under /api/v1/gridwork/). Writes go through ``actions.check_*``;
refusals are ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.params import refuse_nul
from jiceng.gridwork import actions, coverage
from jiceng.gridwork.exceptions import GridworkError
from jiceng.gridwork.models import ChecklistCategory, Patrol
from jiceng.org.access import access_grid
from jiceng.org.scopes import scope_for

MAX_SYNC = 200


def checklist_data() -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "kinds": c.kinds,
            "items": [
                {"code": i.code, "name": i.name, "event_type": i.event_type_code}
                for i in c.items.all()
                if i.is_active
            ],
        }
        for c in ChecklistCategory.objects.prefetch_related("items").order_by("order", "code")
    ]


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    event_type = serializers.CharField(help_text="发现问题时生成工单的事件类型代码")


class ChecklistCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    items = ChecklistItemSerializer(many=True)


class PatrolChecklistView(APIView):
    @extend_schema(responses=ChecklistCategorySerializer(many=True), summary="巡查检查清单")
    def get(self, request: Request) -> Response:
        actions._staff(request.user)
        return Response(checklist_data())


class SyncEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=actions.SYNC_KINDS)
    id = serializers.CharField(max_length=64, help_text="手机端生成的唯一编号（重发不重复）")
    patrol = serializers.CharField(required=False, help_text="巡查的客户端编号（start 以外）")
    at = serializers.DateTimeField(required=False)
    grid = serializers.CharField(required=False, help_text="start：网格编码")
    lat = serializers.FloatField(required=False)
    lng = serializers.FloatField(required=False)
    accuracy = serializers.FloatField(required=False)
    manual = serializers.BooleanField(required=False)
    building = serializers.CharField(required=False, help_text="楼栋编码（19 位）")
    items = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="{检查项: ok|issue}"
    )
    item = serializers.CharField(required=False, help_text="finding：检查项代码")
    description = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="data:image/…;base64"
    )


class SyncRequestSerializer(serializers.Serializer):
    entries = SyncEntrySerializer(many=True)


class SyncResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    code = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    case = serializers.CharField(required=False)


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)


class PatrolSyncView(APIView):
    """The phone's queue of patrol entries (start, point, check, finding, stop), applied in order.

    Each entry is idempotent on its ``id``: one already stored answers ``duplicate``, so a queue sent
    twice (the answer lost on a dropped connection) stores nothing twice. An entry refused for its
    content answers ``error`` with the reason; the others are applied regardless."""

    @extend_schema(
        request=SyncRequestSerializer, responses=SyncResponseSerializer, summary="巡查离线记录同步"
    )
    def post(self, request: Request) -> Response:
        actions._staff(request.user)
        entries = request.data.get("entries") if isinstance(request.data, dict) else None
        if not isinstance(entries, list):
            raise GridworkError("请提交 entries 列表。", code="bad_request")
        if len(entries) > MAX_SYNC:
            raise GridworkError(f"一次最多同步 {MAX_SYNC} 条记录。", code="too_many")
        results = [
            actions.sync_entry(request.user, e)
            if isinstance(e, dict)
            else {"id": "", "kind": "", "status": "error", "code": "bad_entry", "message": "记录格式无效"}
            for e in entries
        ]
        return Response({"results": results})


class PatrolSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="client_id")
    grid = serializers.CharField(source="grid.code")
    worker = serializers.CharField(source="worker.username")
    points = serializers.IntegerField(source="n_points")
    checks = serializers.IntegerField(source="n_checks")
    findings = serializers.IntegerField(source="n_findings")

    class Meta:
        model = Patrol
        fields = ["id", "grid", "worker", "started_at", "stopped_at", "points", "checks", "findings"]


class PatrolListView(APIView):
    @extend_schema(responses=PatrolSerializer(many=True), summary="巡查记录（辖区内）")
    def get(self, request: Request) -> Response:
        from django.db.models import Count

        actions._staff(request.user)
        rows = (
            Patrol.objects.filter(scope_for(request.user).q("grid__code"))
            .select_related("grid", "worker")
            .annotate(
                n_points=Count("points", distinct=True),
                n_checks=Count("checks", distinct=True),
                n_findings=Count("findings", distinct=True),
            )
            .order_by("-started_at")[:200]
        )
        return Response(PatrolSerializer(rows, many=True).data)


class CoverageRowSerializer(serializers.Serializer):
    grid_code = serializers.CharField()
    grid_name = serializers.CharField()
    buildings = serializers.IntegerField()
    covered = serializers.IntegerField()
    visits_due = serializers.IntegerField()
    visits_made = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    totals = serializers.DictField()
    grids = CoverageRowSerializer(many=True)
    workers = serializers.ListField(child=serializers.DictField())
    missed = serializers.ListField(child=serializers.DictField())


def coverage_report(user: Any, start_text: str = "", end_text: str = "", grid: str = "") -> dict[str, Any]:
    start, end = coverage.period(parse_date(start_text or "") or None, parse_date(end_text or "") or None)
    prefixes = (access_grid(user, grid).code,) if grid else scope_for(user).prefixes
    rows = coverage.by_grid(prefixes, start, end)
    return {
        "start": start,
        "end": end,
        "totals": coverage.totals(rows),
        "grids": rows,
        "workers": coverage.by_worker(prefixes, start, end),
        "missed": coverage.missed(prefixes, start, end, limit=100),
    }


class PatrolCoverageView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD，默认本月 1 日"),
            OpenApiParameter("end", str, description="YYYY-MM-DD，默认今天"),
            OpenApiParameter("grid", str, description="网格编码（14 位），默认整个辖区"),
        ],
        responses=CoverageSerializer,
        summary="巡查覆盖率（按网格、按网格员，未覆盖楼栋）",
    )
    def get(self, request: Request) -> Response:
        actions._staff(request.user)
        p = request.query_params
        refuse_nul(p)
        report = coverage_report(request.user, p.get("start", ""), p.get("end", ""), p.get("grid", ""))
        return Response(CoverageSerializer(report).data)


class DueVisitSerializer(serializers.Serializer):
    code = serializers.CharField()
    address = serializers.CharField()
    kind = serializers.CharField()
    every_days = serializers.IntegerField()
    last = serializers.DateField(allow_null=True)
    next_due = serializers.DateField()
    due = serializers.BooleanField()


class PatrolDueView(APIView):
    @extend_schema(responses=DueVisitSerializer(many=True), summary="网格待巡查楼栋（按巡查计划）")
    def get(self, request: Request, code: str) -> Response:
        actions._staff(request.user)
        grid = access_grid(request.user, code)
        return Response(DueVisitSerializer(coverage.visits_due(grid), many=True).data)


class PlanSerializer(serializers.Serializer):
    building_kind = serializers.CharField()
    every_days = serializers.IntegerField(min_value=1, max_value=365)


class PatrolPlanView(APIView):
    @extend_schema(responses=PlanSerializer(many=True), summary="网格巡查计划（各楼栋类型的巡查周期）")
    def get(self, request: Request, code: str) -> Response:
        actions._staff(request.user)
        grid = access_grid(request.user, code)
        return Response(actions.plan_for(grid))

    @extend_schema(request=PlanSerializer, responses=PlanSerializer(many=True), summary="设置网格巡查周期")
    def post(self, request: Request, code: str) -> Response:
        form = PlanSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        grid = actions.check_set_plan(
            request.user, code, form.validated_data["building_kind"], form.validated_data["every_days"]
        )
        return Response(actions.plan_for(grid))


def division_prefixes(user: Any, code: str) -> tuple[str, ...]:
    """The part of the user's scope inside a division (all of it when the scope covers the division)."""
    from jiceng.org.access import access_division

    scope = scope_for(user)
    if not code:
        return scope.prefixes
    division = access_division(user, code)
    if scope.covers(division.code):
        return (division.code,)
    return tuple(p for p in scope.prefixes if p.startswith(division.code))


class CoverageSummarySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    grids = serializers.IntegerField()
    buildings = serializers.IntegerField()
    covered = serializers.IntegerField()
    visits_due = serializers.IntegerField()
    visits_made = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class PatrolCoverageSummaryView(APIView):
    """The command centre's figure: this month's patrol coverage of a division."""

    @extend_schema(
        parameters=[OpenApiParameter("division", str, description="区划代码，默认整个辖区")],
        responses=CoverageSummarySerializer,
        summary="巡查覆盖率汇总（指挥中心）",
    )
    def get(self, request: Request) -> Response:
        actions._staff(request.user)
        refuse_nul(request.query_params)
        start, end = coverage.period()
        prefixes = division_prefixes(request.user, request.query_params.get("division", ""))
        totals = coverage.totals(coverage.by_grid(prefixes, start, end))
        return Response(CoverageSummarySerializer({"start": start, "end": end, **totals}).data)


# -- collection -------------------------------------------------------------------------------------


def schema_data() -> list[dict[str, Any]]:
    from dataclasses import asdict

    from jiceng.gridwork import collection

    return [
        {
            "code": c.code,
            "name": c.name,
            "record_kind": c.record_kind,
            "fields": [asdict(f) for f in c.fields],
        }
        for c in collection.schema().values()
    ]


class DraftSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    category = serializers.CharField()
    room = serializers.CharField(source="room.code")
    status = serializers.CharField()
    # DRF's metaclass takes declared fields off the class: these do not shadow .data / .errors.
    data = serializers.DictField()  # type: ignore[assignment]
    errors = serializers.DictField()  # type: ignore[assignment]
    records = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class DraftStartSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=["person", "house", "entity", "thing"])
    room = serializers.CharField(help_text="房屋编码（25 位）")


class DraftValuesSerializer(serializers.Serializer):
    data = serializers.DictField(help_text="字段 → 填写的值（原样保存，提交时校验）")  # type: ignore[assignment]


class CollectionCategorySerializer(serializers.Serializer):
    """One category of the household collection form, as ``schema_data`` lists it."""

    code = serializers.CharField()
    name = serializers.CharField()
    record_kind = serializers.CharField()
    fields = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


class CollectionSchemaView(APIView):
    @extend_schema(responses=CollectionCategorySerializer(many=True), summary="入户采集字段表")
    def get(self, request: Request) -> Response:
        actions._staff(request.user)
        return Response(schema_data())


class CollectionDraftListView(APIView):
    @extend_schema(
        request=DraftStartSerializer, responses={201: DraftSerializer}, summary="开始入户采集（草稿）"
    )
    def post(self, request: Request) -> Response:
        from jiceng.gridwork import collection

        form = DraftStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        draft = collection.check_start_draft(
            request.user, form.validated_data["category"], form.validated_data["room"]
        )
        return Response(DraftSerializer(draft).data, status=201)


class CollectionDraftView(APIView):
    @extend_schema(responses=DraftSerializer, summary="采集草稿")
    def get(self, request: Request, draft_id: int) -> Response:
        from jiceng.gridwork import collection

        return Response(DraftSerializer(collection.access_draft(request.user, draft_id)).data)

    @extend_schema(request=DraftValuesSerializer, responses=DraftSerializer, summary="保存采集草稿（逐字段）")
    def patch(self, request: Request, draft_id: int) -> Response:
        from jiceng.gridwork import collection

        form = DraftValuesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        draft = collection.check_save_draft(request.user, draft_id, form.validated_data["data"])
        return Response(DraftSerializer(draft).data)


class CollectionSubmitView(APIView):
    @extend_schema(
        request=DraftValuesSerializer,
        responses={200: DraftSerializer, 400: OpenApiTypes.OBJECT},
        summary="提交入户采集：校验，生成来源记录（door-to-door）",
    )
    def post(self, request: Request, draft_id: int) -> Response:
        from jiceng.core.api import error_response
        from jiceng.gridwork import collection

        values = request.data.get("data") if isinstance(request.data, dict) else None
        try:
            draft = collection.check_submit_draft(
                request.user, draft_id, values if isinstance(values, dict) else None
            )
        except collection.CollectionInvalid as exc:
            return error_response(exc.code, exc.message, 400, details=exc.errors)
        return Response(DraftSerializer(draft).data)


# -- inspections ------------------------------------------------------------------------------------


class VenueSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField()
    kind = serializers.CharField(help_text="small_shop | small_workshop | small_entertainment")
    location_code = serializers.CharField(write_only=True, help_text="房屋（25 位）或楼栋（19 位）编码")
    building = serializers.CharField(source="building.code", read_only=True)
    room = serializers.CharField(source="room.code", default=None, read_only=True)
    entity = serializers.CharField(source="entity.name", default=None, read_only=True)
    owner_name = serializers.CharField()
    owner_phone = serializers.CharField(required=False, allow_blank=True, default="")
    uscc = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    qr_token = serializers.CharField(read_only=True)


class HazardSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    item = serializers.CharField()
    description = serializers.CharField()
    deadline = serializers.DateField()
    status = serializers.CharField()
    case = serializers.IntegerField(source="case_id", allow_null=True)


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    venue = serializers.IntegerField(source="venue_id", allow_null=True)
    room = serializers.CharField(source="room.code", default=None)
    building = serializers.CharField(source="building.code")
    at = serializers.DateTimeField()
    status = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    results = serializers.DictField()
    tenants = serializers.SerializerMethodField()
    checks = serializers.DictField()
    notices = serializers.DictField()
    signer_name = serializers.CharField()
    photos = serializers.SerializerMethodField()
    hazards = HazardSerializer(many=True, source="hazards.all")

    def get_photos(self, obj: Any) -> list[str]:
        return [p.angle for p in obj.photos.all()]

    def get_tenants(self, obj: Any) -> list[dict[str, Any]]:
        # ID numbers leave the server masked; the full number is on record for the registry check.
        return [{k: v for k, v in t.items() if k != "id_number"} for t in obj.tenants]


class VenueListView(APIView):
    @extend_schema(responses=VenueSerializer(many=True), summary="三小场所（辖区内）")
    def get(self, request: Request) -> Response:
        from jiceng.gridwork import inspections

        actions._staff(request.user)
        return Response(VenueSerializer(inspections.visible_venues(request.user)[:500], many=True).data)

    @extend_schema(request=VenueSerializer, responses={201: VenueSerializer}, summary="登记三小场所")
    def post(self, request: Request) -> Response:
        from jiceng.gridwork import inspections

        form = VenueSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        venue = inspections.check_register_venue(request.user, **form.validated_data)
        return Response(VenueSerializer(venue).data, status=201)


class VenueInspectionRequestSerializer(serializers.Serializer):
    results = serializers.JSONField(help_text='{"V01": "ok" | "hazard", …}，每项必填')
    notes = serializers.JSONField(required=False, help_text="{检查项: 隐患描述}")
    signature = serializers.CharField(help_text="负责人签名 data:image/png;base64,…")
    signer_name = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    photo_front = serializers.ImageField(required=False, help_text="以及 photo_north/east/south/west/fire")


class VenueInspectionsView(APIView):
    from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=InspectionSerializer(many=True), summary="场所检查档案")
    def get(self, request: Request, venue_id: int) -> Response:
        from jiceng.gridwork import inspections

        venue = inspections.access_venue(request.user, venue_id)
        rows = venue.inspections.select_related("room", "building").prefetch_related("hazards", "photos")
        return Response(InspectionSerializer(rows.order_by("-at"), many=True).data)

    @extend_schema(
        request={"multipart/form-data": VenueInspectionRequestSerializer},
        responses={201: InspectionSerializer},
        summary="场所检查 / 复查（清单、360°照片、负责人签名）",
    )
    def post(self, request: Request, venue_id: int) -> Response:
        import json

        from jiceng.gridwork import inspections

        def as_dict(value: Any) -> dict[str, str]:
            if isinstance(value, str):
                try:
                    value = json.loads(value or "{}")
                except ValueError:
                    raise GridworkError("results 应为 JSON 对象。", code="bad_request") from None
            return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}

        photos = {angle: request.FILES.get(f"photo_{angle}") for angle, _l in inspections.data()["photo_set"]}
        done = inspections.check_inspect_venue(
            request.user,
            venue_id,
            results=as_dict(request.data.get("results")),
            notes=as_dict(request.data.get("notes")),
            photos=photos,
            signature=str(request.data.get("signature", "")),
            signer_name=str(request.data.get("signer_name", "")),
            note=str(request.data.get("note", "")),
        )
        return Response(InspectionSerializer(done).data, status=201)


class RentalInspectionRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["rental", "hotel"])
    room = serializers.CharField()
    tenants = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    checks = serializers.DictField(help_text="{people|papers|hazards: ok|issue}")
    notices = serializers.DictField(help_text="{fire|security|registration|fraud_drugs: true}")
    signature = serializers.CharField()
    letter_signature = serializers.CharField(help_text="治安责任书签名 data:image/png;base64,…")
    signer_name = serializers.CharField()


class RentalInspectionView(APIView):
    @extend_schema(
        request=RentalInspectionRequestSerializer,
        responses={201: InspectionSerializer},
        summary="出租屋、旅馆检查（三查四告知、治安责任书）",
    )
    def post(self, request: Request) -> Response:
        from jiceng.gridwork import inspections

        form = RentalInspectionRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        done = inspections.check_inspect_rental(
            request.user,
            kind=v["kind"],
            room_code=v["room"],
            tenants=v["tenants"],
            checks=v["checks"],
            notices=v["notices"],
            signature=v["signature"],
            letter_signature=v["letter_signature"],
            signer_name=v["signer_name"],
        )
        return Response(InspectionSerializer(done).data, status=201)


class InspectionDetailView(APIView):
    @extend_schema(responses=InspectionSerializer, summary="检查记录")
    def get(self, request: Request, inspection_id: int) -> Response:
        from jiceng.gridwork import inspections

        return Response(InspectionSerializer(inspections.access_inspection(request.user, inspection_id)).data)


# -- key persons ------------------------------------------------------------------------------------


class KeyPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_name = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    cadre = serializers.CharField()
    officer = serializers.CharField()
    next_visit_due = serializers.DateField()
    overdue = serializers.BooleanField()


def key_person_row(user: Any, person: Any) -> dict[str, Any]:
    from django.utils import timezone

    from jiceng.gridwork import keypersons

    return {
        "id": person.pk,
        "kind": person.kind,
        "kind_name": keypersons.kinds().get(person.kind, {}).get("name", person.kind),
        **keypersons.shown(user, person),
        "cadre": str(person.cadre),
        "officer": str(person.officer),
        "next_visit_due": person.next_visit_due,
        "overdue": person.next_visit_due < timezone.localdate(),
    }


PURPOSE_PARAM = OpenApiParameter(
    "purpose",
    str,
    required=True,
    enum=["visit", "review", "supervise", "handover", "emergency"],
    description="查阅目的（必填，记入访问日志）",
)


class KeyPersonListView(APIView):
    @extend_schema(
        parameters=[PURPOSE_PARAM],
        responses=KeyPersonSerializer(many=True),
        summary="重点人员（本人包挂或督导）",
    )
    def get(self, request: Request) -> Response:
        from jiceng.gridwork import keypersons

        rows = keypersons.read_list(request.user, request.query_params.get("purpose", ""), request)
        return Response(KeyPersonSerializer([key_person_row(request.user, p) for p in rows], many=True).data)


class KeyPersonDetailView(APIView):
    @extend_schema(parameters=[PURPOSE_PARAM], responses=KeyPersonSerializer, summary="重点人员详情")
    def get(self, request: Request, key_person_id: int) -> Response:
        from jiceng.gridwork import keypersons

        person = keypersons.read_one(
            request.user, key_person_id, request.query_params.get("purpose", ""), request
        )
        return Response(KeyPersonSerializer(key_person_row(request.user, person)).data)


class VisitRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["home", "phone", "video"])
    situation = serializers.CharField()
    risk = serializers.ChoiceField(choices=["low", "medium", "high"])


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    at = serializers.DateTimeField()
    mode = serializers.CharField()
    risk = serializers.CharField()
    situation = serializers.CharField()


class KeyPersonVisitsView(APIView):
    @extend_schema(
        request=VisitRequestSerializer,
        responses={201: VisitSerializer},
        summary="登记走访（包联干部、挂点民警）",
    )
    def post(self, request: Request, key_person_id: int) -> Response:
        from jiceng.gridwork import keypersons

        form = VisitRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        visit = keypersons.check_record_visit(request.user, key_person_id, **form.validated_data)
        return Response(VisitSerializer(visit).data, status=201)
