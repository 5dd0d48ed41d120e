"""REST for the inbox and preferences (``/api/v1/notify/…``): the same actions as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.notify import actions
from jiceng.notify.links import absolute_url
from jiceng.notify.models import InboxMessage, Preference


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    link = serializers.CharField(help_text="绝对地址（JICENG_BASE_URL）")
    urgent = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class PreferenceSerializer(serializers.Serializer):
    sms = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    wechat = serializers.BooleanField(required=False)
    wechat_openid = serializers.CharField(required=False, allow_blank=True, max_length=64)
    quiet_start = serializers.CharField(required=False, help_text="HH:MM，默认 22:00")
    quiet_end = serializers.CharField(required=False, help_text="HH:MM，默认 07:00")


def _message(item: InboxMessage) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "text": item.text,
        "link": absolute_url(item.link),
        "urgent": item.urgent,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


def _prefs(prefs: Preference) -> dict[str, Any]:
    return {
        "sms": prefs.sms,
        "email": prefs.email,
        "wechat": prefs.wechat,
        "wechat_openid": prefs.wechat_openid,
        "quiet_start": prefs.quiet_start.strftime("%H:%M"),
        "quiet_end": prefs.quiet_end.strftime("%H:%M"),
    }


class MessagesView(APIView):
    @extend_schema(
        summary="我的站内消息（最新在前，最多 100 条）",
        parameters=[OpenApiParameter("unread", bool, description="只列未读")],
        responses=inline_serializer(
            "InboxList", {"unread": serializers.IntegerField(), "results": MessageSerializer(many=True)}
        ),
    )
    def get(self, request: Request) -> Response:
        unread_only = str(request.query_params.get("unread", "")).lower() in {"1", "true"}
        items = actions.messages_of(request.user, unread=unread_only)[:100]
        return Response(
            {"unread": actions.unread_count(request.user), "results": [_message(m) for m in items]}
        )


class UnreadView(APIView):
    @extend_schema(
        summary="未读消息数",
        responses=inline_serializer("InboxUnread", {"unread": serializers.IntegerField()}),
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": actions.unread_count(request.user)})


class ReadView(APIView):
    @extend_schema(summary="标为已读", request=None, responses=MessageSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return Response(_message(actions.check_mark_read(request.user, pk)))


class ReadAllView(APIView):
    @extend_schema(
        summary="全部标为已读",
        request=None,
        responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": actions.check_mark_all_read(request.user)})


class PreferencesView(APIView):
    @extend_schema(summary="我的通知设置", responses=PreferenceSerializer)
    def get(self, request: Request) -> Response:
        return Response(_prefs(actions.preferences_of(request.user)))

    @extend_schema(
        summary="修改通知设置（渠道开关、免打扰时段）",
        request=PreferenceSerializer,
        responses=PreferenceSerializer,
    )
    def put(self, request: Request) -> Response:
        return Response(_prefs(actions.check_set_preferences(request.user, dict(request.data))))

    patch = put
