"""``{% case_tabs user as tabs %}``: the case pages this person may open (the home menu's entries),
so the tabs above the case pages never lead to a "not found"."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.core.navigation import NavEntry

register = template.Library()


@register.simple_tag
def case_tabs(user: Any) -> list[NavEntry]:
    from jiceng.cases.nav import entries

    return sorted(entries(user), key=lambda e: e.order)
