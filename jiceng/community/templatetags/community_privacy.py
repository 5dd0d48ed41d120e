"""``{{ person|resident_name:masked }}``: a resident's name on the staff pages, masked for the roles
that see personal data masked (leaders, supervisors, administrators)."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.lib.identity import mask_name

register = template.Library()


@register.filter
def resident_name(person: Any, masked: bool = True) -> str:
    name = "" if person is None else str(person)
    return mask_name(name) if masked and name else name
