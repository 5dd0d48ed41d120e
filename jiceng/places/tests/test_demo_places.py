"""The demo district's address library."""

from __future__ import annotations

import io

import pytest

from jiceng.places import demo
from jiceng.places.models import Building, Division, Grid, Level, Room

pytestmark = pytest.mark.django_db


def test_the_demo_loads_baoan_with_its_ten_streets_in_order_and_no_logins() -> None:
    out = io.StringIO()
    assert demo.load("small", out) == []
    district = Division.objects.get(code="440306", level=Level.DISTRICT)
    streets = list(district.children.order_by("code").values_list("code", "name"))
    assert [code for code, _ in streets] == [f"440306{i:03d}" for i in range(1, 11)]
    assert streets[0][1] == "新安街道" and streets[-1][1] == "石岩街道"
    assert Division.objects.filter(level=Level.COMMUNITY, parent__code="440306001").count() >= 2
    assert not Grid.objects.filter(polygon="").exists()
    assert Building.objects.exists() and Room.objects.exists()
    assert "地址库 rooms" in out.getvalue()


def test_loading_the_demo_twice_updates_rather_than_duplicates() -> None:
    demo.load("small", None)
    counts = (Division.objects.count(), Grid.objects.count(), Room.objects.count())
    demo.load("small", None)
    assert (Division.objects.count(), Grid.objects.count(), Room.objects.count()) == counts
