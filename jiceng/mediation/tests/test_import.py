"""``jiceng import referrals FILE``: CSV or .xlsx, all or nothing, with a Chinese row report."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiceng.mediation.models import Dispute
from jiceng.testing import World

HEADER = [
    "ref",
    "kind",
    "narrative",
    "grid_code",
    "applicant_name",
    "respondent_name",
    "relationship",
    "minors",
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def test_a_file_of_police_referrals_is_imported_and_graded(town: World, tmp_path: Path) -> None:
    grid = town.grids["haiyu1"].code
    path = write(
        tmp_path / "jq.csv",
        [
            [
                "110-1",
                "domestic_violence",
                "丈夫酒后持刀威胁妻子，称要同归于尽。",
                grid,
                "张丽",
                "王强",
                "spouse",
                "1",
            ],
            ["110-2", "neighbour", "楼上漏水，双方沟通无果。", grid, "李明", "赵亮", "neighbour", "0"],
        ],
    )
    out = StringIO()
    call_command("import", "referrals", str(path), stdout=out)
    assert "新增 2" in out.getvalue()
    assert dict(Dispute.objects.values_list("source_ref", "risk")) == {"110-1": "high", "110-2": "low"}
    assert set(Dispute.objects.values_list("source", flat=True)) == {"police"}


def test_one_bad_row_and_nothing_is_imported_with_a_chinese_row_report(town: World, tmp_path: Path) -> None:
    grid = town.grids["haiyu1"].code
    path = write(
        tmp_path / "jq.csv",
        [
            ["110-1", "domestic_violence", "丈夫酒后持刀威胁妻子。", grid, "张丽", "王强", "spouse", "0"],
            ["110-2", "no_such_kind", "吵架", grid, "", "", "", "0"],
            ["110-1", "marriage", "重复的警情号", grid, "", "", "", "0"],
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", "referrals", str(path), stdout=StringIO(), stderr=err)
    report = err.getvalue()
    assert "第 3 行，列“kind”：未知的纠纷类型“no_such_kind”" in report
    assert "第 4 行，列“ref”" in report
    assert not Dispute.objects.exists()


def test_an_xlsx_file_is_read_the_same_way(town: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [
            "FY-9",
            "custody",
            "离婚后探望孩子的时间协商不成。",
            town.grids["haiyu1"].code,
            "甲",
            "乙",
            "former_spouse",
            0,
        ]
    )
    path = tmp_path / "court.xlsx"
    book.save(path)
    call_command("import", "referrals", str(path), stdout=StringIO())
    assert Dispute.objects.get().source_ref == "FY-9"
