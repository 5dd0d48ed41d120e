from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jiceng.triage.duplicates import Candidate, find_duplicates

NOW = datetime(2025, 5, 1, 10, tzinfo=UTC)
TEXT = "建设路与幸福路交叉口井盖缺失，晚上很危险"


def test_a_similar_case_nearby_in_the_window_is_a_duplicate() -> None:
    found = find_duplicates(
        TEXT,
        (113.90, 22.55),
        NOW,
        [(1, "幸福路建设路交叉口的井盖丢了，很危险", 113.901, 22.551, NOW - timedelta(hours=3))],
    )
    assert found and found[0][0] == 1 and 0 < found[0][1] <= 1


def test_a_similar_case_too_far_away_is_not() -> None:
    far = Candidate(2, TEXT, 113.95, 22.60, NOW)
    assert find_duplicates(TEXT, (113.90, 22.55), NOW, [far], max_km=0.5) == []


def test_a_similar_case_outside_the_window_is_not() -> None:
    old = Candidate(3, TEXT, 113.90, 22.55, NOW - timedelta(days=30))
    assert find_duplicates(TEXT, (113.90, 22.55), NOW, [old], window=timedelta(days=7)) == []


def test_a_nearby_case_about_something_else_is_not() -> None:
    other = Candidate(4, "楼上装修噪音太大", 113.90, 22.55, NOW)
    assert find_duplicates(TEXT, (113.90, 22.55), NOW, [other]) == []


def test_results_are_best_first() -> None:
    a = Candidate(5, TEXT, 113.90, 22.55, NOW)
    b = Candidate(6, "建设路幸福路口井盖缺失", 113.90, 22.55, NOW)
    assert [c for c, _ in find_duplicates(TEXT, None, NOW, [b, a])] == [5, 6]
