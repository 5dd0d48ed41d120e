"""REST for party building (``/api/v1/party/…``): the same ``check_*`` actions as the pages.

Personal data of members (name, phone) leaves the server only through ``org.privacy.reveal_many``:
masked for roles that may not see it, unmasked and logged for those who may.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.params import MAX_YEAR, MIN_YEAR
from jiceng.org.privacy import reveal_many
from jiceng.party import access, actions, queries
from jiceng.party.exceptions import PartyError
from jiceng.party.figures import figures
from jiceng.party.models import (
    Commitment,
    DualRegistration,
    Pairing,
    PartyMember,
    SeatKind,
    ServiceRecord,
    Theme,
    WishCard,
)

LIST = inline_serializer("PartyList", {"results": serializers.ListField(child=serializers.DictField())})
ITEM = inline_serializer("PartyItem", {"id": serializers.IntegerField()})


def _ids(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise PartyError(_("须为编号列表。"))
    return value


def _moment(value: Any) -> Any:
    """An ISO 8601 moment from a body, or None when it is missing, not a real time (minute 99) or
    outside 1901–2199 (a Beijing offset before 1901, or a year 1 moment, does not fit the database)."""
    try:
        moment = parse_datetime(str(value if value is not None else "").strip())
    except ValueError:
        return None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment


def _doc(schema_name: str, **fields: Any) -> Any:
    return inline_serializer(schema_name, fields)


def members_json(request: Any, members: list[PartyMember]) -> list[dict[str, Any]]:
    shown = reveal_many(
        request, "party_member", [(m.pk, {"name": m.name, "phone": m.phone}) for m in members], "党员管理"
    )
    return [
        {
            "id": m.pk,
            "name": s["name"],
            "phone": s["phone"],
            "org": m.org_id,
            "org_name": m.org.name,
            "has_account": m.user_id is not None,
            "person": m.person_id,
        }
        for m, s in zip(members, shown, strict=True)
    ]


def registration_json(reg: DualRegistration) -> dict[str, Any]:
    return {
        "id": reg.pk,
        "community": reg.community.code,
        "community_name": reg.community.name,
        "posts": [{"id": p.pk, "title": p.title} for p in reg.posts.all()],
        "registered_at": reg.registered_at.isoformat(),
        "hours_confirmed": str(queries.confirmed_hours(reg)),
    }


def service_json(record: ServiceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "registration": record.registration_id,
        "served_on": record.served_on.isoformat(),
        "hours": str(record.hours),
        "note": record.note,
        "status": record.status,
        "time_bank_posting": record.posting_id_ref,
    }


def wish_json(user: Any, wish: WishCard) -> dict[str, Any]:
    """The public face of a wish; the resident's own details only for the resident and staff."""
    data: dict[str, Any] = {
        "id": wish.pk,
        "community": wish.community.code,
        "group": wish.group,
        "title": wish.title,
        "public_text": wish.public_text,
        "status": wish.status,
        "claimer_kind": wish.claimer_kind,
        "claimed_by_me": wish.claimed_by_id == getattr(user, "pk", None),
        "fulfil_note": wish.fulfil_note,
        "published_at": wish.published_at.isoformat() if wish.published_at else None,
        "escalated": wish.escalated_at is not None,
    }
    if user.pk == wish.resident_id or access.is_staff_for(user, wish.community):
        data["detail"] = wish.detail
    return data


def pairing_json(pairing: Pairing) -> dict[str, Any]:
    commitments = list(pairing.commitments.all())
    return {
        "id": pairing.pk,
        "org": pairing.org.name,
        "unit": pairing.org.unit.code if pairing.org.unit else "",
        "community": pairing.community.code,
        "community_name": pairing.community.name,
        "commitments": [commitment_json(c) for c in commitments],
    }


def commitment_json(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "due_on": c.due_on.isoformat() if c.due_on else None,
        "delivered": c.delivered_at is not None,
        "deliveries": [
            {"id": d.pk, "on": d.delivered_on.isoformat(), "note": d.note, "people": d.people}
            for d in c.deliveries.all()
        ],
    }


class OrgsView(APIView):
    @extend_schema(summary="党组织树（本人范围内）", responses=LIST)
    def get(self, request: Request) -> Response:
        orgs = access.visible_orgs(request.user).order_by("code")
        return Response(
            {
                "results": [
                    {
                        "id": o.pk,
                        "code": o.code,
                        "name": o.name,
                        "kind": o.kind,
                        "parent": o.parent_id,
                        "division": o.division.code,
                        "members": o.n_members,  # type: ignore[attr-defined]
                    }
                    for o in queries.with_member_counts(orgs)
                ]
            }
        )

    @extend_schema(
        summary="新建党组织",
        request=_doc(
            "PartyOrgCreate",
            code=serializers.CharField(),
            name=serializers.CharField(),
            kind=serializers.CharField(),
            parent=serializers.IntegerField(required=False),
            division=serializers.CharField(required=False),
            unit=serializers.CharField(required=False),
            building=serializers.CharField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        org = actions.check_create_org(
            request.user,
            code=str(d.get("code", "")),
            name=str(d.get("name", "")),
            kind=str(d.get("kind", "")),
            parent_id=d.get("parent"),
            division_code=str(d.get("division", "")),
            unit_code=str(d.get("unit", "")),
            building_code=str(d.get("building", "")),
        )
        return Response({"id": org.pk, "code": org.code, "division": org.division.code}, status=201)


class MembersView(APIView):
    @extend_schema(summary="党员名册（按角色脱敏，明文读取留痕）", responses=LIST)
    def get(self, request: Request) -> Response:
        members = list(access.visible_members(request.user).order_by("org__code", "id")[:500])
        return Response({"results": members_json(request, members)})

    @extend_schema(
        summary="登记党员",
        request=_doc(
            "PartyMemberCreate",
            org=serializers.IntegerField(),
            name=serializers.CharField(),
            phone=serializers.CharField(required=False),
            user=serializers.IntegerField(required=False),
            person=serializers.IntegerField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        member = actions.check_add_member(
            request.user,
            org_id=d.get("org"),
            name=str(d.get("name", "")),
            phone=str(d.get("phone", "")),
            user_id=d.get("user"),
            person_id=d.get("person"),
        )
        return Response({"id": member.pk}, status=201)


class MeView(APIView):
    @extend_schema(
        summary="我的党员信息、报到与服务时长",
        responses=_doc("PartyMe", member=serializers.DictField(allow_null=True)),
    )
    def get(self, request: Request) -> Response:
        member = access.member_of(request.user)
        if member is None:
            return Response({"member": None, "registrations": [], "services": [], "buildings": []})
        regs = queries.my_registrations(member)
        return Response(
            {
                "member": {"id": member.pk, "name": member.name, "org": member.org.name},
                "registrations": [registration_json(r) for r in regs],
                "services": [service_json(s) for s in queries.my_services(member)[:100]],
            }
        )


class PostsView(APIView):
    @extend_schema(summary="社区的服务岗位", responses=LIST)
    def get(self, request: Request) -> Response:
        posts = queries.open_posts(str(request.query_params.get("community", "")))
        return Response(
            {"results": [{"id": p.pk, "title": p.title, "description": p.description} for p in posts]}
        )


class RegistrationsView(APIView):
    @extend_schema(
        summary="双报到",
        request=_doc(
            "DualRegister",
            community=serializers.CharField(),
            posts=serializers.ListField(child=serializers.IntegerField()),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        posts = request.data.get("posts") or []
        if not isinstance(posts, list):
            raise PartyError(_("posts 须为岗位编号列表。"))
        reg = actions.check_dual_register(request.user, str(request.data.get("community", "")), posts)
        return Response(registration_json(reg), status=201)


class ServiceView(APIView):
    @extend_schema(
        summary="登记服务时长",
        request=_doc(
            "ServiceCreate",
            hours=serializers.DecimalField(max_digits=6, decimal_places=2),
            served_on=serializers.DateField(),
            note=serializers.CharField(),
            post=serializers.IntegerField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        d = request.data
        record = actions.check_record_service(
            request.user,
            pk,
            hours=d.get("hours"),
            served_on=d.get("served_on"),
            note=str(d.get("note", "")),
            post_id=d.get("post"),
        )
        return Response(service_json(record), status=201)


class ConfirmServiceView(APIView):
    @extend_schema(
        summary="社区确认服务时长（计入时间银行）",
        request=_doc("ServiceConfirm", accept=serializers.BooleanField(required=False)),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        accept = request.data.get("accept", True) not in (False, "false", "0", 0)
        return Response(service_json(actions.check_confirm_service(request.user, pk, accept)))


class PairingsView(APIView):
    @extend_schema(
        summary="结对共建（社区或结对单位可见）", responses=LIST, operation_id="party_pairings_list"
    )
    def get(self, request: Request) -> Response:
        pairings = access.visible_pairings(request.user).prefetch_related("commitments__deliveries")
        return Response({"results": [pairing_json(p) for p in pairings.order_by("id")[:500]]})

    @extend_schema(
        summary="建立结对",
        request=_doc("PairingCreate", org=serializers.IntegerField(), community=serializers.CharField()),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        pairing = actions.check_pair(
            request.user, request.data.get("org"), str(request.data.get("community", ""))
        )
        return Response({"id": pairing.pk}, status=201)


class PairingDetailView(APIView):
    @extend_schema(summary="一个结对关系", responses=ITEM)
    def get(self, request: Request, pk: int) -> Response:
        return Response(pairing_json(access.access_pairing(request.user, pk)))


class CommitmentsView(APIView):
    @extend_schema(
        summary="新增共建承诺",
        request=_doc(
            "CommitmentCreate", title=serializers.CharField(), due_on=serializers.DateField(required=False)
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        c = actions.check_add_commitment(
            request.user, pk, str(request.data.get("title", "")), request.data.get("due_on")
        )
        return Response(commitment_json(c), status=201)


class DeliveriesView(APIView):
    @extend_schema(
        summary="登记承诺兑现",
        request=_doc(
            "DeliveryCreate",
            note=serializers.CharField(),
            delivered_on=serializers.DateField(required=False),
            people=serializers.IntegerField(required=False),
            completes=serializers.BooleanField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        d = request.data
        delivery = actions.check_record_delivery(
            request.user,
            pk,
            note=str(d.get("note", "")),
            delivered_on=d.get("delivered_on"),
            people=d.get("people", 0),
            completes=d.get("completes") in (True, "true", "1", 1),
        )
        return Response({"id": delivery.pk}, status=201)


class WishesView(APIView):
    @extend_schema(summary="心愿墙（可认领的心愿）与我的心愿", responses=LIST)
    def get(self, request: Request) -> Response:
        wishes = queries.wishes_for(request.user, mine=request.query_params.get("mine") == "1")
        return Response({"results": [wish_json(request.user, w) for w in wishes[:200]]})

    @extend_schema(
        summary="提交心愿（居民本人或社区代填）",
        request=_doc(
            "WishCreate",
            title=serializers.CharField(),
            detail=serializers.CharField(required=False),
            group=serializers.CharField(required=False),
            resident=serializers.IntegerField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        wish = actions.check_post_wish(
            request.user,
            title=str(d.get("title", "")),
            detail=str(d.get("detail", "")),
            group=str(d.get("group", "")),
            resident_id=d.get("resident"),
        )
        return Response(wish_json(request.user, wish), status=201)


class WishReviewView(APIView):
    @extend_schema(
        summary="审核心愿",
        request=_doc(
            "WishReview",
            approve=serializers.BooleanField(),
            public_text=serializers.CharField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        wish = actions.check_review_wish(
            request.user,
            pk,
            approve=request.data.get("approve") in (True, "true", "1", 1),
            public_text=str(request.data.get("public_text", "")),
        )
        return Response(wish_json(request.user, wish))


class WishClaimView(APIView):
    @extend_schema(summary="认领心愿（只能认领一次）", request=None, responses=ITEM)
    def post(self, request: Request, pk: int) -> Response:
        return Response(wish_json(request.user, actions.check_claim_wish(request.user, pk)))


class WishFulfilView(APIView):
    @extend_schema(
        summary="登记心愿实现（附照片）",
        request={
            "multipart/form-data": _doc(
                "WishFulfil", note=serializers.CharField(), photo=serializers.FileField()
            )
        },
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        wish = actions.check_fulfil_wish(
            request.user, pk, note=str(request.data.get("note", "")), photo=request.FILES.get("photo")
        )
        return Response(wish_json(request.user, wish))


class WishConfirmView(APIView):
    @extend_schema(summary="心愿人确认", request=None, responses=ITEM)
    def post(self, request: Request, pk: int) -> Response:
        return Response(wish_json(request.user, actions.check_confirm_wish(request.user, pk)))


class MyBuildingsView(APIView):
    @extend_schema(summary="楼栋长负责的楼栋", responses=LIST, operation_id="party_buildings_list")
    def get(self, request: Request) -> Response:
        return Response(
            {"results": [{"code": b.code, "address": b.address} for b in access.head_buildings(request.user)]}
        )


class BuildingView(APIView):
    @extend_schema(summary="楼栋房屋与住户（脱敏）、走访计划、今日职责", responses=ITEM)
    def get(self, request: Request, code: str) -> Response:
        building = access.access_head_building(request.user, code)
        return Response(queries.building_sheet(request, building))


class BuildingNoticeView(APIView):
    @extend_schema(
        summary="发布楼栋通知",
        request=_doc("BuildingNoticeCreate", title=serializers.CharField(), body=serializers.CharField()),
        responses=ITEM,
    )
    def post(self, request: Request, code: str) -> Response:
        notice = actions.check_post_building_notice(
            request.user, code, str(request.data.get("title", "")), str(request.data.get("body", ""))
        )
        return Response({"id": notice.pk}, status=201)


class BuildingReportView(APIView):
    @extend_schema(
        summary="楼栋长上报事件（转为事件办理）",
        request=_doc(
            "BuildingReport", description=serializers.CharField(), room=serializers.CharField(required=False)
        ),
        responses=_doc("BuildingReportCase", case=serializers.IntegerField()),
    )
    def post(self, request: Request, code: str) -> Response:
        case = actions.check_report_event(
            request.user,
            code,
            str(request.data.get("description", "")),
            room_code=str(request.data.get("room", "")),
            photos=request.FILES.getlist("photos"),
        )
        return Response({"case": case.pk, "status": case.status}, status=201)


class VisitView(APIView):
    @extend_schema(
        summary="登记独居老人走访",
        request=_doc(
            "VisitCreate", outcome=serializers.CharField(), note=serializers.CharField(required=False)
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = actions.check_record_visit(
            request.user, pk, str(request.data.get("outcome", "")), str(request.data.get("note", ""))
        )
        return Response({"id": visit.pk, "next_due": visit.plan.next_due.isoformat()}, status=201)


class DutyView(APIView):
    @extend_schema(
        summary="楼栋长职责打卡", request=_doc("DutyTick", duty=serializers.CharField()), responses=ITEM
    )
    def post(self, request: Request, code: str) -> Response:
        check = actions.check_tick_duty(request.user, code, str(request.data.get("duty", "")))
        return Response({"id": check.pk, "duty": check.duty, "on": check.on.isoformat()}, status=201)


class CallUpsView(APIView):
    @extend_schema(summary="我的集结令", responses=LIST)
    def get(self, request: Request) -> Response:
        return Response({"results": queries.my_callups(request.user)})

    @extend_schema(
        summary="发布集结令或紧急任务（平急转换）",
        request=_doc(
            "CallUpCreate",
            community=serializers.CharField(),
            title=serializers.CharField(),
            starts_at=serializers.DateTimeField(),
            team=serializers.IntegerField(required=False),
            place=serializers.CharField(required=False),
            needed=serializers.IntegerField(required=False),
            urgent=serializers.BooleanField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        starts_at = _moment(d.get("starts_at"))
        if starts_at is None:
            raise PartyError(_("请填写集合时间（ISO 8601，带时区）。"))
        callup = actions.check_call_up(
            request.user,
            community_code=str(d.get("community", "")),
            title=str(d.get("title", "")),
            starts_at=starts_at,
            team_id=d.get("team"),
            place=str(d.get("place", "")),
            needed=d.get("needed", 0),
            urgent=d.get("urgent") in (True, "true", "1", 1),
        )
        return Response({"id": callup.pk, "urgent": callup.urgent}, status=201)


class CallUpReplyView(APIView):
    @extend_schema(
        summary="接受或婉拒集结令",
        request=_doc("CallUpReplyBody", accept=serializers.BooleanField()),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        accept = request.data.get("accept", True) not in (False, "false", "0", 0)
        reply = actions.check_reply_callup(request.user, pk, accept)
        return Response({"id": reply.pk, "accepted": reply.accepted}, status=201)


class CallUpCheckInView(APIView):
    @extend_schema(summary="到场签到", request=None, responses=ITEM)
    def post(self, request: Request, pk: int) -> Response:
        reply = actions.check_check_in(request.user, pk)
        return Response(
            {
                "id": reply.pk,
                "checked_in_at": reply.checked_in_at.isoformat() if reply.checked_in_at else None,
            }
        )


class TeamsView(APIView):
    @extend_schema(summary="党员先锋队（本人范围内）", responses=LIST)
    def get(self, request: Request) -> Response:
        teams = queries.visible_teams(request.user)
        return Response(
            {
                "results": [
                    {
                        "id": t.pk,
                        "name": t.name,
                        "theme": t.theme,
                        "community": t.community.code,
                        "members": t.n,  # type: ignore[attr-defined]
                    }
                    for t in teams
                ]
            }
        )

    @extend_schema(
        summary="组建先锋队",
        request=_doc(
            "TeamCreate",
            community=serializers.CharField(),
            theme=serializers.ChoiceField(choices=[t.value for t in Theme]),
            name=serializers.CharField(),
            members=serializers.ListField(child=serializers.IntegerField()),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        team = actions.check_create_team(
            request.user,
            str(d.get("community", "")),
            str(d.get("theme", "")),
            str(d.get("name", "")),
            _ids(d.get("members")),
        )
        return Response({"id": team.pk}, status=201)


class RotaView(APIView):
    @extend_schema(
        summary="党员周日轮值排班（写入社区工作站值班表）",
        request=_doc(
            "SundayRota",
            community=serializers.CharField(),
            first_sunday=serializers.DateField(),
            members=serializers.ListField(child=serializers.IntegerField()),
        ),
        responses=LIST,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        shifts = actions.check_schedule_sunday_rota(
            request.user, str(d.get("community", "")), _ids(d.get("members")), d.get("first_sunday")
        )
        return Response(
            {
                "results": [
                    {"id": s.pk, "user": s.user_id, "starts_at": s.starts_at.isoformat()} for s in shifts
                ]
            },
            status=201,
        )


class CompoundsView(APIView):
    @extend_schema(summary="小区与治理联席会（社区或联席会成员可见）", responses=LIST)
    def get(self, request: Request) -> Response:
        compounds = queries.board_compounds(request.user).prefetch_related("buildings", "seats__user")
        return Response(
            {
                "results": [
                    {
                        "id": c.pk,
                        "name": c.name,
                        "community": c.community.code,
                        "buildings": [b.code for b in c.buildings.all()],
                        "board": [
                            {"kind": s.kind, "body": s.body, "user": str(s.user)}
                            for s in c.seats.all()
                            if s.is_active
                        ],
                    }
                    for c in compounds.select_related("community")
                ]
            }
        )

    @extend_schema(
        summary="登记小区",
        request=_doc(
            "CompoundCreate",
            community=serializers.CharField(),
            name=serializers.CharField(),
            buildings=serializers.ListField(child=serializers.CharField()),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        buildings = d.get("buildings") or []
        if not isinstance(buildings, list):
            raise PartyError(_("buildings 须为楼栋编码列表。"))
        compound = actions.check_create_compound(
            request.user, str(d.get("community", "")), str(d.get("name", "")), buildings
        )
        return Response({"id": compound.pk}, status=201)


class SeatsView(APIView):
    @extend_schema(
        summary="联席会增加成员（党支部、业委会、物业、其他）",
        request=_doc(
            "SeatCreate",
            kind=serializers.ChoiceField(choices=[k.value for k in SeatKind]),
            body=serializers.CharField(),
            user=serializers.IntegerField(),
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        d = request.data
        seat = actions.check_add_seat(
            request.user, pk, str(d.get("kind", "")), str(d.get("body", "")), d.get("user")
        )
        return Response({"id": seat.pk}, status=201)


class MeetingsView(APIView):
    @extend_schema(
        summary="召开议事会",
        request=_doc(
            "MeetingCreate",
            community=serializers.CharField(),
            title=serializers.CharField(),
            held_at=serializers.DateTimeField(),
            compound=serializers.IntegerField(required=False),
            place=serializers.CharField(required=False),
            agenda=serializers.ListField(child=serializers.CharField(), required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request) -> Response:
        d = request.data
        held_at = _moment(d.get("held_at"))
        if held_at is None or timezone.is_naive(held_at):
            raise PartyError(_("请填写会议时间（ISO 8601，带时区）。"))
        meeting = actions.check_create_meeting(
            request.user,
            str(d.get("community", "")),
            str(d.get("title", "")),
            held_at,
            compound_id=d.get("compound"),
            place=str(d.get("place", "")),
        )
        for title in d.get("agenda") or []:
            actions.check_add_agenda_item(request.user, meeting.pk, str(title))
        return Response({"id": meeting.pk}, status=201)


class DecisionsView(APIView):
    @extend_schema(summary="议事会决议及落实情况（居民可见本社区）", responses=LIST)
    def get(self, request: Request) -> Response:
        return Response({"results": queries.decisions_for(request.user)})


class MeetingDecisionsView(APIView):
    @extend_schema(
        summary="议事会形成决议（转为事件、微实事或任务）",
        request=_doc(
            "DecisionCreate",
            text=serializers.CharField(),
            follow_up=serializers.ChoiceField(choices=["case", "project", "task"]),
            owner=serializers.IntegerField(),
            due_on=serializers.DateField(),
            votes_for=serializers.IntegerField(),
            votes_against=serializers.IntegerField(required=False),
            votes_abstain=serializers.IntegerField(required=False),
            item=serializers.IntegerField(required=False),
        ),
        responses=ITEM,
    )
    def post(self, request: Request, pk: int) -> Response:
        d = request.data
        decision = actions.check_decide(
            request.user,
            pk,
            text=str(d.get("text", "")),
            follow_up=str(d.get("follow_up", "")),
            owner_id=d.get("owner"),
            due_on=d.get("due_on"),
            votes_for=d.get("votes_for", 0),
            votes_against=d.get("votes_against", 0),
            votes_abstain=d.get("votes_abstain", 0),
            item_id=d.get("item"),
        )
        return Response(
            {"id": decision.pk, "case": decision.case_id_ref, "project": decision.project_id_ref}, status=201
        )


class CompoundCasesView(APIView):
    @extend_schema(summary="小区物业类事件（联席会成员可见）", responses=LIST)
    def get(self, request: Request, pk: int) -> Response:
        return Response({"results": queries.compound_cases(request.user, pk)})


class FiguresView(APIView):
    @extend_schema(
        summary="党建引领指标（本人范围内）",
        responses=_doc(
            "PartyFigures",
            members=serializers.IntegerField(),
            registered=serializers.IntegerField(),
            service_hours=serializers.CharField(),
            commitments_delivered=serializers.IntegerField(),
            wishes_fulfilled=serializers.IntegerField(),
            decisions_done=serializers.IntegerField(),
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(figures(request.user, str(request.query_params.get("division", ""))))
