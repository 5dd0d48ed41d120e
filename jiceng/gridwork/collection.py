"""Door-to-door collection (入户采集) by the field schema in ``data/collection_schema.yaml``.

A draft is saved as the worker types (``check_save_draft``: any value is kept, valid or not), so a
refused submit or a dropped connection loses nothing. ``check_submit_draft`` validates every field
against the schema; on refusal the draft keeps the input and the messages per field. On success each
field whose value changed since the subject's last submitted collection becomes one registry
``SourceRecord`` of the source "door-to-door" (carrying the subject's identity columns, so ``jiceng
link`` links it like any department's record), and the registry's own collection actions update the
person's or entity's place at the room.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError
from jiceng.gridwork.actions import event
from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound
from jiceng.gridwork.models import CollectionDraft, DraftStatus
from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone, validate_resident_id
from jiceng.org.access import access_room
from jiceng.org.scopes import scope_for

SCHEMA = Path(__file__).parent / "data" / "collection_schema.yaml"
SOURCE_NAME = "door-to-door"
TYPES = frozenset(
    {"text", "textarea", "int", "decimal", "date", "choice", "multi", "bool", "phone", "id_number", "uscc"}
)
RELATIONS = {
    "业主": "owner",
    "租户": "tenant",
    "家庭成员": "family",
    "单位员工": "employee",
    "借住": "resident",
}


class CollectionInvalid(JicengError):
    """The submit was refused; ``errors`` maps each field to its message. The draft keeps the input."""

    code = "collection_invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("有 %(n)d 项填写有误，已保存草稿，请修改后再提交。") % {"n": len(errors)})
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = super().as_dict()
        body["error"]["fields"] = self.errors
        return body


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min: Any = None
    max: Any = None
    max_length: int | None = None
    pattern: str = ""
    pattern_message: str = ""
    maps: str = ""
    help: str = ""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    record_kind: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def get(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def parse(text: str) -> dict[str, Category]:
    doc = yaml.safe_load(text) or {}
    found: dict[str, Category] = {}
    for raw in doc.get("categories") or []:
        fields = []
        for spec in raw.get("fields") or []:
            if spec.get("type") not in TYPES:
                raise ValueError(
                    f"unknown field type {spec.get('type')!r} in {raw.get('code')}.{spec.get('key')}"
                )
            fields.append(
                Field(
                    key=str(spec["key"]),
                    label=str(spec["label"]),
                    type=str(spec["type"]),
                    required=bool(spec.get("required", False)),
                    choices=tuple(str(c) for c in spec.get("choices") or ()),
                    min=spec.get("min"),
                    max=spec.get("max"),
                    max_length=spec.get("max_length"),
                    pattern=str(spec.get("pattern") or ""),
                    pattern_message=str(spec.get("pattern_message") or ""),
                    maps=str(spec.get("maps") or ""),
                    help=str(spec.get("help") or ""),
                )
            )
        found[str(raw["code"])] = Category(
            str(raw["code"]), str(raw["name"]), str(raw["record_kind"]), tuple(fields)
        )
    return found


@cache
def schema() -> dict[str, Category]:
    return parse(SCHEMA.read_text(encoding="utf-8"))


def category(code: str) -> Category:
    found = schema().get(code)
    if found is None:
        raise GridworkError(_("未知的采集类别“%(code)s”。") % {"code": code}, code="bad_category")
    return found


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _number(f: Field, text: str, kind: type) -> Any:
    try:
        number = kind(text)
    except (ValueError, InvalidOperation):
        raise ValueError(_("请输入数字。") if kind is Decimal else _("请输入整数。")) from None
    if f.min is not None and number < kind(str(f.min)):
        raise ValueError(_("不能小于 %(v)s。") % {"v": f.min})
    if f.max is not None and number > kind(str(f.max)):
        raise ValueError(_("不能大于 %(v)s。") % {"v": f.max})
    return int(number) if kind is int else str(number)


def clean_value(f: Field, value: Any) -> Any:
    """The field's value checked against the schema (ValueError with the message when it is not)."""
    if f.type == "bool":
        return value in (True, "1", "true", "on", "yes")
    if f.type == "multi":
        items = value if isinstance(value, list) else [v for v in str(value or "").split(",") if v]
        wrong = [v for v in items if v not in f.choices]
        if wrong:
            raise ValueError(_("无效的选项：%(v)s") % {"v": "、".join(wrong)})
        return [c for c in f.choices if c in items]
    text = str(value or "").strip()
    if not text:
        return ""
    if f.max_length and len(text) > f.max_length:
        raise ValueError(_("不能超过 %(n)d 个字。") % {"n": f.max_length})
    if f.type == "int":
        return _number(f, text, int)
    if f.type == "decimal":
        return _number(f, text, Decimal)
    if f.type == "date":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("日期格式应为 YYYY-MM-DD。")) from None
        if f.min and day < dt.date.fromisoformat(str(f.min)):
            raise ValueError(_("不能早于 %(v)s。") % {"v": f.min})
        if f.max and day > dt.date.fromisoformat(str(f.max)):
            raise ValueError(_("不能晚于 %(v)s。") % {"v": f.max})
        return day.isoformat()
    if f.type == "choice":
        if text not in f.choices:
            raise ValueError(_("请从列表中选择。"))
        return text
    try:
        if f.type == "phone":
            return validate_phone(text)
        if f.type == "id_number":
            return validate_resident_id(text).number
        if f.type == "uscc":
            return validate_credit_code(text)
    except IdentityError as exc:
        raise ValueError(str(exc)) from None
    if f.pattern and not re.fullmatch(f.pattern, text):
        raise ValueError(f.pattern_message or _("格式不正确。"))
    return text


def validate(cat: Category, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in cat.fields:
        try:
            value = clean_value(f, data.get(f.key))
        except ValueError as exc:
            errors[f.key] = str(exc)
            continue
        if f.required and _empty(value) and f.type != "bool":
            errors[f.key] = _("必填。")
            continue
        cleaned[f.key] = value
    return cleaned, errors


# -- drafts -----------------------------------------------------------------------------------------


def _staff(actor: Any) -> None:
    if not scope_for(actor).is_staff:
        raise GridworkNotFound(_("未找到。"))


def access_draft(actor: Any, draft_id: Any) -> CollectionDraft:
    """A draft of the actor's own, at a room still in their scope; missing and forbidden alike 404."""
    try:
        pk = int(draft_id)
    except (TypeError, ValueError):
        pk = -1
    draft = CollectionDraft.objects.select_related("room__building").filter(pk=pk, worker=actor).first()
    if draft is None or not scope_for(actor).covers(draft.room.code):
        raise GridworkNotFound(_("未找到采集草稿。"))
    return draft


def check_start_draft(actor: Any, category_code: str, room_code: str) -> CollectionDraft:
    _staff(actor)
    cat = category(category_code)
    room = access_room(actor, room_code)
    with transaction.atomic():
        draft = CollectionDraft.objects.create(worker=actor, category=cat.code, room=room)
        event(actor, "draft_start", "collection", draft.pk, category=cat.code, room=room.code)
    return draft


def _known(cat: Category, values: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in values.items():
        f = cat.get(key)
        if f is None:
            continue
        if isinstance(value, list):
            kept[key] = [str(v)[:200] for v in value][:50]
        elif isinstance(value, bool):
            kept[key] = value
        else:
            kept[key] = str(value if value is not None else "")[:2000]
    return kept


def check_save_draft(actor: Any, draft_id: Any, values: dict[str, Any]) -> CollectionDraft:
    """Keep what was typed, as typed: no validation here, so nothing is ever refused on the way."""
    draft = access_draft(actor, draft_id)
    if draft.status != DraftStatus.DRAFT:
        raise GridworkError(_("该采集已提交。"), code="already_submitted", status=409)
    cat = category(draft.category)
    with transaction.atomic():
        locked = CollectionDraft.objects.select_for_update().get(pk=draft.pk)
        locked.data = {**locked.data, **_known(cat, values)}
        locked.save(update_fields=["data", "updated_at"])
    locked.room = draft.room
    return locked


def _subject(cat: Category, cleaned: dict[str, Any]) -> dict[str, str]:
    """The identity columns of the source records: from the fields mapped to them."""
    columns = {"name": "", "id_number": "", "uscc": "", "phone": "", "address": ""}
    for f in cat.fields:
        if f.maps in columns and cleaned.get(f.key):
            columns[f.maps] = str(cleaned[f.key])
    return columns


def check_submit_draft(actor: Any, draft_id: Any, values: dict[str, Any] | None = None) -> CollectionDraft:
    """Save the posted values into the draft, then validate; refused → ``CollectionInvalid`` (draft
    and its messages kept), accepted → source records and the registry updated, one transaction."""
    draft = check_save_draft(actor, draft_id, values or {}) if values else access_draft(actor, draft_id)
    if draft.status != DraftStatus.DRAFT:
        raise GridworkError(_("该采集已提交。"), code="already_submitted", status=409)
    cat = category(draft.category)
    cleaned, errors = validate(cat, draft.data)
    if errors:
        CollectionDraft.objects.filter(pk=draft.pk).update(errors=errors)
        raise CollectionInvalid(errors)
    return do_submit_draft(actor, draft, cat, cleaned)


def do_submit_draft(
    actor: Any, draft: CollectionDraft, cat: Category, cleaned: dict[str, Any]
) -> CollectionDraft:
    from jiceng.registry.models import ImportBatch, Source, SourceRecord

    subject = _subject(cat, cleaned)
    key = (subject["id_number"] or subject["uscc"] or subject["name"])[:64]
    now = timezone.now()
    with transaction.atomic():
        locked = CollectionDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.status != DraftStatus.DRAFT:
            raise GridworkError(_("该采集已提交。"), code="already_submitted", status=409)
        previous = (
            CollectionDraft.objects.filter(
                room=locked.room_id, category=cat.code, subject_key=key, status=DraftStatus.SUBMITTED
            )
            .order_by("-submitted_at")
            .first()
        )
        before = previous.clean if previous is not None else {}
        changed = [
            f
            for f in cat.fields
            if cleaned.get(f.key) != before.get(f.key)
            and not (_empty(cleaned.get(f.key)) and _empty(before.get(f.key)))
        ]
        address = subject["address"] or f"{draft.room.building.address}{draft.room.room_no}"
        source, _created = Source.objects.get_or_create(name=SOURCE_NAME)
        rows = []
        for f in changed:
            raw = {
                "category": cat.code,
                "field": f.key,
                "label": f.label,
                "old": before.get(f.key),
                "new": cleaned.get(f.key),
                "room": draft.room.code,
                "draft": draft.pk,
                "collected_by": actor.pk,
                "collected_at": now.isoformat(),
            }
            digest = hashlib.sha256(json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
            rows.append((raw, digest, f.key))
        batch = ImportBatch.objects.create(
            source=source,
            file_name=f"collection-{draft.pk}",
            sha256=hashlib.sha256(f"collection-{draft.pk}".encode()).hexdigest(),
            rows=len(rows),
            accepted=len(rows),
            created_by=actor,
        )
        subject_tag = hashlib.sha256(key.encode()).hexdigest()[:8]
        SourceRecord.objects.bulk_create(
            [
                SourceRecord(
                    source=source,
                    batch=batch,
                    record_id=f"{cat.code}:{draft.room.code}:{subject_tag}:{field_key}"[:64],
                    kind=cat.record_kind,
                    raw=raw,
                    digest=digest,
                    name=subject["name"][:200],
                    id_number=subject["id_number"][:18],
                    uscc=subject["uscc"][:18],
                    phone=subject["phone"][:20],
                    address=address[:300],
                    observed_at=timezone.localdate(now),
                )
                for raw, digest, field_key in rows
            ]
        )
        _update_registry(actor, cat, cleaned, draft)
        locked.clean, locked.errors = cleaned, {}
        locked.status, locked.subject_key, locked.records, locked.submitted_at = (
            DraftStatus.SUBMITTED,
            key,
            len(rows),
            now,
        )
        locked.save(
            update_fields=[
                "clean",
                "errors",
                "status",
                "subject_key",
                "records",
                "submitted_at",
                "updated_at",
            ]
        )
        event(actor, "collection_submit", "collection", draft.pk, category=cat.code, records=len(rows))
    locked.room = draft.room
    return locked


def _update_registry(actor: Any, cat: Category, cleaned: dict[str, Any], draft: CollectionDraft) -> None:
    """The registry's own door-to-door actions place the person or entity at the room at once."""
    from jiceng.registry import actions as registry

    if cat.code == "person":
        registry.do_collect_person(
            actor,
            draft.room,
            cleaned["name"],
            cleaned.get("id_number", ""),
            cleaned.get("phone", ""),
            RELATIONS.get(cleaned.get("relation", ""), "resident"),
            list(cleaned.get("care_tags") or []),
        )
    elif cat.code == "entity":
        registry.check_collect_entity(
            actor,
            draft.room.code,
            cleaned["name"],
            cleaned.get("uscc", ""),
            cleaned.get("legal_representative", ""),
        )
