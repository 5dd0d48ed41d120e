"""The four portal flows in a real headless Chromium at phone size (390×844)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.models import Phase
from jiceng.community.tests.factories import activity, slot
from jiceng.conftest import login
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A = actions.Actor


def _open(page, live_server, user, path):
    login(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}{path}")


def test_a_request_from_submission_to_rating(world, staff, resident_of, phone_page, live_server):
    r = resident_of()
    _open(phone_page, live_server, r, "/community/ask/")
    phone_page.fill("#id_text", "小区东门路灯坏了一周，晚上很黑")
    phone_page.check("input[name=where][value=room]")
    phone_page.click("button[type=submit]:has-text('提交')")
    phone_page.wait_for_selector("text=办理进度")
    request = actions.my_requests(r).get()
    # the community handles it: through the case engine when installed, else on the portal
    if request.case_id_ref is not None:
        from jiceng.community.tests.casework import finish_case

        finish_case(world, request.case_id_ref)
    else:
        actions.check_reply_request(staff["haiyu"], request.pk, "已更换灯泡")
    phone_page.reload()
    phone_page.check("input[name=rating][value='5']")
    phone_page.fill("#id_comment", "很及时")
    phone_page.click("button:has-text('提交评价')")
    phone_page.wait_for_selector("text=您的评价：5 星")
    # the public state of the rated case (jiceng.cases.public), as Open311 reports it
    assert phone_page.locator("#status").inner_text() == "已结案"


def test_a_booking_with_a_waiting_list_promotion(world, staff, resident_of, phone_page, live_server):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=1)
    first, second = resident_of(name="甲"), resident_of(name="乙")
    held = actions.check_book_slot(A(first), s.pk)
    _open(phone_page, live_server, second, f"/community/venues/{s.venue_id}/")
    phone_page.click("button:has-text('候补')")
    phone_page.wait_for_selector(".booking[data-status=waitlisted]")
    actions.check_cancel_booking(A(first), held.pk)
    phone_page.reload()
    phone_page.wait_for_selector(".booking[data-status=confirmed]")
    assert phone_page.locator(".booking .code").count() == 1


def test_an_activity_to_credited_hours_to_a_redemption(
    world, staff, resident_of, phone_page, page, live_server
):
    r = resident_of()
    task = activity(staff["haiyu"], world.communities["haiyu"], hours="2")
    actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "爱心大米", "15", 5)
    _open(phone_page, live_server, r, "/community/activities/")
    phone_page.click(f"button[aria-label='报名 {task.title}']")
    phone_page.wait_for_selector("text=报名成功")
    # staff confirm attendance on their own (desktop) page
    _open(page, live_server, staff["haiyu"], "/community/staff/activities/")
    page.click(f"button[aria-label='确认出勤 {r.display_name}']")
    page.wait_for_selector("text=已保存")
    phone_page.goto(f"{live_server.url}/community/timebank/")
    assert phone_page.locator("#hours").inner_text() == "2"
    phone_page.click("button[aria-label='兑换 爱心大米']")
    phone_page.wait_for_selector("text=兑换成功")
    assert phone_page.locator("#points").inner_text() == "5"
    assert phone_page.locator(".code").first.inner_text().startswith("R")


def test_a_micro_project_through_all_phases(world, staff, resident_of, phone_page, page, live_server):
    r = resident_of()
    rnd = actions.check_open_round(staff["haiyu"], world.communities["haiyu"], "2025年第一批", "100000")
    # 群众点菜
    _open(phone_page, live_server, r, f"/community/rounds/{rnd.pk}/")
    phone_page.fill("#id_title", "楼道加装扶手")
    phone_page.fill("#id_description", "老人上下楼不方便，建议加装扶手")
    phone_page.click("button:has-text('提交提议')")
    phone_page.wait_for_selector("#phase:has-text('群众点菜')")
    project = rnd.projects.get()
    # community review and the council vote, on the staff page
    _open(page, live_server, staff["haiyu"], "/community/staff/projects/")
    item = page.locator(f"[data-project='{project.pk}']")
    item.locator("select[name=kind]").select_option("engineering")
    item.locator("input[name=cost]").fill("20000")
    item.locator("input[name=feasibility]").fill("可行，纳入本批")
    item.locator("button:has-text('审核通过')").click()
    page.wait_for_selector("text=已保存")
    page.click("button:has-text('提交议事会表决')")
    page.wait_for_selector("text=已保存")
    # the resident votes; a paper ballot is entered by staff
    phone_page.goto(f"{live_server.url}/community/rounds/{rnd.pk}/")
    phone_page.check(f"input[name=projects][value='{project.pk}']")
    phone_page.click("button:has-text('投票')")
    phone_page.wait_for_selector("text=投票成功")
    actions.check_enter_paper_ballot(staff["haiyu"], rnd.pk, "P-1", [project.pk])
    page.reload()
    page.click("button:has-text('结束表决并定项')")
    page.wait_for_selector("text=已保存")
    # implementation and evaluation
    actions.check_add_milestone(
        staff["haiyu"], project.pk, "采购安装", (timezone.now() + dt.timedelta(days=10)).date()
    )
    actions.check_report_progress(staff["haiyu"], project.pk, "扶手已安装", progress=100)
    actions.check_start_evaluation(staff["haiyu"], project.pk)
    phone_page.goto(f"{live_server.url}/community/projects/{project.pk}/")
    phone_page.click("text=参与项目评价")
    phone_page.check("input[type=radio][value='5']")
    phone_page.locator("fieldset").nth(1).locator("input[type=radio]").first.check()
    phone_page.click("button:has-text('提交问卷')")
    phone_page.wait_for_selector("text=感谢您的参与")
    actions.check_finish_project(staff["haiyu"], project.pk)
    phone_page.goto(f"{live_server.url}/community/projects/{project.pk}/")
    history = phone_page.locator("#history").inner_text()
    for phase in (
        Phase.PROPOSED,
        Phase.APPROVED,
        Phase.VOTING,
        Phase.IMPLEMENTING,
        Phase.EVALUATING,
        Phase.DONE,
    ):
        assert str(phase.label) in history
