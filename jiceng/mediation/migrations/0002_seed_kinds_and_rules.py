from django.db import migrations


def forwards(apps, schema_editor):
    from jiceng.mediation.seed import seed

    seed(apps.get_model("mediation", "DisputeKind"), apps.get_model("mediation", "RiskRule"))


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
