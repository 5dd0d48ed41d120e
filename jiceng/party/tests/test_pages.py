"""The pages: each role sees its own, outsiders get a 404, refusals come back as messages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from jiceng.org.models import AccessLog, Role
from jiceng.party import actions
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_member_home_shows_registrations_and_the_service_form(party):
    actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    page = client_for(party.users["cadre"]).get("/party/").content.decode()
    assert "海裕社区" in page and "提交服务记录" in page


def test_a_registration_refused_on_the_page_keeps_the_member_on_the_form_with_a_message(party):
    c = client_for(party.users["cadre"])
    response = c.post("/party/register/", {"community": party.world.communities["haiyu"].code}, follow=True)
    assert "请至少选择一个服务岗位" in response.content.decode()


def test_a_non_member_cannot_open_the_registration_page(party, resident_of):
    assert client_for(resident_of("haiyu", "居民")).get("/party/register/").status_code == 404


def test_the_building_page_is_a_404_outside_the_heads_buildings(party):
    head = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    actions.check_assign_head(party.staff["haiyu"], head.pk, party.world.buildings["haiyu1"].code)
    c = client_for(head)
    assert c.get(f"/party/buildings/{party.world.buildings['haiyu1'].code}/").status_code == 200
    assert c.get(f"/party/buildings/{party.world.buildings['gushu1'].code}/").status_code == 404
    response = c.post(
        f"/party/buildings/{party.world.buildings['gushu1'].code}/report/", {"description": "漏水"}
    )
    assert response.status_code == 404


def test_the_staff_page_logs_each_unmasked_member_shown(party):
    member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄志强", phone="13912345678"
    )
    page = client_for(party.staff["haiyu"]).get("/party/staff/").content.decode()
    assert "黄志强" in page
    assert AccessLog.objects.filter(subject_type="party_member", subject_id=str(member.pk)).exists()


def test_the_staff_page_is_closed_to_residents(party, resident_of):
    assert client_for(resident_of("haiyu", "居民")).get("/party/staff/").status_code == 404


def test_a_meeting_of_another_community_is_a_404_for_staff(party):
    meeting = actions.check_create_meeting(
        party.staff["haiyu"], party.world.communities["haiyu"].code, "议事会", timezone.now()
    )
    assert client_for(party.staff["gushu"]).get(f"/party/staff/meetings/{meeting.pk}/").status_code == 404
    assert client_for(party.staff["haiyu"]).get(f"/party/staff/meetings/{meeting.pk}/").status_code == 200


def test_a_wish_of_another_community_is_a_404_for_a_member(party, resident_of):
    wish = actions.check_post_wish(resident_of("haiyu", "张阿婆"), title="收音机")
    actions.check_review_wish(party.staff["haiyu"], wish.pk, approve=True, public_text="老人想要收音机")
    assert client_for(party.users["gushu_member"]).get(f"/party/wishes/{wish.pk}/").status_code == 404


def test_the_command_screen_carries_the_party_panel(party):
    page = client_for(party.world.people["leader"]).get("/command/screen/", follow=True).content.decode()
    assert 'id="panel-party"' in page and "command/figures.js" in page


def test_the_home_menu_offers_party_pages_to_members_and_staff(party):
    assert "党员之家" in client_for(party.users["cadre"]).get("/").content.decode()
    assert "党建引领" in client_for(party.staff["haiyu"]).get("/").content.decode()


def test_the_escalation_command_runs(party, capsys):
    from django.core.management import call_command

    call_command("party", "escalate-wishes", "--days", "7")
    assert "0" in capsys.readouterr().out


def test_the_paired_unit_records_a_delivery_on_its_pairing_page_and_another_unit_gets_a_404(party):
    pairing = actions.check_pair(
        party.world.people["leader"], party.orgs["bureau"].pk, party.world.communities["haiyu"].code
    )
    commitment = actions.check_add_commitment(party.staff["haiyu"], pairing.pk, "燃气安全入户")
    cadre = make_user("zj", "住建干部", Role.HANDLER, unit=party.world.units["district_zhujian"])
    c = client_for(cadre)
    assert "燃气安全入户" in c.get(f"/party/pairings/{pairing.pk}/").content.decode()
    c.post(
        f"/party/pairings/{pairing.pk}/delivery/",
        {"commitment": commitment.pk, "note": "入户 30 户", "completes": "1"},
    )
    commitment.refresh_from_db()
    assert commitment.delivered_at is not None
    other = make_user("cg", "城管干部", Role.HANDLER, unit=party.world.units["district_chengguan"])
    assert client_for(other).get(f"/party/pairings/{pairing.pk}/").status_code == 404


def test_residents_read_their_buildings_notices_on_the_party_home(party, resident_of):
    resident = resident_of("haiyu", "住户")
    head = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    actions.check_assign_head(party.staff["haiyu"], head.pk, party.world.buildings["haiyu1"].code)
    actions.check_post_building_notice(head, party.world.buildings["haiyu1"].code, "停水通知", "周三上午停水")
    assert "停水通知" in client_for(resident).get("/party/").content.decode()
    other = resident_of("gushu", "别处住户")
    assert "停水通知" not in client_for(other).get("/party/").content.decode()


def test_the_staff_page_lists_dual_registered_members_with_their_hours(party):
    reg = actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    record = actions.check_record_service(
        party.users["cadre"], reg.pk, hours=3, served_on=timezone.localdate(), note="n"
    )
    actions.check_confirm_service(party.staff["haiyu"], record.pk)
    page = client_for(party.staff["haiyu"]).get("/party/staff/").content.decode()
    assert "陈干部" in page and "3 小时" in page
