"""REST for the portal (``/api/v1/community/…``): the same actions as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.community import actions, ledger
from jiceng.community.models import Booking, Measure, PortalRequest


def _request_json(item: PortalRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "text": item.text,
        "category": item.category,
        "status": item.status,
        "case": item.case_code,
        "to_secretary": item.to_secretary,
        "rating": item.rating,
        "created_at": item.created_at.isoformat(),
    }


def _booking_json(item: Booking) -> dict[str, Any]:
    return {
        "id": item.pk,
        "venue": item.slot.venue.name,
        "starts_at": item.slot.starts_at.isoformat(),
        "status": item.status,
        "checkin_code": item.checkin_code,
    }


class MeView(APIView):
    @extend_schema(responses=inline_serializer("CommunityMe", {"community": serializers.CharField()}))
    def get(self, request: Request) -> Response:
        profile = actions.require_resident(request.user, confirmed=False)
        account = ledger.resident_account(profile.community, request.user)
        balances = ledger.balances(account)
        return Response(
            {
                "community": profile.community.code,
                "community_name": profile.community.name,
                "status": profile.status,
                "hours": str(balances[Measure.HOURS]),
                "points": str(balances[Measure.POINTS]),
            }
        )


class RequestsView(APIView):
    @extend_schema(responses=inline_serializer("PortalRequestList", {"results": serializers.ListField()}))
    def get(self, request: Request) -> Response:
        return Response({"results": [_request_json(r) for r in actions.my_requests(request.user)[:100]]})

    @extend_schema(
        request=inline_serializer(
            "PortalRequestCreate",
            {
                "text": serializers.CharField(),
                "grid": serializers.CharField(required=False),
                "use_my_room": serializers.BooleanField(required=False),
                "to_secretary": serializers.BooleanField(required=False),
                "idempotency_key": serializers.CharField(required=False),
                "lat": serializers.FloatField(
                    required=False, help_text="地图图钉（WGS-84），与 lng 同时提供"
                ),
                "lng": serializers.FloatField(required=False),
                "type": serializers.CharField(required=False, help_text="居民选择的事项代码"),
            },
        ),
        responses=inline_serializer("PortalRequest", {"id": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        data = request.data
        pinned = data.get("lat") not in (None, "") and data.get("lng") not in (None, "")
        item = actions.check_submit_request(
            actions.Actor(request.user),
            str(data.get("text", "")),
            grid_code=str(data.get("grid", "")),
            use_my_room=bool(data.get("use_my_room")),
            to_secretary=bool(data.get("to_secretary")),
            idempotency_key=str(data.get("idempotency_key", "")),
            lat=data.get("lat") if pinned else None,
            lng=data.get("lng") if pinned else None,
            type_code=str(data.get("type", "")),
            pinned=pinned and not data.get("use_my_room"),
        )
        return Response(_request_json(item), status=201)


class BookingsView(APIView):
    @extend_schema(responses=inline_serializer("BookingList", {"results": serializers.ListField()}))
    def get(self, request: Request) -> Response:
        return Response({"results": [_booking_json(b) for b in actions.my_bookings(request.user)[:100]]})


class BookSlotView(APIView):
    @extend_schema(request=None, responses=inline_serializer("Booking", {"id": serializers.IntegerField()}))
    def post(self, request: Request, pk: int) -> Response:
        booking = actions.check_book_slot(actions.Actor(request.user), pk)
        return Response(_booking_json(booking), status=201)


class RedeemView(APIView):
    @extend_schema(
        request=inline_serializer(
            "RedeemRequest", {"idempotency_key": serializers.CharField(required=False)}
        ),
        responses=inline_serializer("Redemption", {"code": serializers.CharField()}),
    )
    def post(self, request: Request, pk: int) -> Response:
        redemption = actions.check_redeem(
            actions.Actor(request.user), pk, str(request.data.get("idempotency_key", ""))
        )
        return Response(
            {"id": redemption.pk, "code": redemption.code, "reward": redemption.reward.name}, status=201
        )
