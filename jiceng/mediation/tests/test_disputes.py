"""Disputes from every source, graded, dispatched to the agencies, and kept from those not on them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiceng.core.exceptions import NotFound
from jiceng.mediation import actions as a
from jiceng.mediation.models import Dispute, DisputeEvent, FollowUp, JointTask, Status
from jiceng.mediation.permissions import access_dispute, visible_disputes
from jiceng.testing import World

HIGH = "报警人称丈夫酒后持菜刀砍门，扬言要杀了她全家，两个孩子在家。"
LOW = "夫妻双方对离婚后孩子的抚养费数额协商不成，申请调解。"


def referral(world: World, narrative: str = HIGH, grid: str = "haiyu1", **kw: object) -> Dispute:
    data = a.DisputeInput(
        kind=str(kw.pop("kind", "domestic_violence")),
        source=str(kw.pop("source", "police")),
        narrative=narrative,
        grid_code=world.grids[grid].code,
        parties=[
            a.PartyInput(name="张丽", role="applicant", relationship="spouse", phone="13900000001"),
            a.PartyInput(
                name="王强", role="respondent", relationship="spouse", id_number="110101199003074477"
            ),
        ],
        **kw,  # type: ignore[arg-type]
    )
    actor = (
        world.people["police"] if data.source == "police" and grid.startswith(("haiyu", "shang")) else None
    )
    return a.check_create_dispute(actor, data)


def test_a_police_referral_with_a_high_risk_narrative_is_graded_high_with_reasons(town: World) -> None:
    dispute = referral(town)
    assert dispute.risk == "high" and dispute.auto_risk == "high"
    names = {r["rule"] for r in dispute.risk_reasons}
    assert {"threat_kill", "weapon"} <= names
    assert dispute.events.filter(verb="created").exists()


def test_a_high_risk_dispute_gets_tasks_for_police_justice_women_court_and_community(town: World) -> None:
    dispute = referral(town)
    units = {t.unit.code: t for t in dispute.tasks.select_related("unit")}
    assert set(units) == {"xinan-pcs", "xinan-sfs", "xinan-fl", "qu-fy", "haiyu-gzz"}
    assert units["xinan-pcs"].is_lead and sum(t.is_lead for t in units.values()) == 1
    # high risk: wall-clock limits, the police station's own shorter than the others'
    assert units["xinan-pcs"].due_at - timezone.now() <= dt.timedelta(hours=2)
    assert dt.timedelta(hours=23) < units["xinan-sfs"].due_at - timezone.now() <= dt.timedelta(hours=24)


def test_a_low_risk_dispute_goes_to_the_justice_office_and_the_community_only(town: World) -> None:
    dispute = referral(town, LOW, kind="custody", source="grid")
    assert dispute.risk == "low"
    assert {t.unit.code for t in dispute.tasks.all()} == {"xinan-sfs", "haiyu-gzz"}


def test_an_agency_of_another_street_does_not_see_the_dispute(town: World) -> None:
    dispute = referral(town, LOW, kind="custody", source="grid")
    with pytest.raises(NotFound):
        access_dispute(town.people["other_police"], dispute.pk)
    with pytest.raises(NotFound):
        access_dispute(town.people["outsider"], dispute.pk)


def test_a_high_risk_dispute_is_hidden_from_staff_of_its_territory_who_are_not_on_it(town: World) -> None:
    dispute = referral(town)
    # the street's handler and dispatcher cover the territory but are not agencies on it
    for name in ("handler", "dispatcher", "grid_worker"):
        with pytest.raises(NotFound):
            access_dispute(town.people[name], dispute.pk)
    # the agencies on it and the supervising leader see it
    for name in ("police", "mediator", "women", "judge", "community_staff", "leader", "supervisor", "admin"):
        assert access_dispute(town.people[name], dispute.pk) == dispute


def test_a_low_risk_dispute_is_visible_to_staff_of_its_territory(town: World) -> None:
    dispute = referral(town, LOW, kind="custody", source="grid")
    assert access_dispute(town.people["dispatcher"], dispute.pk) == dispute


def test_a_resident_sees_no_dispute(town: World) -> None:
    referral(town, LOW, kind="custody", source="grid")
    assert not visible_disputes(town.people["resident"]).exists()


def test_an_unknown_registry_person_is_refused_and_nothing_is_written(town: World) -> None:
    data = a.DisputeInput(
        kind="marriage",
        source="grid",
        narrative=LOW,
        grid_code=town.grids["haiyu1"].code,
        parties=[a.PartyInput(name="", person_id=999999)],
    )
    with pytest.raises(a.MediationError, match="人口库中没有编号为“999999”"):
        a.check_create_dispute(town.people["grid_worker"], data)
    assert not Dispute.objects.exists()


def test_only_a_police_station_brings_in_a_police_referral(town: World) -> None:
    data = a.DisputeInput(
        kind="marriage", source="police", narrative=LOW, grid_code=town.grids["haiyu1"].code
    )
    with pytest.raises(a.MediationForbidden):
        a.check_create_dispute(town.people["grid_worker"], data)


def test_repeated_calls_within_30_days_for_the_same_people_raise_the_grade(town: World) -> None:
    mild = "夫妻吵架，丈夫推了妻子一下，无人受伤。"
    first = referral(town, mild, kind="marriage", source="grid")
    assert first.risk == "medium"
    second = referral(town, mild, kind="marriage", source="grid")
    assert second.risk == "high"
    assert any("30日内报警或求助" in r["reason"] for r in second.risk_reasons)


def test_staff_raise_a_grade_with_a_reason_and_it_adds_the_high_risk_agencies(town: World) -> None:
    dispute = referral(town, LOW, kind="custody", source="grid")
    a.check_raise_risk(town.people["mediator"], dispute, "high", "当事人私下反映曾被殴打")
    dispute.refresh_from_db()
    assert dispute.risk == "high" and dispute.auto_risk == "low"
    assert dispute.risk_reasons[-1]["reason"] == "人工调高：当事人私下反映曾被殴打"
    assert dispute.tasks.filter(unit__code="xinan-pcs").exists()
    assert dispute.events.filter(verb="risk_raised").exists()


def test_a_grade_is_never_lowered(town: World) -> None:
    dispute = referral(town)
    with pytest.raises(a.MediationError, match="只能调高"):
        a.check_raise_risk(town.people["police"], dispute, "low", "双方已和好")
    dispute.refresh_from_db()
    assert dispute.risk == "high"


def test_each_agency_accepts_records_and_completes_its_own_task_only(town: World) -> None:
    dispute = referral(town)
    police_task = dispute.tasks.get(unit__code="xinan-pcs")
    with pytest.raises(a.MediationForbidden):
        a.check_accept_task(town.people["women"], police_task)
    a.check_accept_task(town.people["police"], police_task)
    a.check_record_task(town.people["police"], police_task, "已出警，对男方予以训诫")
    a.check_complete_task(town.people["police"], police_task, "已出具家庭暴力告诫书")
    police_task.refresh_from_db()
    assert police_task.status == "done" and "告诫书" in police_task.record
    dispute.refresh_from_db()
    assert dispute.status == Status.MEDIATING


def joint_session(town: World, dispute: Dispute, when: dt.datetime | None = None) -> object:
    return a.check_schedule_session(
        town.people["police"],
        dispute,
        when or timezone.now() + dt.timedelta(days=2),
        "新安街道矛盾纠纷调处中心",
        dispute.tasks.values_list("unit_id", flat=True),
        dispute.parties.values_list("pk", flat=True),
    )


def test_a_session_in_the_past_is_refused_and_nothing_is_written(town: World) -> None:
    dispute = referral(town)
    with pytest.raises(a.MediationError, match="晚于现在"):
        joint_session(town, dispute, timezone.now() - dt.timedelta(hours=1))
    assert not dispute.sessions.exists()


def test_a_session_with_a_party_of_another_dispute_is_refused(town: World) -> None:
    dispute = referral(town)
    other = referral(town, LOW, kind="custody", source="grid")
    with pytest.raises(a.MediationError, match="不属于该纠纷"):
        a.check_schedule_session(
            town.people["police"],
            dispute,
            timezone.now() + dt.timedelta(days=1),
            "调解室",
            dispute.tasks.values_list("unit_id", flat=True),
            other.parties.values_list("pk", flat=True),
        )


def test_only_the_lead_agency_schedules_a_session(town: World) -> None:
    dispute = referral(town)
    with pytest.raises(a.MediationForbidden):
        a.check_schedule_session(
            town.people["women"], dispute, timezone.now() + dt.timedelta(days=1), "x", [], []
        )


def signed(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 signed", content_type="application/pdf")


def test_an_agreement_without_the_parties_signatures_is_refused(
    town: World, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    dispute = referral(town)
    joint_session(town, dispute)
    agreement = a.check_draft_agreement(
        town.people["police"], dispute, "一、男方保证不再实施家庭暴力。\n二、双方分居三个月。"
    )
    first = dispute.parties.first()
    a.check_upload_signed(town.people["police"], agreement, first.pk, signed())
    with pytest.raises(a.MediationError, match="缺少当事人签字件：王强"):
        a.check_record_outcome(town.people["police"], dispute, "agreed")
    dispute.refresh_from_db()
    assert dispute.status != Status.AGREED and not FollowUp.objects.exists()


def test_an_agreement_is_generated_signed_and_follow_ups_are_scheduled(
    town: World, settings: object, tmp_path: Path
) -> None:
    from jiceng.mediation.documents import text_of

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    dispute = referral(town)
    agreement = a.check_draft_agreement(town.people["police"], dispute, "一、男方保证不再实施家庭暴力。")
    text = text_of(agreement.document.read())
    assert (
        "人民调解协议书" in text and "张丽" in text and "王强" in text and "男方保证不再实施家庭暴力" in text
    )
    assert "陈民警" in text
    for party in dispute.parties.all():
        a.check_upload_signed(town.people["police"], agreement, party.pk, signed())
    agreement.refresh_from_db()
    assert agreement.signed_at is not None
    a.check_record_outcome(town.people["police"], dispute, "agreed")
    today = timezone.localdate()
    assert sorted((f.due_on - today).days for f in dispute.follow_ups.all()) == [7, 30, 90]


def test_a_failed_mediation_needs_a_referral(town: World) -> None:
    dispute = referral(town)
    with pytest.raises(a.MediationError, match="转介"):
        a.check_record_outcome(town.people["police"], dispute, "failed")
    a.check_record_outcome(town.people["police"], dispute, "failed", "双方分歧大", "protection_order")
    dispute.refresh_from_db()
    assert dispute.referral == "protection_order" and dispute.follow_ups.count() == 3


def test_a_follow_up_finding_reignition_reopens_the_dispute_with_a_raised_risk(town: World) -> None:
    dispute = referral(town, "夫妻吵架，丈夫推了妻子一下，无人受伤。", kind="marriage", source="grid")
    assert dispute.risk == "medium"
    a.check_record_outcome(town.people["mediator"], dispute, "failed", "", "litigation")
    follow = dispute.follow_ups.first()
    a.check_record_follow_up(town.people["mediator"], follow, "reignited", "男方又动手了")
    dispute.refresh_from_db()
    assert dispute.risk == "high" and dispute.status == Status.MEDIATING
    assert dispute.tasks.filter(unit__code="xinan-pcs").exists()
    assert not dispute.follow_ups.filter(done_at__isnull=True).exists()


def test_a_dispute_moves_up_one_level_at_a_time_and_never_down(town: World) -> None:
    dispute = referral(town)
    a.check_escalate(town.people["police"], dispute, "涉及多个社区")
    dispute.refresh_from_db()
    assert dispute.level == "street" and dispute.centre.code == "xinan-zz"
    assert dispute.tasks.filter(unit__code="xinan-zz").exists()
    a.check_escalate(town.people["police"], dispute, "街道调处不成")
    a.check_escalate(town.people["police"], dispute, "x") if False else None
    dispute.refresh_from_db()
    assert dispute.level == "district"
    with pytest.raises(a.MediationError, match="不能再提级"):
        a.check_escalate(town.people["police"], dispute, "再提")


def test_the_history_shows_earlier_disputes_and_referrals_of_the_same_people(town: World) -> None:
    earlier = referral(town, LOW, kind="custody", source="grid")
    police = referral(town)
    latest = referral(town, "又吵起来了", kind="marriage", source="grid")
    found = a.history(latest)
    assert earlier in found["disputes"] and police in found["referrals"]


def test_a_case_of_a_family_dispute_type_opens_a_dispute(town: World) -> None:
    from jiceng.cases.actions import check_submit_case

    case = check_submit_case(
        town.people["grid_worker"],
        description="邻居家夫妻天天吵架，昨晚男的拿刀追着女的跑。",
        type_code="MD02",
        grid_code=town.grids["haiyu1"].code,
    )
    dispute = Dispute.objects.get(case_id=case.pk)
    assert dispute.source == "case" and dispute.kind.code == "marriage" and dispute.risk == "high"


def test_every_state_change_leaves_an_event(town: World) -> None:
    dispute = referral(town)
    task = dispute.tasks.get(unit__code="xinan-pcs")
    a.check_accept_task(town.people["police"], task)
    verbs = list(DisputeEvent.objects.filter(dispute=dispute).values_list("verb", flat=True))
    assert verbs == ["created", "tasks_created", "task_accepted"]
    assert JointTask.objects.filter(dispute=dispute).count() == 5
