"""Dirty records are kept, flagged and linked: through ``jiceng import`` and ``jiceng link``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from jiceng.registry import linkage, synth2
from jiceng.registry.models import ImportBatch, Link, Person, SourceRecord
from jiceng.registry.tests.factories import person_row, resident_id, write_records
from jiceng.testing import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/lookup"


def wide(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def dirty_rows(idn: str) -> list[dict[str, str]]:
    """One person (born 1965) as five departments wrote them, each with another fault."""
    old15 = idn[:6] + idn[8:17]
    return [
        person_row("公安", "A1", "张伟", idn, "13812345678", "广东省深圳市宝安区海裕社区1号楼101室"),
        person_row("医保", "B1", "張偉", old15, "+86 138-1234-5678", "海裕社区一号楼101", "2024年5月3日"),
        person_row("社保", "C1", "伟张", wide(idn), "1281234567", "海裕社区1号楼", "03/05/2024"),
        person_row("计生", "D1", "阿伟", idn[:17] + ("0" if idn[17] != "0" else "1"), "", "", "昨天"),
        person_row("街道办", "E1", "", idn, "138 1234 5678", "海裕社区1号楼101室", "20240503"),
    ]


def import_records(tmp_path: Path, rows: list[dict[str, str]], report: Path | None = None) -> None:
    path = write_records(tmp_path / "records.csv", rows)
    args = ["import", "records", str(path)] + (["--report", str(report)] if report else [])
    call_command(*args)


def test_every_dirty_record_is_kept_through_the_import_command_and_its_faults_are_flagged(
    world: World, tmp_path: Path
) -> None:
    # given five records of one person, each with a dirty field
    idn = resident_id("19650412", "135")
    # when the file goes through `jiceng import records`
    import_records(tmp_path, dirty_rows(idn), report=tmp_path / "report.csv")
    # then none is dropped, and the dirty fields are flagged on the records and in the report
    assert SourceRecord.objects.count() == 5
    flagged = {r.record_id: {f["column"] for f in r.flags} for r in SourceRecord.objects.all()}
    assert flagged == {
        "A1": set(),
        "B1": {"id_number"},
        "C1": {"phone"},
        "D1": {"id_number", "observed_at"},
        "E1": {"name"},
    }
    cleaned = SourceRecord.objects.get(record_id="B1")
    assert (cleaned.id_number, cleaned.phone, str(cleaned.observed_at)) == (idn, "13812345678", "2024-05-03")
    assert SourceRecord.objects.get(record_id="C1").id_number == idn  # full-width digits folded
    with (tmp_path / "report.csv").open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert {r["level"] for r in report} == {"warning"} and len(report) == 5
    assert ImportBatch.objects.get().flagged == 5


def test_dirty_records_of_one_person_are_linked_to_that_person_and_room(world: World, tmp_path: Path) -> None:
    idn = resident_id("19650412", "135")
    import_records(tmp_path, dirty_rows(idn))
    call_command("link")
    person = Person.objects.get(id_number=idn)
    assert set(Link.objects.values_list("person", flat=True)) == {person.pk}
    # the record that named only the building gets the person's room from the others
    assert set(Link.objects.exclude(record__address="").values_list("room__code", flat=True)) == {
        world.rooms["haiyu1"].code
    }


def test_staff_who_may_see_personal_data_read_the_flags_and_an_outsider_finds_nothing(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id("19650412", "135")
    import_records(tmp_path, dirty_rows(idn))
    call_command("link")
    client = APIClient()
    client.force_authenticate(world.people["grid_worker"])
    flags = client.get(URL, {"id_number": idn}).json()["flagged"]
    assert {(f["source"], f["column"]) for f in flags} >= {("社保", "phone"), ("计生", "id_number")}
    assert all(f["reason"] for f in flags)
    client.force_authenticate(world.people["leader"])
    masked = client.get(URL, {"id_number": idn}).json()["flagged"]
    assert masked and not any(f["reason"] for f in masked)
    client.force_authenticate(world.people["outsider"])
    assert client.get(URL, {"id_number": idn}).status_code == 404


def test_a_roster_row_with_an_unreadable_id_number_is_applied_to_the_one_person_it_names(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id("19700101", "246")
    room = world.rooms["haiyu1"].code
    roster = tmp_path / "people.csv"
    roster.write_text(
        "id_number,name,phone,care_tags,room_code,relation\n"
        f"{idn},李娜,13900001111,独居老人,{room},owner\n"
        f"{idn[:17]}{'0' if idn[17] != '0' else '1'},李娜,139-0000-1111,高龄;爱唱歌,{room},房东\n",
        encoding="utf-8",
    )
    call_command("import", "people", str(roster))
    person = Person.objects.get()
    assert person.care_tags == ["独居老人", "高龄"] and person.id_number == idn


def test_a_roster_row_with_an_unreadable_id_number_is_kept_as_a_record_and_linked_by_jiceng_link(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id("19700101", "246")
    import_records(
        tmp_path,
        [person_row("公安", "A1", "李娜", idn, "13900001111", "广东省深圳市宝安区海裕社区1号楼101室")],
    )
    roster = tmp_path / "people.csv"
    roster.write_text(
        "id_number,name,phone,care_tags,room_code,relation\n"
        f"{idn[:16]},李娜,139 0000 1111,高龄,{world.rooms['haiyu1'].code},房东\n",
        encoding="utf-8",
    )
    call_command("import", "people", str(roster))
    kept = SourceRecord.objects.get(source__name="人员名册")
    assert {f["column"] for f in kept.flags} == {"id_number", "relation"}
    call_command("link")
    assert Link.objects.get(record=kept).person == Person.objects.get(id_number=idn)


def test_the_second_generators_records_are_all_kept_by_the_import(tmp_path: Path) -> None:
    town = synth2.town(300)
    rows = list(synth2.records(synth2.residents(town, 150)))
    path = tmp_path / "gen2.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(synth2.Row2.COLUMNS)
        writer.writerows(r.values() for r in rows)
    call_command("import", "records", str(path))
    assert SourceRecord.objects.count() == len(rows)
    assert SourceRecord.objects.exclude(flags=[]).exists()


def test_names_in_the_other_order_in_traditional_characters_or_as_a_nickname_still_match() -> None:
    idn = resident_id("19650412", "135")
    records = [
        linkage.Record(name="张伟", id_number=idn, phone="13812345678"),
        linkage.Record(name="伟 張", id_number=idn[:6] + idn[8:17]),
        linkage.Record(
            name="阿伟", id_number=idn.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        ),
        linkage.Record(name="张伟", phone="+86 138 1234 5678"),
    ]
    result = linkage.link(records)
    assert len(set(result.cluster)) == 1


def _entities_file(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["uscc,name,kind,legal_representative,industry,phone,room_code"]
    lines += [f"{code},{name},company,张三,I65,,{room}" for code, name, room in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bad_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def test_an_entity_with_a_bad_credit_code_is_kept_flagged_and_shown_with_its_entity(
    world: World, tmp_path: Path
) -> None:
    """A wrong check character in the credit code does not lose the organisation: the row is kept as a
    record with the field flagged (report, batch, record), linked to the entity of that name, and the
    flag is shown with the entity on the room's page and in the lookup."""
    import random

    from jiceng.registry.models import LegalEntity
    from jiceng.registry.synth import make_uscc

    room = world.rooms["haiyu1"].code
    code = make_uscc(random.Random(5))
    _entities_file(tmp_path / "good.csv", [(code, "深圳市海裕科技有限公司", room)])
    call_command("import", "entities", str(tmp_path / "good.csv"))
    report = tmp_path / "report.csv"
    bad = _entities_file(tmp_path / "bad.csv", [(_bad_check(code), "深圳市海裕科技有限公司", room)])
    call_command("import", "entities", str(bad), "--report", str(report))
    entity = LegalEntity.objects.get()  # no second entity, none filed under the bad code
    assert entity.uscc == code
    record = SourceRecord.objects.get()
    assert record.kind == "entity" and record.uscc == _bad_check(code)
    assert [f["column"] for f in record.flags] == ["uscc"]
    assert record.link.entity == entity
    with report.open(encoding="utf-8") as fh:
        assert [(r["column"], r["level"]) for r in csv.DictReader(fh)] == [("uscc", "warning")]
    assert ImportBatch.objects.get(pk=record.batch_id).flagged == 1
    # Linking again keeps the record with its entity (by name, and the same room).
    call_command("link")
    assert Link.objects.get(record=record).entity == entity and LegalEntity.objects.count() == 1
    client = APIClient()
    client.force_authenticate(world.people["grid_worker"])
    shown = client.get(URL, {"code": room}).json()["entities"]
    assert [(e["uscc"], [f["column"] for f in e["flagged"]]) for e in shown] == [(code, ["uscc"])]
    web = client_page(world, f"/registry/p/{room}/")
    assert "存疑字段" in web and "统一社会信用代码" in web


def test_an_entity_known_only_by_a_bad_credit_code_is_linked_on_its_name_and_address(
    world: World, tmp_path: Path
) -> None:
    import random

    from jiceng.registry.models import LegalEntity
    from jiceng.registry.synth import make_uscc

    room = world.rooms["haiyu1"].code
    bad = _bad_check(make_uscc(random.Random(6)))
    path = _entities_file(tmp_path / "bad.csv", [(bad, "宝安区鹏程物流有限公司", room)])
    call_command("import", "entities", str(path))
    assert not LegalEntity.objects.exists() and SourceRecord.objects.get().flags
    # A department's record of the same organisation at the same address, without the code.
    import_records(
        tmp_path,
        [
            {"source": "市场监管", "record_id": "M1", "kind": "entity", "name": "宝安区鹏程物流有限公司",
             "uscc": bad, "address": "广东省深圳市宝安区海裕社区1号楼101室"},
        ],
    )  # fmt: skip
    call_command("link")
    entity = LegalEntity.objects.get()
    assert entity.uscc == "" and entity.name == "宝安区鹏程物流有限公司"
    assert set(Link.objects.values_list("entity", flat=True)) == {entity.pk}
    assert entity.locations.get().room.code == room


def client_page(world: World, url: str) -> str:
    from django.test import Client

    client = Client()
    client.force_login(world.people["grid_worker"])
    return client.get(url).content.decode()
