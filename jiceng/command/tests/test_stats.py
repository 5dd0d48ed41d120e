"""Period arithmetic and the safety-building index."""

from __future__ import annotations

import datetime as dt

from jiceng.command import stats


def test_a_period_inside_one_month_reads_day_rows() -> None:
    assert stats.spans(dt.date(2026, 3, 5), dt.date(2026, 3, 20)) == [
        ("d", dt.date(2026, 3, 5), dt.date(2026, 3, 20))
    ]


def test_whole_months_are_read_from_month_rows() -> None:
    assert stats.spans(dt.date(2026, 1, 15), dt.date(2026, 4, 3)) == [
        ("d", dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
        ("m", dt.date(2026, 2, 1), dt.date(2026, 3, 31)),
        ("d", dt.date(2026, 4, 1), dt.date(2026, 4, 3)),
    ]


def test_a_period_of_exactly_whole_months_reads_no_day_rows() -> None:
    assert stats.spans(dt.date(2025, 12, 1), dt.date(2026, 1, 31)) == [
        ("m", dt.date(2025, 12, 1), dt.date(2026, 1, 31))
    ]


def test_the_index_weighs_its_components() -> None:
    parts = {"on_time": 1.0, "satisfaction": 0.5, "no_overdue": None}
    assert stats.composite(parts, {"on_time": 30, "satisfaction": 10, "no_overdue": 60}) == 87.5


def test_the_index_is_unknown_without_any_figure() -> None:
    assert stats.composite({"on_time": None}, {"on_time": 30}) is None
