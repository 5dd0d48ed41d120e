"""The default catalogue, its import/export, and the audit of every change."""

from __future__ import annotations

import csv

from jiceng.cases.catalogue import CSV_COLUMNS, export_catalogue, import_catalogue
from jiceng.cases.models import CatalogueChange, Category, EventType


def test_the_default_catalogue_is_loaded_with_enough_categories_and_types(db) -> None:  # type: ignore[no-untyped-def]
    assert Category.objects.count() >= 16 and EventType.objects.count() >= 300
    gas = EventType.objects.get(code="NY06")
    assert (gas.lead_kind, gas.severity, gas.handle_unit, gas.is_public) == (
        "ranqi",
        "emergency",
        "minute",
        False,
    )
    assert all(t.closing_conditions and t.keywords for t in EventType.objects.all())


def test_the_migration_audited_what_it_loaded(db) -> None:  # type: ignore[no-untyped-def]
    assert (
        CatalogueChange.objects.filter(source="migration", object_type="type").count()
        == EventType.objects.count()
    )


def test_an_exported_catalogue_imports_back_unchanged(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "catalogue.csv"
    assert export_catalogue(path) == EventType.objects.count()
    report = import_catalogue(path)
    assert report.ok and report.created == 0 and report.updated == 0


def test_an_import_changes_and_audits_a_type(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "catalogue.csv"
    export_catalogue(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    changed = [r for r in rows if r["code"] == "SR01"]
    changed[0]["handle_limit"] = "1"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(changed)
    report = import_catalogue(path)
    assert report.updated == 1 and EventType.objects.get(code="SR01").handle_limit == 1
    change = CatalogueChange.objects.filter(object_code="SR01", action="update").get()
    assert change.changes["handle_limit"] == [2.0, 1.0]


def test_a_bad_row_stops_the_whole_import(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerow(
            [
                "ZZ01",
                "新事项",
                "ZZ",
                "新大类",
                "",
                "",
                "chengguan",
                "street",
                "",
                "",
                "",
                "2",
                "workhour",
                "2",
                "workhour",
                "5",
                "workday",
                "7",
                "general",
                "1",
            ]
        )
        writer.writerow(
            [
                "ZZ02",
                "坏事项",
                "ZZ",
                "新大类",
                "",
                "",
                "nosuchkind",
                "city",
                "",
                "",
                "",
                "2",
                "workhour",
                "2",
                "workhour",
                "5",
                "workday",
                "7",
                "general",
                "1",
            ]
        )
    report = import_catalogue(path)
    assert not report.ok and {e.column for e in report.errors} == {"lead_kind", "level"}
    assert not EventType.objects.filter(code__startswith="ZZ").exists()


def test_the_yaml_file_imports_through_the_import_verb_without_changes(db) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from jiceng.cases.catalogue import DEFAULT_FILE

    call_command("import", "catalogue", str(DEFAULT_FILE))
    assert not CatalogueChange.objects.exclude(source="migration").exists()
