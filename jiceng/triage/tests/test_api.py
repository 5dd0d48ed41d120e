from __future__ import annotations

from pathlib import Path

from rest_framework.test import APIClient

from jiceng.testing import World
from jiceng.triage import service


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_dispatcher_gets_a_suggestion_with_types_flags_and_threshold(
    world: World, model_file: Path
) -> None:
    response = client_for(world.people["dispatcher"]).post(
        "/api/v1/triage/suggest/",
        {"text": "小区门口的路灯不亮了", "lng": 113.88, "lat": 22.55},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["types"][0]["code"] == "CS05" and body["sensitive"] is False
    assert body["threshold"] is not None


def test_a_resident_may_not_ask_for_suggestions(world: World, model_file: Path) -> None:
    response = client_for(world.people["resident"]).post(
        "/api/v1/triage/suggest/", {"text": "路灯"}, format="json"
    )
    assert response.status_code == 403


def test_flags_explain_why(world: World) -> None:
    response = client_for(world.people["dispatcher"]).post(
        "/api/v1/triage/flags/", {"text": "我老公喝醉就打我"}, format="json"
    )
    assert response.json()["sensitive"] is True
    assert response.json()["flags"][0]["kind"] == "violence"


def test_reply_quality_scores_a_reply(world: World) -> None:
    response = client_for(world.people["dispatcher"]).post(
        "/api/v1/triage/reply-quality/", {"message": "路灯坏了", "reply": "已收悉"}, format="json"
    )
    assert response.status_code == 200 and response.json()["interpretability"] < 0.3


def test_hot_topics_come_from_the_registered_provider_scoped_to_the_user(
    world: World, model_file: Path
) -> None:
    from datetime import datetime, timedelta

    t0 = datetime(2025, 3, 1, 9)  # noqa: DTZ001
    seen: list = []

    def provider(user, since):
        seen.append(user.username)
        return [
            {
                "id": i,
                "title": "阳光花园小区搅拌站噪音",
                "text": "搅拌站噪音",
                "created_at": t0 + timedelta(days=i),
            }
            for i in range(3)
        ]

    service.register_message_provider(provider)
    response = client_for(world.people["outsider"]).get("/api/v1/triage/hot/?top=3")
    assert seen == ["outsider"]
    assert response.json()["results"][0]["count"] == 3


def test_the_schema_documents_every_triage_endpoint_with_its_response(world: World) -> None:
    schema = client_for(world.people["dispatcher"]).get("/api/schema/", {"format": "json"}).json()
    for path, name in [
        ("/api/v1/triage/suggest/", "SuggestOut"),
        ("/api/v1/triage/flags/", "FlagsOut"),
        ("/api/v1/triage/reply-quality/", "ReplyQualityOut"),
        ("/api/v1/triage/hot/", "HotTopicsOut"),
    ]:
        operation = next(iter(schema["paths"][path].values()))
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(name)


def test_the_schema_documents_the_triage_request_bodies_without_guessing() -> None:
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    # given the triage endpoints alone, and drf-spectacular's warning log emptied
    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include("jiceng.triage.api_urls"))]
    # when their schema is generated
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    # then no serializer had to be guessed, and every POST names its request body
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    for route, name in [
        ("/api/v1/triage/suggest/", "SuggestIn"),
        ("/api/v1/triage/flags/", "FlagsIn"),
        ("/api/v1/triage/reply-quality/", "ReplyIn"),
    ]:
        body = schema["paths"][route]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(name)
    assert {p["name"] for p in schema["paths"]["/api/v1/triage/hot/"]["get"]["parameters"]} >= {"top", "days"}
