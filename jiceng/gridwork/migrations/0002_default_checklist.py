"""Load the shipped patrol checklist and the district's default patrol plans."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from jiceng.gridwork.checklist import apply, default_rows

    rows, plans = default_rows()
    apply(
        rows,
        plans,
        apps.get_model("gridwork", "ChecklistCategory"),
        apps.get_model("gridwork", "ChecklistItem"),
        apps.get_model("gridwork", "PatrolPlan"),
    )


class Migration(migrations.Migration):
    dependencies = [("gridwork", "0001_patrol"), ("cases", "0002_default_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
