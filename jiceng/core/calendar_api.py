"""REST for the working-day calendar: compute a deadline, list a year's holidays and make-up days."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.calendar import current_calendar
from jiceng.core.exceptions import JicengError, NotFound
from jiceng.core.models import CalendarDay, CalendarYear
from jiceng.lib.workdays import SHANGHAI, UNITS

# An unencoded "+08:00" in a query string arrives as " 08:00".
_SPACE_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")
MAX_LIMIT = 100_000


class BadParameter(JicengError):
    code = "invalid"
    status = 400


def parse_moment(value: str | None) -> dt.datetime:
    """An ISO 8601 moment; one without an offset is Beijing time."""
    if not value:
        raise BadParameter(
            _("缺少开始时间 start（ISO 8601 格式，如 2026-09-30T10:00:00+08:00）。"), code="invalid_start"
        )
    text = _SPACE_OFFSET.sub(r"+\1", value.strip())
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _("开始时间“{value}”不是有效的 ISO 8601 时间。").format(value=value[:40]), code="invalid_start"
        ) from None
    if not 1901 <= moment.year <= 2199:
        # Outside any working-day calendar (and before 1901 Beijing time has no whole-minute offset).
        raise BadParameter(_("开始时间须在 1901–2199 年之间。"), code="invalid_start")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def parse_limit(value: str | None) -> float:
    limit: float | None = None
    if value:
        try:
            limit = float(value)
        except ValueError:
            limit = None
    if limit is None or limit != limit or limit in (float("inf"), float("-inf")):
        raise BadParameter(_("时限 limit 必须是数字。"), code="invalid_limit")
    if limit < 0:
        raise BadParameter(_("时限 limit 不能为负数。"), code="invalid_limit")
    if limit > MAX_LIMIT:
        raise BadParameter(_("时限 limit 过大。"), code="invalid_limit")
    return limit


def parse_unit(value: str | None) -> str:
    unit = value or "workday"
    if unit not in UNITS:
        raise BadParameter(
            _("时限单位 unit 只能是 workday（工作日）、workhour（工作小时）或 minute（分钟）。"),
            code="invalid_unit",
        )
    return unit


ERROR = inline_serializer(
    "CalendarError",
    {
        "error": inline_serializer(
            "CalendarErrorBody", {"code": serializers.CharField(), "message": serializers.CharField()}
        )
    },
)


class DeadlineView(APIView):
    """The deadline of a time limit counted on the official working-day calendar."""

    @extend_schema(
        operation_id="calendar_deadline",
        summary="计算办理期限",
        description=(
            "按工作日历计算期限。workday：自开始当日之后的第 N 个工作日 18:00 截止（开始时刻不论早晚）；"
            "workhour：仅计工作时间（工作日 9:00–12:00、14:00–18:00）；minute：自然分钟（应急）。"
            "法定节假日放假、调休上班均已计入；所涉年份日历未完整时返回 409 calendar_missing。"
        ),
        tags=["calendar"],
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                required=True,
                description="开始时间，ISO 8601；无时区视为北京时间",
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.NUMBER, required=True, description="时限数量（≥ 0，可为小数）"
            ),
            OpenApiParameter(
                "unit", OpenApiTypes.STR, enum=list(UNITS), description="时限单位，默认 workday"
            ),
        ],
        responses={
            200: inline_serializer("Deadline", {"deadline": serializers.DateTimeField()}),
            400: OpenApiResponse(ERROR, description="参数错误：invalid_start / invalid_limit / invalid_unit"),
            409: OpenApiResponse(ERROR, description="calendar_missing：所涉年份缺少工作日历"),
        },
        examples=[
            OpenApiExample(
                "国庆前三个工作日", value={"deadline": "2026-10-10T18:00:00+08:00"}, response_only=True
            )
        ],
    )
    def get(self, request: Request) -> Response:
        start = parse_moment(request.query_params.get("start"))
        limit = parse_limit(request.query_params.get("limit"))
        unit = parse_unit(request.query_params.get("unit"))
        deadline = current_calendar().add(start, limit, unit)
        return Response({"deadline": deadline.isoformat()})


class DaysView(APIView):
    """A year's exceptions to the weekly rhythm: holidays and make-up working days (调休)."""

    @extend_schema(
        operation_id="calendar_days",
        summary="某年的法定节假日与调休",
        tags=["calendar"],
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年份，默认今年")],
        responses={
            200: inline_serializer(
                "CalendarYearDays",
                {
                    "year": serializers.IntegerField(),
                    "complete": serializers.BooleanField(),
                    "source": serializers.CharField(),
                    "note": serializers.CharField(),
                    "days": inline_serializer(
                        "CalendarDayItem",
                        {
                            "date": serializers.DateField(),
                            "is_workday": serializers.BooleanField(),
                            "kind": serializers.CharField(
                                help_text="holiday 放假；make_up_workday 调休上班；rest 休息；workday 上班"
                            ),
                            "name": serializers.CharField(),
                            "source": serializers.CharField(),
                        },
                        many=True,
                    ),
                },
            ),
            400: OpenApiResponse(ERROR),
            404: OpenApiResponse(ERROR, description="该年没有任何日历数据"),
        },
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("year") or ""
        if not raw:
            year = timezone.localdate().year
        elif raw.isdigit() and 1900 <= int(raw) <= 2200:
            year = int(raw)
        else:
            raise BadParameter(_("年份 year 必须是四位数字。"), code="invalid_year")
        row = CalendarYear.objects.filter(year=year).first()
        days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
        if row is None and not days:
            raise NotFound(_("没有 {year} 年的工作日历。").format(year=year))
        return Response(
            {
                "year": year,
                "complete": bool(row and row.complete),
                "source": row.source if row else "",
                "note": row.note if row else "",
                "days": [_day(d) for d in days],
            }
        )


def _day(day: CalendarDay) -> dict[str, Any]:
    weekday = day.date.weekday() < 5
    if day.is_workday:
        kind = "workday" if weekday else "make_up_workday"
    else:
        kind = "holiday" if weekday or day.name else "rest"
    return {
        "date": day.date.isoformat(),
        "is_workday": day.is_workday,
        "kind": kind,
        "name": day.name,
        "source": day.source,
    }
