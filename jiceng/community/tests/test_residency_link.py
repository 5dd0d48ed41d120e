"""Residency confirmation linked to the registry: staff see the registry people a pending resident
may be (the occupants of their room, the people with their phone), only within their jurisdiction,
masked per role, and link one — or none — in the same transaction as the audit record."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from jiceng.community import actions, demo
from jiceng.community.exceptions import CommunityError, Missing
from jiceng.community.models import AuditEvent, ResidencyStatus, ResidentProfile
from jiceng.community.tests.conftest import sign_up
from jiceng.lib.identity import make_resident_id, mask_name
from jiceng.org.models import AccessLog
from jiceng.registry.models import Occupancy, Person, Relation

pytestmark = pytest.mark.django_db

_seq = iter(range(1, 999))


def person(name: str, room, phones=(), ended: bool = False) -> Person:
    """A registry person living (or, with ``ended``, having lived) in ``room``."""
    p = Person.objects.create(
        name=name,
        id_number=make_resident_id("440306", dt.date(1980, 1, 1), next(_seq)),
        phones=list(phones),
    )
    Occupancy.objects.create(
        person=p,
        room=room,
        relation=Relation.RESIDENT,
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2024, 1, 1) if ended else None,
    )
    return p


@pytest.fixture
def pending(world):
    """A pending resident of 海裕社区 who gave room haiyu1, and the registry around them."""
    user = sign_up(world.communities["haiyu"].code, "王小明", room_code=world.rooms["haiyu1"].code)
    phone = user.phone
    people = {
        "roommate": person("王大明", world.rooms["haiyu1"]),
        "same_phone": person("王小明", world.rooms["haiyu2"], phones=["13700000000", phone]),
        "moved_out": person("钱已搬", world.rooms["haiyu1"], ended=True),
        "other_community": person("孙固戍", world.rooms["gushu1"], phones=[phone]),
        "other_phone": person("周无关", world.rooms["haiyu2"], phones=["13711112222"]),
    }
    return user.resident_profile, people


def _unchanged(profile: ResidentProfile) -> None:
    fresh = ResidentProfile.objects.get(pk=profile.pk)
    assert fresh.status == ResidencyStatus.PENDING
    assert fresh.person_id is None and fresh.room_id == profile.room_id
    assert fresh.confirmed_by_id is None
    assert not AuditEvent.objects.filter(verb__in=["confirm_residency", "reject_residency"]).exists()


def test_candidates_are_room_occupants_and_phone_matches_within_scope(world, staff, pending):
    profile, people = pending
    shown, candidates = actions.residency_candidates(staff["haiyu"], profile.pk)
    assert shown == profile
    assert [c.person for c in candidates] == [people["roommate"], people["same_phone"]]
    roommate, same_phone = candidates
    assert roommate.same_room and not roommate.same_phone
    assert same_phone.same_phone and not same_phone.same_room
    assert [r.code for r in same_phone.rooms] == [world.rooms["haiyu2"].code]


def test_an_outsider_sees_no_candidates_and_the_same_not_found_as_for_a_missing_one(world, staff, pending):
    profile, people = pending
    with pytest.raises(Missing) as missing:
        actions.residency_candidates(staff["haiyu"], 987654)
    with pytest.raises(Missing) as outsider:
        actions.residency_candidates(staff["gushu"], profile.pk)
    assert outsider.value.message == missing.value.message
    # nor can the outsider link anyone
    with pytest.raises(Missing) as outsider_confirm:
        actions.check_confirm_residency(staff["gushu"], profile.pk, person_id=people["roommate"].pk)
    assert outsider_confirm.value.message == missing.value.message
    _unchanged(profile)


def test_confirming_links_the_person_and_the_room_with_the_audit_record(world, staff, pending):
    profile, people = pending
    confirmed = actions.check_confirm_residency(
        staff["haiyu"],
        profile.pk,
        room_code=world.rooms["haiyu1"].code,
        person_id=str(people["roommate"].pk),
        note="上门核实",
    )
    fresh = ResidentProfile.objects.get(pk=profile.pk)
    assert confirmed.is_confirmed and fresh.status == ResidencyStatus.CONFIRMED
    assert fresh.person == people["roommate"] and fresh.room == world.rooms["haiyu1"]
    audit = AuditEvent.objects.get(verb="confirm_residency", subject_id=str(profile.pk))
    assert f"#{people['roommate'].pk}" in audit.detail and audit.actor == staff["haiyu"]


def test_a_person_found_by_phone_brings_their_room_when_none_is_set(world, staff):
    user = sign_up(world.communities["haiyu"].code, "刘无房")
    found = person("刘无房", world.rooms["haiyu2"], phones=[user.phone])
    _, candidates = actions.residency_candidates(staff["haiyu"], user.resident_profile.pk)
    assert [c.person for c in candidates] == [found]
    actions.check_confirm_residency(staff["haiyu"], user.resident_profile.pk, person_id=found.pk)
    fresh = ResidentProfile.objects.get(pk=user.resident_profile.pk)
    assert fresh.person == found and fresh.room == world.rooms["haiyu2"]


def test_picking_none_confirms_without_a_link(world, staff, pending):
    profile, _people = pending
    actions.check_confirm_residency(staff["haiyu"], profile.pk, person_id="")
    fresh = ResidentProfile.objects.get(pk=profile.pk)
    assert fresh.is_confirmed and fresh.person is None


def test_an_out_of_scope_person_is_refused_like_a_missing_one_and_nothing_changes(world, staff, pending):
    profile, people = pending
    with pytest.raises(Missing) as missing:
        actions.check_confirm_residency(staff["haiyu"], profile.pk, person_id=99_999_999)
    with pytest.raises(Missing) as outside:
        actions.check_confirm_residency(staff["haiyu"], profile.pk, person_id=people["other_community"].pk)
    assert outside.value.message == missing.value.message == "未找到该实有人口。"
    # someone who moved out of the room is no longer there to link
    with pytest.raises(Missing):
        actions.check_confirm_residency(staff["haiyu"], profile.pk, person_id=people["moved_out"].pk)
    _unchanged(profile)


def test_a_person_who_does_not_live_in_the_chosen_room_is_refused(world, staff, pending):
    profile, people = pending
    with pytest.raises(CommunityError) as refused:
        actions.check_confirm_residency(
            staff["haiyu"],
            profile.pk,
            room_code=world.rooms["haiyu1"].code,
            person_id=people["same_phone"].pk,
        )
    assert "未登记居住在房屋" in refused.value.message
    with pytest.raises(CommunityError) as bad:
        actions.check_confirm_residency(staff["haiyu"], profile.pk, person_id="张三")
    assert bad.value.message == "所选实有人口无效。"
    _unchanged(profile)


# -- the page -------------------------------------------------------------------------------------


def _without_token(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def _client(client, user):
    client.force_login(user)
    return client


def test_the_confirmation_page_lists_candidates_unmasked_for_community_staff(world, staff, pending, client):
    profile, people = pending
    c = _client(client, staff["haiyu"])
    response = c.get(reverse("community:staff_resident", args=[profile.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert people["roommate"].name in html and people["roommate"].id_number in html
    assert people["same_phone"].id_number in html
    for hidden in ("moved_out", "other_community", "other_phone"):
        assert people[hidden].id_number not in html and people[hidden].name not in html
    # each unmasked person shown is logged
    logged = set(
        AccessLog.objects.filter(user=staff["haiyu"], subject_type="person").values_list(
            "subject_id", flat=True
        )
    )
    assert logged == {str(people["roommate"].pk), str(people["same_phone"].pk)}


def test_a_leader_sees_candidates_masked(world, staff, pending, client):
    profile, people = pending
    leader = world.people["leader"]  # 新安街道: covers 海裕社区, sees personal data masked
    response = _client(client, leader).get(reverse("community:staff_resident", args=[profile.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert mask_name(people["roommate"].name) in html
    assert people["roommate"].name not in html and people["roommate"].id_number not in html
    assert not AccessLog.objects.filter(user=leader).exists()


def test_an_outsider_gets_not_found_on_the_confirmation_page(world, staff, pending, client):
    profile, _people = pending
    response = _client(client, staff["gushu"]).get(reverse("community:staff_resident", args=[profile.pk]))
    assert response.status_code == 404
    assert "未找到该居民" in response.content.decode()
    missing = client.get(reverse("community:staff_resident", args=[987654]))
    assert missing.status_code == 404
    assert _without_token(missing.content.decode()).replace("987654", str(profile.pk)) == _without_token(
        response.content.decode()
    )


def test_the_page_confirms_with_the_chosen_person_or_refuses_an_outsider(world, staff, pending, client):
    profile, people = pending
    c = _client(client, staff["haiyu"])
    url = reverse("community:staff_resident", args=[profile.pk])
    refused = c.post(
        url,
        {"person": people["other_community"].pk, "room_code": world.rooms["haiyu1"].code, "approve": "1"},
        follow=True,
    )
    assert "未找到该实有人口" in refused.content.decode()
    _unchanged(profile)
    done = c.post(
        url, {"person": people["roommate"].pk, "room_code": world.rooms["haiyu1"].code, "approve": "1"}
    )
    assert done.status_code == 302
    fresh = ResidentProfile.objects.get(pk=profile.pk)
    assert fresh.is_confirmed and fresh.person == people["roommate"]


def test_the_residents_list_links_to_the_confirmation_page(world, staff, pending, client):
    profile, _people = pending
    html = _client(client, staff["haiyu"]).get(reverse("community:staff_residents")).content.decode()
    assert reverse("community:staff_resident", args=[profile.pk]) in html
    assert "person_ref" not in html


# -- the migration --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_a_numeric_person_ref_over(world):
    linked = person("赵迁移", world.rooms["haiyu1"])
    users = [sign_up(world.communities["haiyu"].code, f"迁移{n}") for n in range(4)]
    ResidentProfile.objects.filter(user__in=users).delete()
    before = [("community", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("community", "ResidentProfile")
    refs = [str(linked.pk), " 99999999 ", "某某", ""]
    for user, ref in zip(users, refs, strict=True):
        old.objects.create(user_id=user.pk, community_id=world.communities["haiyu"].pk, person_ref=ref)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: going back unapplied dependants

    people = dict(ResidentProfile.objects.filter(user__in=users).values_list("user_id", "person_id"))
    assert people == {users[0].pk: linked.pk, users[1].pk: None, users[2].pk: None, users[3].pk: None}
    # and back: the link becomes the id text again, then forward once more
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("community", "ResidentProfile")
    assert old.objects.get(user_id=users[0].pk).person_ref == str(linked.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: going back unapplied dependants
    assert ResidentProfile.objects.get(user=users[0]).person == linked


# -- the demo -------------------------------------------------------------------------------------


def test_the_demo_links_its_residents_to_registry_people_when_the_registry_has_them(world):
    living = [person(f"演示{n}", world.rooms["haiyu1" if n < 2 else "haiyu2"]) for n in range(3)]
    demo.load("small", io.StringIO())
    haiyu = ResidentProfile.objects.filter(
        community=world.communities["haiyu"], user__phone__startswith="138"
    )
    linked = {p.person_id: p.room_id for p in haiyu}
    assert len(linked) == 2 and None not in linked
    occupancy = {o.person_id: o.room_id for o in Occupancy.objects.filter(person__in=living)}
    assert all(occupancy[person_id] == room_id for person_id, room_id in linked.items())
    # loading again changes nothing; communities with no registry people stay unlinked
    demo.load("small", io.StringIO())
    assert {p.person_id: p.room_id for p in haiyu.all()} == linked
    gushu = ResidentProfile.objects.filter(community=world.communities["gushu"])
    assert gushu.exists() and not gushu.exclude(person=None).exists()
