"""Legal services in the community (法i社区): ask the community's legal adviser, book a consultation
slot, apply for legal aid with an eligibility check and documents, decided by the justice office.

The community's legal advisers are the staff of a justice office (司法所) whose jurisdiction covers the
community. Every state change is a ``check_*``/``do_*`` pair writing a ``LegalEvent``; a resident reads
only their own questions and applications (anything else is "not found").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.cases.permissions import is_admin
from jiceng.mediation.exceptions import LegalNotFound, MediationError, MediationForbidden
from jiceng.mediation.models import (
    AidDocument,
    AidStatus,
    ConsultSlot,
    LegalAidApplication,
    LegalEvent,
    LegalQuestion,
)
from jiceng.org.models import Membership, Role

ADVISER_ROLES = (Role.HANDLER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.LEADER)
JUSTICE_KIND = "sifasuo"


@dataclass(frozen=True)
class AidType:
    label: Any
    # 法律援助法 第三十二条: victims of domestic violence claiming their rights (and some others) are
    # exempt from the economic test.
    exempt: bool = False


AID_TYPES: dict[str, AidType] = {
    "domestic_violence": AidType(gettext_lazy("家庭暴力受害人主张相关权益"), exempt=True),
    "support": AidType(gettext_lazy("请求给付赡养费、抚养费、扶养费")),
    "labour_pay": AidType(gettext_lazy("请求支付劳动报酬")),
    "work_injury": AidType(gettext_lazy("请求工伤事故人身损害赔偿")),
    "social_insurance": AidType(gettext_lazy("请求社会保险待遇或社会救助")),
    "personal_injury": AidType(gettext_lazy("请求人身损害赔偿")),
    "other": AidType(gettext_lazy("其他事项（不属于法律援助范围）")),
}
ALLOWED_DOCS = (".pdf", ".jpg", ".jpeg", ".png", ".docx")


def _event(kind: str, obj: Any, actor: Any, verb: str, **detail: Any) -> None:
    LegalEvent.objects.create(object_type=kind, object_id=obj.pk, actor=actor, verb=verb, detail=detail)


def community_of(user: Any) -> str | None:
    """The community a resident (or building head) belongs to."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(
            user=user, is_active=True, role__in=[Role.RESIDENT, Role.BUILDING_HEAD], division__isnull=False
        )
        .values_list("division__code", flat=True)
        .first()
    )


def _justice_q(community_code: str) -> Q:
    codes = [community_code[:n] for n in (12, 9, 6)]
    return Q(
        is_active=True,
        role__in=ADVISER_ROLES,
        unit__is_active=True,
        unit__kind__code=JUSTICE_KIND,
        unit__jurisdiction__code__in=codes,
    )


def is_adviser(user: Any, community_code: str) -> bool:
    """A justice-office staff member covering the community (its legal adviser), or an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    return Membership.objects.filter(_justice_q(community_code), user=user).exists()


def adviser_communities(user: Any) -> Q:
    """A filter on ``community_code`` for the communities the user advises."""
    if is_admin(user):
        return Q()
    codes = list(
        Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=ADVISER_ROLES,
            unit__is_active=True,
            unit__kind__code=JUSTICE_KIND,
        ).values_list("unit__jurisdiction__code", flat=True)
    )
    q = Q(pk__in=[])
    for code in codes:
        if code:
            q |= Q(community_code__startswith=code)
    return q


def _resident_community(user: Any) -> str:
    code = community_of(user)
    if not code:
        raise MediationForbidden(_("只有登记了所在社区的居民可以使用法律服务。"))
    return code


# --- questions ----------------------------------------------------------------------------------


def visible_questions(user: Any) -> QuerySet[LegalQuestion]:
    return (
        LegalQuestion.objects.filter(Q(asker=user) | adviser_communities(user))
        if getattr(user, "is_authenticated", False)
        else LegalQuestion.objects.none()
    )


def access_question(user: Any, pk: Any) -> LegalQuestion:
    question = visible_questions(user).filter(pk=_int(pk)).first()
    if question is None:
        raise LegalNotFound(_("未找到咨询“%(id)s”。") % {"id": pk})
    return question


def check_ask(user: Any, text: str) -> LegalQuestion:
    community = _resident_community(user)
    text = (text or "").strip()
    if len(text) < 5:
        raise MediationError(_("请把问题写清楚（至少5个字）。"))
    return do_ask(user, community, text)


@transaction.atomic
def do_ask(user: Any, community: str, text: str) -> LegalQuestion:
    from jiceng.cases.outbox import notify
    from jiceng.org.models import Unit

    question = LegalQuestion.objects.create(asker=user, community_code=community, question=text)
    _event("question", question, user, "asked")
    codes = [community[:n] for n in (12, 9, 6)]
    for unit in Unit.objects.filter(
        kind__code=JUSTICE_KIND, is_active=True, jurisdiction__code__in=codes
    ).distinct():
        notify(
            "legal_question",
            _("有居民提出法律咨询"),
            unit=unit,
            link=f"/mediation/legal/questions/{question.pk}/",
        )
    return question


def check_answer(user: Any, question: LegalQuestion, answer: str) -> LegalQuestion:
    if not is_adviser(user, question.community_code):
        raise MediationForbidden(_("只有本社区的法律顾问可以解答。"))
    if question.answered_at is not None:
        raise MediationError(_("该咨询已解答。"))
    answer = (answer or "").strip()
    if not answer:
        raise MediationError(_("请填写解答内容。"))
    return do_answer(user, question, answer)


@transaction.atomic
def do_answer(user: Any, question: LegalQuestion, answer: str) -> LegalQuestion:
    from jiceng.cases.outbox import notify

    question.answer, question.answered_by, question.answered_at = answer, user, timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    _event("question", question, user, "answered")
    notify(
        "legal_answer",
        _("您的法律咨询已有解答"),
        users=[question.asker],
        link=f"/mediation/legal/questions/{question.pk}/",
    )
    return question


# --- consultation slots -------------------------------------------------------------------------


def check_add_slot(
    user: Any, community_code: str, starts_at: dt.datetime | None, ends_at: dt.datetime | None, place: str
) -> ConsultSlot:
    if not community_code or not is_adviser(user, community_code):
        raise MediationForbidden(_("只有本社区的法律顾问可以开放预约时段。"))
    if starts_at is None or ends_at is None or starts_at <= timezone.now():
        raise MediationError(_("预约时段必须晚于现在。"))
    if ends_at <= starts_at:
        raise MediationError(_("结束时间必须晚于开始时间。"))
    return do_add_slot(user, community_code, starts_at, ends_at, (place or "").strip())


@transaction.atomic
def do_add_slot(
    user: Any, community: str, starts_at: dt.datetime, ends_at: dt.datetime, place: str
) -> ConsultSlot:
    slot = ConsultSlot.objects.create(
        adviser=user, community_code=community, starts_at=starts_at, ends_at=ends_at, place=place
    )
    _event("slot", slot, user, "opened", starts_at=starts_at.isoformat())
    return slot


def open_slots(user: Any) -> QuerySet[ConsultSlot]:
    community = community_of(user)
    if not community:
        return ConsultSlot.objects.none()
    return ConsultSlot.objects.filter(
        community_code=community, booked_by__isnull=True, starts_at__gt=timezone.now()
    ).select_related("adviser")


def check_book(user: Any, slot_id: Any, topic: str) -> ConsultSlot:
    community = _resident_community(user)
    slot = ConsultSlot.objects.filter(pk=_int(slot_id), community_code=community).first()
    if slot is None:
        raise LegalNotFound(_("未找到预约时段“%(id)s”。") % {"id": slot_id})
    if slot.starts_at <= timezone.now():
        raise MediationError(_("该时段已过，请选择其他时段。"))
    topic = (topic or "").strip()
    if not topic:
        raise MediationError(_("请简要说明咨询事项。"))
    return do_book(user, slot, topic)


@transaction.atomic
def do_book(user: Any, slot: ConsultSlot, topic: str) -> ConsultSlot:
    # Compare-and-set: two residents pressing at once cannot both get the slot.
    if not ConsultSlot.objects.filter(pk=slot.pk, booked_by__isnull=True).update(booked_by=user, topic=topic):
        raise MediationError(_("该时段已被预约，请选择其他时段。"), code="slot_taken")
    slot.refresh_from_db()
    _event("slot", slot, user, "booked", topic=topic)
    return slot


# --- legal aid ----------------------------------------------------------------------------------


def income_limit() -> Decimal:
    return Decimal(str(settings.JICENG_LEGAL_AID_INCOME))


def eligibility(case_type: str, monthly_income: Decimal, household_size: int) -> tuple[bool, list[str]]:
    """The first check of an application: the matter and the household's income per head."""
    notes: list[str] = []
    kind = AID_TYPES.get(case_type)
    if kind is None or case_type == "other":
        return False, [_("所申请事项不属于法律援助范围。")]
    notes.append(_("事项：%(label)s，属于法律援助范围。") % {"label": kind.label})
    if kind.exempt:
        notes.append(_("该事项依法免予经济困难审查。"))
        return True, notes
    per_head = monthly_income
    limit = income_limit()
    if per_head <= limit:
        notes.append(
            _("家庭月人均收入 %(v)s 元，不高于 %(l)s 元，符合经济困难标准。") % {"v": per_head, "l": limit}
        )
        return True, notes
    notes.append(
        _("家庭月人均收入 %(v)s 元，高于 %(l)s 元，不符合经济困难标准。") % {"v": per_head, "l": limit}
    )
    return False, notes


def visible_aid(user: Any) -> QuerySet[LegalAidApplication]:
    if not getattr(user, "is_authenticated", False):
        return LegalAidApplication.objects.none()
    return LegalAidApplication.objects.filter(Q(applicant=user) | adviser_communities(user))


def access_aid(user: Any, pk: Any) -> LegalAidApplication:
    application = visible_aid(user).filter(pk=_int(pk)).first()
    if application is None:
        raise LegalNotFound(_("未找到法律援助申请“%(id)s”。") % {"id": pk})
    return application


def check_apply_aid(
    user: Any,
    case_type: str,
    monthly_income: Any,
    household_size: Any,
    facts: str,
    files: list[Any],
) -> LegalAidApplication:
    community = _resident_community(user)
    if case_type not in AID_TYPES:
        raise MediationError(_("请选择案件类型。"))
    try:
        income = Decimal(str(monthly_income)).quantize(Decimal("0.01"))
        size = int(household_size)
    except (InvalidOperation, TypeError, ValueError):
        raise MediationError(_("家庭月人均收入和家庭人口须为数字。")) from None
    if income < 0 or size < 1:
        raise MediationError(_("收入不能为负，家庭人口至少1人。"))
    facts = (facts or "").strip()
    if len(facts) < 10:
        raise MediationError(_("请简要说明案情（至少10个字）。"))
    if not files:
        raise MediationError(_("请上传证明材料（身份证明、经济困难证明或案件材料）。"), code="no_documents")
    for f in files:
        name = getattr(f, "name", "") or ""
        if not name.lower().endswith(ALLOWED_DOCS) or not getattr(f, "size", 0):
            raise MediationError(_("材料“%(n)s”格式不支持（可上传 PDF、JPG、PNG、DOCX）。") % {"n": name})
    return do_apply_aid(user, community, case_type, income, size, facts, files)


@transaction.atomic
def do_apply_aid(
    user: Any, community: str, case_type: str, income: Decimal, size: int, facts: str, files: list[Any]
) -> LegalAidApplication:
    eligible, notes = eligibility(case_type, income, size)
    application = LegalAidApplication.objects.create(
        applicant=user,
        community_code=community,
        case_type=case_type,
        monthly_income=income,
        household_size=size,
        facts=facts,
        eligible=eligible,
        eligibility_notes=[str(n) for n in notes],
    )
    for f in files:
        AidDocument.objects.create(application=application, file=f, name=(getattr(f, "name", "") or "")[:100])
    _event("aid", application, user, "applied", eligible=eligible)
    return application


def check_decide_aid(
    user: Any, application: LegalAidApplication, approve: bool, reason: str
) -> LegalAidApplication:
    if not is_adviser(user, application.community_code):
        raise MediationForbidden(_("只有司法所可以决定法律援助申请。"))
    if application.status != AidStatus.SUBMITTED:
        raise MediationError(_("该申请已有决定。"))
    reason = (reason or "").strip()
    if not reason:
        raise MediationError(_("请填写决定理由。"))
    return do_decide_aid(user, application, approve, reason)


@transaction.atomic
def do_decide_aid(
    user: Any, application: LegalAidApplication, approve: bool, reason: str
) -> LegalAidApplication:
    from jiceng.cases.outbox import notify

    application.status = AidStatus.APPROVED if approve else AidStatus.REJECTED
    application.reason, application.decided_by, application.decided_at = reason, user, timezone.now()
    application.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    _event("aid", application, user, application.status, reason=reason)
    notify(
        "legal_aid_decided",
        _("您的法律援助申请：%(s)s") % {"s": application.get_status_display()},
        users=[application.applicant],
        link=f"/mediation/legal/aid/{application.pk}/",
    )
    return application


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
