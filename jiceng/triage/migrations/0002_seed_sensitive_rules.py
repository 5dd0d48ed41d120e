"""Seed the sensitive-request rules shipped in data/sensitive_rules.json."""

from django.db import migrations


def seed(apps, schema_editor):
    from jiceng.triage.actions import seed_rules

    seed_rules(apps.get_model("triage", "SensitiveRule"))


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
