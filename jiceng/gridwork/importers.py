"""``jiceng import patrol-checklist FILE`` (YAML as shipped, or CSV: category, category_name, code, name,
event_type, kinds) and ``jiceng import key-persons FILE`` (kind, name, id_number, phone, room_code,
cadre, officer, source, since)."""

from collections.abc import Callable
from typing import Any

from jiceng.gridwork.checklist import import_checklist
from jiceng.gridwork.keypersons import import_key_persons

IMPORTERS: dict[str, Callable[..., Any]] = {
    "patrol-checklist": import_checklist,
    "key-persons": import_key_persons,
}
