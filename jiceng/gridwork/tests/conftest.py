"""Grid work fixtures: the shared ``world`` with the shipped checklist and plans present."""

from __future__ import annotations

from typing import Any

import pytest

from jiceng.gridwork.checklist import apply, default_rows
from jiceng.gridwork.models import ChecklistCategory, ChecklistItem, PatrolPlan
from jiceng.testing import World, build_world, restore_reference_data


def ensure_checklist() -> None:
    """Transactional tests flush the rows the data migration loads: put the checklist back."""
    if not ChecklistItem.objects.exists():
        rows, plans = default_rows()
        apply(rows, plans, ChecklistCategory, ChecklistItem, PatrolPlan)


@pytest.fixture
def gw(world: World) -> World:
    ensure_checklist()
    return world


@pytest.fixture
def live_world(transactional_db: Any, settings: Any) -> World:
    from jiceng.cases.tests.test_browser import serve_project_static

    serve_project_static(settings)
    restore_reference_data()
    ensure_checklist()
    return build_world()
