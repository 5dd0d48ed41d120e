"""Live accuracy: triage's first proposals against the types the desk dispatched, in the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cases import actions
from jiceng.cases.models import Case
from jiceng.testing import PASSWORD, World
from jiceng.triage.live import live_accuracy, recent_by_category

GARBAGE = "小区门口垃圾堆积很久没人清理"


pytestmark = pytest.mark.usefixtures("shipped_model")


def proposed(world: World, room: str = "haiyu1", **kw: Any) -> Case:
    """A resident's untyped message that triage types; it waits at the street desk."""
    kw.setdefault("description", GARBAGE)
    case = actions.check_submit_case(
        world.people["resident"], location_code=world.rooms[room].code, auto_dispatch=False, **kw
    )
    assert case.event_type is not None and case.status == "pending_dispatch"
    return case


def kept(world: World, dispatcher: str = "dispatcher", unit: str = "xinan-chengguan", **kw: Any) -> Case:
    case = proposed(world, **kw)
    return actions.check_dispatch(world.people[dispatcher], case.pk, unit=unit)


def changed(world: World) -> Case:
    case = proposed(world)
    assert case.event_type is not None
    other = "SR05" if case.event_type.code != "SR05" else "SR01"
    return actions.check_dispatch(
        world.people["dispatcher"], case.pk, type_code=other, unit="xinan-chengguan"
    )


def test_a_kept_proposal_is_right_and_a_type_changed_by_the_desk_is_wrong(world: World) -> None:
    kept(world)
    kept(world)
    wrong = changed(world)
    live = live_accuracy(world.people["dispatcher"])
    assert (live.overall.n, live.overall.right) == (3, 2)
    assert len(live.weeks) == 1 and (live.weeks[0].n, live.weeks[0].right) == (3, 2)
    by_type = {r.key: (r.n, r.right) for r in live.types}
    assert wrong.event_type is not None
    assert by_type[wrong.event_type.code] == (1, 0)
    assert sum(n for n, _ in by_type.values()) == 3


def test_cases_typed_by_the_reporter_or_still_at_the_desk_are_not_counted(world: World) -> None:
    actions.check_submit_case(
        world.people["resident"],
        description=GARBAGE,
        type_code="SR01",
        location_code=world.rooms["haiyu1"].code,
    )
    proposed(world)  # still waiting: no final type yet
    live = live_accuracy(world.people["dispatcher"])
    assert live.overall.n == 0 and live.typed_by_reporter == 1


def test_a_street_dispatcher_does_not_count_cases_of_another_street(world: World) -> None:
    from jiceng.org.models import Role
    from jiceng.testing import make_user

    xixiang = make_user("xxdispatcher", "蒋分拨", Role.DISPATCHER, unit=world.units["xixiang"])
    kept(world)
    changed_elsewhere = proposed(world, room="gushu1")
    actions.check_dispatch(xixiang, changed_elsewhere.pk, type_code="SR05", unit="xixiang-chengguan")
    mine = live_accuracy(world.people["dispatcher"])
    assert (mine.overall.n, mine.overall.right) == (1, 1)
    theirs = live_accuracy(xixiang)
    assert (theirs.overall.n, theirs.overall.right) == (1, 0)
    assert live_accuracy(world.people["admin"]).overall.n == 2


def test_an_auto_dispatched_case_counts_for_the_auto_dispatch_rate(world: World, settings: Any) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.0
    actions.check_submit_case(
        world.people["resident"], description=GARBAGE, location_code=world.rooms["haiyu1"].code
    )
    kept(world)
    live = live_accuracy(world.people["dispatcher"])
    assert (live.overall.n, live.auto.n, live.auto.right) == (2, 1, 1)
    assert live.auto_rate == 0.5


def client_for(world: World, who: str) -> Client:
    client = Client()
    assert client.login(username=world.people[who].username, password=PASSWORD)
    return client


def test_the_desk_links_to_the_page_that_shows_the_figures(world: World) -> None:
    kept(world)
    changed(world)
    desk = client_for(world, "dispatcher").get(reverse("cases:desk"))
    assert reverse("triage:live") in desk.content.decode()
    page = client_for(world, "dispatcher").get(reverse("triage:live"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="live-overall">50%' in html and "data-week=" in html


def test_a_resident_gets_a_404(world: World) -> None:
    assert client_for(world, "resident").get(reverse("triage:live")).status_code == 404


def test_a_grid_worker_of_another_community_sees_none_of_the_streets_figures(world: World) -> None:
    kept(world)
    page = client_for(world, "outsider").get(reverse("triage:live"))
    assert page.status_code == 200 and 'id="live-overall"' not in page.content.decode()
    assert live_accuracy(world.people["outsider"]).overall.n == 0


def test_an_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    assert Client().get(reverse("triage:live")).status_code == 302


# -- the last 30 days by category ----------------------------------------------------------------


def proposals_of(case: Case) -> list[str]:
    return list(case.events.get(action="submit").data["proposals"])


def category_of(code: str) -> str:
    from jiceng.cases.models import EventType

    return EventType.objects.get(code=code).category.code


def test_the_last_30_days_count_each_category_at_top_1_and_top_3(world: World) -> None:
    # given two kept proposals, one changed to triage's second proposal, one changed to a type it
    # did not propose at all
    kept(world)
    kept(world)
    second = proposed(world)
    runner_up = proposals_of(second)[1]
    actions.check_dispatch(world.people["dispatcher"], second.pk, type_code=runner_up, unit="xinan-chengguan")
    missed = proposed(world)
    assert "SZ04" not in proposals_of(missed)
    actions.check_dispatch(world.people["dispatcher"], missed.pk, type_code="SZ04", unit="xinan-chengguan")

    # when the dispatcher reads the last 30 days
    recent = recent_by_category(world.people["dispatcher"])

    # then each case counts under the category of its final type
    assert (recent.overall.n, recent.overall.top1, recent.overall.top3) == (4, 2, 3)
    rows = {r.key: r for r in recent.categories}
    assert rows[category_of("SZ04")].n >= 1 and rows[category_of("SZ04")].top3 < rows[category_of("SZ04")].n
    assert sum(r.n for r in recent.categories) == 4
    assert recent.overall.top1_rate == 0.5 and recent.overall.top3_rate == 0.75
    assert recent.overall.auto == 0 and recent.overall.auto_precision is None


def test_cases_registered_more_than_30_days_ago_are_left_out(world: World) -> None:
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timedelta(days=31)):
        kept(world)
    kept(world)
    assert recent_by_category(world.people["dispatcher"]).overall.n == 1
    assert recent_by_category(world.people["dispatcher"], days=60).overall.n == 2


def test_auto_dispatched_cases_give_the_rate_and_precision_of_their_category(
    world: World, settings: Any
) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.0
    auto = actions.check_submit_case(
        world.people["resident"], description=GARBAGE, location_code=world.rooms["haiyu1"].code
    )
    assert auto.status == "dispatched" and auto.event_type is not None
    kept(world)
    recent = recent_by_category(world.people["dispatcher"])
    row = next(r for r in recent.categories if r.key == auto.event_type.category.code)
    assert (row.n, row.auto, row.auto_right) == (2, 1, 1)
    assert row.auto_rate == 0.5 and row.auto_precision == 1.0


def test_a_communitys_staff_counts_only_the_cases_of_their_community(world: World) -> None:
    kept(world)  # 海裕社区
    kept(world, room="shangchuan1")  # 上川社区, the same street
    assert recent_by_category(world.people["dispatcher"]).overall.n == 2
    assert recent_by_category(world.people["community_staff"]).overall.n == 1
    assert recent_by_category(world.people["outsider"]).overall.n == 0
    assert recent_by_category(world.people["outsider"]).categories == []


def test_the_page_shows_the_categories_to_staff_and_only_their_own(world: World) -> None:
    kept(world)
    kept(world, room="shangchuan1")
    page = client_for(world, "community_staff").get(reverse("triage:live"), {"days": "30"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="data live-categories"' in html and "data-category=" in html
    assert '<td class="n">1</td>' in html and '<td class="n">2</td>' not in html
    outsider = client_for(world, "outsider").get(reverse("triage:live"), {"days": "abc"})
    assert outsider.status_code == 200 and 'data-category="all"' not in outsider.content.decode()


def test_a_resident_gets_a_404_for_the_categories_too(world: World) -> None:
    assert client_for(world, "resident").get(reverse("triage:live"), {"days": "30"}).status_code == 404
