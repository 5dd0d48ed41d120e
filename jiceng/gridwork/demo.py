"""``jiceng demo``: grid work for the demo grid worker's grid, through the real actions — a patrol plan
override, two weeks of patrols (checks, a finding that became a case), a submitted door-to-door
collection and a draft left half done, a small venue inspected with hazards (one rectified, one overdue
and turned into a case), a rental check, three key persons with visits (one overdue), and a case
assigned to the grid worker by rule. Runs after places, org, registry and cases; a second run skips."""

from __future__ import annotations

import base64
import datetime as dt
import struct
import zlib
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiceng.core.plugins import DemoLogin
from jiceng.gridwork.models import BuildingCheck, Patrol
from jiceng.org.models import Membership, Role, User
from jiceng.places.models import Building, Room


def _png(width: int, height: int, ink: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(
        b"\x00" + bytes(0 if (x * 7 + y * 13 + ink) % 11 == 0 else 255 for x in range(width * 3))
        for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _signature(ink: int = 1) -> str:
    return "data:image/png;base64," + base64.b64encode(_png(160, 60, ink)).decode()


def _photos(angles: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        a: SimpleUploadedFile(f"{a}.png", _png(16, 12, i), "image/png") for i, (a, _l) in enumerate(angles)
    }


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    from jiceng.gridwork import actions, collection, inspections, keypersons

    if Patrol.objects.exists():
        out.write("网格工作演示：已有数据，跳过。\n")
        return []
    post = (
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True, user__username="gridworker")
        .select_related("user", "unit")
        .first()
    )
    grid = post.grids.first() if post is not None else None
    if post is None or grid is None:
        out.write("网格工作演示：未找到演示网格员，已跳过。\n")
        return []
    worker = post.user
    buildings = list(Building.objects.filter(grid=grid).order_by("code")[:12])
    rooms = list(Room.objects.filter(building__in=buildings).order_by("code")[:6])
    if not buildings or not rooms:
        out.write("网格工作演示：演示网格内没有楼栋，已跳过。\n")
        return []
    staff = User.objects.filter(username="community_staff").first()
    if staff is not None:
        actions.check_set_plan(staff, grid.code, "urban_village", 7)

    # Two weeks of patrols: most buildings checked, one finding reported as a case.
    now = timezone.now()
    for day in range(14, 0, -2):
        started = now - dt.timedelta(days=day, hours=-1)
        walk = f"demo-p-{day}"
        actions.check_start_patrol(worker, client_id=walk, grid_code=grid.code, at=started)
        actions.check_add_point(
            worker,
            client_id=f"{walk}-pt",
            patrol=walk,
            lat=grid.center_lat or 22.55,
            lng=grid.center_lng or 113.88,
            at=started,
        )
        for i, building in enumerate(buildings):
            if (i + day) % 3 == 0:
                continue  # some buildings missed: coverage shows them
            actions.check_check_building(
                worker,
                client_id=f"{walk}-c{i}",
                patrol=walk,
                building_code=building.code,
                items={"XF-01": "ok", "SR-01": "ok"},
                at=started + dt.timedelta(minutes=5 * i),
            )
        if day == 4:
            actions.check_report_finding(
                worker,
                client_id=f"{walk}-f",
                patrol=walk,
                item_code="XF-03",
                building_code=buildings[0].code,
                description="一楼楼道内有三辆电动自行车充电",
                at=started + dt.timedelta(minutes=3),
            )
        actions.check_stop_patrol(worker, patrol=walk, at=started + dt.timedelta(hours=2))

    # Door-to-door collection: one submitted, one draft left with an invalid number.
    from jiceng.lib.identity import make_resident_id

    done = collection.check_start_draft(worker, "person", rooms[0].code)
    collection.check_submit_draft(
        worker,
        done.pk,
        {
            "name": "陈演示",
            "id_number": make_resident_id("440306", dt.date(1988, 8, 8), 57),
            "phone": "13900001111",
            "sex": "男",
            "household_type": "非本市户籍",
            "relation": "租户",
            "occupation": "快递员",
        },
    )
    draft = collection.check_start_draft(worker, "house", rooms[0].code)
    collection.check_save_draft(
        worker, draft.pk, {"owner_name": "李业主", "owner_id_number": "4403061970", "use": "出租"}
    )

    # A small venue: first inspection with two hazards, one rectified on re-inspection, one overdue.
    d = inspections.data()
    shop = inspections.check_register_venue(
        worker,
        name="演示便利店",
        kind="small_shop",
        location_code=rooms[0].code,
        owner_name="黄老板",
        owner_phone="13800002222",
    )
    first_at = now - dt.timedelta(days=10)
    answers = {i["code"]: "ok" for i in d["venue_items"]}
    inspections.check_inspect_venue(
        worker,
        shop.pk,
        results={**answers, "V03": "hazard", "V05": "hazard"},
        notes={"V03": "后门堆放纸箱", "V05": "收银台电线裸露"},
        photos=_photos(d["photo_set"]),
        signature=_signature(1),
        signer_name="黄老板",
        at=first_at,
    )
    inspections.check_inspect_venue(
        worker,
        shop.pk,
        results={**answers, "V05": "hazard"},
        photos=_photos(d["photo_set"]),
        signature=_signature(2),
        signer_name="黄老板",
        at=now - dt.timedelta(days=8),
    )
    overdue = inspections.sweep_overdue()
    inspections.check_inspect_rental(
        worker,
        kind="rental",
        room_code=rooms[-1].code,
        tenants=[{"name": "陈演示", "id_number": make_resident_id("440306", dt.date(1988, 8, 8), 57)}],
        checks={"people": "ok", "papers": "ok", "hazards": "ok"},
        notices={code: True for code, _l in d["notices"]},
        signature=_signature(3),
        letter_signature=_signature(4),
        signer_name="房东王",
    )

    # Key persons under the community staff member and the handler (standing in for the officer).
    officer = User.objects.filter(username="handler").first() or worker
    cadre = staff or worker
    kinds = ["elderly_alone", "correction", "mental"]
    for n, kind in enumerate(kinds):
        person = keypersons.register(
            None,
            kind=kind,
            name=["孙奶奶", "马某某", "周某"][n],
            id_number=make_resident_id("440306", dt.date(1950 + n * 15, 3, 3), 60 + n),
            phone="",
            room=rooms[n % len(rooms)],
            cadre=cadre,
            officer=officer,
            source="演示导入",
            since=timezone.localdate() - dt.timedelta(days=40),
        )
        if n != 1:
            keypersons.check_record_visit(
                cadre, person.pk, mode="home", situation="入户走访，情况稳定", risk="low"
            )
    alerted = keypersons.sweep_overdue_visits()

    # A case assigned to the grid worker by rule.
    from jiceng.cases import actions as case_actions
    from jiceng.cases import assignment

    dispatcher = User.objects.filter(username="xinan_dispatcher").first()
    assigned = 0
    if dispatcher is not None:
        case = case_actions.check_submit_case(
            worker,
            description="小区东门路灯不亮",
            type_code="SZ04",
            location_code=buildings[-1].code,
            auto_dispatch=False,
        )
        try:
            case = case_actions.check_dispatch(dispatcher, case.pk, unit=post.unit)
            assignment.check_assign(dispatcher, case.pk, by_rule=True)
            assigned = 1
        except Exception as exc:  # noqa: BLE001 — the demo goes on without this one case
            out.write(f"网格工作演示：分派到人未完成（{exc}）\n")
    out.write(
        f"网格工作演示：巡查 {Patrol.objects.count()} 次、楼栋检查 {BuildingCheck.objects.count()} 次，"
        f"入户采集 2 份，场所检查 3 次（逾期转事件 {overdue} 件），重点人员 3 人（走访逾期提醒 {alerted} 人），"
        f"分派到人 {assigned} 件。\n"
    )
    return []
