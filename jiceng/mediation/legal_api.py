"""REST API of legal services (under /api/v1/mediation/legal/): questions, consultation slots, legal aid.
A resident reads only their own questions and applications; anything else answers 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.mediation import legal
from jiceng.mediation.models import ConsultSlot, LegalAidApplication, LegalQuestion


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalQuestion
        fields = ["id", "community_code", "question", "answer", "created_at", "answered_at"]


class AskSerializer(serializers.Serializer):
    question = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)


class SlotSerializer(serializers.ModelSerializer):
    adviser = serializers.CharField(source="adviser.__str__")
    booked = serializers.SerializerMethodField()

    class Meta:
        model = ConsultSlot
        fields = ["id", "community_code", "starts_at", "ends_at", "place", "adviser", "booked"]

    def get_booked(self, obj: ConsultSlot) -> bool:
        return obj.booked_by_id is not None


class SlotInSerializer(serializers.Serializer):
    community_code = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, default="")


class BookSerializer(serializers.Serializer):
    topic = serializers.CharField(allow_blank=True)


class AidSerializer(serializers.ModelSerializer):
    documents = serializers.SerializerMethodField()

    class Meta:
        model = LegalAidApplication
        fields = [
            "id",
            "community_code",
            "case_type",
            "monthly_income",
            "household_size",
            "facts",
            "eligible",
            "eligibility_notes",
            "status",
            "reason",
            "created_at",
            "decided_at",
            "documents",
        ]

    def get_documents(self, obj: LegalAidApplication) -> list[str]:
        return [d.name for d in obj.documents.all()]


class AidInSerializer(serializers.Serializer):
    case_type = serializers.ChoiceField(choices=list(legal.AID_TYPES))
    monthly_income = serializers.DecimalField(max_digits=10, decimal_places=2)
    household_size = serializers.IntegerField(min_value=1)
    facts = serializers.CharField()
    documents = serializers.ListField(child=serializers.FileField(), required=False)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class QuestionListView(APIView):
    @extend_schema(
        responses=QuestionSerializer(many=True), summary="法律咨询（居民：本人的；法律顾问：所辖社区的）"
    )
    def get(self, request: Request) -> Response:
        return Response(QuestionSerializer(legal.visible_questions(request.user)[:200], many=True).data)

    @extend_schema(request=AskSerializer, responses={201: QuestionSerializer}, summary="提出法律咨询")
    def post(self, request: Request) -> Response:
        form = AskSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        question = legal.check_ask(request.user, form.validated_data["question"])
        return Response(QuestionSerializer(question).data, status=201)


class AnswerView(APIView):
    @extend_schema(request=AnswerSerializer, responses=QuestionSerializer, summary="法律顾问解答")
    def post(self, request: Request, question_id: int) -> Response:
        question = legal.access_question(request.user, question_id)
        form = AnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        legal.check_answer(request.user, question, form.validated_data["answer"])
        question.refresh_from_db()
        return Response(QuestionSerializer(question).data)


class SlotListView(APIView):
    @extend_schema(responses=SlotSerializer(many=True), summary="可预约的咨询时段（本社区）")
    def get(self, request: Request) -> Response:
        return Response(SlotSerializer(legal.open_slots(request.user), many=True).data)

    @extend_schema(request=SlotInSerializer, responses={201: SlotSerializer}, summary="法律顾问开放预约时段")
    def post(self, request: Request) -> Response:
        form = SlotInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        slot = legal.check_add_slot(
            request.user, d["community_code"], d["starts_at"], d["ends_at"], d["place"]
        )
        return Response(SlotSerializer(slot).data, status=201)


class BookView(APIView):
    @extend_schema(request=BookSerializer, responses=SlotSerializer, summary="预约咨询时段")
    def post(self, request: Request, slot_id: int) -> Response:
        form = BookSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        slot = legal.check_book(request.user, slot_id, form.validated_data["topic"])
        return Response(SlotSerializer(slot).data)


class AidListView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        responses=AidSerializer(many=True), summary="法律援助申请（居民：本人的；司法所：所辖社区的）"
    )
    def get(self, request: Request) -> Response:
        return Response(AidSerializer(legal.visible_aid(request.user)[:200], many=True).data)

    @extend_schema(
        request={"multipart/form-data": AidInSerializer},
        responses={201: AidSerializer},
        summary="申请法律援助（自动初审经济状况与事项范围）",
    )
    def post(self, request: Request) -> Response:
        form = AidInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        files = request.FILES.getlist("documents") if hasattr(request, "FILES") else []
        application = legal.check_apply_aid(
            request.user, d["case_type"], d["monthly_income"], d["household_size"], d["facts"], files
        )
        return Response(AidSerializer(application).data, status=201)


class AidDetailView(APIView):
    @extend_schema(responses=AidSerializer, summary="法律援助申请详情")
    def get(self, request: Request, aid_id: int) -> Response:
        return Response(AidSerializer(legal.access_aid(request.user, aid_id)).data)


class AidDecideView(APIView):
    @extend_schema(
        request=DecideSerializer, responses=AidSerializer, summary="司法所决定法律援助申请（须说明理由）"
    )
    def post(self, request: Request, aid_id: int) -> Response:
        application = legal.access_aid(request.user, aid_id)
        form = DecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        legal.check_decide_aid(
            request.user, application, form.validated_data["approve"], form.validated_data["reason"]
        )
        application.refresh_from_db()
        return Response(AidSerializer(application).data)
