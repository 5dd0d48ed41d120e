"""The unified address library (统一地址库): divisions, grids, buildings and rooms.

Codes are what people type and print; rows keep a surrogate key because grids get redrawn and codes
change. Every code change is kept in ``CodeHistory`` so an old printed code still resolves.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.lib import codes


class Level(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


LEVEL_CODE_KIND = {
    Level.DISTRICT: codes.CodeKind.DISTRICT,
    Level.STREET: codes.CodeKind.STREET,
    Level.COMMUNITY: codes.CodeKind.COMMUNITY,
}
LEVEL_ORDER = {Level.DISTRICT: 0, Level.STREET: 1, Level.COMMUNITY: 2}


class Division(models.Model):
    code = models.CharField(_("统计编码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Grid(models.Model):
    code = models.CharField(_("网格编码"), max_length=14, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    community = models.ForeignKey(
        Division, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="grids"
    )
    # GeoJSON Polygon/MultiPolygon geometry in WGS-84 (lng, lat). The bounding box columns let SQL
    # pre-filter without a spatial extension; exact tests run in shapely (see places.geo).
    polygon = models.TextField(_("边界（GeoJSON）"), blank=True)
    min_lng = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    center_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    # Part of the point-lookup cache key (places.geo), so a redrawn polygon is noticed by every process.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class BuildingKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    URBAN_VILLAGE = "urban_village", _("城中村")
    COMMERCIAL = "commercial", _("商业")
    INDUSTRIAL = "industrial", _("工业")
    PUBLIC = "public", _("公共")


class Building(models.Model):
    code = models.CharField(_("楼栋编码"), max_length=19, unique=True)
    grid = models.ForeignKey(
        Grid, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="buildings"
    )
    address = models.CharField(_("地址"), max_length=200)
    # Normalised address (see places.addresses.normalise): the key for exact address lookup.
    address_key = models.CharField(max_length=200, db_index=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    kind = models.CharField(
        _("类型"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL
    )

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.address}（{self.code}）"


class RoomUse(models.TextChoices):
    RESIDENCE = "residence", _("居住")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")
    FACTORY = "factory", _("厂房")
    WAREHOUSE = "warehouse", _("仓储")
    PUBLIC = "public", _("公共用房")
    OTHER = "other", _("其他")


class Room(models.Model):
    code = models.CharField(_("房屋编码"), max_length=25, unique=True)
    building = models.ForeignKey(
        Building, verbose_name=_("所属楼栋"), on_delete=models.PROTECT, related_name="rooms"
    )
    room_no = models.CharField(_("房号"), max_length=16)
    floor = models.SmallIntegerField(_("楼层"), default=1)
    area_m2 = models.DecimalField(_("面积（㎡）"), max_digits=9, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=16, choices=RoomUse.choices, default=RoomUse.RESIDENCE)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["code"]
        # Enforced by the database so that bulk loads (COPY) are checked row by row for free.
        constraints = [
            models.CheckConstraint(condition=models.Q(use__in=RoomUse.values), name="places_room_use_known"),
            models.CheckConstraint(
                condition=models.Q(floor__gte=-20, floor__lte=300), name="places_room_floor_range"
            ),
            models.CheckConstraint(condition=~models.Q(room_no=""), name="places_room_room_no_set"),
            models.CheckConstraint(
                condition=models.Q(area_m2__isnull=True) | models.Q(area_m2__gte=0),
                name="places_room_area_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_no}（{self.code}）"


class CodeHistory(models.Model):
    """Every code an object has had, so an old printed code still resolves after a redraw."""

    kind = models.CharField(
        _("类型"), max_length=16, choices=[(k.value, codes.LABELS[k]) for k in codes.CodeKind]
    )
    object_id = models.BigIntegerField()
    old_code = models.CharField(_("原编码"), max_length=25, db_index=True)
    new_code = models.CharField(_("新编码"), max_length=25)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("编码变更记录")
        verbose_name_plural = _("编码变更记录")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}"


# Bumped on every saved or deleted grid in this process; places.geo rebuilds its polygon index when it
# changes (other processes' changes are caught by geo's periodic version query).
grid_generation = [0]


def _grid_changed(**kwargs: object) -> None:
    grid_generation[0] += 1


models.signals.post_save.connect(_grid_changed, sender=Grid, dispatch_uid="places_grid_saved")
models.signals.post_delete.connect(_grid_changed, sender=Grid, dispatch_uid="places_grid_deleted")
