"""REST API of sensing (under /api/v1/sensing/): gateway ingestion, devices, alarms.

``POST ingest/`` takes the MQTT messages as a JSON list, each with its ``device_id``, authenticated by
a gateway key (``Authorization: Gateway <key>``, from ``jiceng sensing key NAME``); it answers 200 with
what was accepted, duplicated and dead-lettered — a bad item never refuses the good ones. Lists are
scoped: a community's staff see their community's devices and alarms only; anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.api import error_response, page_of
from jiceng.core.params import is_ascii_digits
from jiceng.lib.identity import mask_name, mask_phone
from jiceng.org.scopes import prefix_q
from jiceng.sensing import actions
from jiceng.sensing.ingest import EVENTS, TELEMETRY, Raw, ingest
from jiceng.sensing.models import Alarm, AlarmStatus, Device

MAX_BATCH = 5000


class DeviceSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    values = serializers.SerializerMethodField()
    values_at = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="active | offline | retired")

    class Meta:
        model = Device
        fields = [
            "device_id",
            "kind",
            "kind_name",
            "name",
            "location_code",
            "grid_code",
            "building_code",
            "address",
            "lat",
            "lng",
            "status",
            "installed_on",
            "last_seen_at",
            "values",
            "values_at",
            "contacts",
        ]

    def _state(self, device: Device) -> Any:
        return getattr(device, "state", None)

    def get_values(self, device: Device) -> dict[str, float]:
        state = self._state(device)
        return state.values if state else {}

    def get_values_at(self, device: Device) -> str | None:
        state = self._state(device)
        return state.ts.isoformat() if state and state.ts else None

    def get_contacts(self, device: Device) -> list[dict[str, str]]:
        # Masked: contacts are private persons; the device page reveals them to entitled roles.
        return [
            {"name": mask_name(c.get("name", "")), "phone": mask_phone(c.get("phone", ""))}
            for c in device.contacts
        ]


class AlarmSerializer(serializers.ModelSerializer):
    device = serializers.CharField(source="device.device_id")
    device_name = serializers.CharField(source="device.name")
    case = serializers.IntegerField(source="case_id", allow_null=True)
    status = serializers.CharField(help_text="active | cleared")
    severity = serializers.CharField(help_text="critical | major | minor | warning")

    class Meta:
        model = Alarm
        fields = [
            "id",
            "device",
            "device_name",
            "type",
            "name",
            "severity",
            "status",
            "acknowledged",
            "count",
            "last_value",
            "started_at",
            "last_at",
            "cleared_at",
            "clear_note",
            "grid_code",
            "case",
        ]


class IngestItem(serializers.Serializer):
    device_id = serializers.CharField()
    msg_id = serializers.CharField()
    ts = serializers.CharField(help_text="ISO 8601")
    values = serializers.DictField(child=serializers.FloatField(), required=False)
    event = serializers.CharField(required=False)
    data = serializers.DictField(required=False)  # type: ignore[assignment]


def _gateway(request: Request) -> Any:
    header = request.headers.get("Authorization", "")
    scheme, _sep, key = header.partition(" ")
    if scheme.lower() not in ("gateway", "bearer"):
        key = request.headers.get("X-Gateway-Key", "")
    return actions.gateway_for(key.strip())


class IngestView(APIView):
    """Gateways that cannot speak MQTT post the same messages here, in batches."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    # The contract's body is a JSON list of messages (one object is taken as a batch of one).
    json_body_types = (dict, list)

    @extend_schema(
        request=IngestItem(many=True),
        responses={
            200: inline_serializer(
                "IngestResult",
                {
                    "received": serializers.IntegerField(),
                    "accepted": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "dead": serializers.IntegerField(),
                    "errors": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
        parameters=[
            OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, description="Gateway <key>")
        ],
        summary="网关批量上报设备消息",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        gateway = _gateway(request)
        if gateway is None:
            return error_response(
                "unauthorized", _("网关密钥无效：请在 Authorization 头中提供 Gateway <key>。"), 401
            )
        items = request.data
        if not isinstance(items, list):
            return error_response("invalid", _("请求体应为消息的 JSON 数组。"), 400)
        if len(items) > MAX_BATCH:
            return error_response("too_large", _("每批最多 %(n)d 条消息。") % {"n": MAX_BATCH}, 413)
        raws = []
        for item in items:
            if not isinstance(item, dict):
                raws.append(
                    Raw("", TELEMETRY, item if isinstance(item, str | bytes) else repr(item), source="http")
                )
                continue
            channel = EVENTS if "event" in item else TELEMETRY
            body = {k: v for k, v in item.items() if k != "device_id"}
            raws.append(
                Raw(str(item.get("device_id") or ""), channel, body, source="http", topic=gateway.name)
            )
        result = ingest(raws)
        return Response(
            {
                "received": result.received,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "dead": result.dead,
                "errors": result.dead_reasons,
            }
        )


def _page(request: Request, queryset: QuerySet, serializer: Any, view: APIView) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class DeviceListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("grid", OpenApiTypes.STR, description="网格、社区或街道编码（前缀）"),
            OpenApiParameter("kind", OpenApiTypes.STR, description="设备类型代码"),
            OpenApiParameter("status", OpenApiTypes.STR, description="active | offline | retired"),
        ],
        responses=page_of("DevicePage", DeviceSerializer),
        summary="感知设备列表",
    )
    def get(self, request: Request) -> Response:
        devices = actions.visible_devices(request.user).select_related("kind", "state")
        params = request.query_params
        grid = params.get("grid", "").strip()
        if grid:
            if not is_ascii_digits(grid):
                return error_response("invalid", _("grid 应为网格、社区或街道的数字编码。"), 400)
            devices = devices.filter(prefix_q("grid_code", grid))
        if params.get("kind"):
            devices = devices.filter(kind__code=params["kind"].strip())
        if params.get("status"):
            devices = devices.filter(status=params["status"].strip())
        return _page(request, devices.order_by("device_id"), DeviceSerializer, self)


class DeviceDetailView(APIView):
    @extend_schema(responses=DeviceSerializer, summary="设备详情")
    def get(self, request: Request, device_id: str) -> Response:
        device = actions.access_device(request.user, device_id)
        return Response(DeviceSerializer(device).data)


class AlarmListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="active | cleared"),
            OpenApiParameter("device", OpenApiTypes.STR, description="设备编号"),
            OpenApiParameter("type", OpenApiTypes.STR, description="告警类型，如 leakage_high、sos"),
            OpenApiParameter("severity", OpenApiTypes.STR, description="critical | major | minor | warning"),
        ],
        responses=page_of("AlarmPage", AlarmSerializer),
        summary="告警列表",
    )
    def get(self, request: Request) -> Response:
        alarms = actions.visible_alarms(request.user).select_related("device")
        params = request.query_params
        status = params.get("status", "").strip()
        if status:
            if status not in AlarmStatus.values:
                return error_response("invalid", _("status 应为 active 或 cleared。"), 400)
            alarms = alarms.filter(status=status)
        if params.get("device"):
            alarms = alarms.filter(device__device_id=params["device"].strip())
        if params.get("type"):
            alarms = alarms.filter(type=params["type"].strip())
        if params.get("severity"):
            alarms = alarms.filter(severity=params["severity"].strip())
        return _page(request, alarms.order_by("-started_at", "-id"), AlarmSerializer, self)


class AlarmDetailView(APIView):
    @extend_schema(responses=AlarmSerializer, summary="告警详情")
    def get(self, request: Request, alarm_id: int) -> Response:
        return Response(AlarmSerializer(actions.access_alarm(request.user, alarm_id)).data)


class AlarmAcknowledgeView(APIView):
    @extend_schema(request=None, responses=AlarmSerializer, summary="确认告警")
    def post(self, request: Request, alarm_id: int) -> Response:
        return Response(AlarmSerializer(actions.check_acknowledge(request.user, alarm_id)).data)


class AlarmClearView(APIView):
    @extend_schema(
        request=inline_serializer("AlarmClear", {"note": serializers.CharField()}),
        responses=AlarmSerializer,
        summary="解除告警（须填写说明，解除后不可恢复）",
    )
    def post(self, request: Request, alarm_id: int) -> Response:
        note = request.data.get("note", "") if isinstance(request.data, dict) else ""
        return Response(AlarmSerializer(actions.check_clear(request.user, alarm_id, str(note))).data)
