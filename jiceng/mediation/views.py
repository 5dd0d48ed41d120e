"""Pages of mediation: the agency inbox, the referral form, the dispute page, the high-risk register, the
centre dashboard, and the legal-services portal. Every write calls the same ``check_*`` as the API; a
refusal is shown as a Chinese message and changes nothing; anything out of reach is the same 404 as a
missing object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.timezone import get_current_timezone, make_aware
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.cases.permissions import is_admin, unit_ids
from jiceng.core.exceptions import JicengError, NotFound
from jiceng.mediation import actions as a
from jiceng.mediation import figures as fig
from jiceng.mediation import legal
from jiceng.mediation.api import masked_parties, run_dispute_action
from jiceng.mediation.models import (
    Agreement,
    AidStatus,
    ConsultSlot,
    DisputeKind,
    FollowUp,
    JointSession,
    JointTask,
    Outcome,
    ReferralKind,
    Relationship,
    RiskLevel,
    Source,
    Status,
    TaskStatus,
)
from jiceng.mediation.permissions import (
    access_dispute,
    agency_units,
    is_lead,
    is_staff,
    may_raise,
    visible_disputes,
)
from jiceng.org.pages import staff_page as mediation_page

RISK_ORDER = Case(
    When(dispute__risk="high", then=Value(0)),
    When(dispute__risk="medium", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _attempt(request: HttpRequest, run: Callable[[], object], done: str = "") -> bool:
    """Run an action; a refusal becomes a message and changes nothing, "not found" stays a 404."""
    try:
        run()
    except NotFound:
        raise
    except JicengError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done or _("已保存。"))
    return True


def _staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise NotFound(_("矛盾调处仅限工作人员使用。"))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _local(value: str) -> Any:
    moment = parse_datetime((value or "").strip())
    if moment is not None and moment.tzinfo is None:
        moment = make_aware(moment, get_current_timezone())
    return moment


# -- inbox, list, register, dashboard ---------------------------------------------------------------


@mediation_page
def inbox(request: HttpRequest) -> HttpResponse:
    """The agency inbox: my units' open tasks, high risk first, then by deadline."""
    _staff(request)
    mine = unit_ids(request.user)
    tasks = (
        JointTask.objects.filter(unit_id__in=mine)
        .exclude(status=TaskStatus.DONE)
        .filter(dispute__in=visible_disputes(request.user))
        .select_related("dispute__kind", "unit")
        .annotate(risk_rank=RISK_ORDER)
        .order_by("risk_rank", "due_at")
    )
    return render(request, "mediation/inbox.html", {"tasks": tasks[:200]})


@mediation_page
def dispute_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    queryset = visible_disputes(request.user).select_related("kind")
    for name in ("risk", "status", "source"):
        if request.GET.get(name):
            queryset = queryset.filter(**{name: request.GET[name]})
    page = Paginator(queryset.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/list.html",
        {"page": page, "params": request.GET, "risks": RiskLevel.choices, "statuses": Status.choices},
    )


@mediation_page
def high_risk(request: HttpRequest) -> HttpResponse:
    """高危台账: the high-risk disputes the viewer may see (agencies on them, supervising leaders)."""
    _staff(request)
    rows = (
        visible_disputes(request.user)
        .filter(risk=RiskLevel.HIGH)
        .select_related("kind")
        .prefetch_related("tasks__unit", "follow_ups")
        .order_by("status", "-created_at")
    )
    return render(request, "mediation/high_risk.html", {"rows": rows[:500]})


@mediation_page
def dashboard(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "mediation/dashboard.html", {"f": fig.figures(request.user)})


# -- intake -----------------------------------------------------------------------------------------


def _parties_from(post: Any) -> list[a.PartyInput]:
    found = []
    for prefix, role in (("applicant", "applicant"), ("respondent", "respondent")):
        name = post.get(f"{prefix}_name", "").strip()
        person = post.get(f"{prefix}_person_id", "").strip()
        if name or person:
            found.append(
                a.PartyInput(
                    name=name,
                    role=role,
                    relationship=post.get("relationship", "") or "other",
                    id_number=post.get(f"{prefix}_id_number", ""),
                    phone=post.get(f"{prefix}_phone", ""),
                    person_id=person or None,  # type: ignore[arg-type]
                )
            )
    return found


@mediation_page
def new_dispute(request: HttpRequest) -> HttpResponse:
    """The referral form: a police (110) referral, a court's pre-litigation referral, a hotline note or a
    grid worker's report, graded on submission."""
    _staff(request)
    if request.method == "POST":
        post = request.POST
        try:
            minors = int(post.get("minors") or 0)
        except ValueError:
            minors = -1
        try:
            if minors < 0:
                raise a.MediationError(_("未成年子女人数须为非负整数。"))
            dispute = a.check_create_dispute(
                request.user,
                a.DisputeInput(
                    kind=post.get("kind", ""),
                    source=post.get("source", ""),
                    narrative=post.get("narrative", ""),
                    grid_code=post.get("grid_code", ""),
                    room_code=post.get("room_code", ""),
                    source_ref=post.get("source_ref", "").strip(),
                    parties=_parties_from(post),
                    minors=minors,
                    protection_order=bool(post.get("protection_order")),
                ),
            )
        except JicengError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已登记纠纷 %(n)s，研判为%(risk)s。")
                % {"n": dispute.number, "risk": dispute.get_risk_display()},
            )
            return redirect("mediation:dispute", dispute.pk)
    return render(
        request,
        "mediation/new.html",
        {
            "kinds": DisputeKind.objects.all(),
            "sources": [s for s in Source.choices if s[0] != Source.CASE],
            "relationships": Relationship.choices,
            "post": request.POST,
        },
    )


# -- the dispute page -------------------------------------------------------------------------------


@mediation_page
def dispute_page(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access_dispute(request.user, dispute_id)
    mine = agency_units(request.user, dispute)
    tasks = list(dispute.tasks.select_related("unit__kind"))
    for task in tasks:
        task.mine = is_admin(request.user) or task.unit_id in mine  # type: ignore[attr-defined]
    sessions = list(dispute.sessions.prefetch_related("units", "parties"))
    agreement = Agreement.objects.filter(dispute=dispute).prefetch_related("signed_copies").first()
    signed = set(agreement.signed_copies.values_list("party_id", flat=True)) if agreement else set()
    parties = masked_parties(request, dispute)
    for p in parties:
        p["signed"] = p["id"] in signed
    return render(
        request,
        "mediation/dispute.html",
        {
            "d": dispute,
            "parties": parties,
            "history": a.history(dispute),
            "tasks": tasks,
            "sessions": sessions,
            "agreement": agreement,
            "follow_ups": dispute.follow_ups.all(),
            "events": dispute.events.select_related("actor"),
            "lead": is_lead(request.user, dispute),
            "agency": bool(mine) or is_admin(request.user),
            "may_raise": may_raise(request.user, dispute),
            "open": dispute.status in a.OPEN_STATUSES,
            "risks": RiskLevel.choices,
            "outcomes": Outcome.choices,
            "referrals": ReferralKind.choices,
        },
    )


@require_POST
@mediation_page
def dispute_action(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    dispute = access_dispute(request.user, dispute_id)
    post = request.POST
    data = {
        "level": post.get("level"),
        "reason": post.get("reason", ""),
        "starts_at": _local(post.get("starts_at", "")),
        "place": post.get("place", ""),
        "units": [int(u) for u in post.getlist("units") if u.isdigit()],
        "parties": [int(p) for p in post.getlist("parties") if p.isdigit()],
        "outcome": post.get("outcome"),
        "note": post.get("note", ""),
        "referral": post.get("referral", ""),
        "terms": post.get("terms", ""),
    }

    def run() -> None:
        if action == "record_session":
            session = JointSession.objects.filter(dispute=dispute, pk=_int(post.get("session"))).first()
            if session is None:
                raise NotFound(_("未找到联调会。"))
            a.check_record_session(request.user, session, data["note"], data["units"], data["parties"])
        elif action == "signed":
            agreement = Agreement.objects.filter(dispute=dispute).first()
            if agreement is None:
                raise a.MediationError(_("请先生成调解协议书。"))
            a.check_upload_signed(request.user, agreement, post.get("party"), request.FILES.get("file"))
        else:
            run_dispute_action(request.user, dispute, action, data)

    _attempt(request, run)
    return redirect("mediation:dispute", dispute.pk)


@require_POST
@mediation_page
def task_action(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    task = JointTask.objects.select_related("dispute", "unit").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("未找到联调任务。"))
    access_dispute(request.user, task.dispute_id)
    record = request.POST.get("record", "")
    steps: dict[str, Callable[[], object]] = {
        "accept": lambda: a.check_accept_task(request.user, task),
        "record": lambda: a.check_record_task(request.user, task, record),
        "complete": lambda: a.check_complete_task(request.user, task, record),
    }
    _attempt(request, steps[action])
    return redirect(request.POST.get("next") or f"/mediation/disputes/{task.dispute_id}/")


@require_POST
@mediation_page
def follow_up_action(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    follow = FollowUp.objects.select_related("dispute").filter(pk=follow_up_id).first()
    if follow is None:
        raise NotFound(_("未找到回访。"))
    access_dispute(request.user, follow.dispute_id)
    _attempt(
        request,
        lambda: a.check_record_follow_up(
            request.user, follow, request.POST.get("result", ""), request.POST.get("note", "")
        ),
        _("已记录回访。"),
    )
    return redirect("mediation:dispute", follow.dispute_id)


@mediation_page
def agreement_file(request: HttpRequest, dispute_id: int) -> HttpResponse:  # a FileResponse
    dispute = access_dispute(request.user, dispute_id)
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None or not agreement.document:
        raise NotFound(_("尚未生成调解协议书。"))
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        agreement.document.open("rb"), as_attachment=True, filename=f"{dispute.number}-调解协议书.docx"
    )
    return response


# -- legal services ---------------------------------------------------------------------------------


@mediation_page
def legal_home(request: HttpRequest) -> HttpResponse:
    """法i社区: a resident's questions, bookings and applications; an adviser's desk."""
    user = request.user
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "ask":
                legal.check_ask(user, request.POST.get("question", ""))
                messages.success(request, _("已提交咨询，法律顾问会尽快解答。"))
            elif what == "book":
                legal.check_book(user, request.POST.get("slot"), request.POST.get("topic", ""))
                messages.success(request, _("预约成功。"))
            elif what == "aid":
                application = legal.check_apply_aid(
                    user,
                    request.POST.get("case_type", ""),
                    request.POST.get("monthly_income", ""),
                    request.POST.get("household_size", ""),
                    request.POST.get("facts", ""),
                    request.FILES.getlist("documents"),
                )
                messages.success(request, _("已提交法律援助申请。"))
                return redirect("mediation:legal_aid", application.pk)
            elif what == "slot":
                legal.check_add_slot(
                    user,
                    request.POST.get("community_code", ""),
                    _local(request.POST.get("starts_at", "")),
                    _local(request.POST.get("ends_at", "")),
                    request.POST.get("place", ""),
                )
                messages.success(request, _("已开放预约时段。"))
        except JicengError as exc:
            messages.error(request, exc.message)
        return redirect("mediation:legal")
    adviser_q = legal.adviser_communities(user)
    advising = (
        is_admin(user) or bool(legal.visible_questions(user).filter(adviser_q).exists()) or _advises(user)
    )
    return render(
        request,
        "mediation/legal.html",
        {
            "community": legal.community_of(user),
            "questions": legal.visible_questions(user)[:50],
            "slots": legal.open_slots(user),
            "my_slots": ConsultSlot.objects.filter(booked_by=user).order_by("starts_at")
            if user.is_authenticated
            else [],
            "applications": legal.visible_aid(user)[:50],
            "aid_types": [(k, t.label) for k, t in legal.AID_TYPES.items()],
            "advising": advising,
            "adviser_slots": ConsultSlot.objects.filter(adviser_q).order_by("-starts_at")[:50]
            if advising
            else [],
            "income_limit": legal.income_limit(),
        },
    )


def _advises(user: Any) -> bool:
    from jiceng.org.models import Membership

    return Membership.objects.filter(
        user=user, is_active=True, role__in=legal.ADVISER_ROLES, unit__kind__code=legal.JUSTICE_KIND
    ).exists()


@mediation_page
def legal_question(request: HttpRequest, question_id: int) -> HttpResponse:
    question = legal.access_question(request.user, question_id)
    if request.method == "POST":
        _attempt(
            request,
            lambda: legal.check_answer(request.user, question, request.POST.get("answer", "")),
            _("已解答。"),
        )
        return redirect("mediation:legal_question", question.pk)
    return render(
        request,
        "mediation/legal_question.html",
        {"q": question, "adviser": legal.is_adviser(request.user, question.community_code)},
    )


@mediation_page
def legal_aid(request: HttpRequest, aid_id: int) -> HttpResponse:
    application = legal.access_aid(request.user, aid_id)
    if request.method == "POST":
        _attempt(
            request,
            lambda: legal.check_decide_aid(
                request.user,
                application,
                request.POST.get("decision") == "approve",
                request.POST.get("reason", ""),
            ),
            _("已作出决定。"),
        )
        return redirect("mediation:legal_aid", application.pk)
    return render(
        request,
        "mediation/legal_aid.html",
        {
            "aid": application,
            "decider": legal.is_adviser(request.user, application.community_code)
            and application.status == AidStatus.SUBMITTED,
            "label": legal.AID_TYPES.get(application.case_type, legal.AID_TYPES["other"]).label,
        },
    )
