"""Pages over lists that may hold millions of rows.

A district's unfiltered case list at Bao'an's size holds tens of millions of cases; ``COUNT(*)`` over
them on every page view took 0.45 s at 640 K cases and grows with the table. ``BoundedPaginator``
counts exactly up to ``EXACT_LIMIT`` rows (one ``COUNT(*)`` over a ``LIMIT`` subquery, which stops
there) and beyond that takes PostgreSQL's planner estimate for the same query, marked as such
(``exact`` is False): pages say "about N", and the API answers ``count_exact: false``. SQLite, the
embedded database of small sites, has no estimate and always counts.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

EXACT_LIMIT = 10_000


def estimated_rows(queryset: Any) -> int | None:
    """The planner's row estimate for ``queryset`` (PostgreSQL), or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class BoundedPage(Page):
    def has_next(self) -> bool:
        paginator = self.paginator
        if getattr(paginator, "exact", True):
            return super().has_next()
        # An estimated total may be short of the truth: a full page means there may be more.
        return len(self.object_list) >= paginator.per_page


class BoundedPaginator(Paginator):
    """A paginator whose count is exact up to ``exact_limit`` rows and estimated beyond."""

    exact_limit = EXACT_LIMIT

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list
        if not hasattr(queryset, "query"):
            self.exact = True
            return len(queryset)
        counted = queryset[: self.exact_limit + 1].count()
        if counted <= self.exact_limit:
            self.exact = True
            return counted
        estimate = estimated_rows(queryset)
        if estimate is None:
            self.exact = True
            return queryset.count()
        self.exact = False
        return max(estimate, self.exact_limit + 1)

    @property
    def count_is_exact(self) -> bool:
        self.count  # noqa: B018 — sets ``exact``
        return bool(getattr(self, "exact", True))

    def validate_number(self, number: Any) -> int:
        if self.count_is_exact:
            return super().validate_number(number)
        # Past an estimated end: an empty page rather than an error, the estimate may be short.
        try:
            valid = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if valid < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return valid

    def page(self, number: Any) -> Page:
        if self.count_is_exact:
            return super().page(number)
        # Django cuts the last page at ``count``; an estimate may be short of the truth, so a page
        # is always a full slice (it comes back shorter, or empty, where the rows really end).
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return BoundedPage(*args, **kwargs)


class BoundedPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination over a ``BoundedPaginator``, with ``count_exact`` in the answer."""

    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        assert self.page is not None
        paginator = self.page.paginator
        response.data["count_exact"] = not isinstance(paginator, BoundedPaginator) or paginator.count_is_exact
        return response
