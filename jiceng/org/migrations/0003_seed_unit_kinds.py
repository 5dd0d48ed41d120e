"""Seed the unit kinds that handle cases (a frozen copy of ``jiceng.org.kinds.UNIT_KINDS``)."""

from django.db import migrations

KINDS = [
    ('district_office', '区政府', 'government', True),
    ('street_office', '街道办事处', 'government', True),
    ('community_workstation', '社区工作站', 'government', True),
    ('chengguan', '城管执法', 'department', True),
    ('zhujian', '住建', 'department', True),
    ('shuiwu', '水务', 'department', True),
    ('jiaotong', '交通', 'department', True),
    ('shengtai', '生态环境', 'department', True),
    ('shichang', '市场监管', 'department', True),
    ('weijian', '卫健', 'department', True),
    ('jiaoyu', '教育', 'department', True),
    ('renshe', '人社', 'department', True),
    ('minzheng', '民政', 'department', True),
    ('yingji', '应急管理', 'department', True),
    ('xiaofang', '消防', 'department', True),
    ('guihua', '规划自然资源', 'department', True),
    ('gengxin', '城市更新', 'department', True),
    ('xinfang', '信访', 'department', True),
    ('wenti', '文化广电旅游体育', 'department', True),
    ('zhengshu', '政务服务数据管理', 'department', True),
    ('paichusuo', '公安派出所', 'judicial', True),
    ('sifasuo', '司法所', 'judicial', True),
    ('fayuan', '法院', 'judicial', True),
    ('zongzhi', '综治中心', 'judicial', True),
    ('fulian', '妇联', 'mass', True),
    ('tuanwei', '共青团', 'mass', True),
    ('canlian', '残联', 'mass', True),
    ('gongdian', '供电', 'utility', True),
    ('ranqi', '燃气', 'utility', True),
    ('gongshui', '供水', 'utility', True),
    ('tongxin', '通信', 'utility', True),
]


def seed(apps, schema_editor):
    UnitKind = apps.get_model("org", "UnitKind")
    for code, name, category, handles_cases in KINDS:
        UnitKind.objects.update_or_create(
            code=code, defaults={"name": name, "category": category, "handles_cases": handles_cases}
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0002_orgevent_identity_validators")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
