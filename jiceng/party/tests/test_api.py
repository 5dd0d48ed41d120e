"""The REST surface under /api/v1/party/: same actions, clear 4xx, 404 for outsiders, in the schema."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jiceng.community import ledger
from jiceng.community.models import AccountKind
from jiceng.party import actions

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_member_dual_registers_and_records_service_through_the_api(party):
    api = client_for(party.users["cadre"])
    haiyu = party.world.communities["haiyu"].code
    posts = api.get("/api/v1/party/posts/", {"community": haiyu}).json()["results"]
    reg = api.post(
        "/api/v1/party/registrations/", {"community": haiyu, "posts": [posts[0]["id"]]}, format="json"
    )
    assert reg.status_code == 201
    svc = api.post(
        f"/api/v1/party/registrations/{reg.json()['id']}/service/",
        {"hours": "3", "served_on": timezone.localdate().isoformat(), "note": "垃圾分类督导"},
        format="json",
    )
    assert svc.status_code == 201 and svc.json()["status"] == "recorded"
    me = api.get("/api/v1/party/me/").json()
    assert me["registrations"][0]["community"] == haiyu and len(me["services"]) == 1


def test_bad_hours_are_a_400_with_a_chinese_message(party):
    api = client_for(party.users["cadre"])
    reg = actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    response = api.post(
        f"/api/v1/party/registrations/{reg.pk}/service/",
        {"hours": "x", "served_on": "2026-01-01", "note": "n"},
        format="json",
    )
    assert response.status_code == 400 and "服务时长" in response.json()["error"]["message"]


def test_another_members_registration_is_a_404(party):
    reg = actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    response = client_for(party.users["gushu_member"]).post(
        f"/api/v1/party/registrations/{reg.pk}/service/",
        {"hours": "1", "served_on": "2026-01-01", "note": "n"},
        format="json",
    )
    assert response.status_code == 404


def test_staff_confirm_service_and_the_hours_reach_the_time_bank(party):
    ledger.system_account(party.world.communities["haiyu"], AccountKind.ISSUANCE)
    reg = actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    record = actions.check_record_service(
        party.users["cadre"], reg.pk, hours=2, served_on=timezone.localdate(), note="n"
    )
    response = client_for(party.staff["haiyu"]).post(
        f"/api/v1/party/service/{record.pk}/confirm/", {}, format="json"
    )
    assert response.status_code == 200 and response.json()["time_bank_posting"]
    other = client_for(party.staff["gushu"]).post(
        f"/api/v1/party/service/{record.pk}/confirm/", {}, format="json"
    )
    assert other.status_code == 404


def test_the_wish_flow_through_the_api(party, resident_of):
    from jiceng.party.tests.test_wishes import png

    resident = resident_of("haiyu", "张阿婆")
    actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    wish = (
        client_for(resident)
        .post("/api/v1/party/wishes/", {"title": "想学用智能手机", "group": "elderly"}, format="json")
        .json()
    )
    staff = client_for(party.staff["haiyu"])
    assert (
        staff.post(
            f"/api/v1/party/wishes/{wish['id']}/review/",
            {"approve": True, "public_text": "老人想学用智能手机"},
            format="json",
        ).status_code
        == 200
    )
    cadre = client_for(party.users["cadre"])
    assert [w["id"] for w in cadre.get("/api/v1/party/wishes/").json()["results"]] == [wish["id"]]
    assert cadre.post(f"/api/v1/party/wishes/{wish['id']}/claim/").status_code == 200
    assert cadre.post(f"/api/v1/party/wishes/{wish['id']}/claim/").status_code == 409
    fulfil = cadre.post(
        f"/api/v1/party/wishes/{wish['id']}/fulfil/",
        {"note": "教会了微信视频", "photo": png()},
        format="multipart",
    )
    assert fulfil.status_code == 200
    assert (
        client_for(resident).post(f"/api/v1/party/wishes/{wish['id']}/confirm/").json()["status"]
        == "confirmed"
    )
    assert (
        client_for(party.users["gushu_member"]).post(f"/api/v1/party/wishes/{wish['id']}/claim/").status_code
        == 404
    )


def test_members_are_masked_for_a_leader_through_the_api(party):
    actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄志强", phone="13912345678"
    )
    rows = client_for(party.world.people["leader"]).get("/api/v1/party/members/").json()["results"]
    assert rows and all(r["name"] != "黄志强" for r in rows)
    rows = client_for(party.staff["haiyu"]).get("/api/v1/party/members/").json()["results"]
    assert "黄志强" in [r["name"] for r in rows]
    assert client_for(party.staff["gushu"]).get("/api/v1/party/members/").json()["results"] == [
        r
        for r in client_for(party.staff["gushu"]).get("/api/v1/party/members/").json()["results"]
        if r["org_name"] != "海裕社区党委"
    ]


def test_a_building_head_outside_their_building_gets_a_404(party):
    from jiceng.org.models import Role
    from jiceng.testing import make_user

    head = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    actions.check_assign_head(party.staff["haiyu"], head.pk, party.world.buildings["haiyu1"].code)
    api = client_for(head)
    assert api.get(f"/api/v1/party/buildings/{party.world.buildings['haiyu1'].code}/").status_code == 200
    assert api.get(f"/api/v1/party/buildings/{party.world.buildings['haiyu2'].code}/").status_code == 404
    report = api.post(
        f"/api/v1/party/buildings/{party.world.buildings['haiyu2'].code}/report/",
        {"description": "漏水"},
        format="json",
    )
    assert report.status_code == 404


def test_figures_count_within_the_viewers_scope(party):
    reg = actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    record = actions.check_record_service(
        party.users["cadre"], reg.pk, hours="1.5", served_on=timezone.localdate(), note="n"
    )
    actions.check_confirm_service(party.staff["haiyu"], record.pk)
    mine = client_for(party.world.people["leader"]).get("/api/v1/party/figures/").json()
    assert mine["registered"] == 1 and mine["service_hours"] == "1.50"
    theirs = client_for(party.staff["gushu"]).get("/api/v1/party/figures/").json()
    assert theirs["registered"] == 0 and theirs["service_hours"] == "0.00"
    # asking for a division outside the scope never widens it
    widened = client_for(party.staff["gushu"]).get("/api/v1/party/figures/", {"division": "440306001"}).json()
    assert widened["registered"] == 0


def test_party_endpoints_are_in_the_schema(party):
    paths = client_for(party.staff["haiyu"]).get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/party/wishes/{id}/claim/",
        "/api/v1/party/registrations/",
        "/api/v1/party/figures/",
    ):
        assert path in paths


def test_an_anonymous_caller_is_refused(party):
    assert APIClient().get("/api/v1/party/me/").status_code in (401, 403)


def test_wish_counts_come_by_community(party, resident_of):
    wish = actions.check_post_wish(resident_of("haiyu", "张阿婆"), title="收音机")
    actions.check_review_wish(party.staff["haiyu"], wish.pk, approve=True, public_text="老人想要收音机")
    rows = client_for(party.world.people["admin"]).get("/api/v1/party/figures/").json()["wishes_by_community"]
    assert rows == [{"community": wish.community.code, "name": "海裕社区", "waiting": 1, "fulfilled": 0}]


def test_a_compound_with_its_board_through_the_api(party):
    api = client_for(party.staff["haiyu"])
    haiyu = party.world.communities["haiyu"].code
    compound = api.post(
        "/api/v1/party/compounds/",
        {"community": haiyu, "name": "海裕花园", "buildings": [party.world.buildings["haiyu1"].code]},
        format="json",
    )
    assert compound.status_code == 201
    seat = api.post(
        f"/api/v1/party/compounds/{compound.json()['id']}/seats/",
        {"kind": "owners", "body": "海裕花园业委会", "user": party.users["cadre"].pk},
        format="json",
    )
    assert seat.status_code == 201
    # the board member sees the compound; a building of another community is refused
    seen = client_for(party.users["cadre"]).get("/api/v1/party/compounds/").json()["results"]
    assert [c["name"] for c in seen] == ["海裕花园"]
    bad = api.post(
        "/api/v1/party/compounds/",
        {"community": haiyu, "name": "越界", "buildings": [party.world.buildings["gushu1"].code]},
        format="json",
    )
    assert bad.status_code == 400
    assert (
        client_for(party.staff["gushu"])
        .post(
            f"/api/v1/party/compounds/{compound.json()['id']}/seats/",
            {"kind": "other", "body": "x", "user": 1},
            format="json",
        )
        .status_code
        == 404
    )


def test_a_meeting_and_its_decision_through_the_api(party):
    api = client_for(party.staff["haiyu"])
    meeting = api.post(
        "/api/v1/party/meetings/",
        {
            "community": party.world.communities["haiyu"].code,
            "title": "议事会",
            "held_at": timezone.now().isoformat(),
            "agenda": ["楼道照明"],
        },
        format="json",
    )
    assert meeting.status_code == 201
    decision = api.post(
        f"/api/v1/party/meetings/{meeting.json()['id']}/decisions/",
        {
            "text": "更换楼道灯",
            "follow_up": "case",
            "owner": party.staff["haiyu"].pk,
            "due_on": "2030-01-01",
            "votes_for": 7,
        },
        format="json",
    )
    assert decision.status_code == 201 and decision.json()["case"]
    rows = api.get("/api/v1/party/decisions/").json()["results"]
    assert rows[0]["state"] == "open" and rows[0]["case"]


def test_teams_and_a_call_up_through_the_api(party):
    actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    api = client_for(party.staff["haiyu"])
    team = api.post(
        "/api/v1/party/teams/",
        {
            "community": party.world.communities["haiyu"].code,
            "theme": "epidemic",
            "name": "防疫先锋队",
            "members": [party.members["cadre"].pk],
        },
        format="json",
    )
    assert team.status_code == 201
    callup = api.post(
        "/api/v1/party/callups/",
        {
            "community": party.world.communities["haiyu"].code,
            "title": "核酸点值守",
            "team": team.json()["id"],
            "starts_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert callup.status_code == 201
    member = client_for(party.users["cadre"])
    assert [t["name"] for t in member.get("/api/v1/party/teams/").json()["results"]] == ["防疫先锋队"]
    assert (
        member.post(
            f"/api/v1/party/callups/{callup.json()['id']}/reply/", {"accept": True}, format="json"
        ).status_code
        == 201
    )
    assert member.post(f"/api/v1/party/callups/{callup.json()['id']}/checkin/").status_code == 200
    assert (
        client_for(party.users["gushu_member"])
        .post(f"/api/v1/party/callups/{callup.json()['id']}/checkin/")
        .status_code
        == 404
    )
    bad = api.post(
        "/api/v1/party/callups/",
        {"community": party.world.communities["haiyu"].code, "title": "x", "starts_at": "soon"},
        format="json",
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "path,field", [("/api/v1/party/callups/", "starts_at"), ("/api/v1/party/meetings/", "held_at")]
)
@pytest.mark.parametrize(
    "moment", ["2024-01-01T12:99:00Z", "2024-02-30T08:00:00+08:00", "0001-01-01T00:00:00+14:00"]
)
def test_an_impossible_or_out_of_range_time_is_a_400_not_a_server_error(party, path, field, moment):
    """Minute 99 or 30 February made ``parse_datetime`` raise, and year 1 cannot be stored: a 500."""
    answer = client_for(party.staff["haiyu"]).post(
        path,
        {"community": party.world.communities["haiyu"].code, "title": "议事会", field: moment},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "party_invalid"
    assert "ISO 8601" in answer.json()["error"]["message"]


def test_a_nul_in_a_community_code_or_a_title_is_a_400(party):
    """PostgreSQL refuses a query comparing with a NUL, and cannot store one: both were a 500 there."""
    api = client_for(party.staff["haiyu"])
    pairing = api.post("/api/v1/party/pairings/", {"org": 1, "community": "44\x0003"}, format="json")
    assert pairing.status_code == 400 and "NUL" in pairing.json()["error"]["message"]
    meeting = api.post(
        "/api/v1/party/meetings/",
        {
            "community": party.world.communities["haiyu"].code,
            "title": "议事\x00会",
            "held_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert meeting.status_code == 400 and meeting.json()["error"]["code"] == "party_invalid"
