"""The patrol checklist as data: ``data/patrol_checklist.yaml`` (or a CSV of the same rows), loaded by
the data migration and by ``jiceng import patrol-checklist FILE``; all or nothing, every item's event
type checked against the catalogue."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from jiceng.core.importing import ImportReport, RowError
from jiceng.places.models import BuildingKind

DATA = Path(__file__).parent / "data" / "patrol_checklist.yaml"
CSV_COLUMNS = ["category", "category_name", "code", "name", "event_type", "kinds"]


def parse_yaml(text: str) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Flat rows (one per item, with its category) and the default plan per building kind."""
    doc = yaml.safe_load(text) or {}
    rows: list[dict[str, str]] = []
    for category in doc.get("categories") or []:
        kinds = ";".join(category.get("kinds") or [])
        for item in category.get("items") or []:
            head, _bar, event_type = str(item).partition("|")
            code, _sp, name = head.strip().partition(" ")
            rows.append(
                {
                    "category": str(category.get("code", "")),
                    "category_name": str(category.get("name", "")),
                    "code": code.strip(),
                    "name": name.strip(),
                    "event_type": event_type.strip(),
                    "kinds": kinds,
                }
            )
    plans = {str(k): int(v) for k, v in (doc.get("plans") or {}).items()}
    return rows, plans


def default_rows() -> tuple[list[dict[str, str]], dict[str, int]]:
    return parse_yaml(DATA.read_text(encoding="utf-8"))


def read_file(path: Path) -> tuple[list[dict[str, str]], dict[str, int]]:
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(path.read_text(encoding="utf-8"))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{c: (row.get(c) or "").strip() for c in CSV_COLUMNS} for row in csv.DictReader(fh)], {}


def validate(rows: list[dict[str, str]], known_types: set[str], file: str = "") -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        for column in ("category", "category_name", "code", "name", "event_type"):
            if not row.get(column):
                errors.append(RowError(file, number, column, "不能为空"))
        if row.get("code") in seen:
            errors.append(RowError(file, number, "code", "检查项代码重复"))
        seen.add(row.get("code", ""))
        if row.get("event_type") and known_types and row["event_type"] not in known_types:
            errors.append(RowError(file, number, "event_type", f"事件目录中没有“{row['event_type']}”"))
        for kind in filter(None, (row.get("kinds") or "").split(";")):
            if kind not in BuildingKind.values:
                errors.append(RowError(file, number, "kinds", f"未知的楼栋类型“{kind}”"))
    return errors


def apply(
    rows: list[dict[str, str]],
    plans: dict[str, int],
    category_model: Any,
    item_model: Any,
    plan_model: Any,
) -> tuple[int, int]:
    """Create or update categories and items (models passed in, so the migration can use its own)."""
    created = updated = 0
    categories: dict[str, Any] = {}
    order: dict[str, int] = {}
    for row in rows:
        code = row["category"]
        if code not in categories:
            kinds = [k for k in (row.get("kinds") or "").split(";") if k]
            categories[code], _c = category_model.objects.update_or_create(
                code=code, defaults={"name": row["category_name"], "order": len(categories), "kinds": kinds}
            )
        order[code] = order.get(code, 0) + 1
        _item, was_created = item_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "category": categories[code],
                "name": row["name"],
                "event_type_code": row["event_type"],
                "order": order[code],
                "is_active": True,
            },
        )
        created += was_created
        updated += not was_created
    for kind, every in plans.items():
        plan_model.objects.update_or_create(grid=None, building_kind=kind, defaults={"every_days": every})
    return created, updated


def import_checklist(path: Path, stdout: Any = None, **_: Any) -> ImportReport:
    from jiceng.cases.models import EventType
    from jiceng.gridwork.models import ChecklistCategory, ChecklistItem, PatrolPlan

    path = Path(path)
    report = ImportReport(kind="patrol-checklist", file=path.name)
    rows, plans = read_file(path)
    report.rows = len(rows)
    report.errors = validate(rows, set(EventType.objects.values_list("code", flat=True)), path.name)
    if report.errors:
        return report
    with transaction.atomic():
        report.created, report.updated = apply(rows, plans, ChecklistCategory, ChecklistItem, PatrolPlan)
    return report
