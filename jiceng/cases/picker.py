"""The searchable type picker: the catalogue as options a person can filter by code, name, category
or keywords, triage's proposals first.

Rendered as a plain ``<select name="type_code">`` (works without script); ``cases/desk.js`` adds a
filter box over it (type to narrow the list, arrows to move, Enter to choose). Every option carries
``data-search`` (code, name, category and keywords, lower case) so the filter needs no request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from jiceng.cases.models import EventType


@dataclass(frozen=True)
class TypeOption:
    code: str
    label: str
    search: str
    proposed: bool = False
    confidence: float | None = None


def _option(event_type: EventType, proposed: bool = False, confidence: float | None = None) -> TypeOption:
    category = event_type.category.name if event_type.category_id else ""
    words = " ".join(
        part for part in (event_type.code, event_type.name, category, event_type.keywords) if part
    )
    return TypeOption(
        event_type.code, f"{event_type.code} {event_type.name}", words.lower(), proposed, confidence
    )


def type_options(
    proposals: Iterable[tuple[str, float | None]] = (),
) -> tuple[list[TypeOption], list[TypeOption]]:
    """(proposed, all): triage's proposals in its order (codes with confidences), then the whole active
    catalogue by code. A proposal also stays in the full list, so a filter finds it either way."""
    types = list(
        EventType.objects.filter(is_active=True)
        .select_related("category")
        .only("code", "name", "keywords", "category__name")
        .order_by("code")
    )
    by_code = {t.code: t for t in types}
    proposed: list[TypeOption] = []
    for code, confidence in proposals:
        found = by_code.get(code)
        if found is not None and all(p.code != code for p in proposed):
            proposed.append(_option(found, True, confidence))
    return proposed, [_option(t) for t in types]


def picker_context(
    proposals: Iterable[tuple[str, float | None]] = (),
    name: str = "type_code",
    empty_label: str | None = None,
    selected: str = "",
    required: bool = False,
) -> dict[str, Any]:
    proposed, everything = type_options(proposals)
    return {
        "name": name,
        "proposed": proposed,
        "options": everything,
        "empty_label": _("保持不变") if empty_label is None else empty_label,
        "selected": selected,
        "required": required,
    }


class TypePickerSelect(forms.Select):
    """A form's type field as the picker (the hotline form): the same ``data-search`` on each option."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-type-picker": "", **(attrs or {})})
        self._search: dict[str, str] = {}

    def set_types(self, options: list[TypeOption]) -> None:
        self._search = {o.code: o.search for o in options}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        search = self._search.get(str(value))
        if search:
            option["attrs"]["data-search"] = search
        return option
