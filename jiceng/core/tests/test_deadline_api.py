"""GET /api/v1/calendar/deadline and /api/v1/calendar/days."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from jiceng.core import calendar
from jiceng.lib.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

PASSWORD = "calendar-test-pass"  # noqa: S105


@pytest.fixture
def api(django_user_model: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("api-reader", password=PASSWORD))
    return client


def deadline(api: APIClient, **params: Any) -> Any:
    return api.get("/api/v1/calendar/deadline?" + urlencode(params))


def test_the_deadline_of_three_working_days_before_national_day(api: APIClient) -> None:
    response = deadline(api, start="2026-09-30T10:00:00+08:00", limit=3, unit="workday")
    assert response.status_code == 200
    assert response.json() == {"deadline": "2026-10-10T18:00:00+08:00"}


def test_the_unit_defaults_to_working_days(api: APIClient) -> None:
    assert (
        deadline(api, start="2026-09-30T10:00:00+08:00", limit=3).json()["deadline"]
        == "2026-10-10T18:00:00+08:00"
    )


def test_an_unencoded_plus_in_the_offset_is_understood(api: APIClient) -> None:
    response = api.get("/api/v1/calendar/deadline?start=2026-09-30T10:00:00+08:00&limit=3")
    assert response.json()["deadline"] == "2026-10-10T18:00:00+08:00"


def test_a_start_without_offset_is_beijing_time(api: APIClient) -> None:
    response = deadline(api, start="2026-03-09T11:00", limit=2, unit="workhour")
    assert response.json()["deadline"] == "2026-03-09T15:00:00+08:00"


def test_a_utc_start_is_answered_in_beijing_time(api: APIClient) -> None:
    response = deadline(api, start="2026-10-01T00:00:00Z", limit=90, unit="minute")
    assert response.json()["deadline"] == "2026-10-01T09:30:00+08:00"


def test_a_fractional_limit_is_accepted(api: APIClient) -> None:
    response = deadline(api, start="2026-03-09T10:00:00+08:00", limit="0.5", unit="workday")
    assert response.json()["deadline"] == "2026-03-10T14:30:00+08:00"


def test_a_correction_in_the_database_changes_the_answer(api: APIClient, django_user_model: Any) -> None:
    # given 9 October 2026 declared a holiday after the fact
    admin = django_user_model.objects.create_superuser("api-admin", password=PASSWORD)
    calendar.check_set_day(admin, dt.date(2026, 10, 9), False, "临时放假")
    # then the API counts one working day more
    response = deadline(api, start="2026-09-30T10:00:00+08:00", limit=3)
    assert response.json()["deadline"] == "2026-10-12T18:00:00+08:00"


def test_an_anonymous_caller_is_refused() -> None:
    response = APIClient().get(
        "/api/v1/calendar/deadline?" + urlencode({"start": "2026-09-30T10:00", "limit": 3})
    )
    assert response.status_code in (401, 403)
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-13-40T10:00", "limit": 3}, "invalid_start"),
        ({"limit": 3}, "invalid_start"),
        ({"start": "2026-09-30T10:00", "limit": 3, "unit": "week"}, "invalid_unit"),
        ({"start": "2026-09-30T10:00", "limit": -1}, "invalid_limit"),
        ({"start": "2026-09-30T10:00", "limit": "three"}, "invalid_limit"),
        ({"start": "2026-09-30T10:00"}, "invalid_limit"),
    ],
)
def test_bad_parameters_are_refused_with_a_chinese_message(
    api: APIClient, params: dict[str, Any], code: str
) -> None:
    response = deadline(api, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_a_deadline_in_a_year_without_calendar_is_a_conflict(api: APIClient) -> None:
    response = deadline(api, start="2026-12-28T10:00:00+08:00", limit=5)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "calendar_missing"
    assert "2027" in error["message"]


def test_minutes_run_even_where_the_calendar_is_missing(api: APIClient) -> None:
    response = deadline(api, start="2031-01-01T10:00:00+08:00", limit=30, unit="minute")
    assert response.json()["deadline"] == "2031-01-01T10:30:00+08:00"


# -- days -------------------------------------------------------------------------------------------


def test_the_days_of_a_year_list_holidays_and_make_up_days(api: APIClient) -> None:
    body = api.get("/api/v1/calendar/days?year=2026").json()
    assert body["year"] == 2026 and body["complete"] is True
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-10-01"] == {
        "date": "2026-10-01",
        "is_workday": False,
        "kind": "holiday",
        "name": "国庆节",
        "source": "seeded",
    }
    assert days["2026-10-10"]["kind"] == "make_up_workday"
    assert "2026-10-08" not in days


def test_the_days_of_a_year_without_data_are_not_found(api: APIClient) -> None:
    response = api.get("/api/v1/calendar/days?year=2031")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_malformed_year_is_refused(api: APIClient) -> None:
    response = api.get("/api/v1/calendar/days?year=twenty")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_year"


def test_the_deadline_endpoint_is_documented_in_the_schema(api: APIClient) -> None:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {p["name"] for p in paths["/api/v1/calendar/deadline"]["get"]["parameters"]} >= {
        "start",
        "limit",
        "unit",
    }
    assert "/api/v1/calendar/days" in paths


def test_the_answer_is_aware_of_shanghai_time(api: APIClient) -> None:
    value = deadline(api, start="2026-09-30T10:00:00+08:00", limit=1).json()["deadline"]
    assert (
        dt.datetime.fromisoformat(value).utcoffset() == dt.datetime(2026, 1, 1, tzinfo=SHANGHAI).utcoffset()
    )
