"""One key to know (一键可知): everything known about a room, building, grid or ID number.

Places are fetched through org.access (missing and forbidden look alike); a person by ID number only
when they live or lived somewhere in the caller's scope. Personal fields go through org.privacy.reveal,
masked for roles that may not see them and logged (one AccessLog row per person) when shown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.exceptions import NotFound
from jiceng.lib.identity import IdentityError, mask_name, validate_resident_id
from jiceng.org.access import access_building, access_grid, access_room
from jiceng.org.privacy import may_see_personal_data, reveal, reveal_list
from jiceng.org.scopes import scope_for
from jiceng.places.models import Building, CodeHistory, Room
from jiceng.registry import hooks
from jiceng.registry.exceptions import RegistryError
from jiceng.registry.models import (
    EntityLocation,
    Link,
    Occupancy,
    Person,
    RegistryEvent,
    TaskStatus,
    VerificationTask,
)


def _age(birth: dt.date | None) -> int | None:
    if birth is None:
        return None
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def person_view(who: Any, person: Person, purpose: str) -> dict[str, Any]:
    shown = reveal(
        who,
        "person",
        person.pk,
        {
            "name": person.name,
            "id_number": person.id_number,
            "phone": person.phones[0] if person.phones else "",
        },
        purpose=purpose,
    )
    return {
        "id": person.pk,
        **shown,
        "sex": person.get_sex_display() if person.sex else "",
        "age": _age(person.birth_date),
        "care_tags": list(person.care_tags),
    }


def _occupant(who: Any, occupancy: Occupancy, purpose: str) -> dict[str, Any]:
    return {
        **person_view(who, occupancy.person, purpose),
        "occupancy_id": occupancy.pk,
        "relation": occupancy.get_relation_display(),
        "since": occupancy.started_on.isoformat() if occupancy.started_on else "",
        "source": occupancy.source,
    }


def _entities(room_filter: Q) -> list[dict[str, Any]]:
    locations = list(
        EntityLocation.objects.filter(room_filter, ended_on=None).select_related("entity", "room")[:200]
    )
    # Fields the import flagged on the entity's records (a credit code that fails its check, kept): an
    # organisation's code is public, so the reason is shown to whoever sees the entity.
    flagged: dict[int, list[dict[str, str]]] = defaultdict(list)
    for entity_id, source, record_id, flags in Link.objects.filter(
        entity_id__in={loc.entity_id for loc in locations}
    ).values_list("entity_id", "record__source__name", "record__record_id", "record__flags"):
        for flag in flags or []:
            flagged[entity_id].append(
                {
                    "source": source,
                    "record_id": record_id,
                    "column": flag.get("column", ""),
                    "reason": flag.get("reason", ""),
                }
            )
    return [
        {
            "id": loc.entity.pk,
            "name": loc.entity.name,
            "uscc": loc.entity.uscc,
            "kind": loc.entity.get_kind_display(),
            "legal_representative": loc.entity.legal_representative,
            "industry": loc.entity.industry,
            "room_code": loc.room.code,
            "flagged": flagged.get(loc.entity_id, []),
        }
        for loc in locations
    ]


def _open_tasks(task_filter: Q) -> list[dict[str, Any]]:
    return [
        {"id": t.pk, "kind": t.get_kind_display(), "title": t.title, "created_at": t.created_at.isoformat()}
        for t in VerificationTask.objects.filter(task_filter, status=TaskStatus.OPEN).order_by("-created_at")[
            :50
        ]
    ]


def _history(codes: list[str], prefix: str = "") -> list[dict[str, Any]]:
    """Changes recorded at these rooms (or, with ``prefix``, at every room under a building code:
    a range on the indexed column, since ':' sorts right after '9')."""
    where = Q(room_code__gte=prefix, room_code__lt=prefix + ":") if prefix else Q(room_code__in=codes)
    events = RegistryEvent.objects.filter(where).order_by("-at")[:30]
    renamed = CodeHistory.objects.filter(Q(old_code__in=codes) | Q(new_code__in=codes))[:10]
    return [
        {"at": e.at.isoformat(), "what": e.verb, "subject": f"{e.subject_type}:{e.subject_id}"}
        for e in events
    ] + [
        {"at": c.changed_at.isoformat(), "what": "code_change", "subject": f"{c.old_code}→{c.new_code}"}
        for c in renamed
    ]


def room_lookup(who: Any, user: Any, code: str) -> dict[str, Any]:
    room = access_room(user, code)
    building = room.building
    occupancies = list(
        Occupancy.objects.filter(room=room).select_related("person").order_by("ended_on", "-started_on")[:200]
    )
    current = [o for o in occupancies if o.ended_on is None]
    past = [o for o in occupancies if o.ended_on is not None]
    occupants = [_occupant(who, o, "lookup") for o in current]
    return {
        "kind": "room",
        "code": room.code,
        "room_no": room.room_no,
        "floor": room.floor,
        "use": room.get_use_display(),
        "address": f"{building.address}{room.room_no}",
        "building": {"code": building.code, "address": building.address},
        "grid": {"code": building.grid.code, "name": building.grid.name},
        "occupants": occupants,
        "former_occupants": [
            {
                "id": o.person.pk,
                "name": reveal(who, "person", o.person.pk, {"name": o.person.name}, purpose="lookup")["name"],
                "until": o.ended_on.isoformat() if o.ended_on else "",
            }
            for o in past[:20]
        ],
        "entities": _entities(Q(room=room)),
        "care_tags": sorted({t for o in occupants for t in o["care_tags"]}),
        "open_tasks": _open_tasks(Q(room=room)),
        "open_cases": hooks.open_cases([room.code, building.code]),
        "history": _history([room.code]),
    }


def building_lookup(who: Any, user: Any, code: str) -> dict[str, Any]:
    building = access_building(user, code)
    rooms = list(
        Room.objects.filter(building=building)
        .order_by("-floor", "room_no")
        .only("pk", "code", "room_no", "floor", "use")
    )
    # One query for every current occupant's room and care tags (a building has at most a few
    # hundred), one for its entities: the floor grid is built from these in memory.
    counts: Counter[int] = Counter()
    care: dict[int, set[str]] = defaultdict(set)
    care_people: list[tuple[int, int, list[str]]] = []
    for room_id, person_id, tags in Occupancy.objects.filter(
        room__building=building, ended_on=None
    ).values_list("room_id", "person_id", "person__care_tags"):
        counts[room_id] += 1
        if tags:
            care[room_id].update(tags)
            care_people.append((room_id, person_id, tags))
    entities = _entities(Q(room__building=building))
    entity_rooms = Counter(e["room_code"] for e in entities)
    by_pk = {r.pk: r for r in rooms}
    floors: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rooms:
        floors[r.floor].append(
            {
                "code": r.code,
                "room_no": r.room_no,
                "occupants": counts.get(r.pk, 0),
                "entities": entity_rooms.get(r.code, 0),
                "care_tags": sorted(care.get(r.pk, ())),
            }
        )
    return {
        "kind": "building",
        "code": building.code,
        "address": building.address,
        "floors_count": building.floors,
        "building_kind": building.get_kind_display(),
        "grid": {"code": building.grid.code, "name": building.grid.name},
        "floors": [{"floor": f, "rooms": floors[f]} for f in sorted(floors, reverse=True)],
        "occupants_total": sum(counts.values()),
        # Who needs care, by room and tag only: names and numbers are one tap away on the room, so a
        # glance at a building reveals (and logs) no one's personal data.
        "care": [
            {"person_id": pid, "room_code": by_pk[rid].code, "room_no": by_pk[rid].room_no, "care_tags": tags}
            for rid, pid, tags in care_people[:100]
            if rid in by_pk
        ],
        "entities": entities,
        "open_tasks": _open_tasks(Q(room__building=building)),
        "open_cases": hooks.open_cases([building.code]),
        "history": _history([building.code], prefix=building.code),
    }


# Buildings listed in a grid lookup, with room and occupant counts; ``buildings_total`` says how
# many the grid has (the places grid page searches them all). Counting occupants walks every room
# of the listed buildings, so this bounds the lookup's cost however large the grid.
GRID_BUILDINGS = 50


def grid_lookup(who: Any, user: Any, code: str) -> dict[str, Any]:
    grid = access_grid(user, code)
    # The grid's first buildings by code, then room and occupant counts for just those buildings,
    # grouped by building id (no join back to buildings): the cost follows the buildings shown,
    # not the size of the grid.
    buildings = list(
        Building.objects.filter(grid=grid)
        .order_by("code")
        .values("id", "code", "address", "floors")[:GRID_BUILDINGS]
    )
    ids = [b["id"] for b in buildings]
    rooms = dict(
        Room.objects.filter(building_id__in=ids)
        .order_by()
        .values_list("building_id")
        .annotate(n=Count("*"))
        .values_list("building_id", "n")
    )
    occupants = dict(
        Occupancy.objects.filter(room__building_id__in=ids, ended_on=None)
        .order_by()
        .values_list("room__building_id")
        .annotate(n=Count("*"))  # COUNT(*): answered from the (room, ended_on) index alone
        .values_list("room__building_id", "n")
    )
    return {
        "kind": "grid",
        "code": grid.code,
        "name": grid.name,
        "community": grid.community.name,
        "buildings_total": Building.objects.filter(grid=grid).count(),
        "buildings": [
            {
                "code": b["code"],
                "address": b["address"],
                "floors": b["floors"],
                "rooms_count": rooms.get(b["id"], 0),
                "occupants": occupants.get(b["id"], 0),
            }
            for b in buildings
        ],
        "open_tasks": _open_tasks(Q(grid=grid)),
        "open_cases": hooks.open_cases([grid.code]),
    }


def _flagged(who: Any, person: Person) -> list[dict[str, str]]:
    """Fields of this person's records that the import flagged (kept, but dirty). The reasons quote the
    values as received, so only staff who may see personal data read them; others see which field."""
    full = may_see_personal_data(getattr(who, "user", who))
    out = []
    for source, record_id, flags in person.links.values_list(
        "record__source__name", "record__record_id", "record__flags"
    ):
        for flag in flags or []:
            out.append(
                {
                    "source": source,
                    "record_id": record_id,
                    "column": flag.get("column", ""),
                    "reason": flag.get("reason", "") if full else "",
                }
            )
    return out


def person_lookup(who: Any, user: Any, id_number: str) -> dict[str, Any]:
    try:
        number = validate_resident_id(id_number).number
    except IdentityError as exc:
        raise RegistryError(str(exc))
    scope = scope_for(user)
    person = Person.objects.filter(id_number=number).first()
    occupancies = (
        list(
            Occupancy.objects.filter(person=person)
            .select_related("room__building")
            .order_by("ended_on", "-started_on")
        )
        if person
        else []
    )
    if person is None or not any(scope.covers(o.room.code) for o in occupancies):
        raise NotFound(_("未找到该身份证号对应的人员。"))
    visible = [o for o in occupancies if scope.covers(o.room.code)]
    # A person's homes are personal data: masked for leaders and supervisors, logged when shown.
    addresses = reveal_list(
        who,
        "person",
        person.pk,
        "address",
        [f"{o.room.building.address}{o.room.room_no}" for o in visible],
        purpose="lookup",
    )
    return {
        "kind": "person",
        "person": person_view(who, person, "lookup"),
        "other_names": person.other_names
        if may_see_personal_data(getattr(who, "user", who))
        else [mask_name(n) for n in person.other_names],
        "rooms": [
            {
                "code": o.room.code,
                "address": address,
                "relation": o.get_relation_display(),
                "current": o.ended_on is None,
                "since": o.started_on.isoformat() if o.started_on else "",
                "until": o.ended_on.isoformat() if o.ended_on else "",
            }
            for o, address in zip(visible, addresses, strict=True)
        ],
        "sources": sorted(set(person.links.values_list("record__source__name", flat=True))),
        "flagged": _flagged(who, person),
        "open_tasks": _open_tasks(Q(person=person) & scope.q("grid__code")),
        "open_cases": hooks.open_cases([o.room.code for o in visible if o.ended_on is None]),
    }


def lookup(who: Any, code: str = "", id_number: str = "") -> dict[str, Any]:
    """``who`` is the request (for the access log's path and IP) or the user."""
    user = getattr(who, "user", who)
    code = (code or "").strip()
    if id_number:
        return person_lookup(who, user, id_number.strip())
    if len(code) == 25:
        return room_lookup(who, user, code)
    if len(code) == 19:
        return building_lookup(who, user, code)
    if len(code) == 14:
        return grid_lookup(who, user, code)
    raise RegistryError(_("请输入 25 位房屋编码、19 位楼栋编码、14 位网格编码，或身份证号。"))
