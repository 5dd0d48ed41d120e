"""``jiceng export links FILE``: source, record_id, cluster_id, room_code, score, status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jiceng.lib.cells import csv_writer, safe_row
from jiceng.registry.models import Link

LINK_COLUMNS = ["source", "record_id", "cluster_id", "room_code", "score", "status"]


def link_rows() -> Any:
    return (
        Link.objects.order_by("record_id")
        .values_list(
            "record__source__name", "record__record_id", "cluster_key", "room__code", "score", "status"
        )
        .iterator(chunk_size=5000)
    )


def export_links(path: Path, **_options: Any) -> int:
    path = Path(path)
    count = 0
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("links")
        sheet.append(LINK_COLUMNS)
        for source, record_id, cluster, room, score, status in link_rows():
            sheet.append(safe_row([source, record_id, cluster, room or "", score, status]))
            count += 1
        workbook.save(path)
        return count
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(LINK_COLUMNS)
        for source, record_id, cluster, room, score, status in link_rows():
            writer.writerow([source, record_id, cluster, room or "", f"{score:.4f}", status])
            count += 1
    return count


EXPORTERS = {"links": export_links}
