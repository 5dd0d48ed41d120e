"""Registry fixtures: a person collected door to door, and a verification task made by linkage."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiceng.registry.actions import check_collect_person
from jiceng.registry.models import TaskKind, VerificationTask
from jiceng.registry.tests.factories import import_and_link, person_row, resident_id
from jiceng.testing import World


@pytest.fixture
def resident(world: World) -> str:
    """The ID number of 张伟, an elderly man living alone in 海裕 grid 1, collected by its worker."""
    idn = resident_id("19400101", "123")
    check_collect_person(
        world.people["grid_worker"],
        world.rooms["haiyu1"].code,
        "张伟",
        idn,
        "13812345678",
        care_tags=["独居老人"],
    )
    return idn


@pytest.fixture
def task(world: World, tmp_path: Path) -> VerificationTask:
    """Two departments' records claiming one ID number for two people in 海裕 grid 1."""
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, "13800000001", "海裕社区1号楼101室"),
            person_row("住建", "B1", "欧阳娜", idn, "13900000002", "海裕社区1号楼101室"),
        ],
    )
    return VerificationTask.objects.get(kind=TaskKind.ID_CONFLICT)
