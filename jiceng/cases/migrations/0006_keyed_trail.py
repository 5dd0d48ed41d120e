"""The keyed trail: events carry ``keyed``; every event already written is an unkeyed (SHA-256) one
and stays valid up to the sealed upgrade point, the highest event id at the time of this migration
(signed with the trail key, so it cannot be moved later). New events are keyed."""

from typing import Any

from django.db import migrations, models


def seal_legacy_events(apps: Any, schema_editor: Any) -> None:
    from jiceng.cases.trail import LEGACY_SEAL, seal_text, sign

    CaseEvent = apps.get_model("cases", "CaseEvent")
    TrailSeal = apps.get_model("cases", "TrailSeal")
    highest = CaseEvent.objects.aggregate(m=models.Max("id"))["m"] or 0
    value = str(highest)
    TrailSeal.objects.update_or_create(
        name=LEGACY_SEAL, defaults={"value": value, "mac": sign(seal_text(LEGACY_SEAL, value))}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_leaner_case_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrailSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=64, unique=True)),
                ("value", models.CharField(max_length=200)),
                ("mac", models.CharField(max_length=64)),
                ("at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "记录链封印",
                "verbose_name_plural": "记录链封印",
            },
        ),
        # Existing rows: unkeyed.
        migrations.AddField(
            model_name="caseevent",
            name="keyed",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(seal_legacy_events, migrations.RunPython.noop),
        # From now on: keyed (the database default serves the SLA sweep's raw inserts).
        migrations.AlterField(
            model_name="caseevent",
            name="keyed",
            field=models.BooleanField(db_default=True, default=True),
        ),
    ]
