"""REST API of the address library under ``/api/v1/places/``: divisions, grids, buildings, rooms and
point → grid. Every list and lookup is limited to the caller's scope; anything outside it answers
404 exactly like a code that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.lib.geo import CRS, to_wgs84
from jiceng.org.access import access_division
from jiceng.org.drf import (
    CodeCursorPagination,
    IsStaff,
    ScopedReadOnlyViewSet,
    SmallPagination,
    within_filter,
)
from jiceng.org.scopes import scope_for
from jiceng.places import serializers as s
from jiceng.places.geo import locate_point
from jiceng.places.models import Building, BuildingKind, Division, Grid, Level, Room, RoomUse

WITHIN = OpenApiParameter(
    "within", str, description="只列出编码以此开头的对象（区划、网格或楼栋编码）", required=False
)


def _prefix_params(request: Request, *names: str) -> Q | None:
    """``within``, ``community``, ``grid``, ``building``: all are code-prefix filters."""
    found: Q | None = None
    for name in ("within", *names):
        q = within_filter(request.query_params.get(name))
        if q is not None:
            found = q if found is None else found & q
    return found


@extend_schema_view(
    list=extend_schema(
        summary="辖区内的行政区划",
        parameters=[
            OpenApiParameter("level", str, enum=[c.value for c in Level], required=False),
            OpenApiParameter("parent", str, description="上级区划编码", required=False),
        ],
    ),
    retrieve=extend_schema(summary="按编码查看行政区划"),
)
class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Divisions inside the caller's scope, and those containing it (a grid worker's community)."""

    serializer_class = s.DivisionSerializer
    permission_classes = [IsAuthenticated, IsStaff]
    pagination_class = SmallPagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Division]:
        scope = scope_for(self.request.user)
        qs = Division.objects.filter(scope.q_touching("code")).select_related("parent").order_by("code")
        level = self.request.query_params.get("level")
        if level:
            qs = qs.filter(level=level)
        parent = self.request.query_params.get("parent")
        if parent:
            qs = qs.filter(parent__code=parent)
        return qs

    def get_object(self) -> Division:
        return access_division(self.request.user, self.kwargs["code"])


@extend_schema_view(
    list=extend_schema(
        summary="辖区内的网格",
        parameters=[
            WITHIN,
            OpenApiParameter("community", str, description="社区编码（12 位）", required=False),
            OpenApiParameter("q", str, description="按名称搜索", required=False),
        ],
    ),
    retrieve=extend_schema(summary="按编码查看网格（含边界 GeoJSON）", responses=s.GridDetailSerializer),
)
class GridViewSet(ScopedReadOnlyViewSet):
    queryset = Grid.objects.select_related("community").order_by("code")
    serializer_class = s.GridSerializer
    pagination_class = SmallPagination
    not_found_label = gettext_lazy("网格")

    def get_serializer_class(self) -> Any:
        return s.GridDetailSerializer if self.action == "retrieve" else s.GridSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        prefix = _prefix_params(self.request, "community")
        if prefix is not None:
            queryset = queryset.filter(prefix)
        text = (self.request.query_params.get("q") or "").strip()
        if text:
            queryset = queryset.filter(name__icontains=text)
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="辖区内的楼栋",
        parameters=[
            WITHIN,
            OpenApiParameter("grid", str, description="网格编码（14 位）", required=False),
            OpenApiParameter("kind", str, enum=[c.value for c in BuildingKind], required=False),
            OpenApiParameter("q", str, description="按地址搜索", required=False),
        ],
    ),
    retrieve=extend_schema(summary="按编码查看楼栋", responses=s.BuildingDetailSerializer),
)
class BuildingViewSet(ScopedReadOnlyViewSet):
    queryset = Building.objects.select_related("grid")
    serializer_class = s.BuildingSerializer
    pagination_class = CodeCursorPagination
    not_found_label = gettext_lazy("楼栋")

    def get_queryset(self) -> QuerySet[Building]:
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.select_related("grid__community").annotate(room_count=Count("rooms"))
        return qs

    def get_serializer_class(self) -> Any:
        return s.BuildingDetailSerializer if self.action == "retrieve" else s.BuildingSerializer

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        prefix = _prefix_params(self.request, "grid")
        if prefix is not None:
            queryset = queryset.filter(prefix)
        kind = self.request.query_params.get("kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        text = (self.request.query_params.get("q") or "").strip()
        if text:
            queryset = queryset.filter(address__icontains=text)
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(
        summary="辖区内的房屋",
        parameters=[
            WITHIN,
            OpenApiParameter("building", str, description="楼栋编码（19 位）", required=False),
            OpenApiParameter("floor", int, required=False),
            OpenApiParameter("use", str, enum=[c.value for c in RoomUse], required=False),
        ],
    ),
    retrieve=extend_schema(summary="按编码查看房屋"),
)
class RoomViewSet(ScopedReadOnlyViewSet):
    queryset = Room.objects.select_related("building")
    serializer_class = s.RoomSerializer
    pagination_class = CodeCursorPagination
    not_found_label = gettext_lazy("房屋")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        prefix = _prefix_params(self.request, "building")
        if prefix is not None:
            queryset = queryset.filter(prefix)
        floor = self.request.query_params.get("floor") or ""
        if floor:
            try:
                queryset = queryset.filter(floor=int(floor))
            except ValueError:
                raise JicengError(_("楼层须为整数。"), code="invalid_floor")
        use = self.request.query_params.get("use")
        if use:
            queryset = queryset.filter(use=use)
        return super().filter_queryset(queryset)


def locate_grid(lng: float, lat: float) -> Grid | None:
    """The grid containing a WGS-84 point (bounding-box pre-filter in SQL, exact test in shapely)."""
    return locate_point(lng, lat)


def parse_point(params: Any) -> tuple[float, float]:
    try:
        lng = float(params.get("lng", ""))
        lat = float(params.get("lat", ""))
    except ValueError:
        raise JicengError(_("请提供数字形式的经度 lng 和纬度 lat。"), code="invalid_point")
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise JicengError(_("经纬度超出范围。"), code="invalid_point")
    crs = (params.get("crs") or CRS.WGS84).lower()
    if crs not in {c.value for c in CRS}:
        raise JicengError(_("坐标系须为 wgs84、gcj02 或 bd09。"), code="invalid_crs")
    return to_wgs84(lng, lat, crs)


class LocateView(APIView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        summary="坐标定位网格",
        description="返回包含该点的网格；点不在任何网格内、或网格不在您的辖区内时返回 404。",
        parameters=[
            OpenApiParameter("lng", float, required=True, description="经度"),
            OpenApiParameter("lat", float, required=True, description="纬度"),
            OpenApiParameter(
                "crs", str, enum=[c.value for c in CRS], required=False, description="坐标系，默认 wgs84"
            ),
        ],
        responses=s.LocateResultSerializer,
    )
    def get(self, request: Request) -> Response:
        lng, lat = parse_point(request.query_params)
        grid = locate_grid(lng, lat)
        if grid is None or not scope_for(request.user).covers(grid.code):
            raise NotFound(_("未找到包含该位置的网格。"))
        return Response(s.LocateResultSerializer({"lng": lng, "lat": lat, "grid": grid}).data)
