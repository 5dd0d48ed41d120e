"""The people directory: who is in the viewer's territory, with their personal data masked or
revealed (and logged) according to the viewer's role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jiceng.org.access import people_in_scope
from jiceng.org.models import Membership, Role, User
from jiceng.org.privacy import may_see_personal_data, reveal, reveal_many, shown_username
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
    # The name and username as shown: a resident's name is personal data (masked for leaders,
    # supervisors and administrators); staff are listed under their names, the directory's purpose.
    name: str = ""
    username: str = ""


def _is_resident(posts: list[Membership]) -> bool:
    return all(m.role in (Role.RESIDENT, Role.BUILDING_HEAD) for m in posts)


def _values(user: User, posts: list[Membership]) -> dict[str, str]:
    values = {"phone": user.phone, "id_number": user.id_number}
    if _is_resident(posts):
        values["name"] = user.display_name
    return values


def _row(user: User, values: dict[str, str], posts: list[Membership], masked: bool) -> PersonRow:
    return PersonRow(
        user=user,
        phone=values["phone"],
        id_number=values["id_number"],
        posts=posts,
        name=values.get("name", user.display_name) or shown_username(user, masked),
        username=shown_username(user, masked),
    )


def shown(who: Any, users: list[User], purpose: str = "people_directory") -> list[PersonRow]:
    """Rows for a page of people: masked, or unmasked with one access-log row per person shown."""
    posts = {u.pk: getattr(u, "active_posts", []) for u in users}
    values = reveal_many(who, SUBJECT_TYPE, [(u.pk, _values(u, posts[u.pk])) for u in users], purpose)
    masked = not may_see_personal_data(getattr(who, "user", who))
    return [_row(u, v, posts[u.pk], masked) for u, v in zip(users, values, strict=True)]


def shown_one(who: Any, user: User, purpose: str = "person_detail") -> PersonRow:
    viewer = getattr(who, "user", who)
    posts = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("unit", "division")
        .prefetch_related("grids")
    )
    if getattr(viewer, "pk", None) == user.pk:
        values = _values(user, posts)  # one's own data: not a disclosure
        return _row(user, values, posts, masked=False)
    values = reveal(who, SUBJECT_TYPE, user.pk, _values(user, posts), purpose)
    return _row(user, values, posts, masked=not may_see_personal_data(viewer))
