"""Narrow three shipped sensitive-request rules where a site still runs them as shipped.

- 公共安全-人员被困: "死人了" after 吓/熏/挤/饿/馋/忙/愁/渴/困/痛/疼/晒/冻/烫/辣 is an exclamation
  ("吓死人了", "烟熏死人了", "地铁挤死人了"), like the 吵/烦/热… already left out;
- 群体-上访聚集: "堵路" inside 拥堵路段/拥堵路线/易堵路段 is traffic congestion, not a blockade;
- 未成年人-直接风险: "走失" in 防走失 (a wristband, a campaign) is no lost child.

A row an administrator has edited (its pattern differs from what was shipped) is left as it is.
"""

from django.db import migrations

# (rule name, as shipped before, as shipped now): a pattern is changed only where it still holds the
# text shipped before.
CHANGES = (
    (
        "公共安全-人员被困",
        "(?<![吵烦气热臭冷急累笑坑闷])死人了",
        "(?<![吵烦气热臭冷急累笑坑闷吓熏挤饿馋忙愁渴困痛疼晒冻烫辣])死人了",
    ),
    ("群体-上访聚集", "|围堵|堵路|堵门|", "|围堵|(?<![拥易])堵路(?![段线])|堵门|"),
    ("未成年人-直接风险", "|拐走|走失|", "|拐走|(?<!防)走失|"),
)


def narrow(apps, schema_editor):
    rule_model = apps.get_model("triage", "SensitiveRule")
    for name, before, now in CHANGES:
        for row in rule_model.objects.filter(name=name):
            if before in row.pattern and now not in row.pattern:
                row.pattern = row.pattern.replace(before, now, 1)
                row.save(update_fields=["pattern", "updated_at"])  # running servers re-read on updated_at


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_refresh_shipped_rules")]

    operations = [migrations.RunPython(narrow, migrations.RunPython.noop)]
