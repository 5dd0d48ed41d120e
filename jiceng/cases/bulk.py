"""Bulk actions on the case list and the saved-filter endpoints.

A dispatcher ticks cases and chooses what to do with all of them: accept, assign to a person,
dispatch (or transfer) to one unit, urge or supervise. Each case goes through the same
``check_*`` action as its own page, in its own transaction: the ones refused are reported with the
reason, the rest are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiceng.cases import assignment, saved, views
from jiceng.cases import permissions as perm
from jiceng.cases.forms import action_fields
from jiceng.cases.models import Case
from jiceng.core.exceptions import JicengError, NotFound
from jiceng.org.models import Unit, User
from jiceng.org.scopes import scope_for

MAX_CASES = 100
BULK_ACTIONS = {
    "accept": gettext_lazy("签收"),
    "assign": gettext_lazy("分派到人"),
    "dispatch": gettext_lazy("分拨/转办"),
    "urge": gettext_lazy("催办"),
    "supervise": gettext_lazy("督办"),
}
MAX_REFUSALS_SHOWN = 20


@dataclass(frozen=True)
class BulkResult:
    case_id: int
    number: str
    ok: bool
    message: str = ""


def _one(user: Any, case_id: int, action: str, fields: dict[str, Any]) -> Case:
    if action == "assign":
        if not fields["assignee"]:
            raise JicengError(_("请选择要分派的人员。"), code="assignee_required")
        return assignment.check_assign(user, case_id, assignee=fields["assignee"], reason=fields["reason"])
    if action == "dispatch" and not fields["unit"]:
        raise JicengError(_("请选择承办单位。"), code="unit_required")
    return views._run(user, case_id, action, fields)


def run_bulk(user: Any, case_ids: list[int], action: str, fields: dict[str, Any]) -> list[BulkResult]:
    """Run ``action`` on each case in turn; a refusal stops that case only."""
    if action not in BULK_ACTIONS:
        raise JicengError(_("未知的批量操作。"), code="bad_bulk_action")
    ids = list(dict.fromkeys(case_ids))[:MAX_CASES]
    numbers = {
        c.pk: c.number for c in perm.visible_cases(user).filter(pk__in=ids).only("pk", "registered_at")
    }
    results = []
    for case_id in ids:
        number = numbers.get(case_id) or str(case_id)
        try:
            _one(user, case_id, action, fields)
        except NotFound:
            results.append(BulkResult(case_id, number, False, _("未找到该工单或无权办理。")))
        except JicengError as exc:
            results.append(BulkResult(case_id, number, False, exc.message))
        else:
            results.append(BulkResult(case_id, number, True))
    return results


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(views._safe_next(request, reverse("cases:list")))


@require_POST
@views.case_page
def bulk(request: HttpRequest) -> HttpResponse:
    """POST ids (repeated), action and the action's fields; back to the list with one message per
    refused case and one for those done."""
    if not views.is_staff(request.user):
        raise NotFound(_("批量操作仅限工作人员使用。"))
    ids = _ids(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    if not ids:
        messages.error(request, _("请先勾选工单。"))
        return _back(request)
    fields = action_fields(request.POST, None)
    fields["assignee"] = request.POST.get("assignee", "").strip()
    try:
        results = run_bulk(request.user, ids, action, fields)
    except JicengError as exc:
        messages.error(request, exc.message)
        return _back(request)
    label = BULK_ACTIONS[action]
    done = [r for r in results if r.ok]
    refused = [r for r in results if not r.ok]
    if done:
        messages.success(
            request,
            _("批量%(action)s：%(n)d 件完成（%(numbers)s）。")
            % {"action": label, "n": len(done), "numbers": "、".join(r.number for r in done)},
        )
    for r in refused[:MAX_REFUSALS_SHOWN]:
        messages.error(
            request,
            _("%(number)s 未%(action)s：%(reason)s")
            % {"number": r.number, "action": label, "reason": r.message},
        )
    if len(refused) > MAX_REFUSALS_SHOWN:
        messages.error(request, _("另有 %(n)d 件未完成。") % {"n": len(refused) - MAX_REFUSALS_SHOWN})
    return _back(request)


def bulk_choices(user: Any) -> dict[str, Any]:
    """What the list's bulk bar offers: the units one may dispatch to and the people one may assign."""
    mine = perm.unit_ids(user)
    units = Unit.objects.filter(is_active=True, kind__handles_cases=True)
    if not perm.is_admin(user):
        units = units.filter(Q(pk__in=mine) | scope_for(user).q("division__code"))
    people = (
        User.objects.filter(is_active=True, memberships__unit_id__in=mine, memberships__is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )
    return {
        "bulk_actions": list(BULK_ACTIONS.items()),
        "bulk_units": list(units.select_related("kind").order_by("level", "code")[:300]),
        "bulk_people": list(people[:300]),
    }


@require_POST
@views.case_page
def save_filter(request: HttpRequest) -> HttpResponse:
    try:
        found = saved.check_save_filter(request.user, request.POST.get("name", ""), request.POST)
    except NotFound:
        raise
    except JicengError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(f"{reverse('cases:list')}?{saved.filter_query(request.POST)}")
    messages.success(request, _("已保存常用筛选“%(name)s”。") % {"name": found.name})
    return HttpResponseRedirect(f"{reverse('cases:list')}?{found.query}")


@require_POST
@views.case_page
def delete_filter(request: HttpRequest, filter_id: int) -> HttpResponse:
    saved.check_delete_filter(request.user, filter_id)
    messages.success(request, _("已删除常用筛选。"))
    return HttpResponseRedirect(views._safe_next(request, reverse("cases:list")))
