"""``jiceng demo``: a few hundred people and entities for the demo district, through the real import
and linkage (records from five departments → ``do_link``), with care tags; run after places and org."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import TextIO

from jiceng.core.plugins import DemoLogin
from jiceng.org.models import Membership, Role
from jiceng.places.models import Building, Room
from jiceng.registry import synth
from jiceng.registry.actions import do_import_records, do_link
from jiceng.registry.models import Person, SourceRecord

PEOPLE = {"small": 300, "district": 3000}


def _buildings() -> list[Building]:
    worker_grids = list(
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True).values_list("grids__id", flat=True)
    )
    chosen = list(Building.objects.filter(grid_id__in=[g for g in worker_grids if g])[:40])
    if len(chosen) < 10:
        chosen += list(Building.objects.exclude(pk__in=[b.pk for b in chosen])[: 40 - len(chosen)])
    return chosen


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    if SourceRecord.objects.exists():
        out.write("块数据演示：已有数据，跳过。\n")
        return []
    buildings = _buildings()
    if not buildings:
        out.write("块数据演示：未找到楼栋（请先载入地址库演示数据），已跳过。\n")
        return []
    rooms = Room.objects.filter(building__in=buildings).values_list("code", "room_no", "floor")
    library = synth.library_from_rows([(b.code, b.address) for b in buildings], rooms)
    persons = synth.population(library, PEOPLE.get(scale, 300))
    rows = list(synth.person_records(persons, library)) + list(synth.entity_records(library, 30))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-records.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(synth.Row.COLUMNS)
            for row in rows:
                writer.writerow(row.values())
        report = do_import_records(path, "")
    summary = do_link()
    for person in persons:
        if person.care:
            Person.objects.filter(id_number=person.id_number).update(care_tags=list(person.care))
    out.write(
        f"块数据演示：导入 {report.created} 条部门记录，关联为 {summary.persons} 人、{summary.entities} 个单位，"
        f"{summary.tasks} 项核实任务。\n"
    )
    return []
