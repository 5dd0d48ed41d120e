"""Door-to-door collection by the schema: drafts that keep every input, a refused submit that loses
nothing, changed fields as door-to-door source records, and what other workers cannot open."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from jiceng.gridwork import collection
from jiceng.gridwork.models import CollectionDraft, DraftStatus
from jiceng.lib.identity import make_resident_id
from jiceng.registry.models import LegalEntity, Occupancy, SourceRecord
from jiceng.registry.synth import make_uscc
from jiceng.testing import PASSWORD, World

ID = make_resident_id("440306", dt.date(1990, 5, 4), 123)


def person(**over: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "陈采集",
        "id_number": ID,
        "phone": "13912345678",
        "sex": "男",
        "household_type": "非本市户籍",
        "relation": "租户",
        "care_tags": ["独居老人"],
        "ebike_count": "1",
    }
    values.update(over)
    return values


def test_the_schema_has_the_four_categories_and_over_a_hundred_fields() -> None:
    cats = collection.schema()
    assert list(cats) == ["person", "house", "entity", "thing"]
    assert sum(len(c.fields) for c in cats.values()) >= 100
    for cat in cats.values():
        assert any(f.required for f in cat.fields) and cat.record_kind in ("person", "entity")


def test_a_refused_submit_keeps_every_input_and_says_what_is_wrong(gw: World) -> None:
    worker = gw.people["grid_worker"]
    draft = collection.check_start_draft(worker, "person", gw.rooms["haiyu1"].code)
    with pytest.raises(collection.CollectionInvalid) as refused:
        collection.check_submit_draft(
            worker, draft.pk, person(id_number="440306199005041239", ebike_count="很多")
        )
    assert set(refused.value.errors) == {"id_number", "ebike_count"}
    draft.refresh_from_db()
    assert (
        draft.status == DraftStatus.DRAFT
        and draft.data["name"] == "陈采集"
        and draft.data["ebike_count"] == "很多"
    )
    assert draft.errors["ebike_count"] and not SourceRecord.objects.exists()


def test_each_field_becomes_a_door_to_door_record_and_the_person_is_placed_at_the_room(gw: World) -> None:
    worker = gw.people["grid_worker"]
    room = gw.rooms["haiyu1"]
    draft = collection.check_start_draft(worker, "person", room.code)
    collection.check_save_draft(worker, draft.pk, person())
    draft = collection.check_submit_draft(worker, draft.pk)
    records = SourceRecord.objects.filter(source__name="door-to-door")
    assert draft.records == records.count() == 8
    one = records.get(raw__field="phone")
    assert (one.kind, one.id_number, one.name, one.phone) == ("person", ID, "陈采集", "13912345678")
    assert one.raw["new"] == "13912345678" and one.raw["old"] is None
    occupancy = Occupancy.objects.get(room=room)
    assert occupancy.person.id_number == ID and occupancy.relation == "tenant"
    # when the same person is collected again with one field changed
    again = collection.check_start_draft(worker, "person", room.code)
    collection.check_submit_draft(worker, again.pk, person(phone="13912345679"))
    # then only that field's change is a new record
    assert records.count() == 9
    changed = records.filter(raw__field="phone").order_by("-pk").first()
    assert (changed.raw["old"], changed.raw["new"]) == ("13912345678", "13912345679")


def test_an_entity_collection_updates_the_registry_entity(gw: World) -> None:
    worker = gw.people["grid_worker"]
    code = make_uscc(random.Random(4))
    draft = collection.check_start_draft(worker, "entity", gw.rooms["haiyu1"].code)
    values = {
        "name": "海裕小卖部",
        "uscc": code,
        "phone": "13800001111",
        "kind": "个体工商户",
        "legal_representative": "黄老板",
        "status": "在营",
    }
    collection.check_submit_draft(worker, draft.pk, values)
    assert LegalEntity.objects.get(uscc=code).name == "海裕小卖部"
    assert SourceRecord.objects.filter(kind="entity", uscc=code).count() == 6


def test_an_outsider_can_neither_collect_in_another_grid_nor_open_anothers_draft(gw: World) -> None:
    draft = collection.check_start_draft(gw.people["grid_worker"], "person", gw.rooms["haiyu1"].code)
    outsider = gw.people["outsider"]
    with pytest.raises(collection.GridworkNotFound):
        collection.access_draft(outsider, draft.pk)
    token = Token.objects.create(user=outsider)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/v1/gridwork/collection-drafts/{draft.pk}/").status_code == 404
    started = api.post(
        "/api/v1/gridwork/collection-drafts/", {"category": "person", "room": gw.rooms["haiyu1"].code}
    )
    assert started.status_code == 404
    assert CollectionDraft.objects.count() == 1


def test_the_api_saves_field_by_field_and_answers_field_errors(gw: World) -> None:
    token = Token.objects.create(user=gw.people["grid_worker"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    draft = api.post(
        "/api/v1/gridwork/collection-drafts/", {"category": "house", "room": gw.rooms["haiyu1"].code}
    ).json()
    url = f"/api/v1/gridwork/collection-drafts/{draft['id']}/"
    api.patch(url, {"data": {"owner_name": "张业主", "area_m2": "-5"}}, content_type="application/json")
    refused = api.post(url + "submit/", {}, content_type="application/json")
    body = refused.json()["error"]
    assert (
        refused.status_code == 400 and "area_m2" in body["details"] and "owner_id_number" in body["details"]
    )
    assert api.get(url).json()["data"]["owner_name"] == "张业主"


def test_the_collection_pages_render_every_field_and_keep_input_on_a_refused_submit(gw: World) -> None:
    client = Client()
    client.login(username="gridworker", password=PASSWORD)
    start = client.post("/gridwork/collect/", {"room": gw.rooms["haiyu1"].code, "category": "person"})
    page = client.get(start["Location"])
    assert page.content.decode().count('class="field') >= 33
    refused = client.post(start["Location"], {"name": "陈采集", "id_number": "123"})
    text = refused.content.decode()
    assert refused.status_code == 400 and 'value="陈采集"' in text and "field-error" in text
