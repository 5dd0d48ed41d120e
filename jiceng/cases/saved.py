"""Saved case-list filters (常用筛选): a person names the current filter set and gets it back as a
chip. Personal view settings like the notification preferences: they change nothing anyone else
sees, so they are not written to an audit trail (cases keep theirs in ``CaseEvent``, the organisation
in ``OrgEvent``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import CaseError
from jiceng.cases.models import Case, SavedFilter
from jiceng.core.exceptions import NotFound

# The list's filters (``cases.api.filter_cases``); paging and anything else is dropped.
FILTER_KEYS = (
    "q",
    "status",
    "type",
    "category",
    "channel",
    "unit",
    "grid",
    "overdue",
    "escalated",
    "supervised",
    "sensitive",
    "created_after",
    "created_before",
)
MAX_PER_USER = 20
MAX_NAME = 40


def filter_query(params: Any) -> str:
    """The filter part of a query string, in a stable order, empty values left out."""
    pairs = [(key, str(params.get(key, "")).strip()) for key in FILTER_KEYS]
    return urlencode([(k, v) for k, v in pairs if v])


def saved_filters(user: Any) -> list[SavedFilter]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedFilter.objects.filter(user=user).order_by("name"))


def check_save_filter(user: Any, name: str, params: Any) -> SavedFilter:
    """Save (or overwrite, by name) the current filters under ``name``."""
    from jiceng.cases.api import filter_cases

    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("未找到该页面。"))
    name = " ".join(str(name or "").split())
    if not name:
        raise CaseError(_("请为筛选条件起一个名称。"), code="filter_name_required")
    if len(name) > MAX_NAME:
        raise CaseError(_("名称不能超过 %(n)d 个字。") % {"n": MAX_NAME}, code="filter_name_too_long")
    query = filter_query(params)
    if not query:
        raise CaseError(_("当前没有任何筛选条件，无需保存。"), code="filter_empty")
    if len(query) > 500:
        raise CaseError(_("筛选条件过长。"), code="filter_too_long")
    filter_cases(Case.objects.none(), QueryDict(query))  # an unknown status or a bad grid: refused here
    exists = SavedFilter.objects.filter(user=user, name=name).exists()
    if not exists and SavedFilter.objects.filter(user=user).count() >= MAX_PER_USER:
        raise CaseError(
            _("最多保存 %(n)d 个常用筛选，请先删除不用的。") % {"n": MAX_PER_USER}, code="filter_limit"
        )
    return do_save_filter(user, name, query)


def do_save_filter(user: Any, name: str, query: str) -> SavedFilter:
    with transaction.atomic():
        saved, _created = SavedFilter.objects.update_or_create(
            user=user, name=name, defaults={"query": query}
        )
    return saved


def check_delete_filter(user: Any, filter_id: Any) -> None:
    """Delete one of the person's own saved filters; someone else's is "not found"."""
    try:
        pk = int(str(filter_id))
    except ValueError:
        pk = -1
    found = SavedFilter.objects.filter(pk=pk, user_id=getattr(user, "pk", None) or -1).first()
    if found is None:
        raise NotFound(_("未找到该常用筛选。"))
    do_delete_filter(found)


def do_delete_filter(saved: SavedFilter) -> None:
    with transaction.atomic():
        saved.delete()
