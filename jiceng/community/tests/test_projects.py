from __future__ import annotations

import pytest

from jiceng.community import actions
from jiceng.community.exceptions import AlreadyDone, CommunityError, Missing, PhaseError
from jiceng.community.models import Phase, PhaseEvent, VoteMethod

pytestmark = pytest.mark.django_db
A = actions.Actor


def _round(world, staff, method=VoteMethod.BUDGET, budget="100000"):
    return actions.check_open_round(
        staff["haiyu"], world.communities["haiyu"], "2025年第一批", budget, method
    )


def _approved(world, staff, rnd, resident, title, cost, kind="service"):
    project = actions.check_propose(A(resident), rnd.pk, title, f"{title}，居民需要")
    return actions.check_review(staff["haiyu"], project.pk, True, kind, cost, "可行")


def test_review_refuses_a_cost_above_the_types_cap(world, staff, resident_of):
    rnd = _round(world, staff)
    project = actions.check_propose(A(resident_of()), rnd.pk, "长者饭堂", "为长者提供午餐")
    with pytest.raises(CommunityError):
        actions.check_review(staff["haiyu"], project.pk, True, "goods", "300000", "可行")


def test_budget_vote_funds_most_voted_first_while_money_remains(world, staff, resident_of):
    rnd = _round(world, staff, budget="100000")
    r = [resident_of() for _ in range(3)]
    big = _approved(world, staff, rnd, r[0], "小公园改造", "80000", "engineering")
    mid = _approved(world, staff, rnd, r[0], "四点半课堂", "30000")
    small = _approved(world, staff, rnd, r[0], "长者理发", "10000")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(A(r[0]), rnd.pk, [big.pk, mid.pk])
    actions.check_cast_ballot(A(r[1]), rnd.pk, [big.pk, mid.pk, small.pk])
    actions.check_enter_paper_ballot(staff["haiyu"], rnd.pk, "P-001", [big.pk, small.pk])
    chosen = actions.check_close_vote(staff["haiyu"], rnd.pk)
    # big (3 votes, 80k) fits; mid (2 votes, 30k) no longer fits; small (2 votes, 10k) does.
    assert {p.title for p in chosen} == {"小公园改造", "长者理发"}
    mid.refresh_from_db()
    assert mid.phase == Phase.NOT_SELECTED


def test_approval_vote_selects_projects_approved_on_more_than_half_the_ballots(world, staff, resident_of):
    rnd = _round(world, staff, method=VoteMethod.APPROVAL)
    r = [resident_of() for _ in range(3)]
    a = _approved(world, staff, rnd, r[0], "楼道照明", "5000", "goods")
    b = _approved(world, staff, rnd, r[0], "亲子阅读", "5000")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(A(r[0]), rnd.pk, [a.pk, b.pk])
    actions.check_cast_ballot(A(r[1]), rnd.pk, [a.pk])
    actions.check_cast_ballot(A(r[2]), rnd.pk, [a.pk])
    assert [p.pk for p in actions.check_close_vote(staff["haiyu"], rnd.pk)] == [a.pk]


def test_a_resident_votes_once_and_a_paper_ballot_number_is_entered_once(world, staff, resident_of):
    rnd = _round(world, staff)
    r = resident_of()
    p = _approved(world, staff, rnd, r, "楼道照明", "5000", "goods")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(A(r), rnd.pk, [p.pk])
    with pytest.raises(AlreadyDone):
        actions.check_cast_ballot(A(r), rnd.pk, [p.pk])
    actions.check_enter_paper_ballot(staff["haiyu"], rnd.pk, "7", [p.pk])
    with pytest.raises(AlreadyDone):
        actions.check_enter_paper_ballot(staff["haiyu"], rnd.pk, "7", [p.pk])


def test_a_project_goes_through_every_phase_with_an_audited_history(world, staff, resident_of):
    rnd = _round(world, staff)
    r = resident_of()
    p = _approved(world, staff, rnd, r, "楼道照明", "5000", "goods")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(A(r), rnd.pk, [p.pk])
    actions.check_close_vote(staff["haiyu"], rnd.pk)
    actions.check_add_milestone(staff["haiyu"], p.pk, "采购灯具")
    actions.check_add_observer(staff["haiyu"], p.pk, r.pk)
    actions.check_report_progress(r, p.pk, "灯已经装了一半")
    actions.check_report_progress(staff["haiyu"], p.pk, "安装过半", progress=50)
    actions.check_start_evaluation(staff["haiyu"], p.pk)
    p.refresh_from_db()
    actions.check_answer_survey(A(r), p.survey.pk, {q.pk: _answer(q) for q in p.survey.questions.all()})
    actions.check_finish_project(staff["haiyu"], p.pk)
    phases = list(PhaseEvent.objects.filter(project=p).values_list("to_phase", flat=True))
    assert phases == ["proposed", "approved", "voting", "implementing", "evaluating", "done"]


def _answer(question):
    if question.kind == "rating":
        return 5
    if question.kind == "text":
        return "很好"
    return question.choices.first().pk


def test_a_phase_cannot_be_skipped(world, staff, resident_of):
    rnd = _round(world, staff)
    p = _approved(world, staff, rnd, resident_of(), "楼道照明", "5000", "goods")
    with pytest.raises(PhaseError):
        actions.check_start_evaluation(staff["haiyu"], p.pk)


def test_a_resident_who_is_not_an_observer_cannot_report_progress(world, staff, resident_of):
    rnd = _round(world, staff)
    r = resident_of()
    p = _approved(world, staff, rnd, r, "楼道照明", "5000", "goods")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(A(r), rnd.pk, [p.pk])
    actions.check_close_vote(staff["haiyu"], rnd.pk)
    from jiceng.community.exceptions import NotStaff

    with pytest.raises(NotStaff):
        actions.check_report_progress(resident_of(), p.pk, "我看到了")


def test_outsider_resident_cannot_propose_or_vote_in_another_community(world, staff, resident_of):
    rnd = _round(world, staff)
    with pytest.raises(Missing):
        actions.check_propose(A(resident_of("gushu")), rnd.pk, "外人项目", "外人的提议内容")
