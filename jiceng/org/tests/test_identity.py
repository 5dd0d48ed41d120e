import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from jiceng.lib.identity import (
    IdentityError,
    is_valid_resident_id,
    make_resident_id,
    mask_phone,
    mask_resident_id,
    upgrade_resident_id,
    validate_credit_code,
    validate_phone,
    validate_resident_id,
)

VALID_ID = "11010519491231002X"  # the worked example of GB 11643-1999


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_a_valid_resident_id_gives_birth_date_sex_and_region():
    parsed = validate_resident_id(VALID_ID)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.region == "110105"


def test_a_lowercase_x_and_spaces_are_accepted_and_normalised():
    assert validate_resident_id(" 110105 19491231 002x ").number == VALID_ID


def test_a_wrong_check_digit_is_refused_in_chinese():
    with pytest.raises(IdentityError, match="校验位错误"):
        validate_resident_id("110105194912310021")


def test_a_short_number_is_refused():
    with pytest.raises(IdentityError, match="应为 18 位"):
        validate_resident_id("11010519491231")


def test_letters_inside_the_number_are_refused():
    with pytest.raises(IdentityError, match="前 17 位须为数字"):
        validate_resident_id("1101051949123100AX")


def test_an_impossible_birth_date_is_refused():
    with pytest.raises(IdentityError, match="出生日期无效"):
        validate_resident_id(with_check("44030619900230123"))


def test_a_birth_date_in_the_future_is_refused():
    future = dt.datetime.now(dt.UTC).year + 1
    with pytest.raises(IdentityError, match="出生日期无效"):
        validate_resident_id(with_check(f"440306{future}0101123"))


def test_an_unknown_county_code_in_a_real_province_is_accepted_where_stdnum_raises():
    number = with_check("44039919900101123")  # 440399 is no county stdnum knows
    with pytest.raises(KeyError):
        ric.is_valid(number)  # the upstream behaviour our wrapper guards against
    assert validate_resident_id(number).region == "440399"


def test_an_unknown_province_code_is_refused():
    with pytest.raises(IdentityError, match="地区码无效"):
        validate_resident_id(with_check("99030619900101123"))


def test_is_valid_resident_id_answers_without_raising():
    assert is_valid_resident_id(VALID_ID)
    assert not is_valid_resident_id("not a number")
    assert not is_valid_resident_id(None)  # type: ignore[arg-type]


def test_an_old_15_digit_number_is_upgraded_only_when_allowed():
    old = "440306900101123"
    assert upgrade_resident_id(old) == with_check("44030619900101123")
    assert validate_resident_id(old, allow_old=True).birth_date == dt.date(1990, 1, 1)
    with pytest.raises(IdentityError):
        validate_resident_id(old)


def test_made_up_ids_for_synthetic_data_are_valid():
    number = make_resident_id("440306", dt.date(1985, 6, 1), 7)
    assert validate_resident_id(number).sex == "M"


def test_a_valid_credit_code_passes_and_a_bad_one_fails_in_chinese():
    code = "91440300MA5F" + "00000"
    code += uscc.calc_check_digit(code)
    assert validate_credit_code(code.lower()) == code
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(IdentityError, match="校验码错误"):
        validate_credit_code(broken)
    with pytest.raises(IdentityError, match="应为 18 位"):
        validate_credit_code("9144")


def test_a_credit_code_with_characters_outside_its_alphabet_is_refused():
    with pytest.raises(IdentityError):
        validate_credit_code("91440300MA5FIOZSV1")


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("0755-23456789", "75523456789")],
)
def test_mainland_mobiles_and_fixed_lines_are_normalised(raw, normalised):
    assert validate_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["", "12345", "+1 415 555 0100", "138001380001", "电话"])
def test_invalid_or_foreign_phones_are_refused(raw):
    with pytest.raises(IdentityError):
        validate_phone(raw)


def test_masks_keep_only_the_ends():
    assert mask_resident_id(VALID_ID) == "110***********002X"
    assert mask_phone("13800138000") == "138****8000"
