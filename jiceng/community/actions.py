"""Every change of state in the residents' portal: ``check_*`` validates and checks permission, then
does the change in one transaction with its audit row. The pages, the API and the commands all call
these functions, so each rule exists once.

Who acts is an :class:`Actor`: a resident, or a staff member acting for a resident in assisted mode
(代办), in which case every act is also logged with both names in ``AssistedAct``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiceng.community import casebridge, ledger
from jiceng.community.exceptions import (
    AlreadyDone,
    CommunityError,
    Full,
    Missing,
    NotConfirmed,
    NotStaff,
    OutOfStock,
    PhaseError,
    SmsCodeError,
)
from jiceng.community.models import (
    ACTIVE_BOOKING,
    HOLDS_SEAT,
    AccountKind,
    Activity,
    ActivityKind,
    ActivitySignup,
    Answer,
    AssistedAct,
    AuditEvent,
    Ballot,
    Booking,
    BookingStatus,
    Choice,
    Measure,
    MicroProject,
    Milestone,
    Notice,
    NoticeStatus,
    Phase,
    PhaseEvent,
    PortalRequest,
    PostingKind,
    ProgressReport,
    ProjectRound,
    ProjectType,
    Question,
    QuestionKind,
    Redemption,
    RedemptionStatus,
    RequestEvent,
    RequestPhoto,
    RequestStatus,
    ResidencyStatus,
    ResidentProfile,
    Reward,
    RoundStatus,
    SignupStatus,
    SmsCode,
    Survey,
    SurveyResponse,
    Venue,
    VenueSlot,
    VoteMethod,
)
from jiceng.community.sms import get_backend
from jiceng.core import uploads
from jiceng.core.retry import retry_conflicts
from jiceng.lib.identity import validate_phone
from jiceng.notify.links import absolute_url
from jiceng.org.models import Membership, Role, Unit
from jiceng.org.scopes import forget_scope, scope_for
from jiceng.places.models import Division, Grid, Level, Room
from jiceng.registry.models import Occupancy, Person

User = get_user_model()
logger = logging.getLogger(__name__)

# Roles that run the portal for the communities their unit covers.
PORTAL_STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.LEADER, Role.ADMIN)
SMS_CODE_MINUTES = 10
SMS_RESEND_SECONDS = 60
SMS_MAX_ATTEMPTS = 5


# --------------------------------------------------------------------------------------------------
# Who acts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """A resident acting, or ``staff`` acting for ``resident`` (assisted mode)."""

    resident: Any
    staff: Any = None

    @property
    def user(self) -> Any:
        return self.staff or self.resident


def _name(user: Any) -> str:
    return getattr(user, "display_name", "") or user.username


def _audit(
    actor: Any,
    verb: str,
    subject: Any,
    detail: str = "",
    community: Division | None = None,
    on_behalf_of: Any = None,
) -> None:
    AuditEvent.objects.create(
        actor=actor,
        on_behalf_of=on_behalf_of,
        community=community,
        verb=verb,
        subject_type=type(subject).__name__.lower(),
        subject_id=str(getattr(subject, "pk", subject)),
        detail=detail[:300],
    )


def _act(who: Actor, verb: str, subject: Any, detail: str = "", community: Division | None = None) -> None:
    """Audit a resident's act; in assisted mode also log it with both names."""
    _audit(who.user, verb, subject, detail, community, on_behalf_of=who.resident if who.staff else None)
    if who.staff is not None:
        AssistedAct.objects.create(
            staff=who.staff,
            resident=who.resident,
            staff_name=_name(who.staff),
            resident_name=_name(who.resident),
            action=verb,
            detail=detail[:300],
        )


def profile_of(user: Any) -> ResidentProfile | None:
    """The user's resident profile. Residents registered by staff in the org app (a resident
    membership with a community, no portal sign-up) get a confirmed profile on first use."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_community_profile", None)
    if cached is not None:
        return cached
    profile = ResidentProfile.objects.select_related("community", "room").filter(user=user).first()
    if profile is None:
        membership = (
            Membership.objects.filter(user=user, role=Role.RESIDENT, is_active=True, division__isnull=False)
            .select_related("division")
            .first()
        )
        if membership is None:
            return None
        profile, _created = ResidentProfile.objects.get_or_create(
            user=user,
            defaults={
                "community": membership.division,
                "status": ResidencyStatus.CONFIRMED,
                "status_note": _("由组织机构登记"),
                "confirmed_at": timezone.now(),
            },
        )
    user._community_profile = profile
    return profile


def require_resident(user: Any, confirmed: bool = True) -> ResidentProfile:
    profile = profile_of(user)
    if profile is None:
        raise NotConfirmed(_("请先以居民身份注册。"))
    if confirmed and not profile.is_confirmed:
        raise NotConfirmed(_("社区工作人员确认您的居住信息后才能使用此功能。"))
    return profile


def is_portal_staff(user: Any, community: Division | None = None) -> bool:
    scope = scope_for(user)
    if not scope.has_role(*PORTAL_STAFF_ROLES):
        return False
    return community is None or scope.covers(community.code)


def staff_communities(user: Any) -> QuerySet[Division]:
    scope = scope_for(user)
    if not scope.has_role(*PORTAL_STAFF_ROLES):
        return Division.objects.none()
    return Division.objects.filter(scope.q("code"), level=Level.COMMUNITY).order_by("code")


def require_staff(user: Any, community: Division) -> None:
    if not is_portal_staff(user, community):
        raise NotStaff(_("您不是%(c)s的社区工作人员。") % {"c": community.name})


def community_unit(community: Division) -> Unit | None:
    """The community's workstation (社区工作站), whose duty roster answers 找书记."""
    units = Unit.objects.filter(division=community, level=Level.COMMUNITY, is_active=True)
    return units.filter(kind__code="community_workstation").first() or units.order_by("code").first()


def _new_code(prefix: str = "") -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return prefix + "".join(secrets.choice(alphabet) for _i in range(8))


def _decimal(value: Any, label: str) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CommunityError(_("%(label)s须为数字。") % {"label": label})
    if not result.is_finite():
        raise CommunityError(_("%(label)s须为数字。") % {"label": label})
    return result


# --------------------------------------------------------------------------------------------------
# Accounts: sign-up by phone, residency confirmation, assisted mode
# --------------------------------------------------------------------------------------------------


def _hash_code(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _phone_registered(phone: str) -> bool:
    return User.objects.filter(Q(username=phone) | Q(phone=phone)).exists()


def _refuse_too_many_codes(phone: str, ip: str | None, now: dt.datetime) -> None:
    """Rate limits on sending codes, counted from the stored code rows (they survive restarts and
    are shared by every process): one per minute, ``JICENG_SMS_PHONE_HOURLY`` an hour and
    ``JICENG_SMS_PHONE_DAILY`` a day per phone, and ``JICENG_SMS_IP_HOURLY`` an hour per address."""
    sent = SmsCode.objects.filter(phone=phone)
    if sent.filter(created_at__gt=now - dt.timedelta(seconds=SMS_RESEND_SECONDS)).exists():
        raise SmsCodeError(_("验证码已发送，请稍后再试。"), status=429)
    hourly = sent.filter(created_at__gt=now - dt.timedelta(hours=1)).count()
    daily = sent.filter(created_at__gt=now - dt.timedelta(days=1)).count()
    from_ip = SmsCode.objects.filter(ip=ip, created_at__gt=now - dt.timedelta(hours=1)).count() if ip else 0
    if (
        hourly >= settings.JICENG_SMS_PHONE_HOURLY
        or daily >= settings.JICENG_SMS_PHONE_DAILY
        or from_ip >= settings.JICENG_SMS_IP_HOURLY
    ):
        raise SmsCodeError(_("获取验证码过于频繁，请稍后再试。"), code="sms_rate_limited", status=429)


def check_send_signup_code(phone: str, ip: str | None = None) -> None:
    """Send a six-digit code to the phone, within the rate limits.

    The answer is the same whether or not the phone is registered: a registered phone gets a text
    saying so (only its owner reads it) and a code row that no text ever carried, so sign-up with it
    fails like any wrong code. A prober learns nothing about which phones have accounts."""
    phone = validate_phone(phone)
    now = timezone.now()
    _refuse_too_many_codes(phone, ip, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    registered = _phone_registered(phone)
    SmsCode.objects.create(
        phone=phone,
        code_hash=_hash_code(phone, secrets.token_hex(16) if registered else code),
        expires_at=now + dt.timedelta(minutes=SMS_CODE_MINUTES),
        ip=ip,
    )
    if registered:
        text = _("【i社区码上办】该手机号已注册，请直接用手机号登录；如非本人操作，请忽略本短信。")
    else:
        text = _("【i社区码上办】您的注册验证码是 %(code)s，%(m)d 分钟内有效。") % {
            "code": code,
            "m": SMS_CODE_MINUTES,
        }
    transaction.on_commit(lambda: get_backend().send(phone, text))


def _check_code(phone: str, code: str) -> int:
    """The id of the phone's live code when ``code`` matches it. A wrong guess is counted in its own
    committed transaction before the refusal is raised, so the failing sign-up cannot roll the count
    back: after ``SMS_MAX_ATTEMPTS`` wrong guesses the code is dead, even for the right digits."""
    wrong = False
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = timezone.now()
        if sms is None or sms.expires_at <= now or sms.attempts >= SMS_MAX_ATTEMPTS:
            sms_id = None
        elif not hmac.compare_digest(sms.code_hash, _hash_code(phone, code.strip())):
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            sms_id, wrong = None, True
        else:
            sms_id = sms.pk
    if wrong:
        raise SmsCodeError(_("验证码不正确。"))
    if sms_id is None:
        raise SmsCodeError(_("验证码无效或已过期，请重新获取。"))
    return sms_id


def _use_code(sms_id: int) -> None:
    """Spend the checked code inside the account-creating transaction (once only)."""
    if not SmsCode.objects.filter(pk=sms_id, used_at__isnull=True).update(used_at=timezone.now()):
        raise SmsCodeError(_("验证码无效或已过期，请重新获取。"))


def new_username() -> str:
    """A generated username for a resident: never their phone number (usernames are shown to staff
    and in logs). Residents sign in with their phone or this name."""
    while True:
        name = "jm" + secrets.token_hex(4)
        if not User.objects.filter(username=name).exists():
            return name


def _community(code: str) -> Division:
    community = Division.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Missing(_("请选择所在社区。"))
    return community


def _room_in(community: Division, room_code: str) -> Room | None:
    room_code = (room_code or "").strip()
    if not room_code:
        return None
    room = Room.objects.filter(code=room_code, code__startswith=community.code).first()
    if room is None:
        raise Missing(_("在%(c)s未找到房屋编码“%(code)s”。") % {"c": community.name, "code": room_code})
    return room


def _validate_password(password: str, user: Any = None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CommunityError("；".join(exc.messages))


def check_signup(
    phone: str,
    code: str,
    password: str,
    display_name: str,
    community_code: str,
    room_code: str = "",
) -> Any:
    """Create a resident's account: a generated username (never the phone), sign-in by phone, a
    resident membership in their community, and a profile awaiting staff confirmation."""
    phone = validate_phone(phone)
    display_name = display_name.strip()
    if not display_name:
        raise CommunityError(_("请填写姓名。"))
    community = _community(community_code)
    room = _room_in(community, room_code)
    username = new_username()
    _validate_password(password, User(username=username, phone=phone, display_name=display_name))
    sms_id = _check_code(phone, code)
    with transaction.atomic():
        _use_code(sms_id)
        if _phone_registered(phone):
            # Only reachable with a code sent before the phone was registered: the owner's own race.
            raise SmsCodeError(_("验证码无效或已过期，请重新获取。"))
        user = User.objects.create_user(
            username=username, password=password, phone=phone, display_name=display_name
        )
        Membership.objects.create(user=user, role=Role.RESIDENT, division=community)
        profile = ResidentProfile.objects.create(user=user, community=community, room=room)
        _audit(user, "signup", profile, phone[-4:], community)
    return user


def check_staff_register_resident(
    staff: Any, community: Division, display_name: str, phone: str, room_code: str = "", elderly: bool = True
) -> Any:
    """Staff open an account for a resident who cannot sign up alone (often an elderly one). The
    account is confirmed at once and has no usable password: staff act for it in assisted mode."""
    require_staff(staff, community)
    phone = validate_phone(phone)
    room = _room_in(community, room_code)
    if not display_name.strip():
        raise CommunityError(_("请填写姓名。"))
    with transaction.atomic():
        if _phone_registered(phone):
            raise AlreadyDone(_("该手机号已注册。"))  # told to staff only, never on the public sign-up
        user = User.objects.create_user(
            username=new_username(), password=None, phone=phone, display_name=display_name.strip()
        )
        Membership.objects.create(user=user, role=Role.RESIDENT, division=community)
        profile = ResidentProfile.objects.create(
            user=user,
            community=community,
            room=room,
            status=ResidencyStatus.CONFIRMED,
            confirmed_by=staff,
            confirmed_at=timezone.now(),
            is_elderly=elderly,
        )
        _audit(staff, "register_resident", profile, display_name, community, on_behalf_of=user)
    return user


def access_profile(staff: Any, profile_id: int) -> ResidentProfile:
    profile = (
        ResidentProfile.objects.select_related("user", "community", "room").filter(pk=profile_id).first()
    )
    if profile is None or not is_portal_staff(staff, profile.community):
        raise Missing(_("未找到该居民。"))
    return profile


@dataclass
class Candidate:
    """A registry person staff may link a pending resident to, and why they are suggested."""

    person: Person
    same_room: bool = False
    same_phone: bool = False
    rooms: list[Room] = field(default_factory=list)


def _occupancies_in_reach(staff: Any, community: Division) -> QuerySet[Occupancy]:
    """Current occupancies of rooms both in the resident's community and in the staff member's scope:
    the only people a confirmation may show or link."""
    scope = scope_for(staff)
    return Occupancy.objects.filter(
        scope.q("room__code"), ended_on=None, room__code__startswith=community.code
    )


def residency_candidates(staff: Any, profile_id: int) -> tuple[ResidentProfile, list[Candidate]]:
    """The resident, and the registry people staff may link them to: the current occupants of the
    resident's room and the people whose phones include the resident's phone, within scope."""
    profile = access_profile(staff, profile_id)
    reach = _occupancies_in_reach(staff, profile.community)
    found: dict[int, Candidate] = {}
    if profile.room_id is not None:
        for person in Person.objects.filter(
            pk__in=reach.filter(room_id=profile.room_id).values("person_id")
        ).order_by("pk"):
            found[person.pk] = Candidate(person, same_room=True)
    phone = profile.user.phone
    if phone:
        for person in Person.objects.filter(
            pk__in=reach.values("person_id"), phones__icontains=phone
        ).order_by("pk"):
            if phone in (person.phones or []):
                found.setdefault(person.pk, Candidate(person)).same_phone = True
    rooms: dict[int, list[Room]] = {}
    for occupancy in (
        reach.filter(person_id__in=list(found)).select_related("room__building").order_by("room__code")
    ):
        rooms.setdefault(occupancy.person_id, []).append(occupancy.room)
    for pk, candidate in found.items():
        candidate.rooms = rooms.get(pk, [])
    ordered = sorted(found.values(), key=lambda c: (not c.same_room, not c.same_phone, c.person.pk))
    return profile, ordered


def _person_choice(value: Any) -> int | None:
    """A person id from a form or an API call; blank means no person."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CommunityError(_("所选实有人口无效。"))
    if isinstance(value, int):
        if not 0 < value < 2**63:
            raise CommunityError(_("所选实有人口无效。"))
        return value
    text = str(value).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise CommunityError(_("所选实有人口无效。"))
    return int(text)


def _person_for(
    staff: Any, profile: ResidentProfile, person_id: int, room: Room | None
) -> tuple[Person, Room]:
    """The registry person staff chose, checked: a current occupant of a room in the resident's
    community and the staff member's scope (anyone else is "not found", exactly like a missing id),
    living in the resident's room when one is set. Returns the person and the room to record."""
    reach = _occupancies_in_reach(staff, profile.community).filter(person_id=person_id)
    occupied = list(reach.select_related("room").order_by("room__code"))
    person = Person.objects.filter(pk=person_id).first() if occupied else None
    if person is None:
        raise Missing(_("未找到该实有人口。"))
    if room is not None:
        if not any(o.room_id == room.pk for o in occupied):
            raise CommunityError(
                _("所选人员未登记居住在房屋“%(code)s”，请核对房屋编码，或不关联实有人口。")
                % {"code": room.code}
            )
        return person, room
    rooms = {o.room_id: o.room for o in occupied}
    if len(rooms) > 1:
        raise CommunityError(_("所选人员登记居住在多处房屋，请先填写居民所住的房屋编码。"))
    return person, next(iter(rooms.values()))


def check_confirm_residency(
    staff: Any,
    profile_id: int,
    approve: bool = True,
    room_code: str = "",
    person_id: int | str | None = None,
    note: str = "",
) -> ResidentProfile:
    """Confirm (or refuse) a resident's residency, optionally linking the account to a registry
    person (实有人口). The person must be a current occupant within the staff member's scope and, when
    a room is set, of that room; with no room set, the person's room is recorded. Nothing changes when
    any check fails."""
    chosen = _person_choice(person_id)
    with transaction.atomic():
        profile = access_profile(staff, profile_id)
        profile = ResidentProfile.objects.select_for_update().get(pk=profile.pk)
        room = _room_in(profile.community, room_code) if room_code else profile.room
        person = None
        if chosen is not None:
            person, room = _person_for(staff, profile, chosen, room)
        profile.status = ResidencyStatus.CONFIRMED if approve else ResidencyStatus.REJECTED
        profile.room = room
        profile.person = person
        profile.status_note = note.strip()
        profile.confirmed_by = staff
        profile.confirmed_at = timezone.now()
        profile.save()
        detail = note.strip()
        if person is not None:
            detail = f"{detail} [实有人口 #{person.pk}]".strip()
        _audit(
            staff,
            "confirm_residency" if approve else "reject_residency",
            profile,
            detail,
            profile.community,
            on_behalf_of=profile.user,
        )
    return profile


def check_set_volunteer(who: Actor, is_volunteer: bool) -> ResidentProfile:
    profile = require_resident(who.resident)
    with transaction.atomic():
        ResidentProfile.objects.filter(pk=profile.pk).update(is_volunteer=is_volunteer)
        profile.is_volunteer = is_volunteer
        _act(who, "volunteer_on" if is_volunteer else "volunteer_off", profile, community=profile.community)
    return profile


def check_start_assisting(staff: Any, resident_user_id: int) -> Actor:
    """Assisted mode (代办): staff act for a confirmed resident of a community they serve."""
    profile = (
        ResidentProfile.objects.select_related("user", "community").filter(user_id=resident_user_id).first()
    )
    if profile is None or not is_portal_staff(staff, profile.community):
        raise Missing(_("未找到该居民。"))
    if not profile.is_confirmed:
        raise NotConfirmed(_("只能为已确认居住信息的居民代办。"))
    with transaction.atomic():
        who = Actor(resident=profile.user, staff=staff)
        _act(who, "assist_start", profile, community=profile.community)
    return who


def check_stop_assisting(who: Actor) -> None:
    if who.staff is None:
        return
    profile = profile_of(who.resident)
    with transaction.atomic():
        _act(who, "assist_stop", profile, community=profile.community if profile else None)


# --------------------------------------------------------------------------------------------------
# 码上办: requests and 找书记
# --------------------------------------------------------------------------------------------------


def duty_secretary(community: Division, at: dt.datetime | None = None) -> tuple[Any, Any]:
    """(person on duty, shift) for the community's workstation; (None, None) in a gap."""
    from jiceng.org import roster

    unit = community_unit(community)
    if unit is None:
        return None, None
    shift = roster.shift_at(unit, at)
    if shift is None:
        return None, None
    return shift.substitute or shift.user, shift


def check_submit_request(
    who: Actor,
    text: str,
    grid_code: str = "",
    use_my_room: bool = False,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    to_secretary: bool = False,
    photos: Sequence[Any] = (),
    idempotency_key: str = "",
    type_code: str = "",
    pinned: bool = False,
) -> PortalRequest:
    """A resident's request. ``pinned``: ``lat``/``lng`` is a pin the resident dropped on the map,
    resolved here to its grid and building; ``type_code``: the category they confirmed."""
    profile = require_resident(who.resident, confirmed=False)
    community = profile.community
    text = (text or "").strip()
    if len(text) < 5:
        raise CommunityError(_("请把诉求写清楚（至少 5 个字）。"))
    if len(text) > 2000:
        raise CommunityError(_("诉求内容不能超过 2000 字。"))
    if len([p for p in photos if p]) > 6:
        raise CommunityError(_("最多上传 6 张照片。"))
    # Checked by their bytes before anything is written; stored under generated names below.
    checked = uploads.read_uploads(photos, limit=6)
    grid = None
    room = None
    building_code = ""
    category_name = ""
    if type_code:
        category_name = _public_type_name(type_code)
    if pinned and not use_my_room:
        from jiceng.community import mapdata

        lat, lng = mapdata.check_point(lat, lng)
        place = mapdata.resolve(lat, lng)
        if place.grid is None:
            raise CommunityError(_("该位置不在本区网格范围内，请把图钉移到事发地点。"))
        grid = place.grid
        building_code = place.building.code if place.building else ""
        address = address.strip() or place.address
    elif use_my_room:
        if profile.room is None:
            raise CommunityError(_("您还没有登记居住房屋，请在地图上选择位置。"))
        room = profile.room
        grid = room.building.grid
    elif grid_code:
        grid = Grid.objects.filter(code=grid_code, community=community).first()
        if grid is None:
            raise Missing(_("请在本社区网格图上选择位置。"))
    elif lat is None or lng is None:
        # No place picked: the resident's own room, when they have one.
        if profile.room is None:
            raise CommunityError(_("请在网格图上选择位置，或选择“我家”。"))
        room = profile.room
        grid = room.building.grid
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise CommunityError(_("位置坐标无效。"))
    key = idempotency_key or secrets.token_hex(16)
    existing = PortalRequest.objects.filter(idempotency_key=key, resident=who.resident).first()
    if existing is not None:
        return existing
    category = category_name or casebridge.suggest_category(text)
    now = timezone.now()
    with transaction.atomic():
        secretary, shift = duty_secretary(community, now) if to_secretary else (None, None)
        request = PortalRequest.objects.create(
            community=community,
            resident=who.resident,
            submitted_by=who.user,
            text=text,
            category=category,
            grid=grid,
            room=room,
            lat=lat if lat is not None else (grid.center_lat if grid else None),
            lng=lng if lng is not None else (grid.center_lng if grid else None),
            address=address.strip()[:200] or (room.building.address if room else ""),
            to_secretary=to_secretary,
            secretary=secretary,
            shift_id_ref=shift.pk if shift else None,
            uncovered=to_secretary and secretary is None,
            idempotency_key=key,
            created_at=now,
        )
        casebridge.submit(
            request,
            [(u.name, u.data) for u in checked],
            type_code=type_code,
            building_code=building_code,
            pinned=pinned and room is None,
        )
        for upload in checked:
            row = RequestPhoto(request=request)
            uploads.store(row.file, upload)
            row.save()
        RequestEvent.objects.create(request=request, at=now, title=_("居民提交诉求"), note=category)
        if to_secretary:
            if secretary is not None:
                RequestEvent.objects.create(
                    request=request, at=now, title=_("已转值班书记 %(name)s") % {"name": _name(secretary)}
                )
            else:
                RequestEvent.objects.create(
                    request=request,
                    at=now,
                    title=_("当前时段无人值班，已转社区工作站"),
                )
            _notify_secretary(request, secretary, now)
        _act(who, "submit_request", request, text[:80], community)
    return request


def check_support_issue(who: Actor, number: str) -> Any:
    """我也遇到: the resident joins an open public case near them instead of filing a duplicate (the
    case engine's audited "support" action); they are told of its progress from then on."""
    profile = require_resident(who.resident, confirmed=False)
    cases = casebridge.engine()
    if cases is None or not hasattr(cases, "check_support"):
        raise Missing(_("未找到该问题。"))
    with transaction.atomic():
        case = cases.check_support(who.resident, str(number).strip())
        _act(who, "support_case", case, str(case.number), profile.community)
    return case


def _public_type_name(code: str) -> str:
    """The name of a type a resident may choose (active and public), or a clear refusal."""
    from jiceng.cases.models import EventType

    name = (
        EventType.objects.filter(code=code.strip(), is_active=True, is_public=True)
        .values_list("name", flat=True)
        .first()
    )
    if name is None:
        raise CommunityError(_("请从列表中选择问题类别。"))
    return str(name)


def short_title(text: str, length: int = 20) -> str:
    """A request's short title: its first line, cut to ``length`` characters."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return first if len(first) <= length else first[: length - 1] + "…"


def request_staff_path(request: PortalRequest) -> str:
    """Where staff answer the request: the community's request list, at the request."""
    from django.urls import reverse

    return f"{reverse('community:staff_requests')}?c={request.community.code}#request-{request.pk}"


def workstation_staff(community: Division) -> list[Any]:
    """Who answers 找书记 in an uncovered hour: the active community staff and leaders of the
    community's workstation (the unit whose roster has the gap)."""
    unit = community_unit(community)
    if unit is None:
        return []
    memberships = (
        Membership.objects.filter(
            unit=unit,
            is_active=True,
            user__is_active=True,
            role__in=[Role.COMMUNITY_STAFF, Role.LEADER],
        )
        .select_related("user")
        .order_by("user_id")
    )
    people: dict[int, Any] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, membership.user)
    return list(people.values())


def _notify_secretary(request: PortalRequest, secretary: Any, now: dt.datetime) -> None:
    """Tell the on-duty secretary (or, in an uncovered hour, the workstation's staff) by SMS. Called
    inside the submitting transaction: a missing phone is recorded with the request at once; the
    messages go out only after the commit, and a failing gateway never loses the request."""
    title = short_title(request.text)
    path = absolute_url(request_staff_path(request))  # tapped on a phone: never a bare path
    if secretary is not None:
        recipients = [secretary]
        text = _("【i社区码上办】找书记：%(c)s居民诉求“%(t)s”，请您及时处理。%(path)s") % {
            "c": request.community.name,
            "t": title,
            "path": path,
        }
        no_phone = _("值班书记未登记手机号，未能发送短信通知")
    else:
        recipients = workstation_staff(request.community)
        text = _(
            "【i社区码上办】找书记（当前无人值班）：%(c)s居民诉求“%(t)s”，请社区工作站及时处理。%(path)s"
        ) % {
            "c": request.community.name,
            "t": title,
            "path": path,
        }
        no_phone = _("社区工作站无人登记手机号，未能发送短信通知")
    phones = list(dict.fromkeys(user.phone for user in recipients if getattr(user, "phone", "")))
    if not phones:
        RequestEvent.objects.create(request=request, at=now, title=no_phone)
        return
    request_id = request.pk
    transaction.on_commit(lambda: send_request_notice(request_id, phones, text))


def send_request_notice(request_id: int, phones: Sequence[str], text: str) -> int:
    """Send one SMS to each phone; return how many went out. Runs after the commit: any failure of
    the SMS backend is logged and recorded on the request as "通知发送失败", never raised."""
    sent = 0
    failed = 0
    try:
        backend = get_backend()
    except Exception:
        logger.exception("SMS backend unavailable for portal request %s", request_id)
        backend = None
    for phone in phones:
        if backend is None:
            failed += 1
            continue
        try:
            backend.send(phone, text)
        except Exception:
            logger.exception("SMS notice for portal request %s failed", request_id)
            failed += 1
        else:
            sent += 1
    if failed:
        try:
            RequestEvent.objects.create(
                request_id=request_id,
                title=_("通知发送失败"),
                note=ngettext(
                    "%(n)d 条短信通知未能发出，请电话联系。", "%(n)d 条短信通知未能发出，请电话联系。", failed
                )
                % {"n": failed},
            )
        except Exception:
            logger.exception("could not record the failed SMS notice of portal request %s", request_id)
    return sent


def my_requests(user: Any) -> QuerySet[PortalRequest]:
    return PortalRequest.objects.filter(resident=user).select_related("community", "grid")


def access_request(user: Any, request_id: int, staff_ok: bool = True) -> PortalRequest:
    """The resident's own request, or one of a community a staff member serves."""
    request = (
        PortalRequest.objects.select_related("community", "resident", "grid", "room")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Missing(_("未找到该诉求。"))
    if request.resident_id == getattr(user, "pk", None):
        return request
    if staff_ok and is_portal_staff(user, request.community):
        return request
    raise Missing(_("未找到该诉求。"))


def check_rate_request(who: Actor, request_id: int, rating: int, comment: str = "") -> PortalRequest:
    if rating not in (1, 2, 3, 4, 5):
        raise CommunityError(_("请选择 1–5 星评价。"))
    with transaction.atomic():
        request = access_request(who.resident, request_id, staff_ok=False)
        request = PortalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.RATED:
            raise AlreadyDone(_("您已评价过该诉求。"))
        casebridge.refresh(request)
        if request.status != RequestStatus.DONE:
            raise PhaseError(_("诉求办结后才能评价。"))
        casebridge.rate(request, who.user, rating, comment)
        request.rating = rating
        request.rating_comment = comment.strip()[:300]
        reopened = casebridge.has_case(request) and casebridge.case_status(request) != "closed"
        request.status = RequestStatus.IN_CASE if reopened else RequestStatus.RATED
        request.save(update_fields=["rating", "rating_comment", "status"])
        RequestEvent.objects.create(
            request=request, title=_("居民评价：%(n)d 星") % {"n": rating}, note=comment[:300]
        )
        if reopened:
            RequestEvent.objects.create(request=request, title=_("居民不满意，重新办理"))
        _act(who, "rate_request", request, str(rating), request.community)
    return request


def check_reply_request(staff: Any, request_id: int, reply: str, complete: bool = True) -> PortalRequest:
    """Staff answer a request on the portal (used when the case engine is not installed, and for the
    secretary's own replies to 找书记 requests)."""
    reply = reply.strip()
    if not reply:
        raise CommunityError(_("请填写答复内容。"))
    with transaction.atomic():
        request = access_request(staff, request_id)
        require_staff(staff, request.community)
        request = PortalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.RATED:
            raise AlreadyDone(_("该诉求已评价，不能再答复。"))
        RequestEvent.objects.create(request=request, title=_("社区答复"), note=reply[:300])
        if complete and not casebridge.has_case(request):
            request.status = RequestStatus.DONE
            request.save(update_fields=["status"])
            RequestEvent.objects.create(request=request, title=_("已办结"))
        _audit(staff, "reply_request", request, reply[:80], request.community, on_behalf_of=request.resident)
    return request


# --------------------------------------------------------------------------------------------------
# Venues: booking, waiting list, check-in
# --------------------------------------------------------------------------------------------------


def check_create_venue(
    staff: Any, community: Division, name: str, capacity: int, place: str = "", description: str = ""
) -> Venue:
    require_staff(staff, community)
    if capacity < 1:
        raise CommunityError(_("名额至少为 1。"))
    with transaction.atomic():
        venue = Venue.objects.create(
            community=community, name=name.strip(), capacity=capacity, place=place, description=description
        )
        _audit(staff, "create_venue", venue, name, community)
    return venue


def check_add_slots(
    staff: Any, venue_id: int, starts: Iterable[dt.datetime], minutes: int, capacity: int | None = None
) -> list[VenueSlot]:
    venue = Venue.objects.select_related("community").filter(pk=venue_id).first()
    if venue is None or not is_portal_staff(staff, venue.community):
        raise Missing(_("未找到该场地。"))
    if minutes <= 0:
        raise CommunityError(_("时段长度须大于 0。"))
    created = []
    with transaction.atomic():
        for start in starts:
            slot, was_new = VenueSlot.objects.get_or_create(
                venue=venue,
                starts_at=start,
                defaults={
                    "ends_at": start + dt.timedelta(minutes=minutes),
                    "capacity": capacity or venue.capacity,
                },
            )
            if was_new:
                created.append(slot)
        _audit(staff, "add_slots", venue, str(len(created)), venue.community)
    return created


def _access_slot(user: Any, slot_id: int, community: Division, lock: bool = False) -> VenueSlot:
    qs = VenueSlot.objects.select_related("venue__community")
    if lock:
        qs = qs.select_for_update(of=("self",))
    slot = qs.filter(pk=slot_id, venue__community=community).first()
    if slot is None:
        raise Missing(_("未找到该时段。"))
    return slot


def _free_seat(slot: VenueSlot) -> int | None:
    taken = set(slot.bookings.filter(status__in=HOLDS_SEAT).values_list("seat", flat=True))
    for seat in range(1, slot.capacity + 1):
        if seat not in taken:
            return seat
    return None


def check_book_slot(who: Actor, slot_id: int, waitlist: bool = True) -> Booking:
    """Book a place in a slot; when it is full, join its waiting list."""
    profile = require_resident(who.resident)
    try:
        with transaction.atomic():
            # The slot row lock serialises bookings of one slot; the unique (slot, seat) constraint
            # is the database's own backstop against double booking.
            slot = _access_slot(who.resident, slot_id, profile.community, lock=True)
            if not slot.venue.is_open:
                raise CommunityError(_("该场地暂停预约。"))
            if slot.ends_at <= timezone.now():
                raise CommunityError(_("该时段已结束。"))
            if slot.bookings.filter(resident=who.resident, status__in=ACTIVE_BOOKING).exists():
                raise AlreadyDone(_("您已预约或候补该时段。"))
            seat = _free_seat(slot)
            if seat is None and not waitlist:
                raise Full(_("该时段已约满。"))
            booking = Booking.objects.create(
                slot=slot,
                resident=who.resident,
                status=BookingStatus.CONFIRMED if seat else BookingStatus.WAITLISTED,
                seat=seat,
                checkin_code=_new_code("B"),
                by_staff=who.staff,
            )
            _act(who, "book" if seat else "waitlist", booking, str(slot), profile.community)
    except IntegrityError:
        raise Full(_("该时段刚刚被预约，请刷新后重试。"))
    return booking


def my_bookings(user: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(resident=user).select_related("slot__venue").order_by("-slot__starts_at")


def _promote(slot: VenueSlot, seat: int) -> Booking | None:
    nxt = slot.bookings.filter(status=BookingStatus.WAITLISTED).order_by("created_at", "id").first()
    if nxt is None:
        return None
    nxt.status = BookingStatus.CONFIRMED
    nxt.seat = seat
    nxt.promoted_at = timezone.now()
    nxt.save(update_fields=["status", "seat", "promoted_at"])
    _audit(nxt.resident, "promoted", nxt, str(slot), slot.venue.community)
    return nxt


def check_cancel_booking(who: Actor, booking_id: int) -> Booking | None:
    """Cancel a booking; the first on the waiting list takes the freed place. Returns the promoted
    booking, if any."""
    profile = require_resident(who.resident, confirmed=False)
    with transaction.atomic():
        booking = Booking.objects.filter(pk=booking_id, resident=who.resident).first()
        if booking is None:
            raise Missing(_("未找到该预约。"))
        slot = _access_slot(who.resident, booking.slot_id, profile.community, lock=True)
        booking = Booking.objects.get(pk=booking.pk)
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED):
            raise AlreadyDone(_("该预约不能取消。"))
        seat = booking.seat if booking.status == BookingStatus.CONFIRMED else None
        booking.status = BookingStatus.CANCELLED
        booking.seat = None
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "seat", "cancelled_at"])
        _act(who, "cancel_booking", booking, str(slot), profile.community)
        promoted = _promote(slot, seat) if seat else None
    return promoted


def check_checkin(staff: Any, code: str) -> Booking | ActivitySignup:
    """Check a resident in by the code of their QR (a booking ``B…`` or an activity sign-up ``A…``)."""
    code = code.strip().upper()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("slot__venue__community")
            .filter(checkin_code=code)
            .first()
        )
        if booking is not None:
            community = booking.slot.venue.community
            if not is_portal_staff(staff, community):
                raise Missing(_("签到码无效。"))
            if booking.status == BookingStatus.CHECKED_IN:
                raise AlreadyDone(_("已签到。"))
            if booking.status != BookingStatus.CONFIRMED:
                raise CommunityError(_("该预约当前不能签到（%(s)s）。") % {"s": booking.get_status_display()})
            if booking.slot.ends_at <= timezone.now():
                raise CommunityError(_("该时段已结束。"))
            booking.status = BookingStatus.CHECKED_IN
            booking.checked_in_at = timezone.now()
            booking.save(update_fields=["status", "checked_in_at"])
            _audit(staff, "checkin", booking, code, community, on_behalf_of=booking.resident)
            return booking
        signup = (
            ActivitySignup.objects.select_for_update()
            .select_related("activity__community")
            .filter(checkin_code=code)
            .first()
        )
        if signup is None or not is_portal_staff(staff, signup.activity.community):
            raise Missing(_("签到码无效。"))
        if signup.status in (SignupStatus.CHECKED_IN, SignupStatus.CONFIRMED):
            raise AlreadyDone(_("已签到。"))
        if signup.status not in (SignupStatus.SIGNED, SignupStatus.DISPATCHED):
            raise CommunityError(_("该报名当前不能签到。"))
        signup.status = SignupStatus.CHECKED_IN
        signup.checked_in_at = timezone.now()
        signup.save(update_fields=["status", "checked_in_at"])
        _audit(staff, "checkin", signup, code, signup.activity.community, on_behalf_of=signup.resident)
        return signup


# --------------------------------------------------------------------------------------------------
# Activities, volunteer tasks and the emergency task board
# --------------------------------------------------------------------------------------------------


def check_publish_activity(
    staff: Any,
    community: Division,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slots: int,
    kind: str = ActivityKind.ACTIVITY,
    hours: Any = 0,
    points: Any = None,
    place: str = "",
    description: str = "",
) -> Activity:
    require_staff(staff, community)
    if not title.strip():
        raise CommunityError(_("请填写标题。"))
    if ends_at <= starts_at:
        raise CommunityError(_("结束时间须晚于开始时间。"))
    if slots < 1:
        raise CommunityError(_("名额至少为 1。"))
    hours_d = _decimal(hours or 0, _("服务时长"))
    rate = Decimal(str(getattr(settings, "JICENG_TIMEBANK_POINTS_PER_HOUR", 10)))
    points_d = _decimal(points, _("积分")) if points not in (None, "") else hours_d * rate
    if hours_d < 0 or points_d < 0:
        raise CommunityError(_("时长和积分不能为负。"))
    with transaction.atomic():
        activity = Activity.objects.create(
            community=community,
            kind=kind,
            title=title.strip(),
            description=description,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            slots=slots,
            hours=hours_d,
            points=points_d,
            created_by=staff,
        )
        _audit(staff, "publish_activity", activity, title, community)
    return activity


def _taken(activity: Activity) -> int:
    return activity.signups.exclude(status__in=[SignupStatus.CANCELLED]).count()


def check_signup_activity(who: Actor, activity_id: int) -> ActivitySignup:
    profile = require_resident(who.resident)
    try:
        with transaction.atomic():
            activity = (
                Activity.objects.select_for_update()
                .filter(pk=activity_id, community=profile.community, is_cancelled=False)
                .first()
            )
            if activity is None:
                raise Missing(_("未找到该活动。"))
            if activity.ends_at <= timezone.now():
                raise CommunityError(_("活动已结束。"))
            existing = activity.signups.filter(resident=who.resident).first()
            if existing is not None and existing.status != SignupStatus.CANCELLED:
                raise AlreadyDone(_("您已报名。"))
            if _taken(activity) >= activity.slots:
                raise Full(_("名额已满。"))
            if existing is not None:
                existing.status = SignupStatus.SIGNED
                existing.save(update_fields=["status"])
                signup = existing
            else:
                signup = ActivitySignup.objects.create(
                    activity=activity, resident=who.resident, checkin_code=_new_code("A")
                )
            _act(who, "signup", signup, activity.title, profile.community)
    except IntegrityError:
        raise AlreadyDone(_("您已报名。"))
    return signup


def check_cancel_signup(who: Actor, signup_id: int) -> ActivitySignup:
    with transaction.atomic():
        signup = (
            ActivitySignup.objects.select_for_update().filter(pk=signup_id, resident=who.resident).first()
        )
        if signup is None:
            raise Missing(_("未找到该报名。"))
        if signup.status not in (SignupStatus.SIGNED, SignupStatus.DISPATCHED):
            raise AlreadyDone(_("该报名不能取消。"))
        signup.status = SignupStatus.CANCELLED
        signup.save(update_fields=["status"])
        _act(who, "cancel_signup", signup, community=signup.activity.community)
    return signup


def check_dispatch_volunteers(
    staff: Any, activity_id: int, resident_ids: Iterable[int]
) -> list[ActivitySignup]:
    """平急转换: staff send volunteers of the community to an urgent task."""
    activity = Activity.objects.select_related("community").filter(pk=activity_id).first()
    if activity is None or not is_portal_staff(staff, activity.community):
        raise Missing(_("未找到该任务。"))
    created = []
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        for rid in resident_ids:
            profile = ResidentProfile.objects.filter(
                user_id=rid, community=activity.community, status=ResidencyStatus.CONFIRMED
            ).first()
            if profile is None:
                raise Missing(_("未找到该志愿者。"))
            if activity.signups.filter(resident_id=rid).exclude(status=SignupStatus.CANCELLED).exists():
                continue
            if _taken(activity) >= activity.slots:
                raise Full(_("任务名额已满。"))
            signup, _c = ActivitySignup.objects.update_or_create(
                activity=activity,
                resident_id=rid,
                defaults={"status": SignupStatus.DISPATCHED, "dispatched_by": staff},
                create_defaults={
                    "status": SignupStatus.DISPATCHED,
                    "dispatched_by": staff,
                    "checkin_code": _new_code("A"),
                },
            )
            created.append(signup)
            _audit(staff, "dispatch", signup, activity.title, activity.community, on_behalf_of=profile.user)
    return created


@retry_conflicts
def check_confirm_attendance(staff: Any, signup_id: int, attended: bool = True) -> ActivitySignup:
    """Staff confirm who attended; attendance credits the activity's hours and points."""
    signup = (
        ActivitySignup.objects.select_related("activity__community", "resident").filter(pk=signup_id).first()
    )
    if signup is None or not is_portal_staff(staff, signup.activity.community):
        raise Missing(_("未找到该报名。"))
    with transaction.atomic():
        # of=("self",): lock the sign-up only. Locking the joined resident's user row too would
        # block the FK checks of the resident's own postings at commit and break the ledger's
        # lock order (a deadlock with a parallel redemption).
        signup = (
            ActivitySignup.objects.select_for_update(of=("self",))
            .select_related("activity__community", "resident")
            .get(pk=signup.pk)
        )
        if signup.status in (SignupStatus.CONFIRMED, SignupStatus.ABSENT):
            raise AlreadyDone(_("已确认过出勤。"))
        if signup.status == SignupStatus.CANCELLED:
            raise CommunityError(_("该报名已取消。"))
        signup.status = SignupStatus.CONFIRMED if attended else SignupStatus.ABSENT
        signup.confirmed_at = timezone.now()
        signup.confirmed_by = staff
        signup.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        activity = signup.activity
        if attended and (activity.hours > 0 or activity.points > 0):
            community = activity.community
            issuance = ledger.system_account(community, AccountKind.ISSUANCE)
            mine = ledger.resident_account(community, signup.resident)
            lines: list[ledger.Line] = []
            if activity.hours > 0:
                lines += [(mine, Measure.HOURS, activity.hours), (issuance, Measure.HOURS, -activity.hours)]
            if activity.points > 0:
                lines += [
                    (mine, Measure.POINTS, activity.points),
                    (issuance, Measure.POINTS, -activity.points),
                ]
            ledger.post(
                f"signup:{signup.pk}",
                PostingKind.SERVICE,
                _("参加：%(t)s") % {"t": activity.title},
                staff,
                lines,
            )
        _audit(
            staff,
            "confirm_attendance" if attended else "mark_absent",
            signup,
            activity.title,
            activity.community,
            on_behalf_of=signup.resident,
        )
    return signup


# --------------------------------------------------------------------------------------------------
# Time bank: corrections, rewards and redemption
# --------------------------------------------------------------------------------------------------


@retry_conflicts
def check_reverse_posting(staff: Any, posting_id: int, reason: str) -> Any:
    from jiceng.community.models import Posting

    posting = Posting.objects.filter(pk=posting_id).first()
    if posting is None:
        raise Missing(_("未找到该凭证。"))
    community = posting.entries.values_list("account__community", flat=True).first()
    division = Division.objects.filter(pk=community).first() if community is not None else None
    if division is None:
        raise Missing(_("未找到该凭证。"))
    require_staff(staff, division)
    if not reason.strip():
        raise CommunityError(_("冲正须说明原因。"))
    with transaction.atomic():
        reversal = ledger.reverse(posting, staff, _("冲正：%(r)s") % {"r": reason.strip()})
        _audit(staff, "reverse_posting", posting, reason, division)
    return reversal


def check_create_reward(
    staff: Any, community: Division, name: str, points: Any, stock: int, description: str = ""
) -> Reward:
    require_staff(staff, community)
    points_d = _decimal(points, _("所需积分"))
    if points_d <= 0 or stock < 0:
        raise CommunityError(_("积分须大于 0，库存不能为负。"))
    with transaction.atomic():
        reward = Reward.objects.create(
            community=community, name=name.strip(), points=points_d, stock=stock, description=description
        )
        _audit(staff, "create_reward", reward, name, community)
    return reward


def check_restock(staff: Any, reward_id: int, add: int) -> Reward:
    reward = Reward.objects.select_related("community").filter(pk=reward_id).first()
    if reward is None or not is_portal_staff(staff, reward.community):
        raise Missing(_("未找到该物品。"))
    if add <= 0:
        raise CommunityError(_("补货数量须大于 0。"))
    with transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + add)
        _audit(staff, "restock", reward, str(add), reward.community)
    reward.refresh_from_db()
    return reward


@retry_conflicts
def check_redeem(who: Actor, reward_id: int, idempotency_key: str = "") -> Redemption:
    """Exchange points for a 暖心柜 item: stock −1, points move to the redemption account, and a
    one-time pick-up code is issued. Stock can never go negative: the decrement is conditional and
    a CHECK constraint guards it; the resident's account is locked while the balance is checked."""
    profile = require_resident(who.resident)
    key = f"redeem:{who.resident.pk}:{idempotency_key or secrets.token_hex(12)}"
    done = Redemption.objects.filter(posting__idempotency_key=key).first()
    if done is not None:
        return done
    try:
        return _redeem(who, profile, reward_id, key)
    except _AlreadyRedeemed as raced:
        return raced.redemption


class _AlreadyRedeemed(Exception):
    """A parallel request with the same key redeemed first: roll back ours, answer with theirs."""

    def __init__(self, redemption: Redemption) -> None:
        self.redemption = redemption


def _redeem(who: Actor, profile: ResidentProfile, reward_id: int, key: str) -> Redemption:
    with transaction.atomic():
        reward = Reward.objects.filter(pk=reward_id, community=profile.community, is_active=True).first()
        if reward is None:
            raise Missing(_("未找到该物品。"))
        if Reward.objects.filter(pk=reward.pk, stock__gte=1).update(stock=F("stock") - 1) != 1:
            raise OutOfStock(_("“%(n)s”已兑完。") % {"n": reward.name})
        mine = ledger.resident_account(profile.community, who.resident)
        sink = ledger.system_account(profile.community, AccountKind.REDEMPTION)
        posting = ledger.post(
            key,
            PostingKind.REDEEM,
            _("兑换：%(n)s") % {"n": reward.name},
            who.user,
            [(mine, Measure.POINTS, -reward.points), (sink, Measure.POINTS, reward.points)],
        )
        earlier = Redemption.objects.filter(posting=posting).select_related("reward").first()
        if earlier is not None:
            raise _AlreadyRedeemed(earlier)
        redemption = Redemption.objects.create(
            reward=reward, resident=who.resident, posting=posting, code=_new_code("R")
        )
        _act(who, "redeem", redemption, reward.name, profile.community)
    return redemption


def check_hand_over(staff: Any, code: str) -> Redemption:
    """The locker hands the item over; a code works exactly once."""
    code = code.strip().upper()
    redemption = Redemption.objects.select_related("reward__community", "resident").filter(code=code).first()
    if redemption is None or not is_portal_staff(staff, redemption.reward.community):
        raise Missing(_("领取码无效。"))
    with transaction.atomic():
        changed = Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.ISSUED).update(
            status=RedemptionStatus.USED, used_at=timezone.now(), used_by=staff
        )
        if changed != 1:
            raise AlreadyDone(_("该领取码已使用或已撤销。"))
        _audit(
            staff,
            "hand_over",
            redemption,
            code,
            redemption.reward.community,
            on_behalf_of=redemption.resident,
        )
    redemption.refresh_from_db()
    return redemption


@retry_conflicts
def check_cancel_redemption(staff: Any, redemption_id: int, reason: str) -> Redemption:
    """Undo an unused redemption: reversal posting, stock back."""
    redemption = Redemption.objects.select_related("reward__community").filter(pk=redemption_id).first()
    if redemption is None or not is_portal_staff(staff, redemption.reward.community):
        raise Missing(_("未找到该兑换记录。"))
    with transaction.atomic():
        if (
            Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.ISSUED).update(
                status=RedemptionStatus.CANCELLED
            )
            != 1
        ):
            raise AlreadyDone(_("只有未领取的兑换才能撤销。"))
        # The reward row before the ledger accounts: the same lock order as a redemption.
        Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
        ledger.reverse(redemption.posting, staff, _("撤销兑换：%(r)s") % {"r": reason})
        _audit(staff, "cancel_redemption", redemption, reason, redemption.reward.community)
    redemption.refresh_from_db()
    return redemption


# --------------------------------------------------------------------------------------------------
# 码上知 / 码上学: notices, news, learning articles
# --------------------------------------------------------------------------------------------------


def check_save_notice(
    staff: Any,
    communities: Sequence[Division],
    title: str,
    body: str,
    kind: str = "notice",
    topic: str = "",
    notice_id: int | None = None,
) -> Notice:
    if not communities:
        raise CommunityError(_("请选择面向的社区。"))
    for community in communities:
        require_staff(staff, community)
    if not title.strip() or not body.strip():
        raise CommunityError(_("请填写标题和正文。"))
    with transaction.atomic():
        if notice_id is None:
            notice = Notice.objects.create(
                kind=kind, title=title.strip(), body=body, topic=topic.strip(), created_by=staff
            )
        else:
            notice = access_staff_notice(staff, notice_id)
            notice.title, notice.body, notice.kind, notice.topic = title.strip(), body, kind, topic.strip()
            notice.save(update_fields=["title", "body", "kind", "topic"])
        notice.communities.set(communities)
        _audit(staff, "save_notice", notice, title, communities[0])
    return notice


def access_staff_notice(staff: Any, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None or not any(is_portal_staff(staff, c) for c in notice.communities.all()):
        raise Missing(_("未找到该通知。"))
    return notice


def check_publish_notice(staff: Any, notice_id: int, at: dt.datetime | None = None) -> Notice:
    """Publish now, or schedule for ``at`` (the notice appears from that moment)."""
    with transaction.atomic():
        notice = access_staff_notice(staff, notice_id)
        notice.status = NoticeStatus.PUBLISHED
        notice.publish_at = at or timezone.now()
        notice.withdrawn_at = None
        notice.save(update_fields=["status", "publish_at", "withdrawn_at"])
        _audit(staff, "publish_notice", notice, notice.publish_at.isoformat(), notice.communities.first())
    return notice


def check_withdraw_notice(staff: Any, notice_id: int) -> Notice:
    with transaction.atomic():
        notice = access_staff_notice(staff, notice_id)
        if notice.status != NoticeStatus.PUBLISHED:
            raise PhaseError(_("只有已发布的通知可以撤回。"))
        notice.status = NoticeStatus.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["status", "withdrawn_at"])
        _audit(staff, "withdraw_notice", notice, "", notice.communities.first())
    return notice


def visible_notices(community: Division, kind: str | None = None) -> QuerySet[Notice]:
    qs = Notice.objects.filter(
        communities=community, status=NoticeStatus.PUBLISHED, publish_at__lte=timezone.now()
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-publish_at", "-id")


# --------------------------------------------------------------------------------------------------
# Surveys
# --------------------------------------------------------------------------------------------------


@dataclass
class QuestionSpec:
    kind: str
    text: str
    choices: Sequence[str] = ()
    required: bool = True


def parse_questions(text: str) -> list[QuestionSpec]:
    """One question per line: ``单选: 问题 | 选项1 | 选项2``, ``多选: …``, ``评分: 问题``, ``文字: 问题``."""
    kinds = {
        "单选": QuestionKind.SINGLE,
        "多选": QuestionKind.MULTIPLE,
        "评分": QuestionKind.RATING,
        "文字": QuestionKind.TEXT,
    }
    specs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, sep, rest = line.replace("：", ":").partition(":")
        if not sep or head.strip() not in kinds:
            raise CommunityError(_("第 %(n)d 行应以“单选:”“多选:”“评分:”或“文字:”开头。") % {"n": number})
        parts = [p.strip() for p in rest.split("|")]
        specs.append(QuestionSpec(kinds[head.strip()], parts[0], [p for p in parts[1:] if p]))
    return specs


def check_create_survey(
    staff: Any,
    community: Division,
    title: str,
    questions: Sequence[QuestionSpec],
    description: str = "",
    closes_at: dt.datetime | None = None,
) -> Survey:
    require_staff(staff, community)
    if not title.strip() or not questions:
        raise CommunityError(_("请填写标题和至少一个问题。"))
    for q in questions:
        if not q.text:
            raise CommunityError(_("问题内容不能为空。"))
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(q.choices) < 2:
            raise CommunityError(_("“%(q)s”至少需要两个选项。") % {"q": q.text})
    with transaction.atomic():
        survey = Survey.objects.create(
            community=community,
            title=title.strip(),
            description=description,
            closes_at=closes_at,
            created_by=staff,
        )
        for order, spec in enumerate(questions):
            question = Question.objects.create(
                survey=survey, order=order, kind=spec.kind, text=spec.text, required=spec.required
            )
            for corder, text in enumerate(spec.choices):
                Choice.objects.create(question=question, order=corder, text=text)
        _audit(staff, "create_survey", survey, title, community)
    return survey


def check_close_survey(staff: Any, survey_id: int) -> Survey:
    survey = Survey.objects.select_related("community").filter(pk=survey_id).first()
    if survey is None or not is_portal_staff(staff, survey.community):
        raise Missing(_("未找到该问卷。"))
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(is_open=False)
        _audit(staff, "close_survey", survey, "", survey.community)
    survey.refresh_from_db()
    return survey


def check_answer_survey(who: Actor, survey_id: int, answers: dict[int, Any]) -> SurveyResponse:
    """One response per resident. ``answers`` maps question id → choice id, list of choice ids,
    rating 1–5, or text."""
    profile = require_resident(who.resident)
    survey = Survey.objects.filter(pk=survey_id, community=profile.community).first()
    if survey is None:
        raise Missing(_("未找到该问卷。"))
    if not survey.accepting:
        raise PhaseError(_("问卷已截止。"))
    questions = list(survey.questions.prefetch_related("choices"))
    cleaned: list[tuple[Question, list[Choice], int | None, str]] = []
    for question in questions:
        value = answers.get(question.pk)
        valid = {c.pk: c for c in question.choices.all()}
        chosen: list[Choice] = []
        rating = None
        text = ""
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            ids = value if isinstance(value, list | tuple) else ([value] if value not in (None, "") else [])
            try:
                chosen = [valid[int(i)] for i in ids]
            except (KeyError, ValueError, TypeError):
                raise CommunityError(_("“%(q)s”的选项无效。") % {"q": question.text})
            if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
                raise CommunityError(_("“%(q)s”只能选一项。") % {"q": question.text})
            empty = not chosen
        elif question.kind == QuestionKind.RATING:
            if value not in (None, ""):
                try:
                    rating = int(str(value))
                except (TypeError, ValueError):
                    rating = 0
                if not 1 <= rating <= 5:
                    raise CommunityError(_("“%(q)s”请打 1–5 分。") % {"q": question.text})
            empty = rating is None
        else:
            text = str(value or "").strip()[:2000]
            empty = not text
        if empty and question.required:
            raise CommunityError(_("请回答：%(q)s") % {"q": question.text})
        cleaned.append((question, chosen, rating, text))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, resident=who.resident)
            for question, chosen, rating, text in cleaned:
                answer = Answer.objects.create(response=response, question=question, rating=rating, text=text)
                if chosen:
                    answer.choices.set(chosen)
            _act(who, "answer_survey", response, survey.title, profile.community)
    except IntegrityError:
        raise AlreadyDone(_("您已填写过该问卷。"))
    return response


# --------------------------------------------------------------------------------------------------
# 民生微实事: micro-projects
# --------------------------------------------------------------------------------------------------

TRANSITIONS: dict[str, frozenset[str]] = {
    Phase.PROPOSED: frozenset({Phase.APPROVED, Phase.REJECTED}),
    Phase.APPROVED: frozenset({Phase.VOTING}),
    Phase.VOTING: frozenset({Phase.IMPLEMENTING, Phase.NOT_SELECTED}),
    Phase.IMPLEMENTING: frozenset({Phase.EVALUATING}),
    Phase.EVALUATING: frozenset({Phase.DONE}),
}


def _move(project: MicroProject, to: str, actor: Any, note: str = "") -> None:
    """Move a project along the phase table, leaving a PhaseEvent and an audit row."""
    if to not in TRANSITIONS.get(project.phase, frozenset()):
        raise PhaseError(
            _("项目“%(t)s”处于“%(f)s”阶段，不能转为“%(to)s”。")
            % {"t": project.title, "f": Phase(project.phase).label, "to": Phase(to).label}
        )
    PhaseEvent.objects.create(
        project=project, from_phase=project.phase, to_phase=to, actor=actor, note=note[:300]
    )
    project.phase = to
    project.save(update_fields=["phase"])
    _audit(actor, "phase_" + to, project, note[:100], project.round.community)


def access_round(user: Any, round_id: int, staff: bool = False) -> ProjectRound:
    rnd = ProjectRound.objects.select_related("community").filter(pk=round_id).first()
    if rnd is not None:
        if staff and is_portal_staff(user, rnd.community):
            return rnd
        if not staff:
            profile = profile_of(user)
            if (profile and profile.community_id == rnd.community_id) or is_portal_staff(user, rnd.community):
                return rnd
    raise Missing(_("未找到该批次。"))


def access_project(user: Any, project_id: int, staff: bool = False) -> MicroProject:
    project = (
        MicroProject.objects.select_related("round__community", "proposer").filter(pk=project_id).first()
    )
    if project is None:
        raise Missing(_("未找到该项目。"))
    access_round(user, project.round_id, staff=staff)
    return project


def check_open_round(
    staff: Any,
    community: Division,
    title: str,
    budget: Any,
    method: str = VoteMethod.BUDGET,
    caps: dict[str, Any] | None = None,
) -> ProjectRound:
    require_staff(staff, community)
    budget_d = _decimal(budget, _("总预算"))
    if budget_d <= 0:
        raise CommunityError(_("总预算须大于 0。"))
    if method not in VoteMethod.values:
        raise CommunityError(_("表决方式无效。"))
    fields = {}
    for kind, value in (caps or {}).items():
        fields[f"cap_{kind}"] = _decimal(value, _("单项上限"))
    with transaction.atomic():
        rnd = ProjectRound.objects.create(
            community=community, title=title.strip(), budget=budget_d, method=method, **fields
        )
        _audit(staff, "open_round", rnd, title, community)
    return rnd


def check_propose(who: Actor, round_id: int, title: str, description: str) -> MicroProject:
    """群众点菜: a resident proposes a project while the round collects proposals."""
    profile = require_resident(who.resident)
    rnd = access_round(who.resident, round_id)
    if rnd.status != RoundStatus.COLLECTING:
        raise PhaseError(_("本批次已停止征集。"))
    if not title.strip() or len(description.strip()) < 5:
        raise CommunityError(_("请填写项目名称和内容。"))
    with transaction.atomic():
        project = MicroProject.objects.create(
            round=rnd, title=title.strip(), description=description.strip(), proposer=who.resident
        )
        PhaseEvent.objects.create(
            project=project, to_phase=Phase.PROPOSED, actor=who.user, note=_("居民提出")
        )
        _act(who, "propose", project, title, profile.community)
    return project


def check_set_round_status(staff: Any, round_id: int, status: str) -> ProjectRound:
    """Move a round: collecting → reviewing (staff review), → voting via :func:`check_open_vote`."""
    rnd = access_round(staff, round_id, staff=True)
    order: list[str] = [RoundStatus.COLLECTING, RoundStatus.REVIEWING]
    if status not in order or rnd.status not in order or order.index(status) <= order.index(rnd.status):
        raise PhaseError(_("批次状态不能这样变更。"))
    with transaction.atomic():
        rnd.status = status
        rnd.save(update_fields=["status"])
        _audit(staff, "round_" + status, rnd, "", rnd.community)
    return rnd


def check_review(
    staff: Any, project_id: int, approve: bool, kind: str = "", cost: Any = None, feasibility: str = ""
) -> MicroProject:
    """Community review: feasibility, cost and type, each type with its own budget cap."""
    project = access_project(staff, project_id, staff=True)
    rnd = project.round
    if rnd.status not in (RoundStatus.COLLECTING, RoundStatus.REVIEWING):
        raise PhaseError(_("本批次已进入表决，不能再审核。"))
    if not feasibility.strip():
        raise CommunityError(_("请填写可行性意见。"))
    with transaction.atomic():
        project = (
            MicroProject.objects.select_for_update(of=("self",))
            .select_related("round__community")
            .get(pk=project.pk)
        )
        if approve:
            if kind not in ProjectType.values:
                raise CommunityError(_("请选择项目类型（服务类、货物类、工程类）。"))
            cost_d = _decimal(cost, _("预算"))
            if cost_d <= 0:
                raise CommunityError(_("预算须大于 0。"))
            cap = rnd.cap_for(kind)
            if cost_d > cap:
                raise CommunityError(
                    _("%(kind)s项目预算不能超过 %(cap)s 元。") % {"kind": ProjectType(kind).label, "cap": cap}
                )
            project.kind = kind
            project.cost = cost_d
        project.feasibility = feasibility.strip()
        project.save(update_fields=["kind", "cost", "feasibility"])
        _move(project, Phase.APPROVED if approve else Phase.REJECTED, staff, feasibility)
    return project


def check_open_vote(staff: Any, round_id: int) -> ProjectRound:
    rnd = access_round(staff, round_id, staff=True)
    if rnd.status not in (RoundStatus.COLLECTING, RoundStatus.REVIEWING):
        raise PhaseError(_("本批次不能开始表决。"))
    with transaction.atomic():
        approved = list(
            rnd.projects.select_for_update(of=("self",))
            .select_related("round__community")
            .filter(phase=Phase.APPROVED)
        )
        if not approved:
            raise PhaseError(_("没有审核通过的项目，不能开始表决。"))
        for project in approved:
            _move(project, Phase.VOTING, staff, _("提交居民议事会表决"))
        rnd.status = RoundStatus.VOTING
        rnd.save(update_fields=["status"])
        _audit(staff, "open_vote", rnd, str(len(approved)), rnd.community)
    return rnd


def _ballot_projects(rnd: ProjectRound, project_ids: Iterable[int]) -> list[MicroProject]:
    ids = {int(i) for i in project_ids}
    if not ids:
        raise CommunityError(_("请至少选择一个项目。"))
    projects = list(rnd.projects.filter(pk__in=ids, phase=Phase.VOTING))
    if len(projects) != len(ids):
        raise CommunityError(_("选票中有不在表决中的项目。"))
    return projects


def _record_ballot(rnd: ProjectRound, projects: list[MicroProject], **fields: Any) -> Ballot:
    ballot = Ballot.objects.create(round=rnd, **fields)
    ballot.projects.set(projects)
    MicroProject.objects.filter(pk__in=[p.pk for p in projects]).update(votes=F("votes") + 1)
    return ballot


def check_cast_ballot(who: Actor, round_id: int, project_ids: Iterable[int]) -> Ballot:
    """One ballot per resident, approving any number of projects in the vote."""
    profile = require_resident(who.resident)
    rnd = access_round(who.resident, round_id)
    if rnd.community_id != profile.community_id:
        raise Missing(_("未找到该批次。"))
    if rnd.status != RoundStatus.VOTING:
        raise PhaseError(_("本批次不在表决期。"))
    projects = _ballot_projects(rnd, project_ids)
    try:
        with transaction.atomic():
            ballot = _record_ballot(rnd, projects, voter=who.resident, entered_by=who.staff)
            _act(who, "vote", ballot, ",".join(str(p.pk) for p in projects), rnd.community)
    except IntegrityError:
        raise AlreadyDone(_("您已投过票。"))
    return ballot


def check_enter_paper_ballot(staff: Any, round_id: int, paper_no: str, project_ids: Iterable[int]) -> Ballot:
    rnd = access_round(staff, round_id, staff=True)
    if rnd.status != RoundStatus.VOTING:
        raise PhaseError(_("本批次不在表决期。"))
    paper_no = paper_no.strip()
    if not paper_no:
        raise CommunityError(_("请填写纸质选票编号。"))
    projects = _ballot_projects(rnd, project_ids)
    try:
        with transaction.atomic():
            ballot = _record_ballot(rnd, projects, paper_no=paper_no, entered_by=staff)
            _audit(staff, "paper_ballot", ballot, paper_no, rnd.community)
    except IntegrityError:
        raise AlreadyDone(_("纸质选票“%(n)s”已录入。") % {"n": paper_no})
    return ballot


def select_projects(rnd: ProjectRound, projects: list[MicroProject], ballots: int) -> list[MicroProject]:
    """Approval: every project approved on more than half the ballots. Budget: most votes first
    while money remains (a project that no longer fits is skipped, cheaper ones may still fit)."""
    ranked = sorted(projects, key=lambda p: (-p.votes, p.cost or 0, p.pk))
    if rnd.method == VoteMethod.APPROVAL:
        return [p for p in ranked if p.votes * 2 > ballots]
    chosen = []
    left = rnd.budget
    for project in ranked:
        if project.votes > 0 and (project.cost or 0) <= left:
            chosen.append(project)
            left -= project.cost or 0
    return chosen


def check_close_vote(staff: Any, round_id: int) -> list[MicroProject]:
    rnd = access_round(staff, round_id, staff=True)
    if rnd.status != RoundStatus.VOTING:
        raise PhaseError(_("本批次不在表决期。"))
    with transaction.atomic():
        rnd = ProjectRound.objects.select_for_update(of=("self",)).select_related("community").get(pk=rnd.pk)
        projects = list(rnd.projects.select_related("round__community").filter(phase=Phase.VOTING))
        ballots = rnd.ballots.count()
        chosen = select_projects(rnd, projects, ballots)
        chosen_ids = {p.pk for p in chosen}
        for project in projects:
            note = _("得票 %(v)d / %(b)d") % {"v": project.votes, "b": ballots}
            _move(
                project, Phase.IMPLEMENTING if project.pk in chosen_ids else Phase.NOT_SELECTED, staff, note
            )
        rnd.status = RoundStatus.DECIDED
        rnd.save(update_fields=["status"])
        _audit(staff, "close_vote", rnd, str(len(chosen)), rnd.community)
    return chosen


def _implementing(staff: Any, project_id: int) -> MicroProject:
    project = access_project(staff, project_id, staff=True)
    if project.phase != Phase.IMPLEMENTING:
        raise PhaseError(_("项目不在实施阶段。"))
    return project


def check_add_milestone(staff: Any, project_id: int, title: str, due: dt.date | None = None) -> Milestone:
    project = _implementing(staff, project_id)
    if not title.strip():
        raise CommunityError(_("请填写节点名称。"))
    with transaction.atomic():
        milestone = Milestone.objects.create(project=project, title=title.strip(), due=due)
        _audit(staff, "add_milestone", milestone, title, project.round.community)
    return milestone


def check_complete_milestone(staff: Any, milestone_id: int) -> Milestone:
    milestone = Milestone.objects.select_related("project").filter(pk=milestone_id).first()
    if milestone is None:
        raise Missing(_("未找到该节点。"))
    project = _implementing(staff, milestone.project_id)
    with transaction.atomic():
        if (
            Milestone.objects.filter(pk=milestone.pk, done_at__isnull=True).update(done_at=timezone.now())
            != 1
        ):
            raise AlreadyDone(_("该节点已完成。"))
        _audit(staff, "complete_milestone", milestone, milestone.title, project.round.community)
    milestone.refresh_from_db()
    return milestone


def check_add_observer(staff: Any, project_id: int, resident_user_id: int) -> MicroProject:
    project = access_project(staff, project_id, staff=True)
    profile = ResidentProfile.objects.filter(
        user_id=resident_user_id, community=project.round.community
    ).first()
    if profile is None:
        raise Missing(_("未找到该居民。"))
    with transaction.atomic():
        project.observers.add(profile.user)
        _audit(
            staff,
            "add_observer",
            project,
            _name(profile.user),
            project.round.community,
            on_behalf_of=profile.user,
        )
    return project


def check_report_progress(
    user: Any, project_id: int, note: str, progress: int | None = None, photo: Any = None
) -> ProgressReport:
    """Staff report progress (with the percentage); field observers (residents named by staff)
    report what they saw."""
    project = access_project(user, project_id)
    is_staff = is_portal_staff(user, project.round.community)
    is_observer = project.observers.filter(pk=user.pk).exists()
    if not (is_staff or is_observer):
        raise NotStaff(_("只有社区工作人员和项目监督员可以填报进展。"))
    if project.phase != Phase.IMPLEMENTING:
        raise PhaseError(_("项目不在实施阶段。"))
    if not note.strip():
        raise CommunityError(_("请填写进展说明。"))
    if progress is not None and (not is_staff or not 0 <= progress <= 100):
        raise CommunityError(_("进度须为 0–100，且由社区工作人员填报。"))
    upload = uploads.read_upload(photo) if photo else None
    with transaction.atomic():
        report = ProgressReport(
            project=project, author=user, is_observer=not is_staff, progress=progress, note=note.strip()
        )
        if upload is not None:
            uploads.store(report.photo, upload)
        report.save()
        if progress is not None:
            MicroProject.objects.filter(pk=project.pk).update(progress=progress)
        _audit(user, "report_progress", project, note[:100], project.round.community)
    return report


def check_start_evaluation(staff: Any, project_id: int) -> MicroProject:
    """Implementation finished: open the residents' evaluation survey."""
    project = _implementing(staff, project_id)
    with transaction.atomic():
        project = (
            MicroProject.objects.select_for_update(of=("self",))
            .select_related("round__community")
            .get(pk=project.pk)
        )
        survey = check_create_survey(
            staff,
            project.round.community,
            _("微实事评价：%(t)s") % {"t": project.title},
            [
                QuestionSpec(QuestionKind.RATING, _("您对该项目的总体满意度")),
                QuestionSpec(
                    QuestionKind.SINGLE, _("项目是否解决了您关心的问题"), [_("是"), _("部分"), _("否")]
                ),
                QuestionSpec(QuestionKind.TEXT, _("意见和建议"), required=False),
            ],
        )
        project.survey = survey
        project.progress = 100
        project.save(update_fields=["survey", "progress"])
        _move(project, Phase.EVALUATING, staff, _("实施完成，开始居民评价"))
    return project


def check_finish_project(staff: Any, project_id: int) -> MicroProject:
    project = access_project(staff, project_id, staff=True)
    with transaction.atomic():
        project = (
            MicroProject.objects.select_for_update(of=("self",))
            .select_related("round__community", "survey")
            .get(pk=project.pk)
        )
        if project.phase != Phase.EVALUATING:
            raise PhaseError(_("项目不在评价阶段。"))
        note = ""
        if project.survey is not None:
            Survey.objects.filter(pk=project.survey.pk).update(is_open=False)
            note = _("评价问卷 %(n)d 份") % {"n": project.survey.responses.count()}
        _move(project, Phase.DONE, staff, note)
    return project


def forget(user: Any) -> None:
    """Drop per-request caches after changing a user's posts or profile."""
    forget_scope(user)
    if hasattr(user, "_community_profile"):
        del user._community_profile
