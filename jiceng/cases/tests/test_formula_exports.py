"""The evaluation workbook writes unit names as text even when they start like a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from jiceng.cases.evaluation import UnitEvaluation, write_xlsx


def test_a_unit_name_starting_like_a_formula_is_written_as_text() -> None:
    buffer = io.BytesIO()
    write_xlsx([UnitEvaluation(1, "x", "=cmd|' /C calc'!A0", received=3)], buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert ("'=cmd|' /C calc'!A0", "s") in [(c.value, c.data_type) for c in cells]
    assert all(c.data_type != "f" for c in cells)
