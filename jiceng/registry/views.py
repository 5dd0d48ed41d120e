"""Grid workers' pages (mobile first): my grids, buildings floor by floor, a room's people and
entities with door-to-door collection, verification tasks, patrol reports; and the one-key lookup."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.lib.cells import csv_writer
from jiceng.registry import actions
from jiceng.registry.lookup import lookup
from jiceng.registry.models import CareTag, Relation, TaskStatus


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "registry/not_found.html", {"message": message}, status=404)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    grids = actions.grids_of(request.user)[:200]
    open_tasks = actions.visible_tasks(request.user).filter(status=TaskStatus.OPEN).count()
    return render(request, "registry/index.html", {"grids": grids, "open_tasks": open_tasks})


@login_required
def lookup_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    if not q:
        return render(request, "registry/lookup.html", {"q": q})
    if len(q) in (14, 19, 25) and q.isdigit():
        return redirect("registry:place", code=q)
    try:
        result = lookup(request, id_number=q)
    except NotFound as exc:
        return _not_found(request, exc.message)
    except JicengError as exc:
        return render(request, "registry/lookup.html", {"q": q, "error": exc.message}, status=400)
    return render(request, "registry/person.html", {"q": q, "r": result})


@login_required
def place(request: HttpRequest, code: str) -> HttpResponse:
    try:
        result = lookup(request, code=code)
    except NotFound as exc:
        return _not_found(request, exc.message)
    except JicengError as exc:
        return render(request, "registry/lookup.html", {"q": code, "error": exc.message}, status=400)
    template = {
        "room": "registry/room.html",
        "building": "registry/building.html",
        "grid": "registry/grid.html",
    }
    context: dict[str, Any] = {"r": result, "relations": Relation.choices, "care_tags": CareTag.values}
    return render(request, template[result["kind"]], context)


def _run(request: HttpRequest, fn: Any, success: str) -> Any:
    try:
        result = fn()
    except NotFound as exc:
        return _not_found(request, exc.message)
    except JicengError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


@login_required
@require_POST
def collect_person(request: HttpRequest, code: str) -> HttpResponse:
    p = request.POST
    result = _run(
        request,
        lambda: actions.check_collect_person(
            request.user,
            code,
            p.get("name", ""),
            p.get("id_number", ""),
            p.get("phone", ""),
            p.get("relation", Relation.RESIDENT),
            p.getlist("care_tags"),
        ),
        _("已登记人员。"),
    )
    return result if isinstance(result, HttpResponse) else redirect("registry:place", code=code)


@login_required
@require_POST
def collect_entity(request: HttpRequest, code: str) -> HttpResponse:
    p = request.POST
    result = _run(
        request,
        lambda: actions.check_collect_entity(
            request.user, code, p.get("name", ""), p.get("uscc", ""), p.get("legal_representative", "")
        ),
        _("已登记单位。"),
    )
    return result if isinstance(result, HttpResponse) else redirect("registry:place", code=code)


@login_required
@require_POST
def end_occupancy(request: HttpRequest, occupancy_id: int) -> HttpResponse:
    result = _run(request, lambda: actions.check_end_occupancy(request.user, occupancy_id), _("已登记搬离。"))
    if isinstance(result, HttpResponse):
        return result
    return redirect("registry:place", code=result.room.code) if result else redirect("registry:index")


@login_required
@require_POST
def patrol(request: HttpRequest, code: str) -> HttpResponse:
    result = _run(
        request,
        lambda: actions.check_patrol_report(request.user, code, request.POST.get("text", "")),
        _("已上报，生成事件。"),
    )
    return result if isinstance(result, HttpResponse) else redirect("registry:place", code=code)


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", TaskStatus.OPEN)
    items = actions.visible_tasks(request.user).filter(status=status).order_by("-created_at")[:100]
    return render(
        request, "registry/tasks.html", {"tasks": items, "status": status, "statuses": TaskStatus.choices}
    )


@login_required
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        item = actions.access_task(request.user, task_id)
    except NotFound as exc:
        return _not_found(request, exc.message)
    if request.method == "POST":
        result = _run(
            request,
            lambda: actions.check_resolve_task(
                request.user, task_id, request.POST.get("outcome", ""), request.POST.get("note", "")
            ),
            _("已处理核实任务。"),
        )
        if isinstance(result, HttpResponse):
            return result
        return redirect("registry:tasks") if result else redirect("registry:task", task_id=task_id)
    records = item.details.get("records", [])
    from jiceng.org.privacy import reveal

    shown = [
        {
            **r,
            **reveal(
                request,
                "record",
                r.get("record_id", ""),
                {
                    "name": r.get("name", ""),
                    "id_number": r.get("id_number", ""),
                    "phone": r.get("phone", ""),
                    "address": r.get("address", ""),
                },
                purpose="verify",
            ),
        }
        for r in records
    ]
    return render(request, "registry/task.html", {"task": item, "records": shown})


def _may_manage_imports(user: Any) -> bool:
    from jiceng.org.models import Role
    from jiceng.org.scopes import scope_for

    return bool(getattr(user, "is_superuser", False) or scope_for(user).has_role(Role.ADMIN))


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    from jiceng.registry.models import ImportBatch

    if not _may_manage_imports(request.user):
        return _not_found(request, _("未找到。"))
    items = ImportBatch.objects.select_related("source").order_by("-created_at")[:100]
    return render(request, "registry/batches.html", {"batches": items})


@login_required
def batch_errors(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The downloadable error report of one import: row, column, level, reason (UTF-8 with BOM for Excel)."""
    from jiceng.registry.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not _may_manage_imports(request.user):
        return _not_found(request, _("未找到导入批次。"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    response.write("\ufeff")
    writer = csv_writer(response)
    writer.writerow(["file", "row", "column", "level", "reason"])
    for e in batch.errors:
        writer.writerow(
            [batch.file_name, e.get("row"), e.get("column"), e.get("level", "error"), e.get("reason")]
        )
    return response
