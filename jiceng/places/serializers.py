"""REST representations of divisions, grids, buildings and rooms. Codes are the identifiers."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiceng.places.models import Building, Division, Grid, Room


class DivisionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "level_display", "parent_code"]


class GridSerializer(serializers.ModelSerializer):
    community_code = serializers.CharField(source="community.code", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    center = serializers.SerializerMethodField()
    bbox = serializers.SerializerMethodField()

    class Meta:
        model = Grid
        fields = ["code", "name", "community_code", "community_name", "center", "bbox"]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"lng": {"type": "number"}, "lat": {"type": "number"}},
        }
    )
    def get_center(self, obj: Grid) -> dict[str, float] | None:
        if obj.center_lng is None or obj.center_lat is None:
            return None
        return {"lng": obj.center_lng, "lat": obj.center_lat}

    @extend_schema_field(
        {
            "type": "array",
            "nullable": True,
            "items": {"type": "number"},
            "description": "[min_lng, min_lat, max_lng, max_lat]",
        }
    )
    def get_bbox(self, obj: Grid) -> list[float] | None:
        box = [obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat]
        return None if any(v is None for v in box) else box  # type: ignore[return-value]


class GridDetailSerializer(GridSerializer):
    polygon = serializers.SerializerMethodField()

    class Meta(GridSerializer.Meta):
        fields = [*GridSerializer.Meta.fields, "polygon"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_polygon(self, obj: Grid) -> Any:
        """The boundary as a GeoJSON geometry (WGS-84)."""
        if not obj.polygon:
            return None
        try:
            return json.loads(obj.polygon)
        except ValueError:
            return None


class BuildingSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Building
        fields = ["code", "address", "grid_code", "lat", "lng", "floors", "kind", "kind_display"]


class BuildingDetailSerializer(BuildingSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    community_code = serializers.CharField(source="grid.community.code", read_only=True)
    community_name = serializers.CharField(source="grid.community.name", read_only=True)
    room_count = serializers.IntegerField(read_only=True)

    class Meta(BuildingSerializer.Meta):
        fields = [
            *BuildingSerializer.Meta.fields,
            "grid_name",
            "community_code",
            "community_name",
            "room_count",
        ]


class RoomSerializer(serializers.ModelSerializer):
    building_code = serializers.CharField(source="building.code", read_only=True)
    address = serializers.CharField(source="building.address", read_only=True)
    use_display = serializers.CharField(source="get_use_display", read_only=True)

    class Meta:
        model = Room
        fields = ["code", "room_no", "floor", "area_m2", "use", "use_display", "building_code", "address"]


class LocateResultSerializer(serializers.Serializer):
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    grid = GridSerializer()
