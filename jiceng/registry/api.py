"""REST API of the registry: the one-key lookup, verification tasks, door-to-door collection, patrol."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.registry import actions
from jiceng.registry.lookup import lookup


class LookupView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="一键可知：按房屋/楼栋/网格编码或身份证号查询",
        parameters=[
            OpenApiParameter("code", str, description="25 位房屋、19 位楼栋或 14 位网格编码"),
            OpenApiParameter("id_number", str, description="身份证号"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        return Response(
            lookup(
                request,
                code=request.query_params.get("code", ""),
                id_number=request.query_params.get("id_number", ""),
            )
        )


def _task_dict(task: Any) -> dict[str, Any]:
    return {
        "id": task.pk,
        "kind": task.kind,
        "status": task.status,
        "title": task.title,
        "grid_code": task.grid.code if task.grid else "",
        "room_code": task.room.code if task.room else "",
        "note": task.note,
        "created_at": task.created_at.isoformat(),
    }


class TaskListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="我的核实任务（本人网格内，未处理）", responses={200: dict})
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status", "open")
        tasks = actions.visible_tasks(request.user).filter(status=status).order_by("-created_at")[:200]
        return Response({"results": [_task_dict(t) for t in tasks]})


class TaskResolveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="核实任务：确认 / 更正 / 驳回", request=dict, responses={200: dict})
    def post(self, request: Request, task_id: int) -> Response:
        task = actions.check_resolve_task(
            request.user, task_id, str(request.data.get("outcome", "")), str(request.data.get("note", ""))
        )
        return Response(_task_dict(task))


class CollectPersonView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="上门采集：登记房屋内的人员", request=dict, responses={201: dict})
    def post(self, request: Request, code: str) -> Response:
        d = request.data
        occupancy = actions.check_collect_person(
            request.user,
            code,
            str(d.get("name", "")),
            str(d.get("id_number", "")),
            str(d.get("phone", "")),
            str(d.get("relation", "resident")),
            [str(t) for t in d.get("care_tags", [])] if isinstance(d.get("care_tags"), list) else [],
        )
        return Response({"occupancy_id": occupancy.pk, "person_id": occupancy.person_id}, status=201)


class PatrolView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="巡查上报：生成事件", request=dict, responses={201: dict})
    def post(self, request: Request) -> Response:
        created = actions.check_patrol_report(
            request.user, str(request.data.get("code", "")), str(request.data.get("text", ""))
        )
        return Response(created, status=201)
