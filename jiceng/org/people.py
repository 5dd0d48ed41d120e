"""The people directory: who is in the viewer's territory, with their personal data masked or
revealed (and logged) according to the viewer's role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jiceng.org.access import people_in_scope
from jiceng.org.models import Membership, User
from jiceng.org.privacy import reveal, reveal_many
from jiceng.org.scopes import scope_for

SUBJECT_TYPE = "user"


def people_for(viewer: Any, role: str = "", unit: str = "", text: str = "") -> QuerySet[User]:
    """Users with an active post in the viewer's scope, with their active posts prefetched."""
    qs = User.objects.filter(people_in_scope(scope_for(viewer)), is_active=True)
    if role:
        qs = qs.filter(memberships__role=role, memberships__is_active=True)
    if unit:
        qs = qs.filter(memberships__unit__code=unit, memberships__is_active=True)
    text = text.strip()
    if text:
        qs = qs.filter(Q(display_name__icontains=text) | Q(username__icontains=text))
    posts = (
        Membership.objects.filter(is_active=True)
        .select_related("unit", "division")
        .prefetch_related("grids")
        .order_by("role")
    )
    return (
        qs.distinct()
        .order_by("display_name", "username")
        .prefetch_related(Prefetch("memberships", queryset=posts, to_attr="active_posts"))
    )


@dataclass
class PersonRow:
    user: User
    phone: str
    id_number: str
    posts: list[Membership] = field(default_factory=list)


def shown(who: Any, users: list[User], purpose: str = "people_directory") -> list[PersonRow]:
    """Rows for a page of people: masked, or unmasked with one access-log row per person shown."""
    values = reveal_many(
        who, SUBJECT_TYPE, [(u.pk, {"phone": u.phone, "id_number": u.id_number}) for u in users], purpose
    )
    return [
        PersonRow(user=u, phone=v["phone"], id_number=v["id_number"], posts=getattr(u, "active_posts", []))
        for u, v in zip(users, values, strict=True)
    ]


def shown_one(who: Any, user: User, purpose: str = "person_detail") -> PersonRow:
    viewer = getattr(who, "user", who)
    if getattr(viewer, "pk", None) == user.pk:
        values = {"phone": user.phone, "id_number": user.id_number}  # one's own data: not a disclosure
    else:
        values = reveal(
            who, SUBJECT_TYPE, user.pk, {"phone": user.phone, "id_number": user.id_number}, purpose
        )
    posts = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("unit", "division")
        .prefetch_related("grids")
    )
    return PersonRow(user=user, phone=values["phone"], id_number=values["id_number"], posts=posts)
