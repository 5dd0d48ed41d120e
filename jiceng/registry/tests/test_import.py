from pathlib import Path

import pytest
from openpyxl import Workbook

from jiceng.core.importing import ImportFileError
from jiceng.registry.actions import RECORD_COLUMNS, do_import_records
from jiceng.registry.models import ImportBatch, SourceRecord
from jiceng.registry.tests.factories import person_row, resident_id, write_records

pytestmark = pytest.mark.django_db


def rows() -> list[dict[str, str]]:
    return [
        person_row("公安", "A1", "张伟", resident_id(), "13812345678", "海裕社区1号楼101室"),
        person_row("公安", "A2", "李娜", "44030619800101123", "13812345679"),  # 17 digits
        person_row("公安", "A3", "王芳", phone="12345"),
        person_row("公安", "A4", "赵强", observed_at="2025-13-40"),
    ]


def test_rows_with_dirty_fields_are_kept_and_each_dirty_field_is_flagged(tmp_path: Path) -> None:
    report = do_import_records(write_records(tmp_path / "a.csv", rows()), "公安")
    assert report.created == 4 and not report.errors
    assert sorted((e.row, e.column) for e in report.warnings) == [
        (3, "id_number"),
        (4, "phone"),
        (5, "observed_at"),
    ]
    assert [e["level"] for e in ImportBatch.objects.get().errors] == ["warning"] * 3


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    path = write_records(tmp_path / "a.csv", rows())
    do_import_records(path, "公安")
    again = do_import_records(path, "公安")
    assert (again.created, again.skipped, SourceRecord.objects.count()) == (0, 4, 4)


def test_the_raw_row_is_kept_exactly_as_received(tmp_path: Path) -> None:
    do_import_records(write_records(tmp_path / "a.csv", rows()[:1]), "公安")
    record = SourceRecord.objects.get()
    assert record.raw["address"] == "海裕社区1号楼101室" and record.raw["observed_at"] == "2025-01-01"


def test_a_source_record_cannot_be_changed(tmp_path: Path) -> None:
    do_import_records(write_records(tmp_path / "a.csv", rows()[:1]), "公安")
    record = SourceRecord.objects.get()
    record.name = "改名"
    with pytest.raises(ValueError):
        record.save()


def test_an_id_number_with_only_a_wrong_check_digit_is_kept_with_a_warning(tmp_path: Path) -> None:
    good = resident_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    report = do_import_records(
        write_records(tmp_path / "a.csv", [person_row("公安", "B1", "张伟", bad)]), "公安"
    )
    assert report.created == 1 and not report.errors and report.warnings[0].column == "id_number"


def test_a_gbk_file_is_read(tmp_path: Path) -> None:
    path = write_records(tmp_path / "utf8.csv", rows()[:1])
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    report = do_import_records(gbk, "公安")
    assert report.created == 1 and report.encoding == "GBK"
    assert SourceRecord.objects.get().name == "张伟"


def test_a_file_in_an_unreadable_encoding_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(",".join(RECORD_COLUMNS).encode() + b"\n\xff\xfe\xff\x81\x00\n")
    with pytest.raises(ImportFileError, match="编码"):
        do_import_records(path, "公安")


def test_a_file_without_the_required_columns_is_refused_and_nothing_is_lost(tmp_path: Path) -> None:
    do_import_records(write_records(tmp_path / "a.csv", rows()[:1]), "公安")
    broken = tmp_path / "broken.csv"
    broken.write_text("name,phone\n张三,13800000000\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="缺少列"):
        do_import_records(broken, "公安")
    assert SourceRecord.objects.count() == 1


def test_a_row_whose_source_differs_from_the_given_source_is_rejected(tmp_path: Path) -> None:
    report = do_import_records(write_records(tmp_path / "a.csv", [person_row("人社", "C1", "张伟")]), "公安")
    assert report.created == 0 and report.errors[0].column == "source"


def test_an_xlsx_file_is_imported(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(RECORD_COLUMNS)
    row = person_row("卫健", "X1", "陈静", resident_id(), "13812340000")
    sheet.append([row.get(c, "") for c in RECORD_COLUMNS])
    workbook.save(tmp_path / "a.xlsx")
    assert do_import_records(tmp_path / "a.xlsx", "卫健").created == 1


def test_the_error_report_is_downloadable_by_an_admin_and_hidden_from_a_grid_worker(
    world, tmp_path: Path
) -> None:
    from django.test import Client

    do_import_records(write_records(tmp_path / "a.csv", rows()), "公安")
    batch = ImportBatch.objects.get()
    client = Client()
    client.force_login(world.people["admin"])
    body = client.get(f"/registry/batches/{batch.pk}/errors.csv").content.decode("utf-8-sig")
    assert body.splitlines()[0] == "file,row,column,level,reason" and "phone" in body
    client.force_login(world.people["grid_worker"])
    assert client.get(f"/registry/batches/{batch.pk}/errors.csv").status_code == 404


def test_a_people_roster_sets_care_tags_and_the_room(world, tmp_path: Path) -> None:
    from jiceng.registry.importers import RowLevelReport, import_people
    from jiceng.registry.models import Person

    idn = resident_id("19400101", "321")
    path = tmp_path / "people.csv"
    path.write_text(
        "id_number,name,phone,care_tags,room_code,relation\n"
        f"{idn},陈老伯,13812345678,独居老人;高龄,{world.rooms['haiyu1'].code},owner\n"
        "123,坏数据,,,,\n",
        encoding="utf-8",
    )
    report = import_people(path)
    person = Person.objects.get()
    assert person.care_tags == ["独居老人", "高龄"] and person.occupancies.get().room == world.rooms["haiyu1"]
    # the row with an unreadable ID number is kept as a roster record for linkage, flagged
    assert isinstance(report, RowLevelReport)
    assert report.created == 2 and not report.errors and report.warnings[0].column == "id_number"


def test_an_entities_file_places_the_entity_in_its_room(world, tmp_path: Path) -> None:
    import random

    from jiceng.registry.importers import import_entities
    from jiceng.registry.models import LegalEntity
    from jiceng.registry.synth import make_uscc

    code = make_uscc(random.Random(1))
    path = tmp_path / "entities.csv"
    path.write_text(
        f"uscc,name,kind,legal_representative,industry,phone,room_code\n{code},深圳市海裕科技有限公司,company,张三,I65,,{world.rooms['haiyu1'].code}\n",
        encoding="utf-8",
    )
    import_entities(path)
    assert LegalEntity.objects.get().locations.get().room == world.rooms["haiyu1"]
