"""Load a generated registry at scale (PostgreSQL COPY) and time the one-key lookup; used by
bench/bench_registry.py in a subprocess on a throwaway database."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from django.db import connection

from jiceng.core.bulk import insert_rows
from jiceng.places.models import Level
from jiceng.registry import synth


def _copy(table: str, columns: list[str], rows: Any) -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError("the lookup benchmark loads data with PostgreSQL COPY")
    insert_rows(table, columns, rows)


def load(people: int) -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # The generated rows are consistent by construction: skip per-row foreign-key triggers
        # (millions of deferred checks) while loading. Needs a superuser, as the bench cluster has.
        cursor.execute("SET session_replication_role = replica")
    rng = random.Random(5)
    library = synth.address_library(int(people / 1.5), seed=3)
    persons = synth.population(library, people, seed=4)
    seen: set[str] = set()
    unique = []
    for p in persons:
        if p.id_number not in seen:
            seen.add(p.id_number)
            unique.append(p)
    persons = unique
    divisions: list[tuple[str, str, str, str | None]] = [("440306", "宝安区", Level.DISTRICT, None)]
    for s_code, s_name, _communities in synth.STREETS:
        divisions.append((f"440306{s_code}", s_name, Level.STREET, "440306"))
    for c_code, _street, c_name in synth.district_communities(int(people / 1.5)):
        divisions.append((c_code, c_name, Level.COMMUNITY, c_code[:9]))
    ids: dict[str, int] = {}
    for n, (code, name, level, parent) in enumerate(divisions, start=1):
        ids[code] = n
        _copy(
            "places_division",
            ["id", "code", "name", "level", "parent_id"],
            [(n, code, name, level, ids.get(parent) if parent else None)],
        )
    grid_ids: dict[str, int] = {}
    grid_rows = []
    for code in sorted({b.code[:14] for b in library}):
        grid_ids[code] = len(grid_ids) + 1
        grid_rows.append((grid_ids[code], code, f"网格{code[-2:]}", ids[code[:12]], ""))
    _copy("places_grid", ["id", "code", "name", "community_id", "polygon"], grid_rows)
    building_ids = {b.code: i for i, b in enumerate(library, start=1)}
    _copy(
        "places_building",
        ["id", "code", "grid_id", "address", "address_key", "floors", "kind"],
        (
            (
                building_ids[b.code],
                b.code,
                grid_ids[b.code[:14]],
                b.address,
                "",
                max(f for _c, _r, f in b.rooms),
                "residential",
            )
            for b in library
        ),
    )
    room_ids: dict[str, int] = {}
    room_rows = []
    for b in library:
        for code, room_no, floor in b.rooms:
            room_ids[code] = len(room_ids) + 1
            room_rows.append((room_ids[code], code, building_ids[b.code], room_no, floor, "residence"))
    _copy("places_room", ["id", "code", "building_id", "room_no", "floor", "use"], room_rows)
    _copy(
        "registry_person",
        [
            "id",
            "id_number",
            "name",
            "other_names",
            "phones",
            "birth_date",
            "sex",
            "care_tags",
            "cluster_key",
            "created_at",
            "updated_at",
        ],
        (
            (
                i,
                p.id_number,
                p.name,
                "[]",
                f'["{p.phone}"]',
                f"{p.id_number[6:10]}-{p.id_number[10:12]}-{p.id_number[12:14]}",
                "M" if int(p.id_number[16]) % 2 else "F",
                "[" + ",".join(f'"{t}"' for t in p.care) + "]",
                "",
                "2025-01-01T00:00:00Z",
                "2025-01-01T00:00:00Z",
            )
            for i, p in enumerate(persons, start=1)
        ),
    )
    _copy(
        "registry_occupancy",
        ["person_id", "room_id", "relation", "started_on", "source", "created_at"],
        (
            (i, room_ids[p.room[0]], "resident", "2024-01-01", "bench", "2025-01-01T00:00:00Z")
            for i, p in enumerate(persons, start=1)
        ),
    )
    entities = max(1, people // 6)
    all_rooms = list(room_ids.values())
    _copy(
        "registry_legalentity",
        [
            "id",
            "uscc",
            "name",
            "kind",
            "legal_representative",
            "industry",
            "phone",
            "created_at",
            "updated_at",
        ],
        (
            (i, "", f"企业{i}", "company", "", "", "", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z")
            for i in range(1, entities + 1)
        ),
    )
    _copy(
        "registry_entitylocation",
        ["entity_id", "room_id", "source"],
        ((i, rng.choice(all_rooms), "bench") for i in range(1, entities + 1)),
    )
    with connection.cursor() as cursor:
        for table in (
            "places_division",
            "places_grid",
            "places_building",
            "places_room",
            "registry_person",
            "registry_legalentity",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    return {
        "people": len(persons),
        "rooms": len(room_ids),
        "buildings": len(library),
        "entities": entities,
        "room_codes": rng.sample(list(room_ids), min(2000, len(room_ids))),
        "building_codes": rng.sample(list(building_ids), min(500, len(building_ids))),
        "grid_codes": sorted(grid_ids),
        "id_numbers": [p.id_number for p in rng.sample(persons, min(500, len(persons)))],
    }


def loaded() -> dict[str, Any]:
    """Samples from a registry ``load`` already put in this database (to time lookups again
    without reloading)."""
    from jiceng.places.models import Building, Grid, Room
    from jiceng.registry.models import LegalEntity, Person

    def sample(model: Any, field: str, n: int) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {field} FROM {model._meta.db_table} TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT %s",
                [n],
            )
            return [row[0] for row in cursor.fetchall()]

    return {
        "people": Person.objects.count(),
        "rooms": Room.objects.count(),
        "entities": LegalEntity.objects.count(),
        "room_codes": sample(Room, "code", 2000),
        "building_codes": sample(Building, "code", 500),
        "grid_codes": sorted(Grid.objects.values_list("code", flat=True)),
        "id_numbers": sample(Person, "id_number", 500),
    }


def load_and_time(people: int, queries: int = 1500, reuse: bool = False) -> dict[str, Any]:
    from rest_framework.test import APIClient

    from jiceng.org.models import Role, User
    from jiceng.testing import make_user

    started = time.perf_counter()
    data = loaded() if reuse else load(people)
    load_seconds = time.perf_counter() - started
    # A community-workstation member of the whole district would be unusual; the admin's scope
    # covers the district and unmasked reads write access-log rows, the most expensive path.
    admin = User.objects.filter(username="bench-admin").first() or make_user(
        "bench-admin", "管理员", Role.ADMIN
    )
    client = APIClient()
    client.force_authenticate(admin)
    rng = random.Random(9)
    plan = (
        [("room", "code", c) for c in data["room_codes"]]
        + [("building", "code", c) for c in data["building_codes"]]
        + [("grid", "code", c) for c in data["grid_codes"]]
        + [("id_number", "id_number", n) for n in data["id_numbers"]]
    )
    rng.shuffle(plan)
    plan = (plan * (1 + queries // max(len(plan), 1)))[:queries]
    for _kind, key, value in plan[:50]:  # warm up
        client.get("/api/v1/registry/lookup", {key: value})
    times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for kind, key, value in plan:
        t = time.perf_counter()
        response = client.get("/api/v1/registry/lookup", {key: value})
        elapsed = (time.perf_counter() - t) * 1000
        times.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        if response.status_code != 200:
            raise RuntimeError(f"lookup {key}={value} → {response.status_code} {response.content[:200]!r}")
    return {
        "people": data["people"],
        "rooms": data["rooms"],
        "entities": data["entities"],
        "load_seconds": load_seconds,
        "grids": len(data["grid_codes"]),
        **_percentiles(times),
        "kinds": {kind: {"n": len(ts), **_percentiles(ts)} for kind, ts in sorted(by_kind.items())},
    }


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
    }
