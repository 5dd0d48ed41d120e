"""Legal services: questions to the community's adviser, bookings, legal aid decided with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiceng.core.exceptions import NotFound
from jiceng.mediation import legal
from jiceng.mediation.exceptions import MediationError, MediationForbidden
from jiceng.mediation.models import LegalEvent
from jiceng.testing import World

from .test_api import client_for


def doc() -> SimpleUploadedFile:
    return SimpleUploadedFile("收入证明.pdf", b"%PDF-1.4 income", content_type="application/pdf")


def test_a_resident_asks_and_the_communitys_adviser_answers(town: World) -> None:
    q = legal.check_ask(town.people["resident"], "离婚时婚前房产怎么分？")
    with pytest.raises(MediationForbidden):
        legal.check_answer(town.people["other_justice"], q, "……")
    legal.check_answer(town.people["mediator"], q, "婚前个人财产一般归个人所有。")
    q.refresh_from_db()
    assert q.answered_by == town.people["mediator"]
    assert list(LegalEvent.objects.filter(object_type="question").values_list("verb", flat=True)) == [
        "asked",
        "answered",
    ]


def test_a_resident_cannot_read_another_residents_question(town: World) -> None:
    q = legal.check_ask(town.people["resident"], "离婚时婚前房产怎么分？")
    with pytest.raises(NotFound):
        legal.access_question(town.people["neighbour"], q.pk)


def test_a_slot_is_booked_once_and_never_in_the_past(town: World) -> None:
    community = town.communities["haiyu"].code
    with pytest.raises(MediationError, match="晚于现在"):
        legal.check_add_slot(
            town.people["mediator"], community, timezone.now() - dt.timedelta(hours=1), timezone.now(), ""
        )
    start = timezone.now() + dt.timedelta(days=1)
    slot = legal.check_add_slot(
        town.people["mediator"], community, start, start + dt.timedelta(minutes=30), "海裕社区工作站"
    )
    legal.check_book(town.people["resident"], slot.pk, "抚养费")
    with pytest.raises(MediationError, match="已被预约"):
        legal.check_book(town.people["neighbour"], slot.pk, "继承")
    from jiceng.org.models import Role
    from jiceng.testing import make_user

    elsewhere = make_user("gushures", "固戍居民", Role.RESIDENT, division=town.communities["gushu"])
    with pytest.raises(NotFound):
        legal.check_book(elsewhere, slot.pk, "继承")


def test_legal_aid_checks_income_and_the_matter(town: World) -> None:
    assert legal.eligibility("support", Decimal("1800"), 3)[0] is True
    assert legal.eligibility("support", Decimal("5000"), 3)[0] is False
    ok, notes = legal.eligibility("domestic_violence", Decimal("9000"), 1)
    assert ok and any("免予经济困难审查" in n for n in notes)
    assert legal.eligibility("other", Decimal("0"), 1)[0] is False


def test_legal_aid_needs_documents_and_the_justice_office_decides_with_a_reason(
    town: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    with pytest.raises(MediationError, match="上传证明材料"):
        legal.check_apply_aid(
            town.people["resident"], "support", "1500", 3, "前夫两年未付抚养费，多次催要无果。", []
        )
    application = legal.check_apply_aid(
        town.people["resident"], "support", "1500", 3, "前夫两年未付抚养费，多次催要无果。", [doc()]
    )
    assert application.eligible
    with pytest.raises(MediationError, match="决定理由"):
        legal.check_decide_aid(town.people["mediator"], application, True, "")
    with pytest.raises(MediationForbidden):
        legal.check_decide_aid(town.people["other_justice"], application, True, "同意")
    legal.check_decide_aid(town.people["mediator"], application, True, "经济困难，事项属援助范围。")
    application.refresh_from_db()
    assert application.status == "approved" and application.reason


def test_a_resident_reading_anothers_legal_aid_application_gets_404(
    town: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    application = legal.check_apply_aid(
        town.people["resident"], "domestic_violence", "3000", 2, "丈夫长期家暴，申请离婚代理。", [doc()]
    )
    with pytest.raises(NotFound):
        legal.access_aid(town.people["neighbour"], application.pk)
    assert (
        client_for(town.people["neighbour"]).get(f"/mediation/legal/aid/{application.pk}/").status_code == 404
    )
    assert (
        client_for(town.people["neighbour"]).get(f"/api/v1/mediation/legal/aid/{application.pk}/").status_code
        == 404
    )
    assert (
        client_for(town.people["resident"]).get(f"/mediation/legal/aid/{application.pk}/").status_code == 200
    )


def test_the_portal_takes_a_question_and_an_application(
    town: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    c = client_for(town.people["resident"])
    c.post("/mediation/legal/", {"what": "ask", "question": "邻居占用公共走廊怎么办？"})
    response = c.post(
        "/mediation/legal/",
        {
            "what": "aid",
            "case_type": "labour_pay",
            "monthly_income": "2000",
            "household_size": "2",
            "facts": "公司拖欠三个月工资共两万元。",
            "documents": [doc()],
        },
        follow=True,
    )
    assert "符合条件" in response.content.decode()
    assert "邻居占用公共走廊" in c.get("/mediation/legal/").content.decode()
