"""Demo cases: a few hundred cases over the last weeks, in every state, channel, category and street.

Every case is created and moved through the real actions (``do_*``) with explicit ``at`` moments,
replayed in time order with the SLA sweep run every few simulated hours, so warnings, overdue marks,
first-responder hand-overs, escalations, ratings and reopens all happen as they would in practice and
the trail verifies. Runs after the places and org demos (it needs grids and units); skips itself when
cases already exist.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable
from typing import TextIO

from django.db.models import Count
from django.utils import timezone

from jiceng.cases import actions, routing, sla
from jiceng.cases.intake import Located
from jiceng.cases.models import Case, Channel, EventType, Status
from jiceng.cases.triage_port import TriageResult, detect_sensitive, keyword_suggest
from jiceng.core.exceptions import JicengError
from jiceng.core.plugins import DemoLogin
from jiceng.org.models import Membership, Role, Unit, User
from jiceng.places.models import Building, Grid

SIZES = {"tiny": 40, "small": 260, "district": 1200}
DAYS = 42
SWEEP_EVERY = dt.timedelta(hours=6)
# Where a case ends up, with weights (the recent ones are still moving).
OUTCOMES = [
    ("closed", 34),
    ("awaiting_rating", 8),
    ("completed", 6),
    ("in_progress", 16),
    ("dispatched", 6),
    ("pending", 5),
    ("suspended", 3),
    ("merged", 3),
    ("invalid", 2),
    ("escalated", 6),
    ("reopened", 6),
    ("returned", 5),
    ("first_responder", 4),
]
STILL_OPEN = ("in_progress", "dispatched", "suspended", "escalated", "first_responder")
CHANNEL_WEIGHTS = [
    (Channel.PORTAL, 30),
    (Channel.HOTLINE, 30),
    (Channel.PATROL, 22),
    (Channel.SENSOR, 6),
    (Channel.MEDIATION, 4),
    (Channel.OPEN311, 4),
    (Channel.API, 4),
]
SENSITIVE_LINES = ["对方扬言要跳楼", "有人持刀在楼下", "工友们准备聚集讨薪", "闻到很重的燃气泄漏味道"]
OPENERS = ["", "您好，", "反映一个问题：", "网格巡查发现：", "居民来电反映：", "麻烦尽快处理，"]


class Demo:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.members: dict[int, User | None] = {}
        self.queue: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.counter = itertools.count()
        self.errors = 0

    def member(self, unit_id: int | None, roles: tuple[str, ...] = ()) -> User | None:
        """A person of the unit to sign the step (the trail shows who acted)."""
        if unit_id is None:
            return None
        key = unit_id * 10 + len(roles)
        if key not in self.members:
            qs = Membership.objects.filter(unit_id=unit_id, is_active=True).select_related("user")
            if roles:
                qs = qs.filter(role__in=roles)
            first = qs.order_by("pk").first()
            self.members[key] = first.user if first else None
        return self.members[key]

    def later(self, at: dt.datetime, step: Callable[[], None]) -> None:
        if at < self.now:
            heapq.heappush(self.queue, (at, next(self.counter), step))

    def run(self) -> None:
        checkpoint = self.queue[0][0] + SWEEP_EVERY if self.queue else self.now
        while self.queue:
            at, _n, step = heapq.heappop(self.queue)
            while at >= checkpoint:
                sla.sweep(now=checkpoint)
                checkpoint += SWEEP_EVERY
            try:
                step()
            except JicengError:
                # A step the case's history no longer allows (the first responder took it first…).
                self.errors += 1
        sla.sweep(now=self.now)


def _workhours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def plan_case(demo: Demo, case_id: int, outcome: str, t0: dt.datetime) -> None:
    rng = demo.rng

    def case() -> Case:
        return Case.objects.select_related("event_type").get(pk=case_id)

    def desk_user(c: Case) -> User | None:
        return demo.member(c.desk_unit_id, (Role.DISPATCHER, Role.COMMUNITY_STAFF))

    def dispatch() -> None:
        c = case()
        if c.status != Status.PENDING_DISPATCH or c.event_type is None:
            return
        unit = routing.route(c.event_type, c.grid_code, c.floor_level) or routing.desk_for(
            c.grid_code, c.level
        )
        if unit is not None:
            actions.do_dispatch(c, unit, actor=desk_user(c), at=at_dispatch)

    def accept(at: dt.datetime) -> Callable[[], None]:
        def step() -> None:
            c = case()
            if c.status == Status.DISPATCHED:
                actions.do_accept(c, actor=demo.member(c.lead_unit_id), at=at)

        return step

    def complete(at: dt.datetime, note: str = "已按要求处置完毕，现场已整改。") -> Callable[[], None]:
        def step() -> None:
            c = case()
            if c.status == Status.IN_PROGRESS:
                checklist = c.event_type.closing_conditions if c.event_type else []
                actions.do_complete(
                    c, note=note, checklist=checklist, actor=demo.member(c.lead_unit_id), at=at
                )

        return step

    def verify(at: dt.datetime) -> Callable[[], None]:
        def step() -> None:
            c = case()
            if c.status == Status.COMPLETED:
                actions.do_verify(c, note="现场核查属实", actor=desk_user(c), at=at)

        return step

    def rate(at: dt.datetime, score: int) -> Callable[[], None]:
        def step() -> None:
            c = case()
            if c.status == Status.AWAITING_RATING:
                actions.do_rate(
                    c,
                    score=score,
                    actor=c.reporter or desk_user(c),
                    callback=c.reporter_id is None,
                    at=at,
                    comment="满意" if score >= 3 else "问题没有解决",
                )
            elif c.status == Status.VERIFIED:
                actions.do_close(c, actor=desk_user(c), at=at)

        return step

    at_dispatch = t0 + _workhours(rng, 0.2, 1.5)
    at_accept = at_dispatch + _workhours(rng, 0.1, 2.5)
    late = rng.random() < 0.18
    at_complete = at_accept + (dt.timedelta(days=rng.uniform(4, 9)) if late else _workhours(rng, 2, 60))
    at_verify = at_complete + _workhours(rng, 1, 20)
    at_rate = at_verify + _workhours(rng, 1, 30)
    if outcome == "first_responder":
        # The desk lets the dispatch limit pass: the sweep hands the case to the first responder.
        taken = t0 + dt.timedelta(days=rng.uniform(1.2, 2))
        demo.later(taken, accept(taken))
        demo.later(taken + dt.timedelta(days=2), complete(taken + dt.timedelta(days=2)))
        demo.later(taken + dt.timedelta(days=2.2), verify(taken + dt.timedelta(days=2.2)))
        return
    demo.later(at_dispatch, dispatch)
    if outcome == "pending":
        return
    if outcome == "invalid":

        def invalidate() -> None:
            actions.do_invalidate(
                case(), reason="信息无效，无法核实", at=at_dispatch - dt.timedelta(minutes=5)
            )

        demo.later(at_dispatch - dt.timedelta(minutes=5), invalidate)
        return
    if outcome == "merged":

        def merge() -> None:
            c = case()
            other = (
                Case.objects.filter(grid_code=c.grid_code, registered_at__lt=c.registered_at)
                .exclude(status__in=[Status.MERGED, Status.INVALID])
                .order_by("-registered_at")
                .first()
            )
            if other is not None:
                actions.do_merge(
                    c, other, reason="同一事项重复反映", at=at_dispatch - dt.timedelta(minutes=3)
                )

        demo.later(at_dispatch - dt.timedelta(minutes=3), merge)
        return
    if outcome == "dispatched":
        return
    if outcome == "returned":

        def give_back() -> None:
            c = case()
            if c.status == Status.DISPATCHED and not c.first_responder:
                actions.do_return(
                    c,
                    reason="经核实不属本单位职责，请重新分拨",
                    actor=demo.member(c.lead_unit_id),
                    at=at_accept,
                )

        demo.later(at_accept, give_back)
        redispatch = at_accept + _workhours(rng, 0.2, 1.0)
        at_dispatch2 = redispatch

        def again() -> None:
            c = case()
            if c.status == Status.PENDING_DISPATCH:
                unit = routing.desk_for(c.grid_code, c.level)
                target = routing.route(c.event_type, c.grid_code, c.floor_level) if c.event_type else None
                choice = unit if target is None or rng.random() < 0.5 else target
                if choice is not None:
                    actions.do_dispatch(c, choice, actor=desk_user(c), at=at_dispatch2, reason="重新分拨")

        demo.later(redispatch, again)
        demo.later(redispatch + _workhours(rng, 0.2, 1.0), accept(redispatch + dt.timedelta(hours=1)))
        demo.later(at_complete + dt.timedelta(hours=2), complete(at_complete + dt.timedelta(hours=2)))
        demo.later(at_verify + dt.timedelta(hours=2), verify(at_verify + dt.timedelta(hours=2)))
        demo.later(
            at_rate + dt.timedelta(hours=2), rate(at_rate + dt.timedelta(hours=2), rng.choice([3, 4, 5]))
        )
        return
    demo.later(at_accept, accept(at_accept))
    if outcome == "escalated":
        at_up = at_accept + _workhours(rng, 1, 6)

        def escalate() -> None:
            c = case()
            if c.status in (Status.IN_PROGRESS, Status.DISPATCHED) and c.level != "district":
                actions.do_escalate(
                    c, reason="本级协调不了，需上级统筹", actor=demo.member(c.lead_unit_id), at=at_up
                )

        def redispatch_up() -> None:
            c = case()
            if c.status == Status.PENDING_DISPATCH:
                unit = (
                    routing.route(c.event_type, c.grid_code, c.floor_level) if c.event_type else None
                ) or routing.desk_for(c.grid_code, c.level)
                if unit is not None:
                    actions.do_dispatch(c, unit, actor=desk_user(c), at=at_up + dt.timedelta(minutes=40))

        demo.later(at_up, escalate)
        demo.later(at_up + dt.timedelta(minutes=40), redispatch_up)
        demo.later(at_up + dt.timedelta(hours=2), accept(at_up + dt.timedelta(hours=2)))
        if rng.random() < 0.5:
            demo.later(at_complete + dt.timedelta(days=1), complete(at_complete + dt.timedelta(days=1)))
        return
    if outcome == "suspended":
        at_pause = at_accept + _workhours(rng, 1, 8)

        def pause() -> None:
            c = case()
            if c.status == Status.IN_PROGRESS:
                actions.do_suspend(
                    c, reason="需等待业主/相关方配合，申请延期", actor=desk_user(c), at=at_pause
                )

        demo.later(at_pause, pause)
        return
    if outcome == "in_progress":
        if rng.random() < 0.5:

            def progress() -> None:
                c = case()
                if c.status == Status.IN_PROGRESS:
                    actions.do_progress(
                        c,
                        note="已到现场查看，正在协调处理",
                        actor=demo.member(c.lead_unit_id),
                        at=at_accept + dt.timedelta(hours=2),
                    )

            demo.later(at_accept + dt.timedelta(hours=2), progress)
        return
    demo.later(at_complete, complete(at_complete))
    if outcome == "completed":
        return
    demo.later(at_verify, verify(at_verify))
    if outcome == "awaiting_rating":
        return
    if outcome == "reopened":
        demo.later(at_rate, rate(at_rate, rng.choice([1, 2])))
        second = at_rate + dt.timedelta(days=rng.uniform(1, 3))
        demo.later(second, complete(second, "重新处置，已彻底解决"))
        demo.later(second + dt.timedelta(hours=3), verify(second + dt.timedelta(hours=3)))
        demo.later(
            second + dt.timedelta(hours=8), rate(second + dt.timedelta(hours=8), rng.choice([3, 4, 4, 5]))
        )
        return
    demo.later(at_rate, rate(at_rate, rng.choices([5, 4, 3, 2], weights=[55, 28, 10, 7])[0]))


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    with sla.pinned_calendar():
        return _load(scale, out)


def _load(scale: str, out: TextIO) -> list[DemoLogin]:
    if Case.objects.exists():
        out.write("工单演示数据：已有工单，跳过。\n")
        return []
    grids = list(Grid.objects.select_related("community").order_by("code"))
    if not grids or not Unit.objects.exists():
        out.write("工单演示数据：没有网格或单位，跳过（请先载入地址库与组织演示数据）。\n")
        return []
    rng = random.Random(20261123)  # noqa: S311 — demo data, reproducible
    now = timezone.now()
    demo = Demo(rng, now)
    types = list(EventType.objects.filter(is_active=True).select_related("category"))
    by_category: dict[int, list[EventType]] = {}
    for t in types:
        by_category.setdefault(t.category_id, []).append(t)
    categories = sorted(by_category)
    # Spread over every street: group grids by street and cycle through the streets.
    by_street: dict[str, list[Grid]] = {}
    for g in grids:
        by_street.setdefault(g.code[:9], []).append(g)
    streets = sorted(by_street)
    buildings = dict(
        Building.objects.filter(grid__in=grids)
        .order_by("grid_id", "code")
        .values_list("grid_id", "code")
        .distinct()
    )
    resident = User.objects.filter(memberships__role=Role.RESIDENT).order_by("pk").first()
    resident_community = (
        Membership.objects.filter(user=resident, role=Role.RESIDENT)
        .values_list("division__code", flat=True)
        .first()
        if resident
        else None
    )
    supervisor = User.objects.filter(memberships__role=Role.SUPERVISOR).order_by("pk").first()
    total = SIZES.get(scale, SIZES["small"])
    start = now - dt.timedelta(days=DAYS)
    moments = sorted(start + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400 - 3600)) for _ in range(total))
    outcomes, weights = zip(*OUTCOMES, strict=True)
    channels, channel_weights = zip(*CHANNEL_WEIGHTS, strict=True)
    created = 0
    for index, t0 in enumerate(moments):
        # Working hours mostly: residents call in the day.
        if t0.hour < 8 or t0.hour > 20:
            t0 = t0.replace(hour=rng.randint(9, 17))
        if t0 >= now - dt.timedelta(minutes=50) and index < total - 8:
            continue
        street = streets[index % len(streets)]
        grid = rng.choice(by_street[street])
        category = categories[index % len(categories)]
        event_type = rng.choice(by_category[category])
        channel = rng.choices(channels, weights=channel_weights)[0]
        age = (now - t0).total_seconds() / 86400
        if age < 1.5:
            outcome = rng.choice(["pending", "dispatched", "in_progress", "pending"])
        elif age < 6:
            outcome = rng.choices(outcomes, weights=weights)[0]
            if outcome in ("closed", "reopened"):
                outcome = "awaiting_rating"
        else:
            outcome = rng.choices(outcomes, weights=weights)[0]
        if outcome in STILL_OPEN and age > 12 and rng.random() < 0.75:
            outcome = "closed"  # old cases are mostly done
        if outcome == "escalated" and event_type.level == "district":
            outcome = "in_progress"
        if index >= total - 8:
            # The newest few wait at the desk right now (the hotline works round the clock).
            t0, outcome = now - dt.timedelta(minutes=rng.uniform(5, 40)), "pending"
        sensitive_line = rng.choice(SENSITIVE_LINES) if rng.random() < 0.03 else ""
        opener = rng.choice(OPENERS)
        address = f"{grid.community.name}{grid.name[-4:]}附近"
        description = f"{opener}{address}{event_type.description or event_type.name}{sensitive_line}"
        flags = detect_sensitive(description)
        triage = TriageResult(types=[(event_type.code, 1.0)], flags=flags, sensitive=bool(flags))
        reporter = (
            resident
            if (channel == Channel.PORTAL and resident and grid.code.startswith(resident_community or "-"))
            else None
        )
        auto = (
            outcome not in ("pending", "returned", "merged", "invalid", "first_responder")
            and rng.random() < 0.7
        )
        located = Located(grid, buildings.get(grid.pk, ""), address, grid.center_lat, grid.center_lng)
        try:
            case = actions.do_submit_case(
                reporter,
                description=description,
                title=f"{event_type.name}（{grid.community.name}）",
                channel=channel,
                event_type=event_type if channel != Channel.HOTLINE or rng.random() < 0.6 else None,
                located=located,
                triage=triage
                if channel != Channel.HOTLINE
                else keyword_suggest(description, candidates=[event_type.code]),
                reporter_name=""
                if reporter
                else rng.choice(["张先生", "李女士", "王阿姨", "陈师傅", "刘同学"]),
                reporter_phone="" if reporter else f"13{rng.randint(100000000, 999999999)}",
                auto_dispatch=auto,
                at=t0,
            )
        except JicengError:
            demo.errors += 1
            continue
        if case.event_type is None:
            case.event_type = event_type
            case.save(update_fields=["event_type"])
        created += 1
        plan_case(demo, case.pk, outcome, t0)
        if supervisor is not None and outcome in ("in_progress", "escalated") and rng.random() < 0.35:
            urge_at = t0 + dt.timedelta(days=rng.uniform(1, 4))

            def press(case_id: int = case.pk, when: dt.datetime = urge_at) -> None:
                c = Case.objects.get(pk=case_id)
                if c.status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.PENDING_DISPATCH):
                    actions.do_urge(c, note="群众多次来电，请加快办理", actor=supervisor, at=when)
                    if rng.random() < 0.5:
                        actions.do_supervise(
                            c, reason="列入督办", days=3, actor=supervisor, at=when + dt.timedelta(minutes=10)
                        )

            demo.later(urge_at, press)
    demo.run()
    states = dict(Case.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    summary = "，".join(f"{Status(s).label} {n}" for s, n in sorted(states.items()))
    out.write(f"工单演示数据：{created} 件（{summary}）。\n")
    return []
