"""Grid workers read human status labels, never the lifecycle's codes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cases.tests.conftest import submit
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_a_grid_worker_sees_the_open_case_of_a_room_with_its_chinese_status(
    cw: World, client: Client
) -> None:
    case = submit(cw)  # at 海裕 1's room, dispatched
    client.force_login(cw.people["grid_worker"])
    page = client.get(reverse("registry:place", args=[cw.rooms["haiyu1"].code])).content.decode()
    assert case.number in page
    assert 'data-status="dispatched">已分拨</span>' in page
    assert ">dispatched<" not in page


def test_the_overdue_list_offers_only_the_actions_the_state_allows(cw: World, client: Client) -> None:
    from jiceng.cases.models import Case
    from jiceng.cases.tests.conftest import awaiting_rating, completed, in_progress

    handling, done, rating = in_progress(cw), completed(cw), awaiting_rating(cw)
    # all three past their deadline, as the SLA sweep marks them
    Case.objects.filter(pk__in=[handling.pk, done.pk, rating.pk]).update(overdue=True)
    client.force_login(cw.people["supervisor"])
    page = client.get(reverse("cases:supervision"), {"list": "overdue"}).content.decode()

    def row(case: Case) -> str:
        start = page.index(f'data-case="{case.pk}"')
        return page[start : page.index("</tr>", start)]

    assert 'class="urge"' in row(handling) and 'class="supervise"' in row(handling)
    assert 'class="urge"' not in row(done) and 'class="supervise"' in row(done)
    assert 'class="urge"' not in row(rating) and 'class="supervise"' not in row(rating)


def test_a_mistyped_merge_number_is_told_on_the_desk_not_a_full_page_not_found(
    cw: World, client: Client
) -> None:
    from jiceng.cases.models import Case

    case = submit(cw, type_code="", description="门口垃圾好几天没人收", auto_dispatch=False)
    client.force_login(cw.people["dispatcher"])
    desk = reverse("cases:desk")
    response = client.post(
        reverse("cases:act", args=[case.pk, "merge"]), {"into": "202601019999999", "next": desk}, follow=True
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0] == desk
    assert "未找到要合并到的工单“202601019999999”" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "pending_dispatch"
    # the case itself out of reach is still "not found"
    client.force_login(cw.people["outsider"])
    assert client.post(reverse("cases:act", args=[case.pk, "merge"]), {"into": "1"}).status_code == 404


def test_the_case_tabs_offer_a_grid_worker_only_pages_a_grid_worker_may_open(
    cw: World, client: Client
) -> None:
    import re

    client.force_login(cw.people["grid_worker"])
    page = client.get(reverse("cases:list")).content.decode()
    nav = page[
        page.index('<nav class="case-tabs">') : page.index("</nav>", page.index('<nav class="case-tabs">'))
    ]
    links = re.findall(r'href="([^"]+)"', nav)
    assert (
        "/cases/desk/" not in links and "/cases/supervision/" not in links and "/cases/hotline/" not in links
    )
    assert links and all(client.get(link).status_code == 200 for link in links)
    client.force_login(cw.people["dispatcher"])
    page = client.get(reverse("cases:list")).content.decode()
    assert 'href="/cases/desk/"' in page
