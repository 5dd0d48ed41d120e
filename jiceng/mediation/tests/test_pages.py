"""The pages: inbox, referral form, dispute page, register, dashboard; outsiders get the same 404."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.mediation.models import Dispute
from jiceng.testing import World

from .test_api import client_for
from .test_disputes import HIGH, LOW, referral


def test_the_referral_form_registers_a_high_risk_dispute_and_shows_its_reasons(town: World) -> None:
    c = client_for(town.people["police"])
    response = c.post(
        "/mediation/disputes/new/",
        {
            "source": "police",
            "kind": "domestic_violence",
            "narrative": HIGH,
            "grid_code": town.grids["haiyu1"].code,
            "applicant_name": "张丽",
            "respondent_name": "王强",
            "relationship": "spouse",
            "minors": "2",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "高风险" in page and "扬言杀人或伤害" in page and "新安派出所" in page
    assert Dispute.objects.get().minors == 2


def test_a_bad_referral_keeps_what_was_typed_and_says_why(town: World) -> None:
    c = client_for(town.people["police"])
    response = c.post(
        "/mediation/disputes/new/",
        {"source": "police", "kind": "domestic_violence", "narrative": HIGH, "grid_code": "44030600100199"},
    )
    page = response.content.decode()
    assert "未找到" in page and HIGH in page
    assert not Dispute.objects.exists()


def test_the_dispute_page_answers_404_to_another_street(town: World) -> None:
    theirs = referral(town, LOW, kind="custody", source="grid", grid="gushu1")
    assert client_for(town.people["police"]).get(f"/mediation/disputes/{theirs.pk}/").status_code == 404


def test_the_dispute_page_answers_404_for_a_high_risk_dispute_to_an_agency_not_on_it(town: World) -> None:
    dispute = referral(town)
    assert client_for(town.people["dispatcher"]).get(f"/mediation/disputes/{dispute.pk}/").status_code == 404
    assert client_for(town.people["women"]).get(f"/mediation/disputes/{dispute.pk}/").status_code == 200


def test_the_inbox_lists_my_tasks_high_risk_first(town: World) -> None:
    low = referral(town, LOW, kind="custody", source="grid")
    high = referral(town)
    page = client_for(town.people["mediator"]).get("/mediation/").content.decode()
    assert page.index(high.number) < page.index(low.number)


def test_the_register_shows_high_risk_disputes_to_the_leader_only_in_scope(town: World) -> None:
    dispute = referral(town)
    assert dispute.number in client_for(town.people["leader"]).get("/mediation/high-risk/").content.decode()
    assert client_for(town.people["resident"]).get("/mediation/high-risk/").status_code == 404


def test_the_dashboard_and_the_list_cost_a_fixed_number_of_queries(town: World) -> None:
    for _ in range(3):
        referral(town, LOW, kind="custody", source="grid")
    c = client_for(town.people["leader"])
    with CaptureQueriesContext(connection) as few:
        assert c.get("/mediation/disputes/").status_code == 200
    for _ in range(5):
        referral(town, LOW, kind="custody", source="grid")
    with CaptureQueriesContext(connection) as many:
        c.get("/mediation/disputes/")
    assert len(many) == len(few)
    assert c.get("/mediation/dashboard/").status_code == 200


def test_the_agreement_document_downloads_for_the_agencies(town: World, settings: Any, tmp_path: Any) -> None:
    from jiceng.mediation import actions as a

    settings.MEDIA_ROOT = tmp_path
    dispute = referral(town)
    a.check_draft_agreement(town.people["police"], dispute, "一、互不骚扰。")
    response = client_for(town.people["judge"]).get(f"/mediation/disputes/{dispute.pk}/agreement.docx")
    assert response.status_code == 200 and b"PK" in b"".join(response.streaming_content)[:4]
    assert (
        client_for(town.people["handler"]).get(f"/mediation/disputes/{dispute.pk}/agreement.docx").status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_log_in(town: World) -> None:
    assert Client().get("/mediation/").status_code == 302
