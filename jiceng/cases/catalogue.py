"""The event catalogue as data: the default YAML file, CSV/xlsx import and export, all audited.

``jiceng import catalogue FILE`` accepts the project's YAML format (``data/catalogue.yaml``) or a
CSV/xlsx with ``CSV_COLUMNS``; ``jiceng export catalogue FILE`` writes that CSV. Every created or changed
category and type leaves a ``CatalogueChange`` row, as admin edits do.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from jiceng.core.exceptions import JicengError
from jiceng.core.importing import ImportReport, RowError, read_rows
from jiceng.lib.cells import csv_writer

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "catalogue.yaml"
LEVELS = ("community", "street", "district")
UNITS = ("workday", "workhour", "minute")
SEVERITIES = ("general", "serious", "major", "emergency")
CSV_COLUMNS = [
    "code",
    "name",
    "category_code",
    "category_name",
    "description",
    "keywords",
    "lead_kind",
    "level",
    "first_responder_kind",
    "co_kinds",
    "closing_conditions",
    "dispatch_limit",
    "dispatch_unit",
    "accept_limit",
    "accept_unit",
    "handle_limit",
    "handle_unit",
    "resident_limit",
    "severity",
    "is_public",
]
TYPE_FIELDS = [c for c in CSV_COLUMNS if c not in ("code", "category_code", "category_name")]


class CatalogueError(JicengError):
    code = "catalogue_invalid"


def parse_yaml(text: str) -> list[dict[str, Any]]:
    """The YAML format → flat rows with ``CSV_COLUMNS`` (lists kept as lists)."""
    doc = yaml.safe_load(text) or {}
    profiles = doc.get("limits", {})
    rows: list[dict[str, Any]] = []
    for order, cat in enumerate(doc.get("categories", []), start=1):
        for item in cat.get("types", []):
            spec = {"t": item} if isinstance(item, str) else dict(item)
            head, _sep, rest = str(spec["t"]).partition("|")
            keywords, _sep, description = rest.partition("|")
            code, _sp, name = head.strip().partition(" ")
            merged = {**cat, **spec}
            profile = profiles.get(merged.get("limits", "routine"))
            if profile is None:
                raise CatalogueError(f"事项 {code}：未知的时限方案“{merged.get('limits')}”")
            rows.append(
                {
                    "code": code.strip(),
                    "name": name.strip(),
                    "category_code": cat["code"],
                    "category_name": cat["name"],
                    "category_order": order,
                    "description": description.strip(),
                    "keywords": " ".join(keywords.split()),
                    "lead_kind": merged.get("lead", ""),
                    "level": merged.get("level", "street"),
                    "first_responder_kind": merged.get("first", ""),
                    "co_kinds": list(merged.get("co", []) or []),
                    "closing_conditions": list(merged.get("closing", []) or []),
                    "dispatch_limit": profile["dispatch"][0],
                    "dispatch_unit": profile["dispatch"][1],
                    "accept_limit": profile["accept"][0],
                    "accept_unit": profile["accept"][1],
                    "handle_limit": profile["handle"][0],
                    "handle_unit": profile["handle"][1],
                    "resident_limit": profile["resident"],
                    "severity": merged.get("severity", "general"),
                    "is_public": bool(merged.get("public", True)),
                }
            )
    return rows


def default_rows() -> list[dict[str, Any]]:
    return parse_yaml(DEFAULT_FILE.read_text(encoding="utf-8"))


def _split(value: Any, sep: str = "；") -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").replace(";", sep).replace("|", sep)
    return [part.strip() for part in text.split(sep) if part.strip()]


def validate_row(
    row: dict[str, Any], known_kinds: set[str] | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Normalise one row; return it with a list of (column, reason) problems."""
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = dict(row)
    for column in ("code", "name", "category_code", "lead_kind"):
        if not str(row.get(column) or "").strip():
            problems.append((column, "不能为空"))
    if len(str(row.get("code") or "")) > 16:
        problems.append(("code", "不能超过 16 个字符"))
    if row.get("level") not in LEVELS:
        problems.append(("level", f"应为 {'/'.join(LEVELS)}"))
    if row.get("severity", "general") not in SEVERITIES:
        problems.append(("severity", f"应为 {'/'.join(SEVERITIES)}"))
    for name in ("dispatch", "accept", "handle"):
        if row.get(f"{name}_unit") not in UNITS:
            problems.append((f"{name}_unit", f"应为 {'/'.join(UNITS)}"))
    for column in ("dispatch_limit", "accept_limit", "handle_limit", "resident_limit"):
        try:
            value = float(row.get(column))  # type: ignore[arg-type]
            if value <= 0:
                raise ValueError
            out[column] = value
        except (TypeError, ValueError):
            problems.append((column, "应为正数"))
    out["co_kinds"] = (
        _split(row.get("co_kinds"), " ") if not isinstance(row.get("co_kinds"), list) else row["co_kinds"]
    )
    out["closing_conditions"] = _split(row.get("closing_conditions"))
    public = row.get("is_public", True)
    out["is_public"] = (
        public if isinstance(public, bool) else str(public).strip().lower() not in ("0", "false", "否", "no")
    )
    out["keywords"] = " ".join(str(row.get("keywords") or "").split())
    if known_kinds is not None:
        for column in ("lead_kind", "first_responder_kind"):
            kind = str(out.get(column) or "")
            if kind and kind not in known_kinds:
                problems.append((column, f"未知的单位类型“{kind}”"))
        for kind in out["co_kinds"]:
            if kind not in known_kinds:
                problems.append(("co_kinds", f"未知的单位类型“{kind}”"))
    return out, problems


def apply_rows(
    rows: Iterable[dict[str, Any]],
    category_model: Any,
    type_model: Any,
    change_model: Any,
    user_id: int | None = None,
    source: str = "",
) -> tuple[int, int, int]:
    """Upsert categories and types; write one change row per real change. Works on historical models."""
    created = updated = skipped = 0
    categories = {c.code: c for c in category_model.objects.all()}
    existing = {t.code: t for t in type_model.objects.all()}
    for row in rows:
        cat = categories.get(row["category_code"])
        cat_name = row.get("category_name") or row["category_code"]
        if cat is None:
            cat = category_model.objects.create(
                code=row["category_code"],
                name=cat_name,
                order=int(row.get("category_order") or len(categories) + 1),
            )
            categories[cat.code] = cat
            change_model.objects.create(
                user_id=user_id,
                object_type="category",
                object_code=cat.code,
                action="create",
                changes={"name": cat.name},
                source=source,
            )
        elif row.get("category_name") and cat.name != cat_name:
            change_model.objects.create(
                user_id=user_id,
                object_type="category",
                object_code=cat.code,
                action="update",
                changes={"name": [cat.name, cat_name]},
                source=source,
            )
            cat.name = cat_name
            cat.save(update_fields=["name"])
        values = {f: row[f] for f in TYPE_FIELDS}
        current = existing.get(row["code"])
        if current is None:
            obj = type_model.objects.create(code=row["code"], category=cat, **values)
            existing[obj.code] = obj
            change_model.objects.create(
                user_id=user_id,
                object_type="type",
                object_code=obj.code,
                action="create",
                changes=dict(values),
                source=source,
            )
            created += 1
            continue
        diff = {f: [getattr(current, f), v] for f, v in values.items() if getattr(current, f) != v}
        if current.category_id != cat.pk:
            diff["category"] = [current.category_id, cat.code]
            current.category = cat
        if not diff:
            skipped += 1
            continue
        for f, (_old, new) in diff.items():
            if f != "category":
                setattr(current, f, new)
        current.save()
        change_model.objects.create(
            user_id=user_id,
            object_type="type",
            object_code=current.code,
            action="update",
            changes=diff,
            source=source,
        )
        updated += 1
    return created, updated, skipped


def import_catalogue(
    path: Path, source: str = "", stdout: Any = None, user: Any = None, **_: Any
) -> ImportReport:
    """``jiceng import catalogue FILE``: YAML (our format) or CSV/xlsx (``CSV_COLUMNS``), all or nothing."""
    from jiceng.cases.models import CatalogueChange, Category, EventType
    from jiceng.org.models import UnitKind

    path = Path(path)
    report = ImportReport(kind="catalogue", file=path.name)
    known = set(UnitKind.objects.values_list("code", flat=True)) or None
    raw: list[tuple[int, dict[str, Any]]]
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.exists():
            raise CatalogueError(f"找不到文件 {path}")
        raw = list(enumerate(parse_yaml(path.read_text(encoding="utf-8")), start=1))
    else:
        raw = list(read_rows(path, [c for c in CSV_COLUMNS if c not in ("description", "category_name")]))
    rows = []
    seen: set[str] = set()
    for number, row in raw:
        report.rows += 1
        if "__error__" in row:
            report.errors.append(RowError(path.name, number, "*", row["__error__"]))
            continue
        clean, problems = validate_row(row, known)
        if clean.get("code") in seen:
            problems.append(("code", "事项代码重复"))
        seen.add(clean.get("code", ""))
        for column, reason in problems:
            report.errors.append(RowError(path.name, number, column, reason))
        rows.append(clean)
    if report.errors:
        return report
    with transaction.atomic():
        report.created, report.updated, report.skipped = apply_rows(
            rows,
            Category,
            EventType,
            CatalogueChange,
            getattr(user, "pk", None),
            source or f"import:{path.name}",
        )
    return report


def export_catalogue(path: Path, **_: Any) -> int:
    from jiceng.cases.models import EventType

    path = Path(path)
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(CSV_COLUMNS)
        for t in EventType.objects.select_related("category").order_by("code"):
            writer.writerow(
                [
                    t.code,
                    t.name,
                    t.category.code,
                    t.category.name,
                    t.description,
                    t.keywords,
                    t.lead_kind,
                    t.level,
                    t.first_responder_kind,
                    " ".join(t.co_kinds),
                    "；".join(t.closing_conditions),
                    t.dispatch_limit,
                    t.dispatch_unit,
                    t.accept_limit,
                    t.accept_unit,
                    t.handle_limit,
                    t.handle_unit,
                    t.resident_limit,
                    t.severity,
                    "1" if t.is_public else "0",
                ]
            )
            count += 1
    return count
