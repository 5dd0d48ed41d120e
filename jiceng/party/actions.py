"""Every change of state in party building: ``check_*`` validates and checks permission, ``do_*``
writes in one transaction with its ``PartyEvent`` audit row. Pages, API and commands call the same
``check_*`` functions.

Reused, not rewritten: service hours go into the community time bank (``community.ledger``), events
and council decisions become cases through ``cases.actions.check_submit_case``, micro-projects are
proposed through ``community.actions.check_propose``, messages go out through
``cases.outbox.notify``, and the Sunday duty rota is written on the unit's duty roster
(``org.roster``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases.outbox import notify
from jiceng.community import ledger
from jiceng.community.actions import community_unit, profile_of
from jiceng.community.models import (
    AccountKind,
    CouncilProposal,
    LedgerAccount,
    Measure,
    PostingKind,
    ProposalStatus,
    ResidentProfile,
)
from jiceng.lib.identity import IdentityError, validate_phone, validate_resident_id
from jiceng.org.models import Unit, User
from jiceng.party import access
from jiceng.party.exceptions import AlreadyTaken, Missing, NotAllowed, PartyError, WrongState
from jiceng.party.models import (
    TERRITORIAL,
    UNIT_KINDS,
    AgendaItem,
    AgendaSource,
    Attendance,
    BoardSeat,
    BuildingHead,
    BuildingNotice,
    CallUp,
    CallUpReply,
    Commitment,
    Compound,
    Decision,
    Delivery,
    DualRegistration,
    DutyCheck,
    FollowUp,
    Meeting,
    OrgKind,
    Pairing,
    PartyEvent,
    PartyMember,
    PartyOrg,
    SeatKind,
    ServicePost,
    ServiceRecord,
    ServiceStatus,
    Theme,
    VanguardTeam,
    Visit,
    VisitOutcome,
    VisitPlan,
    WishCard,
    WishGroup,
    WishStatus,
)
from jiceng.places.models import Building, Division, Level

MAX_SERVICE_HOURS = Decimal("12")


def audit(actor: Any, verb: str, subject: Any, division: Division | None = None, detail: str = "") -> None:
    PartyEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        subject_type=type(subject).__name__.lower(),
        subject_id=str(getattr(subject, "pk", subject)),
        division=division,
        detail=str(detail)[:300],
    )


def _text(value: Any, label: str, max_len: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise PartyError(_("%(label)s不能包含 NUL 字符。") % {"label": label})
    if required and not text:
        raise PartyError(_("请填写%(label)s。") % {"label": label})
    if len(text) > max_len:
        raise PartyError(_("%(label)s不能超过 %(n)d 字。") % {"label": label, "n": max_len})
    return text


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PartyError(_("服务时长须为数字。"))
    if not hours.is_finite() or hours <= 0 or hours > MAX_SERVICE_HOURS:
        raise PartyError(_("服务时长须大于 0 且不超过 %(n)s 小时。") % {"n": MAX_SERVICE_HOURS})
    return hours.quantize(Decimal("0.01"))


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise PartyError(_("%(label)s须为日期（如 2026-05-01）。") % {"label": label})


def _community(code: Any) -> Division:
    code = str(code or "").strip()
    if "\x00" in code:  # PostgreSQL refuses a query that compares with a NUL
        raise PartyError(_("社区编码不能包含 NUL 字符。"))
    community = Division.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Missing(_("未找到社区“%(code)s”。") % {"code": code})
    return community


def _require_staff(user: Any, division: Division) -> None:
    if not access.is_staff_for(user, division):
        raise Missing(_("未找到%(name)s。") % {"name": division.name})


# --------------------------------------------------------------------------------------------------
# Organisations and members
# --------------------------------------------------------------------------------------------------


def check_create_org(
    actor: Any,
    *,
    code: str,
    name: str,
    kind: str,
    parent_id: Any = None,
    division_code: str = "",
    unit_code: str = "",
    building_code: str = "",
) -> PartyOrg:
    """A territorial organisation sits under the one above it in the chain (district → street →
    community → compound → building); a unit's organisation names its unit and may hang anywhere."""
    code = _text(code, _("组织代码"), 64)
    name = _text(name, _("名称"), 100)
    if kind not in OrgKind.values:
        raise PartyError(_("未知的组织类型“%(k)s”。") % {"k": kind})
    parent = access.access_org(actor, parent_id) if parent_id not in (None, "") else None
    unit = None
    building = None
    if kind in UNIT_KINDS:
        unit = Unit.objects.select_related("division").filter(code=str(unit_code).strip()).first()
        if unit is None:
            raise PartyError(_("单位党组织须指明所在单位。"))
        division = unit.division
    else:
        if parent is not None and (
            parent.kind not in TERRITORIAL
            or TERRITORIAL.index(kind)
            != TERRITORIAL.index(parent.kind)  # type: ignore[arg-type]
            + 1
        ):
            raise PartyError(
                _("%(kind)s不能设在%(parent)s之下。")
                % {"kind": OrgKind(kind).label, "parent": OrgKind(parent.kind).label}
            )
        if kind in (OrgKind.COMPOUND, OrgKind.BUILDING):
            division = parent.division if parent is not None else _community(division_code)
        else:
            found = Division.objects.filter(code=str(division_code or "").strip()).first() or (
                parent.division if parent is not None else None
            )
            if found is None:
                raise PartyError(_("请指明所在区划。"))
            division = found
        if kind == OrgKind.BUILDING:
            building = Building.objects.filter(code=str(building_code).strip()).first()
            if building is None or not building.code.startswith(division.code):
                raise PartyError(_("楼栋党小组须指明本社区的楼栋。"))
    _require_staff(actor, division)
    if PartyOrg.objects.filter(code=code).exists():
        raise AlreadyTaken(_("组织代码“%(c)s”已存在。") % {"c": code})
    with transaction.atomic():
        org = PartyOrg.objects.create(
            code=code, name=name, kind=kind, parent=parent, division=division, unit=unit, building=building
        )
        audit(actor, "create_org", org, division, name)
    return org


def _phone(value: Any) -> str:
    raw = str(value or "").strip()
    if not raw:
        return ""
    try:
        return validate_phone(raw)
    except IdentityError as exc:
        raise PartyError(str(exc))


def _id_number(value: Any) -> str:
    raw = str(value or "").strip()
    if not raw:
        return ""
    try:
        return validate_resident_id(raw).number
    except IdentityError as exc:
        raise PartyError(str(exc))


def _member_links(user_id: Any, person_id: Any, id_number: str, member: PartyMember | None = None) -> tuple:
    """The account and the registry person a member is tied to; the person is found by ID number
    when not named."""
    user = None
    if user_id not in (None, ""):
        user = User.objects.filter(pk=access._pk(user_id)).first()
        if user is None:
            raise PartyError(_("未找到该账号。"))
        taken = PartyMember.objects.filter(user=user)
        if member is not None:
            taken = taken.exclude(pk=member.pk)
        if taken.exists():
            raise AlreadyTaken(_("该账号已登记为党员。"))
    from jiceng.registry.models import Person

    person = None
    if person_id not in (None, ""):
        person = Person.objects.filter(pk=access._pk(person_id)).first()
        if person is None:
            raise PartyError(_("未找到人口库人员。"))
    elif id_number:
        person = Person.objects.filter(id_number=id_number).first()
    return user, person


def check_add_member(
    actor: Any,
    *,
    org_id: Any,
    name: str,
    phone: str = "",
    user_id: Any = None,
    person_id: Any = None,
    id_number: str = "",
) -> PartyMember:
    org = access.access_org(actor, org_id)
    name = _text(name, _("姓名"), 64)
    phone = _phone(phone)
    number = _id_number(id_number)
    user, person = _member_links(user_id, person_id, number)
    with transaction.atomic():
        member = PartyMember.objects.create(
            org=org, name=name, phone=phone, id_number=number, user=user, person=person
        )
        audit(actor, "add_member", member, org.division, name)
    return member


def check_edit_member(
    actor: Any,
    member_id: Any,
    *,
    org_id: Any,
    name: str,
    phone: str = "",
    id_number: str = "",
    user_id: Any = None,
    is_active: bool = True,
) -> PartyMember:
    """Staff correct a member's record. A blank phone or ID number keeps the stored one (staff who see
    personal data masked cannot retype it); the organisation may move only within the staff's scope."""
    member = access.access_member(actor, member_id)
    if member.org_id is None or not access.visible_orgs(actor).filter(pk=member.org_id).exists():
        raise Missing(_("未找到该党员。"))
    org = access.access_org(actor, org_id)
    name = _text(str(name or "").strip() or member.name, _("姓名"), 64)
    phone = _phone(phone) or member.phone
    number = _id_number(id_number) or member.id_number
    user, person = _member_links(user_id, None, number if number != member.id_number else "", member)
    changed = [
        f
        for f, new in (
            ("org", org.pk),
            ("name", name),
            ("phone", phone),
            ("id_number", number),
            ("user", user.pk if user else member.user_id),
            ("is_active", is_active),
        )
        if new != getattr(member, f + "_id" if f in ("org", "user") else f)
    ]
    with transaction.atomic():
        member.org, member.name, member.phone, member.id_number = org, name, phone, number
        if user is not None:
            member.user = user
        if person is not None:
            member.person = person
        member.is_active = is_active
        member.save()
        audit(actor, "edit_member", member, org.division, ",".join(changed))
    return member


def check_edit_org(
    actor: Any, org_id: Any, *, name: str, secretary_id: Any = None, is_active: bool = True
) -> PartyOrg:
    """Rename an organisation, name its secretary, or close it (only when it has no active children
    or members). Its place in the tree does not move: close it and create another."""
    org = access.access_org(actor, org_id)
    name = _text(name, _("名称"), 100)
    secretary = None
    if secretary_id not in (None, ""):
        secretary = User.objects.filter(pk=access._pk(secretary_id)).first()
        if secretary is None:
            raise PartyError(_("未找到该账号。"))
    if not is_active and (
        org.children.filter(is_active=True).exists() or org.members.filter(is_active=True).exists()
    ):
        raise WrongState(_("该组织下仍有有效的下级组织或党员，不能撤销。"))
    with transaction.atomic():
        org.name, org.secretary, org.is_active = name, secretary, is_active
        org.save(update_fields=["name", "secretary", "is_active"])
        audit(actor, "edit_org", org, org.division, name)
    return org


def check_dual_register(user: Any, community_code: str, post_ids: list[Any]) -> DualRegistration:
    """双报到: the member registers at the community where they live and picks service posts there."""
    member = access.member_of(user)
    if member is None:
        raise NotAllowed(_("您尚未登记为党员，请联系所在党组织。"))
    community = _community(community_code)
    posts = list(
        ServicePost.objects.filter(
            community=community, is_open=True, pk__in=[access._pk(p) for p in post_ids]
        )
    )
    if len(posts) != len({access._pk(p) for p in post_ids}):
        raise PartyError(_("所选服务岗位不属于该社区或已关闭。"))
    if not posts:
        raise PartyError(_("请至少选择一个服务岗位。"))
    return do_dual_register(member, community, posts)


def do_dual_register(member: PartyMember, community: Division, posts: list[ServicePost]) -> DualRegistration:
    try:
        with transaction.atomic():
            reg = DualRegistration.objects.create(member=member, community=community)
            reg.posts.set(posts)
            audit(member.user, "dual_register", reg, community, ",".join(p.title for p in posts))
            unit = community_unit(community)
            if unit is not None:
                notify(
                    "party_registered",
                    _("党员 %(name)s 已到%(c)s报到。") % {"name": member.name, "c": community.name},
                    unit=unit,
                )
    except IntegrityError:
        raise AlreadyTaken(_("您已在%(c)s报到。") % {"c": community.name})
    return reg


def check_record_service(
    user: Any, registration_id: Any, *, hours: Any, served_on: Any, note: str, post_id: Any = None
) -> ServiceRecord:
    reg = access.access_registration(user, registration_id)
    if not reg.is_active:
        raise WrongState(_("该报到已结束。"))
    day = _date(served_on, _("服务日期"))
    if day > timezone.localdate():
        raise PartyError(_("服务日期不能晚于今天。"))
    post = None
    if post_id not in (None, ""):
        post = reg.posts.filter(pk=access._pk(post_id)).first()
        if post is None:
            raise PartyError(_("请选择您认领的服务岗位。"))
    with transaction.atomic():
        record = ServiceRecord.objects.create(
            registration=reg,
            post=post,
            served_on=day,
            hours=_hours(hours),
            note=_text(note, _("服务内容"), 300),
        )
        audit(user, "record_service", record, reg.community, f"{record.hours}h")
    return record


def uses_time_bank(community: Division) -> bool:
    """A community runs a time bank once its books hold any account (an activity credited hours, a
    reward was redeemed); then party service hours are credited there too."""
    return LedgerAccount.objects.filter(community=community).exists()


def check_confirm_service(staff: Any, record_id: Any, accept: bool = True) -> ServiceRecord:
    record = (
        ServiceRecord.objects.select_related("registration__community", "registration__member__user")
        .filter(pk=access._pk(record_id))
        .first()
    )
    if record is None or not access.is_staff_for(staff, record.registration.community):
        raise Missing(_("未找到该服务记录。"))
    return do_confirm_service(staff, record, accept)


def do_confirm_service(staff: Any, record: ServiceRecord, accept: bool) -> ServiceRecord:
    with transaction.atomic():
        record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        if record.status != ServiceStatus.RECORDED:
            raise WrongState(_("该服务记录已处理。"))
        reg = DualRegistration.objects.select_related("community", "member__user").get(
            pk=record.registration_id
        )
        record.status = ServiceStatus.CONFIRMED if accept else ServiceStatus.REJECTED
        record.confirmed_by = staff
        record.confirmed_at = timezone.now()
        fields = ["status", "confirmed_by", "confirmed_at"]
        member_user = reg.member.user
        if accept and member_user is not None and uses_time_bank(reg.community):
            mine = ledger.resident_account(reg.community, member_user)
            issuance = ledger.system_account(reg.community, AccountKind.ISSUANCE)
            posting = ledger.post(
                f"party-service:{record.pk}",
                PostingKind.SERVICE,
                _("党员双报到服务：%(n)s") % {"n": record.note},
                staff,
                [(mine, Measure.HOURS, record.hours), (issuance, Measure.HOURS, -record.hours)],
            )
            record.posting_id_ref = posting.pk
            fields.append("posting_id_ref")
        record.save(update_fields=fields)
        audit(staff, "confirm_service" if accept else "reject_service", record, reg.community)
    return record


# --------------------------------------------------------------------------------------------------
# Pairings
# --------------------------------------------------------------------------------------------------


def check_pair(actor: Any, org_id: Any, community_code: str) -> Pairing:
    community = _community(community_code)
    _require_staff(actor, community)
    org = PartyOrg.objects.filter(pk=access._pk(org_id), kind__in=UNIT_KINDS, is_active=True).first()
    if org is None:
        raise Missing(_("未找到该单位党组织。"))
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(org=org, community=community)
            audit(actor, "pair", pairing, community, org.name)
    except IntegrityError:
        raise AlreadyTaken(_("%(o)s已与%(c)s结对。") % {"o": org.name, "c": community.name})
    return pairing


def check_add_commitment(actor: Any, pairing_id: Any, title: str, due_on: Any = None) -> Commitment:
    pairing = access.access_pairing(actor, pairing_id)
    due = _date(due_on, _("完成期限")) if due_on not in (None, "") else None
    with transaction.atomic():
        commitment = Commitment.objects.create(
            pairing=pairing, title=_text(title, _("承诺事项"), 120), due_on=due
        )
        audit(actor, "add_commitment", commitment, pairing.community, commitment.title)
    return commitment


def check_record_delivery(
    actor: Any,
    commitment_id: Any,
    *,
    note: str,
    delivered_on: Any = None,
    people: Any = 0,
    completes: bool = False,
) -> Delivery:
    commitment = Commitment.objects.select_related("pairing").filter(pk=access._pk(commitment_id)).first()
    if commitment is None:
        raise Missing(_("未找到该承诺。"))
    pairing = access.access_pairing(actor, commitment.pairing_id)
    day = _date(delivered_on, _("日期")) if delivered_on not in (None, "") else timezone.localdate()
    try:
        count = max(0, int(people or 0))
    except (TypeError, ValueError):
        raise PartyError(_("参与人数须为整数。"))
    with transaction.atomic():
        delivery = Delivery.objects.create(
            commitment=commitment,
            delivered_on=day,
            note=_text(note, _("兑现情况"), 300),
            people=count,
            completes=completes,
            recorded_by=actor,
        )
        if completes and commitment.delivered_at is None:
            commitment.delivered_at = timezone.now()
            commitment.save(update_fields=["delivered_at"])
        audit(actor, "record_delivery", delivery, pairing.community, delivery.note)
    return delivery


# --------------------------------------------------------------------------------------------------
# Wish cards
# --------------------------------------------------------------------------------------------------


def check_post_wish(
    user: Any, *, title: str, detail: str = "", group: str = "", resident_id: Any = None
) -> WishCard:
    """A resident posts their own wish; community staff post one on a resident's behalf."""
    title = _text(title, _("心愿"), 100)
    detail = _text(detail, _("详细说明"), 2000, required=False)
    group = group or WishGroup.OTHER
    if group not in WishGroup.values:
        raise PartyError(_("未知的对象类别。"))
    if resident_id not in (None, ""):
        profile = (
            ResidentProfile.objects.select_related("community", "user")
            .filter(user_id=access._pk(resident_id))
            .first()
        )
        if profile is None or not access.is_staff_for(user, profile.community):
            raise Missing(_("未找到该居民。"))
    else:
        profile = profile_of(user)
        if profile is None:
            raise NotAllowed(_("请先以居民身份注册。"))
    with transaction.atomic():
        wish = WishCard.objects.create(
            community=profile.community,
            resident=profile.user,
            posted_by=user,
            group=group,
            title=title,
            detail=detail,
        )
        audit(user, "post_wish", wish, profile.community, title)
    return wish


def _mentions_person(wish: WishCard, text: str) -> bool:
    resident = wish.resident
    names = [resident.display_name, resident.phone, resident.id_number]
    return any(n and len(n) >= 2 and n in text for n in names)


def check_review_wish(staff: Any, wish_id: Any, *, approve: bool, public_text: str = "") -> WishCard:
    wish = access.access_wish(staff, wish_id)
    if not access.is_staff_for(staff, wish.community):
        raise Missing(_("未找到该心愿。"))
    text = _text(public_text, _("公开说明"), 300, required=approve)
    if approve and _mentions_person(wish, f"{wish.title}{text}"):
        raise PartyError(_("公开的心愿不能包含心愿人的姓名、电话或身份证号。"))
    with transaction.atomic():
        updated = WishCard.objects.filter(pk=wish.pk, status=WishStatus.SUBMITTED).update(
            status=WishStatus.PUBLISHED if approve else WishStatus.REJECTED,
            public_text=text,
            reviewed_by=staff,
            published_at=timezone.now() if approve else None,
        )
        if updated != 1:
            raise WrongState(_("该心愿已审核。"))
        audit(staff, "publish_wish" if approve else "reject_wish", wish, wish.community)
    wish.refresh_from_db()
    return wish


def check_claim_wish(user: Any, wish_id: Any) -> WishCard:
    wish = access.access_wish(user, wish_id)
    kind = access.claimer_kind(user, wish.community_id)
    if not kind:
        raise Missing(_("未找到该心愿。"))
    return do_claim_wish(user, wish, kind)


def do_claim_wish(user: Any, wish: WishCard, kind: str) -> WishCard:
    # Compare-and-set: of two claimers at the same moment exactly one update finds the wish still
    # published; the other gets "already claimed".
    with transaction.atomic():
        won = WishCard.objects.filter(pk=wish.pk, status=WishStatus.PUBLISHED).update(
            status=WishStatus.CLAIMED, claimed_by=user, claimer_kind=kind, claimed_at=timezone.now()
        )
        if won != 1:
            raise AlreadyTaken(_("该心愿已被认领。"))
        audit(user, "claim_wish", wish, wish.community, kind)
        notify(
            "party_wish_claimed", _("您的心愿“%(t)s”已被认领。") % {"t": wish.title}, users=[wish.resident]
        )
    wish.refresh_from_db()
    return wish


def check_fulfil_wish(user: Any, wish_id: Any, *, note: str, photo: Any) -> WishCard:
    wish = access.access_wish(user, wish_id)
    if wish.claimed_by_id != user.pk:
        raise NotAllowed(_("只有认领人可以登记实现情况。"))
    if wish.status != WishStatus.CLAIMED:
        raise WrongState(_("该心愿不在待实现状态。"))
    if photo is None:
        raise PartyError(_("请上传实现心愿的照片。"))
    from jiceng.cases.intake import read_photos

    checked = read_photos([photo], limit=1)[0]
    note = _text(note, _("实现说明"), 300)
    from django.core.files.base import ContentFile

    with transaction.atomic():
        wish = WishCard.objects.select_for_update().get(pk=wish.pk)
        if wish.status != WishStatus.CLAIMED:
            raise WrongState(_("该心愿不在待实现状态。"))
        wish.photo.save(
            f"wish-{wish.pk}.{checked.info.extension.lstrip('.')}",
            ContentFile(checked.data),
            save=False,
        )
        wish.status = WishStatus.FULFILLED
        wish.fulfil_note = note
        wish.fulfilled_at = timezone.now()
        wish.save(update_fields=["photo", "status", "fulfil_note", "fulfilled_at"])
        audit(user, "fulfil_wish", wish, wish.community, note)
        notify(
            "party_wish_fulfilled",
            _("您的心愿“%(t)s”已实现，请确认。") % {"t": wish.title},
            users=[wish.resident],
        )
    return wish


def check_confirm_wish(user: Any, wish_id: Any) -> WishCard:
    """The resident (or staff on their behalf) confirms the wish came true."""
    wish = access.access_wish(user, wish_id)
    if user.pk != wish.resident_id and not access.is_staff_for(user, wish.community):
        raise NotAllowed(_("只有心愿人可以确认。"))
    with transaction.atomic():
        done = WishCard.objects.filter(pk=wish.pk, status=WishStatus.FULFILLED).update(
            status=WishStatus.CONFIRMED, confirmed_at=timezone.now()
        )
        if done != 1:
            raise WrongState(_("该心愿尚未登记实现。"))
        audit(user, "confirm_wish", wish, wish.community)
    wish.refresh_from_db()
    return wish


def escalate_stale_wishes(now: dt.datetime | None = None, days: int | None = None) -> int:
    """Published wishes nobody claimed within ``days`` (setting JICENG_PARTY_WISH_ESCALATE_DAYS) go to
    the community workstation; each wish is escalated once."""
    now = now or timezone.now()
    days = days if days is not None else int(getattr(settings, "JICENG_PARTY_WISH_ESCALATE_DAYS", 7))
    stale = WishCard.objects.filter(
        status=WishStatus.PUBLISHED, escalated_at__isnull=True, published_at__lt=now - dt.timedelta(days=days)
    ).select_related("community")
    count = 0
    for wish in stale:
        with transaction.atomic():
            if WishCard.objects.filter(pk=wish.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            unit = community_unit(wish.community)
            notify(
                "party_wish_escalated",
                _("心愿“%(t)s”发布 %(d)d 天无人认领，请社区跟进。") % {"t": wish.title, "d": days},
                unit=unit,
            )
            audit(None, "escalate_wish", wish, wish.community)
            count += 1
    return count


# --------------------------------------------------------------------------------------------------
# Building heads
# --------------------------------------------------------------------------------------------------

DUTIES = (
    ("sweep", _("楼栋巡查（消防通道、电动车充电、杂物堆放）")),
    ("notices", _("张贴和转达社区通知")),
    ("visits", _("走访独居老人")),
    ("report", _("发现问题及时上报")),
    ("changes", _("掌握住户变动")),
)
DUTY_CODES = frozenset(code for code, _label in DUTIES)


def check_assign_head(staff: Any, user_id: Any, building_code: str) -> BuildingHead:
    building = (
        Building.objects.select_related("grid__community").filter(code=str(building_code).strip()).first()
    )
    if building is None or not access.is_staff_for(staff, building.grid.community):
        raise Missing(_("未找到楼栋“%(code)s”。") % {"code": building_code})
    user = User.objects.filter(pk=access._pk(user_id)).first()
    if user is None:
        raise Missing(_("未找到该账号。"))
    try:
        with transaction.atomic():
            head = BuildingHead.objects.create(user=user, building=building, assigned_by=staff)
            audit(staff, "assign_head", head, building.grid.community, building.code)
    except IntegrityError:
        raise AlreadyTaken(_("该居民已是本楼栋的楼栋长。"))
    return head


def check_end_head(staff: Any, head_id: Any) -> BuildingHead:
    """Community staff end a building head's assignment (the row stays, inactive, for the record)."""
    head = (
        BuildingHead.objects.select_related("building__grid__community", "user")
        .filter(pk=access._pk(head_id), is_active=True)
        .first()
    )
    if head is None or not access.is_staff_for(staff, head.building.grid.community):
        raise Missing(_("未找到该楼栋长。"))
    with transaction.atomic():
        head.is_active = False
        head.save(update_fields=["is_active"])
        audit(staff, "end_head", head, head.building.grid.community, head.building.code)
    return head


def check_post_building_notice(user: Any, code: str, title: str, body: str) -> BuildingNotice:
    building = access.access_head_building(user, code)
    with transaction.atomic():
        notice = BuildingNotice.objects.create(
            building=building,
            title=_text(title, _("标题"), 120),
            body=_text(body, _("内容"), 2000),
            posted_by=user,
        )
        residents = ResidentProfile.objects.filter(room__building=building).values_list("user_id", flat=True)
        if residents:
            notify("party_building_notice", f"{building.address}：{notice.title}", users=list(residents))
        audit(user, "building_notice", notice, building.grid.community, notice.title)
    return notice


def check_report_event(user: Any, code: str, description: str, room_code: str = "", photos: Any = ()) -> Any:
    """The building head's first sweep: what they find becomes a case through the case actions."""
    building = access.access_head_building(user, code)
    description = _text(description, _("事件描述"), 2000)
    location = building.code
    if room_code:
        if not room_code.startswith(building.code) or not building.rooms.filter(code=room_code).exists():
            raise Missing(_("未找到房屋“%(code)s”。") % {"code": room_code})
        location = room_code
    from jiceng.cases.actions import check_submit_case

    with transaction.atomic():
        case = check_submit_case(
            user,
            description=description,
            title=_("楼栋长上报"),
            channel="portal",
            location_code=location,
            photos=photos,
        )
        audit(user, "report_event", building, building.grid.community, str(case.pk))
    return case


def check_add_visit_plan(
    staff: Any, building_code: str, name: str, room_code: str = "", every_days: Any = 7
) -> VisitPlan:
    building = (
        Building.objects.select_related("grid__community").filter(code=str(building_code).strip()).first()
    )
    if building is None or not access.is_staff_for(staff, building.grid.community):
        raise Missing(_("未找到楼栋“%(code)s”。") % {"code": building_code})
    room = building.rooms.filter(code=room_code).first() if room_code else None
    try:
        every = int(every_days)
    except (TypeError, ValueError):
        raise PartyError(_("走访周期须为天数。"))
    if not 1 <= every <= 90:
        raise PartyError(_("走访周期须在 1 到 90 天之间。"))
    with transaction.atomic():
        plan = VisitPlan.objects.create(
            building=building,
            room=room,
            name=_text(name, _("姓名"), 64),
            every_days=every,
            next_due=timezone.localdate(),
        )
        audit(staff, "add_visit_plan", plan, building.grid.community)
    return plan


def check_record_visit(user: Any, plan_id: Any, outcome: str, note: str = "") -> Visit:
    plan = (
        VisitPlan.objects.select_related("building__grid__community", "room")
        .filter(pk=access._pk(plan_id))
        .first()
    )
    if plan is None or not access.head_buildings(user).filter(pk=plan.building_id).exists():
        raise Missing(_("未找到该走访对象。"))
    if outcome not in VisitOutcome.values:
        raise PartyError(_("请选择走访情况。"))
    note = _text(note, _("记录"), 300, required=outcome != VisitOutcome.WELL)
    with transaction.atomic():
        visit = Visit.objects.create(plan=plan, visited_by=user, outcome=outcome, note=note)
        plan.next_due = timezone.localdate() + dt.timedelta(days=plan.every_days)
        plan.save(update_fields=["next_due"])
        if outcome != VisitOutcome.WELL:
            # An elderly person needing help, or not seen, is the community's business at once.
            unit = community_unit(plan.building.grid.community)
            notify(
                "party_visit_concern",
                _("走访独居老人：%(b)s %(o)s——%(n)s")
                % {"b": plan.building.address, "o": VisitOutcome(outcome).label, "n": note},
                unit=unit,
                urgent=outcome == VisitOutcome.NOT_HOME,
            )
        audit(user, "visit", visit, plan.building.grid.community, outcome)
    return visit


def check_tick_duty(user: Any, code: str, duty: str) -> DutyCheck:
    building = access.access_head_building(user, code)
    if duty not in DUTY_CODES:
        raise PartyError(_("未知的职责。"))
    check, _created = DutyCheck.objects.get_or_create(
        user=user, building=building, duty=duty, on=timezone.localdate()
    )
    return check


# --------------------------------------------------------------------------------------------------
# Vanguard teams, call-ups, urgent dispatch, Sunday rota
# --------------------------------------------------------------------------------------------------


def check_create_team(
    staff: Any, community_code: str, theme: str, name: str, member_ids: list[Any]
) -> VanguardTeam:
    community = _community(community_code)
    _require_staff(staff, community)
    if theme not in Theme.values:
        raise PartyError(_("未知的主题。"))
    members = list(access.visible_members(staff).filter(pk__in=[access._pk(m) for m in member_ids]))
    with transaction.atomic():
        team = VanguardTeam.objects.create(community=community, theme=theme, name=_text(name, _("名称"), 64))
        team.members.set(members)
        audit(staff, "create_team", team, community, name)
    return team


def check_edit_team(staff: Any, team_id: Any, name: str, member_ids: list[Any]) -> VanguardTeam:
    team = access.access_team(staff, team_id)
    name = _text(name, _("名称"), 64)
    members = list(access.visible_members(staff).filter(pk__in=[access._pk(m) for m in member_ids]))
    with transaction.atomic():
        team.name = name
        team.save(update_fields=["name"])
        team.members.set(members)
        audit(staff, "edit_team", team, team.community, f"{name}:{len(members)}")
    return team


def _callup_members(callup: CallUp) -> list[PartyMember]:
    if callup.team_id is not None:
        return list(callup.team.members.filter(is_active=True))  # type: ignore[union-attr]
    registered = DualRegistration.objects.filter(community=callup.community, is_active=True).values(
        "member_id"
    )
    return list(PartyMember.objects.filter(pk__in=registered, is_active=True))


def check_call_up(
    staff: Any,
    *,
    community_code: str,
    title: str,
    starts_at: dt.datetime,
    team_id: Any = None,
    place: str = "",
    needed: Any = 0,
    urgent: bool = False,
) -> CallUp:
    """A team's call-up, or with no team an urgent task to every dual-registered member (平急转换)."""
    community = _community(community_code)
    _require_staff(staff, community)
    team = None
    if team_id not in (None, ""):
        team = VanguardTeam.objects.filter(pk=access._pk(team_id), community=community).first()
        if team is None:
            raise Missing(_("未找到该先锋队。"))
    if timezone.is_naive(starts_at):
        raise PartyError(_("集合时间须带时区。"))
    with transaction.atomic():
        callup = CallUp.objects.create(
            community=community,
            team=team,
            title=_text(title, _("任务"), 120),
            place=_text(place, _("集合地点"), 200, required=False),
            starts_at=starts_at,
            needed=max(0, int(needed or 0)),
            urgent=urgent or team is None,
            created_by=staff,
        )
        users = [m.user_id for m in _callup_members(callup) if m.user_id]
        if users:
            notify(
                "party_callup",
                _("集结令：%(t)s，%(at)s 于%(p)s集合。")
                % {
                    "t": callup.title,
                    "at": timezone.localtime(starts_at).strftime("%m-%d %H:%M"),
                    "p": callup.place,
                },
                users=users,
                urgent=callup.urgent,
            )
        audit(staff, "call_up", callup, community, callup.title)
    return callup


def _callup_for_member(user: Any, callup_id: Any) -> tuple[CallUp, PartyMember]:
    member = access.member_of(user)
    callup = CallUp.objects.select_related("team", "community").filter(pk=access._pk(callup_id)).first()
    if member is None or callup is None or member not in _callup_members(callup):
        raise Missing(_("未找到该集结令。"))
    return callup, member


def check_reply_callup(user: Any, callup_id: Any, accept: bool = True) -> CallUpReply:
    callup, member = _callup_for_member(user, callup_id)
    with transaction.atomic():
        reply, _created = CallUpReply.objects.update_or_create(
            callup=callup, member=member, defaults={"accepted": accept, "replied_at": timezone.now()}
        )
        audit(user, "accept_callup" if accept else "decline_callup", callup, callup.community)
    return reply


def check_check_in(user: Any, callup_id: Any) -> CallUpReply:
    callup, member = _callup_for_member(user, callup_id)
    with transaction.atomic():
        reply = CallUpReply.objects.select_for_update().filter(callup=callup, member=member).first()
        if reply is None or not reply.accepted:
            raise WrongState(_("请先接受集结令。"))
        if reply.checked_in_at is None:
            reply.checked_in_at = timezone.now()
            reply.save(update_fields=["checked_in_at"])
            audit(user, "check_in", callup, callup.community)
    return reply


def check_schedule_sunday_rota(
    staff: Any, community_code: str, member_ids: list[Any], first_sunday: Any
) -> list[Any]:
    """党员周日轮值: one Sunday shift (09:00–17:00) per member in turn, on the community workstation's
    duty roster, through the roster's own action (overlap and membership checks included)."""
    from jiceng.org import roster

    community = _community(community_code)
    _require_staff(staff, community)
    unit = community_unit(community)
    if unit is None:
        raise PartyError(_("%(c)s没有社区工作站，无法排班。") % {"c": community.name})
    sunday = _date(first_sunday, _("首个周日"))
    if sunday.weekday() != 6:
        raise PartyError(_("轮值从周日开始。"))
    members = {
        m.pk: m for m in access.visible_members(staff).filter(pk__in=[access._pk(m) for m in member_ids])
    }
    ordered = [members[access._pk(m)] for m in member_ids if access._pk(m) in members]
    if not ordered:
        raise PartyError(_("请选择轮值党员。"))
    shifts = []
    with transaction.atomic():
        for week, member in enumerate(ordered):
            if member.user is None:
                raise PartyError(_("党员 %(n)s 没有账号，不能排班。") % {"n": member.name})
            day = sunday + dt.timedelta(weeks=week)
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
            shifts.append(
                roster.check_add_shift(
                    staff,
                    unit,
                    member.user,
                    start,
                    start + dt.timedelta(hours=8),
                    title=str(_("党员周日轮值")),
                )
            )
        audit(staff, "sunday_rota", unit, community, ",".join(m.name for m in ordered))
    return shifts


# --------------------------------------------------------------------------------------------------
# Compound boards and residents' councils
# --------------------------------------------------------------------------------------------------


def check_create_compound(staff: Any, community_code: str, name: str, building_codes: list[str]) -> Compound:
    """A residential compound (小区) of a community, grouping some of its buildings."""
    community = _community(community_code)
    _require_staff(staff, community)
    buildings = _compound_buildings(community, building_codes)
    with transaction.atomic():
        compound = Compound.objects.create(community=community, name=_text(name, _("小区名称"), 100))
        compound.buildings.set(buildings)
        audit(staff, "create_compound", compound, community, compound.name)
    return compound


def _compound_buildings(community: Division, building_codes: list[str]) -> list[Building]:
    codes = sorted({str(c).strip() for c in building_codes if str(c).strip()})
    buildings = list(Building.objects.filter(code__in=codes))
    if len(buildings) != len(codes) or any(not b.code.startswith(community.code) for b in buildings):
        raise PartyError(_("小区只能包含本社区的楼栋。"))
    return buildings


def check_edit_compound(staff: Any, compound_id: Any, name: str, building_codes: list[str]) -> Compound:
    compound = access.access_compound(staff, compound_id)
    name = _text(name, _("小区名称"), 100)
    buildings = _compound_buildings(compound.community, building_codes)
    with transaction.atomic():
        compound.name = name
        compound.save(update_fields=["name"])
        compound.buildings.set(buildings)
        audit(staff, "edit_compound", compound, compound.community, f"{name}:{len(buildings)}")
    return compound


def check_add_seat(staff: Any, compound_id: Any, kind: str, body: str, user_id: Any) -> BoardSeat:
    """A seat on the compound's board (1+3+N): the party branch, the owners' committee, the property
    company, or another member."""
    compound = access.access_compound(staff, compound_id)
    if kind not in SeatKind.values:
        raise PartyError(_("未知的席位。"))
    user = User.objects.filter(pk=access._pk(user_id)).first()
    if user is None:
        raise PartyError(_("未找到该账号。"))
    try:
        with transaction.atomic():
            seat = BoardSeat.objects.create(
                compound=compound, kind=kind, body=_text(body, _("所在组织"), 100), user=user
            )
            audit(staff, "add_seat", seat, compound.community, f"{kind}:{user.pk}")
    except IntegrityError:
        raise AlreadyTaken(_("该成员已在联席会中担任此席位。"))
    return seat


def check_create_meeting(
    staff: Any,
    community_code: str,
    title: str,
    held_at: dt.datetime,
    *,
    compound_id: Any = None,
    place: str = "",
) -> Meeting:
    community = _community(community_code)
    _require_staff(staff, community)
    compound = None
    if compound_id not in (None, ""):
        compound = Compound.objects.filter(pk=access._pk(compound_id), community=community).first()
        if compound is None:
            raise Missing(_("未找到该小区。"))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            community=community,
            compound=compound,
            title=_text(title, _("会议"), 120),
            held_at=held_at,
            place=_text(place, _("地点"), 200, required=False),
            created_by=staff,
        )
        audit(staff, "create_meeting", meeting, community, meeting.title)
    return meeting


def check_add_agenda_item(
    staff: Any, meeting_id: Any, title: str, source: str = AgendaSource.PROPOSAL
) -> AgendaItem:
    meeting = access.access_meeting(staff, meeting_id, staff=True)
    if source not in AgendaSource.values:
        raise PartyError(_("未知的议题来源。"))
    return AgendaItem.objects.create(meeting=meeting, title=_text(title, _("议题"), 200), source=source)


def _open_proposal(staff: Any, proposal_id: Any) -> CouncilProposal:
    proposal = CouncilProposal.objects.select_related("community").filter(pk=access._pk(proposal_id)).first()
    if proposal is None or not access.is_staff_for(staff, proposal.community):
        raise Missing(_("未找到该提议。"))
    return proposal


def _decide_proposal(staff: Any, proposal: CouncilProposal, status: str, reason: str) -> None:
    """Compare-and-set: of two staff answering at once, one wins and the other gets 409."""
    updated = CouncilProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.SUBMITTED).update(
        status=status, reason=reason, decided_by=staff, decided_at=timezone.now()
    )
    if not updated:
        raise WrongState(_("该提议已答复。"))
    proposal.refresh_from_db()


def check_accept_proposal(staff: Any, proposal_id: Any, meeting_id: Any) -> AgendaItem:
    """Put a resident's proposal on a meeting's agenda (a meeting of the same community)."""
    proposal = _open_proposal(staff, proposal_id)
    meeting = access.access_meeting(staff, meeting_id, staff=True)
    if meeting.community_id != proposal.community_id:
        raise PartyError(_("只能列入本社区议事会的议程。"))
    with transaction.atomic():
        _decide_proposal(staff, proposal, ProposalStatus.ACCEPTED, "")
        item = AgendaItem.objects.create(
            meeting=meeting, title=proposal.title[:200], source=AgendaSource.PROPOSAL, proposal=proposal
        )
        audit(staff, "accept_proposal", proposal, proposal.community, f"meeting:{meeting.pk}")
        notify(
            "party_proposal_accepted",
            _("您的提议“%(t)s”已列入%(m)s（%(d)s）的议程。")
            % {
                "t": proposal.title,
                "m": meeting.title,
                "d": timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M"),
            },
            users=[proposal.resident_id],
            resident=True,
            link=reverse("community:proposals"),
        )
    return item


def check_decline_proposal(staff: Any, proposal_id: Any, reason: Any) -> CouncilProposal:
    proposal = _open_proposal(staff, proposal_id)
    reason = _text(reason, _("不予列入的原因"), 300)
    with transaction.atomic():
        _decide_proposal(staff, proposal, ProposalStatus.DECLINED, reason)
        audit(staff, "decline_proposal", proposal, proposal.community, reason)
        notify(
            "party_proposal_declined",
            _("您的提议“%(t)s”未列入议程：%(r)s") % {"t": proposal.title, "r": reason},
            users=[proposal.resident_id],
            resident=True,
            link=reverse("community:proposals"),
        )
    return proposal


def check_record_attendance(
    staff: Any, meeting_id: Any, name: str, role: str = "", present: bool = True
) -> Attendance:
    meeting = access.access_meeting(staff, meeting_id, staff=True)
    return Attendance.objects.create(
        meeting=meeting,
        name=_text(name, _("姓名"), 64),
        role=_text(role, _("身份"), 64, required=False),
        present=present,
    )


def check_save_minutes(staff: Any, meeting_id: Any, minutes: str) -> Meeting:
    meeting = access.access_meeting(staff, meeting_id, staff=True)
    meeting.minutes = _text(minutes, _("会议纪要"), 10000)
    with transaction.atomic():
        meeting.save(update_fields=["minutes"])
        audit(staff, "minutes", meeting, meeting.community)
    return meeting


def check_decide(
    staff: Any,
    meeting_id: Any,
    *,
    text: str,
    follow_up: str,
    owner_id: Any,
    due_on: Any,
    votes_for: Any = 0,
    votes_against: Any = 0,
    votes_abstain: Any = 0,
    item_id: Any = None,
    location_code: str = "",
) -> Decision:
    """A decision with its votes; a passed decision is followed through at once — as a case (through
    the case actions), a micro-project proposal (through the portal's action) or a task for its owner."""
    meeting = access.access_meeting(staff, meeting_id, staff=True)
    text = _text(text, _("决议"), 300)
    if follow_up not in FollowUp.values:
        raise PartyError(_("请选择落实方式。"))
    owner = User.objects.filter(pk=access._pk(owner_id)).first()
    if owner is None:
        raise PartyError(_("请指定责任人。"))
    due = _date(due_on, _("完成期限"))
    try:
        votes = [max(0, int(v or 0)) for v in (votes_for, votes_against, votes_abstain)]
    except (TypeError, ValueError):
        raise PartyError(_("票数须为整数。"))
    if votes[0] <= votes[1]:
        raise PartyError(_("赞成票未超过反对票，决议未通过，不能转办。"))
    item = meeting.items.filter(pk=access._pk(item_id)).first() if item_id not in (None, "") else None
    with transaction.atomic():
        decision = Decision.objects.create(
            meeting=meeting,
            item=item,
            text=text,
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstain=votes[2],
            follow_up=follow_up,
            owner=owner,
            due_on=due,
        )
        if follow_up == FollowUp.CASE:
            from jiceng.cases.actions import check_submit_case

            compound_building = (
                meeting.compound.buildings.order_by("code").first() if meeting.compound else None
            )
            case = check_submit_case(
                staff,
                title=_("议事会决议：%(t)s") % {"t": text[:60]},
                description=_("%(m)s决议：%(t)s（责任人 %(o)s，期限 %(d)s）")
                % {"m": meeting.title, "t": text, "o": owner, "d": due.isoformat()},
                location_code=location_code or (compound_building.code if compound_building else ""),
                grid_code="" if (location_code or compound_building) else _first_grid(meeting.community),
                idempotency_key=f"party-decision:{decision.pk}",
            )
            decision.case_id_ref = case.pk
            decision.case_code = str(getattr(case, "number", "") or case.pk)
            decision.save(update_fields=["case_id_ref", "case_code"])
        elif follow_up == FollowUp.PROJECT:
            from jiceng.community.actions import Actor, check_propose
            from jiceng.community.models import ProjectRound, RoundStatus

            rnd = ProjectRound.objects.filter(
                community=meeting.community, status=RoundStatus.COLLECTING
            ).first()
            if rnd is None:
                raise PartyError(_("社区当前没有征集中的微实事批次。"))
            project = check_propose(Actor(resident=owner), rnd.pk, text[:100], f"{meeting.title}：{text}")
            decision.project_id_ref = project.pk
            decision.save(update_fields=["project_id_ref"])
        notify(
            "party_decision",
            _("议事会决议交您落实：%(t)s，期限 %(d)s。") % {"t": text, "d": due.isoformat()},
            users=[owner],
        )
        audit(staff, "decide", decision, meeting.community, text)
    return decision


def _first_grid(community: Division) -> str:
    from jiceng.places.models import Grid

    return (
        Grid.objects.filter(community=community).order_by("code").values_list("code", flat=True).first() or ""
    )


DONE_CASE_STATUSES = ("completed", "verified", "awaiting_rating", "closed")


def decision_state(decision: Decision) -> str:
    """done / overdue / open, following the decision's case or project where it has one."""
    if decision.done_at is not None:
        return "done"
    if decision.follow_up == FollowUp.CASE and decision.case_id_ref is not None:
        from jiceng.cases.models import Case

        status = Case.objects.filter(pk=decision.case_id_ref).values_list("status", flat=True).first()
        if status in DONE_CASE_STATUSES:
            return "done"
    if decision.follow_up == FollowUp.PROJECT and decision.project_id_ref is not None:
        from jiceng.community.models import MicroProject, Phase

        phase = (
            MicroProject.objects.filter(pk=decision.project_id_ref).values_list("phase", flat=True).first()
        )
        if phase == Phase.DONE:
            return "done"
    return "overdue" if decision.due_on < timezone.localdate() else "open"


def sync_decisions(decisions: list[Decision]) -> None:
    """Mark decisions done whose case or project finished (the tracker shows the completion date)."""
    now = timezone.now()
    for decision in decisions:
        if decision.done_at is None and decision_state(decision) == "done":
            Decision.objects.filter(pk=decision.pk, done_at__isnull=True).update(done_at=now)
            decision.done_at = now


def check_complete_task(user: Any, decision_id: Any, note: str) -> Decision:
    """The owner (or community staff) reports a task-type decision done."""
    decision = (
        Decision.objects.select_related("meeting__community").filter(pk=access._pk(decision_id)).first()
    )
    if decision is None or (
        decision.owner_id != user.pk and not access.is_staff_for(user, decision.meeting.community)
    ):
        raise Missing(_("未找到该决议。"))
    if decision.follow_up != FollowUp.TASK:
        raise WrongState(_("该决议随其事件或微实事办结。"))
    with transaction.atomic():
        done = Decision.objects.filter(pk=decision.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_note=_text(note, _("完成情况"), 300)
        )
        if done != 1:
            raise WrongState(_("该决议已完成。"))
        audit(user, "complete_decision", decision, decision.meeting.community)
    decision.refresh_from_db()
    return decision
