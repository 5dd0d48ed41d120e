"""The synthetic Bao'an: consistent, deterministic, and importable as generated."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jiceng.places import generate
from jiceng.places.geo import locate_point
from jiceng.places.importers import IMPORTERS
from jiceng.places.models import Building, Division, Grid, Room

STREETS = ["新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_small_scale_writes_the_four_files_with_the_real_streets_in_code_order(tmp_path: Path) -> None:
    paths = generate.write("small", tmp_path)
    assert [p.name for p in paths] == ["divisions.csv", "grids.csv", "buildings.csv", "rooms.csv"]
    divisions = rows(tmp_path / "divisions.csv")
    streets = [(d["code"], d["name"]) for d in divisions if d["level"] == "street"]
    assert streets == [(f"440306{i + 1:03d}", f"{name}街道") for i, name in enumerate(STREETS)]
    communities = {d["name"] for d in divisions if d["level"] == "community"}
    assert {"海裕社区", "上川社区", "固戍社区"} <= communities
    assert 1000 <= len(rows(tmp_path / "rooms.csv")) <= 10_000


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate.write("small", tmp_path / "a")
    generate.write("small", tmp_path / "b")
    for name in ("divisions.csv", "grids.csv", "buildings.csv", "rooms.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_every_child_code_extends_a_parent_in_the_files(tmp_path: Path) -> None:
    generate.write("small", tmp_path)
    grids = {r["code"] for r in rows(tmp_path / "grids.csv")}
    communities = {r["code"] for r in rows(tmp_path / "divisions.csv") if r["level"] == "community"}
    buildings = rows(tmp_path / "buildings.csv")
    assert {g[:12] for g in grids} <= communities
    assert {b["code"][:14] for b in buildings} <= grids
    assert {r["code"][:19] for r in rows(tmp_path / "rooms.csv")} <= {b["code"] for b in buildings}
    assert {b["kind"] for b in buildings} == {
        "residential",
        "urban_village",
        "commercial",
        "industrial",
        "public",
    }
    assert buildings[0]["address"].startswith("广东省深圳市宝安区新安街道海裕社区")


@pytest.mark.django_db
def test_the_small_files_import_cleanly_and_buildings_lie_in_their_grids(tmp_path: Path) -> None:
    generate.write("small", tmp_path)
    for kind in ("divisions", "grids", "buildings", "rooms"):
        report = IMPORTERS[kind](tmp_path / f"{kind}.csv")
        assert report.ok, report.errors[:3]
    assert Division.objects.get(code="440306").children.count() == 10
    assert Room.objects.count() == len(rows(tmp_path / "rooms.csv"))
    for building in Building.objects.select_related("grid").order_by("?")[:20]:
        assert locate_point(building.lng, building.lat) == building.grid
    assert Grid.objects.exclude(polygon="").count() == Grid.objects.count()
