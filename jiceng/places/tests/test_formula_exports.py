"""Exports escape formula-like text, and the importers take the escape off again."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jiceng.lib.cells import safe_row, unescape
from jiceng.places.exporters import EXPORTERS
from jiceng.places.importers import IMPORTERS
from jiceng.places.models import Building

pytestmark = pytest.mark.django_db


def test_every_dangerous_first_character_is_escaped_and_numbers_are_not() -> None:
    row = safe_row(["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "ok", "", -5, 2.5, None])
    assert row == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "ok", "", -5, 2.5, None]
    assert [unescape(c) for c in row[:7]] == ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "ok"]
    assert unescape("'plain") == "'plain"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_address_that_looks_like_a_formula_exports_as_text_and_imports_back(
    world, tmp_path: Path, suffix: str
) -> None:
    building = world.buildings["haiyu1"]
    evil = '=HYPERLINK("http://evil.example","宝安")'
    Building.objects.filter(pk=building.pk).update(address=evil)
    path = tmp_path / f"buildings{suffix}"
    EXPORTERS["buildings"](path)
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert "'" + evil in cells and evil not in cells
    else:
        sheet = load_workbook(path).active
        found = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
        assert [(c.value, c.data_type) for c in found] == [("'" + evil, "s")]
    report = IMPORTERS["buildings"](path)
    assert report.ok, report.errors[:3]
    building.refresh_from_db()
    assert building.address == evil
