import pytest
from django.db.models import Q

from jiceng.core.exceptions import NotFound
from jiceng.org.access import access_building, access_division, access_grid, access_room, scoped
from jiceng.org.models import Membership, Role
from jiceng.org.scopes import Scope, forget_scope, scope_for
from jiceng.places.models import CodeHistory, Grid, Room
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db


def test_a_grid_worker_sees_their_grids_only(world):
    assert scope_for(world.people["grid_worker"]).prefixes == (world.grids["haiyu1"].code,)


def test_community_staff_see_their_community(world):
    assert scope_for(world.people["community_staff"]).prefixes == ("440306001001",)


def test_a_street_dispatcher_sees_their_street(world):
    assert scope_for(world.people["dispatcher"]).prefixes == ("440306001",)


def test_a_district_unit_sees_the_whole_district(world):
    assert scope_for(world.people["supervisor"]).prefixes == ("440306",)


def test_residents_get_no_territorial_scope(world):
    scope = scope_for(world.people["resident"])
    assert scope.is_empty
    assert not scope.is_staff
    assert Room.objects.filter(scope.q()).count() == 0


def test_anonymous_users_get_an_empty_scope():
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty


def test_a_post_in_an_inactive_unit_gives_nothing(world):
    unit = world.units["xinan"]
    unit.is_active = False
    unit.save(update_fields=["is_active"])
    assert scope_for(world.people["dispatcher"]).is_empty


def test_an_inactive_post_gives_nothing(world):
    user = world.people["dispatcher"]
    Membership.objects.filter(user=user).update(is_active=False)
    assert scope_for(user).is_empty


def test_an_inactive_user_gets_nothing(world):
    user = world.people["supervisor"]
    user.is_active = False
    assert scope_for(user).is_empty


def test_a_malformed_jurisdiction_code_never_widens_a_scope(world):
    # given a unit whose jurisdiction includes a division with a blank-ish code
    from jiceng.places.models import Division, Level

    odd = Division.objects.create(code="", name="错误区划", level=Level.STREET, parent=world.district)
    world.units["xixiang"].jurisdiction.add(odd)
    user = make_user("oddstaff", "奇怪", Role.DISPATCHER, unit=world.units["xixiang"])
    assert scope_for(user).prefixes == ("440306002",)


def test_a_street_post_absorbs_community_posts_inside_it(world):
    user = world.people["dispatcher"]
    Membership.objects.create(user=user, unit=world.units["haiyu"], role=Role.COMMUNITY_STAFF)
    forget_scope(user)
    assert scope_for(user).prefixes == ("440306001",)


def test_scope_filters_are_range_tests_on_codes(world):
    scope = Scope(("440306001001",), frozenset())
    codes = set(Room.objects.filter(scope.q()).values_list("code", flat=True))
    assert codes == {world.rooms["haiyu1"].code, world.rooms["haiyu2"].code}


def test_a_scope_touches_its_containers_but_does_not_cover_them(world):
    scope = scope_for(world.people["grid_worker"])
    assert scope.touches("440306001001") and scope.touches("440306")
    assert not scope.covers("440306001001")
    assert not scope.touches("440306002001")
    assert scope.ancestors() == {"440306", "440306001", "440306001001"}


def test_outsider_cannot_fetch_another_communitys_room_building_or_grid(world):
    outsider = world.people["outsider"]
    for getter, key in ((access_room, "rooms"), (access_building, "buildings"), (access_grid, "grids")):
        with pytest.raises(NotFound):
            getter(outsider, getattr(world, key)["haiyu1"].code)


def test_a_forbidden_code_and_a_missing_code_give_the_same_message(world):
    outsider = world.people["outsider"]
    real = world.rooms["haiyu1"].code
    missing = real[:-1] + "9"
    with pytest.raises(NotFound) as forbidden:
        access_room(outsider, real)
    with pytest.raises(NotFound) as absent:
        access_room(outsider, missing)
    assert forbidden.value.message.replace(real, "X") == absent.value.message.replace(missing, "X")
    assert forbidden.value.status == absent.value.status == 404


def test_a_grid_worker_opens_their_own_room(world):
    assert access_room(world.people["grid_worker"], world.rooms["haiyu1"].code) == world.rooms["haiyu1"]


def test_a_grid_worker_may_not_open_the_other_grid_of_their_own_community(world):
    with pytest.raises(NotFound):
        access_grid(world.people["grid_worker"], world.grids["haiyu2"].code)


def test_a_grid_worker_sees_their_community_as_a_container_but_not_a_sibling(world):
    worker = world.people["grid_worker"]
    assert access_division(worker, "440306001001").name == "海裕社区"
    with pytest.raises(NotFound):
        access_division(worker, "440306001002")


def test_an_old_printed_code_still_resolves_within_the_scope(world):
    grid = world.grids["haiyu1"]
    old = "440306001001" + "77"
    CodeHistory.objects.create(kind="grid", object_id=grid.pk, old_code=old, new_code=grid.code)
    assert access_grid(world.people["grid_worker"], old) == grid
    with pytest.raises(NotFound):
        access_grid(world.people["outsider"], old)


def test_scoped_filters_any_code_column(world):
    rooms = scoped(world.people["dispatcher"], Room.objects.all(), "building__grid__code")
    assert {r.code[:9] for r in rooms} == {"440306001"}
    assert not scoped(world.people["resident"], Grid.objects.filter(Q()), "code").exists()
