"""The REST API: intake, lists and filters, detail, trail, actions, error JSON and scopes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from jiceng.cases.models import Case, Status
from jiceng.cases.tests.conftest import at, in_progress, png, submit
from jiceng.testing import World


def client(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def post_case(world: World, who: str = "resident", **extra):  # type: ignore[no-untyped-def]
    body = {
        "description": "小区门口垃圾堆放三天没人清运",
        "type_code": "SR01",
        "location_code": world.rooms["haiyu1"].code,
    }
    body.update(extra)
    return client(world.people[who]).post("/api/v1/cases/", body, format="json")


def test_a_resident_submits_a_case_and_gets_it_back(cw: World) -> None:
    response = post_case(cw)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "dispatched" and body["lead_unit"] == "xinan-chengguan"
    assert body["number"].endswith(f"{body['id']:07d}") and "accept" in body["allowed_actions"]


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_case(cw: World) -> None:
    api = client(cw.people["resident"])
    body = {"description": "垃圾", "type_code": "SR01", "location_code": cw.rooms["haiyu1"].code}
    first = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and Case.objects.count() == 1


def test_photos_upload_as_multipart(cw: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("a.png", png(8, 6), content_type="image/png")
    response = client(cw.people["resident"]).post(
        "/api/v1/cases/",
        {
            "description": "垃圾",
            "type_code": "SR01",
            "location_code": cw.rooms["haiyu1"].code,
            "photos": [photo],
        },
        format="multipart",
    )
    assert response.status_code == 201 and Case.objects.get().photos.get().width == 8


def test_bad_input_gets_a_chinese_error_with_a_code(cw: World) -> None:
    cases = [
        ({"type_code": "XX99"}, "unknown_type"),
        ({"location_code": "", "lat": 39.9, "lng": 116.4}, "outside_district"),
        ({"description": ""}, "invalid"),
    ]
    for extra, code in cases:
        response = post_case(cw, **extra)
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["code"] == code
    assert Case.objects.count() == 0


def test_a_non_image_photo_is_a_400_with_its_code(cw: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.jpg", b"GIF89a-not-allowed", content_type="image/jpeg")
    response = client(cw.people["resident"]).post(
        "/api/v1/cases/",
        {
            "description": "垃圾",
            "type_code": "SR01",
            "location_code": cw.rooms["haiyu1"].code,
            "photos": [fake],
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_photo"


def test_the_list_filters_by_status_type_grid_and_date(cw: World) -> None:
    submit(cw, at=at(2026, 3, 10, 9))
    submit(cw, type_code="SW05", description="下水道堵", at=at(2026, 3, 12, 9))
    api = client(cw.people["dispatcher"])
    assert api.get("/api/v1/cases/").json()["count"] == 2
    assert api.get("/api/v1/cases/?type=SW05").json()["count"] == 1
    assert api.get("/api/v1/cases/?status=dispatched,closed").json()["count"] == 2
    assert api.get("/api/v1/cases/?grid=440306002").json()["count"] == 0
    assert api.get("/api/v1/cases/?created_after=2026-03-11").json()["count"] == 1
    assert api.get("/api/v1/cases/?created_before=2026-03-10").json()["count"] == 1
    assert api.get("/api/v1/cases/?unit=xinan-shuiwu").json()["count"] == 1
    assert api.get("/api/v1/cases/?overdue=true").json()["count"] == 0


def test_an_unknown_status_filter_is_a_clear_error(cw: World) -> None:
    response = client(cw.people["dispatcher"]).get("/api/v1/cases/?status=done")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_filter"


def test_a_resident_lists_only_their_own_cases(cw: World) -> None:
    submit(cw)
    submit(cw, who="grid_worker")
    assert client(cw.people["resident"]).get("/api/v1/cases/").json()["count"] == 1


def test_a_handler_of_another_street_gets_404(cw: World) -> None:
    case = submit(cw)
    api = client(cw.people["xixiang_handler"])
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    response = api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "case_not_found"
    assert api.get("/api/v1/cases/").json()["count"] == 0


def test_the_outsider_grid_worker_sees_nothing(cw: World) -> None:
    case = submit(cw)
    api = client(cw.people["outsider"])
    assert api.get(f"/api/v1/cases/{case.pk}/events/").status_code == 404


def test_actions_run_through_the_api(cw: World) -> None:
    case = submit(cw)
    handler = client(cw.people["handler"])
    assert (
        handler.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json").json()["status"] == "in_progress"
    )
    response = handler.post(
        f"/api/v1/cases/{case.pk}/complete/",
        {"note": "已清运", "checklist": case.event_type.closing_conditions},
        format="json",
    )
    assert response.json()["status"] == "completed"
    client(cw.people["dispatcher"]).post(f"/api/v1/cases/{case.pk}/verify/", {}, format="json")
    response = client(cw.people["resident"]).post(
        f"/api/v1/cases/{case.pk}/rate/", {"score": 5}, format="json"
    )
    assert response.json()["status"] == "closed" and response.json()["rating"] == 5


def test_an_action_in_the_wrong_state_is_a_409_and_changes_nothing(cw: World) -> None:
    case = in_progress(cw)
    response = client(cw.people["resident"]).post(
        f"/api/v1/cases/{case.pk}/rate/", {"score": 5}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_state"
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_returning_an_escalated_case_downwards_is_refused(cw: World) -> None:
    case = submit(cw, type_code="MD01", description="邻里纠纷")
    community = client(cw.people["community_handler"])
    community.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")
    community.post(f"/api/v1/cases/{case.pk}/escalate/", {"reason": "需街道协调"}, format="json")
    client(cw.people["dispatcher"]).post(
        f"/api/v1/cases/{case.pk}/dispatch/", {"unit": "xinan-chengguan"}, format="json"
    )
    response = client(cw.people["handler"]).post(
        f"/api/v1/cases/{case.pk}/return/", {"reason": "请社区处理", "to_level": "community"}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "escalated_no_downward"


def test_rating_twice_through_the_api_is_refused(cw: World) -> None:
    case = in_progress(cw)
    handler = client(cw.people["handler"])
    handler.post(
        f"/api/v1/cases/{case.pk}/complete/",
        {"note": "好", "checklist": case.event_type.closing_conditions},
        format="json",
    )
    client(cw.people["dispatcher"]).post(f"/api/v1/cases/{case.pk}/verify/", {}, format="json")
    resident = client(cw.people["resident"])
    resident.post(f"/api/v1/cases/{case.pk}/rate/", {"score": 4}, format="json")
    response = resident.post(f"/api/v1/cases/{case.pk}/rate/", {"score": 1}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_rated"


def test_the_events_endpoint_masks_staff_names_for_the_resident(cw: World) -> None:
    case = in_progress(cw)
    resident = client(cw.people["resident"]).get(f"/api/v1/cases/{case.pk}/events/").json()
    staff = client(cw.people["handler"]).get(f"/api/v1/cases/{case.pk}/events/").json()
    assert [e["actor"] for e in resident if e["action"] == "accept"] == ["孙*法"]
    assert [e["actor"] for e in staff if e["action"] == "accept"] == ["孙执法"]


def test_the_reporters_phone_is_masked_in_lists(cw: World) -> None:
    submit(cw)
    row = client(cw.people["supervisor"]).get("/api/v1/cases/").json()["results"][0]
    assert row["reporter_phone"] == "138****8000"


def test_the_catalogue_lists_public_types_for_residents(cw: World) -> None:
    everything = client(cw.people["dispatcher"]).get("/api/v1/catalogue/types/").json()
    public = client(cw.people["resident"]).get("/api/v1/catalogue/types/").json()
    assert len(everything) > len(public) >= 250
    assert "NY06" not in {t["code"] for t in public}


def test_the_list_uses_a_fixed_number_of_queries(cw: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        submit(cw)
    api = client(cw.people["supervisor"])
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/cases/").json()["count"] == 5


def test_the_schema_documents_the_case_endpoints(cw: World) -> None:
    schema = client(cw.people["admin"]).get("/api/schema/?format=json").json()
    assert (
        "/api/v1/cases/{case_id}/{action}/" in schema["paths"]
        and "/api/v1/catalogue/types/" in schema["paths"]
    )
