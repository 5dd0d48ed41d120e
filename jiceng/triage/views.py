"""Staff pages of triage: live accuracy of the proposals against the desk's final types."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiceng.cases.views import case_page, is_staff
from jiceng.core.exceptions import NotFound
from jiceng.triage.live import live_accuracy, recent_by_category

MAX_WEEKS = 52
MAX_DAYS = 366


def _bounded(request: HttpRequest, name: str, default: int, most: int) -> int:
    try:
        return min(most, max(1, int(request.GET.get(name, default))))
    except ValueError:
        return default


@case_page
def live_page(request: HttpRequest) -> HttpResponse:
    """分拨准确率: triage's first proposals against dispatchers' final types, in the viewer's scope."""
    if not is_staff(request.user):
        raise NotFound(_("该页面仅限工作人员查看。"))
    weeks = _bounded(request, "weeks", 8, MAX_WEEKS)
    days = _bounded(request, "days", 30, MAX_DAYS)
    return render(
        request,
        "triage/live.html",
        {
            "live": live_accuracy(request.user, weeks),
            "weeks": weeks,
            "recent": recent_by_category(request.user, days),
            "days": days,
        },
    )
