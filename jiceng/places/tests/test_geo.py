"""Coordinates: WGS-84 ↔ GCJ-02 ↔ BD-09, and point → grid."""

from __future__ import annotations

import pytest

from jiceng.lib import geo as coords
from jiceng.places.geo import locate_point
from jiceng.testing import make_grid


def test_gcj02_offsets_a_shenzhen_point_by_a_few_hundred_metres_and_inverts_exactly() -> None:
    lng, lat = 113.88, 22.55
    glng, glat = coords.wgs84_to_gcj02(lng, lat)
    assert 0.003 < abs(glng - lng) < 0.008 and 0.001 < abs(glat - lat) < 0.005
    back = coords.gcj02_to_wgs84(glng, glat)
    assert back == pytest.approx((lng, lat), abs=1e-8)


def test_bd09_round_trips_through_gcj02_to_wgs84() -> None:
    blng, blat = coords.wgs84_to_bd09(113.88, 22.55)
    assert coords.bd09_to_wgs84(blng, blat) == pytest.approx((113.88, 22.55), abs=1e-5)
    assert coords.from_wgs84(113.88, 22.55, "bd-09") == (blng, blat)


def test_points_outside_china_are_not_offset() -> None:
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_an_unknown_coordinate_system_is_refused() -> None:
    with pytest.raises(ValueError):
        coords.to_wgs84(113.88, 22.55, "osgb36")


@pytest.mark.django_db
def test_a_point_is_located_in_the_grid_whose_polygon_contains_it(world) -> None:
    grid = world.grids["haiyu1"]
    assert locate_point(grid.center_lng + 0.001, grid.center_lat - 0.001) == grid
    assert (
        locate_point(world.grids["gushu2"].center_lng, world.grids["gushu2"].center_lat)
        == world.grids["gushu2"]
    )


@pytest.mark.django_db
def test_a_point_outside_every_grid_has_no_grid(world) -> None:
    assert locate_point(114.30, 22.70) is None


@pytest.mark.django_db
def test_a_point_read_from_a_gcj02_or_bd09_map_is_converted_before_the_lookup(world) -> None:
    grid = world.grids["shangchuan1"]
    gcj = coords.wgs84_to_gcj02(grid.center_lng, grid.center_lat)
    bd = coords.wgs84_to_bd09(grid.center_lng, grid.center_lat)
    assert locate_point(*gcj, crs="gcj02") == grid
    assert locate_point(*bd, crs="bd09") == grid


@pytest.mark.django_db
def test_a_grid_added_after_a_lookup_is_found_by_the_next_lookup(world) -> None:
    assert locate_point(113.95, 22.70) is None
    grid = make_grid(world.communities["gushu"], "09", 113.95, 22.70)
    assert locate_point(113.95, 22.70) == grid
