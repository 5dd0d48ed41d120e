"""The case side of registry's hooks: open cases at a place for the one-key lookup, and a grid
worker's patrol report turned into a case through the same intake action as every other channel."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from jiceng.cases.actions import check_submit_case
from jiceng.cases.models import OPEN_STATUSES, Case, Channel
from jiceng.lib.codes import CodeKind, kind_of
from jiceng.org.scopes import prefix_q


def _as_dict(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": case.get_status_display(),
        "url": reverse("cases:case", args=[case.pk]),
        "registered_at": case.registered_at.isoformat(),
    }


class CaseProvider:
    """Registered in ``CasesConfig.ready``; registry calls it without importing cases."""

    limit = 50

    def open_cases(self, codes: list[str]) -> list[dict[str, Any]]:
        match = Q()
        for code in codes:
            kind = kind_of(code)
            if kind == CodeKind.GRID:
                match |= Q(grid_code=code)
            elif kind == CodeKind.BUILDING:
                match |= prefix_q("location_code", code)
            elif kind == CodeKind.ROOM:
                match |= Q(location_code=code)
        if not match:
            return []
        cases = Case.objects.filter(match, status__in=OPEN_STATUSES).order_by("-id")[: self.limit]
        return [_as_dict(case) for case in cases]

    def report(self, user: Any, code: str, text: str) -> dict[str, Any]:
        is_grid = len(code) == 14
        case = check_submit_case(
            user,
            description=text,
            channel=Channel.PATROL,
            grid_code=code if is_grid else "",
            location_code="" if is_grid else code,
        )
        return _as_dict(case)


provider = CaseProvider()
