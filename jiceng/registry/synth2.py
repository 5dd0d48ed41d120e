"""A second, independent generator of departments' records with known truth (written apart from
``synth``; it shares no code or tables with it), so linkage is also measured on error patterns it was
not tuned on.

Its town: housing estates (花园, 苑, 大厦, 新村) on roads, some of which were renamed, and village houses.
Its departments (教育, 医保, 社保, 计生, 街道办) write records with other faults than ``synth``'s:

- names: family and given name swapped (伟张), a nickname (阿伟, 小伟), traditional characters, a
  character confused with one that looks alike (形近字: 王/玉, 己/已), spaces or a middle dot between
  characters, a missing name;
- ID numbers: the old 15-digit form (people born before 2000), a lowercase x, full-width digits, spaces
  or dashes inside, a wrong check digit only, one mistyped digit, a missing number;
- phones: +86 / 0086 / 86- in front, spaces and dashes, full-width digits, a mistyped prefix (13x → 18x,
  or an impossible 12x), a landline instead of the mobile, a missing phone;
- addresses: the road's former name, the estate and building without the road, 单元 inserted, the room
  as 15楼02 or 15-02, full-width digits, Chinese numerals for the building, no room;
- dates (observed_at) as 2023年5月3日, 2023/5/3, 03/05/2023, 20230503, 2023.05.03, or empty.

Framework-free, like ``synth``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

FAMILY = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高梁郑罗宋谢唐韩曹许邓萧冯曾程蔡彭潘袁于董余苏叶吕魏蒋田杜丁沈姜范江傅钟卢汪戴崔任陆廖姚方金邱夏谭韦贾邹石熊孟秦阎薛侯雷白龙段郝孔邵史毛常万顾赖武康贺严尹钱施牛洪龚"
TWO_CHAR_FAMILY = ("欧阳", "司徒", "东方", "慕容")
GIVEN_CHARS = "子梓一宇浩然欣雨思嘉俊泽文博明天晨嘉佳诗语涵可佩芳桂兰志坚永红秀珍国强建华春生海燕丽娟立新德胜玉英振宇雅琪晓东伟光"
# Characters confused with one that looks alike when a form is copied by hand (形近字).
LOOKALIKE = {
    "王": "玉", "玉": "王", "己": "已", "未": "末", "末": "未", "日": "曰", "天": "夭", "土": "士",
    "人": "入", "大": "太", "太": "大", "千": "干", "华": "化", "明": "朋", "晨": "晟", "文": "丈",
    "宇": "字", "浩": "洁", "然": "燃", "博": "搏", "泽": "译", "思": "恩", "佳": "住", "秀": "季",
    "红": "虹", "春": "舂", "海": "梅", "丽": "莉", "新": "欣", "国": "固", "强": "弹", "坚": "竖",
}  # fmt: skip
SIMPLE_TO_TRAD = {
    "王": "王", "刘": "劉", "陈": "陳", "杨": "楊", "黄": "黃", "赵": "趙", "周": "週", "吴": "吳",
    "孙": "孫", "马": "馬", "郭": "郭", "郑": "鄭", "罗": "羅", "谢": "謝", "韩": "韓", "许": "許",
    "邓": "鄧", "冯": "馮", "曾": "曾", "蔡": "蔡", "潘": "潘", "袁": "袁", "董": "董", "苏": "蘇",
    "叶": "葉", "吕": "呂", "魏": "魏", "蒋": "蔣", "沈": "沈", "钟": "鍾", "卢": "盧", "汪": "汪",
    "戴": "戴", "陆": "陸", "廖": "廖", "邱": "邱", "谭": "譚", "韦": "韋", "贾": "賈", "邹": "鄒",
    "熊": "熊", "阎": "閻", "龙": "龍", "顾": "顧", "赖": "賴", "贺": "賀", "严": "嚴", "钱": "錢",
    "龚": "龔", "欧": "歐", "阳": "陽", "东": "東", "宇": "宇", "浩": "浩", "欣": "欣", "泽": "澤",
    "文": "文", "俊": "俊", "嘉": "嘉", "涵": "涵", "语": "語", "诗": "詩", "兰": "蘭", "红": "紅",
    "国": "國", "强": "強", "华": "華", "春": "春", "海": "海", "燕": "燕", "丽": "麗", "娟": "娟",
    "新": "新", "胜": "勝", "东西": "東西", "英": "英", "振": "振", "晓": "曉", "伟": "偉", "光": "光",
    "坚": "堅", "志": "誌", "宁": "寧", "云": "雲", "凤": "鳳",
}  # fmt: skip

# Roads, the former name of some of them (renamed roads are common in a growing district).
ROADS2 = [
    ("前进二路", "松岗路"), ("兴业路", ""), ("宝源路", "宝源大道"), ("创业二路", "工业二路"),
    ("新湖西路", ""), ("金港大道", "机场路"), ("凤凰岗路", "凤岗路"), ("洲石路", ""),
    ("龙井二路", ""), ("民治路", "民生路"), ("富源路", ""), ("灵芝路", "灵芝西路"),
]  # fmt: skip
ESTATES = ["海语", "碧海", "锦绣", "名仕", "港隆", "宏发", "金域", "华府", "翠湖", "星河", "万科", "泰华"]
ESTATE_KINDS = ["花园", "苑", "大厦", "新村", "公寓", "家园"]
VILLAGES2 = ["塘尾村", "凤凰村", "钟屋村", "九围村", "铁岗村"]
STREETS2 = ["新安街道", "西乡街道", "福海街道", "松岗街道", "石岩街道"]
REGIONS2 = ["440306", "440303", "440105", "441900", "442000", "445102", "360121", "430381", "510104"]
PREFIX_OK = ["133", "135", "136", "138", "139", "147", "153", "156", "166", "173", "176", "181", "183", "189"]

DEPARTMENTS = {
    # name: (coverage, P(id), P(phone), P(address), P(date))
    "教育": (0.35, 0.95, 0.85, 0.7, 0.8),
    "医保": (0.7, 0.9, 0.6, 0.5, 0.9),
    "社保": (0.6, 0.97, 0.7, 0.6, 0.9),
    "计生": (0.3, 0.8, 0.8, 0.9, 0.6),
    "街道办": (0.65, 0.75, 0.75, 1.0, 0.7),
}

FAULTS = {
    "swap_name": 0.04, "nickname": 0.03, "traditional": 0.05, "lookalike": 0.04, "spaced": 0.04,
    "no_name": 0.01, "id15": 0.04, "id_lower_x": 0.5, "id_fullwidth": 0.06, "id_spaced": 0.05,
    "id_check": 0.03, "id_digit": 0.03, "phone_plus86": 0.08, "phone_spaced": 0.1,
    "phone_fullwidth": 0.04, "phone_prefix": 0.04, "phone_landline": 0.05, "old_road": 0.5,
    "estate_only": 0.12, "unit": 0.1, "room_form": 0.15, "addr_fullwidth": 0.1, "cn_block": 0.1,
    "no_room": 0.05, "moved": 0.08,
}  # fmt: skip

_WIDE = str.maketrans("0123456789Xx-", "０１２３４５６７８９Ｘｘ－")
_ID_W = [2 ** (17 - i) % 11 for i in range(17)]


def _check(body17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, _ID_W, strict=True)) % 11]


def _zh(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


@dataclass
class Building2:
    code: str
    address: str  # as the address library holds it
    road: str
    old_road: str
    number: int
    estate: str
    block: int  # 0 for a village house
    rooms: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class Resident:
    key: int
    family: str
    given: str
    id_number: str
    mobile: str
    born: int
    room: str
    building: Building2
    former: tuple[str, Building2] | None = None


@dataclass
class Row2:
    source: str
    record_id: str
    kind: str
    name: str
    id_number: str
    uscc: str
    phone: str
    address: str
    observed_at: str
    true_person: int
    true_room: str

    COLUMNS = ("source", "record_id", "kind", "name", "id_number", "uscc", "phone", "address", "observed_at")

    def values(self) -> list[str]:
        return [getattr(self, c) for c in self.COLUMNS]


def town(rooms_wanted: int, seed: int = 101) -> list[Building2]:
    """Buildings of a synthetic town under community 440306004001 (grids 01–09)."""
    rng = random.Random(seed)
    out: list[Building2] = []
    taken: set[tuple[str, int, int]] = set()
    serial: dict[str, int] = {}
    total = 0
    while total < rooms_wanted:
        grid = f"44030600400{rng.randint(1, 9)}"[:12] + f"{rng.randint(1, 9):02d}"
        serial[grid] = serial.get(grid, 0) + 1
        code = f"{grid}{serial[grid]:05d}"
        street = rng.choice(STREETS2)
        if rng.random() < 0.2:
            village = rng.choice(VILLAGES2)
            lane, number = rng.randint(1, 15), rng.randint(1, 60)
            if (village, lane, number) in taken:
                continue
            taken.add((village, lane, number))
            road = f"{village}{lane}巷"
            b = Building2(code, f"深圳市宝安区{street}{road}{number}号", road, "", number, "", 0)
            floors, per = rng.randint(2, 6), rng.randint(1, 3)
        else:
            road, old = rng.choice(ROADS2)
            number, block = rng.randint(1, 400), rng.randint(1, 20)
            if (road, number, block) in taken:
                continue
            taken.add((road, number, block))
            estate = rng.choice(ESTATES) + rng.choice(ESTATE_KINDS)
            b = Building2(
                code,
                f"深圳市宝安区{street}{road}{number}号{estate}{block}栋",
                road,
                old,
                number,
                estate,
                block,
            )
            floors, per = rng.randint(5, 30), rng.randint(2, 6)
        for floor in range(1, floors + 1):
            for k in range(1, per + 1):
                b.rooms.append((f"{code}{floor:03d}{k:03d}", f"{floor}{k:02d}", floor))
        total += len(b.rooms)
        out.append(b)
    return out


def residents(buildings: list[Building2], people: int, seed: int = 103) -> list[Resident]:
    rng = random.Random(seed)
    slots = [(room, b) for b in buildings for room, _n, _f in b.rooms]
    rng.shuffle(slots)
    out: list[Resident] = []
    i = 0
    while len(out) < people:
        room, b = slots[i % len(slots)]
        i += 1
        family = rng.choice(TWO_CHAR_FAMILY) if rng.random() < 0.015 else rng.choice(FAMILY)
        home_phone = rng.choice(PREFIX_OK) + "".join(rng.choice("0123456789") for _ in range(8))
        for member in range(rng.choice([1, 1, 2, 2, 3, 3, 4])):
            if len(out) >= people:
                break
            born = rng.randint(1935, 2022)
            own_family = family if member != 1 else rng.choice(FAMILY)
            given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice([1, 2, 2])))
            body = f"{rng.choice(REGIONS2)}{born}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
            mobile = (
                home_phone
                if member == 0 or born > 2010
                else rng.choice(PREFIX_OK) + "".join(rng.choice("0123456789") for _ in range(8))
            )
            former = None
            if rng.random() < 0.2:
                former = slots[rng.randrange(len(slots))]
            out.append(
                Resident(len(out), own_family, given, body + _check(body), mobile, born, room, b, former)
            )
    return out


class Scribe:
    """Writes a resident as one department's clerk would, faults included."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def hit(self, fault: str) -> bool:
        return self.rng.random() < FAULTS[fault]

    def name(self, r: Resident) -> str:
        rng = self.rng
        if self.hit("no_name"):
            return ""
        family, given = r.family, r.given
        if self.hit("lookalike"):
            pos = rng.randrange(len(given))
            given = given[:pos] + LOOKALIKE.get(given[pos], given[pos]) + given[pos + 1 :]
        if self.hit("nickname"):
            return rng.choice(["阿", "小"]) + given[-1]
        text = given + family if self.hit("swap_name") else family + given
        if self.hit("traditional"):
            text = "".join(SIMPLE_TO_TRAD.get(ch, ch) for ch in text)
        if self.hit("spaced"):
            text = rng.choice([" ", "·", "  "]).join([text[: len(family)], text[len(family) :]])
        return text

    def id_number(self, r: Resident) -> str:
        rng = self.rng
        number = r.id_number
        if r.born < 2000 and self.hit("id15"):
            number = number[:6] + number[8:17]
        elif self.hit("id_check"):
            number = number[:17] + rng.choice([c for c in "0123456789X" if c != number[17]])
        elif self.hit("id_digit"):
            pos = rng.randrange(6, 17)
            number = (
                number[:pos] + rng.choice([d for d in "0123456789" if d != number[pos]]) + number[pos + 1 :]
            )
        if number.endswith("X") and self.hit("id_lower_x"):
            number = number[:-1] + "x"
        if self.hit("id_spaced") and len(number) == 18:
            sep = rng.choice([" ", "-"])
            number = sep.join([number[:6], number[6:14], number[14:]])
        if self.hit("id_fullwidth"):
            number = number.translate(_WIDE)
        return number

    def phone(self, r: Resident) -> str:
        rng = self.rng
        p = r.mobile
        if self.hit("phone_landline"):
            return f"0755-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"
        if self.hit("phone_prefix"):
            p = rng.choice(["12", "18", "10"]) + p[2:]
        if self.hit("phone_spaced"):
            p = rng.choice(["{} {} {}", "{}-{}-{}", "{} {}{}"]).format(p[:3], p[3:7], p[7:])
        if self.hit("phone_plus86"):
            p = rng.choice(["+86", "+86 ", "0086", "86-", "(+86)"]) + p
        if self.hit("phone_fullwidth"):
            p = p.translate(_WIDE)
        return p

    def address(self, room: str, b: Building2) -> str:
        rng = self.rng
        room_no = next(n for code, n, _f in b.rooms if code == room)
        floor, unit = room_no[:-2], room_no[-2:]
        head = rng.choice(["", "宝安区", "深圳市宝安区", "广东省深圳市宝安区", "深圳宝安"])
        if b.block == 0:
            text = f"{head}{b.road}{b.number}号"
        else:
            block = _zh(b.block) if self.hit("cn_block") else str(b.block)
            road = b.old_road if b.old_road and self.hit("old_road") else b.road
            if self.hit("estate_only"):
                text = f"{head}{b.estate}{block}栋"
            else:
                text = f"{head}{road}{b.number}号{b.estate}{block}栋"
            if self.hit("unit"):
                text += f"{rng.randint(1, 3)}单元"
        if not self.hit("no_room"):
            if self.hit("room_form"):
                text += rng.choice([f"{floor}楼{unit}", f"{floor}-{unit}", f"{room_no}房", f"{room_no}号"])
            else:
                text += room_no
        if self.hit("addr_fullwidth"):
            text = text.translate(_WIDE)
        return text

    def date(self) -> str:
        rng = self.rng
        y, m, d = rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28)
        return rng.choice(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{y}年{m}月{d}日",
                f"{y}/{m}/{d}",
                f"{d:02d}/{m:02d}/{y}",
                f"{y}{m:02d}{d:02d}",
                f"{y}.{m:02d}.{d:02d}",
            ]
        )


def records(people: list[Resident], seed: int = 107) -> Iterator[Row2]:
    scribe = Scribe(seed)
    rng = scribe.rng
    serial: dict[str, int] = {}
    for r in people:
        for dept, (coverage, p_id, p_phone, p_addr, p_date) in DEPARTMENTS.items():
            if dept == "教育" and not 2005 <= r.born <= 2020:
                continue
            if rng.random() >= coverage:
                continue
            serial[dept] = serial.get(dept, 0) + 1
            room, building = r.room, r.building
            if r.former is not None and scribe.hit("moved"):
                room, building = r.former
            address = scribe.address(room, building) if rng.random() < p_addr else ""
            yield Row2(
                source=dept,
                record_id=f"{dept}{serial[dept]:07d}",
                kind="person",
                name=scribe.name(r),
                id_number=scribe.id_number(r) if rng.random() < p_id else "",
                uscc="",
                phone=scribe.phone(r) if rng.random() < p_phone else "",
                address=address,
                observed_at=scribe.date() if rng.random() < p_date else "",
                true_person=r.key,
                true_room=room if address else "",
            )
