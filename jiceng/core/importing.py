"""Reading import files (CSV in UTF-8 or .xlsx) and reporting bad rows in Chinese.

An import is all-or-nothing unless the importer says otherwise: the whole file is checked first, and
rows are written in one transaction only when no row is bad.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jiceng.core.exceptions import JicengError
from jiceng.lib.cells import unescape


class ImportFileError(JicengError):
    code = "import_file"


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # 1-based line of the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} 第 {self.row} 行，列“{self.column}”：{self.reason}"


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{self.file}：{len(self.errors)} 处错误，未导入任何数据。"
        return (
            f"{self.file}：共 {self.rows} 行，新增 {self.created}，更新 {self.updated}，跳过 {self.skipped}。"
        )


def _decode_check(path: Path) -> None:
    """Refuse files that are not UTF-8 (GBK exports from Excel are common) with a clear message."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        offset = 0
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{path.name} 不是 UTF-8 编码（第 {offset + exc.start + 1} 字节附近）；"
                    "若为 Excel 导出的 GBK 文件，请另存为“CSV UTF-8”或 .xlsx 后再导入。"
                )
            offset += len(chunk)


def read_rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row_number, {column: text})`` for a CSV or .xlsx file, checking the header first."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _read_xlsx(path, required)
    elif suffix in (".csv", ".txt"):
        _decode_check(path)
        yield from _read_csv(path, required)
    else:
        raise ImportFileError(f"不支持的文件类型“{path.suffix}”：请使用 .csv（UTF-8）或 .xlsx")


def _check_header(path: Path, header: list[str], required: list[str]) -> list[str]:
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFileError(f"{path.name} 缺少列：{'、'.join(missing)}（应有：{'、'.join(required)}）")
    return header


def _read_csv(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = _check_header(path, next(reader), required)
        except StopIteration:
            raise ImportFileError(f"{path.name} 是空文件")
        width = len(header)
        for number, values in enumerate(reader, start=2):
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != width:
                yield number, {"__error__": f"应有 {width} 列，实有 {len(values)} 列"}
                continue
            yield number, {h: unescape(v.strip()) for h, v in zip(header, values, strict=True)}


def _read_xlsx(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise ImportFileError(f"{path.name} 不是有效的 .xlsx 文件：{exc}")
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = _check_header(path, [str(c or "") for c in next(rows)], required)
    except StopIteration:
        raise ImportFileError(f"{path.name} 是空表")
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = [
            "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            for v in values
        ]
        cells = (cells + [""] * len(header))[: len(header)]
        yield number, {h: unescape(c.strip()) for h, c in zip(header, cells, strict=True)}
    workbook.close()
