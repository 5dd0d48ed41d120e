"""State changes of the address library that are not bulk imports."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiceng.lib import codes
from jiceng.lib.codes import CodeKind
from jiceng.places.exceptions import CodeChangeError
from jiceng.places.models import Building, CodeHistory, Division, Grid, Room

MODEL_KIND = {Grid: CodeKind.GRID, Building: CodeKind.BUILDING, Room: CodeKind.ROOM}
CHILDREN = {Division: (Division, Grid, Building, Room), Grid: (Building, Room), Building: (Room,)}


def _kind(obj: Division | Grid | Building | Room) -> CodeKind:
    if isinstance(obj, Division):
        return CodeKind(obj.level)
    return MODEL_KIND[type(obj)]


def check_change_code(obj: Division | Grid | Building | Room, new_code: str, reason: str = "") -> int:
    """Validate a code change (same kind, same parent, not taken), then make it."""
    new_code = (new_code or "").strip()
    kind = _kind(obj)
    old_code = obj.code
    if new_code == old_code:
        return 0
    try:
        parsed = codes.parse(new_code, kind)
    except codes.CodeError as exc:
        raise CodeChangeError(str(exc))
    if parsed.parent != codes.parse(old_code).parent:
        raise CodeChangeError(f"新编码 {new_code} 与原编码 {old_code} 的上级不同；改变隶属关系请重新导入")
    if type(obj).objects.filter(code=new_code).exists():
        raise CodeChangeError(f"编码 {new_code} 已被占用")
    return do_change_code(obj, new_code, reason)


@transaction.atomic
def do_change_code(obj: Division | Grid | Building | Room, new_code: str, reason: str = "") -> int:
    """Give ``obj`` a new code and rewrite the codes under it; every change goes to CodeHistory so an old
    printed code still resolves. Returns the number of codes changed.
    """
    old_code = obj.code
    type(obj).objects.filter(pk=obj.pk).update(code=new_code)
    obj.code = new_code
    history = [
        CodeHistory(kind=_kind(obj), object_id=obj.pk, old_code=old_code, new_code=new_code, reason=reason)
    ]
    for model in CHILDREN.get(type(obj), ()):
        low, high = codes.prefix_range(old_code)
        query: Any = model.objects.filter(code__gte=low)
        if high is not None:
            query = query.filter(code__lt=high)
        if model is type(obj):
            query = query.exclude(pk=obj.pk)
        changed: list[Any] = []
        for child in query.iterator(5000):
            child_new = new_code + child.code[len(old_code) :]
            history.append(
                CodeHistory(
                    kind=_kind(child),
                    object_id=child.pk,
                    old_code=child.code,
                    new_code=child_new,
                    reason=reason,
                )
            )
            child.code = child_new
            changed.append(child)
        manager: Any = model.objects
        manager.bulk_update(changed, ["code"], batch_size=2000)
    CodeHistory.objects.bulk_create(history, batch_size=2000)
    if isinstance(obj, Grid):
        from jiceng.places import geo

        geo.invalidate()
    return len(history)


def resolve_code(code: str) -> str:
    """The current code for ``code``, following the history of renumberings (unchanged if none)."""
    seen = set()
    while code not in seen:
        seen.add(code)
        newer = CodeHistory.objects.filter(old_code=code).order_by("-changed_at", "-id").first()
        if newer is None:
            return code
        code = newer.new_code
    return code
