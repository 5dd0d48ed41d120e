"""One spelling for what departments write in many ways: ID numbers, phones, names and dates.

Used by the importers (which keep every record and flag a field they could not read) and by linkage
(which compares the cleaned values), so a record is read the same way in both places.

- Width: full-width digits and letters (１３８, Ｘ) are folded by NFKC.
- ID numbers: spaces, dashes and dots inside are dropped, a lowercase x is raised, and an old 15-digit
  number (issued before 1999, birth year in two digits) is written in its 18-digit form.
- Phones: +86, 0086 or 86 in front, spaces, dashes and brackets are dropped.
- Names: spaces and middle dots are dropped, traditional characters become simplified ones.
- Dates: 2023-05-03, 2023/5/3, 2023.5.3, 2023年5月3日, 20230503 and 03/05/2023 (day first).

Framework-free, so the linkage benchmark can use it without Django.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from hanziconv import HanziConv

from jiceng.lib.identity import resident_id_check_digit as id_check_digit

_ID_LAST = frozenset("0123456789X")
_ID_NOISE = re.compile(r"[\s\-_.·/]")
_PHONE_NOISE = re.compile(r"[^\d+]")
_NAME_NOISE = re.compile(r"[\s·•.．・_]")


def fold(text: str | None) -> str:
    """NFKC (full width → half width) and surrounding spaces removed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def clean_id(text: str | None) -> tuple[str, bool]:
    """(the ID number in one spelling, whether it was an old 15-digit number upgraded to 18)."""
    if text and len(text) == 18 and text.isascii() and text[:17].isdigit() and text[17] in _ID_LAST:
        return text, False  # already in its one spelling (most numbers, and linkage's second look)
    number = _ID_NOISE.sub("", fold(text)).upper()
    if len(number) == 15 and number.isascii() and number.isdigit():
        first17 = number[:6] + "19" + number[6:]
        return first17 + id_check_digit(first17), True
    return number, False


def id_body_ok(number: str) -> bool:
    """18 characters, the first 17 digits: a number worth comparing digit by digit."""
    return len(number) == 18 and number[:17].isascii() and number[:17].isdigit()


def clean_phone(text: str | None) -> str:
    """Digits only, without the country code: '+86 138-1234-5678' → '13812345678'."""
    if text and len(text) == 11 and text[0] == "1" and text.isascii() and text.isdigit():
        return text  # a mobile number already in its one spelling
    s = _PHONE_NOISE.sub("", fold(text))
    digits = s.lstrip("+")
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
        if digits.startswith(prefix) and s.startswith("+") and 9 <= len(rest) <= 11:
            return rest
    return digits


@lru_cache(maxsize=65536)
def clean_name(text: str | None) -> str:
    """Spaces and dots dropped, traditional characters simplified: '張 偉' → '张伟'."""
    s = _NAME_NOISE.sub("", fold(text))
    return HanziConv.toSimplified(s) if s and not s.isascii() else s


_DATE_FORMS = [
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"), (1, 2, 3)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
    # 03/05/2023: day first, unless the second number cannot be a month
    # (05/23/2023 is month first).
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (3, 2, 1)),
]


def parse_date(text: str | None) -> dt.date:
    """A date in any of the forms above; ValueError when none fits or the date does not exist."""
    s = fold(text).replace(" ", "")
    for pattern, (y, m, d) in _DATE_FORMS:
        found = pattern.match(s)
        if found:
            year, month, day = int(found.group(y)), int(found.group(m)), int(found.group(d))
            if month > 12 >= day:
                month, day = day, month
            return dt.date(year, month, day)
    raise ValueError(s)
