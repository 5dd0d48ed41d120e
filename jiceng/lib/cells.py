"""Spreadsheet cells that stay text: the one guard every .csv and .xlsx export writes through.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and WPS as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, DDE). Residents' survey
answers, addresses and names are typed by anyone, so every exported text that starts so gets a leading
apostrophe (OWASP "CSV injection"): spreadsheets show it as text, and our own importers take the
apostrophe off again (``unescape``) so an export re-imports unchanged. Numbers are left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [text_cell(v) for v in values]


def unescape(text: str) -> str:
    """The cell as it was before ``text_cell`` (importers call this on every value they read)."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose rows pass through ``safe_row``."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fh: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(fh, **kwargs)
