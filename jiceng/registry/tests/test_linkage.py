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


def test_two_people_of_a_household_sharing_only_the_family_name_are_not_merged() -> None:
    """张伟 / 张强 with the family's phone and room: the name says nothing beyond the household."""
    records = [
        Record(name="张伟", phone="13800000003", room_code=ROOM, building_code=ROOM[:19]),
        Record(name="张强", phone="13800000003", room_code=ROOM, building_code=ROOM[:19]),
        Record(name="欧阳明", phone="13800000004", room_code=ROOM, building_code=ROOM[:19]),
        Record(name="欧阳伟", phone="13800000004", room_code=ROOM, building_code=ROOM[:19]),
        *filler(),
    ]
    result = linkage.link(records)
    assert result.cluster[0] != result.cluster[1]
    assert result.cluster[2] != result.cluster[3]
    assert linkage._name_level(records[0], records[1]) == linkage.FAMILY_ONLY
    # ...but a typo in the given name is tolerated when the ID number agrees.
    idn = resident_id("19770303", "217")
    c = clusters([Record(name="张伟", id_number=idn), Record(name="张玮伟"[::2], id_number=idn), *filler()])
    assert c[0] == c[1]


def test_a_mistyped_phone_prefix_still_links_and_a_landline_does_not_contradict_a_mobile() -> None:
    records = [
        Record(name="司马青云", phone="13912345678"),
        Record(name="司马青云", phone="18912345678"),  # 139 → 189
        Record(name="司马青云", phone="12912345678"),  # 139 → 129 (no such prefix)
        *filler(),
    ]
    c = clusters(records)
    assert c[0] == c[1] == c[2]
    model = linkage.Model(records)
    mobile, landline, other_mobile = (
        Record(name="司马青云", phone="13912345678"),
        Record(name="司马青云", phone="75527654321"),
        Record(name="司马青云", phone="13787654321"),
    )
    linkage.prepare([mobile, landline, other_mobile])
    assert model.score(mobile, landline)[0] > model.score(mobile, other_mobile)[0]


def test_a_nickname_of_a_name_written_in_the_other_order_is_a_nickname() -> None:
    a, b = Record(name="阿国"), Record(name="海国马")
    linkage.prepare([a, b])
    assert linkage._name_level(a, b) == 1


def test_a_shared_valid_id_number_links_names_with_a_character_in_common() -> None:
    """晟刘 for 刘晨 (order swapped, 晨 misread): one character in common does not contradict a shared
    ID number; names with nothing in common and one ID number remain an ID conflict."""
    idn = resident_id("19960709", "279")
    result = linkage.link(
        [
            Record(name="刘晨", id_number=idn, phone="16681774271"),
            Record(name="晟刘", id_number=idn),
            Record(name="林大海", id_number=idn),
            *filler(),
        ]
    )
    assert result.cluster[0] == result.cluster[1]
    assert result.cluster[2] != result.cluster[0]
    assert any(2 in (a, b) for a, b in result.id_conflicts)


def test_a_thin_record_joins_its_sole_candidate_unless_the_department_already_has_that_person() -> None:
    idn = resident_id("19650101", "333")
    base = [
        Record(name="慕容秋雨", id_number=idn, phone="13700000011", source="公安"),
        Record(name="慕容秋雨", id_number=idn, room_code=ROOM, building_code=ROOM[:19], source="民政"),
    ]
    c = clusters([*base, Record(name="慕容秋雨", source="卫健"), *filler()])
    assert c[2] == c[0]
    # The same thin record from a department that already sent this person: likely a namesake.
    c = clusters([*base, Record(name="慕容秋雨", source="公安"), *filler()])
    assert c[2] != c[0]


def test_a_thin_record_with_a_two_character_name_and_nothing_else_in_common_stays_alone() -> None:
    idn = resident_id("19650101", "335")
    records = [
        Record(name="邝云", id_number=idn, phone="13700000012", source="公安"),
        Record(name="邝云", id_number=idn, room_code=ROOM, building_code=ROOM[:19], source="民政"),
        Record(name="邝云", source="卫健"),
        Record(name="邝云", room_code=ROOM, building_code=ROOM[:19], source="住建"),
        *filler(),
    ]
    c = clusters(records)
    assert c[2] != c[0]  # a name of two characters alone: many people have it
    assert c[3] == c[0]  # the same name and the same room


def test_fill_rooms_picks_the_building_the_person_lives_in_and_the_households_room() -> None:
    b1, b2 = "4403060010010100001", "4403060010010100002"
    idn, other = resident_id("19880808", "777"), resident_id("19900101", "555")
    records = [
        Record(name="上官飞燕", id_number=idn, room_code=b2 + "003001", building_code=b2),
        # "翠湖苑3栋301" without the road: the estate has a building 3 on two roads.
        Record(name="上官飞燕", id_number=idn, options=((b1, b1 + "003001"), (b2, b2 + "003001"))),
        # A building without a room; the person's own records give none, the household's phone does.
        Record(name="端木云", id_number=other, building_code=b1, phone="13600000001"),
        Record(name="端木雷", phone="13600000001", room_code=b1 + "005002", building_code=b1),
        *filler(),
    ]
    result = linkage.link(records)
    assert result.cluster[2] != result.cluster[3]
    rooms = linkage.fill_rooms(records, result)
    assert rooms[1] == b2 + "003001"
    assert rooms[2] == b1 + "005002"
    # Options that fit none of the person's buildings stay unresolved.
    lone = [Record(name="东方白", options=((b1, b1 + "003001"), (b2, b2 + "003001"))), *filler()]
    assert linkage.fill_rooms(lone, linkage.link(lone))[0] == ""
