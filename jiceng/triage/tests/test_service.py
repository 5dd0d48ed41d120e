from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from jiceng.triage import service
from jiceng.triage.service import build_default_model, suggest

from .conftest import catalogue


def test_suggest_ranks_the_catalogue_type_and_its_unit(model_file: Path) -> None:
    result = suggest("楼下饭店油烟直排，熏得家里全是味")
    assert result.types[0][0] == "CS08"
    assert result.units[0][0] == "生态环境局"
    assert result.types[0][1] > result.types[1][1]


def test_a_confident_ordinary_request_dispatches_itself(model_file: Path, settings) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.3
    result = suggest("小区门口很多小贩摆地摊占道经营")
    assert result.auto_dispatch and not result.sensitive


def test_a_sensitive_request_never_dispatches_itself(model_file: Path, settings) -> None:
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.0
    result = suggest("拖欠工资三个月，再不给钱我就跳楼")
    assert result.sensitive and [f.kind for f in result.flags] == ["life"]
    assert not result.auto_dispatch


def test_candidates_restrict_the_ranking_and_renormalise_keeping_the_share_of_cannot_tell(
    model_file: Path,
) -> None:
    allowed = [e for e in catalogue() if e.code in ("CS02", "CS05")]
    result = suggest("晚上路灯不亮", candidates=allowed)
    assert [code for code, _ in result.types] == ["CS05", "CS02"]
    full = dict(suggest("晚上路灯不亮", top=10).types)
    background = 1.0 - sum(full.values())
    kept = full["CS02"] + full["CS05"]
    assert 0 < background < 0.5
    assert abs(sum(p for _, p in result.types) - kept / (kept + background)) < 1e-6


def test_without_a_model_suggest_still_flags(no_model: Path) -> None:
    result = suggest("有人拿刀砍人")
    assert result.types == [] and result.sensitive


def test_the_default_model_is_built_on_first_use_from_the_catalogue(no_model: Path) -> None:
    service.register_catalogue_provider(
        lambda: [(e.code, e.name, e.category, e.description, e.keywords) for e in catalogue()]
    )
    result = suggest("自来水停了一整天")
    assert no_model.exists()
    assert result.types[0][0] == "CS10"


def test_build_default_model_accepts_tuples_with_keywords_as_text(tmp_path: Path) -> None:
    entries = [(e.code, e.name, e.category, e.description, "、".join(e.keywords)) for e in catalogue()]
    path = build_default_model(entries, tmp_path / "m.npz")
    assert path.stat().st_size < 2_000_000


def test_duplicates_come_from_the_registered_provider(model_file: Path) -> None:
    now = timezone.now()
    service.register_duplicate_provider(
        lambda text, location, channel: [
            (7, "幸福路小区门口垃圾桶满了发臭没人清运", 113.90, 22.55, now - timedelta(days=1)),
            (8, "幸福路小区门口垃圾桶满了发臭没人清运", 114.30, 22.90, now - timedelta(days=1)),
        ]
    )
    result = suggest("幸福路小区门口的垃圾桶满了，发臭", {"lng": 113.901, "lat": 22.551})
    assert [case_id for case_id, _ in result.duplicates] == [7]


def test_the_shipped_model_is_used_when_no_other_model_exists(
    no_model: Path, monkeypatch, catalogue_model
) -> None:  # type: ignore[no-untyped-def]
    shipped = catalogue_model.save(no_model.parent.parent / "shipped.npz")
    monkeypatch.setattr(service, "SHIPPED_MODEL", shipped)
    service._forget()
    assert suggest("自来水停了一整天").types[0][0] == "CS10"
    assert not no_model.exists()


def test_a_catalogue_the_shipped_model_does_not_cover_gets_its_own_model(  # type: ignore[no-untyped-def]
    no_model: Path, monkeypatch, catalogue_model
) -> None:
    # given a shipped model of ten types and an installed catalogue of four of them
    shipped = catalogue_model.save(no_model.parent.parent / "shipped.npz")
    monkeypatch.setattr(service, "SHIPPED_MODEL", shipped)
    installed = catalogue()[:4]
    service.register_catalogue_provider(lambda: installed)
    service._forget()
    # when triage first loads a model
    model = service.current_model()
    # then it built one for the installed catalogue where built models go
    assert model is not None and set(model.classes) == {e.code for e in installed}
    assert no_model.exists()
