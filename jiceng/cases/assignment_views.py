"""Pages and REST endpoints of named assignment (分拨到人): the assign panel on a case, the person's
inbox, and each person's figures beside their unit's in the evaluation. All writes go through
``assignment.check_assign``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.cases import assignment, views
from jiceng.cases import permissions as perm
from jiceng.cases.api import CaseSerializer, _with_relations
from jiceng.cases.forms import PeriodForm
from jiceng.cases.models import Case
from jiceng.core.exceptions import JicengError, NotFound


@views.case_page
def assign_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's "责任人" box (loaded by htmx); POST assigns or reassigns."""
    case = perm.access_case(request.user, case_id)
    if request.method == "POST":
        try:
            assignment.check_assign(
                request.user,
                case.pk,
                assignee=request.POST.get("assignee") or None,
                by_rule=request.POST.get("by_rule") == "1",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已分派到人。"))
        except NotFound:
            raise
        except JicengError as exc:
            messages.error(request, exc.message)
        return redirect("cases:case", case_id=case.pk)
    may = assignment.may_assign(request.user, case) and case.status in assignment.ASSIGNABLE
    context = {
        "case": case,
        "assignee": case.assignee,
        "may_assign": may,
        "members": list(assignment.members(case.lead_unit_id)) if may else [],
    }
    return render(request, "cases/_assign.html", context)


@views.case_page
def my_cases(request: HttpRequest) -> HttpResponse:
    """我的待办: open cases assigned to the viewer by name."""
    if not views.is_staff(request.user):
        raise NotFound(_("个人待办仅限工作人员使用。"))
    rows = views._decorate(list(assignment.assigned_to(request.user)[: views.LIST_SIZE]))
    return render(request, "cases/mine.html", {"rows": rows})


@views.case_page
def people_evaluation(request: HttpRequest) -> HttpResponse:
    """Each person's figures for the evaluation page's period, within the viewer's units."""
    if not views.is_staff(request.user):
        raise NotFound(_("考评页面仅限工作人员查看。"))
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    rows = people_rows(views.evaluable_units(request.user), start, end)
    return render(request, "cases/_people_evaluation.html", {"people": rows})


def people_rows(units: Any, start: Any, end: Any) -> list[assignment.PersonEvaluation]:
    """Each person's figures within ``units`` (a queryset), with their unit's name: the page's table
    and the export's sheet."""
    names = dict(units.values_list("pk", "name"))
    rows = assignment.evaluate_people(start, end, list(names))
    for row in rows:
        row.unit_name = names.get(row.unit_id, "")  # type: ignore[attr-defined]
    return rows


# -- REST -------------------------------------------------------------------------------------------


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="人员 id 或用户名（承办单位在岗人员）"
    )
    by_rule = serializers.BooleanField(
        required=False, default=False, help_text="按规则分派：本网格网格员，其次本社区民警"
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="改派必填")


class CaseAssignView(APIView):
    @extend_schema(request=AssignSerializer, responses=CaseSerializer, summary="分派到人 / 改派到人")
    def post(self, request: Request, case_id: int) -> Response:
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        case = assignment.check_assign(
            request.user,
            case_id,
            assignee=data["assignee"] or None,
            by_rule=data["by_rule"],
            reason=data["reason"],
        )
        case = _with_relations(Case.objects.filter(pk=case.pk)).get()
        return Response(CaseSerializer(case, context={"request": request, "detail": True}).data)


class AssignedCasesView(APIView):
    @extend_schema(responses=CaseSerializer(many=True), summary="我的待办（分派给本人的工单）")
    def get(self, request: Request) -> Response:
        rows = _with_relations(assignment.assigned_to(request.user))[:500]
        return Response(CaseSerializer(rows, many=True, context={"request": request}).data)


def nav_entries(user: Any) -> list[Any]:
    from jiceng.core.navigation import NavEntry

    if not views.is_staff(user):
        return []
    return [NavEntry(_("我的待办"), "/cases/mine/", _("分派给我本人的工单"), order=32)]
