"""``{% type_picker proposals %}``: the searchable event-type picker (see ``cases.picker``)."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.cases.picker import picker_context

register = template.Library()


@register.inclusion_tag("cases/_type_picker.html")
def type_picker(
    proposals: Any = (),
    name: str = "type_code",
    empty_label: str | None = None,
    selected: str = "",
    required: bool = False,
) -> dict[str, Any]:
    pairs = []
    for item in proposals or ():
        if isinstance(item, dict):
            event_type = item.get("type")
            code = getattr(event_type, "code", None) or item.get("code", "")
            pairs.append((code, item.get("confidence")))
        elif isinstance(item, (tuple, list)):
            pairs.append((item[0], item[1] if len(item) > 1 else None))
        else:
            pairs.append((str(item), None))
    return picker_context(pairs, name=name, empty_label=empty_label, selected=selected, required=required)
