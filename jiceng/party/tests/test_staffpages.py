"""The staff pages that create and edit organisations, members, building heads, pairings, compounds,
vanguard teams and the Sunday rota: each save is audited, a refused save keeps what was typed, and
another community's or street's staff get a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiceng.lib.identity import resident_id_check_digit
from jiceng.org.models import AccessLog, Role
from jiceng.party import actions
from jiceng.party.models import BuildingHead, Compound, PartyEvent, PartyMember, PartyOrg, VanguardTeam
from jiceng.registry.models import Person
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db

ID17 = "44030619800101123"
ID_NUMBER = ID17 + resident_id_check_digit(ID17)


def client_for(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def test_community_staff_create_a_compound_branch_under_their_committee_with_an_audit_row(party):
    c = client_for(party.staff["haiyu"])
    response = c.post(
        "/party/staff/orgs/new/",
        {
            "kind": "compound",
            "name": "海裕一小区党支部",
            "code": "haiyu-1-zb",
            "parent": party.orgs["haiyu"].pk,
        },
    )
    assert response.status_code == 302
    org = PartyOrg.objects.get(code="haiyu-1-zb")
    assert org.parent == party.orgs["haiyu"] and org.division == party.world.communities["haiyu"]
    assert PartyEvent.objects.filter(verb="create_org", subject_id=str(org.pk)).exists()
    page = c.get("/party/staff/manage/").content.decode()
    assert "海裕一小区党支部" in page


def test_a_refused_organisation_keeps_every_input_and_answers_400(party):
    c = client_for(party.staff["haiyu"])
    response = c.post(
        "/party/staff/orgs/new/",
        {"kind": "building", "name": "错误的党小组", "code": "bad-group", "parent": party.orgs["haiyu"].pk},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "不能设在" in page
    assert 'value="错误的党小组"' in page and 'value="bad-group"' in page
    assert '<option value="building" selected>' in page
    assert not PartyOrg.objects.filter(code="bad-group").exists()


def test_staff_register_a_member_with_a_validated_phone_and_id_number_linked_to_the_registry(party):
    person = Person.objects.create(name="黄党员", id_number=ID_NUMBER)
    c = client_for(party.staff["haiyu"])
    form = {"org": party.orgs["haiyu"].pk, "name": "黄党员", "phone": "138 0013 8001", "id_number": ID_NUMBER}
    response = c.post("/party/staff/members/new/", form)
    assert response.status_code == 302
    member = PartyMember.objects.get(name="黄党员")
    assert member.phone == "13800138001" and member.person == person
    assert PartyEvent.objects.filter(verb="add_member", subject_id=str(member.pk)).exists()


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("phone", "12345", "不是有效的中国大陆号码"),
        ("id_number", ID17 + "0" if ID_NUMBER[-1] != "0" else ID17 + "1", "校验位错误"),
    ],
)
def test_a_bad_phone_or_id_number_is_refused_and_the_form_keeps_what_was_typed(party, field, bad, message):
    c = client_for(party.staff["haiyu"])
    form = {
        "org": party.orgs["haiyu"].pk,
        "name": "黄党员",
        "phone": "13800138001",
        "id_number": "",
        field: bad,
    }
    response = c.post("/party/staff/members/new/", form)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert 'value="黄党员"' in page and f'value="{bad}"' in page
    assert f'<option value="{party.orgs["haiyu"].pk}" selected>' in page
    assert not PartyMember.objects.filter(name="黄党员").exists()


def test_editing_a_member_shows_personal_data_to_community_staff_and_logs_the_read(party):
    member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄党员", phone="13800138001"
    )
    c = client_for(party.staff["haiyu"])
    before = AccessLog.objects.count()
    assert 'value="13800138001"' in c.get(f"/party/staff/members/{member.pk}/").content.decode()
    assert AccessLog.objects.count() > before
    response = c.post(
        f"/party/staff/members/{member.pk}/",
        {"org": party.orgs["haiyu"].pk, "name": "黄党员", "phone": "13900139000", "is_active": "1"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "13900139000"
    assert PartyEvent.objects.filter(verb="edit_member", subject_id=str(member.pk), detail="phone").exists()


def test_a_leader_edits_a_member_without_seeing_the_phone_and_a_blank_phone_keeps_it(party):
    member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄党员", phone="13800138001"
    )
    c = client_for(party.world.people["leader"])
    page = c.get(f"/party/staff/members/{member.pk}/").content.decode()
    assert "13800138001" not in page and "黄党员" not in page
    response = c.post(
        f"/party/staff/members/{member.pk}/",
        {"org": party.orgs["haiyu"].pk, "name": "", "phone": "", "id_number": "", "is_active": "1"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "13800138001" and member.name == "黄党员"


def test_another_communitys_staff_get_404_for_every_edit_page_and_save(party):
    haiyu_member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄党员"
    )
    compound = actions.check_create_compound(
        party.staff["haiyu"],
        party.world.communities["haiyu"].code,
        "海裕小区",
        [party.world.buildings["haiyu1"].code],
    )
    team = actions.check_create_team(
        party.staff["haiyu"], party.world.communities["haiyu"].code, "flood", "防汛队", []
    )
    head_user = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    head = actions.check_assign_head(party.staff["haiyu"], head_user.pk, party.world.buildings["haiyu1"].code)
    outsider = client_for(party.staff["gushu"])
    for path in (
        f"/party/staff/orgs/{party.orgs['haiyu'].pk}/",
        f"/party/staff/members/{haiyu_member.pk}/",
        f"/party/staff/compounds/{compound.pk}/",
        f"/party/staff/teams/{team.pk}/",
    ):
        assert outsider.get(path).status_code == 404, path
        assert outsider.post(path, {"name": "改名", "org": party.orgs["gushu"].pk}).status_code == 404, path
    assert outsider.post(f"/party/staff/heads/{head.pk}/end/").status_code == 404
    # nothing changed
    assert PartyOrg.objects.get(pk=party.orgs["haiyu"].pk).name == "海裕社区党委"
    assert Compound.objects.get(pk=compound.pk).name == "海裕小区"
    assert BuildingHead.objects.get(pk=head.pk).is_active
    # a member of gushu's own staff's creation under haiyu's committee is refused too
    response = outsider.post("/party/staff/members/new/", {"org": party.orgs["haiyu"].pk, "name": "某人"})
    assert response.status_code == 404


def test_a_resident_gets_404_on_the_staff_pages(party, resident_of):
    c = client_for(resident_of("haiyu", "居民"))
    for path in (
        "/party/staff/manage/",
        "/party/staff/orgs/new/",
        "/party/staff/members/new/",
        "/party/staff/rota/",
    ):
        assert c.get(path).status_code == 404, path


def test_staff_assign_and_end_a_building_head_on_the_pages(party):
    head_user = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    c = client_for(party.staff["haiyu"])
    building = party.world.buildings["haiyu1"].code
    assert c.post("/party/staff/heads/new/", {"building": building, "username": "loudong"}).status_code == 302
    head = BuildingHead.objects.get(user=head_user, is_active=True)
    refused = c.post("/party/staff/heads/new/", {"building": building, "username": "nobody"})
    assert refused.status_code == 404  # an unknown account is "not found", like a building outside scope
    outside = c.post(
        "/party/staff/heads/new/", {"building": party.world.buildings["gushu1"].code, "username": "loudong"}
    )
    assert outside.status_code == 404
    assert c.post(f"/party/staff/heads/{head.pk}/end/").status_code == 302
    assert not BuildingHead.objects.get(pk=head.pk).is_active
    assert PartyEvent.objects.filter(verb="end_head").exists()


def test_staff_create_and_edit_a_compound_and_a_vanguard_team(party):
    c = client_for(party.staff["haiyu"])
    haiyu = party.world.communities["haiyu"]
    b1, b2 = party.world.buildings["haiyu1"].code, party.world.buildings["haiyu2"].code
    assert (
        c.post(
            "/party/staff/compounds/new/", {"community": haiyu.code, "name": "海裕花园", "buildings": b1}
        ).status_code
        == 302
    )
    compound = Compound.objects.get(name="海裕花园")
    response = c.post(
        f"/party/staff/compounds/{compound.pk}/",
        {"name": "海裕花园", "buildings": f"{b1}\n{party.world.buildings['gushu1'].code}"},
    )
    assert response.status_code == 400 and "本社区的楼栋" in response.content.decode()
    assert (
        c.post(
            f"/party/staff/compounds/{compound.pk}/", {"name": "海裕花园", "buildings": f"{b1}, {b2}"}
        ).status_code
        == 302
    )
    assert set(compound.buildings.values_list("code", flat=True)) == {b1, b2}
    member = actions.check_add_member(party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄党员")
    assert (
        c.post(
            "/party/staff/teams/new/",
            {"community": haiyu.code, "theme": "flood", "name": "防汛先锋队", "members": [member.pk]},
        ).status_code
        == 302
    )
    team = VanguardTeam.objects.get(name="防汛先锋队")
    assert list(team.members.all()) == [member]
    assert c.post(f"/party/staff/teams/{team.pk}/", {"name": "防汛突击队"}).status_code == 302
    team.refresh_from_db()
    assert team.name == "防汛突击队" and not team.members.exists()
    assert {"create_compound", "edit_compound", "create_team", "edit_team"} <= set(
        PartyEvent.objects.values_list("verb", flat=True)
    )


def test_staff_pair_a_unit_and_schedule_the_sunday_rota_on_the_pages(party):
    c = client_for(party.staff["haiyu"])
    haiyu = party.world.communities["haiyu"]
    response = c.post(
        "/party/staff/pairings/new/", {"org": party.orgs["chengguan"].pk, "community": haiyu.code}
    )
    assert response.status_code == 302
    again = c.post("/party/staff/pairings/new/", {"org": party.orgs["chengguan"].pk, "community": haiyu.code})
    assert again.status_code == 400 and "已与" in again.content.decode()
    monday = dt.date(2026, 6, 1)
    refused = c.post(
        "/party/staff/rota/", {"community": haiyu.code, "first_sunday": monday.isoformat(), "members": []}
    )
    assert refused.status_code == 400 and 'value="2026-06-01"' in refused.content.decode()
