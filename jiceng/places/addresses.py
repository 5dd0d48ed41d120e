"""Address normalisation and exact address lookup.

People write the same place many ways: full-width digits from a phone keyboard, 十二栋 or 12栋 or
12号楼 or 12座, 1201房 or 1201室 or 1201户, with or without 广东省深圳市宝安区 and the street in front.
``normalise`` maps all of these to one key, stored in ``Building.address_key`` at import time, so an
address lookup is one indexed equality. The street segment is dropped from the key because it is
redundant with the community (community names are unique within a district) and often omitted; the
community segment is kept because urban-village addresses (一坊三巷5号) only make sense inside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from django.conf import settings

# Prefixes people may or may not write; all are implied by the platform's district.
_PREFIXES = ("中华人民共和国", "中国", "广东省", "广东", "深圳市", "深圳", "宝安区")
_STREET = re.compile(r"^[\u4e00-\u9fff]{2,4}?街道(?:办事处)?")
_NOT_KEPT = re.compile(r"[^0-9A-Z\u4e00-\u9fff]+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = "零〇一二两三四五六七八九十百千"
# Chinese numerals are converted only in front of these markers, never inside names (三围, 九围 are
# community names; 创业一路 is a road).
_MARKERS = "号楼|栋|座|幢|号|单元|层|楼|室|房|户"
_CN_BEFORE_MARKER = re.compile(rf"第?([{_CN_NUMBER}]+)(?={_MARKERS})")
_BUILDING = re.compile(r"([0-9]+|[A-Z])(?:号楼|座|幢|栋)")
_ROOM = re.compile(r"([0-9]+[A-Z]?)(?:室|房|户)$")
_TRAILING_ROOM = re.compile(r"(栋|单元)([0-9]+[A-Z]?)$")

# Hooks: alias → canonical name for communities and roads (e.g. "107国道" → "广深公路"). Settings
# may add more with PLACES_ADDRESS_ALIASES = {"alias": "canonical"}; code may call register_alias.
_ALIASES: dict[str, str] = {}
_extra_rules: list[Callable[[str], str]] = []


def register_alias(alias: str, canonical: str) -> None:
    """Treat ``alias`` (a community or road name) as ``canonical`` in every address key."""
    _ALIASES[_plain(alias)] = _plain(canonical)


def register_rule(rule: Callable[[str], str]) -> None:
    """Add a rewrite applied to the key after the built-in rules (for local conventions)."""
    _extra_rules.append(rule)


def chinese_to_int(text: str) -> int:
    """十二 → 12, 一百零一 → 101, 二〇一 → 201 (digit-by-digit when there is no unit)."""
    if not any(ch in _CN_UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").upper()
    return _NOT_KEPT.sub("", text)


def _aliases() -> dict[str, str]:
    extra = getattr(settings, "PLACES_ADDRESS_ALIASES", None) or {}
    if not extra:
        return _ALIASES
    return {**_ALIASES, **{_plain(k): _plain(v) for k, v in extra.items()}}


def normalise(text: str) -> str:
    """The lookup key of an address; equal keys mean the same building or room."""
    key = _plain(text)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                changed = True
    key = _STREET.sub("", key, count=1)
    for alias, canonical in sorted(_aliases().items(), key=lambda item: -len(item[0])):
        if alias in key:
            key = key.replace(alias, canonical)
    key = _CN_BEFORE_MARKER.sub(lambda m: str(chinese_to_int(m.group(1))), key)
    key = _BUILDING.sub(r"\1栋", key)
    key = _ROOM.sub(r"\1室", key)
    key = _TRAILING_ROOM.sub(r"\1\2室", key)
    for rule in _extra_rules:
        key = rule(key)
    return key


def split_room(key: str) -> tuple[str, str] | None:
    """Split a normalised key ending in a room (…3栋1201室) into (building key, room number)."""
    match = re.match(r"^(.+?)([0-9]+[A-Z]?)室$", key)
    if not match:
        return None
    return match.group(1), match.group(2)


def find_by_address(text: str):  # -> Building | Room | None
    """The building or room an address names, by exact text or by normalised key; None when unknown
    or ambiguous.
    """
    from jiceng.places.models import Building, Room

    text = (text or "").strip()
    if not text:
        return None
    exact = list(Building.objects.filter(address=text)[:2])
    if len(exact) == 1:
        return exact[0]
    key = normalise(text)
    if not key:
        return None
    building = _unique_building(key)
    if building is not None:
        return building
    parts = split_room(key)
    if parts is None:
        return None
    building_key, room_no = parts
    building = _unique_building(building_key)
    if building is None:
        return None
    rooms = list(Room.objects.filter(building=building, room_no__in={room_no, room_no.lstrip("0")})[:2])
    return rooms[0] if len(rooms) == 1 else None


def _unique_building(key: str):
    from jiceng.places.models import Building

    found = list(Building.objects.filter(address_key=key)[:2])
    if len(found) == 1:
        return found[0]
    if found or "社区" in key:
        return None
    # The community was left out: accept a unique building whose key ends with what was written.
    found = list(Building.objects.filter(address_key__endswith=key)[:2])
    return found[0] if len(found) == 1 else None
