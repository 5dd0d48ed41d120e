"""The case engine and triage together: the shipped model, the providers cases registers, the
auto-dispatch threshold, duplicates on the desk and reply quality on the case page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cases import providers, triage_port
from jiceng.cases.catalogue import default_rows
from jiceng.cases.models import Case, CaseEvent, Notification, Status
from jiceng.cases.tests.conftest import completed, submit
from jiceng.testing import PASSWORD, World
from jiceng.triage import service
from jiceng.triage.catalogue import build_model
from jiceng.triage.classifier import TextModel

GARBAGE = "小区门口垃圾堆积很久没人清理"


@pytest.fixture(autouse=True)
def shipped_model_only(settings: Any, tmp_path: Path) -> Iterator[None]:
    """No configured or VAR_DIR model: the server falls back to the shipped one."""
    settings.JICENG_TRIAGE_MODEL = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    service._forget()
    yield
    service._forget()


def client_for(world: World, who: str) -> Client:
    client = Client()
    assert client.login(username=world.people[who].username, password=PASSWORD)
    return client


def entries(*codes: str) -> list[tuple[str, ...]]:
    return [e for e in providers.default_catalogue_entries() if e[0] in codes]


def configured_model(settings: Any, tmp_path: Path, threshold: float | None) -> Path:
    """A small catalogue model carrying ``threshold``, configured as JICENG_TRIAGE_MODEL."""
    model = build_model(entries("SR01", "SR05", "MD07", "SZ04"))
    model.threshold = threshold
    path = model.save(tmp_path / "configured.npz")
    settings.JICENG_TRIAGE_MODEL = str(path)
    service._forget()
    return path


# -- the shipped model ------------------------------------------------------------------------------


def test_the_shipped_model_covers_exactly_the_catalogue_event_types() -> None:
    model = TextModel.load(service.SHIPPED_MODEL)
    shipped, catalogue = set(model.classes), {row["code"] for row in default_rows()}
    assert shipped == catalogue, (
        f"The shipped dispatch model is out of date with jiceng/cases/data/catalogue.yaml "
        f"(missing: {sorted(catalogue - shipped)}, extra: {sorted(shipped - catalogue)}). "
        f"Rebuild it with: {service.REBUILD_HINT}"
    )


def test_the_shipped_model_is_small() -> None:
    # 5.3 MB with the 4,683 written messages' vocabulary (2.8 MB with 136): loaded once per process.
    assert service.SHIPPED_MODEL.stat().st_size < 8_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GARBAGE, {"SR01", "SR04"}),
        ("楼上漏水，把我家天花板泡坏了", {"MD07"}),
        ("有人在人行道上摆地摊占道经营", {"SR05"}),
        ("消防通道被私家车堵死了", {"XF01"}),
        ("公司拖欠我们三个月工资不发", {"LD01", "MD04"}),
    ],
)
def test_the_shipped_model_reads_obvious_messages(text: str, expected: set[str]) -> None:
    best, _confidence = TextModel.load(service.SHIPPED_MODEL).rank(text, 1)[0]
    assert best in expected


def test_without_a_configured_model_the_server_uses_the_shipped_one(cw: World) -> None:
    result = triage_port.suggest(GARBAGE)
    assert result.best is not None and result.best[0] == "SR01"
    assert service.current_model() is not None
    assert not (Path(service.model_path())).exists()


def test_a_configured_model_wins_over_the_shipped_one(cw: World, settings: Any, tmp_path: Path) -> None:
    configured_model(settings, tmp_path, threshold=None)
    result = triage_port.suggest("路灯坏了，晚上一片漆黑", floor=0.0)
    assert {code for code, _ in result.types} <= {"SR01", "SR05", "MD07", "SZ04"}


# -- intake -----------------------------------------------------------------------------------------


def test_an_untyped_request_is_typed_by_the_shipped_model_at_intake(cw: World) -> None:
    case = submit(cw, type_code="", description=GARBAGE)
    assert case.event_type is not None and case.event_type.code == "SR01"
    intake = CaseEvent.objects.get(case=case, seq=1)
    assert intake.data["type"] == "SR01" and intake.data["confidence"] > 0


def test_a_vague_request_is_left_untyped_for_the_desk(cw: World) -> None:
    case = submit(cw, type_code="", description="楼下好像有点问题，麻烦来看看")
    assert case.event_type is None and case.status == Status.PENDING_DISPATCH


# -- the auto-dispatch threshold ----------------------------------------------------------------------


def test_the_threshold_is_the_setting_when_the_model_carries_none(cw: World, settings: Any) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.42
    result = triage_port.suggest(GARBAGE)
    assert result.threshold == 0.42 and result.dispatch_threshold == 0.42


def test_the_threshold_is_the_models_when_it_carries_one(cw: World, settings: Any, tmp_path: Path) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.999
    configured_model(settings, tmp_path, threshold=0.3)
    result = triage_port.suggest(GARBAGE)
    assert result.dispatch_threshold == 0.3 and result.confident


def test_a_case_dispatches_itself_at_the_models_threshold_not_the_setting(
    cw: World, settings: Any, tmp_path: Path
) -> None:
    # given a model validated to dispatch at 0.3 and a stricter setting
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.999
    configured_model(settings, tmp_path, threshold=0.3)
    # when an ordinary request arrives without a type
    case = submit(cw, type_code="", description=GARBAGE)
    # then the model's threshold decides: it goes straight to the unit
    assert case.event_type is not None and case.event_type.code == "SR01"
    assert case.status == Status.DISPATCHED


def test_a_case_below_the_setting_waits_at_the_desk(cw: World, settings: Any) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.999
    case = submit(cw, type_code="", description=GARBAGE)
    assert case.status == Status.PENDING_DISPATCH and case.event_type is not None


def test_a_sensitive_request_goes_to_the_desk_and_notifies_supervisors(cw: World, settings: Any) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.0
    case = submit(cw, type_code="", description="小区门口垃圾堆积，有人为此持刀砍人")
    assert case.sensitive and case.status == Status.PENDING_DISPATCH
    assert Notification.objects.get(kind="sensitive", case=case).role == "supervisor"


# -- duplicates -------------------------------------------------------------------------------------


def test_open_cases_in_the_same_grid_are_duplicate_candidates(cw: World) -> None:
    first = submit(cw, description="3栋楼下垃圾桶满了发臭一直没人清运")
    found = list(providers.duplicate_candidates("垃圾桶满了", first.grid_code, None))
    assert [row[0] for row in found] == [first.pk]


def test_cases_in_another_community_are_not_duplicate_candidates(cw: World) -> None:
    submit(cw, description="3栋楼下垃圾桶满了发臭一直没人清运")
    far = cw.rooms["gushu1"].building.grid.code
    assert list(providers.duplicate_candidates("垃圾桶满了", far, None)) == []


def test_the_desk_proposes_a_similar_request_nearby_with_its_similarity(cw: World) -> None:
    # given an open case and a second, differently typed report of the same thing in the same grid
    first = submit(cw, description="3栋楼下垃圾桶满了发臭一直没人清运")
    grid = cw.rooms["haiyu1"].building.grid
    second = submit(
        cw,
        location_code="",
        grid_code=grid.code,
        type_code="SR09",
        description="3栋楼下的垃圾桶满了，发臭，没人清运",
        auto_dispatch=False,
    )
    # when the dispatcher opens the second case on the desk
    url = reverse("cases:desk-panel", args=[second.pk])
    body = client_for(cw, "dispatcher").get(url).content.decode()
    # then the first is proposed for merging, with triage's similarity
    assert f'name="into" value="{first.pk}"' in body
    assert "相似度" in body


# -- hot topics -------------------------------------------------------------------------------------


def test_recent_messages_are_the_cases_the_user_may_see(cw: World) -> None:
    case = submit(cw, description="3栋楼下垃圾桶满了发臭一直没人清运")
    assert [m["id"] for m in providers.recent_messages(cw.people["dispatcher"], None)] == [case.pk]


def test_an_outsider_reads_no_recent_messages(cw: World) -> None:
    submit(cw, description="3栋楼下垃圾桶满了发臭一直没人清运")
    assert providers.recent_messages(cw.people["outsider"], None) == []


# -- reply quality ----------------------------------------------------------------------------------


def test_the_case_page_shows_the_reply_quality_of_the_completion_note(cw: World) -> None:
    case = completed(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "答复质量" in body and "相关性" in body and "可解释性" in body


def test_a_resident_does_not_see_the_reply_quality(cw: World) -> None:
    case = completed(cw)
    body = client_for(cw, "resident").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "答复质量" not in body


def test_a_substantive_note_scores_higher_than_a_bare_acknowledgement(cw: World) -> None:
    message = Case(title="垃圾", description="小区门口垃圾堆放三天没人清运")
    bare = triage_port.score_reply(message.description, "已收悉。")
    full = triage_port.score_reply(
        message.description,
        "经现场核查，小区门口堆放垃圾约2吨，已安排环卫人员于3月5日全部清运，并责令物业每日清理。"
        "如有疑问请联系街道城管办，电话0755-12345678。",
    )
    assert bare is not None and full is not None
    assert full.overall > bare.overall and full.completeness > bare.completeness
