"""Address text → room code: normalise what departments write and match it against the address library.

Departments write the same door in many ways: full-width digits (１２０３), building numbers in Chinese
numerals (三栋), 栋/座/幢/号楼 for a building, 室/房/户 or nothing for a room, with or without the
深圳市宝安区 prefix, the street and community names, and local aliases of roads and villages. We bring
all of them to one key — ``road + house number + building`` for the building, digits for the room — and
look that key up; when it is not found exactly, buildings sharing the same numbers are compared by text
similarity (this catches a mistyped or aliased road name).

This module is framework-free so the linkage benchmark can run it without a database;
``AddressIndex.from_db()`` builds the index from the places tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

# Local aliases: what people write → what the address library says. Extend with the setting
# JICENG_ADDRESS_ALIASES (a dict) for a district's own names.
ALIASES: dict[str, str] = {
    "广深公路": "107国道",
    "一零七国道": "107国道",
    "宝安大道辅道": "宝安大道",
    "新安六路": "新安6路",
    "宝城": "宝城",
}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
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
_UNIT_AFTER = "号栋座幢楼层室房户单元巷弄路街村期区坊"
_CN_NUM_RE = re.compile(f"([零〇○一二两三四五六七八九十百千]+)(?=[{_UNIT_AFTER}])")
_PREFIX_RE = re.compile(r"^(中国)?(广东省|广东)?(深圳市|深圳)?(宝安区)?")
_STREET_RE = re.compile(r"[\u4e00-\u9fff]{2,4}街道(办事处)?")
_COMMUNITY_RE = re.compile(r"[\u4e00-\u9fff]{2,4}社区(居委会|工作站)?")
_NOISE_RE = re.compile(r"[\s，,。.、;；:：()（）\[\]【】\"'“”]")
_BUILDING_MARK_RE = re.compile(r"(号楼|栋楼|幢|座|栋|楼)(?=[A-Za-z0-9\-]|$)")
_ROOM_TAIL_RE = re.compile(r"[-—_]?([A-Za-z]?\d{1,5}[A-Za-z]?)(室|房|户|号房|号)?$")
_UNIT_RE = re.compile(r"(?<=[栋座幢楼])\d{1,2}单元")
# Floor and door after a building mark (12栋9楼01) or after a village house number (23号4楼02).
_FLOOR_DOOR_RE = re.compile(r"((?:号楼|栋|座|幢)[-—_]?|号)(\d{1,2})(?:楼|层|[-—_])(\d{1,2})(?:室|房|户|号)?$")
# A village house's room written with 号 too: 23号102号 is room 102 of house 23.
_HOUSE_ROOM_RE = re.compile(r"(\d+号)(\d{3,4})号$")
_DIGITS_RE = re.compile(r"\d+")


def cn_number(text: str) -> int:
    """三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 一二零三 → 1203 (digit by digit)."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def _aliases() -> dict[str, str]:
    try:
        from django.conf import settings

        extra = getattr(settings, "JICENG_ADDRESS_ALIASES", None) or {}
    except Exception:  # noqa: BLE001 — used without Django in benchmarks
        extra = {}
    return {**ALIASES, **extra}


_ORDERED: dict[int, tuple[dict[str, str], list[tuple[str, str]]]] = {}


def _ordered(aliases: dict[str, str]) -> list[tuple[str, str]]:
    """Aliases longest first (so 宝安大道辅道 wins over 宝安大道), computed once per alias table."""
    cached = _ORDERED.get(id(aliases))
    if cached is None or cached[0] is not aliases:
        pairs = sorted(((a, c) for a, c in aliases.items() if a != c), key=lambda kv: -len(kv[0]))
        cached = (aliases, pairs)
        _ORDERED[id(aliases)] = cached
    return cached[1]


def normalise(text: str, aliases: dict[str, str] | None = None) -> str:
    """One spelling for every way of writing the same address (street and community names dropped)."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).upper()
    s = _NOISE_RE.sub("", s)
    s = _CN_NUM_RE.sub(lambda m: str(cn_number(m.group(1))), s)
    s = _PREFIX_RE.sub("", s)
    # Each pattern below needs a word of its own in the text: a test for the word is far cheaper than
    # the search, and most addresses have no street, community or unit.
    if "街道" in s:
        s = _STREET_RE.sub("", s)
    if "社区" in s:
        s = _COMMUNITY_RE.sub("", s)
    for alias, canonical in _ordered(aliases if aliases is not None else _aliases()):
        if alias in s:
            s = s.replace(alias, canonical)
    # After the building: a unit (2单元) does not change the room number, and a room written as
    # floor and door (9楼01, 16-02) is the same room as 901, 1602.
    if "单元" in s:
        s = _UNIT_RE.sub("", s)
    s = _FLOOR_DOOR_RE.sub(lambda m: m.group(1) + m.group(2) + m.group(3).zfill(2), s)
    if s.endswith("号"):
        s = _HOUSE_ROOM_RE.sub(r"\1\2", s)
    s = _BUILDING_MARK_RE.sub("栋", s)
    return s


@dataclass(frozen=True)
class ParsedAddress:
    building_key: str
    room_no: str  # digits (and letters) of the room, leading zeros dropped; "" when absent
    community: str = ""  # the community named in the text, if any (it tells apart equal keys)


def community_of(text: str) -> str:
    """The name in front of 社区, stopping at the district or street before it: 宝安区海裕社区 → 海裕."""
    s = unicodedata.normalize("NFKC", text or "")
    end = s.find("社区")
    if end == -1:
        return ""
    start = end
    while start > 0 and end - start < 4 and s[start - 1] not in "省市区道镇县 ":
        start -= 1
    return s[start:end]


def parse(text: str, aliases: dict[str, str] | None = None) -> ParsedAddress:
    s = normalise(text, aliases)
    if not s:
        return ParsedAddress("", "")
    community = community_of(text)
    cut = s.rfind("栋")
    if cut != -1:
        head, tail = s[: cut + 1], s[cut + 1 :]
    else:
        # Villages and small houses have no building mark: "三巷5号201" → building "3巷5号", room "201".
        cut = s.rfind("号")
        head, tail = (s[: cut + 1], s[cut + 1 :]) if cut != -1 else (s, "")
    room = ""
    tail = tail.lstrip("-—_")
    match = _ROOM_TAIL_RE.search(tail) if tail else None
    if match:
        room = match.group(1).lstrip("0") or "0"
    return ParsedAddress(head, room, community)


_HOUSE_RE = re.compile(r"(\d+)号(?=[^号]*$)")
_AS_NUMERAL = str.maketrans("0123456789", "零一二三四五六七八九")


def _road_part(key: str) -> str:
    """What comes before the last two numbers of a key (固戍1路 of 固戍1路263号1栋), its digits written
    as numerals again (固戍一路), so a mistyped numeral (固戍西路, 沙一海) is one character off; "" when
    the key has fewer than two numbers."""
    numbers = list(_DIGITS_RE.finditer(key))
    if len(numbers) < 2:
        return ""
    return key[: numbers[-2].start()].translate(_AS_NUMERAL)


def _estate_tail(key: str) -> tuple[str, str]:
    """("357", "华府花园12栋") for "前进2路357号华府花园12栋"; ("", "华府花园12栋") without a house number;
    ("", "") when the key has no named estate before its building mark."""
    if not key.endswith("栋"):
        return "", ""
    found = _HOUSE_RE.search(key)
    house, tail = (found.group(1), key[found.end() :]) if found else ("", key)
    if not _DIGITS_RE.sub("", tail[:-1]):  # "12栋" alone names no estate
        return "", ""
    return house, tail


def room_key(room_no: str) -> str:
    s = unicodedata.normalize("NFKC", room_no or "").upper()
    s = re.sub(r"(室|房|户)$", "", s.strip())
    return s.lstrip("0") or ("0" if s else "")


@dataclass(frozen=True)
class Match:
    room_code: str | None
    building_code: str | None
    score: float  # 1.0 exact; lower when the building was found by similarity
    # When the address fits several buildings (an estate and building number found on several
    # roads, written without the road): each (building code, room code or ""). Left unmatched here;
    # linkage picks the one the person's other records live in (``linkage.fill_rooms``).
    options: tuple[tuple[str, str], ...] = ()

    @property
    def matched(self) -> bool:
        return self.room_code is not None


NO_MATCH = Match(None, None, 0.0)


class AddressIndex:
    """Buildings by normalised key, and their rooms by room number."""

    def __init__(self, aliases: dict[str, str] | None = None) -> None:
        self.aliases = aliases if aliases is not None else _aliases()
        self.buildings: dict[str, str] = {}
        # Keys shared by buildings of different communities ("1栋" in two villages): community → code.
        self.shared: dict[str, dict[str, str]] = defaultdict(dict)
        self.by_numbers: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
        # The last two numbers of a key (house and building, or lane and house): a mistyped road name
        # that loses or gains a numeral (固戍一路 → 固戍西路) keeps them.
        self.by_house: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
        self.rooms: dict[str, dict[str, str]] = defaultdict(dict)
        # Estate and building ("名仕大厦2栋") → (house number, code): finds a building written with the
        # road's former name or without the road at all.
        self.by_tail: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._cache: dict[str, Match] = {}
        # (building key, community) → (building, score, estate options): many addresses differ only
        # in the room, so the building is looked up once per key.
        self._found: dict[tuple[str, str], tuple[str | None, float, list[str]]] = {}
        self._communities: dict[str, str] = {}

    def add_building(self, code: str, address: str) -> None:
        self._found.clear()
        parsed = parse(address, self.aliases)
        key = parsed.building_key or normalise(address, self.aliases)
        if key in self.buildings and self.buildings[key] != code:
            self.shared[key][parsed.community] = code
            first = self.buildings[key]
            self.shared[key].setdefault(self._communities.get(first, ""), first)
        self.buildings.setdefault(key, code)
        self._communities[code] = parsed.community
        numbers = tuple(_DIGITS_RE.findall(key))
        self.by_numbers[numbers].append((key, code))
        if len(numbers) >= 2:
            self.by_house[numbers[-2:]].append((key, code))
        house, tail = _estate_tail(key)
        if tail:
            self.by_tail[tail].append((house, code))

    def add_room(self, code: str, room_no: str) -> None:
        self.rooms[code[:19]][room_key(room_no)] = code

    @classmethod
    def build(cls, buildings: Iterable[tuple[str, str]], rooms: Iterable[tuple[str, str]]) -> AddressIndex:
        index = cls()
        for code, address in buildings:
            index.add_building(code, address)
        for code, room_no in rooms:
            index.add_room(code, room_no)
        return index

    @classmethod
    def from_db(cls, building_codes: Iterable[str] | None = None) -> AddressIndex:
        from jiceng.places.models import Building, Room

        buildings = Building.objects.all()
        rooms = Room.objects.all()
        if building_codes is not None:
            codes = list(building_codes)
            buildings = buildings.filter(code__in=codes)
            rooms = rooms.filter(building__code__in=codes)
        return cls.build(
            buildings.values_list("code", "address").iterator(chunk_size=5000),
            rooms.values_list("code", "room_no").iterator(chunk_size=5000),
        )

    def find_building(self, key: str, community: str = "") -> tuple[str | None, float]:
        if not key:
            return None, 0.0
        code = self.buildings.get(key)
        if code is not None:
            shared = self.shared.get(key)
            if shared:
                if community in shared:
                    return shared[community], 1.0
                return code, 0.5  # ambiguous without the community: a guess, for review
            return code, 1.0
        found = self._by_estate(key)
        if found is not None:
            return found
        candidates = self.by_numbers.get(tuple(_DIGITS_RE.findall(key)), [])
        best, best_score = None, 0.0
        letters = _DIGITS_RE.sub("", key)
        for cand_key, cand_code in candidates[:200]:
            score = SequenceMatcher(None, letters, _DIGITS_RE.sub("", cand_key)).ratio()
            if score > best_score:
                best, best_score = cand_code, score
        if best is not None and best_score >= 0.6:
            return best, round(0.5 + best_score / 2, 3)
        # The record may carry extra words before the road (a village or estate name): try suffixes.
        for start in range(1, max(1, len(key) - 4)):
            code = self.buildings.get(key[start:])
            if code is not None:
                return code, 0.9
        nearest = self.house_options(key)
        if len(nearest) == 1:
            return nearest[0], 0.6
        return None, 0.0

    def house_options(self, key: str) -> list[str]:
        """The buildings with the same last two numbers (house and building, or lane and house) whose
        road, or a name people write for that road (广深公路 for 107国道), is the most like this one's
        (at least 0.6 alike, read with its numerals as characters): a road name mistyped into one that
        does not exist (固戍西路 for 固戍一路, 广深湖路 for 广深公路, 沙一海 for 沙一村). Several equally
        alike → all of them (linkage picks the one the person's other records are in)."""
        road = _road_part(key)
        candidates = self.by_house.get(tuple(_DIGITS_RE.findall(key))[-2:], []) if road else []
        best: list[str] = []
        best_score = 0.6
        aliases = _ordered(self.aliases)
        for cand_key, cand_code in candidates[:200]:
            written = [cand_key] + [cand_key.replace(c, a) for a, c in aliases if c in cand_key]
            score = max(SequenceMatcher(None, road, _road_part(form)).ratio() for form in written)
            if score > best_score:
                best, best_score = [cand_code], score
            elif score == best_score and cand_code not in best:
                best.append(cand_code)
        return sorted(best)

    def estate_options(self, key: str) -> list[str]:
        """Every building the estate and building number (and house number, when written) could be,
        when ``_by_estate`` finds several; [] otherwise."""
        house, tail = _estate_tail(key)
        if not tail:
            return []
        for start in range(0, max(1, len(tail) - 3)):
            candidates = self.by_tail.get(tail[start:])
            if not candidates:
                continue
            codes = sorted({code for h, code in candidates if not house or h == house})
            return codes if len(codes) > 1 else []
        return []

    def _by_estate(self, key: str) -> tuple[str, float] | None:
        """The one building with this estate and building number (and house number, when written).
        A renamed road keeps its house numbers and estates, so "松岗路357号华府花园12栋" is the
        "前进二路357号华府花园12栋" of the library; "华府花园12栋" alone is it when no other road has one.
        Words in front of the estate (a district or village name) are dropped one by one."""
        house, tail = _estate_tail(key)
        if not tail:
            return None
        for start in range(0, max(1, len(tail) - 3)):
            candidates = self.by_tail.get(tail[start:])
            if not candidates:
                continue
            if house:
                codes = {code for h, code in candidates if h == house}
                if len(codes) == 1:
                    return codes.pop(), 0.85
            elif len({code for _h, code in candidates}) == 1:
                return candidates[0][1], 0.75
            return None  # several buildings fit: leave it to the similarity of the whole key
        return None

    def _room(self, building: str, room_no: str) -> str:
        return (self.rooms.get(building, {}).get(room_no) or "") if room_no else ""

    def match(self, text: str) -> Match:
        if not text:
            return NO_MATCH
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        parsed = parse(text, self.aliases)
        where = (parsed.building_key, parsed.community)
        found = self._found.get(where)
        if found is None:
            building, score = self.find_building(*where)
            options = []
            if building is None:
                options = self.estate_options(parsed.building_key) or self.house_options(parsed.building_key)
            found = (building, score, options)
            if len(self._found) < 500_000:
                self._found[where] = found
        building, score, options = found
        if building is None:
            result = (
                Match(None, None, 0.0, tuple((code, self._room(code, parsed.room_no)) for code in options))
                if 1 < len(options) <= 8
                else NO_MATCH
            )
        else:
            room = self.rooms.get(building, {}).get(parsed.room_no) if parsed.room_no else None
            result = Match(room, building, score if room else score * 0.5)
        if len(self._cache) < 500_000:
            self._cache[text] = result
        return result


def match_with_places(text: str) -> Match | None:
    """Ask the address library's own finder (places.addresses) when it exists; ``None`` otherwise."""
    try:
        from jiceng.places import addresses  # type: ignore[attr-defined]
    except ImportError:
        return None
    finder = getattr(addresses, "find_by_address", None)
    if finder is None:
        return None
    try:
        found = finder(text)
    except Exception:  # noqa: BLE001 — a finder's failure must not stop an import
        return None
    if found is None:
        return None
    code = getattr(found, "code", None) or (found if isinstance(found, str) else None)
    if not code:
        return None
    if len(code) == 25:
        return Match(code, code[:19], 0.9)
    if len(code) == 19:
        return Match(None, code, 0.45)
    return None
