"""REST API of the organisation: ``/api/v1/me/``, the people directory and units with their rosters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.core.params import parse_moment
from jiceng.org import people, roster
from jiceng.org import serializers as s
from jiceng.org.access import access_person
from jiceng.org.drf import IsStaff, SmallPagination, within_filter
from jiceng.org.models import Membership, Role, Unit
from jiceng.org.privacy import may_see_personal_data
from jiceng.org.scopes import scope_for
from jiceng.org.units import covering_units


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="当前用户的角色与可见范围", responses=s.MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        scope = scope_for(user)
        posts = (
            Membership.objects.filter(user=user, is_active=True)
            .select_related("unit", "division")
            .prefetch_related("grids")
            .order_by("role")
        )
        data = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            # One's own data is shown in full and not logged: it discloses nothing to anyone else.
            "phone": user.phone,
            "id_number": user.id_number,
            "is_superuser": user.is_superuser,
            "roles": sorted(scope.roles),
            "scope": list(scope.prefixes),
            "may_see_personal_data": may_see_personal_data(user),
            "posts": posts,
        }
        return Response(s.MeSerializer(data).data)


@extend_schema_view(
    list=extend_schema(
        summary="辖区人员名录",
        description="身份证号、手机号按角色脱敏；网格员、社区工作人员、分拨员、承办人员与管理员可见完整信息，"
        "每次查看写入个人信息访问日志。",
        parameters=[
            OpenApiParameter("role", str, enum=[r.value for r in Role], required=False),
            OpenApiParameter("unit", str, description="单位代码", required=False),
            OpenApiParameter("q", str, description="姓名或账号", required=False),
        ],
        responses=s.PersonSerializer(many=True),
    ),
    retrieve=extend_schema(summary="查看人员", responses=s.PersonSerializer),
)
class PersonViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, IsStaff]
    pagination_class = SmallPagination
    serializer_class = s.PersonSerializer

    def get_queryset(self) -> QuerySet[Any]:
        params = self.request.query_params
        return people.people_for(
            self.request.user,
            role=params.get("role", ""),
            unit=params.get("unit", ""),
            text=params.get("q", ""),
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = people.shown(request, list(page or []))
        context = {"masked": not may_see_personal_data(request.user)}
        return self.get_paginated_response(s.PersonSerializer(rows, many=True, context=context).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        person = access_person(request.user, pk)
        row = people.shown_one(request, person)
        masked = not (may_see_personal_data(request.user) or person.pk == request.user.pk)
        return Response(s.PersonSerializer(row, context={"masked": masked}).data)


def _when(value: str | None, default: dt.datetime) -> dt.datetime:
    if not value:
        return default
    return parse_moment(value, _("时间"))


@extend_schema_view(
    list=extend_schema(
        summary="单位",
        parameters=[
            OpenApiParameter("kind", str, description="单位类型代码，如 chengguan", required=False),
            OpenApiParameter("level", str, enum=["district", "street", "community"], required=False),
            OpenApiParameter("within", str, description="所在区划编码前缀", required=False),
            OpenApiParameter(
                "covering", str, description="管辖该编码（区划、网格、楼栋或房屋）的单位", required=False
            ),
        ],
    ),
    retrieve=extend_schema(summary="按代码查看单位", responses=s.UnitDetailSerializer),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units are organisational facts every staff member may read (who handles what, where)."""

    permission_classes = [IsAuthenticated, IsStaff]
    pagination_class = SmallPagination
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"

    def get_serializer_class(self) -> Any:
        return s.UnitDetailSerializer if self.action == "retrieve" else s.UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        params = self.request.query_params
        covering = (params.get("covering") or "").strip()
        if covering:
            within_filter(covering)  # validates the code
            qs = covering_units(covering)
        else:
            qs = Unit.objects.filter(is_active=True)
        if params.get("kind"):
            qs = qs.filter(kind__code=params["kind"])
        if params.get("level"):
            qs = qs.filter(level=params["level"])
        within = within_filter(params.get("within"), "division__code")
        if within is not None:
            qs = qs.filter(within)
        qs = qs.select_related("kind", "division", "parent").order_by("code")
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("jurisdiction"))
        return qs

    def get_object(self) -> Unit:
        unit = self.get_queryset().filter(code=self.kwargs["code"]).first()
        if unit is None:
            raise NotFound(_("未找到单位“%(code)s”。") % {"code": self.kwargs["code"]})
        return unit

    @extend_schema(
        summary="单位值班表与空档",
        parameters=[
            OpenApiParameter("start", str, description="起始时间（ISO 8601），默认现在", required=False),
            OpenApiParameter("end", str, description="结束时间，默认起始后 7 天", required=False),
        ],
        responses=s.RosterSerializer,
    )
    @action(detail=True, methods=["get"])
    def roster(self, request: Request, code: str) -> Response:
        unit = self.get_object()
        start = _when(request.query_params.get("start"), timezone.now())
        end = _when(request.query_params.get("end"), start + dt.timedelta(days=7))
        if end <= start:
            raise JicengError(_("结束时间须晚于起始时间。"), code="invalid_range")
        if end - start > dt.timedelta(days=62):
            raise JicengError(_("一次最多查询 62 天的值班表。"), code="invalid_range")
        current = roster.on_duty(unit)
        data = {
            "unit": unit.code,
            "start": start,
            "end": end,
            "on_duty": (current.display_name or current.username) if current is not None else None,
            "shifts": list(roster.shifts_between(unit, start, end)),
            "gaps": [{"start": a, "end": b} for a, b in roster.coverage_gaps(unit, start, end)],
        }
        return Response(s.RosterSerializer(data).data)
