"""Every state change of a dispute: ``check_<verb>`` validates and checks permission, ``do_<verb>`` writes
in one transaction with its ``DisputeEvent``. Pages, the API, the importer and the CLI call the same
``check_*`` functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases.outbox import notify
from jiceng.cases.permissions import is_admin
from jiceng.lib.identity import IdentityError, validate_phone, validate_resident_id
from jiceng.mediation import grading
from jiceng.mediation.exceptions import MediationError, MediationForbidden
from jiceng.mediation.models import (
    Agreement,
    Dispute,
    DisputeEvent,
    DisputeKind,
    FollowUp,
    JointSession,
    JointTask,
    Outcome,
    Party,
    ReferralKind,
    Relationship,
    RiskLevel,
    SignedCopy,
    Source,
    Status,
    TaskStatus,
)
from jiceng.mediation.permissions import (
    agency_units,
    is_staff,
    may_raise,
    member_of_kind,
    require_agency,
    require_lead,
)
from jiceng.mediation.seed import kinds_data
from jiceng.org.models import Unit
from jiceng.places.models import Grid, Level, Room

logger = logging.getLogger(__name__)

# Who may bring a dispute in from each source (unit kind of the reporting post).
SOURCE_KINDS: dict[str, str] = {
    Source.POLICE.value: "paichusuo",
    Source.COURT.value: "fayuan",
    Source.HOTLINE.value: "fulian",
}
LEVEL_ORDER = [Level.COMMUNITY, Level.STREET, Level.DISTRICT]
# The one-stop dispute-resolution centres (矛盾纠纷调处中心) of each level: the community's sits in its
# workstation, the street's and the district's in their comprehensive governance centres.
CENTRE_KINDS: dict[str, str] = {
    Level.COMMUNITY.value: "community_workstation",
    Level.STREET.value: "zongzhi",
    Level.DISTRICT.value: "zongzhi",
}
OPEN_STATUSES = (Status.OPEN, Status.MEDIATING)


@dataclass
class PartyInput:
    name: str = ""
    role: str = "applicant"
    relationship: str = Relationship.OTHER
    id_number: str = ""
    phone: str = ""
    person_id: int | None = None


@dataclass
class DisputeInput:
    kind: str
    source: str
    narrative: str
    grid_code: str = ""
    room_code: str = ""
    source_ref: str = ""
    parties: list[PartyInput] = field(default_factory=list)
    minors: int = 0
    elderly_dependants: int = 0
    protection_order: bool = False
    case_id: int | None = None


def _event(dispute: Dispute, actor: Any, verb: str, **detail: Any) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, actor=actor if getattr(actor, "pk", None) else None, verb=verb, detail=detail
    )


def _link(dispute: Dispute) -> str:
    return f"/mediation/disputes/{dispute.pk}/"


# --- intake -------------------------------------------------------------------------------------


def _clean_party(raw: PartyInput, number: int) -> dict[str, Any]:
    from jiceng.registry.models import Person

    where = _("第%(n)s位当事人") % {"n": number}
    data: dict[str, Any] = {
        "name": (raw.name or "").strip(),
        "role": raw.role if raw.role in ("applicant", "respondent") else "applicant",
        "relationship": raw.relationship or Relationship.OTHER,
        "id_number": (raw.id_number or "").strip().upper(),
        "phone": (raw.phone or "").strip(),
        "person_id": None,
    }
    if data["relationship"] not in Relationship.values:
        raise MediationError(
            _("%(where)s：未知的关系“%(value)s”。") % {"where": where, "value": data["relationship"]}
        )
    if raw.person_id not in (None, ""):
        try:
            pk = int(raw.person_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pk = -1
        person = Person.objects.filter(pk=pk).first()
        if person is None:
            raise MediationError(
                _("%(where)s：人口库中没有编号为“%(id)s”的人员。") % {"where": where, "id": raw.person_id},
                code="unknown_party",
            )
        data["person_id"] = person.pk
        data["name"] = data["name"] or person.name
        data["id_number"] = data["id_number"] or person.id_number
        data["phone"] = data["phone"] or (person.phones[0] if person.phones else "")
    if data["id_number"]:
        try:
            data["id_number"] = validate_resident_id(data["id_number"]).number
        except IdentityError as exc:
            raise MediationError(_("%(where)s：%(err)s") % {"where": where, "err": exc}) from exc
        if data["person_id"] is None:
            found = Person.objects.filter(id_number=data["id_number"]).values_list("pk", flat=True).first()
            data["person_id"] = found
    if data["phone"]:
        try:
            data["phone"] = validate_phone(data["phone"])
        except IdentityError as exc:
            raise MediationError(_("%(where)s：%(err)s") % {"where": where, "err": exc}) from exc
    if not data["name"]:
        raise MediationError(_("%(where)s：请填写姓名。") % {"where": where})
    return data


def _locate(grid_code: str, room_code: str) -> tuple[Grid, str]:
    room_code = (room_code or "").strip()
    grid_code = (grid_code or "").strip()
    if room_code:
        room = Room.objects.select_related("building__grid").filter(code=room_code).first()
        if room is None:
            raise MediationError(_("未找到房屋“%(code)s”。") % {"code": room_code}, code="unknown_room")
        return room.building.grid, room_code
    grid = Grid.objects.filter(code=grid_code).first() if grid_code else None
    if grid is None:
        raise MediationError(_("请填写所在网格或房屋编码（未找到“%(code)s”）。") % {"code": grid_code})
    return grid, ""


def check_create_dispute(actor: Any, data: DisputeInput) -> Dispute:
    """Validate a dispute from any source, grade it and create its joint tasks."""
    if data.source not in Source.values:
        raise MediationError(_("未知的来源“%(s)s”。") % {"s": data.source})
    if actor is not None:
        if not is_staff(actor):
            raise MediationForbidden(_("只有工作人员可以登记纠纷。"))
        needed = SOURCE_KINDS.get(data.source)
        if needed and not is_admin(actor) and not member_of_kind(actor, needed):
            raise MediationForbidden(
                _("“%(source)s”只能由相应单位登记。") % {"source": Source(data.source).label}
            )
    kind = DisputeKind.objects.filter(code=data.kind).first()
    if kind is None:
        raise MediationError(_("未知的纠纷类型“%(k)s”。") % {"k": data.kind}, code="unknown_kind")
    narrative = (data.narrative or "").strip()
    if not narrative:
        raise MediationError(_("请填写纠纷情况描述。"))
    grid, room_code = _locate(data.grid_code, data.room_code)
    if actor is not None and not is_admin(actor):
        from jiceng.org.scopes import scope_for

        if not scope_for(actor).covers(grid.code) and not member_of_kind(
            actor, SOURCE_KINDS.get(data.source, "")
        ):
            raise MediationError(_("所在网格不在您的管辖范围内。"), code="out_of_scope")
    parties = [_clean_party(p, i) for i, p in enumerate(data.parties, start=1)]
    if data.source_ref and Dispute.objects.filter(source=data.source, source_ref=data.source_ref).exists():
        raise MediationError(
            _("来源编号“%(ref)s”已登记过。") % {"ref": data.source_ref}, code="duplicate_ref"
        )
    return do_create_dispute(actor, data, kind, grid, room_code, narrative, parties)


def facts_for(parties: Iterable[Mapping[str, Any]], room_code: str, **known: Any) -> dict[str, Any]:
    """What is known outside the narrative: earlier calls within 30 days for the same people or room."""
    since = timezone.now() - dt.timedelta(days=30)
    same = _same_people_q(parties, room_code)
    calls = Dispute.objects.filter(same, created_at__gte=since).distinct().count() if same is not None else 0
    prior_high = Dispute.objects.filter(same, risk=RiskLevel.HIGH).exists() if same is not None else False
    return {"calls_30d": calls + 1 if calls else 0, "prior_high": prior_high, **known}


def _same_people_q(parties: Iterable[Mapping[str, Any]], room_code: str) -> Q | None:
    q = Q()
    used = False
    for p in parties:
        for fieldname in ("id_number", "phone", "person_id"):
            value = p.get(fieldname)
            if value:
                q |= Q(**{f"parties__{fieldname}": value})
                used = True
    if room_code:
        q |= Q(room_code=room_code)
        used = True
    return q if used else None


def agencies_for(kind: DisputeKind, risk: str, grid: Grid) -> list[tuple[Unit, bool]]:
    """The units that act, for this kind and risk, where the dispute is: (unit, is_lead)."""
    codes = [grid.code[:12], grid.code[:9], grid.code[:6]]
    lead_kind = kind.lead_kind(risk)
    found: list[tuple[Unit, bool]] = []
    for kind_code in kind.agency_kinds(risk):
        candidates = (
            Unit.objects.filter(kind__code=kind_code, is_active=True, jurisdiction__code__in=codes)
            .distinct()
            .select_related("kind")
            .prefetch_related("jurisdiction")
        )
        best = max(
            candidates,
            key=lambda u: max((len(d.code) for d in u.jurisdiction.all() if d.code in codes), default=0),
            default=None,
        )
        if best is not None:
            found.append((best, kind_code == lead_kind))
    if found and not any(lead for _u, lead in found):
        found[0] = (found[0][0], True)
    return found


def task_deadline(risk: str, start: dt.datetime | None = None, unit_kind: str = "") -> dt.datetime:
    """A task's deadline from the working-day calendar: the risk level's limit, or the agency's own."""
    from jiceng.core.calendar import current_calendar

    own = (kinds_data().get("agency_limits") or {}).get(risk, {}).get(unit_kind)
    limit = own or kinds_data()["limits"][risk]
    return current_calendar().add(start or timezone.now(), float(limit["amount"]), str(limit["unit"]))


def _create_tasks(dispute: Dispute, actor: Any) -> list[JointTask]:
    have = set(dispute.tasks.values_list("unit_id", flat=True))
    created = []
    for unit, lead in agencies_for(dispute.kind, dispute.risk, dispute.grid):
        if unit.pk in have:
            continue
        if lead and dispute.tasks.filter(is_lead=True).exists():
            lead = False
        due = task_deadline(dispute.risk, unit_kind=unit.kind.code)
        task = JointTask.objects.create(dispute=dispute, unit=unit, is_lead=lead, due_at=due)
        created.append(task)
        notify(
            "mediation_task",
            _("新联调任务：%(n)s（%(risk)s）%(kind)s")
            % {
                "n": dispute.number,
                "risk": dispute.get_risk_display(),
                "kind": dispute.kind.name,
            },
            unit=unit,
            link=_link(dispute),
            urgent=dispute.risk == RiskLevel.HIGH,
            dispute=dispute.pk,
        )
    if created:
        _event(
            dispute,
            actor,
            "tasks_created",
            units=[t.unit.name for t in created],
            lead=next((t.unit.name for t in created if t.is_lead), ""),
            due={t.unit.name: t.due_at.isoformat() for t in created},
        )
    return created


def centre_for(level: str, grid_code: str) -> Unit | None:
    codes: dict[str, str] = {
        Level.COMMUNITY.value: grid_code[:12],
        Level.STREET.value: grid_code[:9],
        Level.DISTRICT.value: grid_code[:6],
    }
    return (
        Unit.objects.filter(
            kind__code=CENTRE_KINDS[level], is_active=True, level=level, jurisdiction__code=codes[level]
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def do_create_dispute(
    actor: Any,
    data: DisputeInput,
    kind: DisputeKind,
    grid: Grid,
    room_code: str,
    narrative: str,
    parties: list[dict[str, Any]],
) -> Dispute:
    facts = facts_for(
        parties,
        room_code,
        protection_order=data.protection_order,
        minors=data.minors,
        elderly_dependants=data.elderly_dependants,
        triage_flags=grading.triage_flags(narrative),
    )
    result = grading.grade(narrative, facts)
    dispute = Dispute.objects.create(
        kind=kind,
        source=data.source,
        source_ref=data.source_ref,
        narrative=narrative,
        risk=result.level,
        auto_risk=result.level,
        risk_reasons=[h.as_dict() for h in result.hits],
        grid=grid,
        grid_code=grid.code,
        room_code=room_code,
        case_id=data.case_id,
        minors=data.minors,
        elderly_dependants=data.elderly_dependants,
        created_by=actor if getattr(actor, "pk", None) else None,
        centre=centre_for(Level.COMMUNITY, grid.code),
    )
    Party.objects.bulk_create([Party(dispute=dispute, **p) for p in parties])
    _event(
        dispute,
        actor,
        "created",
        source=data.source,
        risk=result.level,
        score=result.score,
        reasons=result.reasons,
    )
    _create_tasks(dispute, actor)
    return dispute


# --- grading by staff ---------------------------------------------------------------------------


def check_raise_risk(actor: Any, dispute: Dispute, level: str, reason: str) -> Dispute:
    """Staff may raise a grade with a reason; a grade is never lowered (not silently, not at all)."""
    if not may_raise(actor, dispute):
        raise MediationForbidden(_("您不能调整该纠纷的风险等级。"))
    if level not in RiskLevel.values:
        raise MediationError(_("未知的风险等级“%(l)s”。") % {"l": level})
    reason = (reason or "").strip()
    if not reason:
        raise MediationError(_("调高风险等级须说明理由。"))
    if grading.level_rank(level) <= grading.level_rank(dispute.risk):
        raise MediationError(
            _("风险等级只能调高：当前为%(now)s。") % {"now": dispute.get_risk_display()},
            code="risk_not_raised",
        )
    return do_raise_risk(actor, dispute, level, reason)


@transaction.atomic
def do_raise_risk(actor: Any, dispute: Dispute, level: str, reason: str) -> Dispute:
    before = dispute.risk
    dispute.risk = level
    dispute.risk_reasons = [
        *dispute.risk_reasons,
        {
            "rule": "staff",
            "name": _("人工调高"),
            "severity": level,
            "weight": 0,
            "phrase": reason,
            "fact": True,
            "reason": _("人工调高：%(r)s") % {"r": reason},
        },
    ]
    dispute.save(update_fields=["risk", "risk_reasons"])
    _event(dispute, actor, "risk_raised", before=before, after=level, reason=reason)
    _create_tasks(dispute, actor)
    return dispute


# --- tasks --------------------------------------------------------------------------------------


def _own_task(actor: Any, task: JointTask) -> None:
    if not (is_admin(actor) or task.unit_id in agency_units(actor, task.dispute)):
        raise MediationForbidden(_("只能处理本单位的联调任务。"))


def check_accept_task(actor: Any, task: JointTask) -> JointTask:
    _own_task(actor, task)
    if task.status != TaskStatus.PENDING:
        raise MediationError(_("该任务已签收。"))
    return do_task(actor, task, TaskStatus.ACCEPTED, "")


def check_complete_task(actor: Any, task: JointTask, record: str) -> JointTask:
    _own_task(actor, task)
    if task.status == TaskStatus.DONE:
        raise MediationError(_("该任务已完成。"))
    if task.status == TaskStatus.PENDING:
        raise MediationError(_("请先签收任务。"))
    record = (record or "").strip()
    if not record:
        raise MediationError(_("请填写处置情况。"))
    return do_task(actor, task, TaskStatus.DONE, record)


def check_record_task(actor: Any, task: JointTask, record: str) -> JointTask:
    _own_task(actor, task)
    record = (record or "").strip()
    if not record:
        raise MediationError(_("请填写处置情况。"))
    if task.status != TaskStatus.ACCEPTED:
        raise MediationError(_("只有处理中的任务可以记录进展。"))
    return do_task(actor, task, TaskStatus.ACCEPTED, record)


@transaction.atomic
def do_task(actor: Any, task: JointTask, status: str, record: str) -> JointTask:
    verb = {TaskStatus.ACCEPTED.value: "task_accepted", TaskStatus.DONE.value: "task_done"}[status]
    if record and task.status == TaskStatus.ACCEPTED and status == TaskStatus.ACCEPTED:
        verb = "task_recorded"
    task.status = status
    if record:
        task.record = f"{task.record}\n{record}".strip()
    if status == TaskStatus.DONE:
        task.done_at = timezone.now()
    task.save(update_fields=["status", "record", "done_at"])
    dispute = task.dispute
    if dispute.status == Status.OPEN and status == TaskStatus.ACCEPTED:
        dispute.status = Status.MEDIATING
        dispute.save(update_fields=["status"])
    _event(dispute, actor, verb, unit=task.unit.name, record=record)
    return task


# --- joint sessions -----------------------------------------------------------------------------


def check_schedule_session(
    actor: Any,
    dispute: Dispute,
    starts_at: dt.datetime | None,
    place: str,
    unit_ids: Iterable[int],
    party_ids: Iterable[int],
) -> JointSession:
    require_lead(actor, dispute)
    if dispute.status not in OPEN_STATUSES:
        raise MediationError(_("纠纷已有调解结果，不能再安排联调会。"))
    if starts_at is None or starts_at <= timezone.now():
        raise MediationError(_("联调会时间必须晚于现在。"), code="session_in_past")
    place = (place or "").strip()
    if not place:
        raise MediationError(_("请填写联调会地点。"))
    units = list(dict.fromkeys(int(u) for u in unit_ids))
    on_it = set(dispute.tasks.values_list("unit_id", flat=True))
    if not units or not set(units) <= on_it:
        raise MediationError(_("参加单位须为参与联调的单位。"))
    parties = list(dict.fromkeys(int(p) for p in party_ids))
    known = set(dispute.parties.values_list("pk", flat=True))
    unknown = [p for p in parties if p not in known]
    if unknown:
        raise MediationError(
            _("当事人“%(ids)s”不属于该纠纷。") % {"ids": "、".join(map(str, unknown))}, code="unknown_party"
        )
    return do_schedule_session(actor, dispute, starts_at, place, units, parties)


@transaction.atomic
def do_schedule_session(
    actor: Any, dispute: Dispute, starts_at: dt.datetime, place: str, units: list[int], parties: list[int]
) -> JointSession:
    session = JointSession.objects.create(dispute=dispute, starts_at=starts_at, place=place)
    session.units.set(units)
    session.parties.set(parties)
    if dispute.status == Status.OPEN:
        dispute.status = Status.MEDIATING
        dispute.save(update_fields=["status"])
    _event(dispute, actor, "session_scheduled", at=starts_at.isoformat(), place=place, units=units)
    for unit_id in units:
        notify(
            "mediation_session",
            _("联调会通知：%(n)s，%(at)s，%(place)s")
            % {
                "n": dispute.number,
                "at": timezone.localtime(starts_at).strftime("%m-%d %H:%M"),
                "place": place,
            },
            unit=unit_id,
            link=_link(dispute),
        )
    return session


def check_record_session(
    actor: Any,
    session: JointSession,
    minutes: str,
    attended_units: Iterable[int],
    attended_parties: Iterable[int],
) -> JointSession:
    require_lead(actor, session.dispute)
    if session.held:
        raise MediationError(_("该联调会已记录。"))
    minutes = (minutes or "").strip()
    if not minutes:
        raise MediationError(_("请填写会议纪要。"))
    units = [int(u) for u in attended_units]
    parties = [int(p) for p in attended_parties]
    if not set(units) <= set(session.units.values_list("pk", flat=True)):
        raise MediationError(_("到会单位须为受邀单位。"))
    if not set(parties) <= set(session.parties.values_list("pk", flat=True)):
        raise MediationError(_("到会当事人须为受邀当事人。"), code="unknown_party")
    return do_record_session(actor, session, minutes, units, parties)


@transaction.atomic
def do_record_session(
    actor: Any, session: JointSession, minutes: str, units: list[int], parties: list[int]
) -> JointSession:
    session.minutes = minutes
    session.attended_units = units
    session.attended_parties = parties
    session.held = True
    session.save(update_fields=["minutes", "attended_units", "attended_parties", "held"])
    _event(session.dispute, actor, "session_held", session=session.pk, units=units, parties=parties)
    return session


# --- agreement and outcome ----------------------------------------------------------------------


def check_draft_agreement(actor: Any, dispute: Dispute, terms: str) -> Agreement:
    require_lead(actor, dispute)
    if dispute.status not in OPEN_STATUSES:
        raise MediationError(_("纠纷已有调解结果。"))
    terms = (terms or "").strip()
    if not terms:
        raise MediationError(_("请填写协议内容。"))
    if not dispute.parties.exists():
        raise MediationError(_("纠纷没有登记当事人，不能生成协议书。"))
    existing = Agreement.objects.filter(dispute=dispute).first()
    if existing is not None and existing.signed_at is not None:
        raise MediationError(_("协议已签署，不能修改。"))
    return do_draft_agreement(actor, dispute, terms, existing)


@transaction.atomic
def do_draft_agreement(actor: Any, dispute: Dispute, terms: str, existing: Agreement | None) -> Agreement:
    from jiceng.mediation.documents import render

    parties = list(dispute.parties.all())
    lead = dispute.tasks.filter(is_lead=True).select_related("unit").first()
    values: dict[str, str | list[str]] = {
        "number": dispute.number,
        "parties": [
            f"{'申请人' if p.role == 'applicant' else '被申请人'}：{p.name}"
            + (f"，身份证号 {p.id_number}" if p.id_number else "")
            for p in parties
        ],
        "facts": dispute.narrative,
        "terms": [line for line in terms.splitlines() if line.strip()],
        "copies": str(len(parties) + 1),
        "signatures": [f"{p.name}：________________" for p in parties],
        "mediator": str(actor),
        "organisation": lead.unit.name if lead else "",
        "date": timezone.localdate().strftime("%Y年%m月%d日"),
    }
    content = ContentFile(render(values), name=f"{dispute.number}-调解协议书.docx")
    if existing is not None:
        existing.document.delete(save=False)
        existing.terms, existing.mediator, existing.document = terms, actor, content
        existing.save()
        agreement = existing
    else:
        agreement = Agreement.objects.create(dispute=dispute, terms=terms, mediator=actor, document=content)
    _event(dispute, actor, "agreement_drafted", terms=terms)
    return agreement


ALLOWED_SIGNED = (".pdf", ".jpg", ".jpeg", ".png", ".docx")


def check_upload_signed(actor: Any, agreement: Agreement, party_id: Any, upload: Any) -> SignedCopy:
    require_lead(actor, agreement.dispute)
    try:
        party = agreement.dispute.parties.get(pk=int(party_id))
    except (Party.DoesNotExist, TypeError, ValueError):
        raise MediationError(
            _("当事人“%(id)s”不属于该纠纷。") % {"id": party_id}, code="unknown_party"
        ) from None
    name = getattr(upload, "name", "") or ""
    if upload is None or not name.lower().endswith(ALLOWED_SIGNED) or not getattr(upload, "size", 0):
        raise MediationError(_("请上传当事人签字后的协议扫描件（PDF、JPG、PNG 或 DOCX）。"))
    return do_upload_signed(actor, agreement, party, upload)


@transaction.atomic
def do_upload_signed(actor: Any, agreement: Agreement, party: Party, upload: Any) -> SignedCopy:
    copy = SignedCopy.objects.create(agreement=agreement, party=party, file=upload)
    signed = set(agreement.signed_copies.values_list("party_id", flat=True))
    if signed >= set(agreement.dispute.parties.values_list("pk", flat=True)) and agreement.signed_at is None:
        agreement.signed_at = timezone.now()
        agreement.save(update_fields=["signed_at"])
    _event(agreement.dispute, actor, "signed_copy_uploaded", party=party.pk)
    return copy


def check_record_outcome(
    actor: Any, dispute: Dispute, outcome: str, note: str = "", referral: str = ""
) -> Dispute:
    require_lead(actor, dispute)
    if dispute.status not in OPEN_STATUSES:
        raise MediationError(_("纠纷已有调解结果。"))
    if outcome not in Outcome.values:
        raise MediationError(_("未知的调解结果“%(o)s”。") % {"o": outcome})
    if outcome in (Outcome.AGREED, Outcome.PARTIAL):
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is None:
            raise MediationError(_("请先生成调解协议书。"), code="no_agreement")
        signed = set(agreement.signed_copies.values_list("party_id", flat=True))
        missing = [p.name for p in dispute.parties.all() if p.pk not in signed]
        if missing:
            raise MediationError(
                _("协议书缺少当事人签字件：%(names)s。") % {"names": "、".join(missing)}, code="unsigned"
            )
    if outcome == Outcome.FAILED and referral not in ReferralKind.values:
        raise MediationError(_("调解不成须选择转介方式（诉讼引导、人身安全保护令或法律援助）。"))
    if outcome == Outcome.WITHDRAWN and not (note or "").strip():
        raise MediationError(_("撤回须说明原因。"))
    return do_record_outcome(actor, dispute, outcome, (note or "").strip(), referral)


def follow_up_days(risk: str) -> list[int]:
    return [int(d) for d in kinds_data()["follow_up_days"].get(risk, [7, 30, 90])]


@transaction.atomic
def do_record_outcome(actor: Any, dispute: Dispute, outcome: str, note: str, referral: str) -> Dispute:
    dispute.status = outcome
    dispute.outcome = outcome
    dispute.outcome_note = note
    dispute.referral = referral if outcome == Outcome.FAILED else ""
    dispute.save(update_fields=["status", "outcome", "outcome_note", "referral"])
    _event(dispute, actor, "outcome", outcome=outcome, note=note, referral=dispute.referral)
    if outcome in (Outcome.AGREED, Outcome.PARTIAL, Outcome.FAILED):
        today = timezone.localdate()
        FollowUp.objects.bulk_create(
            [
                FollowUp(dispute=dispute, due_on=today + dt.timedelta(days=d))
                for d in follow_up_days(dispute.risk)
            ]
        )
        _event(dispute, actor, "follow_ups_scheduled", days=follow_up_days(dispute.risk))
    return dispute


# --- follow-ups ---------------------------------------------------------------------------------


def check_record_follow_up(actor: Any, follow_up: FollowUp, result: str, note: str) -> FollowUp:
    require_agency(actor, follow_up.dispute)
    if follow_up.done_at is not None:
        raise MediationError(_("该回访已记录。"))
    if result not in ("stable", "reignited"):
        raise MediationError(_("回访结果应为“稳定”或“再次激化”。"))
    note = (note or "").strip()
    if not note:
        raise MediationError(_("请填写回访记录。"))
    return do_record_follow_up(actor, follow_up, result, note)


def raised(level: str) -> str:
    return grading.LEVELS[min(grading.level_rank(level) + 1, len(grading.LEVELS) - 1)]


@transaction.atomic
def do_record_follow_up(actor: Any, follow_up: FollowUp, result: str, note: str) -> FollowUp:
    follow_up.result, follow_up.note, follow_up.done_at = result, note, timezone.now()
    follow_up.save(update_fields=["result", "note", "done_at"])
    dispute = follow_up.dispute
    _event(dispute, actor, "follow_up", result=result, note=note)
    if result == "reignited":
        before = dispute.risk
        dispute.risk = raised(dispute.risk)
        dispute.status = Status.MEDIATING
        dispute.outcome = ""
        dispute.save(update_fields=["risk", "status", "outcome"])
        dispute.follow_ups.filter(done_at__isnull=True).delete()
        for task in dispute.tasks.select_related("unit__kind"):
            task.status, task.done_at = TaskStatus.PENDING, None
            task.due_at = task_deadline(dispute.risk, unit_kind=task.unit.kind.code)
            task.save(update_fields=["status", "done_at", "due_at"])
        _event(dispute, actor, "reopened", before=before, after=dispute.risk, reason=note)
        _create_tasks(dispute, actor)
        for task in dispute.tasks.select_related("unit"):
            notify(
                "mediation_reopened",
                _("纠纷%(n)s回访发现再次激化，已重新启动联调。") % {"n": dispute.number},
                unit=task.unit,
                link=_link(dispute),
                urgent=dispute.risk == RiskLevel.HIGH,
            )
    return follow_up


# --- levels -------------------------------------------------------------------------------------


def check_escalate(actor: Any, dispute: Dispute, reason: str) -> Dispute:
    """Move a dispute up one level (community → street → district centre); never down."""
    if not (is_admin(actor) or agency_units(actor, dispute)):
        raise MediationForbidden(_("只有参与联调的单位可以提级。"))
    if dispute.status not in OPEN_STATUSES:
        raise MediationError(_("纠纷已有调解结果，不能提级。"))
    reason = (reason or "").strip()
    if not reason:
        raise MediationError(_("提级须说明理由。"))
    index = LEVEL_ORDER.index(Level(dispute.level))
    if index == len(LEVEL_ORDER) - 1:
        raise MediationError(_("已在区级调处中心，不能再提级。"))
    return do_escalate(actor, dispute, LEVEL_ORDER[index + 1], reason)


@transaction.atomic
def do_escalate(actor: Any, dispute: Dispute, level: str, reason: str) -> Dispute:
    before = dispute.level
    dispute.level = level
    dispute.centre = centre_for(level, dispute.grid_code) or dispute.centre
    dispute.save(update_fields=["level", "centre"])
    _event(dispute, actor, "escalated", before=before, after=level, reason=reason)
    centre = dispute.centre
    if centre is not None and centre.level == level:
        if not dispute.tasks.filter(unit=centre).exists():
            JointTask.objects.create(dispute=dispute, unit=centre, due_at=task_deadline(dispute.risk))
        notify(
            "mediation_escalated",
            _("纠纷%(n)s提级至本中心调处。") % {"n": dispute.number},
            unit=centre,
            link=_link(dispute),
        )
    return dispute


# --- history ------------------------------------------------------------------------------------


def history(dispute: Dispute) -> dict[str, list[Any]]:
    """Earlier disputes, police referrals and cases for the same people or the same room."""
    from jiceng.cases.models import Case

    parties = list(dispute.parties.values("id_number", "phone", "person_id"))
    same = _same_people_q(parties, dispute.room_code)
    earlier = (
        Dispute.objects.filter(same)
        .exclude(pk=dispute.pk)
        .distinct()
        .select_related("kind")
        .order_by("-created_at")[:20]
        if same is not None
        else []
    )
    case_q = Q()
    used = False
    if dispute.room_code:
        case_q |= Q(location_code=dispute.room_code)
        used = True
    phones = [p["phone"] for p in parties if p["phone"]]
    if phones:
        case_q |= Q(reporter_phone__in=phones)
        used = True
    cases = (
        list(Case.objects.filter(case_q).exclude(pk=dispute.case_id or -1).order_by("-pk")[:20])
        if used
        else []
    )
    earlier = list(earlier)
    return {
        "disputes": [d for d in earlier if d.source != Source.POLICE],
        "referrals": [d for d in earlier if d.source == Source.POLICE],
        "cases": cases,
    }


# --- from cases ---------------------------------------------------------------------------------


def dispute_from_case(case: Any) -> Dispute | None:
    """A case of a family or neighbour dispute type (from any channel) opens a dispute."""
    mapping = kinds_data().get("case_types") or {}
    code = getattr(case.event_type, "code", "") if case.event_type_id else ""
    if code not in mapping or case.channel == "mediation" or case.grid_id is None:
        return None
    if Dispute.objects.filter(case_id=case.pk).exists():
        return None
    kind = DisputeKind.objects.filter(code=mapping[code]).first()
    if kind is None:
        return None
    data = DisputeInput(
        kind=kind.code,
        source=Source.CASE,
        narrative=case.description,
        grid_code=case.grid_code,
        room_code=case.location_code if len(case.location_code or "") == 25 else "",
        source_ref=str(case.pk),
        case_id=case.pk,
        parties=[PartyInput(name=case.reporter_name, phone=case.reporter_phone)]
        if case.reporter_name
        else [],
    )
    grid = case.grid
    room_code = data.room_code if Room.objects.filter(code=data.room_code).exists() else ""
    parties = []
    for i, p in enumerate(data.parties, start=1):
        try:
            parties.append(_clean_party(p, i))
        except MediationError:
            continue
    return do_create_dispute(None, data, kind, grid, room_code, data.narrative, parties)
