from jiceng.registry import linkage
from jiceng.registry.linkage import Record
from jiceng.registry.tests.factories import resident_id

ROOM = "4403060010010100001012003"


def filler(n: int = 200) -> list[Record]:
    """Unrelated people, so names and phones have realistic frequencies."""
    return [
        Record(
            name=f"路人{chr(0x4E00 + i * 7)}{chr(0x4E50 + i)}",
            id_number=resident_id("19700101", f"{i:03d}", "430524"),
            phone=f"139{i:08d}",
            room_code=f"44030600100201{i:05d}001001",
            building_code=f"44030600100201{i:05d}",
        )
        for i in range(n)
    ]


def clusters(records: list[Record]) -> list[int]:
    return linkage.link(records).cluster


def test_a_homophone_of_the_name_with_the_same_id_number_is_the_same_person() -> None:
    idn = resident_id()
    c = clusters(
        [
            Record(name="张伟", id_number=idn),
            Record(name="张玮", id_number=idn, phone="13812345678"),
            *filler(),
        ]
    )
    assert c[0] == c[1]


def test_two_transposed_id_digits_are_tolerated_when_the_name_and_phone_agree() -> None:
    idn = resident_id("19850612", "432")
    swapped = idn[:8] + idn[9] + idn[8] + idn[10:]
    c = clusters(
        [
            Record(name="欧阳晓岚", id_number=idn, phone="13912345678"),
            Record(name="欧阳晓岚", id_number=swapped, phone="13912345678"),
            *filler(),
        ]
    )
    assert c[0] == c[1]


def test_two_different_valid_id_numbers_are_never_one_person() -> None:
    a, b = resident_id("19800101", "123"), resident_id("19800101", "125")
    c = clusters(
        [
            Record(name="李娜", id_number=a, phone="13800000001", room_code=ROOM),
            Record(name="李娜", id_number=b, phone="13800000001", room_code=ROOM),
            *filler(),
        ]
    )
    assert c[0] != c[1]


def test_family_members_sharing_a_phone_and_a_room_are_not_merged() -> None:
    c = clusters(
        [
            Record(name="王建国", phone="13800000002", room_code=ROOM, building_code=ROOM[:19]),
            Record(name="刘秀英", phone="13800000002", room_code=ROOM, building_code=ROOM[:19]),
            *filler(),
        ]
    )
    assert c[0] != c[1]


def test_a_record_without_an_id_joins_by_rare_name_and_room() -> None:
    idn = resident_id("19601010", "551")
    c = clusters(
        [
            Record(name="诸葛明亮", id_number=idn, room_code=ROOM, building_code=ROOM[:19]),
            Record(name="诸葛明亮", room_code=ROOM, building_code=ROOM[:19]),
            *filler(),
        ]
    )
    assert c[0] == c[1]


def test_names_are_compared_by_character_not_by_byte() -> None:
    a, b = Record(name="张伟"), Record(name="张玮")
    linkage.prepare([a, b])
    assert linkage._name_level(a, b) == 2  # same pinyin, not "one byte off"


def test_pairwise_quality_counts_pairs() -> None:
    q = linkage.pairwise_quality([1, 1, 2, 2], [1, 1, 1, 2])
    assert (q["precision"], round(q["recall"], 3)) == (0.5, 0.333)
