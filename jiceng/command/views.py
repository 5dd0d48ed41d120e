"""Pages of the command centre: the full-screen situation screen per level and the evaluation page."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases import assignment
from jiceng.cases.evaluation import write_xlsx
from jiceng.command import actions, rollup, stats
from jiceng.core.exceptions import JicengError, NotFound, PermissionDenied
from jiceng.places.models import Division


def _filters(request: HttpRequest) -> stats.Filters:
    try:
        return stats.filters_for(request.user, request.GET)
    except (NotFound, PermissionDenied) as exc:
        # Forbidden and missing look the same from outside.
        raise Http404(str(exc)) from exc


def _trail(request: HttpRequest, division: Division) -> list[dict[str, str]]:
    """Breadcrumbs from the top of the user's screen down to ``division``."""
    home = stats.home_division(request.user)
    chain: list[Division] = []
    node: Division | None = division
    while node is not None:
        chain.append(node)
        if node.code == home.code or len(node.code) <= len(home.code):
            break
        node = node.parent
    return [{"code": d.code, "name": d.name} for d in reversed(chain)]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not stats.screen_allowed(request.user):
        raise Http404(_("指挥中心仅向区、街道、社区的领导和值班人员开放。"))
    return redirect(f"{reverse('command:screen')}?division={stats.home_division(request.user).code}")


@login_required
def screen(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    config = {
        "division": f.division.code,
        "divisionName": f.division.name,
        "level": f.division.level,
        "period": f.period if f.period in stats.PERIODS else "30d",
        "category": f.category_id or "",
        "api": "/api/v1/stats/",
        "screenUrl": reverse("command:screen"),
        "poll": 10,
    }
    return render(
        request,
        "command/screen.html",
        {
            "f": f,
            "config": config,
            "trail": _trail(request, f.division),
            "periods": stats.PERIODS,
            "categories": stats.categories(),
            "now": timezone.localtime(),
        },
    )


@login_required
def evaluation(request: HttpRequest) -> HttpResponse:
    rollup.ensure_fresh()
    f = _filters(request)
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in stats.COMPONENTS if name in request.POST}
        try:
            actions.check_set_index_weights(request.user, values)
            messages.success(request, _("考评指数权重已保存。"))
        except JicengError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    ranking = stats.rankings(f, limit=1000)
    index = stats.safety_index(f)
    chart = {
        "units": [r["unit_name"] for r in ranking["items"][:20]],
        "scores": [r["score"] for r in ranking["items"][:20]],
        "areas": [i["name"] for i in index["items"]],
        "index": [i["index"] for i in index["items"]],
    }
    return render(
        request,
        "command/evaluation.html",
        {
            "f": f,
            "ranking": ranking["items"],
            "index": index,
            "components": [
                (k, str(label), index["weights"][k]) for k, (label, _d) in stats.COMPONENTS.items()
            ],
            "may_edit": actions.may_set_weights(request.user),
            "periods": stats.PERIODS,
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def evaluation_xlsx(request: HttpRequest) -> HttpResponse:
    rollup.ensure_fresh()
    f = _filters(request)
    # The page's ranking order, the page's period, and the people of the ranked units.
    rows = sorted(stats.ranking_rows(f), key=lambda r: (r.score is None, -(r.score or 0), -r.received))
    names = {r.unit_id: r.unit_name for r in rows}
    people = assignment.evaluate_people(f.start, f.end, list(names))
    for person in people:
        person.unit_name = names.get(person.unit_id, "")  # type: ignore[attr-defined]
    stream = io.BytesIO()
    write_xlsx(rows, stream, title=f"{f.division.name}考评", people=people, index=stats.safety_index(f))
    response = HttpResponse(
        stream.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"evaluation-{f.division.code}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
