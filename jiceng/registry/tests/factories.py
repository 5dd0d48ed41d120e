"""Test data for registry tests, built through the real import and link actions."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from stdnum.cn import ric

from jiceng.registry.actions import RECORD_COLUMNS, do_import_records, do_link


def resident_id(birth: str = "19800101", seq: str = "123", region: str = "440306") -> str:
    body = f"{region}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


def write_records(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=RECORD_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in RECORD_COLUMNS})
    return path


def person_row(
    source: str,
    record_id: str,
    name: str,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    observed_at: str = "2025-01-01",
) -> dict[str, str]:
    return {
        "source": source,
        "record_id": record_id,
        "kind": "person",
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "observed_at": observed_at,
    }


def import_and_link(tmp_path: Path, rows: list[dict[str, str]], name: str = "records.csv") -> None:
    path = write_records(tmp_path / name, rows)
    do_import_records(path, "")
    do_link()


def random_phone(rng: random.Random) -> str:
    return "138" + f"{rng.randint(0, 99_999_999):08d}"
