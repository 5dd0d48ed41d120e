"""Synthetic departments' records with known truth, for ``jiceng generate``, the demo and the benchmark.

A population lives in households in the rooms of an address library; five departments each hold
records of part of it, with the errors real exports have: homophones typed by an input method
(张伟 → 张玮), mistyped characters, a mistyped or transposed ID digit, missing ID numbers and phones,
shared family phones, changed phones, people who moved, and every way of writing an address.
``PROFILES`` sets the error rates; "alt" is a second pattern (traditional characters, more missing
IDs, more moves) to check that linkage does not depend on one pattern.

Framework-free (no Django) so the benchmark can generate millions of records quickly.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric, uscc

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚"
    "卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
)
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国玉文辉鹏飞红林斌宇浩凯俊帆婷雪琳晨欣怡子轩梓涵睿博嘉佳"
    "鑫晓海志春梅兰凤云龙宏峰波亮成东荣新萍燕慧颖莉倩琴丹蕾萌洁瑶璐悦彤淑珍德福安乐永祥泽宁翔鸿铭豪健康诗雨思"
    "梦媛晶玲秋菊霖旭阳光振兴家和顺利金银铁山水清远方正义礼智信忠孝仁勤俭朴"
)
# Extra characters people's names are mistyped into: same pinyin, different character.
HOMOPHONE_POOL = (
    GIVEN + "玮维薇卫炜纬蔚为威微巍尉娥蛾鹅莹瑛樱鹰应盈赢嬴营荧萤影颖映硬婧靖敬镜境竞竟净菁晶京经精井景警"
)
TRADITIONAL = dict(
    zip(
        "张刘陈杨黄赵吴孙马郑谢邓冯韩萧许东华国伟丽军兰凤龙红辉鹏飞涛杰",
        "張劉陳楊黃趙吳孫馬鄭謝鄧馮韓蕭許東華國偉麗軍蘭鳳龍紅輝鵬飛濤傑",
        strict=True,
    )
)

REGIONS = [
    "440306", "440306", "440306", "440304", "440305", "440307", "441302", "441581", "445202",
    "430524", "430521", "360731", "362502", "450881", "452501", "510722", "511321", "420922",
    "410526", "350583", "440823", "440882", "441223", "431081",
]  # fmt: skip

STREETS = [
    ("001", "新安街道", ["海裕社区", "上川社区", "灵芝社区", "布心社区"]),
    ("002", "西乡街道", ["固戍社区", "盐田社区", "河西社区"]),
    ("003", "航城街道", ["黄田社区", "鹤洲社区", "三围社区"]),
    ("004", "福永街道", ["福围社区", "桥头社区"]),
    ("005", "沙井街道", ["沙一社区", "万丰社区", "后亭社区"]),
]
ROADS = [
    "宝城路", "新湖路", "创业一路", "建安路", "宝民路", "新安6路", "107国道", "宝安大道", "兴华路", "裕安路",
    "前进路", "航城大道", "福海路", "沙井路", "西乡大道", "固戍一路", "新城大道", "公园路", "翻身路", "海城路",
]  # fmt: skip
VILLAGES = ["固戍一村", "上合村", "黄田村", "鹤洲村", "沙一村", "后亭村", "三围村", "桥头村"]
# Road aliases people write (see addressing.ALIASES): library name → what a department writes.
ROAD_WRITTEN = {
    "107国道": ["广深公路", "107国道"],
    "新安6路": ["新安六路", "新安6路"],
    "宝安大道": ["宝安大道辅道", "宝安大道"],
}

SOURCES = {
    # name: (coverage, P(id present), P(phone present), P(address present))
    "公安": (0.85, 0.97, 0.5, 0.95),
    "人社": (0.55, 0.93, 0.8, 0.4),
    "卫健": (0.6, 0.6, 0.9, 0.6),
    "民政": (0.25, 0.9, 0.6, 0.9),
    "住建": (0.5, 0.8, 0.9, 1.0),
}

PROFILES: dict[str, dict[str, float]] = {
    "default": {
        "homophone": 0.05, "typo": 0.03, "drop_char": 0.005, "traditional": 0.0,
        "id_sub": 0.03, "id_swap": 0.015, "id_missing_extra": 0.0,
        "phone_typo": 0.03, "phone_changed": 0.08, "moved": 0.05, "addr_typo": 0.04,
        "addr_no_room": 0.04, "duplicate": 0.05, "fullwidth": 0.15, "cn_numeral": 0.15,
    },
    "alt": {
        "homophone": 0.08, "typo": 0.02, "drop_char": 0.01, "traditional": 0.05,
        "id_sub": 0.05, "id_swap": 0.02, "id_missing_extra": 0.15,
        "phone_typo": 0.05, "phone_changed": 0.15, "moved": 0.1, "addr_typo": 0.08,
        "addr_no_room": 0.08, "duplicate": 0.1, "fullwidth": 0.3, "cn_numeral": 0.3,
    },
}  # fmt: skip

CARE_TAGS = ("独居老人", "残障", "留守儿童", "高龄")


@dataclass
class BuildingSpec:
    code: str
    address: str
    street: str = ""
    community: str = ""
    road: str = ""  # "宝城路12号" or "固戍一村3巷5号"
    block: str = ""  # building number, "" for a village house
    rooms: list[tuple[str, str, int]] = field(default_factory=list)  # (room code, room_no, floor)


@dataclass
class PersonSpec:
    pid: int
    name: str
    id_number: str
    phone: str
    birth_year: int
    room: tuple[str, str]  # (room code, building code)
    old_room: tuple[str, str] | None = None
    care: tuple[str, ...] = ()


def make_id(rng: random.Random, birth_year: int, male: bool) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"{rng.choice(REGIONS)}{birth_year:04d}{month:02d}{day:02d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(rng: random.Random) -> str:
    body = "91440306" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "177",
    "180",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
]


def make_phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


# Bao'an's proportions: about 29,000 rooms per community and 900 rooms per grid (3.6 M rooms, about
# 124 communities, about 4,000 grids). Small libraries keep the named communities and four grids each.
ROOMS_PER_COMMUNITY = 29_000
ROOMS_PER_GRID = 900


def district_communities(rooms_wanted: int) -> list[tuple[str, str, str]]:
    """``(code, street name, community name)``: the named communities, then numbered ones spread over
    the streets until there are enough for ``rooms_wanted`` rooms at Bao'an's proportions."""
    out = [
        (f"440306{s_code}{c + 1:03d}", s_name, c_name)
        for s_code, s_name, cs in STREETS
        for c, c_name in enumerate(cs)
    ]
    wanted = -(-rooms_wanted // ROOMS_PER_COMMUNITY)
    extra = 0
    while len(out) < wanted:
        s_code, s_name, cs = STREETS[extra % len(STREETS)]
        n = len(cs) + 1 + extra // len(STREETS)
        out.append((f"440306{s_code}{n:03d}", s_name, f"第{n}社区"))
        extra += 1
    return out


def grids_per_community(rooms_wanted: int, communities: int) -> int:
    return max(4, min(99, -(-rooms_wanted // (communities * ROOMS_PER_GRID))))


def address_library(rooms_wanted: int, seed: int = 7) -> list[BuildingSpec]:
    """Buildings and rooms of a synthetic district, about ``rooms_wanted`` rooms in all."""
    rng = random.Random(seed)
    buildings: list[BuildingSpec] = []
    communities = [(code, street, name) for code, street, name in district_communities(rooms_wanted)]
    per_community = grids_per_community(rooms_wanted, len(communities))
    seq: dict[str, int] = defaultdict(int)
    used: set[str] = set()
    total = 0
    while total < rooms_wanted:
        community_code, street, community = rng.choice(communities)
        grid = community_code + f"{rng.randint(1, per_community):02d}"
        seq[grid] += 1
        code = grid + f"{seq[grid]:05d}"
        if rng.random() < 0.3:
            road = f"{rng.choice(VILLAGES)}{rng.randint(1, 12)}巷{rng.randint(1, 40)}号"
            block = ""
            floors, per_floor = rng.randint(3, 8), rng.randint(2, 4)
        else:
            road = f"{rng.choice(ROADS)}{rng.randint(1, 300)}号"
            block = str(rng.randint(1, 12))
            floors, per_floor = rng.randint(6, 33), rng.randint(2, 8)
        key = road + block
        if key in used:
            continue
        used.add(key)
        address = f"深圳市宝安区{street}{community}{road}{block + '栋' if block else ''}"
        spec = BuildingSpec(code, address, street, community, road, block)
        for floor in range(1, floors + 1):
            for k in range(1, per_floor + 1):
                spec.rooms.append((f"{code}{floor:03d}{k:03d}", f"{floor}{k:02d}", floor))
        total += len(spec.rooms)
        buildings.append(spec)
    return buildings


def library_from_rows(
    buildings: Iterable[tuple[str, str]], rooms: Iterable[tuple[str, str, int]]
) -> list[BuildingSpec]:
    """An address library read from the places files or tables: (code, address), (code, room_no, floor)."""
    specs = {code: BuildingSpec(code, address) for code, address in buildings}
    for code, room_no, floor in rooms:
        spec = specs.get(code[:19])
        if spec is not None:
            spec.rooms.append((code, room_no, floor))
    return [s for s in specs.values() if s.rooms]


def population(library: list[BuildingSpec], people: int, seed: int = 11) -> list[PersonSpec]:
    rng = random.Random(seed)
    all_rooms = [(code, b.code) for b in library for code, _, _ in b.rooms]
    rng.shuffle(all_rooms)
    surname_weights = [1 / (i + 1) ** 0.9 for i in range(len(SURNAMES))]
    persons: list[PersonSpec] = []
    room_iter = iter(all_rooms * (1 + people // max(len(all_rooms), 1)))
    while len(persons) < people:
        room = next(room_iter)
        surname = (
            rng.choices(SURNAMES, surname_weights)[0]
            if rng.random() > 0.01
            else rng.choice(COMPOUND_SURNAMES)
        )
        size = rng.choices([1, 2, 3, 4, 5], [0.25, 0.25, 0.25, 0.17, 0.08])[0]
        family_phone = make_phone(rng)
        for member in range(size):
            if len(persons) >= people:
                break
            age = rng.randint(20, 60) if member < 2 else rng.choice([rng.randint(0, 17), rng.randint(60, 95)])
            if size == 1 and rng.random() < 0.2:
                age = rng.randint(65, 95)
            male = rng.random() < 0.5
            own = surname if member != 1 else rng.choices(SURNAMES, surname_weights)[0]
            given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
            phone = (
                family_phone
                if (member == 0 or age < 16 or (age > 70 and rng.random() < 0.6))
                else make_phone(rng)
            )
            care: list[str] = []
            if age >= 80:
                care.append("高龄")
            if size == 1 and age >= 65:
                care.append("独居老人")
            if age < 16 and rng.random() < 0.05:
                care.append("留守儿童")
            if rng.random() < 0.02:
                care.append("残障")
            old = None
            if rng.random() < 0.15:
                old = all_rooms[rng.randrange(len(all_rooms))]
            persons.append(
                PersonSpec(
                    len(persons),
                    own + given,
                    make_id(rng, 2026 - age, male),
                    phone,
                    2026 - age,
                    room,
                    old,
                    tuple(care),
                )
            )
    return persons


def _homophones() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for ch in dict.fromkeys(HOMOPHONE_POOL):
        groups[lazy_pinyin(ch, style=Style.NORMAL)[0]].append(ch)
    return {ch: [o for o in chars if o != ch] for chars in groups.values() for ch in chars if len(chars) > 1}


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return "".join(CN_DIGITS[int(d)] for d in str(n))


class Writer:
    """Renders a person as one department's record, with that department's gaps and errors."""

    def __init__(self, library: list[BuildingSpec], profile: str = "default", seed: int = 23) -> None:
        self.rng = random.Random(seed)
        self.p = PROFILES[profile]
        self.homophones = _homophones()
        self.rooms: dict[str, tuple[BuildingSpec, str]] = {}
        for b in library:
            for code, room_no, _ in b.rooms:
                self.rooms[code] = (b, room_no)

    def name(self, name: str) -> str:
        rng, p = self.rng, self.p
        chars = list(name)
        r = rng.random()
        pos = rng.randrange(1, len(chars)) if len(chars) > 1 else 0
        if r < p["homophone"]:
            options = self.homophones.get(chars[pos])
            if options:
                chars[pos] = rng.choice(options)
        elif r < p["homophone"] + p["typo"]:
            chars[pos] = rng.choice(GIVEN)
        elif r < p["homophone"] + p["typo"] + p["drop_char"] and len(chars) > 2:
            del chars[pos]
        if p["traditional"] and rng.random() < p["traditional"] * 4:
            chars = [TRADITIONAL.get(c, c) if rng.random() < 0.5 else c for c in chars]
        return "".join(chars)

    def id_number(self, number: str) -> str:
        rng, p = self.rng, self.p
        r = rng.random()
        if r < p["id_sub"]:
            i = rng.randrange(17)
            return number[:i] + rng.choice([d for d in "0123456789" if d != number[i]]) + number[i + 1 :]
        if r < p["id_sub"] + p["id_swap"]:
            i = rng.randrange(16)
            if number[i] != number[i + 1]:
                return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        if rng.random() < 0.1:
            return number.lower() if number.endswith("X") else " " + number
        return number

    def phone(self, phone: str) -> str:
        rng, p = self.rng, self.p
        r = rng.random()
        if r < p["phone_typo"]:
            i = rng.randrange(3, 11)
            return phone[:i] + str((int(phone[i]) + rng.randint(1, 9)) % 10) + phone[i + 1 :]
        if r < p["phone_typo"] + p["phone_changed"]:
            return make_phone(rng)
        if rng.random() < 0.1:
            return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        return phone

    def address(self, room_code: str) -> str:
        rng, p = self.rng, self.p
        building, room_no = self.rooms[room_code]
        if not building.road:  # a library read from files: vary the written form only a little
            text = building.address
            for a, b in (
                ("栋", rng.choice(["栋", "座", "幢", "栋"])),
                ("深圳市宝安区", rng.choice(["", "深圳市宝安区", "宝安区"])),
            ):
                text = text.replace(a, b, 1)
            room = room_no if rng.random() > p["addr_no_room"] else ""
            return text + room + (rng.choice(["室", "房", "", "户"]) if room else "")
        parts = [rng.choice(["广东省深圳市宝安区", "深圳市宝安区", "宝安区", "", "深圳宝安区"])]
        if rng.random() < 0.5:
            parts.append(building.street)
        if rng.random() < 0.5:
            parts.append(building.community)
        road = building.road
        for canonical, written in ROAD_WRITTEN.items():
            if road.startswith(canonical):
                road = rng.choice(written) + road[len(canonical) :]
        if rng.random() < p["addr_typo"]:
            i = rng.randrange(0, max(1, len(road) - 4))
            if not road[i].isdigit():
                road = road[:i] + rng.choice("宝安新城湖海西东南北") + road[i + 1 :]
        if building.block:
            block = int(building.block)
            mark = rng.choices(["栋", "座", "幢", "号楼"], [0.6, 0.15, 0.15, 0.1])[0]
            number = cn_numeral(block) if rng.random() < p["cn_numeral"] else str(block)
            parts.append(road + number + mark)
        else:
            parts.append(road)
        if rng.random() >= p["addr_no_room"]:
            room = room_no
            if rng.random() < 0.1:
                room = room.zfill(4)
            parts.append(rng.choice(["", "", "-"]) + room + rng.choice(["室", "", "房", "户"]))
        text = "".join(parts)
        if rng.random() < p["fullwidth"]:
            text = text.translate(FULLWIDTH)
        return text


@dataclass
class Row:
    source: str
    record_id: str
    kind: str
    name: str
    id_number: str
    uscc: str
    phone: str
    address: str
    observed_at: str
    true_person: int  # -1 for entities
    true_room: str  # the room the address was written from, "" when no address

    COLUMNS = ("source", "record_id", "kind", "name", "id_number", "uscc", "phone", "address", "observed_at")

    def values(self) -> list[str]:
        return [getattr(self, c) for c in self.COLUMNS]


def person_records(
    persons: list[PersonSpec], library: list[BuildingSpec], profile: str = "default", seed: int = 29
) -> Iterator[Row]:
    writer = Writer(library, profile, seed)
    rng = writer.rng
    p = writer.p
    counters: dict[str, int] = defaultdict(int)
    for person in persons:
        age = 2026 - person.birth_year
        for source, (coverage, has_id, has_phone, has_address) in SOURCES.items():
            if source == "人社" and (age < 16 or age > 75):
                continue
            if source == "民政" and not person.care and rng.random() < 0.7:
                continue
            if rng.random() >= coverage:
                continue
            copies = 2 if rng.random() < p["duplicate"] else 1
            for _ in range(copies):
                counters[source] += 1
                room = person.room
                if person.old_room is not None and rng.random() < p["moved"] * 4:
                    room = person.old_room
                address = writer.address(room[0]) if rng.random() < has_address else ""
                with_id = rng.random() < has_id * (1 - p["id_missing_extra"])
                yield Row(
                    source=source,
                    record_id=f"{source}-{counters[source]:08d}",
                    kind="person",
                    name=writer.name(person.name),
                    id_number=writer.id_number(person.id_number) if with_id else "",
                    uscc="",
                    phone=writer.phone(person.phone) if rng.random() < has_phone else "",
                    address=address,
                    observed_at=f"20{rng.randint(20, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    true_person=person.pid,
                    true_room=room[0] if address else "",
                )


ENTITY_WORDS = [
    "宝安",
    "新安",
    "海裕",
    "鹏程",
    "华强",
    "恒通",
    "盛达",
    "永兴",
    "联合",
    "粤海",
    "鸿运",
    "金利",
]
ENTITY_TRADES = [
    ("科技", "I65"),
    ("贸易", "F51"),
    ("餐饮", "H62"),
    ("物业管理", "K70"),
    ("五金加工", "C33"),
    ("物流", "G58"),
]


def entity_records(library: list[BuildingSpec], count: int, seed: int = 31) -> Iterator[Row]:
    rng = random.Random(seed)
    writer = Writer(library, "default", seed + 1)
    rooms = [code for b in library for code, _, _ in b.rooms]
    for n in range(count):
        trade, _ = rng.choice(ENTITY_TRADES)
        name = f"深圳市{rng.choice(ENTITY_WORDS)}{rng.choice(ENTITY_WORDS)}{trade}有限公司"
        code = make_uscc(rng)
        room = rng.choice(rooms)
        for source in ("市场监管", "税务") if rng.random() < 0.5 else ("市场监管",):
            yield Row(
                source=source,
                record_id=f"{source}-E{n:07d}",
                kind="entity",
                name=name,
                id_number="",
                uscc=code,
                phone=make_phone(rng) if rng.random() < 0.5 else "",
                address=writer.address(room),
                observed_at="2025-06-01",
                true_person=-1,
                true_room=room,
            )
