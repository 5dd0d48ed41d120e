"""REST API of triage, for staff: suggestions, sensitive flags, reply quality and hot topics."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.params import parse_moment
from jiceng.org.drf import IsStaff
from jiceng.triage import service
from jiceng.triage.hot import Message, hot_topics
from jiceng.triage.replies import score_reply
from jiceng.triage.sensitive import detect


class SuggestIn(serializers.Serializer):
    text = serializers.CharField(max_length=20000)
    lng = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    channel = serializers.CharField(required=False, allow_blank=True, default="")


class FlagsIn(serializers.Serializer):
    text = serializers.CharField(max_length=20000)


class ReplyIn(serializers.Serializer):
    message = serializers.CharField(max_length=20000)
    reply = serializers.CharField(max_length=20000, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    message_time = serializers.DateTimeField(required=False, allow_null=True)
    reply_time = serializers.DateTimeField(required=False, allow_null=True)
    limit_days = serializers.FloatField(required=False, default=15.0, min_value=0.5)


class ScoredCode(serializers.Serializer):
    code = serializers.CharField()
    confidence = serializers.FloatField()


class FlagOut(serializers.Serializer):
    kind = serializers.CharField(help_text="life / violence / group / safety / media / minor")
    reason = serializers.CharField(help_text="为何标记：命中的短语与规则，或模型依据的字串")
    phrase = serializers.CharField(allow_blank=True)
    rule = serializers.CharField(allow_blank=True, help_text="规则名；learned = 学习模型")
    score = serializers.FloatField()


class DuplicateOut(serializers.Serializer):
    case_id = serializers.IntegerField()
    similarity = serializers.FloatField()


class SuggestOut(serializers.Serializer):
    types = ScoredCode(many=True, help_text="事项类型，按置信度排序")
    units = ScoredCode(many=True, help_text="承办单位，按置信度排序")
    flags = FlagOut(many=True)
    sensitive = serializers.BooleanField()
    duplicates = DuplicateOut(many=True)
    auto_dispatch = serializers.BooleanField(help_text="置信度达到阈值且非敏感诉求时为真")
    threshold = serializers.FloatField(allow_null=True)
    model = serializers.CharField(allow_blank=True)


class FlagsOut(serializers.Serializer):
    sensitive = serializers.BooleanField()
    flags = FlagOut(many=True)


class ReplyQualityOut(serializers.Serializer):
    relevance = serializers.FloatField()
    completeness = serializers.FloatField()
    timeliness = serializers.FloatField(allow_null=True)
    interpretability = serializers.FloatField()
    overall = serializers.FloatField()
    reply_days = serializers.FloatField(allow_null=True)


class HotTopicOut(serializers.Serializer):
    heat = serializers.FloatField()
    count = serializers.IntegerField()
    votes = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    message_ids = serializers.ListField(child=serializers.JSONField(), help_text="诉求编号，按时间排序")


class HotTopicsOut(serializers.Serializer):
    results = HotTopicOut(many=True)


class SuggestView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        summary="分拨建议：事项类型、承办单位、置信度、敏感标记、疑似重复",
        request=SuggestIn,
        responses=SuggestOut,
    )
    def post(self, request: Request) -> Response:
        data = SuggestIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        location = {"lng": v.get("lng"), "lat": v.get("lat")} if v.get("lng") is not None else None
        return Response(service.suggest(v["text"], location, v.get("channel") or None).as_dict())


class FlagsView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(summary="敏感诉求标记及原因", request=FlagsIn, responses=FlagsOut)
    def post(self, request: Request) -> Response:
        data = FlagsIn(data=request.data)
        data.is_valid(raise_exception=True)
        flags = detect(data.validated_data["text"])
        return Response({"sensitive": bool(flags), "flags": [f.as_dict() for f in flags]})


class ReplyQualityView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        summary="答复质量：相关性、完整性、及时性、可解释性", request=ReplyIn, responses=ReplyQualityOut
    )
    def post(self, request: Request) -> Response:
        data = ReplyIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = score_reply(
            v["message"], v["reply"], v.get("message_time"), v.get("reply_time"), v["title"], v["limit_days"]
        )
        return Response(result.as_dict())


class HotTopicsView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        summary="热点：同一地点、同一时期、同一事项的诉求群（前 N 个）",
        parameters=[
            OpenApiParameter("top", int, description="返回前 N 个，默认 5"),
            OpenApiParameter("days", int, description="同一时期的最长间隔（天），默认 60"),
            OpenApiParameter("since", str, description="只看此时间以后的诉求（ISO 8601）"),
        ],
        responses=HotTopicsOut,
    )
    def get(self, request: Request) -> Response:
        try:
            top = max(1, min(int(request.query_params.get("top", 5)), 50))
            days = max(1, min(int(request.query_params.get("days", 60)), 365))
        except ValueError:
            top, days = 5, 60
        since_text = request.query_params.get("since", "") or ""
        since = parse_moment(since_text, "since") if since_text else None
        messages = [
            Message(**m) if isinstance(m, dict) else m for m in service.recent_messages(request.user, since)
        ]
        topics = hot_topics(messages, top=top, period=timedelta(days=days))
        return Response({"results": [t.as_dict() for t in topics]})
