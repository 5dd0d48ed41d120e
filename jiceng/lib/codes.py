"""Hierarchical address codes of the unified address library (统一地址库).

Division codes follow the statistical standard: 2 (province) + 2 (city) + 2 (county) + 3 (street)
+ 3 (community). A grid adds 2 digits to its community (14), a building 5 to its grid (19), a room 6
to its building (25). Because every code starts with its parent's, a code prefix is a jurisdiction:
"everything in street 440306001" is every code between 440306001 and 440306002.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CodeKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    BUILDING = "building"
    ROOM = "room"


LENGTHS: dict[CodeKind, int] = {
    CodeKind.DISTRICT: 6,
    CodeKind.STREET: 9,
    CodeKind.COMMUNITY: 12,
    CodeKind.GRID: 14,
    CodeKind.BUILDING: 19,
    CodeKind.ROOM: 25,
}
KIND_BY_LENGTH = {length: kind for kind, length in LENGTHS.items()}
PARENT_KIND: dict[CodeKind, CodeKind | None] = {
    CodeKind.DISTRICT: None,
    CodeKind.STREET: CodeKind.DISTRICT,
    CodeKind.COMMUNITY: CodeKind.STREET,
    CodeKind.GRID: CodeKind.COMMUNITY,
    CodeKind.BUILDING: CodeKind.GRID,
    CodeKind.ROOM: CodeKind.BUILDING,
}
LABELS = {
    CodeKind.DISTRICT: "区",
    CodeKind.STREET: "街道",
    CodeKind.COMMUNITY: "社区",
    CodeKind.GRID: "网格",
    CodeKind.BUILDING: "楼栋",
    CodeKind.ROOM: "房屋",
}


class CodeError(ValueError):
    """A code that is malformed or does not fit under its parent. The message is in Chinese."""


@dataclass(frozen=True)
class ParsedCode:
    code: str
    kind: CodeKind

    @property
    def parent(self) -> str | None:
        parent_kind = PARENT_KIND[self.kind]
        return None if parent_kind is None else self.code[: LENGTHS[parent_kind]]

    def ancestor(self, kind: CodeKind) -> str:
        if LENGTHS[kind] > LENGTHS[self.kind]:
            raise CodeError(f"{LABELS[self.kind]}编码没有{LABELS[kind]}上级")
        return self.code[: LENGTHS[kind]]


def kind_of(code: str) -> CodeKind:
    """The kind of a code by its length; raises CodeError with a Chinese message when malformed."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        raise CodeError(f"编码“{code}”只能由数字组成")
    kind = KIND_BY_LENGTH.get(len(code))
    if kind is None:
        raise CodeError(f"编码“{code}”长度为 {len(code)} 位，应为 6、9、12、14、19 或 25 位")
    return kind


def parse(code: str, expected: CodeKind | None = None, parent: str | None = None) -> ParsedCode:
    """Validate a code's structure and, when given, its kind and its parent's code."""
    code = (code or "").strip()
    kind = kind_of(code)
    if expected is not None and kind != expected:
        raise CodeError(
            f"编码“{code}”是{LABELS[kind]}编码（{LENGTHS[kind]} 位），"
            f"这里需要{LABELS[expected]}编码（{LENGTHS[expected]} 位）"
        )
    parsed = ParsedCode(code, kind)
    # Segments below the district must not be all zeros: 000 is not a street, 00 is not a grid.
    start = 6
    for level in (CodeKind.STREET, CodeKind.COMMUNITY, CodeKind.GRID, CodeKind.BUILDING, CodeKind.ROOM):
        end = LENGTHS[level]
        if len(code) < end:
            break
        if set(code[start:end]) == {"0"}:
            raise CodeError(f"编码“{code}”的{LABELS[level]}段（第 {start + 1}–{end} 位）不能全为 0")
        start = end
    if parent is not None and parsed.parent != parent:
        raise CodeError(f"编码“{code}”不在上级“{parent}”之下（应以 {parent} 开头）")
    return parsed


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The half-open range [low, high) of codes that start with ``prefix`` (digits only).

    Range predicates use an ordinary B-tree index on any database and collation, unlike LIKE 'x%'.
    """
    if not (prefix.isascii() and prefix.isdigit()):
        raise CodeError(f"编码前缀“{prefix}”只能由数字组成")
    upper = int(prefix) + 1
    if len(str(upper)) > len(prefix):
        return prefix, None
    return prefix, str(upper).zfill(len(prefix))


def error_for(code: str, expected: CodeKind, parent: str | None = None) -> str | None:
    """The Chinese reason ``code`` is not a valid ``expected`` code (under ``parent``), or None.

    The same checks as ``parse`` without raising, for bulk validation of import files.
    """
    try:
        parse(code, expected, parent)
    except CodeError as exc:
        return str(exc)
    return None


def parent_of(code: str) -> str | None:
    """The parent's code (by the code's structure), or None for a district."""
    return parse(code).parent


def is_within(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` or lies under it (structurally)."""
    return len(code) >= len(ancestor) and code.startswith(ancestor)
