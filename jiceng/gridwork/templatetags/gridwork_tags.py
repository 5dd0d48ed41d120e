"""``{% patrol_coverage_figure division_code %}``: this month's patrol coverage of a division within the
viewer's scope, for the command centre screen. Rendered with the page (cached ten minutes per viewer
scope and division) rather than fetched beside the screen's own requests."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import cache

from jiceng.core.exceptions import NotFound
from jiceng.org.scopes import scope_for

register = template.Library()
CACHE_SECONDS = 600


@register.simple_tag(takes_context=True)
def patrol_coverage_figure(context: dict[str, Any], division_code: str) -> str:
    from jiceng.gridwork import api, coverage

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not scope_for(user).is_staff:
        return "—"
    try:
        prefixes = api.division_prefixes(user, division_code)
    except NotFound:
        return "—"
    start, end = coverage.period()
    key = f"gridwork:coverage:{start}:{end}:{','.join(prefixes)}"
    totals = cache.get(key)
    if totals is None:
        totals = coverage.totals(coverage.by_grid(prefixes, start, end))
        cache.set(key, totals, CACHE_SECONDS)
    if totals["rate"] is None:
        return "—"
    return f"{totals['rate'] * 100:.1f}%（{totals['covered']:,} / {totals['buildings']:,}）"
