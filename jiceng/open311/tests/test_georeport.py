"""Open311 GeoReport v2 conformance: every method in .json and .xml, errors in the spec's format."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jiceng.cases import actions as case_actions
from jiceng.cases.models import Case, Channel, EventType, Status
from jiceng.open311 import actions
from jiceng.open311.models import ServiceAttribute, Submission
from jiceng.testing import World

V2 = "/open311/v2"


@pytest.fixture
def key(world: World) -> str:
    return actions.do_create_key("city-app")[1]


@pytest.fixture
def attribute(db: Any) -> ServiceAttribute:
    return ServiceAttribute.objects.create(
        event_type=EventType.objects.get(code="SR01"),
        code="amount",
        description="垃圾量",
        datatype="singlevaluelist",
        required=True,
        order=1,
        values=[{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
    )


def get(path: str, **params: Any) -> Any:
    return Client().get(f"{V2}/{path}", params)


def body(response: Any, fmt: str) -> Any:
    if fmt == "json":
        return json.loads(response.content)
    return ET.fromstring(response.content)  # noqa: S314 — our own response


def post(key: str, world: World, fmt: str = "json", **fields: Any) -> Any:
    grid = world.grids["haiyu1"]
    data = {"api_key": key, "service_code": "SR01", "lat": grid.center_lat, "long": grid.center_lng}
    data.update({"description": "小区门口垃圾堆放三天没人清运", "first_name": "明", "last_name": "张"})
    data.update(fields)
    return Client().post(f"{V2}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def assert_error(response: Any, fmt: str, status: int) -> str:
    assert response.status_code == status
    if fmt == "json":
        errors = json.loads(response.content)
        assert errors[0]["code"] == status
        return errors[0]["description"]
    root = ET.fromstring(response.content)  # noqa: S314 — our own response
    assert root.tag == "errors" and root.find("error/code").text == str(status)  # type: ignore[union-attr]
    return root.find("error/description").text or ""  # type: ignore[union-attr]


# -- discovery and services -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_v2_endpoint_and_both_formats(db: Any, fmt: str) -> None:
    response = get(f"discovery.{fmt}")
    data = body(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["url"].endswith("/open311/v2") and "application/json" in endpoint["formats"]
    else:
        assert data.tag == "discovery"
        assert data.find("endpoints/endpoint/url").text.endswith("/open311/v2")
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_the_public_event_types(db: Any, fmt: str) -> None:
    EventType.objects.filter(code="SR02").update(is_public=False)
    data = body(get(f"services.{fmt}"), fmt)
    if fmt == "json":
        services = {s["service_code"]: s for s in data}
    else:
        services = {s.findtext("service_code"): {c.tag: c.text for c in s} for s in data.findall("service")}
    assert "SR02" not in services
    sr01 = services["SR01"]
    assert sr01["service_name"] == "暴露垃圾" and sr01["group"] == "市容环卫" and sr01["type"] == "realtime"
    assert "," in sr01["keywords"] and sr01["metadata"] in (False, "false")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_lists_the_types_attributes(attribute: ServiceAttribute, fmt: str) -> None:
    data = body(get(f"services/SR01.{fmt}"), fmt)
    if fmt == "json":
        assert data["service_code"] == "SR01"
        first = data["attributes"][0]
        assert (first["code"], first["required"], first["datatype"]) == ("amount", True, "singlevaluelist")
        assert first["values"][1] == {"key": "large", "name": "大量"}
    else:
        assert data.tag == "service_definition"
        assert data.findtext("attributes/attribute/code") == "amount"
        assert data.findtext("attributes/attribute/required") == "true"
        assert [v.findtext("key") for v in data.findall("attributes/attribute/values/value")] == [
            "small",
            "large",
        ]


def test_a_service_with_attributes_says_so_in_the_list(attribute: ServiceAttribute) -> None:
    services = {s["service_code"]: s for s in body(get("services.json"), "json")}
    assert services["SR01"]["metadata"] is True


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_definition_is_a_404_error(db: Any, fmt: str) -> None:
    assert "XX99" in assert_error(get(f"services/XX99.{fmt}"), fmt, 404)


def test_a_foreign_jurisdiction_is_a_404(db: Any) -> None:
    assert_error(get("services.json", jurisdiction_id="110101"), "json", 404)


# -- POST requests and tokens -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posting_without_a_valid_api_key_is_a_403(world: World, fmt: str) -> None:
    assert "api_key" in assert_error(post("", world, fmt), fmt, 403)
    assert_error(post("not-a-key", world, fmt), fmt, 403)
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_posted_request_becomes_an_open311_case_routed_by_its_location(
    world: World, key: str, fmt: str
) -> None:
    response = post(key, world, fmt)
    assert response.status_code == 201
    data = body(response, fmt)
    number = data[0]["service_request_id"] if fmt == "json" else data.findtext("request/service_request_id")
    case = Case.objects.get()
    assert number == case.number
    assert case.channel == Channel.OPEN311 and case.grid == world.grids["haiyu1"]
    assert case.lead_unit == world.units["xinan_chengguan"] and case.reporter_name == "张明"


def test_a_location_outside_the_district_is_a_400_in_chinese(world: World, key: str) -> None:
    description = assert_error(post(key, world, lat=39.9, long=116.4), "json", 400)
    assert "不在本区" in description and not Case.objects.exists()


def test_a_request_without_any_location_is_a_400(world: World, key: str) -> None:
    assert "位置" in assert_error(post(key, world, lat=None, long=None), "json", 400)


def test_a_building_code_is_accepted_as_the_address_id(world: World, key: str) -> None:
    response = post(key, world, lat=None, long=None, address_id=world.buildings["gushu1"].code)
    assert response.status_code == 201 and Case.objects.get().grid == world.grids["gushu1"]


def test_a_missing_required_attribute_is_a_400(world: World, key: str, attribute: ServiceAttribute) -> None:
    assert "amount" in assert_error(post(key, world), "json", 400)
    assert_error(post(key, world, **{"attribute[amount]": "huge"}), "json", 400)


def test_attribute_answers_reach_the_case_description(
    world: World, key: str, attribute: ServiceAttribute
) -> None:
    post(key, world, **{"attribute[amount]": "large"})
    assert "垃圾量：大量" in Case.objects.get().description
    assert Submission.objects.get().attributes == {"amount": "large"}


def test_a_retried_post_with_the_same_client_key_returns_the_first_request(world: World, key: str) -> None:
    first = body(post(key, world, idempotency_key="app-42"), "json")[0]
    second = body(post(key, world, idempotency_key="app-42"), "json")[0]
    assert first == second and Case.objects.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_answers_with_its_service_request_id(world: World, key: str, fmt: str) -> None:
    token = body(post(key, world), "json")[0]["token"]
    data = body(get(f"tokens/{token}.{fmt}"), fmt)
    number = Case.objects.get().number
    if fmt == "json":
        assert data == [{"service_request_id": number, "token": token}]
    else:
        assert (
            data.findtext("request/service_request_id") == number and data.findtext("request/token") == token
        )


def test_an_unknown_token_is_a_404(db: Any) -> None:
    assert_error(get("tokens/nope.xml"), "xml", 404)


# -- GET requests -----------------------------------------------------------------------------------


def resident_case(world: World, **kw: Any) -> Case:
    kw.setdefault("description", "小区门口垃圾堆放三天没人清运")
    kw.setdefault("location_code", world.rooms["haiyu1"].code)
    kw.setdefault("type_code", "SR01")
    return case_actions.check_submit_case(world.people["resident"], **kw)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_shows_its_agency_deadline_and_only_the_building_address(world: World, fmt: str) -> None:
    case = resident_case(world)
    data = body(get(f"requests/{case.number}.{fmt}"), fmt)
    item = data[0] if fmt == "json" else {c.tag: c.text for c in data.find("request")}
    assert item["service_request_id"] == case.number and item["status"] == "open"
    assert item["agency_responsible"] == "新安街道综合执法队"
    assert (
        item["expected_datetime"]
        == timezone.localtime(case.resident_due_at).replace(microsecond=0).isoformat()
    )
    assert item["address"] == world.buildings["haiyu1"].address and "101" not in item["address"]
    assert item["service_code"] == "SR01"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_private_request_is_a_404(world: World, fmt: str) -> None:
    hidden = resident_case(world, description="有人持刀威胁路人")
    assert hidden.sensitive
    assert_error(get(f"requests/{hidden.number}.{fmt}"), fmt, 404)
    assert_error(get(f"requests/999999.{fmt}"), fmt, 404)


def numbers(response: Any, fmt: str = "json") -> list[str]:
    data = body(response, fmt)
    if fmt == "json":
        return [r["service_request_id"] for r in data]
    return [r.findtext("service_request_id") for r in data.findall("request")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_filter_by_id_list_code_and_status(world: World, fmt: str) -> None:
    a = resident_case(world)
    b = resident_case(world, type_code="SR02", description="垃圾桶满溢")
    c = resident_case(world)
    case_actions.do_invalidate(c, reason="重复登记")
    assert set(numbers(get(f"requests.{fmt}", service_request_id=f"{a.number},{b.pk}"), fmt)) == {
        a.number,
        b.number,
    }
    assert numbers(get(f"requests.{fmt}", service_code="SR02"), fmt) == [b.number]
    assert numbers(get(f"requests.{fmt}", status="closed"), fmt) == [c.number]
    assert set(numbers(get(f"requests.{fmt}", status="open"), fmt)) == {a.number, b.number}


def test_requests_default_to_the_last_90_days_and_take_a_date_range(world: World) -> None:
    old_at = timezone.now() - dt.timedelta(days=120)
    old = resident_case(world, at=old_at)
    new = resident_case(world)
    assert numbers(get("requests.json")) == [new.number]
    start = (old_at - dt.timedelta(days=1)).isoformat()
    end = (old_at + dt.timedelta(days=1)).isoformat()
    assert numbers(get("requests.json", start_date=start, end_date=end)) == [old.number]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2025-01-01", "end_date": "2025-06-01"},
    ],
)
def test_bad_request_filters_are_400_errors(db: Any, params: dict[str, str]) -> None:
    assert_error(get("requests.xml", **params), "xml", 400)


def test_a_closed_request_carries_the_units_completion_note(world: World) -> None:
    case = resident_case(world)
    case_actions.check_accept(world.people["handler"], case.pk)
    case_actions.check_complete(
        world.people["handler"], case.pk, note="已清运完毕", checklist=case.event_type.closing_conditions
    )
    case_actions.check_verify(world.people["dispatcher"], case.pk)
    case_actions.check_rate(world.people["resident"], case.pk, score=5)
    item = body(get(f"requests/{case.number}.json"), "json")[0]
    assert Case.objects.get().status == Status.CLOSED
    assert (
        item["status"] == "closed"
        and "已清运完毕" in item["status_notes"]
        and item["expected_datetime"] is None
    )


# -- keys -------------------------------------------------------------------------------------------


def test_the_key_command_prints_a_key_that_can_post(world: World) -> None:
    out = io.StringIO()
    call_command("open311", "key", "street-app", stdout=out)
    raw = out.getvalue().strip()
    assert post(raw, world).status_code == 201


def test_a_revoked_key_can_no_longer_post(world: World, key: str) -> None:
    call_command("open311", "revoke", "city-app", stdout=io.StringIO())
    assert_error(post(key, world), "json", 403)
