"""Small-venue inspections and rental/hotel checks: photos and signature required, hazards with
deadlines, re-inspection, overdue rectification → one case, and what outsiders cannot see."""

from __future__ import annotations

import base64
import datetime as dt
import random
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from jiceng.cases.models import Case
from jiceng.cases.tests.conftest import png
from jiceng.core.exceptions import NotFound
from jiceng.gridwork import inspections
from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound
from jiceng.gridwork.models import HazardStatus, InspectionStatus
from jiceng.lib.identity import make_resident_id
from jiceng.registry.actions import do_collect_person
from jiceng.testing import PASSWORD, World


def signature(width: int = 120, height: int = 40) -> str:
    """A PNG with strokes of ink (random dark pixels), as the phone's canvas would send it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rng = random.Random(7)
    rows = b"".join(
        b"\x00" + bytes(0 if rng.random() < 0.2 else 255 for _ in range(width * 3)) for _ in range(height)
    )
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(data).decode()


def photos() -> dict[str, Any]:
    return {
        a: SimpleUploadedFile(f"{a}.png", png(8, 6), "image/png") for a, _l in inspections.data()["photo_set"]
    }


def answers(**hazards: str) -> dict[str, str]:
    return {i["code"]: hazards.get(i["code"], "ok") for i in inspections.data()["venue_items"]}


@pytest.fixture
def shop(gw: World) -> Any:
    return inspections.check_register_venue(
        gw.people["grid_worker"],
        name="海裕小卖部",
        kind="small_shop",
        location_code=gw.rooms["haiyu1"].code,
        owner_name="黄老板",
        owner_phone="13800001111",
    )


def test_an_inspection_needs_every_item_the_photo_set_and_a_signature(gw: World, shop: Any) -> None:
    worker = gw.people["grid_worker"]
    with pytest.raises(GridworkError, match="未检查"):
        inspections.check_inspect_venue(
            worker,
            shop.pk,
            results={"V01": "ok"},
            photos=photos(),
            signature=signature(),
            signer_name="黄老板",
        )
    partial = photos()
    partial.pop("west")
    with pytest.raises(GridworkError, match="内部（西）"):
        inspections.check_inspect_venue(
            worker, shop.pk, results=answers(), photos=partial, signature=signature(), signer_name="黄老板"
        )
    with pytest.raises(GridworkError) as blank:
        inspections.check_inspect_venue(
            worker, shop.pk, results=answers(), photos=photos(), signature="", signer_name="黄老板"
        )
    assert blank.value.code == "signature_required"
    assert not shop.inspections.exists()


def test_hazards_get_deadlines_and_a_reinspection_puts_them_right(gw: World, shop: Any) -> None:
    worker = gw.people["grid_worker"]
    first = inspections.check_inspect_venue(
        worker,
        shop.pk,
        results=answers(V03="hazard", V07="hazard"),
        notes={"V03": "后门被货物堵死"},
        photos=photos(),
        signature=signature(),
        signer_name="黄老板",
    )
    assert first.status == InspectionStatus.HAZARDS and first.photos.count() == 6 and first.signature
    hazards = {h.item: h for h in first.hazards.all()}
    today = timezone.localdate()
    assert hazards["V03"].description == "后门被货物堵死" and hazards["V03"].deadline == today + dt.timedelta(
        days=1
    )
    # when V03 is put right but V07 is not
    second = inspections.check_inspect_venue(
        worker,
        shop.pk,
        results=answers(V07="hazard"),
        photos=photos(),
        signature=signature(),
        signer_name="黄老板",
    )
    assert second.parent == first and second.status == InspectionStatus.HAZARDS
    assert [h.item for h in inspections.open_hazards(shop)] == ["V07"]
    third = inspections.check_inspect_venue(
        worker, shop.pk, results=answers(), photos=photos(), signature=signature(), signer_name="黄老板"
    )
    assert third.status == InspectionStatus.RECTIFIED
    first.refresh_from_db()
    assert first.status == InspectionStatus.RECTIFIED and not inspections.open_hazards(shop).exists()


def test_an_overdue_rectification_becomes_one_case(gw: World, shop: Any) -> None:
    first = inspections.check_inspect_venue(
        gw.people["grid_worker"],
        shop.pk,
        results=answers(V02="hazard"),
        photos=photos(),
        signature=signature(),
        signer_name="黄老板",
    )
    hazard = first.hazards.get()
    assert inspections.sweep_overdue(hazard.deadline) == 0  # due today is not overdue yet
    assert inspections.sweep_overdue(hazard.deadline + dt.timedelta(days=1)) == 1
    assert inspections.sweep_overdue(hazard.deadline + dt.timedelta(days=2)) == 0
    hazard.refresh_from_db()
    case = Case.objects.get(pk=hazard.case_id)
    assert hazard.status == HazardStatus.ESCALATED and case.event_type.code == "AQ11"
    assert case.location_code == gw.rooms["haiyu1"].code


def test_a_rental_check_verifies_tenants_against_the_registry_and_stores_the_letter(gw: World) -> None:
    room = gw.rooms["haiyu1"]
    known = make_resident_id("440306", dt.date(1985, 1, 2), 11)
    stranger = make_resident_id("440306", dt.date(1991, 3, 4), 12)
    do_collect_person(gw.people["grid_worker"], room, "刘租客", known, "", "tenant", [])
    base = {
        "kind": "rental",
        "room_code": room.code,
        "tenants": [{"name": "刘租客", "id_number": known}, {"name": "无登记", "id_number": stranger}],
        "checks": {"people": "issue", "papers": "ok", "hazards": "ok"},
        "signature": signature(),
        "letter_signature": signature(),
        "signer_name": "房东王",
    }
    with pytest.raises(GridworkError) as unread:
        inspections.check_inspect_rental(gw.people["grid_worker"], notices={"fire": True}, **base)
    assert unread.value.code == "notices_required"
    done = inspections.check_inspect_rental(
        gw.people["grid_worker"],
        notices={"fire": True, "security": True, "registration": True, "fraud_drugs": True},
        **base,
    )
    assert [t["status"] for t in done.tenants] == ["registered", "unknown"]
    assert done.letter and done.status == InspectionStatus.HAZARDS and done.hazards.get().item == "people"


def test_outsiders_see_no_venue_no_inspection_and_no_qr_archive(gw: World, shop: Any) -> None:
    done = inspections.check_inspect_venue(
        gw.people["grid_worker"],
        shop.pk,
        results=answers(),
        photos=photos(),
        signature=signature(),
        signer_name="黄老板",
    )
    outsider = gw.people["outsider"]
    with pytest.raises(GridworkNotFound):
        inspections.access_venue(outsider, shop.pk)
    with pytest.raises(GridworkNotFound):
        inspections.venue_by_token(outsider, shop.qr_token)
    token = Token.objects.create(user=outsider)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/gridwork/venues/").json() == []
    assert api.get(f"/api/v1/gridwork/inspections/{done.pk}/").status_code == 404
    assert api.get(f"/api/v1/gridwork/venues/{shop.pk}/inspections/").status_code == 404
    client = Client()
    client.login(username="outsider", password=PASSWORD)
    assert client.get(f"/gridwork/venues/q/{shop.qr_token}/").status_code == 404
    with pytest.raises(NotFound):
        inspections.check_register_venue(
            outsider, name="越界", kind="small_shop", location_code=gw.rooms["haiyu1"].code, owner_name="某"
        )


def test_the_api_inspects_with_multipart_photos_and_the_plate_carries_a_qr(gw: World, shop: Any) -> None:
    token = Token.objects.create(user=gw.people["grid_worker"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    import json

    body = {"results": json.dumps(answers(V05="hazard")), "signature": signature(), "signer_name": "黄老板"}
    for angle, _l in inspections.data()["photo_set"]:
        body[f"photo_{angle}"] = SimpleUploadedFile(f"{angle}.png", png(8, 6), "image/png")
    response = api.post(f"/api/v1/gridwork/venues/{shop.pk}/inspections/", body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "hazards" and len(response.json()["photos"]) == 6
    client = Client()
    client.login(username="gridworker", password=PASSWORD)
    plate = client.get(f"/gridwork/venues/{shop.pk}/plate/").content.decode()
    assert "<svg" in plate and shop.name in plate
    assert client.get(f"/gridwork/venues/q/{shop.qr_token}/")["Location"] == f"/gridwork/venues/{shop.pk}/"


def test_the_sweep_command_raises_the_case_once_and_leaves_a_stopped_heartbeat(gw: World, shop: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    from jiceng.core.models import WorkerBeat
    from jiceng.gridwork.models import Hazard

    first = inspections.check_inspect_venue(
        gw.people["grid_worker"],
        shop.pk,
        results=answers(V02="hazard"),
        photos=photos(),
        signature=signature(),
        signer_name="黄老板",
    )
    hazard = first.hazards.get()
    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))

    out = StringIO()
    call_command("gridwork_sweep", stdout=out)
    assert "逾期隐患转事件 1 件" in out.getvalue()
    call_command("gridwork_sweep", stdout=(again := StringIO()))
    assert "逾期隐患转事件 0 件" in again.getvalue()

    hazard.refresh_from_db()
    assert Case.objects.filter(pk=hazard.case_id).count() == 1
    assert WorkerBeat.objects.get(name="gridwork-sweep").state == "stopped"
