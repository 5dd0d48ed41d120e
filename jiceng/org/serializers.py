from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiceng.org.models import DutyShift, Membership, Unit


class PostSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    unit_code = serializers.CharField(source="unit.code", default=None, read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True, allow_null=True)
    division_code = serializers.CharField(
        source="division.code", default=None, read_only=True, allow_null=True
    )
    grid_codes = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["role", "role_display", "unit_code", "unit_name", "division_code", "grid_codes"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_grid_codes(self, obj: Membership) -> list[str]:
        return [g.code for g in obj.grids.all()]  # prefetched by the callers


class PersonSerializer(serializers.Serializer):
    """A person as the viewer may see them: ``phone`` and ``id_number`` are masked unless
    ``masked`` is false, in which case the read was written to the access log."""

    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(help_text="账号（遮蔽时，旧的手机号账号名也遮蔽）")
    display_name = serializers.CharField(source="name", help_text="姓名（居民的姓名按角色遮蔽）")
    phone = serializers.CharField()
    id_number = serializers.CharField()
    masked = serializers.SerializerMethodField()
    posts = PostSerializer(many=True)

    def get_masked(self, obj: Any) -> bool:
        return bool(self.context.get("masked", True))


class ScopeSerializer(serializers.Serializer):
    prefixes = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    scope = serializers.ListField(child=serializers.CharField(), help_text="可见范围的编码前缀")
    may_see_personal_data = serializers.BooleanField()
    posts = PostSerializer(many=True)


class UnitSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    division_code = serializers.CharField(source="division.code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "kind",
            "kind_name",
            "level",
            "division_code",
            "division_name",
            "parent_code",
            "phone",
        ]


class UnitDetailSerializer(UnitSerializer):
    jurisdiction: serializers.Field = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "jurisdiction"]


class ShiftSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    substitute_name = serializers.CharField(
        source="substitute.display_name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = DutyShift
        fields = ["id", "title", "starts_at", "ends_at", "user", "user_name", "substitute", "substitute_name"]


class GapSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class RosterSerializer(serializers.Serializer):
    unit = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    on_duty = serializers.CharField(allow_null=True, help_text="此刻值班人姓名（有替班人时为替班人）")
    shifts = ShiftSerializer(many=True)
    gaps = GapSerializer(many=True)
