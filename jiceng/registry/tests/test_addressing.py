from jiceng.registry.addressing import AddressIndex, cn_number, normalise, parse

BUILDING = "4403060010010100001"
OTHER = "4403060010020100001"


def index() -> AddressIndex:
    return AddressIndex.build(
        [
            (BUILDING, "深圳市宝安区新安街道海裕社区宝城路12号3栋"),
            (OTHER, "深圳市宝安区新安街道上川社区107国道88号2栋"),
        ],
        [(BUILDING + "012003", "1203"), (OTHER + "003001", "301")],
    )


def test_chinese_numerals_are_read_as_numbers() -> None:
    assert [cn_number(t) for t in ("三", "十二", "二十", "一百零五", "一二零三")] == [3, 12, 20, 105, 1203]


def test_full_width_digits_and_building_marks_normalise_to_one_key() -> None:
    keys = {
        parse(t).building_key
        for t in ("宝城路１２号三栋", "宝城路12号3座", "宝城路12号3幢", "宝城路十二号3号楼")
    }
    assert keys == {"宝城路12号3栋"}


def test_the_district_prefix_street_and_community_are_optional() -> None:
    assert normalise("广东省深圳市宝安区新安街道海裕社区宝城路12号3栋") == normalise("宝城路12号3栋")


def test_room_suffixes_and_leading_zeros_do_not_matter() -> None:
    i = index()
    codes = {
        i.match(t).room_code for t in ("宝城路12号3栋1203室", "宝城路12号3栋-1203房", "宝城路12号三座1203户")
    }
    assert codes == {BUILDING + "012003"}


def test_a_road_alias_finds_the_library_name() -> None:
    assert index().match("广深公路88号2栋301").room_code == OTHER + "003001"


def test_a_mistyped_road_name_is_found_by_similarity_with_a_lower_score() -> None:
    found = index().match("宝城街12号3栋1203")
    assert found.room_code == BUILDING + "012003" and found.score < 1.0


def test_an_address_that_matches_nothing_gives_no_room() -> None:
    assert not index().match("罗湖区人民南路1号").matched


def test_a_building_without_a_room_number_matches_the_building_only() -> None:
    found = index().match("宝城路12号3栋")
    assert found.room_code is None and found.building_code == BUILDING


def test_an_estate_building_found_on_several_roads_is_left_unmatched_with_its_options() -> None:
    a, b = "4403060010010100003", "4403060010010100004"
    idx = AddressIndex.build(
        [(a, "深圳市宝安区宝源路391号翠湖苑3栋"), (b, "深圳市宝安区宝源大道57号翠湖苑3栋")],
        [(a + "020001", "2001"), (b + "020001", "2001")],
    )
    found = idx.match("广东省深圳市宝安区翠湖苑3栋2001")
    assert found.room_code is None and found.building_code is None
    assert set(found.options) == {(a, a + "020001"), (b, b + "020001")}
    # With the house number it is the one building.
    assert idx.match("宝源大道57号翠湖苑三栋2001").room_code == b + "020001"


def test_a_road_name_mistyped_out_of_its_numeral_is_found_by_house_and_building_number() -> None:
    a, b = "4403060010010100005", "4403060010010100006"
    idx = AddressIndex.build(
        [(a, "深圳市宝安区固戍一路263号1栋"), (b, "深圳市宝安区宝城路263号1栋")],
        [(a + "003006", "306"), (b + "003006", "306")],
    )
    # 固戍西路 does not exist and has no numeral where 固戍一路 has one: the numbers no longer agree
    # with the library's key, but its house and building number and most of its text do.
    assert idx.match("固戍西路263号一号楼306室").room_code == a + "003006"
    # A mistyped road name people write for a library road (广深公路 for 107国道).
    assert index().match("广深湖路88号2栋301").room_code == OTHER + "003001"
    # Nothing alike enough with those numbers: no guess.
    assert not idx.match("人民南路263号1栋306").matched


def test_equally_alike_buildings_for_a_mistyped_road_are_left_as_options() -> None:
    a, b = "4403060010010100007", "4403060010010100008"
    idx = AddressIndex.build(
        [(a, "深圳市宝安区创业一路143号1栋"), (b, "深圳市宝安区创业二路143号1栋")],
        [(a + "007007", "707"), (b + "007007", "707")],
    )
    found = idx.match("创业新路143号1座707")
    assert found.building_code is None
    assert set(found.options) == {(a, a + "007007"), (b, b + "007007")}


def test_a_village_house_room_written_with_hao_or_as_floor_and_door() -> None:
    house = "4403060010010100009"
    idx = AddressIndex.build(
        [(house, "深圳市宝安区塘尾村9巷23号")], [(house + "001002", "102"), (house + "004002", "402")]
    )
    assert idx.match("塘尾村9巷23号102号").room_code == house + "001002"
    assert idx.match("深圳宝安塘尾村9巷23号4楼02").room_code == house + "004002"
    assert parse("名仕大厦2栋9楼01").room_no == "901"  # a building's floor and door as before
