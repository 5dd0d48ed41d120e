"""Load the shipped device kinds and their rules (data/kinds.yaml)."""

from django.db import migrations


def load(apps, schema_editor):
    from jiceng.sensing.defaults import load as load_defaults

    load_defaults(apps.get_model("sensing", "DeviceKind"), apps.get_model("sensing", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("sensing", "0002_telemetry"), ("cases", "0002_default_catalogue")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
