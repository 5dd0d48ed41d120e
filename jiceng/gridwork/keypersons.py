"""Key persons (重点人员) placed under one community cadre and one police officer (一名社区干部包、一名
民警挂).

Purpose-bound access: a key person is seen only by the named cadre, the named officer, and the
supervisors and leaders whose territory covers them (everybody else gets "not found", as for a person
that does not exist). Every read — a list as much as a record — names its purpose and writes one
access-log row per person shown. The named pair see the person's data in full; supervisors see it
masked.

Departments feed the register (``jiceng import key-persons FILE``); kinds are data
(``data/key_person_kinds.yaml``) with their visit interval; a visit moves the next due date, and an
overdue visit alerts the cadre and the supervisors through ``cases.outbox.notify`` once per due date.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.importing import ImportReport, RowError, read_rows
from jiceng.gridwork.actions import event
from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound
from jiceng.gridwork.models import KeyPerson, KeyPersonVisit, VisitMode
from jiceng.lib.identity import (
    IdentityError,
    mask_name,
    mask_phone,
    mask_resident_id,
    validate_phone,
    validate_resident_id,
)
from jiceng.org.models import AccessLog, Membership, Role, User
from jiceng.org.scopes import scope_for

DATA = Path(__file__).parent / "data" / "key_person_kinds.yaml"
SUPERVISING = (Role.SUPERVISOR, Role.LEADER)
PURPOSES = {
    "visit": "走访帮扶",
    "review": "风险研判",
    "supervise": "督导检查",
    "handover": "工作交接",
    "emergency": "应急处置",
}
IMPORT_COLUMNS = ["kind", "name", "id_number", "phone", "room_code", "cadre", "officer", "source", "since"]


@cache
def kinds() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {str(k["code"]): dict(k) for k in doc["kinds"]}


def _purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise GridworkError(
            _("查阅重点人员须说明目的（%(list)s）。")
            % {"list": "、".join(f"{k}={v}" for k, v in PURPOSES.items())},
            code="purpose_required",
        )
    return purpose


def _is_supervisor(user: Any) -> bool:
    scope = scope_for(user)
    return bool(getattr(user, "is_superuser", False) or scope.has_role(*SUPERVISING, Role.ADMIN))


def visible_q(user: Any) -> Q:
    """The named pair, or a supervisor whose territory covers the person."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(cadre=user) | Q(officer=user)
    if _is_supervisor(user):
        q |= scope_for(user).q("grid_code")
    return q


def is_named(user: Any, person: KeyPerson) -> bool:
    return user.pk in (person.cadre_id, person.officer_id)


def _log(request: Any, user: Any, people: list[KeyPerson], purpose: str) -> None:
    path = request.get_full_path()[:300] if request is not None else ""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
                subject_type="key_person",
                subject_id=str(p.pk),
                fields="name,id_number,phone,address",
                purpose=PURPOSES[purpose],
                path=path,
                ip=ip,
            )
            for p in people
        ]
    )


def read_list(user: Any, purpose: str, request: Any = None, limit: int = 200) -> list[KeyPerson]:
    """The key persons the user may see, the most overdue first; every one shown is logged."""
    purpose = _purpose(purpose)
    rows = list(
        KeyPerson.objects.filter(visible_q(user), is_active=True)
        .select_related("room__building", "cadre", "officer")
        .order_by("next_visit_due", "pk")[:limit]
    )
    _log(request, user, rows, purpose)
    return rows


def read_one(user: Any, key_person_id: Any, purpose: str, request: Any = None) -> KeyPerson:
    """One key person for a stated purpose; "not found" for everybody outside the pair and supervisors."""
    purpose = _purpose(purpose)
    try:
        pk = int(key_person_id)
    except (TypeError, ValueError):
        pk = -1
    found = (
        KeyPerson.objects.filter(visible_q(user), pk=pk)
        .select_related("room__building", "cadre", "officer")
        .first()
    )
    if found is None:
        raise GridworkNotFound(_("未找到重点人员。"))
    _log(request, user, [found], purpose)
    return found


def shown(user: Any, person: KeyPerson) -> dict[str, str]:
    """Personal fields as this viewer may see them: in full for the named pair, masked otherwise."""
    values = {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": f"{person.room.building.address}{person.room.room_no}",
    }
    if is_named(user, person) or getattr(user, "is_superuser", False):
        return values
    return {
        "name": mask_name(values["name"]),
        "id_number": mask_resident_id(values["id_number"]),
        "phone": mask_phone(values["phone"]),
        "address": values["address"][:12] + "…",
    }


# -- register ---------------------------------------------------------------------------------------


def _staff_user(username: str, what: str) -> User:
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None or not scope_for(user).is_staff:
        raise ValueError(_("未找到在岗的%(what)s“%(name)s”") % {"what": what, "name": username})
    return user


def register(
    actor: Any,
    *,
    kind: str,
    name: str,
    id_number: str,
    phone: str,
    room: Any,
    cadre: User,
    officer: User,
    source: str = "",
    since: dt.date | None = None,
) -> KeyPerson:
    from jiceng.registry.models import Person

    since = since or timezone.localdate()
    every = int(kinds()[kind]["every_days"])
    existing = KeyPerson.objects.filter(kind=kind, id_number=id_number, is_active=True).first()
    fields = {
        "name": name,
        "phone": phone,
        "room": room,
        "grid_code": room.building.grid.code,
        "cadre": cadre,
        "officer": officer,
        "source": source[:64],
        "person": Person.objects.filter(id_number=id_number).first(),
    }
    if existing is not None:
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        event(actor, "key_person_update", "key_person", existing.pk, source=source)
        return existing
    person = KeyPerson.objects.create(
        kind=kind, id_number=id_number, since=since, next_visit_due=since + dt.timedelta(days=every), **fields
    )
    event(actor, "key_person_register", "key_person", person.pk, source=source, kind=kind)
    return person


def import_key_persons(path: Path, source: str = "", user: Any = None, **options: Any) -> ImportReport:
    """``jiceng import key-persons FILE``: a department's register (columns ``IMPORT_COLUMNS``); all or
    nothing. The cadre must be posted where the person lives; the officer must be staff."""
    from jiceng.places.models import Room

    path = Path(path)
    report = ImportReport(kind="key-persons", file=path.name)
    clean: list[dict[str, Any]] = []
    for number, row in read_rows(path, [c for c in IMPORT_COLUMNS if c not in ("phone", "source", "since")]):
        report.rows += 1
        if "__error__" in row:
            report.errors.append(RowError(path.name, number, "*", row["__error__"]))
            continue
        column = "kind"
        try:
            kind = row["kind"].strip()
            if kind not in kinds():
                raise ValueError(_("未知的类别“%(k)s”") % {"k": kind})
            column = "id_number"
            id_number = validate_resident_id(row["id_number"]).number
            column = "phone"
            phone = validate_phone(row["phone"]) if (row.get("phone") or "").strip() else ""
            column = "room_code"
            room = Room.objects.select_related("building__grid").filter(code=row["room_code"].strip()).first()
            if room is None:
                raise ValueError(_("房屋编码不存在"))
            column = "cadre"
            cadre = _staff_user(row["cadre"], _("社区干部"))
            if not scope_for(cadre).covers(room.code):
                raise ValueError(_("该社区干部不负责此房屋所在的区域"))
            column = "officer"
            officer = _staff_user(row["officer"], _("民警"))
            column = "since"
            since = dt.date.fromisoformat(row["since"].strip()) if (row.get("since") or "").strip() else None
        except (ValueError, IdentityError) as exc:
            report.errors.append(RowError(path.name, number, column, str(exc)))
            continue
        clean.append(
            {
                "kind": kind,
                "name": row["name"].strip()[:50],
                "id_number": id_number,
                "phone": phone,
                "room": room,
                "cadre": cadre,
                "officer": officer,
                "source": (row.get("source") or source or "").strip(),
                "since": since,
            }
        )
    if report.errors:
        return report
    with transaction.atomic():
        for values in clean:
            before = KeyPerson.objects.filter(
                kind=values["kind"], id_number=values["id_number"], is_active=True
            ).exists()
            register(user, **values)
            report.updated += before
            report.created += not before
    return report


# -- visits -----------------------------------------------------------------------------------------


def check_record_visit(
    actor: Any, key_person_id: Any, *, mode: str, situation: str, risk: str, at: dt.datetime | None = None
) -> KeyPersonVisit:
    """Only the named cadre and officer visit; the next due date moves by the kind's interval."""
    person = read_one(actor, key_person_id, "visit")
    if not is_named(actor, person):
        raise GridworkError(_("只有包联干部和挂点民警可以登记走访。"), code="forbidden", status=403)
    if mode not in VisitMode.values:
        raise GridworkError(_("请选择走访方式。"), code="bad_mode")
    if risk not in ("low", "medium", "high"):
        raise GridworkError(_("请选择风险等级。"), code="bad_risk")
    if not (situation or "").strip():
        raise GridworkError(_("请填写走访情况。"), code="situation_required")
    at = at or timezone.now()
    every = int(kinds()[person.kind]["every_days"])
    with transaction.atomic():
        visit = KeyPersonVisit.objects.create(
            key_person=person, visitor=actor, at=at, mode=mode, situation=situation.strip()[:2000], risk=risk
        )
        next_due = timezone.localdate(at) + dt.timedelta(days=every)
        KeyPerson.objects.filter(pk=person.pk).update(next_visit_due=next_due, alerted_for=None)
        event(actor, "key_person_visit", "key_person", person.pk, risk=risk, mode=mode)
    return visit


def supervisors_of(grid_code: str) -> list[int]:
    """Supervisors and leaders whose unit's territory covers the grid."""
    prefixes = [grid_code[:n] for n in (6, 9, 12)]
    return sorted(
        set(
            Membership.objects.filter(
                role__in=SUPERVISING,
                is_active=True,
                unit__is_active=True,
                unit__jurisdiction__code__in=prefixes,
            ).values_list("user_id", flat=True)
        )
    )


# One sweep alerts at most this many overdue visits (the worker goes again while it is full).
SWEEP_VISITS = 1000


def sweep_overdue_visits(today: dt.date | None = None) -> int:
    """Visits past due alert the cadre and the supervisors, once per due date."""
    from jiceng.cases.outbox import notify

    today = today or timezone.localdate()
    alerted = 0
    due = KeyPerson.objects.filter(is_active=True, next_visit_due__lt=today).exclude(
        alerted_for=F("next_visit_due")
    )
    for person in due.order_by("next_visit_due", "pk")[:SWEEP_VISITS]:
        with transaction.atomic():
            if (
                not KeyPerson.objects.filter(pk=person.pk, next_visit_due=person.next_visit_due)
                .exclude(alerted_for=person.next_visit_due)
                .update(alerted_for=person.next_visit_due)
            ):
                continue
            kind = kinds()[person.kind]["name"]
            notify(
                "key_person_overdue",
                # No name in the message: it travels by SMS; the link opens the purpose-bound record.
                _("重点人员走访逾期：%(kind)s（编号 %(id)s），应于 %(due)s 前走访。")
                % {"kind": kind, "id": person.pk, "due": person.next_visit_due.isoformat()},
                users=[person.cadre_id, *supervisors_of(person.grid_code)],
                link=f"/gridwork/key-persons/{person.pk}/?purpose=visit",
                key_person=person.pk,
            )
            alerted += 1
    return alerted


def visible_for_list(user: Any) -> QuerySet[KeyPerson]:
    return KeyPerson.objects.filter(visible_q(user), is_active=True)
