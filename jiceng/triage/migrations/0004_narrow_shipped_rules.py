"""Narrow three shipped sensitive-request rules where a site still runs them as shipped.

- 公共安全-人员被困: "死人了" after 吓/熏/挤/饿/馋/忙/愁/渴/困/痛/疼/晒/冻/烫/辣 is an exclamation
  ("吓死人了", "烟熏死人了", "地铁挤死人了"), like the 吵/烦/热… already left out;
- 群体-上访聚集: "堵路" inside 拥堵路段/拥堵路线/易堵路段 is traffic congestion, not a blockade;
- 未成年人-直接风险: "走失" in 防走失 (a wristband, a campaign) is no lost child;
- 轻生-直接表述: "跳下来" from a sofa, a bed, a chair, a slide or a swing is no jump from a height;
- 公共安全-火灾爆炸: "热到爆炸", "好吃到爆炸" are exclamations, and a documentary, a film or a TV
  series about an explosion is not one (like the news already left out; a fire in a cinema is);
- 公共安全-人员被困: a child's ball, phone or toy falling into the water is not the child.

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
    ("公共安全-火灾爆炸", "|火情|爆炸|烧起来", "|火情|(?<![热冷吵忙累帅美香辣甜火好][到得])爆炸|烧起来"),
    (
        "公共安全-人员被困",
        "(有人|人员|老人|小孩|孩子).{0,4}(被困|困在|掉进|落水|溺水)",
        "(有人|人员|老人|小孩|孩子)(?:(?!球|手机|玩具|钥匙|东西|鞋|帽|风筝).){0,4}(被困|困在|掉进|落水|溺水)",
    ),
)
# (rule name, exclude list as shipped before, as shipped now), the same way.
EXCLUDES = (
    ("轻生-直接表述", "|禁止跳|防溺水", "|禁止跳|防溺水|沙发|床上|凳子|椅子|滑梯|秋千|蹦床"),
    ("公共安全-火灾爆炸", "|新闻|报道|火车|", "|新闻|报道|纪录片|电影里|电视剧|电视上|火车|"),
)


def narrow(apps, schema_editor):
    rule_model = apps.get_model("triage", "SensitiveRule")
    for name, before, now in CHANGES:
        for row in rule_model.objects.filter(name=name):
            if before in row.pattern and now not in row.pattern:
                row.pattern = row.pattern.replace(before, now, 1)
                row.save(update_fields=["pattern", "updated_at"])  # running servers re-read on updated_at
    for name, before, now in EXCLUDES:
        for row in rule_model.objects.filter(name=name):
            if before in row.exclude and now not in row.exclude:
                row.exclude = row.exclude.replace(before, now, 1)
                row.save(update_fields=["exclude", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_refresh_shipped_rules")]

    operations = [migrations.RunPython(narrow, migrations.RunPython.noop)]
