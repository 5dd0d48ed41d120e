import random

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


def district(n: int = 600, avoid: tuple[str, ...] = ()) -> list[Record]:
    """Unrelated people whose names are made the way most names are: a few common family names and
    given names from a few common characters, so a name's parts have realistic frequencies."""
    rng = random.Random(5)
    out = []
    for i in range(n):
        name = rng.choice("王李张刘陈") + "".join(
            rng.choice("伟芳娜秀英敏静丽强磊") for _ in range(rng.randint(1, 2))
        )
        if name in avoid:
            continue
        out.append(
            Record(
                name=name,
                id_number=resident_id("19700101", f"{i % 1000:03d}", "430524" if i < 1000 else "430521"),
                phone=f"137{i:08d}",
                room_code=f"44030600100201{i:05d}001001",
                building_code=f"44030600100201{i:05d}",
                source="公安",
            )
        )
    return out


def known_person_and_a_thin_row(name: str, id_number: str, phone: str, thin_source: str) -> list[Record]:
    """A person the police and civil-affairs registers both know (ID, phone, room), and a third row
    from ``thin_source`` with only the name."""
    return [
        Record(name=name, id_number=id_number, phone=phone, source="公安"),
        Record(name=name, id_number=id_number, room_code=ROOM, building_code=ROOM[:19], source="民政"),
        Record(name=name, source=thin_source),
    ]


def test_a_thin_record_joins_its_sole_candidate_when_its_name_is_rare() -> None:
    """A record with only a name: it joins the one person who carries the name when few people are
    expected to share it (a rare family name and rare characters), not when the name is made of
    common parts (王敏), whoever else is in the data."""
    rare, common = resident_id("19650101", "333"), resident_id("19650101", "335")
    records = [
        *known_person_and_a_thin_row("邝云", rare, "13700000011", thin_source="卫健"),
        *known_person_and_a_thin_row("王敏", common, "13700000012", thin_source="卫健"),
        *district(avoid=("王敏",)),
    ]
    c = clusters(records)
    assert c[2] == c[0]
    assert c[5] != c[3]


def test_a_second_row_from_one_department_joins_only_when_the_name_is_rare() -> None:
    """A register holds one row per person, so a second row of a department with only the name in
    common is more likely a namesake; with a name almost nobody else has, it is a duplicate row."""
    rare, common = resident_id("19650101", "337"), resident_id("19650101", "339")
    records = [
        *known_person_and_a_thin_row("慕容秋雨", rare, "13700000021", thin_source="公安"),
        *known_person_and_a_thin_row("李娜", common, "13700000022", thin_source="公安"),
        *district(avoid=("李娜",)),
    ]
    c = clusters(records)
    assert c[2] == c[0]
    assert c[5] != c[3]


def test_a_name_carried_by_one_person_in_many_records_still_counts_as_rare() -> None:
    """Six departments' records of 李霖安 make the name frequent among records, not among people: a
    record sharing only that name and a changed phone still joins."""
    idn = resident_id("19620105", "407")
    own = [
        Record(name="李霖安", id_number=idn, phone="13635602236", room_code=ROOM, building_code=ROOM[:19])
        for _ in range(6)
    ]
    c = clusters([*own, Record(name="李霖安", phone="15900000001"), *district()])
    assert c[6] == c[0]
    # Another person of that name (another valid ID number) is never merged into it.
    other = resident_id("19880808", "413")
    c = clusters([*own, Record(name="李霖安", id_number=other, phone="15900000001"), *district()])
    assert c[6] != c[0]


def test_a_rare_name_meets_its_records_when_its_sound_is_common() -> None:
    """王新利 among a dozen people whose names sound the same (王欣莉, 王鑫丽…): too many to pair by
    sound, but the name as written still brings its two records together."""
    homophones = [
        Record(
            name="王" + a + b,
            id_number=resident_id("19750101", f"{i:03d}", "441302"),
            phone=f"136{i:08d}",
        )
        for i, (a, b) in enumerate((a, b) for a in "欣鑫馨芯" for b in "莉丽力")
    ]
    idn = resident_id("19710224", "600")
    records = [
        Record(name="王新利", id_number=idn, room_code=ROOM, building_code=ROOM[:19]),
        Record(name="王新利", phone="15715622329"),
        *homophones,
        *district(),
    ]
    assert clusters(records)[1] == 0


def test_a_shared_room_adds_little_to_a_shared_phone_between_names_one_character_apart() -> None:
    """张梅斌 / 张斌: one character apart, with the household's phone and room, as siblings are. For two
    records that already share a phone, a shared room is little more evidence (a household shares
    both), so the pair stays below the merge threshold; the same name written alike, or an ID number
    that agrees, still merges."""
    phone = "13174091761"

    def at_home(name: str, id_number: str = "") -> Record:
        return Record(name=name, id_number=id_number, phone=phone, room_code=ROOM, building_code=ROOM[:19])

    a, b = at_home("张梅斌"), at_home("张斌", resident_id("20110310", "355"))
    same, with_id = at_home("张梅斌"), at_home("张梅斌", b.id_number)
    records = [a, b, same, with_id, *filler()]
    linkage.prepare(records)
    model = linkage.Model(records)
    assert model.score(a, b)[0] < 0
    assert model.score(a, same)[0] > 5
    assert model.score(with_id, b)[0] > 5


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


def test_a_nickname_with_a_shared_valid_id_number_is_its_holder() -> None:
    """小海 for 卢梅 (a misread character): a nickname says nothing against any full name, so a shared
    ID number that passes its check links them; a full name with nothing in common does not."""
    idn = resident_id("20080719", "644")
    result = linkage.link(
        [
            Record(name="卢梅", id_number=idn, phone="18987254368"),
            Record(name="小海", id_number=idn),
            Record(name="林大海", id_number=resident_id("19900101", "011")),
            *filler(),
        ]
    )
    assert result.cluster[0] == result.cluster[1]
    other = linkage.link(
        [Record(name="卢梅", id_number=idn), Record(name="郑国平", id_number=idn), *filler()]
    )
    assert other.cluster[0] != other.cluster[1] and other.id_conflicts


def test_an_id_number_one_slip_from_a_valid_one_links_names_that_agree_as_written() -> None:
    """姜华舂 with 1179 for the year 1979 of 姜华春's number: one keystroke from a number that passes
    its check, and the names one (look-alike) character apart. With names sharing only the family
    name (a sibling), it does not link."""
    idn = resident_id("19791111", "586")
    slip = idn[:7] + "1" + idn[8:]
    assert not linkage.id_checksum_ok(slip)
    c = clusters(
        [
            Record(name="姜华春", id_number=idn),
            Record(name="姜华舂", id_number=slip, phone="14766625778"),
            Record(name="姜伟", id_number=idn[:14] + ("5" if idn[14] != "5" else "6") + idn[15:]),
            *filler(),
        ]
    )
    assert c[1] == c[0]
    assert c[2] != c[0]


def test_lone_records_of_a_rare_name_from_several_departments_are_one_person() -> None:
    """吴海金 in three departments, each with nothing but the name, and no other 吴海金 known: one person
    (a rare name). Three lone 王敏 rows (common parts) stay apart."""
    records = [
        Record(name="邝海云", source="公安"),
        Record(name="邝海云", source="卫健"),
        Record(name="邝海云", source="住建"),
        Record(name="王敏", source="公安"),
        Record(name="王敏", source="卫健"),
        Record(name="王敏", source="住建"),
        *district(avoid=("王敏",)),
    ]
    c = clusters(records)
    assert c[0] == c[1] == c[2]
    assert len({c[3], c[4], c[5]}) == 3


def test_a_name_written_given_name_first_weighs_as_the_name() -> None:
    """玮钫邝 for 邝玮钫 (family name last), a thin record with nothing else: it joins the one person of
    that rare name, though its sounds (wei, fang) are common ones. 敏王 for 王敏 (common parts) does
    not: how many people have the name is judged by the spelling with the family name first."""
    rare, common = resident_id("19650101", "341"), resident_id("19650101", "343")
    records = [
        *known_person_and_a_thin_row("邝玮钫", rare, "13700000031", thin_source="卫健"),
        *known_person_and_a_thin_row("王敏", common, "13700000032", thin_source="卫健"),
        *district(avoid=("王敏",)),
    ]
    records[2].name, records[5].name = "玮钫邝", "敏王"
    result = linkage.link(records)
    c = result.cluster
    # Linked on its own score (as 邝玮钫 would be), not as a doubtful sole candidate.
    assert c[2] == c[0] and result.status[2] == linkage.LINKED and result.score[2] >= 0
    assert c[5] != c[3]
