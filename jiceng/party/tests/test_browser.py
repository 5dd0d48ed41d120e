"""Three party journeys in a real headless Chromium at phone size (390×844)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.cases import actions as cases
from jiceng.cases.models import Case
from jiceng.community.tests.casework import finish_case
from jiceng.conftest import login
from jiceng.party import actions
from jiceng.party.models import ServiceRecord
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(page, live_server, user, path):
    login(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}{path}")


def test_a_working_member_dual_registers_and_records_service(party, phone_page, live_server):
    cadre = party.users["cadre"]
    haiyu = party.world.communities["haiyu"]
    _open(phone_page, live_server, cadre, "/party/")
    phone_page.click("a:has-text('到居住地社区报到')")
    phone_page.wait_for_url("**/party/register/")
    phone_page.select_option("#community", haiyu.code)
    phone_page.wait_for_selector("input[name=posts]")
    phone_page.check(f"input[name=posts][value='{party.posts['haiyu'].pk}']")
    phone_page.click("button:has-text('确认报到')")
    phone_page.wait_for_selector(f".registration[data-community='{haiyu.code}']")
    phone_page.click("summary:has-text('登记服务')")
    phone_page.fill("input[name=hours]", "2")
    phone_page.fill("input[name=note]", "周末垃圾分类督导")
    phone_page.click("button:has-text('提交服务记录')")
    phone_page.wait_for_selector(".service[data-status=recorded]")
    # the community confirms; the member sees the hours counted
    actions.check_confirm_service(party.staff["haiyu"], ServiceRecord.objects.get().pk)
    phone_page.reload()
    phone_page.wait_for_selector(".service[data-status=confirmed]")
    assert phone_page.locator(".registration .hours").inner_text() == "2"


def test_a_residents_wish_is_claimed_fulfilled_and_confirmed(
    party, resident_of, phone_page, live_server, chromium
):
    resident = resident_of("haiyu", "张阿婆")
    cadre = party.users["cadre"]
    actions.check_dual_register(cadre, party.world.communities["haiyu"].code, [party.posts["haiyu"].pk])
    # the resident posts a wish on the phone
    _open(phone_page, live_server, resident, "/party/wishes/")
    phone_page.fill("#id_title", "想要一台收音机")
    phone_page.fill("#id_detail", "眼睛不好，想听广播")
    phone_page.click("button:has-text('提交心愿')")
    phone_page.wait_for_selector("#status[data-status=submitted]")
    wish_url = phone_page.url
    from jiceng.party.models import WishCard

    wish = WishCard.objects.get()
    actions.check_review_wish(
        party.staff["haiyu"], wish.pk, approve=True, public_text="独居老人想要一台收音机"
    )
    # a member claims it and reports it fulfilled with a photo
    member_context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    member_page = member_context.new_page()
    _open(member_page, live_server, cadre, "/party/wishes/")
    member_page.click("#wall .wish a")
    member_page.click("button:has-text('认领心愿')")
    member_page.wait_for_selector("#status[data-status=claimed]")
    from jiceng.cases.tests.conftest import jpeg

    member_page.fill("#id_note", "已送上收音机并教会使用")
    member_page.set_input_files(
        "#id_photo", {"name": "radio.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    member_page.click("button:has-text('登记实现')")
    member_page.wait_for_selector("#status[data-status=fulfilled]")
    member_context.close()
    # the resident confirms
    phone_page.goto(wish_url)
    phone_page.click("button:has-text('确认心愿已实现')")
    phone_page.wait_for_selector("#status[data-status=confirmed]")
    assert phone_page.locator("img").count() == 1


def test_a_council_decision_becomes_a_case_and_closes(party, resident_of, phone_page, live_server):
    from jiceng.party.models import Compound

    staff = party.staff["haiyu"]
    compound = Compound.objects.create(community=party.world.communities["haiyu"], name="海裕花园")
    compound.buildings.set([party.world.buildings["haiyu1"]])
    meeting = actions.check_create_meeting(
        staff, compound.community.code, "海裕花园议事会", timezone.now(), compound_id=compound.pk
    )
    _open(phone_page, live_server, staff, f"/party/staff/meetings/{meeting.pk}/")
    phone_page.fill("#id_text", "东门增设电动车集中充电棚")
    phone_page.fill("#id_for", "12")
    phone_page.fill("#id_against", "1")
    phone_page.select_option("#id_follow_up", "case")
    phone_page.fill("#id_due_on", (timezone.localdate() + dt.timedelta(days=20)).isoformat())
    phone_page.click("button:has-text('形成决议')")
    phone_page.wait_for_selector(".decision .case")
    case = Case.objects.get()
    # the case is handled and closed through the case engine's own actions
    finish_case(party.world, case.pk)
    cases.do_close(case.pk, reason="已建成充电棚", actor=party.world.people["admin"])
    assert Case.objects.get(pk=case.pk).status == "closed"
    # a resident of the community sees the decision done
    resident = resident_of("haiyu", "居民甲")
    phone_page.context.clear_cookies()
    _open(phone_page, live_server, resident, "/party/decisions/")
    phone_page.wait_for_selector(".decision[data-state=done]")


def test_community_staff_build_an_organisation_register_a_member_and_appoint_a_building_head(
    party, phone_page, live_server
):
    from jiceng.org.models import Role
    from jiceng.party.models import BuildingHead, PartyMember, PartyOrg
    from jiceng.testing import make_user

    head_user = make_user("loudong", "楼栋长", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    _open(phone_page, live_server, party.staff["haiyu"], "/party/staff/")
    phone_page.click("a:has-text('组织与人员')")
    phone_page.wait_for_selector("#orgs")
    phone_page.click("a:has-text('新建党组织')")
    phone_page.select_option("#id_kind", "compound")
    phone_page.fill("#id_name", "海裕一小区党支部")
    phone_page.fill("#id_code", "haiyu-1-zb")
    phone_page.select_option("#id_parent", str(party.orgs["haiyu"].pk))
    phone_page.click("button:has-text('保存')")
    phone_page.wait_for_selector(".org[data-code='haiyu-1-zb']")
    org = PartyOrg.objects.get(code="haiyu-1-zb")
    # a member with a mistyped phone: refused, everything typed is still there, then corrected
    phone_page.click(".org[data-code='haiyu-1-zb'] a:has-text('登记党员')")
    phone_page.fill("#id_name", "黄党员")
    phone_page.fill("#id_phone", "12345")
    phone_page.click("button:has-text('保存')")
    phone_page.wait_for_selector("#form-error")
    assert phone_page.input_value("#id_name") == "黄党员"
    assert phone_page.input_value("#id_org") == str(org.pk)
    phone_page.fill("#id_phone", "13800138001")
    phone_page.click("button:has-text('保存')")
    phone_page.wait_for_selector("#members .member")
    assert PartyMember.objects.get(name="黄党员").org == org
    # the building head
    phone_page.click("a:has-text('任命楼栋长')")
    phone_page.fill("#id_building", party.world.buildings["haiyu1"].code)
    phone_page.fill("#id_username", "loudong")
    phone_page.click("button:has-text('保存')")
    phone_page.wait_for_selector(f".head[data-building='{party.world.buildings['haiyu1'].code}']")
    assert BuildingHead.objects.filter(user=head_user, is_active=True).exists()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
