"""REST API of the command centre (mounted under /api/v1/stats/): one endpoint per panel.

Every endpoint takes the same filters — ``division`` (code), ``period`` (today | 7d | 30d | month |
quarter | year) or ``start``/``end`` (YYYY-MM-DD), ``category`` (code or id), ``unit`` (code or id) —
and answers only for the part of the division inside the caller's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.command import actions, rollup, stats
from jiceng.core.params import refuse_nul

FILTERS = [
    OpenApiParameter("division", OpenApiTypes.STR, description="区划编码（默认：本人辖区）"),
    OpenApiParameter("period", OpenApiTypes.STR, description="today | 7d | 30d | month | quarter | year"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="自定义开始日期"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="自定义结束日期"),
    OpenApiParameter("category", OpenApiTypes.STR, description="事件大类代码或 id"),
    OpenApiParameter("unit", OpenApiTypes.STR, description="单位代码或 id"),
]


def _panel(
    name: str, compute: Callable[[Request, stats.Filters], Any], doc: str, extra: list | None = None
) -> type[APIView]:
    class PanelView(APIView):
        @extend_schema(parameters=[*FILTERS, *(extra or [])], responses=OpenApiTypes.OBJECT, description=doc)
        def get(self, request: Request) -> Response:
            refuse_nul(request.query_params)
            rollup.ensure_fresh()
            filters = stats.filters_for(request.user, request.query_params)
            return Response(compute(request, filters))

    PanelView.__name__ = PanelView.__qualname__ = f"{name}View"
    PanelView.__doc__ = doc
    return PanelView


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


KpiView = _panel("Kpi", lambda r, f: stats.kpis(f), "今日与统计周期的关键指标，以及当前在办情况。")
TrendView = _panel("Trend", lambda r, f: stats.trend(f), "各大类受理量趋势（按日或按月）。")
MapView = _panel(
    "Map",
    lambda r, f: stats.map_values(f, r.query_params.get("metric", "open")),
    "地图着色：下级区划或网格的在办、超期、告警、敏感数。",
    [OpenApiParameter("metric", OpenApiTypes.STR, description="open | overdue | alarms | sensitive")],
)
GeoView = _panel("Geo", lambda r, f: stats.geo(f), "下级区划或网格的边界（GeoJSON）。")
RankingView = _panel(
    "Ranking", lambda r, f: stats.rankings(f, limit=_int(r.query_params.get("limit")) or 15), "单位考评排名。"
)
FeedView = _panel(
    "Feed",
    lambda r, f: stats.feed(f, since=_int(r.query_params.get("since"))),
    "新登记与升级工单的实时动态（短轮询：传上次的 last 作为 since）。",
    [OpenApiParameter("since", OpenApiTypes.INT)],
)
HotTopicView = _panel("HotTopic", lambda r, f: stats.hot_topics(f), "近 7 天的热点诉求。")
WorkerView = _panel("Worker", lambda r, f: stats.workers(f), "网格员最近一次巡查上报的位置。")
CareView = _panel("Care", lambda r, f: stats.care(f), "关爱对象（独居老人、残障人士等）按楼栋分布。")
GridCasesView = _panel(
    "GridCases",
    lambda r, f: stats.grid_cases(r.user, f, r.query_params.get("grid", "")),
    "某网格的在办工单。",
    [OpenApiParameter("grid", OpenApiTypes.STR, required=True)],
)
SafetyIndexView = _panel(
    "SafetyIndex", lambda r, f: stats.safety_index(f), "平安建设考评指数（可配置权重）。"
)
EvaluationView = _panel(
    "Evaluation",
    lambda r, f: {"filters": f.as_dict(), "items": stats.rankings(f, limit=1000)["items"]},
    "各单位考评数据（全部单位）。",
)
CategoryView = _panel("Category", lambda r, f: {"items": stats.categories()}, "事件大类。")


class WeightsView(APIView):
    """The safety-building index weights: read by everyone with a screen, set by district leaders."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        stats.filters_for(request.user, {})
        return Response({"weights": stats.weights(), "may_edit": actions.may_set_weights(request.user)})

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def put(self, request: Request) -> Response:
        values = request.data.get("weights", request.data) if isinstance(request.data, dict) else {}
        return Response({"weights": actions.check_set_index_weights(request.user, dict(values))})
