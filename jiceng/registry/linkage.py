"""Probabilistic record linkage of people: which departments' records describe the same person.

A Fellegi–Sunter model with fixed agreement probabilities (m) and disagreement probabilities (u)
taken from the data itself (how common a name, a phone, a room is), so a shared 张伟 counts for less
than a shared 欧阳晓岚 and a shared family phone for less than a personal one:

- ID numbers: equal; one mistyped or two transposed digits (the checksum usually tells which is wrong);
  different.
- Names, pinyin-aware: equal; same pinyin (张伟/张玮, a homophone typed by an input method); one
  character different; different. Names are compared by character, never by UTF-8 byte.
- Phones: equal; one digit different; different.
- Addresses, once matched to the address library: same room; same building; different.

Candidate pairs come from blocking keys (ID thirds, phone, pinyin + birth date, pinyin + room,
pinyin + building, pinyin + phone tail), so a single typo in any one field never hides a pair.
Pairs are merged strongest first; two records with different valid ID numbers are never put in one
cluster, and a pair whose names share nothing is never merged on contact details alone (families
share phones and rooms). Scores are log2 Bayes factors; the match probability is 2^s / (1 + 2^s).

A second pass weighs equal and same-sounding names by how many people (first-pass clusters) carry
them rather than how many records, and never as rarer than the family name's and the characters'
shares predict (``PeopleNames``): a rare name shared by a thin record and a person with many records
counts as rare, 王敏 counts as common at any size of data.

Framework-free: ``jiceng link`` feeds it records from the database, the benchmark from generated files.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pypinyin import Style, lazy_pinyin

from jiceng.registry import cleaning

LINKED = "linked"
REVIEW = "review"
UNMATCHED = "unmatched"


@dataclass
class Thresholds:
    merge: float = 0.0  # merge clusters when the pair's score is at least this (p >= 0.5)
    review_low: float = -2.0  # pairs in [review_low, review_high) go to a grid worker
    review_high: float = 2.0
    attach: float = -2.0  # a record merged with nothing joins its only candidate cluster from this score
    max_block: int = 60  # larger blocks (a very common name in one big building) are skipped
    rescore_floor: float = -12.0  # pairs of equal or same-sounding names from here are scored again
    rescore_margin: float = 1.0  # ... and merged from merge + this (their weight is an estimate)
    # A record sharing only its name with its one candidate cluster joins it when fewer than this
    # many people are expected to have the name (PeopleNames.share × people)...
    thin_namesakes: float = 3.0
    # ...and a second row of one department when fewer than this many are.
    duplicate_namesakes: float = 0.1
    workers: int = 2  # processes scoring pairs; 2 matches the benchmark's 2 cores


@dataclass
class Record:
    """One department record of a person, already normalised by ``prepare``."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    room_code: str = ""
    building_code: str = ""
    # An address that fits several buildings: (building code, room code or "") of each; see fill_rooms.
    options: tuple[tuple[str, str], ...] = ()
    source: str = ""  # the department; a register has one row per person (see _attach_sole_candidates)
    # Filled in by prepare():
    pinyin: str = ""
    sound: str = ""  # the pinyin syllables in sorted order: 张伟 and 伟张 (order swapped) block together
    id_valid: bool = False
    birth: str = ""  # yyyymmdd read from the ID number, "" when unreadable
    sex: str = ""


@dataclass
class Result:
    cluster: list[int]  # cluster number of each record (the smallest record index in it)
    score: list[float]  # best pair score of each record with its cluster (or best candidate)
    status: list[str]
    review_pairs: list[tuple[int, int, float]] = field(default_factory=list)
    id_conflicts: list[tuple[int, int]] = field(default_factory=list)  # same valid ID, unrelated names
    pairs_scored: int = 0

    def probability(self, i: int) -> float:
        return probability(self.score[i])


def probability(score: float) -> float:
    if score > 50:
        return 1.0
    if score < -50:
        return 0.0
    return 2**score / (1 + 2**score)


def id_checksum_ok(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and cleaning.id_check_digit(number[:17]) == number[17]


def _birth(number: str) -> str:
    if len(number) != 18 or not number[6:14].isdigit():
        return ""
    y, m, d = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if 1880 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return number[6:14]
    return ""


_CHAR_PINYIN: dict[str, str] = {}


def _char_pinyin(ch: str) -> str:
    found = _CHAR_PINYIN.get(ch)
    if found is None:
        found = lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0] if ch.strip() else ""
        _CHAR_PINYIN[ch] = found
    return found


def name_pinyin(name: str) -> str:
    """Toneless pinyin by character (names are compared character by character, so no phrase context)."""
    return " ".join(_char_pinyin(ch) for ch in name)


def prepare(records: Sequence[Record]) -> None:
    # A name's spelling, pinyin and sound are worked out once per name as written, not per record.
    names: dict[str, tuple[str, str, str]] = {}
    numbers: dict[str, tuple[str, bool, str, str]] = {}
    phones: dict[str, str] = {}
    for r in records:
        found = names.get(r.name)
        if found is None:
            name = cleaning.clean_name(r.name)
            pinyin = name_pinyin(name) if name else ""
            found = names[r.name] = (name, pinyin, " ".join(sorted(pinyin.split())))
        r.name, r.pinyin, r.sound = found
        # Likewise an ID number (a person's records mostly carry the same one) and a phone.
        read = numbers.get(r.id_number)
        if read is None:
            number = cleaning.clean_id(r.id_number)[0]
            sex = ("M" if int(number[16]) % 2 else "F") if len(number) == 18 and number[16].isdigit() else ""
            read = numbers[r.id_number] = (number, id_checksum_ok(number), _birth(number), sex)
        r.id_number, r.id_valid, r.birth, r.sex = read
        phone = phones.get(r.phone)
        if phone is None:
            phone = phones[r.phone] = cleaning.clean_phone(r.phone)
        r.phone = phone


def _mobile(phone: str) -> bool:
    return len(phone) == 11 and phone[0] == "1"


def _one_off(a: str, b: str) -> bool:
    """Same length and one substitution, or one transposition of neighbouring characters."""
    if len(a) != len(b):
        return False
    # Most numbers compared differ in many places: one slip leaves one half of the number as it was
    # (or, for two characters swapped across the middle, all but those two). Slices compare in C.
    h = len(a) // 2
    if a[:h] != b[:h] and a[h:] != b[h:] and (a[: h - 1] != b[: h - 1] or a[h + 1 :] != b[h + 1 :]):
        return False
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diffs) == 1:
        return True
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a[diffs[0]] == b[diffs[1]]
        and a[diffs[1]] == b[diffs[0]]
    )


_NICK_PREFIXES = "阿小老"
# Two-character family names: 欧阳伟 and 欧阳明 share the family name only, not two of three characters.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "司徒",
        "东方",
        "慕容",
        "夏侯",
        "皇甫",
        "尉迟",
        "公孙",
        "长孙",
        "宇文",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "轩辕",
        "呼延",
        "闻人",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "太史",
        "申屠",
        "钟离",
        "赫连",
        "第五",
        "万俟",
        "百里",
        "东郭",
        "左丘",
    ]
)
FAMILY_ONLY = -1  # name level: the same family name and nothing else of the name in common


def _family_name(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _family_only(na: str, nb: str) -> bool:
    """张伟 / 张强, 欧阳伟 / 欧阳明: the same family name, and the given names share no character.
    Members of one household share the family name, the phone and the room, so such a pair says
    nothing about being one person."""
    fa = _family_name(na)
    if not fa or _family_name(nb) != fa:
        return False
    ga, gb = na[len(fa) :], nb[len(fa) :]
    return bool(ga) and bool(gb) and not set(ga) & set(gb)


def _nickname_form(name: str) -> bool:
    """阿伟, 小伟, 老王: a prefix and one character. Such a name says little about who it is."""
    return len(name) == 2 and name[0] in _NICK_PREFIXES


def _nickname_of(short: str, full: str) -> bool:
    """阿伟, 小伟 or 老王 for 张伟 / 王强 / 张建伟 / 伟张 (order swapped): a prefix and one character of
    the full name."""
    return _nickname_form(short) and len(full) >= 2 and short != full and short[1] in full


def _names_touch(na: str, nb: str) -> bool:
    """Names that do not contradict each other outright: a character in common (晟刘 for 刘晨, the
    order swapped and a character misread)."""
    return bool(set(na) & set(nb))


def _rotated(na: str, nb: str) -> bool:
    """伟张 for 张伟, 琪嘉秦 for 秦琪嘉: the same characters, the family name written after the given
    name."""
    return len(na) == len(nb) and len(na) >= 2 and na != nb and nb in na + na


def _name_level(a: Record, b: Record) -> int:
    """3 equal, 2 same pinyin (or the same characters with family and given name swapped), 1 one
    character different or missing, or a nickname of the other; 0 different; ``FAMILY_ONLY`` (−1)
    the same family name with given names that share nothing (张伟 / 张强: two people of a household)."""
    if a.name == b.name:
        return 3
    if a.pinyin == b.pinyin:
        return 2
    na, nb = a.name, b.name
    if len(na) == len(nb) and len(na) >= 2 and (nb in na + na or a.sound == b.sound):
        return 2  # 伟张 for 张伟: family and given name in the other order
    if _nickname_of(na, nb) or _nickname_of(nb, na):
        return 1
    if _family_only(na, nb):
        return FAMILY_ONLY
    if len(na) == len(nb):
        if sum(1 for x, y in zip(na, nb, strict=True) if x != y) == 1:
            return 1
        if len(na) >= 3 and sum((Counter(na) - Counter(nb)).values()) == 1:
            return 1  # order swapped and one character mistyped: 晓佳钱 / 钱晓住
        return 0
    if abs(len(na) - len(nb)) == 1:
        short, long_ = (na, nb) if len(na) < len(nb) else (nb, na)
        for i in range(len(long_)):
            if long_[:i] + long_[i + 1 :] == short:
                return 1
    return 0


class Model:
    """Agreement weights. m values are fixed (robust to unseen error patterns); u values are counted."""

    M_ID_EQ = 0.88
    M_ID_ONE = 0.07
    M_ID_DIFF = 0.05
    M_NAME = (0.004, 0.05, 0.07, 0.876)  # by level 0..3
    M_PHONE_EQ = 0.55
    M_PHONE_ONE = 0.04
    M_PHONE_PREFIX = 0.02
    M_PHONE_DIFF = 0.41
    M_ROOM_EQ = 0.6
    M_BUILDING_EQ = 0.12
    M_PLACE_DIFF = 0.28

    POPULATION = 10_000
    FAMILY_CAP = -3.0  # below the review band and the sole-candidate floor
    ROOM_GIVEN_PHONE = 0.5  # chance that two people sharing a phone share the room (a household)

    def __init__(self, records: Sequence[Record]) -> None:
        n = max(len(records), self.POPULATION)
        self.n = n
        self.names = Counter(r.name for r in records if r.name)
        self.pinyins = Counter(r.pinyin for r in records if r.pinyin)
        self.phones = Counter(r.phone for r in records if r.phone)
        self.rooms = Counter(r.room_code for r in records if r.room_code)
        self.buildings = Counter(r.building_code for r in records if r.building_code)
        self.ids = Counter(r.id_number for r in records if r.id_number)
        # A small batch is a sample of a district: frequencies are taken over at least POPULATION
        # records, or two records of one person would make their own name look common.
        floor = self.POPULATION
        self.n_names = max(sum(self.names.values()), floor)
        self.n_phones = max(sum(self.phones.values()), floor)
        self.n_places = max(sum(self.rooms.values()), floor)
        self.n_ids = max(sum(self.ids.values()), floor)
        self.surname_share = 0.02  # chance two random people share all but one character of a name
        self.family_share = 0.05  # chance two random people share the family name
        # Records per person, estimated from valid ID numbers. Frequencies count records, and one
        # person's own records must not make their name or phone look common.
        valid = [r.id_number for r in records if r.id_valid]
        self.per_person = max(1.0, len(valid) / max(len(set(valid)), 1))
        # Prior: (records per person − 1) true pairs per record among n²/2 random pairs.
        self.prior = math.log2(max(self.per_person - 1, 1.0) / n)
        self.tf_bonus = math.log2(self.per_person)
        # Agreement weights by kind, then by value (see _w); the kinds scored on most pairs are
        # looked up in score() directly.
        self._weights: dict[str, dict[str, float]] = {kind: {} for kind in "nyijpr"}
        self._by_name, self._by_pinyin = self._weights["n"], self._weights["y"]
        self._by_id, self._by_phone, self._by_room = (
            self._weights["i"],
            self._weights["p"],
            self._weights["r"],
        )
        # The weights that do not depend on the values compared, worked out once, not per pair.
        self._id_diff = math.log2(self.M_ID_DIFF)
        self._id_one_unchecked = math.log2(self.M_ID_ONE * self.n_ids / 40.0)
        self._name_one = math.log2(self.M_NAME[1] / self.surname_share)
        self._name_family = math.log2(self.M_NAME[1] / self.family_share)
        self._name_none = math.log2(self.M_NAME[0])
        self._phone_prefix = math.log2(self.M_PHONE_PREFIX * self.n_phones / 4.0)
        self._phone_one = math.log2(self.M_PHONE_ONE * self.n_phones / 20.0)
        self._phone_diff = math.log2(self.M_PHONE_DIFF)
        self._room_in_household = math.log2(self.M_ROOM_EQ / self.ROOM_GIVEN_PHONE)
        self._place_diff = math.log2(self.M_PLACE_DIFF)
        self._building: dict[str, float] = {}

    def _building_weight(self, code: str) -> float:
        found = self._building.get(code)
        if found is None:
            found = math.log2(self.M_BUILDING_EQ * self.n_places / max(self.buildings[code], 1))
            self._building[code] = found
        return found

    def _w(self, kind: str, value: str, numerator: float, counts: Counter[str]) -> float:
        """log2(m / u) + the per-person correction for an agreeing value, computed once per value."""
        table = self._weights[kind]
        found = table.get(value)
        if found is None:
            found = math.log2(numerator / max(counts[value], 1)) + self.tf_bonus
            table[value] = found
        return found

    def name_weight(self, a: Record, level: int) -> float:
        """The weight of names that are equal (level 3) or sound the same (level 2), from how many
        records carry them."""
        if level == 3:
            found = self._by_name.get(a.name)
            return self._w("n", a.name, self.M_NAME[3] * self.n_names, self.names) if found is None else found
        found = self._by_pinyin.get(a.pinyin)
        return self._w("y", a.pinyin, self.M_NAME[2] * self.n_names, self.pinyins) if found is None else found

    def rotated_weight(self, a: Record, b: Record) -> float:
        """The weight of a name written in the other order (琪嘉秦 / 秦琪嘉). A true pair is written so
        only as often as someone writes a name that way, and so is a false one (two people's names
        are rotations of each other only when one of them is written so): that rate cancels out, and
        the name weighs what it weighs written alike, counted in both spellings."""
        both = self.names[a.name] + self.names[b.name]
        return math.log2(self.M_NAME[3] * self.n_names / max(both, 1)) + self.tf_bonus

    def score(self, a: Record, b: Record) -> tuple[float, int, bool]:
        """(score, name level, both have valid and different ID numbers)."""
        s = self.prior
        id_conflict = False
        id_agrees = False  # equal, or one typo apart
        slip_from_valid = False  # one digit mistyped (or two transposed) against a valid number
        if a.id_number and b.id_number:
            id_agrees = True
            if a.id_number == b.id_number:
                w = self._by_id.get(a.id_number)
                s += self._w("i", a.id_number, self.M_ID_EQ * self.n_ids, self.ids) if w is None else w
            elif len(a.id_number) == 18 and a.id_number[:17] == b.id_number[:17] and a.id_valid != b.id_valid:
                # Only the check character differs and one side passes its check: the 17 digits that
                # carry the person (region, birth date, sequence) agree, so it counts almost as equal.
                valid = a.id_number if a.id_valid else b.id_number
                s += self._w("j", valid, self.M_ID_ONE * self.n_ids, self.ids)
            elif a.id_valid != b.id_valid and _one_off(a.id_number, b.id_number):
                # One digit mistyped (or two transposed) against a number that passes its check: one
                # slip explains the difference, and a valid number one slip away from another person's
                # mistyped one is rare (about one in ten of its neighbours passes the check).
                valid = a.id_number if a.id_valid else b.id_number
                s += self._w("j", valid, self.M_ID_ONE * self.n_ids, self.ids) - 2.0
                slip_from_valid = True
            elif not (a.id_valid and b.id_valid) and _one_off(a.id_number, b.id_number):
                s += self._id_one_unchecked
            else:
                id_agrees = False
                s += self._id_diff
                id_conflict = a.id_valid and b.id_valid
                if id_conflict:
                    s -= 6.0
        level = 0
        if a.name and b.name:
            level = _name_level(a, b)
            if level == 3 or (level == 2 and not _rotated(a.name, b.name)):
                s += self.name_weight(a, level)
            elif level == 2:
                s += self.rotated_weight(a, b)
            elif level == 1:
                s += self._name_one
            elif level == FAMILY_ONLY:
                s += self._name_family
            else:
                s += self._name_none
        else:
            level = 1
        phone_agrees = False
        if a.phone and b.phone:
            phone_agrees = a.phone == b.phone
            if a.phone == b.phone:
                w = self._by_phone.get(a.phone)
                s += self._w("p", a.phone, self.M_PHONE_EQ * self.n_phones, self.phones) if w is None else w
            elif len(a.phone) == 11 and a.phone[3:] == b.phone[3:]:
                # The same eight subscriber digits behind another prefix (138 → 188, 12x): a mistyped
                # prefix. Two people's numbers rarely share the last eight digits.
                s += self._phone_prefix
            elif _one_off(a.phone, b.phone):
                s += self._phone_one
            elif _mobile(a.phone) == _mobile(b.phone):
                s += self._phone_diff
            # else a landline and a mobile: one person has both, so they neither agree nor disagree
        if a.room_code and b.room_code:
            if a.room_code == b.room_code and phone_agrees and level == 1 and not id_agrees:
                # A household shares the phone and the room: for two records that already share a
                # phone, a shared room is what most non-matches have too (张梅斌 / 张斌, siblings).
                s += self._room_in_household
            elif a.room_code == b.room_code:
                w = self._by_room.get(a.room_code)
                s += self._w("r", a.room_code, self.M_ROOM_EQ * self.n_places, self.rooms) if w is None else w
            elif a.building_code and a.building_code == b.building_code:
                s += self._building_weight(a.building_code)
            else:
                s += self._place_diff
        elif a.building_code and a.building_code == b.building_code:
            s += self._building_weight(a.building_code)
        if (
            a.id_valid
            and a.id_number == b.id_number
            and (
                level != 0 or _names_touch(a.name, b.name) or _nickname_form(a.name) or _nickname_form(b.name)
            )
        ):
            # A shared ID number that passes its checksum, and names that do not contradict it (one
            # missing, a nickname, a typo, a character in common): the same person, whatever else
            # is missing. A nickname (小海, 阿住) says nothing against any full name.
            s = max(s, 3.0)
        elif slip_from_valid and level >= 1 and a.name and b.name and not id_conflict:
            # One keystroke from a number that passes its check, and names that agree as far as they
            # are written (equal, same sound, a nickname, one character off): the mistyped number is
            # that person's. Not for names sharing only the family name (a sibling, a twin).
            s = max(s, 0.5)
        elif level == 0:
            # Names that share nothing are another person of the household or a wrong ID: never a
            # match on contact details alone.
            s = min(s, -6.0 if not (a.id_number and a.id_number == b.id_number) else -1.0)
        elif level == FAMILY_ONLY and not id_agrees:
            # Only the family name in common, as in a household sharing a phone and a room: never a
            # match on contact details alone (nor a thin record's sole candidate, nor a doubt to review).
            s = min(s, self.FAMILY_CAP)
        return s, level, id_conflict


def _keys(r: Record) -> list[str]:
    keys: list[str] = []
    idn = r.id_number
    if len(idn) == 18:
        # Each key survives a typo in the part it leaves out. The region + birth date key also takes
        # the name's first letter: alone it puts everyone born on one day in one county together.
        keys += ["a" + idn[:12] + r.sound[:1], "b" + idn[6:], "c" + idn[:6] + idn[12:]]
        # Region and birth date without the name: a typo in the sequence digits and a nickname
        # together (阿桂 / 贾嘉桂). A block past max_block (a common day in one county) still pairs
        # the records that agree on the first 17 digits: a wrong check character alone (and a
        # nickname) hides nothing.
        keys.append("e" + idn[:14])
    elif idn:
        keys.append("i" + idn)
    if r.phone:
        keys.append("p" + r.phone)
        if len(r.phone) == 11:
            # The subscriber's eight digits: a mistyped prefix (138 → 188, 12x) keeps them.
            keys.append("q" + r.phone[3:])
    if r.room_code:
        # The people of one room: a nickname or a mistyped character with nothing else in common.
        keys.append("R" + r.room_code)
    if r.sound:
        keys.append("N" + r.sound)  # only kept when the name is rare (see RARE_BLOCK)
        if r.birth:
            keys.append("n" + r.sound + r.birth)
        if r.room_code:
            keys.append("r" + r.sound + r.room_code)
        if r.building_code:
            keys.append("g" + r.sound + r.building_code)
        if len(r.phone) >= 7:
            keys.append("t" + r.sound + r.phone[-4:])
            keys.append("h" + r.sound + r.phone[:7])
    return keys


class _Clusters:
    def __init__(self, records: Sequence[Record]) -> None:
        self.parent = list(range(len(records)))
        self.count = len(records)  # clusters (people) so far
        # The valid ID numbers of each cluster: two different ones never share a cluster.
        self.ids: dict[int, set[str]] = {
            i: {r.id_number} for i, r in enumerate(records) if r.id_valid and r.id_number
        }

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ia, ib = self.ids.get(ra), self.ids.get(rb)
        if ia and ib and ia != ib:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.count -= 1
        merged = (ia or set()) | (ib or set())
        if merged:
            self.ids[ra] = merged
        self.ids.pop(rb, None)
        return True


RARE_BLOCK = 8  # a name alone is a blocking key only when at most this many records carry it


def candidate_pairs(records: Sequence[Record], max_block: int) -> set[int]:
    """Pairs sharing a blocking key, each encoded as ``a * n + b`` with a < b (ints hash fast)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        for key in _keys(r):
            blocks[key].append(i)
    n = len(records)
    pairs: set[int] = set()
    add = pairs.add
    for key, members in blocks.items():
        size = len(members)
        if key[0] == "N" and size > RARE_BLOCK:
            # Too many records sound alike to pair them all: the name as written still pairs its
            # records when it is rare (王新利 among 王欣莉, 王鑫丽…).
            _pair_within(pairs, n, members, [records[m].name for m in members], RARE_BLOCK)
            continue
        if key[0] == "e" and size > max_block:
            _pair_within(pairs, n, members, [records[m].id_number[:17] for m in members], max_block)
            continue
        if size < 2 or size > (RARE_BLOCK if key[0] == "N" else max_block):
            continue
        # Members are in record order already (appended as the records were walked).
        if key[0] == "R":
            # A room's records pair only where one side has no valid ID number (two valid numbers
            # find each other by their own keys) and the names share a character or one is missing:
            # the rest of the household need not be scored.
            valid = [records[m].id_valid for m in members]
            chars = [set(records[m].name) for m in members]
            for x in range(size):
                base, valid_x, chars_x = members[x] * n, valid[x], chars[x]
                for y in range(x + 1, size):
                    if not (valid_x and valid[y]) and (not chars_x or not chars[y] or chars_x & chars[y]):
                        add(base + members[y])
            continue
        if size == 2:
            add(members[0] * n + members[1])  # most blocks: no generator for one pair
        else:
            pairs.update(a * n + b for a, b in combinations(members, 2))
    return pairs


def _pair_within(pairs: set[int], n: int, members: list[int], keys: list[str], most: int) -> None:
    """Add the pairs of a block too large to pair whole, among the members that share a finer key
    (``keys``, one per member), where at most ``most`` share it."""
    groups: dict[str, list[int]] = defaultdict(list)
    for m, key in zip(members, keys, strict=True):
        groups[key].append(m)
    for group in groups.values():
        if 2 <= len(group) <= most:
            pairs.update(a * n + b for a, b in combinations(sorted(group), 2))


class PeopleNames:
    """How common a name is among people rather than records, once a first clustering has counted
    people, for names that are equal or sound the same.

    Record counts make a person's own name look common in proportion to how many records the person
    has (李霖安 in six departments). Here a name's frequency is the number of clusters other than the
    pair's own two that carry it, and never less than what its parts predict: the family name's
    share times each given-name character's share (by character for equal names, by syllable for
    names that sound the same). So two records sharing only a rare full name count for much, and
    张伟 or 王敏, which many people of a district have, count for little, whatever the data's size."""

    def __init__(
        self,
        records: Sequence[Record],
        clusters: _Clusters,
        floor: float,
        names: Counter[str],
        wanted: set[str],
    ) -> None:
        """``names``: how many records carry each name; ``wanted``: the names (and sounds) whose
        number of people is asked for."""
        families: Counter[str] = Counter()
        lengths: Counter[int] = Counter()
        chars: Counter[str] = Counter()
        family_sounds: Counter[str] = Counter()
        syllables: Counter[str] = Counter()
        for name, count in names.items():
            family = _family_name(name)
            given = name[len(family) :]
            families[family] += count
            lengths[len(given)] += count
            for ch in given:
                chars[ch] += count
            parts = [_char_pinyin(ch) for ch in name]
            if all(parts):
                family_sounds[" ".join(parts[: len(family)])] += count
                for syllable in parts[len(family) :]:
                    syllables[syllable] += count
        find = clusters.find
        spelled = {(find(i), r.name) for i, r in enumerate(records) if r.name in wanted}
        sounded = {(find(i), r.sound) for i, r in enumerate(records) if r.sound in wanted}
        self.families, self.lengths, self.chars = families, lengths, chars
        self.family_sounds, self.syllables = family_sounds, syllables
        self.n_named = max(sum(families.values()), 1)
        self.n_chars = sum(chars.values())
        self.n_syllables = sum(syllables.values())
        self.name_people = Counter(name for _root, name in spelled)
        self.sound_people = Counter(sound for _root, sound in sounded)
        self.n_people = max(clusters.count, floor)
        self._shares: dict[tuple[int, str], float] = {}

    def share(self, r: Record, level: int) -> float:
        """The expected share of people with this name (level 3) or its sound (level 2), from its parts."""
        key = (level, r.name)
        found = self._shares.get(key)
        if found is not None:
            return found
        family = _family_name(r.name)
        given = r.name[len(family) :]
        p = (self.lengths[len(given)] + 1) / (self.n_named + 4)
        parts = r.pinyin.split()
        if level == 2 and len(parts) == len(r.name):
            p *= (self.family_sounds[" ".join(parts[: len(family)])] + 1) / (self.n_named + 100)
            for syllable in parts[len(family) :]:
                p *= (self.syllables[syllable] + 1) / (self.n_syllables + 400)
        else:
            p *= (self.families[family] + 1) / (self.n_named + 100)
            for ch in given:
                p *= (self.chars[ch] + 1) / (self.n_chars + 1000)
        self._shares[key] = p
        return p

    def rotated_weight(self, a: Record, b: Record) -> float:
        """log2(m / u) for a name and the same name written in the other order (see
        ``Model.rotated_weight``): as for equal names, the share taken from whichever spelling's
        parts predict more people (the one with the family name first)."""
        u = max((self.sound_people[a.sound] - 2) / self.n_people, self.share(a, 3), self.share(b, 3))
        return math.log2(Model.M_NAME[3] / u)

    def weight(self, r: Record, level: int) -> float:
        """log2(m / u) for a pair of records in two different clusters whose names are equal (3) or
        sound the same (2)."""
        people = self.name_people[r.name] if level == 3 else self.sound_people[r.sound]
        u = max((people - 2) / self.n_people, self.share(r, level))
        return math.log2(Model.M_NAME[level] / u)


@dataclass
class _Scored:
    """What scoring a run of pairs leaves: each record's best score, the pairs to merge, the pairs
    to review and the ID-number conflicts. Built in the workers, so the parent never walks every
    pair again."""

    best: array[float]
    merge: list[tuple[float, int, int]]
    review: list[tuple[int, int, float]]
    conflicts: list[tuple[int, int]]
    # Pairs below the merge threshold whose names are equal or sound the same: (a, b, level, score),
    # scored again once clusters tell how many people carry the name (see PeopleNames).
    names: list[tuple[int, int, int, float]] = field(default_factory=list)


_WORK: tuple[Sequence[Record], Model, list[int], Thresholds] | None = None


def _score_chunk(bounds: tuple[int, int]) -> _Scored:
    assert _WORK is not None
    records, model, pairs, t = _WORK
    n = len(records)
    best = array("d", [-99.0]) * n
    merge: list[tuple[float, int, int]] = []
    review: list[tuple[int, int, float]] = []
    conflicts: list[tuple[int, int]] = []
    names: list[tuple[int, int, int, float]] = []
    score = model.score
    threshold, low, high = t.merge, t.review_low, t.review_high
    floor = t.rescore_floor
    for code in pairs[bounds[0] : bounds[1]]:
        a, b = divmod(code, n)
        ra, rb = records[a], records[b]
        s, level, _c = score(ra, rb)
        if s > best[a]:
            best[a] = s
        if s > best[b]:
            best[b] = s
        if s >= threshold:
            merge.append((s, a, b))
        elif level >= 2 and s >= floor:
            names.append((a, b, level, s))
        if level == 0 and ra.id_valid and ra.id_number == rb.id_number and s < threshold:
            conflicts.append((a, b))  # two people claiming one ID number
        elif low <= s < high:
            review.append((a, b, s))
    return _Scored(best, merge, review, conflicts, names)


def score_pairs(records: Sequence[Record], model: Model, pairs: list[int], t: Thresholds) -> _Scored:
    """Score every pair; in ``t.workers`` forked processes when there are many (the model is read-only)."""
    global _WORK
    _WORK = (records, model, pairs, t)
    try:
        # Forking the workers and sending their results back costs more than it saves below about
        # a million pairs (100 K records make about 220 K).
        if t.workers <= 1 or len(pairs) < 1_000_000:
            return _score_chunk((0, len(pairs)))
        import multiprocessing

        step = -(-len(pairs) // t.workers)
        chunks = [(i, min(i + step, len(pairs))) for i in range(0, len(pairs), step)]
        with multiprocessing.get_context("fork").Pool(t.workers) as pool:
            parts = pool.map(_score_chunk, chunks)
        out = parts[0]
        for part in parts[1:]:
            out.best = array("d", map(max, out.best, part.best))
            out.merge += part.merge
            out.review += part.review
            out.conflicts += part.conflicts
            out.names += part.names
        return out
    finally:
        _WORK = None


def _beyond_name(a: Record, b: Record) -> bool:
    """Whether two records agree on anything but the name (an ID number or phone equal or one typo
    apart, the same room or building)."""
    if (
        a.id_number
        and b.id_number
        and (
            a.id_number == b.id_number
            or a.id_number[:17] == b.id_number[:17]
            or _one_off(a.id_number, b.id_number)
        )
    ):
        return True
    if (
        a.phone
        and b.phone
        and (
            a.phone == b.phone
            or (len(a.phone) == 11 and a.phone[3:] == b.phone[3:])
            or _one_off(a.phone, b.phone)
        )
    ):
        return True
    return bool(a.building_code and a.building_code == b.building_code)


def _spellings(r: Record, near: list[int], records: Sequence[Record]) -> list[Record]:
    """``r`` and the candidates whose name is ``r``'s written in the other order: how many people
    have the name is judged by the spelling that predicts more."""
    return [r, *(records[o] for o in near if _rotated(r.name, records[o].name))]


def _lone_group(
    i: int,
    near: dict[int, list[int]],
    records: Sequence[Record],
    clusters: _Clusters,
    people: PeopleNames,
    namesakes: float,
) -> bool:
    """Whether record ``i`` (alone in its cluster) and its doubtful candidates are all lone records
    of the same name, from different departments, whose only doubtful candidates are one another,
    and they share more than the name or fewer than ``namesakes`` people are expected to have it."""
    group = {i, *near[i]}
    r = records[i]
    if len({records[x].source for x in group}) != len(group) or not all(records[x].source for x in group):
        return False
    for x in group:
        if records[x].name != r.name or clusters.find(x) != x or not set(near[x]) <= group:
            return False
    if any(_beyond_name(records[x], records[y]) for x in group for y in near[x]):
        return True
    return people.n_people * people.share(r, 3) <= namesakes


def _attach_sole_candidates(
    records: Sequence[Record],
    clusters: _Clusters,
    review: list[tuple[int, int, float]],
    floor: float,
    people: PeopleNames,
    namesakes: float,
) -> None:
    """A record that merged with nothing and whose every doubtful candidate (score >= ``floor``) lies in
    one cluster joins it. Such a record is thin (a name and one field, the rest missing): its score
    stays low because little was written, not because anything disagrees, and there is no other
    person it could be. Two plausible people → it stays for review. It stays alone too when

    - that cluster already holds a record of the same department (a department's register has one
      row per person, so a second row with the name is more likely a namesake), or
    - it shares only the name with the cluster and the name has two characters (王丽, 张伟: a family
      name and one character are shared by many people, most of them not in the data)."""
    near: dict[int, list[int]] = defaultdict(list)
    for a, b, s in review:
        if s >= floor:
            near[a].append(b)
            near[b].append(a)
    sizes = Counter(clusters.find(i) for i in range(len(records)))
    sources: dict[int, set[str]] = defaultdict(set)
    for i, r in enumerate(records):
        if r.source:
            sources[clusters.find(i)].add(r.source)
    for i in [i for i in near if sizes[clusters.find(i)] == 1]:
        roots = {clusters.find(o) for o in near[i]}
        roots.discard(clusters.find(i))
        if len(roots) > 1:
            # Another lone record that is itself a candidate of the same cluster is a second thin
            # record of that person, not a second person: it does not make the choice doubtful.
            larger = {x for x in roots if sizes[x] > 1}
            if len(larger) == 1:
                (big,) = larger
                if all(
                    any(clusters.find(o) == big for o in near[x])
                    for x in [o for o in near[i] if sizes[clusters.find(o)] == 1]
                ):
                    roots = larger
            elif not larger and _lone_group(i, near, records, clusters, people, namesakes):
                # Lone records of one name from as many departments, each the others' only
                # candidates, and a name few people are expected to have: one person written thinly.
                for o in near[i]:
                    clusters.union(i, o)
                root = clusters.find(i)
                sizes[root] = 1 + len(near[i])
                sources[root] = {records[x].source for x in (i, *near[i])}
                continue
        if len(roots) != 1:
            continue
        root = roots.pop()
        r = records[i]
        if r.source and r.source in sources[root]:
            continue
        if (
            not any(_beyond_name(r, records[o]) for o in near[i])
            and people.n_people * max(people.share(x, 3) for x in _spellings(r, near[i], records)) > namesakes
        ):
            continue
        clusters.union(i, root)
        root = clusters.find(i)
        sources[root] |= sources[i] | {r.source} - {""}
        sizes[root] += 1


def _rescore_names(
    records: Sequence[Record],
    model: Model,
    clusters: _Clusters,
    pairs: list[tuple[int, int, int, float]],
    review: list[tuple[int, int, float]],
    best: list[float],
    t: Thresholds,
) -> tuple[list[tuple[int, int, float]], PeopleNames]:
    """Second pass: pairs of equal or same-sounding names still in two clusters, their name weighed by
    how many people (clusters) carry it instead of how many records (``PeopleNames``). Pairs that now
    reach the merge threshold are merged strongest first (never two valid ID numbers in one cluster);
    the review list is returned with the new scores."""
    wanted = {records[a].name for a, _b, level, _s in pairs if level == 3}
    wanted |= {records[a].sound for a, _b, level, _s in pairs if level == 2}
    people = PeopleNames(records, clusters, model.POPULATION / model.per_person, model.names, wanted)
    again: dict[tuple[int, int], float] = {}
    merge: list[tuple[float, int, int]] = []
    for a, b, level, s in pairs:
        if clusters.find(a) == clusters.find(b):
            continue
        ra, rb = records[a], records[b]
        if level == 2 and _rotated(ra.name, rb.name):
            s2 = s - model.rotated_weight(ra, rb) + people.rotated_weight(ra, rb)
        else:
            s2 = s - model.name_weight(ra, level) + people.weight(ra, level)
        again[(a, b)] = s2
        best[a] = max(best[a], s2)
        best[b] = max(best[b], s2)
        if s2 >= t.merge + t.rescore_margin:
            merge.append((s2, a, b))
    merge.sort(reverse=True)
    sources: dict[int, set[str]] = defaultdict(set)
    if merge:
        for i, r in enumerate(records):
            if r.source:
                sources[clusters.find(i)].add(r.source)
    for _s, a, b in merge:
        ra, rb = records[a], records[b]
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b:
            continue
        if (
            not _beyond_name(ra, rb)
            and sources[root_a] & sources[root_b]
            and people.n_people * max(people.share(ra, 3), people.share(rb, 3)) > t.duplicate_namesakes
        ):
            # Only the name in common, and one department on both sides: a register holds one row
            # per person, so unless almost nobody else is expected to have the name, that is more
            # likely a namesake than a duplicate row (left to review).
            continue
        if clusters.union(a, b):
            root = clusters.find(a)
            sources[root] = sources.pop(root_a, set()) | sources.pop(root_b, set())
    out = [(a, b, again.pop((a, b), s)) for a, b, s in review]
    out += [(a, b, s) for (a, b), s in again.items()]
    return [(a, b, s) for a, b, s in out if t.review_low <= s < t.review_high], people


def link(records: Sequence[Record], thresholds: Thresholds | None = None) -> Result:
    """Cluster ``records`` into people. Mutates the records (normalisation)."""
    # Linkage builds millions of small objects (blocking keys, blocks, pairs) and no reference
    # cycles: the cyclic collector would walk every live object again and again for nothing (about
    # a third of the linker's time at 100 K records). Reference counting still frees everything.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _link(records, thresholds or Thresholds())
    finally:
        if collecting:
            gc.enable()


def _link(records: Sequence[Record], t: Thresholds) -> Result:
    prepare(records)
    model = Model(records)
    pairs = list(candidate_pairs(records, t.max_block))
    scored_pairs = score_pairs(records, model, pairs, t)
    best = scored_pairs.best.tolist()
    scored = scored_pairs.merge
    review = scored_pairs.review
    conflicts = scored_pairs.conflicts
    scored.sort(reverse=True)
    clusters = _Clusters(records)
    for _s, a, b in scored:
        if not clusters.union(a, b):
            conflicts.append((a, b))
    review, people = _rescore_names(records, model, clusters, scored_pairs.names, review, best, t)
    _attach_sole_candidates(records, clusters, review, t.attach, people, t.thin_namesakes)
    cluster = [clusters.find(i) for i in range(len(records))]
    sizes = Counter(cluster)
    status = []
    for i, r in enumerate(records):
        if t.review_low <= best[i] < t.review_high:
            status.append(REVIEW)
        elif sizes[cluster[i]] > 1 or r.id_valid:
            status.append(LINKED)
        else:
            status.append(UNMATCHED)
    return Result(
        cluster=cluster,
        score=best,
        status=status,
        # Only doubts that decide where a record goes become tasks, not every weak pair.
        review_pairs=[(a, b, s) for a, b, s in review if s >= best[a] or s >= best[b]],
        id_conflicts=conflicts,
        pairs_scored=len(pairs),
    )


def fill_rooms(records: Sequence[Record], result: Result) -> list[str]:
    """Each record's room, completed from its person and household. Records whose own address gave
    a room keep it. Otherwise, in this order:

    - an address that fits several buildings (``Record.options``: an estate and building number
      found on several roads, written without the road) is the one building among them where the
      person's other records are;
    - an address that names the building but not the room ("12栋") takes the room the person's other
      records give in that building (the most frequent one);
    - failing that, the one room in that building where records sharing the person's phone numbers
      (the household's phone) are.
    """
    cluster = result.cluster
    rooms_of: dict[int, Counter[str]] = defaultdict(Counter)
    buildings_of: dict[int, set[str]] = defaultdict(set)
    phones_of: dict[int, set[str]] = defaultdict(set)
    rooms_by_phone: dict[str, set[str]] = defaultdict(set)
    for i, r in enumerate(records):
        if r.room_code:
            rooms_of[cluster[i]][r.room_code] += 1
        if r.building_code:
            buildings_of[cluster[i]].add(r.building_code)
        if r.phone:
            phones_of[cluster[i]].add(r.phone)
            if r.room_code:
                rooms_by_phone[r.phone].add(r.room_code)
    out = []
    for i, r in enumerate(records):
        room, building = r.room_code, r.building_code
        if not room and not building and r.options:
            mine = buildings_of[cluster[i]] - {""}
            fitting = [(b, rm) for b, rm in r.options if b in mine]
            if len(fitting) == 1:
                building, room = fitting[0]
        if not room and building:
            found = [(n, code) for code, n in rooms_of[cluster[i]].items() if code[:19] == building]
            if found:
                room = max(found)[1]
            else:
                household = {
                    code
                    for phone in phones_of[cluster[i]]
                    for code in rooms_by_phone.get(phone, ())
                    if code[:19] == building
                }
                if len(household) == 1:
                    room = household.pop()
        out.append(room)
    return out


def pairwise_quality(predicted: Sequence[int | str], truth: Sequence[int | str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true one."""

    def pairs_in(labels: Sequence[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in Counter(labels).values())

    true_pairs = pairs_in(truth)
    predicted_pairs = pairs_in(predicted)
    both = pairs_in(list(zip(predicted, truth, strict=True)))
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true_pairs}
