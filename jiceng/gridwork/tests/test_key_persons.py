"""Key persons: the named cadre and officer, purpose-bound reads logged one by one, visits moving the
due date, overdue visits alerting the cadre and supervisors once, imports from departments, and
everybody else answered "not found"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from jiceng.cases.models import Notification
from jiceng.gridwork import keypersons
from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound
from jiceng.gridwork.models import KeyPerson
from jiceng.lib.identity import make_resident_id
from jiceng.org.models import AccessLog, Role
from jiceng.testing import PASSWORD, World, make_user

ID = make_resident_id("440306", dt.date(1970, 7, 1), 31)


@pytest.fixture
def kp(gw: World) -> KeyPerson:
    gw.people["officer"] = make_user("officer", "林民警", Role.HANDLER, unit=gw.units["xinan"])
    gw.people["other_staff"] = make_user("otherstaff", "沈同事", Role.COMMUNITY_STAFF, unit=gw.units["haiyu"])
    return keypersons.register(
        None,
        kind="correction",
        name="马某某",
        id_number=ID,
        phone="13700001234",
        room=gw.rooms["haiyu1"],
        cadre=gw.people["community_staff"],
        officer=gw.people["officer"],
        source="新安司法所",
        since=dt.date(2026, 1, 1),
    )


def api(world: World, who: str) -> Client:
    token, _c = Token.objects.get_or_create(user=world.people[who])
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def test_only_the_named_pair_and_supervisors_see_a_key_person(gw: World, kp: KeyPerson) -> None:
    for who in ("community_staff", "officer", "supervisor", "admin"):
        assert keypersons.read_one(gw.people[who], kp.pk, "review").pk == kp.pk
    for who in ("grid_worker", "other_staff", "dispatcher", "handler", "outsider", "resident"):
        with pytest.raises(GridworkNotFound):
            keypersons.read_one(gw.people[who], kp.pk, "review")
        assert keypersons.read_list(gw.people[who], "review") == []


def test_outsiders_get_404_from_the_api_and_the_page(gw: World, kp: KeyPerson) -> None:
    assert (
        api(gw, "grid_worker").get(f"/api/v1/gridwork/key-persons/{kp.pk}/?purpose=visit").status_code == 404
    )
    assert api(gw, "outsider").get("/api/v1/gridwork/key-persons/?purpose=visit").json() == []
    client = Client()
    client.login(username="otherstaff", password=PASSWORD)
    assert client.get(f"/gridwork/key-persons/{kp.pk}/?purpose=visit").status_code == 404


def test_every_read_names_its_purpose_and_is_logged(gw: World, kp: KeyPerson) -> None:
    cadre = api(gw, "community_staff")
    refused = cadre.get(f"/api/v1/gridwork/key-persons/{kp.pk}/")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "purpose_required"
    assert not AccessLog.objects.filter(subject_type="key_person").exists()
    body = cadre.get(f"/api/v1/gridwork/key-persons/{kp.pk}/?purpose=visit").json()
    assert body["id_number"] == ID  # the named cadre sees the record in full
    cadre.get("/api/v1/gridwork/key-persons/?purpose=review")
    logs = list(AccessLog.objects.filter(subject_type="key_person").values_list("user__username", "purpose"))
    assert logs == [("communitystaff", "风险研判"), ("communitystaff", "走访帮扶")]
    supervisor = api(gw, "supervisor").get(f"/api/v1/gridwork/key-persons/{kp.pk}/?purpose=supervise").json()
    assert supervisor["id_number"] != ID and supervisor["name"] != "马某某"  # masked beyond the pair


def test_a_visit_by_the_cadre_moves_the_due_date_and_others_cannot_record_one(
    gw: World, kp: KeyPerson
) -> None:
    with pytest.raises(GridworkError) as refused:
        keypersons.check_record_visit(
            gw.people["supervisor"], kp.pk, mode="home", situation="查看", risk="low"
        )
    assert refused.value.status == 403
    at = dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
    keypersons.check_record_visit(
        gw.people["officer"], kp.pk, mode="home", situation="按时报到，情绪稳定", risk="low", at=at
    )
    kp.refresh_from_db()
    assert kp.next_visit_due == dt.date(2026, 4, 9) and kp.visits.count() == 1


def test_an_overdue_visit_alerts_the_cadre_and_supervisors_once(gw: World, kp: KeyPerson) -> None:
    # given a due date of 2026-01-31 (correction: every 30 days)
    assert keypersons.sweep_overdue_visits(dt.date(2026, 1, 31)) == 0
    assert keypersons.sweep_overdue_visits(dt.date(2026, 2, 2)) == 1
    assert keypersons.sweep_overdue_visits(dt.date(2026, 2, 3)) == 0
    note = Notification.objects.get(kind="key_person_overdue")
    assert gw.people["community_staff"].pk in note.data["users"]
    assert {gw.people["supervisor"].pk, gw.people["leader"].pk} <= set(note.data["users"])
    assert "马" not in note.message  # no name travels by SMS


def test_a_departments_register_is_imported_all_or_nothing(gw: World, tmp_path: Path) -> None:
    make_user("officer", "林民警", Role.HANDLER, unit=gw.units["xinan"])
    good = make_resident_id("440306", dt.date(1980, 1, 1), 41)
    header = "kind,name,id_number,phone,room_code,cadre,officer,source,since\n"
    room = gw.rooms["haiyu1"].code
    path = tmp_path / "kp.csv"
    path.write_text(
        header
        + f"mental,甲某,{good},,{room},communitystaff,officer,社康中心,2026-02-01\n"
        + f"mental,乙某,{good[:-1]}X,,{room},outsider,officer,社康中心,\n",
        encoding="utf-8",
    )
    report = keypersons.import_key_persons(path)
    assert not report.ok and {e.column for e in report.errors} == {"id_number"}
    assert not KeyPerson.objects.exists()
    path.write_text(header + f"mental,甲某,{good},,{room},outsider,officer,社康中心,\n", encoding="utf-8")
    report = keypersons.import_key_persons(path)
    assert report.errors and report.errors[0].column == "cadre"  # the cadre must serve where they live
    path.write_text(
        header + f"mental,甲某,{good},,{room},communitystaff,officer,社康中心,2026-02-01\n", encoding="utf-8"
    )
    report = keypersons.import_key_persons(path)
    assert report.created == 1 and KeyPerson.objects.get().next_visit_due == dt.date(2026, 3, 3)
    assert keypersons.import_key_persons(path).updated == 1 and KeyPerson.objects.count() == 1


def test_the_page_asks_the_purpose_and_records_a_visit(gw: World, kp: KeyPerson) -> None:
    client = Client()
    client.login(username="communitystaff", password=PASSWORD)
    asked = client.get(f"/gridwork/key-persons/{kp.pk}/")
    assert "请说明查阅目的" in asked.content.decode()
    assert not AccessLog.objects.filter(subject_type="key_person").exists()
    client.post(
        f"/gridwork/key-persons/{kp.pk}/?purpose=visit",
        {"purpose": "visit", "mode": "phone", "situation": "电话联系，正常", "risk": "low"},
    )
    assert kp.visits.count() == 1
