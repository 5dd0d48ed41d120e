"""The REST API: the dispute list scoped like cases, masked parties, actions, outsiders get 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from jiceng.mediation.models import Dispute
from jiceng.org.models import AccessLog
from jiceng.testing import World

from .test_disputes import HIGH, LOW, referral


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_dispute_list_shows_a_resident_nothing(town: World) -> None:
    referral(town, LOW, kind="custody", source="grid")
    response = client_for(town.people["resident"]).get("/api/v1/mediation/disputes/")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_the_dispute_list_is_scoped_like_cases(town: World) -> None:
    mine = referral(town, LOW, kind="custody", source="grid")
    theirs = referral(town, LOW, kind="custody", source="grid", grid="gushu1")
    ids = [
        d["id"]
        for d in client_for(town.people["dispatcher"]).get("/api/v1/mediation/disputes/").json()["results"]
    ]
    assert mine.pk in ids and theirs.pk not in ids


def test_another_streets_dispute_answers_404(town: World) -> None:
    theirs = referral(town, LOW, kind="custody", source="grid", grid="gushu1")
    response = client_for(town.people["mediator"]).get(f"/api/v1/mediation/disputes/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "dispute_not_found"


def test_a_high_risk_dispute_answers_404_to_an_agency_not_on_it(town: World) -> None:
    dispute = referral(town)
    response = client_for(town.people["handler"]).get(f"/api/v1/mediation/disputes/{dispute.pk}/")
    assert response.status_code == 404


def test_parties_are_masked_for_leaders_and_unmasked_reads_are_logged(town: World) -> None:
    dispute = referral(town)
    leader = client_for(town.people["leader"]).get(f"/api/v1/mediation/disputes/{dispute.pk}/").json()
    assert all("*" in p["phone"] or not p["phone"] for p in leader["parties"])
    assert not AccessLog.objects.exists()
    police = client_for(town.people["police"]).get(f"/api/v1/mediation/disputes/{dispute.pk}/").json()
    assert {p["name"] for p in police["parties"]} == {"张丽", "王强"}
    assert AccessLog.objects.filter(subject_type="mediation_party", user=town.people["police"]).count() == 2


def test_a_police_referral_is_registered_through_the_api(town: World) -> None:
    response = client_for(town.people["police"]).post(
        "/api/v1/mediation/disputes/",
        {
            "kind": "domestic_violence",
            "source": "police",
            "narrative": HIGH,
            "grid_code": town.grids["haiyu1"].code,
            "source_ref": "110-20260101-0001",
            "parties": [{"name": "张丽", "relationship": "spouse"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["risk"] == "high" and body["reasons"] and len(body["tasks"]) == 5


def test_an_unknown_party_id_gives_a_clear_error_and_changes_nothing(town: World) -> None:
    response = client_for(town.people["police"]).post(
        "/api/v1/mediation/disputes/",
        {
            "kind": "domestic_violence",
            "source": "police",
            "narrative": HIGH,
            "grid_code": town.grids["haiyu1"].code,
            "parties": [{"person_id": 424242}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "424242" in response.json()["error"]["message"]
    assert not Dispute.objects.exists()


def test_a_session_in_the_past_gives_a_clear_error(town: World) -> None:
    dispute = referral(town)
    response = client_for(town.people["police"]).post(
        f"/api/v1/mediation/disputes/{dispute.pk}/schedule_session/",
        {
            "starts_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
            "place": "调解室",
            "units": list(dispute.tasks.values_list("unit_id", flat=True)),
            "parties": list(dispute.parties.values_list("pk", flat=True)),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "晚于现在" in response.json()["error"]["message"]
    assert not dispute.sessions.exists()


def test_an_agreement_outcome_without_signatures_gives_a_clear_error(
    town: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    dispute = referral(town)
    c = client_for(town.people["police"])
    assert (
        c.post(
            f"/api/v1/mediation/disputes/{dispute.pk}/draft_agreement/",
            {"terms": "一、互不骚扰。"},
            content_type="application/json",
        ).status_code
        == 200
    )
    response = c.post(
        f"/api/v1/mediation/disputes/{dispute.pk}/record_outcome/",
        {"outcome": "agreed"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "签字件" in response.json()["error"]["message"]


def test_tasks_are_accepted_through_the_api_by_their_own_agency_only(town: World) -> None:
    dispute = referral(town)
    task = dispute.tasks.get(unit__code="xinan-fl")
    assert (
        client_for(town.people["police"]).post(f"/api/v1/mediation/tasks/{task.pk}/accept/").status_code
        == 403
    )
    response = client_for(town.people["women"]).post(f"/api/v1/mediation/tasks/{task.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_the_figures_count_disputes_in_the_viewers_scope(town: World) -> None:
    referral(town)
    referral(town, LOW, kind="custody", source="grid")
    referral(town, LOW, kind="custody", source="grid", grid="gushu1")
    figures = client_for(town.people["leader"]).get("/api/v1/mediation/figures/").json()
    # the second dispute of the same couple inherits the first one's high grade (same people, 30 days)
    assert figures["total"] == 2 and figures["by_risk"] == {"high": 2}
    assert client_for(town.people["resident"]).get("/api/v1/mediation/figures/").status_code == 404


def test_the_figures_narrow_to_the_division_on_screen_and_never_widen(town: World) -> None:
    referral(town)
    referral(town, LOW, kind="custody", source="grid", grid="gushu1")
    leader = client_for(town.people["leader"])
    haiyu = town.communities["haiyu"].code
    assert leader.get(f"/api/v1/mediation/figures/?division={haiyu}").json()["total"] == 1
    shangchuan = town.communities["shangchuan"].code
    assert leader.get(f"/api/v1/mediation/figures/?division={shangchuan}").json()["total"] == 0
    gushu = town.communities["gushu"].code  # outside the leader's scope: still nothing
    assert leader.get(f"/api/v1/mediation/figures/?division={gushu}").json()["total"] == 0
    assert leader.get("/api/v1/mediation/figures/?division=abc").status_code == 400


def test_the_schema_documents_the_mediation_endpoints(town: World) -> None:
    response = client_for(town.people["admin"]).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/mediation/disputes/", "/api/v1/mediation/legal/aid/", "/api/v1/mediation/figures/"):
        assert path in text
