"""Map-first reporting, 我也遇到 and the public map of issues, through the real actions and endpoints."""

from __future__ import annotations

import pytest
from django.test import TestCase

from jiceng.cases import actions as cases
from jiceng.cases.exceptions import CaseError, CaseNotFound
from jiceng.cases.models import Case, CaseEvent, CaseSupporter, Notification
from jiceng.community import actions
from jiceng.community.exceptions import CommunityError
from jiceng.community.models import AuditEvent
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
A = actions.Actor
# 海裕社区第1网格's building stands at the grid's centre; 0.0003° of latitude is about 33 m.
LNG, LAT = 113.88, 22.55


def _report(
    resident, text="小区门口垃圾堆了三天没人清运，臭味很大", type_code="SR01", lat=LAT + 0.0003, lng=LNG
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        request = actions.check_submit_request(
            A(resident), text, lat=lat, lng=lng, type_code=type_code, pinned=True
        )
    return Case.objects.get(pk=request.case_id_ref)


def test_a_pin_is_resolved_to_its_grid_and_the_nearest_building(world, resident_of):
    client = client_for(resident_of())
    body = client.get("/api/v1/community/map/resolve/", {"lat": LAT + 0.0002, "lng": LNG}).json()
    assert body["inside"] is True
    assert body["grid"] == world.grids["haiyu1"].code
    assert body["building"] == world.buildings["haiyu1"].code
    assert body["address"] == world.buildings["haiyu1"].address
    assert 15 <= body["distance"] <= 30


def test_a_pin_far_from_any_building_keeps_the_grid_only(world, resident_of):
    body = (
        client_for(resident_of())
        .get("/api/v1/community/map/resolve/", {"lat": LAT + 0.003, "lng": LNG + 0.003})
        .json()
    )
    assert body["inside"] is True and body["building"] == ""
    assert body["grid"] == world.grids["haiyu1"].code


def test_a_pin_outside_every_grid_is_refused_in_chinese_and_nothing_is_filed(world, resident_of):
    resident = resident_of()
    body = client_for(resident).get("/api/v1/community/map/resolve/", {"lat": 30.0, "lng": 120.0}).json()
    assert body["inside"] is False and "网格" in body["message"]
    with pytest.raises(CommunityError):
        actions.check_submit_request(A(resident), "路灯坏了好几天了", lat=30.0, lng=120.0, pinned=True)
    assert not actions.my_requests(resident).exists()
    bad = client_for(resident).get("/api/v1/community/map/resolve/", {"lat": "north", "lng": LNG})
    assert bad.status_code == 400 and "位置" in bad.json()["error"]["message"]


def test_resolving_a_pin_needs_a_signed_in_resident(world):
    assert client_for(None).get("/api/v1/community/map/resolve/", {"lat": LAT, "lng": LNG}).status_code in (
        401,
        403,
    )


def test_a_pinned_request_becomes_a_case_at_its_building_with_the_type_the_resident_chose(world, resident_of):
    case = _report(resident_of(), type_code="SZ04", text="楼下的灯一到晚上就闪，走路看不清")
    assert case.event_type.code == "SZ04"
    assert case.location_code == world.buildings["haiyu1"].code
    assert case.grid_id == world.grids["haiyu1"].pk
    assert case.channel == "portal"


def test_a_type_the_resident_may_not_choose_is_refused(world, resident_of):
    with pytest.raises(CommunityError):
        actions.check_submit_request(
            A(resident_of()), "垃圾没人清运", lat=LAT, lng=LNG, type_code="NOPE", pinned=True
        )


def test_nearby_shows_open_cases_of_the_type_near_the_pin_and_nothing_personal(world, resident_of):
    # given a neighbour's report with their phone number in it, one of another type, one far away
    first = resident_of(name="张先生")
    same = _report(first, text="垃圾堆在门口没人清运，请联系我13912345678")
    _report(resident_of(), type_code="SZ04", text="路灯不亮已经一周了")
    _report(resident_of(), lat=LAT, lng=LNG + 0.008)  # the next grid, about 800 m east
    # when a second resident drops a pin nearby and picks the same type
    second = resident_of(name="李女士")
    found = (
        client_for(second)
        .get(
            "/api/v1/community/map/nearby/",
            {"lat": LAT, "lng": LNG, "type": "SR01", "building": world.buildings["haiyu1"].code},
        )
        .json()["results"]
    )
    # then only the neighbour's open case of that type is offered, with public-safe fields only
    assert [i["number"] for i in found] == [same.number]
    assert set(found[0]) == {
        "number",
        "type",
        "type_name",
        "state",
        "state_label",
        "lat",
        "lng",
        "place",
        "reported_on",
        "supporters",
        "distance",
        "joined",
        "mine",
    }
    text = str(found)
    assert "13912345678" not in text and "张先生" not in text and "101" not in found[0]["place"]
    # a sensitive or private case is never offered
    Case.objects.filter(pk=same.pk).update(sensitive=True)
    again = client_for(second).get("/api/v1/community/map/nearby/", {"lat": LAT, "lng": LNG, "type": "SR01"})
    assert again.json()["results"] == []


def test_me_too_joins_the_case_is_audited_counted_and_the_follower_is_told_of_progress(world, resident_of):
    case = _report(resident_of())
    follower = resident_of(name="李女士")
    # when the second resident joins instead of filing a duplicate
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.check_support_issue(A(follower), case.number)
        actions.check_support_issue(A(follower), case.number)  # twice changes nothing
    # then they follow it: one supporter row, one audited "support" event with them as actor
    assert CaseSupporter.objects.filter(case=case).count() == 1
    event = CaseEvent.objects.get(case=case, action="support")
    assert event.actor_id == follower.pk and event.data == {"n": 1}
    assert AuditEvent.objects.filter(verb="support_case", actor=follower, subject_id=str(case.pk)).exists()
    assert Notification.objects.filter(kind="resident_support", data__users=[follower.pk]).exists()
    assert not Case.objects.filter(reporter=follower).exists()
    # and when the case moves on, the follower is told as the reporter is
    before = set(Notification.objects.values_list("pk", flat=True))
    case.refresh_from_db()
    if case.status == "pending_dispatch":
        cases.do_dispatch(case.pk, unit=world.units["xinan_chengguan"], actor=world.people["admin"])
    cases.do_accept(case.pk, actor=world.people["admin"])
    cases.do_complete(
        case.pk,
        actor=world.people["admin"],
        note="已清运",
        checklist=list(case.event_type.closing_conditions),
    )
    cases.do_verify(case.pk, actor=world.people["admin"], note="已核查")
    told = [n for n in Notification.objects.exclude(pk__in=before) if follower.pk in n.data.get("users", [])]
    assert told and all(n.kind.startswith("resident_") for n in told)
    assert all(n.data.get("link", "").startswith("/community/issues/") for n in told)


def test_the_reporter_cannot_join_their_own_case_and_nobody_joins_a_hidden_one(world, resident_of):
    reporter = resident_of()
    case = _report(reporter)
    with pytest.raises(CaseError):
        actions.check_support_issue(A(reporter), case.number)
    Case.objects.filter(pk=case.pk).update(is_public=False)
    outsider = resident_of("gushu", name="外社区居民")
    with pytest.raises(CaseNotFound):
        actions.check_support_issue(A(outsider), case.number)
    answer = client_for(outsider).post(f"/api/v1/community/issues/{case.number}/support/")
    assert answer.status_code == 404
    assert not CaseSupporter.objects.exists()


def test_me_too_through_the_page_leads_to_the_public_issue(world, resident_of):
    case = _report(resident_of())
    client = client_for(resident_of(name="李女士"))
    answer = client.post(f"/community/issues/{case.number}/support/", follow=True)
    assert answer.status_code == 200
    assert "您已关注此问题" in answer.content.decode()
    assert answer.context["item"]["supporters"] == 1


def test_the_public_map_is_anonymous_snapped_to_the_building_and_filtered_by_type(world, resident_of):
    light = _report(resident_of(), type_code="SZ04", text="路灯不亮已经一周了，我的电话13900001111")
    rubbish = _report(resident_of())
    anonymous = client_for(None)
    body = anonymous.get("/api/v1/community/issues/").json()["results"]
    assert {i["number"] for i in body} == {light.number, rubbish.number}
    building = world.buildings["haiyu1"]
    assert all((i["lat"], i["lng"]) == (round(building.lat, 6), round(building.lng, 6)) for i in body)
    assert "13900001111" not in str(body) and "description" not in body[0]
    only = anonymous.get("/api/v1/community/issues/", {"type": "SZ04"}).json()["results"]
    assert [i["number"] for i in only] == [light.number]
    page = anonymous.get("/community/issues/", {"type": "SZ04"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "路灯不亮" in html and "13900001111" not in html
    assert anonymous.get(f"/community/issues/{light.number}/").status_code == 200
    assert anonymous.get("/api/v1/community/issues/", {"state": "bogus"}).status_code == 400


def test_the_public_map_hides_sensitive_private_and_refused_cases(world, resident_of):
    case = _report(resident_of())
    Case.objects.filter(pk=case.pk).update(sensitive=True)
    anonymous = client_for(None)
    assert anonymous.get("/api/v1/community/issues/").json()["results"] == []
    assert anonymous.get(f"/community/issues/{case.number}/").status_code == 404
    assert anonymous.get(f"/api/v1/community/issues/{case.number}/").status_code == 404


def test_the_base_layer_draws_grids_and_buildings_from_our_own_data(world):
    body = client_for(None).get("/api/v1/community/map/base/", {"bbox": "113.87,22.54,113.89,22.56"}).json()
    kinds = {(f["properties"]["kind"], f["properties"]["code"]) for f in body["features"]}
    assert ("grid", world.grids["haiyu1"].code) in kinds
    assert ("building", world.buildings["haiyu1"].code) in kinds
    assert ("grid", world.grids["gushu1"].code) not in kinds
    assert client_for(None).get("/api/v1/community/map/base/", {"bbox": "x"}).status_code == 400


def test_a_refused_submit_keeps_everything_the_resident_typed(world, resident_of):
    client = client_for(resident_of(room=False))
    answer = client.post(
        "/community/ask/",
        {
            "where": "pin",
            "text": "门口的井盖不见了很危险",
            "type": "SZ04",
            "address": "东门北侧",
            "key": "k1",
        },
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "请在地图上选择位置" in html
    assert "门口的井盖不见了很危险" in html and 'value="东门北侧"' in html
    assert '<option value="SZ04" selected>' in html and 'value="k1"' in html


def test_the_schema_documents_the_map_endpoints(world):
    schema = client_for(None).get("/api/schema/").content.decode()
    for path in ("/api/v1/community/issues/", "/api/v1/community/map/nearby/", "/api/v1/community/map/base/"):
        assert path in schema


def test_the_requests_api_takes_a_pin_and_a_type(world, resident_of):
    client = client_for(resident_of(room=False))
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(
            "/api/v1/community/requests/",
            {"text": "楼下路灯坏了好几天了", "lat": LAT, "lng": LNG, "type": "SZ04"},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(pk=actions.my_requests(answer.wsgi_request.user).get().case_id_ref)
    assert case.event_type.code == "SZ04" and case.location_code == world.buildings["haiyu1"].code
    outside = client.post(
        "/api/v1/community/requests/",
        {"text": "楼下路灯坏了好几天了", "lat": 30, "lng": 120},
        content_type="application/json",
    )
    assert outside.status_code == 400 and "网格" in outside.json()["error"]["message"]


def test_the_report_page_and_the_public_map_take_a_fixed_number_of_queries(
    world, resident_of, django_assert_max_num_queries
):
    # 342 catalogue types and several issues: neither is read one row at a time
    for _n in range(3):
        _report(resident_of())
    client = client_for(resident_of())
    with django_assert_max_num_queries(40):
        assert client.get("/community/ask/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client_for(None).get("/community/issues/").status_code == 200
