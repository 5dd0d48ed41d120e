"""Load the default event catalogue (jiceng/cases/data/catalogue.yaml), audited as a migration."""

from django.db import migrations


def load(apps, schema_editor):
    from jiceng.cases.catalogue import apply_rows, default_rows, validate_row

    rows = []
    for row in default_rows():
        clean, problems = validate_row(row, None)
        if problems:
            raise ValueError(f"catalogue.yaml {row.get('code')}: {problems}")
        rows.append(clean)
    apply_rows(
        rows,
        apps.get_model("cases", "Category"),
        apps.get_model("cases", "EventType"),
        apps.get_model("cases", "CatalogueChange"),
        source="migration",
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
