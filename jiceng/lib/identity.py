"""Identity numbers and phones: validation with Chinese messages, and masking for display.

- Resident identity numbers (公民身份号码, GB 11643-1999): 18 characters with an ISO 7064 check digit.
- Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters with a check character.
- Phone numbers: mainland mobile and fixed lines, normalised to E.164 without the +86.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError


class IdentityError(ValueError):
    """An identity number, credit code or phone that fails validation. The message is in Chinese."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region: str  # first six digits


# Province-level area codes (first two digits, GB/T 2260), plus 81/82/83 used on the residence permits
# of Hong Kong, Macao and Taiwan residents. County codes (digits 3–6) are not checked: counties are
# merged and renamed, and people keep the number they were given (stdnum's ``ric.is_valid`` rejects,
# and for some codes raises ``KeyError`` on, such retired county codes).
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK = "10X98765432"  # by the weighted sum mod 11
_ZERO = ord("0") * sum(_WEIGHTS)


def resident_id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits (ASCII or any other decimal
    digits, e.g. full width)."""
    if first17.isascii():
        # Σ w·(code − 48) = Σ w·code − 48·Σ w: the digits' character codes, no int() per digit (the
        # registry's linkage checks millions of numbers).
        return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZERO) % 11]
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def make_resident_id(region: str, birth_date: dt.date, sequence: int) -> str:
    """A well-formed number for synthetic data: 6-digit region, birth date, 3-digit sequence (odd for
    men, even for women) and its check character."""
    first17 = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def upgrade_resident_id(value: str) -> str:
    """An old 15-digit number (issued before 1999, birth year in two digits) as its 18-digit form."""
    old = (value or "").strip()
    if len(old) != 15 or not old.isdigit():
        raise IdentityError(f"“{value}”不是 15 位旧身份证号码")
    first17 = old[:6] + "19" + old[6:]
    return first17 + resident_id_check_digit(first17)


def validate_resident_id(value: str, allow_old: bool = False) -> ResidentId:
    """Check an 18-digit resident identity number (GB 11643-1999); with ``allow_old`` a 15-digit one
    is accepted and upgraded. Raises IdentityError with a Chinese message."""
    number = str(value or "").strip().upper().replace(" ", "")
    if allow_old and len(number) == 15:
        number = upgrade_resident_id(number)
    if len(number) != 18:
        raise IdentityError(f"身份证号码“{value}”应为 18 位")
    if not (number[:17].isascii() and number[:17].isdigit()) or not (
        number[17].isdigit() or number[17] == "X"
    ):
        raise IdentityError(f"身份证号码“{value}”前 17 位须为数字，末位为数字或 X")
    if number[:2] not in PROVINCE_CODES:
        raise IdentityError(f"身份证号码“{value}”的地区码无效")
    if resident_id_check_digit(number[:17]) != number[17]:
        raise IdentityError(f"身份证号码“{value}”校验位错误")
    try:
        # stdnum is asked for the birth date only: its full validation also looks the county up and
        # raises on unknown area codes.
        birth = ric.get_birth_date(number)
    except (ValidationError, KeyError, ValueError):
        raise IdentityError(f"身份证号码“{value}”中的出生日期无效")
    if birth > dt.datetime.now(dt.UTC).date() or birth.year < 1880:
        raise IdentityError(f"身份证号码“{value}”中的出生日期无效")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex, region=number[:6])


def is_valid_resident_id(value: str, allow_old: bool = False) -> bool:
    try:
        validate_resident_id(value, allow_old=allow_old)
    except IdentityError:
        return False
    return True


def validate_credit_code(value: str) -> str:
    code = str(value or "").strip().upper().replace(" ", "")
    if len(code) != 18:
        raise IdentityError(f"统一社会信用代码“{value}”应为 18 位")
    try:
        return str(uscc.validate(code))
    except ValidationError:
        raise IdentityError(f"统一社会信用代码“{value}”格式或校验码错误")
    except Exception:  # noqa: BLE001 — stdnum may raise on characters outside its alphabet
        raise IdentityError(f"统一社会信用代码“{value}”含有无效字符")


def validate_phone(value: str) -> str:
    """Return the national significant number of a valid mainland number (mobile or fixed line)."""
    raw = str(value or "").strip()
    if not raw:
        raise IdentityError("电话号码不能为空")
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise IdentityError(f"电话号码“{value}”格式错误")
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise IdentityError(f"电话号码“{value}”不是有效的中国大陆号码")
    return str(parsed.national_number)


def mask_resident_id(number: str) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_address(address: str) -> str:
    """Keep the building, hide the room: '…12栋' stays, '…12栋1203室' becomes '…12栋****'."""
    if not address:
        return ""
    for marker in ("栋", "座", "幢", "号楼"):
        idx = address.rfind(marker)
        if idx != -1 and idx + len(marker) < len(address):
            return address[: idx + len(marker)] + "****"
    keep = max(len(address) - 4, len(address) // 2)
    return address[:keep] + "*" * (len(address) - keep)
