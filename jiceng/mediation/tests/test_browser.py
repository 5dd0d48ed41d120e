"""The joint-mediation journey in a real browser: a police referral with a high-risk narrative is graded
high with reasons, four agencies (and the community) get their tasks, a joint session is held, the
agreement document is generated and signed, and follow-ups are scheduled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jiceng.cases.tests.test_browser import expect_message, restore_reference_data, serve_project_static
from jiceng.conftest import login
from jiceng.mediation.models import Dispute, FollowUp
from jiceng.mediation.seed import restore
from jiceng.mediation.testing import add_agencies
from jiceng.testing import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db: Any, settings: Any, tmp_path: Path) -> World:
    serve_project_static(settings)
    settings.MEDIA_ROOT = tmp_path
    restore_reference_data()
    from jiceng.org.kinds import ensure_unit_kinds

    ensure_unit_kinds()
    restore()
    return add_agencies(build_world())


def test_a_police_referral_goes_from_grading_to_an_agreement_and_follow_ups(
    page: Any, live_server: Any, city: World, tmp_path: Path
) -> None:
    # given the police officer at the referral form
    login(page, live_server, "police", PASSWORD)
    page.goto(f"{live_server.url}/mediation/disputes/new/")
    page.select_option("select[name=source]", "police")
    page.select_option("select[name=kind]", "domestic_violence")
    page.fill("input[name=source_ref]", "110-20261206-0042")
    # a calm description of real danger
    page.fill(
        "textarea[name=narrative]",
        "报警人语气平静，称丈夫这几天一直在磨菜刀，昨晚掐住她的脖子，说她要是敢离婚就一起死。",
    )
    page.fill("input[name=grid_code]", city.grids["haiyu1"].code)
    page.fill("input[name=applicant_name]", "张丽")
    page.fill("input[name=respondent_name]", "王强")
    page.select_option("select[name=relationship]", "spouse")
    page.click(".referral-form button[type=submit]")

    # then it is graded high, with the rules and phrases behind the grade
    expect_message(page, "研判为高风险")
    reasons = page.inner_text("section.risk")
    assert "掐脖子或窒息" in reasons and "菜刀" in reasons
    # and the police station, justice office, women's federation and court each have a task
    kinds = {t.get_attribute("data-kind") for t in page.query_selector_all("section.tasks tr.task")}
    assert {"paichusuo", "sifasuo", "fulian", "fayuan"} <= kinds
    dispute = Dispute.objects.get()

    # when the police station, as lead, schedules a joint session in the future
    when = timezone.localtime() + dt.timedelta(days=2)
    page.fill("form.schedule input[name=starts_at]", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("form.schedule input[name=place]", "新安街道矛盾纠纷调处中心")
    page.click("form.schedule button[type=submit]")
    expect_message(page, "已保存")
    assert "新安街道矛盾纠纷调处中心" in page.inner_text("section.sessions")

    # and records the minutes and drafts the agreement
    page.fill("section.sessions textarea[name=note]", "四方联调，男方承认过错，同意接受告诫并分居。")
    page.click("section.sessions form.stacked button[type=submit]")
    expect_message(page, "已保存")
    page.fill(
        "form.draft textarea[name=terms]",
        "一、王强保证不再实施任何家庭暴力。\n二、双方分居三个月，期间互不打扰。",
    )
    page.click("form.draft button[type=submit]")
    expect_message(page, "已保存")
    with page.expect_download() as download:
        page.click("a.docx")
    saved = tmp_path / "agreement.docx"
    download.value.save_as(saved)
    from jiceng.mediation.documents import text_of

    assert "王强保证不再实施任何家庭暴力" in text_of(saved.read_bytes())

    # and an outcome without the signatures is refused
    page.select_option("form.outcome-form select[name=outcome]", "agreed")
    page.click("form.outcome-form button[type=submit]")
    page.wait_for_selector(".messages li.error")
    assert "签字件" in page.inner_text(".messages")

    # and uploads both parties' signed copies, then records the agreement
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(b"%PDF-1.4 signed")
    for _ in range(2):
        page.set_input_files("section.agreement input[type=file] >> nth=0", str(signed))
        page.click("section.agreement form.inline button[type=submit] >> nth=0")
        expect_message(page, "已保存")
    page.select_option("form.outcome-form select[name=outcome]", "agreed")
    page.click("form.outcome-form button[type=submit]")
    expect_message(page, "已保存")

    # then the dispute is agreed and follow-ups are scheduled at 7, 30 and 90 days
    dispute.refresh_from_db()
    assert dispute.status == "agreed"
    assert FollowUp.objects.filter(dispute=dispute).count() == 3
    assert len(page.query_selector_all("section.follow-ups li.follow-up")) == 3
    assert page.console_errors == []  # type: ignore[attr-defined]
