"""The rankings panel: every unit scored and ranked, only the first ``limit`` rows built."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import pytest

from jiceng.cases.evaluation import UnitEvaluation, unit_score
from jiceng.command import stats
from jiceng.places.models import Division, Level


def reference(f: stats.Filters, rows: list[UnitEvaluation], limit: int) -> dict[str, Any]:
    """The panel as first written: every row as a dictionary (``dataclasses.asdict``), sorted and
    ranked, then cut to ``limit``."""
    items = []
    for row in rows:
        data = dataclasses.asdict(row)
        for name in (
            "accept_on_time_rate", "complete_on_time_rate", "overdue_rate", "return_rate", "reopen_rate",
            "satisfaction_rate", "mean_handling_hours", "score",
        ):  # fmt: skip
            data[name] = getattr(row, name)
        data["score"] = unit_score(row) if row.received else None
        items.append(data)
    items.sort(key=lambda d: (d["score"] is None, -(d["score"] or 0), -d["received"]))
    for n, item in enumerate(items, start=1):
        item["rank"] = n if item["score"] is not None else None
    return {"filters": f.as_dict(), "items": items[:limit], "total": len(items)}


def units(n: int, seed: int) -> list[UnitEvaluation]:
    """Rows like ``ranking_rows`` gives (most received first), with ties in score and in cases
    received, units that received nothing, and units with nothing rated or completed."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = rng.choice([0, 0, 1, 2, 5, 5, 40])
        completed = rng.randint(0, received + 1)
        rated = rng.randint(0, completed)
        rows.append(
            UnitEvaluation(
                i,
                f"u{i:03d}",
                f"单位{i}",
                received=received,
                accepted=received,
                accepted_on_time=rng.randint(0, received),
                completed=completed,
                completed_on_time=rng.randint(0, completed),
                overdue=rng.randint(0, received),
                rated=rated,
                satisfied=rng.randint(0, rated),
                handling_hours_total=rng.choice([0.0, 3.5, 12.25]),
                handling_hours_count=rng.randint(0, 3),
            )
        )
    return sorted(rows, key=lambda r: (-r.received, r.unit_code))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("limit", [1, 15, 1000])
def test_the_rankings_equal_ranking_every_row_in_full(
    monkeypatch: pytest.MonkeyPatch, seed: int, limit: int
) -> None:
    district = Division(code="440306", name="宝安区", level=Level.DISTRICT)
    f = stats.Filters(district, ("440306",), dt.date(2026, 1, 1), dt.date(2026, 12, 7), "year")
    rows = units(300, seed)
    monkeypatch.setattr(stats, "ranking_rows", lambda _f: [dataclasses.replace(r) for r in rows])
    got = stats.rankings(f, limit=limit)
    assert got == reference(f, rows, limit)
    assert got["total"] == 300
    assert any(i["rank"] is None for i in stats.rankings(f, limit=1000)["items"])


def test_a_unit_row_as_a_dictionary_is_what_asdict_gives_plus_the_rates() -> None:
    row = units(1, 5)[0]
    data = row.as_dict()
    assert {k: data[k] for k in dataclasses.asdict(row)} == dataclasses.asdict(row)
    assert data["score"] == row.score and data["overdue_rate"] == row.overdue_rate
