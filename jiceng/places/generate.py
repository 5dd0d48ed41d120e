"""Synthetic address library modelled on Bao'an (宝安区, 440306), in the import formats.

``jiceng generate --scale small|district|baoan --out DIR`` writes divisions.csv, grids.csv,
buildings.csv and rooms.csv. The output is deterministic (seeded): the same scale always gives the same
files. Streets carry their real names and codes; communities use real names where known; grids tile
each community's rectangle inside Bao'an's rough extent, so every building's point lies in its grid.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DISTRICT_CODE = "440306"
DISTRICT_NAME = "宝安区"
ADDRESS_PREFIX = "广东省深圳市宝安区"
EXTENT = (113.75, 22.53, 113.97, 22.80)  # min lng, min lat, max lng, max lat

# The ten streets in code order 440306001..440306010, with communities (real names first) and roads.
STREETS: list[tuple[str, list[str], list[str]]] = [
    (
        "新安",
        [
            "海裕",
            "上川",
            "安乐",
            "宝民",
            "翻身",
            "洪浪",
            "文汇",
            "兴东",
            "灵芝",
            "布心",
            "建安",
            "海旺",
            "上合",
            "大浪",
            "龙井",
        ],
        ["创业路", "新安六路", "建安一路", "宝民二路", "前进一路", "兴华一路", "新湖路", "公园路"],
    ),
    (
        "西乡",
        [
            "固戍",
            "西乡",
            "流塘",
            "河东",
            "河西",
            "臣田",
            "盐田",
            "渔业",
            "永丰",
            "龙腾",
            "劳动",
            "凤凰岗",
            "南昌",
            "共乐",
        ],
        ["西乡大道", "固戍一路", "银田路", "河东路", "宝源路", "前进二路", "共和工业路", "南昌路"],
    ),
    (
        "航城",
        ["黄田", "钟屋", "鹤洲", "三围", "草围", "九围", "后瑞", "黄麻布", "洲石", "利锦"],
        ["航城大道", "洲石路", "鹤洲路", "黄田路", "三围路", "航空路"],
    ),
    (
        "福永",
        ["福永", "凤凰", "白石厦", "怀德", "聚福", "兴围", "下十围", "塘尾", "稔田", "福围"],
        ["福永大道", "凤塘大道", "怀德路", "白石路", "兴围路", "永福路"],
    ),
    (
        "福海",
        ["桥头", "新和", "和平", "新田", "展城", "塘尾", "稔田", "大洋"],
        ["福海大道", "桥和路", "新和大道", "展城路", "和平路", "福园一路"],
    ),
    (
        "沙井",
        [
            "沙井",
            "沙头",
            "后亭",
            "马安山",
            "衙边",
            "沙一",
            "沙二",
            "沙三",
            "沙四",
            "步涌",
            "共和",
            "蚝一",
            "蚝二",
            "民主",
        ],
        ["沙井大街", "新沙路", "沙井路", "中心路", "岗头路", "民主大道", "南环路"],
    ),
    (
        "新桥",
        ["新桥", "上寮", "上星", "黄埔", "新二", "万丰", "沙企", "象山"],
        ["新桥大道", "新玉路", "上星路", "黄埔路", "万丰路", "北环路"],
    ),
    (
        "松岗",
        ["松岗", "东方", "楼岗", "潭头", "碧头", "红星", "沙浦围", "花果山", "江边", "溪头"],
        ["松福大道", "松岗大道", "东方大道", "楼岗大道", "沙江路", "潭头路"],
    ),
    (
        "燕罗",
        ["燕川", "罗田", "塘下涌", "山门", "洪桥头", "广田"],
        ["燕罗路", "罗田路", "广田路", "塘下涌路", "山门路"],
    ),
    (
        "石岩",
        ["石岩", "浪心", "官田", "上屋", "水田", "塘头", "宝石", "罗租", "应人石", "料坑"],
        ["石岩大道", "宝石路", "浪心路", "官田路", "塘头大道", "水田路"],
    ),
]
# (row from the south, column from the west) of each street's rectangle in a 5 × 2 layout.
LAYOUT = [(0, 1), (0, 0), (1, 1), (2, 0), (1, 0), (3, 0), (3, 1), (4, 0), (4, 1), (2, 1)]
VILLAGE_PARTS = ["一坊", "二坊", "三坊", "新村", "老村", "东区", "西区", "南区", "北区"]


@dataclass(frozen=True)
class Scale:
    communities: tuple[int, int]  # per street (min, max)
    grids: tuple[int, int]  # per community
    buildings: tuple[int, int]  # per grid
    room_factor: float  # multiplies the rooms per floor of each building kind


SCALES = {
    "small": Scale((2, 3), (2, 3), (3, 5), 0.6),
    "district": Scale((3, 3), (12, 15), (38, 46), 1.0),
    "baoan": Scale((12, 13), (32, 35), (38, 46), 1.0),
}

# kind: (weight, floors (min, max), rooms per floor (min, max), uses by floor)
KINDS = {
    "residential": (40, (5, 12), (2, 3)),
    "urban_village": (35, (4, 8), (3, 6)),
    "commercial": (10, (2, 6), (2, 5)),
    "industrial": (10, (2, 6), (1, 2)),
    "public": (5, (1, 4), (1, 3)),
}
_KIND_NAMES = list(KINDS)
_KIND_WEIGHTS = [KINDS[k][0] for k in _KIND_NAMES]


@dataclass
class _Counters:
    divisions: int = 0
    grids: int = 0
    buildings: int = 0
    rooms: int = 0
    files: list[Path] = field(default_factory=list)


def _split(box: tuple[float, float, float, float], n: int) -> list[tuple[float, float, float, float]]:
    """Split a rectangle into n cells in a near-square arrangement, row by row from the south-west."""
    min_lng, min_lat, max_lng, max_lat = box
    width, height = max_lng - min_lng, max_lat - min_lat
    cols = max(1, round((n * width / height) ** 0.5))
    cols = min(cols, n)
    rows = -(-n // cols)
    cells = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = cols if r < rows - 1 else n - cols * (rows - 1)
        cw = width / in_row
        ch = height / rows
        cells.append((min_lng + c * cw, min_lat + r * ch, min_lng + (c + 1) * cw, min_lat + (r + 1) * ch))
    return cells


def _street_box(index: int) -> tuple[float, float, float, float]:
    min_lng, min_lat, max_lng, max_lat = EXTENT
    row, col = LAYOUT[index]
    w = (max_lng - min_lng) / 2
    h = (max_lat - min_lat) / 5
    return (min_lng + col * w, min_lat + row * h, min_lng + (col + 1) * w, min_lat + (row + 1) * h)


def _wkt(box: tuple[float, float, float, float]) -> str:
    a, b, c, d = (f"{v:.6f}" for v in box)
    return f"POLYGON(({a} {b},{c} {b},{c} {d},{a} {d},{a} {b}))"


def _room_use(kind: str, floor: int, rng: random.Random) -> str:
    if kind == "commercial":
        return "shop" if floor <= 2 else "office"
    if kind == "industrial":
        return "factory" if floor <= 3 or rng.random() < 0.5 else "warehouse"
    if kind == "public":
        return "public"
    if kind == "urban_village" and floor == 1:
        return "shop" if rng.random() < 0.6 else "residence"
    return "residence"


def iter_places(scale: str) -> Iterator[tuple[str, tuple]]:
    """Yield ("division" | "grid" | "building" | "room", row) in dependency order, deterministically."""
    spec = SCALES[scale]
    rng = random.Random(f"jiceng-places-{scale}")  # noqa: S311 — synthetic data, not security
    yield "division", (DISTRICT_CODE, DISTRICT_NAME, "district", "")
    for s, (street, communities, roads) in enumerate(STREETS):
        street_code = f"{DISTRICT_CODE}{s + 1:03d}"
        street_name = f"{street}街道"
        yield "division", (street_code, street_name, "street", DISTRICT_CODE)
        count = rng.randint(*spec.communities)
        names = list(communities)
        while len(names) < count:
            names.append(f"{street}第{len(names) + 1}")
        boxes = _split(_street_box(s), count)
        for c in range(count):
            community_code = f"{street_code}{c + 1:03d}"
            community_name = f"{names[c]}社区"
            yield "division", (community_code, community_name, "community", street_code)
            prefix = f"{ADDRESS_PREFIX}{street_name}{community_name}"
            grid_count = rng.randint(*spec.grids)
            number_by_road: dict[str, int] = {}
            village_no = 0
            for g, box in enumerate(_split(boxes[c], grid_count)):
                grid_code = f"{community_code}{g + 1:02d}"
                yield "grid", (grid_code, f"{community_name}第{g + 1}网格", _wkt(box))
                road = roads[(c + g) % len(roads)]
                min_lng, min_lat, max_lng, max_lat = box
                dx, dy = (max_lng - min_lng) * 0.9, (max_lat - min_lat) * 0.9
                lng0, lat0 = min_lng + (max_lng - min_lng) * 0.05, min_lat + (max_lat - min_lat) * 0.05
                building_no = 0
                block = 0
                for b in range(rng.randint(*spec.buildings)):
                    kind = rng.choices(_KIND_NAMES, _KIND_WEIGHTS)[0]
                    _, floor_range, per_floor_range = KINDS[kind]
                    building_code = f"{grid_code}{b + 1:05d}"
                    if kind == "urban_village":
                        village_no += 1
                        part = VILLAGE_PARTS[(village_no // 40) % len(VILLAGE_PARTS)]
                        lane = (village_no // 8) % 20 + 1
                        address = f"{prefix}{part}{lane}巷{village_no}号"
                    else:
                        if building_no == 0 or building_no >= rng.randint(3, 8):
                            number_by_road[road] = number_by_road.get(road, 0) + 2
                            block = number_by_road[road]
                            building_no = 0
                        building_no += 1
                        address = f"{prefix}{road}{block}号{building_no}栋"
                    floors = rng.randint(*floor_range)
                    lng = lng0 + rng.random() * dx
                    lat = lat0 + rng.random() * dy
                    yield "building", (building_code, address, f"{lat:.6f}", f"{lng:.6f}", floors, kind)
                    per_floor = max(1, round(rng.randint(*per_floor_range) * spec.room_factor))
                    base_area = rng.choice((35, 45, 60, 75, 90, 120)) if kind != "industrial" else 400
                    for floor in range(1, floors + 1):
                        use = _room_use(kind, floor, rng)
                        for k in range(1, per_floor + 1):
                            area = base_area + (k * 7 + floor) % 23
                            yield (
                                "room",
                                (
                                    f"{building_code}{floor:03d}{k:03d}",
                                    f"{floor}{k:02d}",
                                    floor,
                                    f"{area}.{k * 13 % 100:02d}",
                                    use,
                                ),
                            )


HEADERS = {
    "divisions": "code,name,level,parent_code",
    "grids": "code,name,polygon",
    "buildings": "code,address,lat,lng,floors,kind",
    "rooms": "code,room_no,floor,area_m2,use",
}
_FILE_OF = {"division": "divisions", "grid": "grids", "building": "buildings", "room": "rooms"}


def _line(kind: str, row: tuple) -> str:
    if kind == "grid":
        return f'{row[0]},{row[1]},"{row[2]}"\n'
    return ",".join(str(v) for v in row) + "\n"


def write(scale: str, out_dir: Path, progress: bool = False) -> list[Path]:
    """Write the four import files for ``scale`` into ``out_dir``; return their paths."""
    if scale not in SCALES:
        raise ValueError(f"未知规模“{scale}”，可用：{', '.join(SCALES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in HEADERS}
    handles = {name: paths[name].open("w", encoding="utf-8", newline="") for name in HEADERS}
    bar = None
    if progress:
        from tqdm import tqdm

        expected = {"small": 3_000, "district": 360_000, "baoan": 3_600_000}[scale]
        bar = tqdm(total=expected, unit=" 房屋", desc=f"地址库 {scale}", mininterval=0.5)
    try:
        buffers: dict[str, list[str]] = {name: [HEADERS[name] + "\n"] for name in HEADERS}
        rooms = buffers["rooms"]
        rooms_file = handles["rooms"]
        for kind, row in iter_places(scale):
            if kind == "room":
                rooms.append(f"{row[0]},{row[1]},{row[2]},{row[3]},{row[4]}\n")
                if len(rooms) >= 50_000:
                    rooms_file.write("".join(rooms))
                    rooms.clear()
                    if bar is not None:
                        bar.update(50_000)
                continue
            buffers[_FILE_OF[kind]].append(_line(kind, row))
        for name, lines in buffers.items():
            if bar is not None and name == "rooms":
                bar.update(len(lines))
            handles[name].write("".join(lines))
    finally:
        for handle in handles.values():
            handle.close()
        if bar is not None:
            bar.close()
    return [paths[name] for name in HEADERS]
