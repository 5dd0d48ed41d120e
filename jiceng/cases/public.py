"""What a resident sees of a case: one mapping from the lifecycle to a public state, used by the portal,
Open311 and the public timeline, so the three never disagree.

Public states: received (waiting at a desk), being handled, finished (checked; awaiting the rating),
merged into another case (and then following that case), not accepted (with the reason), closed.
A case the handler calls complete is still "being handled" until the desk has checked it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiceng.cases.models import Case, CaseEvent, CasePhoto, Status

RECEIVED, HANDLING, FINISHED, MERGED, REFUSED, CLOSED = (
    "received",
    "handling",
    "finished",
    "merged",
    "refused",
    "closed",
)

STATE_OF_STATUS: dict[str, str] = {
    Status.REGISTERED: RECEIVED,
    Status.PENDING_DISPATCH: RECEIVED,
    Status.DISPATCHED: HANDLING,
    Status.IN_PROGRESS: HANDLING,
    Status.SUSPENDED: HANDLING,
    Status.COMPLETED: HANDLING,
    Status.VERIFIED: FINISHED,
    Status.AWAITING_RATING: FINISHED,
    Status.CLOSED: CLOSED,
    Status.MERGED: MERGED,
    Status.INVALID: REFUSED,
}


def state_label(state: str) -> str:
    return {
        RECEIVED: _("已受理，等待分派"),
        HANDLING: _("办理中"),
        FINISHED: _("已办结"),
        MERGED: _("已合并"),
        REFUSED: _("不予受理"),
        CLOSED: _("已结案"),
    }[state]


@dataclass(frozen=True)
class PublicState:
    state: str  # one of the six above; a merged case keeps "merged" and carries its master's
    label: str  # the sentence a resident reads
    note: str = ""  # the reason (not accepted) or the reply (finished, closed)
    is_open: bool = True  # Open311's open / closed: a merged case is open while its master is
    master_number: str = ""
    master_state: str = ""


# A master may itself be merged later: follow at most this many hops.
MAX_HOPS = 5


def public_states(cases: Iterable[Case]) -> dict[int, PublicState]:
    """Each case's public state, with a fixed number of queries for any number of cases."""
    cases = list(cases)
    known: dict[int, Case] = {c.pk: c for c in cases}
    wanted = {c.merged_into_id for c in cases if c.merged_into_id}
    for _hop in range(MAX_HOPS):
        wanted -= set(known)
        if not wanted:
            break
        for master in Case.objects.filter(pk__in=wanted).only("pk", "status", "merged_into", "registered_at"):
            known[master.pk] = master
        wanted = {m.merged_into_id for m in known.values() if m.merged_into_id}
    ids = list(known)
    notes: dict[int, str] = {}
    for case_id, reason in (
        CaseEvent.objects.filter(case_id__in=ids, action__in=("complete", "invalidate"))
        .order_by("case_id", "seq")
        .values_list("case_id", "reason")
    ):
        notes[case_id] = reason  # the latest reply or reason
    found: dict[int, PublicState] = {}
    for case in cases:
        found[case.pk] = _state(case, known, notes)
    return found


def public_state(case: Case) -> PublicState:
    return public_states([case])[case.pk]


def _final(case: Case, known: dict[int, Case]) -> Case:
    seen = 0
    while case.merged_into_id and case.merged_into_id in known and seen < MAX_HOPS:
        case = known[case.merged_into_id]
        seen += 1
    return case


def _state(case: Case, known: dict[int, Case], notes: dict[int, str]) -> PublicState:
    state = STATE_OF_STATUS.get(case.status, HANDLING)
    if state == MERGED:
        master = _final(case, known)
        master_state = STATE_OF_STATUS.get(master.status, HANDLING)
        if master is case:  # merged with no master on record: closed as far as anyone can tell
            return PublicState(MERGED, state_label(MERGED), is_open=False)
        label = _("已并入工单 %(number)s 办理（%(state)s）") % {
            "number": master.number,
            "state": state_label(master_state),
        }
        return PublicState(
            MERGED,
            label,
            note=notes.get(master.pk, "") if master_state in (FINISHED, CLOSED) else "",
            is_open=master_state not in (CLOSED, REFUSED),
            master_number=master.number,
            master_state=master_state,
        )
    if state == REFUSED:
        reason = notes.get(case.pk, "")
        label = _("不予受理：%(reason)s") % {"reason": reason} if reason else state_label(REFUSED)
        return PublicState(REFUSED, label, note=reason, is_open=False)
    if state == FINISHED and case.status == Status.AWAITING_RATING:
        return PublicState(FINISHED, _("已办结，待您评价"), note=notes.get(case.pk, ""))
    note = notes.get(case.pk, "") if state in (FINISHED, CLOSED) else ""
    return PublicState(state, state_label(state), note=note, is_open=state != CLOSED)


# -- the handler's photos, labelled -------------------------------------------------------------------

PHOTO_LABELS = {"submit": "reported", "progress": "before", "complete": "after"}


def photo_label(kind: str) -> str:
    return {"reported": _("反映时照片"), "before": _("处置前"), "after": _("处置后")}.get(kind, _("照片"))


@dataclass(frozen=True)
class LabelledPhoto:
    photo: CasePhoto
    kind: str  # reported | before | after
    label: str


def labelled_photos(case_id: int, *, handler_only: bool = False) -> list[LabelledPhoto]:
    """The case's photos with what they show: the report's, before handling (progress), after (complete)."""
    actions = dict(
        CaseEvent.objects.filter(case_id=case_id, action__in=list(PHOTO_LABELS)).values_list("seq", "action")
    )
    found = []
    for photo in CasePhoto.objects.filter(case_id=case_id).order_by("uploaded_at", "pk"):
        kind = PHOTO_LABELS.get(actions.get(photo.event_seq or 0, ""), "reported")
        if handler_only and kind == "reported":
            continue
        found.append(LabelledPhoto(photo, kind, photo_label(kind)))
    return found
