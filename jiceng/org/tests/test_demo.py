import io

import pytest
from django.contrib.auth import authenticate

from jiceng.org import demo
from jiceng.org.kinds import KIND_CODES, UNIT_KINDS, ensure_unit_kinds
from jiceng.org.models import DutyShift, Role, Unit, UnitKind, User
from jiceng.org.roster import coverage_gaps
from jiceng.org.scopes import scope_for

pytestmark = pytest.mark.django_db


def test_the_seed_migration_holds_the_same_kinds_as_the_live_list():
    import importlib

    migration = importlib.import_module("jiceng.org.migrations.0003_seed_unit_kinds")
    assert [tuple(k) for k in UNIT_KINDS] == [tuple(row) for row in migration.KINDS]


def test_every_unit_kind_exists_with_its_stable_code_after_ensuring(db):
    # Transactional tests flush the rows the migration seeded, so the check goes through the same
    # idempotent helper the demo uses.
    ensure_unit_kinds()
    assert ensure_unit_kinds() == 0
    seeded = dict(UnitKind.objects.values_list("code", "name"))
    assert seeded.keys() >= KIND_CODES
    assert seeded["chengguan"] == "城管执法"
    assert len(UNIT_KINDS) == len(KIND_CODES)


def test_the_demo_loads_a_unit_of_every_kind_and_returns_a_login_per_role_to_print(world):
    out = io.StringIO()
    logins = demo.load("small", out)
    assert {login.username for login in logins} == {
        "admin",
        "leader",
        "supervisor",
        "qu_dispatcher",
        "xinan_dispatcher",
        "community_staff",
        "gridworker",
        "handler",
        "resident",
        "building_head",
    }
    assert all(login.password == demo.PASSWORD for login in logins)
    assert set(Unit.objects.values_list("kind__code", flat=True).distinct()) == set(KIND_CODES)
    assert "个单位" in out.getvalue()


def test_demo_logins_work_with_the_shared_password_and_have_their_scopes(world):
    demo.load("small", io.StringIO())
    worker = authenticate(username="gridworker", password=demo.PASSWORD)
    assert worker is not None
    assert scope_for(worker).prefixes == (world.grids["haiyu1"].code,)
    dispatcher = User.objects.get(username="xinan_dispatcher")
    assert scope_for(dispatcher).prefixes == ("440306001",)
    handler = User.objects.get(username="handler")
    assert handler.memberships.filter(unit__code="440306001-chengguan").exists()
    assert scope_for(User.objects.get(username="leader")).has_role(Role.LEADER)


def test_every_community_workstation_is_covered_round_the_clock_for_a_week(world):
    demo.load("small", io.StringIO())
    for unit in Unit.objects.filter(
        kind__code="community_workstation", code__endswith="-community_workstation"
    ):
        first = DutyShift.objects.filter(unit=unit).order_by("starts_at").first()
        last = DutyShift.objects.filter(unit=unit).order_by("-ends_at").first()
        assert (last.ends_at - first.starts_at).days == 7
        assert coverage_gaps(unit, first.starts_at, last.ends_at) == []


def test_loading_the_demo_twice_gives_the_same_data(world):
    demo.load("small", io.StringIO())
    counts = (Unit.objects.count(), User.objects.count(), DutyShift.objects.count())
    demo.load("small", io.StringIO())
    assert (Unit.objects.count(), User.objects.count(), DutyShift.objects.count()) == counts


def test_the_demo_skips_cleanly_without_divisions(db):
    out = io.StringIO()
    assert demo.load("small", out) == []
    assert "已跳过" in out.getvalue()
