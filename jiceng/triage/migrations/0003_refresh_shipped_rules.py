"""Bring three shipped sensitive-request rules up to date where a site still runs them as shipped.

- 公共安全-火灾爆炸: "着火" no longer matches inside "打不着火" / "点不着火" / "打着火" (a gas stove or an
  engine that will not start);
- 暴力-家暴: a mention in a campaign, a talk or a sign-up (宣传, 讲座, 报名, 志愿…) is not a disclosure;
- 未成年人-伤害: "流浪" of a stray cat or dog near the word 小孩 is not a child living rough.

A row an administrator has edited (its pattern or exclusion differs from what was shipped) is left as
it is.
"""

from django.db import migrations
from django.utils import timezone

# (rule name, field, as shipped before, as shipped now): a field is changed only where it still
# holds the text shipped before.
CHANGES = (
    ("公共安全-火灾爆炸", "pattern", "着火(?!车)|起火", "(?<!打不)(?<!点不)(?<!打)着火(?!车)|起火"),
    ("未成年人-伤害", "pattern", "|饿肚子|流浪|溺水", "|饿肚子|流浪(?![猫狗犬])|溺水"),
)
DOMESTIC = ("暴力-家暴", "宣传|讲座|培训|活动|报名|志愿|普法|知识|课程|反家暴法")


def refresh(apps, schema_editor):
    rule_model = apps.get_model("triage", "SensitiveRule")
    for name, field, before, now in CHANGES:
        for row in rule_model.objects.filter(name=name):
            text = getattr(row, field) or ""
            if before in text and now not in text:
                setattr(row, field, text.replace(before, now, 1))
                row.save(update_fields=[field, "updated_at"])  # running servers re-read on updated_at
    rule_model.objects.filter(name=DOMESTIC[0], exclude="").update(
        exclude=DOMESTIC[1], updated_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("triage", "0002_seed_sensitive_rules")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
