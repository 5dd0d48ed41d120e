"""Life-safety alarms open cases with wall-clock minute limits: the catalogue's 物联感知告警 items
(GZ01–GZ07, from jiceng/cases/data/catalogue.yaml) exist, and the shipped rules that used
working-hour items point at them. Rules an administrator already changed are left alone."""

from django.db import migrations

MOVES = [
    ("breaker", "leakage_high", "XF15", "GZ05"),
    ("breaker", "line_overheat", "XF15", "GZ05"),
    ("breaker", "arc_fault", "XF07", "GZ06"),
    ("wearable", "sos", "MZ04", "GZ01"),
    ("wearable", "fall", "MZ04", "GZ02"),
    ("wearable", "heart_high", "MZ04", "GZ03"),
    ("wearable", "heart_low", "MZ04", "GZ03"),
    ("wearable", "no_movement", "MZ04", "GZ04"),
    ("door", "no_movement", "MZ04", "GZ04"),
    ("manhole", "manhole_tilt", "SZ03", "GZ07"),
]


def forward(apps, schema_editor):
    from jiceng.cases.catalogue import apply_rows, default_rows, validate_row

    rows = []
    for row in default_rows():
        if row["code"].startswith("GZ"):
            clean, problems = validate_row(row, None)
            if problems:
                raise ValueError(f"catalogue.yaml {row['code']}: {problems}")
            rows.append(clean)
    apply_rows(
        rows,
        apps.get_model("cases", "Category"),
        apps.get_model("cases", "EventType"),
        apps.get_model("cases", "CatalogueChange"),
        source="migration sensing.0004",
    )
    rule_model = apps.get_model("sensing", "Rule")
    for kind, alarm_type, old, new in MOVES:
        rule_model.objects.filter(kind__code=kind, alarm_type=alarm_type, case_type=old).update(case_type=new)


def backward(apps, schema_editor):
    rule_model = apps.get_model("sensing", "Rule")
    for kind, alarm_type, old, new in MOVES:
        rule_model.objects.filter(kind__code=kind, alarm_type=alarm_type, case_type=new).update(case_type=old)


class Migration(migrations.Migration):
    dependencies = [("sensing", "0003_default_kinds"), ("cases", "0002_default_catalogue")]

    operations = [migrations.RunPython(forward, backward)]
