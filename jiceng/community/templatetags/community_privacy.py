"""``{{ person|resident_name:masked }}``: a resident's name on the staff pages, masked for the roles
that see personal data masked (leaders, supervisors, administrators). The staff pages pass a
:class:`~jiceng.org.privacy.PageReveal` as ``masked``, which logs every name it shows unmasked."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.lib.identity import mask_name
from jiceng.org.privacy import PageReveal

register = template.Library()


@register.filter
def resident_name(person: Any, masked: bool = True) -> str:
    name = "" if person is None else str(person)
    if isinstance(masked, PageReveal):
        return masked.name(getattr(person, "pk", name), name)
    return mask_name(name) if masked and name else name
