"""REST for the portal's map (``/api/v1/community/map/…`` and ``/api/v1/community/issues/…``).

The base layer and the public map of issues are anonymous (public-safe fields only, see
``jiceng.community.mapdata``); resolving a pin, the open cases near it and 我也遇到 need a resident's
sign-in.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.community import actions, casebridge, mapdata
from jiceng.community.exceptions import CommunityError
from jiceng.core.exceptions import NotFound


class IssueSerializer(serializers.Serializer):
    """One issue on the public map: no description, reporter, phone or room."""

    number = serializers.CharField(help_text="工单编号")
    type = serializers.CharField(help_text="事项代码（待分类为空）")
    type_name = serializers.CharField()
    state = serializers.ChoiceField(choices=["received", "handling", "finished", "closed"])
    state_label = serializers.CharField()
    lat = serializers.FloatField(help_text="楼栋位置，无楼栋时为网格中心（WGS-84）")
    lng = serializers.FloatField()
    place = serializers.CharField(help_text="楼栋地址或网格名称")
    reported_on = serializers.DateField()
    supporters = serializers.IntegerField(help_text="“我也遇到”的人数")


class NearbySerializer(IssueSerializer):
    distance = serializers.IntegerField(help_text="与图钉的距离（米）")
    joined = serializers.BooleanField()
    mine = serializers.BooleanField()


_BBOX = OpenApiParameter(
    "bbox", OpenApiTypes.STR, description="west,south,east,north（WGS-84）", required=False
)
_POINT = [
    OpenApiParameter("lat", OpenApiTypes.NUMBER, required=True),
    OpenApiParameter("lng", OpenApiTypes.NUMBER, required=True),
]


def _bounds(request: Request) -> mapdata.Bounds | None:
    text = request.query_params.get("bbox", "")
    bounds = mapdata.parse_bbox(text)
    if text and bounds is None:
        raise CommunityError(_("bbox 格式应为 west,south,east,north。"))
    return bounds


class BaseLayerView(APIView):
    """The offline base map: grid outlines and buildings in view, as GeoJSON."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[_BBOX],
        responses=inline_serializer(
            "MapBaseLayer",
            {
                "type": serializers.CharField(),
                "features": serializers.ListField(child=serializers.DictField()),
                "truncated": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        bounds = _bounds(request) or mapdata.extent()
        if bounds is None:
            return Response({"type": "FeatureCollection", "features": [], "truncated": False})
        return Response(mapdata.base_layer(bounds))


class ResolveView(APIView):
    """Where a pin is: its grid, and the building when it is within a few tens of metres of one."""

    @extend_schema(
        parameters=_POINT,
        responses=inline_serializer(
            "MapPlace",
            {
                "inside": serializers.BooleanField(),
                "lat": serializers.FloatField(),
                "lng": serializers.FloatField(),
                "grid": serializers.CharField(required=False),
                "grid_name": serializers.CharField(required=False),
                "community": serializers.CharField(required=False),
                "building": serializers.CharField(required=False),
                "address": serializers.CharField(required=False),
                "distance": serializers.IntegerField(required=False, allow_null=True),
                "message": serializers.CharField(required=False),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        actions.require_resident(request.user, confirmed=False)
        lat, lng = mapdata.check_point(request.query_params.get("lat"), request.query_params.get("lng"))
        return Response(mapdata.resolve(lat, lng).as_json())


class NearbyView(APIView):
    """我也遇到: open public cases of the type near the pin (or in its building), nearest first."""

    @extend_schema(
        parameters=[
            *_POINT,
            OpenApiParameter("type", OpenApiTypes.STR, required=False, description="事项代码"),
            OpenApiParameter("building", OpenApiTypes.STR, required=False, description="19 位楼栋编码"),
        ],
        responses=inline_serializer("NearbyIssues", {"results": NearbySerializer(many=True)}),
    )
    def get(self, request: Request) -> Response:
        actions.require_resident(request.user, confirmed=False)
        params = request.query_params
        lat, lng = mapdata.check_point(params.get("lat"), params.get("lng"))
        found = mapdata.nearby(
            lat,
            lng,
            type_code=params.get("type", "").strip(),
            building_code=params.get("building", "").strip(),
            user=request.user,
        )
        return Response({"results": found})


class IssuesView(APIView):
    """The public map of issues: open ones and those finished in the last 30 days (at most 500,
    newest first), anonymous."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            _BBOX,
            OpenApiParameter("type", OpenApiTypes.STR, required=False, description="事项代码"),
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                required=False,
                enum=["received", "handling", "finished", "closed"],
            ),
        ],
        responses=inline_serializer("PublicIssues", {"results": IssueSerializer(many=True)}),
    )
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state", "").strip()
        if state and state not in ("received", "handling", "finished", "closed"):
            raise CommunityError(_("state 只能是 received、handling、finished 或 closed。"))
        found = mapdata.public_issues(
            bounds=_bounds(request), type_code=request.query_params.get("type", "").strip(), state=state
        )
        return Response({"results": found})


class IssueView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=IssueSerializer)
    def get(self, request: Request, number: str) -> Response:
        found = mapdata.issue(number)
        if found is None:
            raise NotFound(_("未找到该问题。"))
        return Response(found)


class SupportView(APIView):
    """我也遇到: join the open case instead of filing a duplicate; you are told of its progress."""

    @extend_schema(request=None, responses=IssueSerializer)
    def post(self, request: Request, number: str) -> Response:
        actions.check_support_issue(actions.Actor(request.user), number)
        found: Any = mapdata.issue(number)
        return Response(found, status=201)


class SuggestView(APIView):
    """The category step's default: the type triage suggests for the description typed so far."""

    @extend_schema(
        parameters=[OpenApiParameter("text", OpenApiTypes.STR, required=True)],
        responses=inline_serializer(
            "SuggestedType", {"type": serializers.CharField(), "type_name": serializers.CharField()}
        ),
    )
    def get(self, request: Request) -> Response:
        actions.require_resident(request.user, confirmed=False)
        text = request.query_params.get("text", "").strip()[:2000]
        code = casebridge.suggest_code(text) if len(text) >= 5 else ""
        name = mapdata.type_name(code) if code else ""
        return Response({"type": code if name else "", "type_name": name})
