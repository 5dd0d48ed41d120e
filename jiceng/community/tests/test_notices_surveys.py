from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.community import actions
from jiceng.community.exceptions import AlreadyDone, CommunityError, NotStaff
from jiceng.community.reports import survey_results, survey_xlsx

pytestmark = pytest.mark.django_db
A = actions.Actor


def _notice(world, staff, **kw):
    return actions.check_save_notice(
        staff["haiyu"], [world.communities["haiyu"]], "停水通知", "明日 9 点停水", **kw
    )


def test_a_published_notice_reaches_only_its_communities(world, staff):
    notice = _notice(world, staff)
    actions.check_publish_notice(staff["haiyu"], notice.pk)
    assert list(actions.visible_notices(world.communities["haiyu"])) == [notice]
    assert not actions.visible_notices(world.communities["gushu"]).exists()


def test_a_scheduled_notice_appears_at_its_time(world, staff, time_machine):
    notice = _notice(world, staff)
    at = timezone.now() + dt.timedelta(hours=3)
    actions.check_publish_notice(staff["haiyu"], notice.pk, at)
    assert not actions.visible_notices(world.communities["haiyu"]).exists()
    time_machine.move_to(at + dt.timedelta(minutes=1))
    assert actions.visible_notices(world.communities["haiyu"]).exists()


def test_a_withdrawn_notice_disappears(world, staff):
    notice = _notice(world, staff)
    actions.check_publish_notice(staff["haiyu"], notice.pk)
    actions.check_withdraw_notice(staff["haiyu"], notice.pk)
    assert not actions.visible_notices(world.communities["haiyu"]).exists()


def test_outsider_staff_cannot_publish_to_another_community(world, staff):
    with pytest.raises(NotStaff):
        actions.check_save_notice(staff["gushu"], [world.communities["haiyu"]], "x", "y")


def _survey(world, staff):
    questions = actions.parse_questions(
        "单选: 您的年龄段 | 18-40 | 41-60 | 60以上\n多选: 希望增加的活动 | 书法 | 舞蹈 | 电影\n评分: 满意度\n文字: 建议"
    )
    return actions.check_create_survey(
        staff["haiyu"], world.communities["haiyu"], "居民活动需求调查", questions
    )


def _answers(survey, rating=4):
    q = list(survey.questions.all())
    c0 = list(q[0].choices.all())
    c1 = list(q[1].choices.all())
    return {q[0].pk: c0[2].pk, q[1].pk: [c1[0].pk, c1[2].pk], q[2].pk: rating, q[3].pk: "多办活动"}


def test_a_resident_answers_a_survey_once(world, staff, resident_of):
    survey = _survey(world, staff)
    r = resident_of()
    actions.check_answer_survey(A(r), survey.pk, _answers(survey))
    with pytest.raises(AlreadyDone):
        actions.check_answer_survey(A(r), survey.pk, _answers(survey))


def test_a_single_choice_question_refuses_two_answers(world, staff, resident_of):
    survey = _survey(world, staff)
    answers = _answers(survey)
    q0 = survey.questions.first()
    answers[q0.pk] = [c.pk for c in q0.choices.all()[:2]]
    with pytest.raises(CommunityError):
        actions.check_answer_survey(A(resident_of()), survey.pk, answers)


def test_survey_results_count_choices_and_average_ratings_and_export_to_xlsx(world, staff, resident_of):
    survey = _survey(world, staff)
    actions.check_answer_survey(A(resident_of()), survey.pk, _answers(survey, 4))
    actions.check_answer_survey(A(resident_of()), survey.pk, _answers(survey, 2))
    results = survey_results(survey)
    assert results[0]["counts"] == [0, 0, 2]
    assert results[2]["average"] == 3.0
    workbook = load_workbook(survey_xlsx(survey))
    assert workbook.active.max_row == 3


def test_outsider_resident_cannot_answer_another_communitys_survey(world, staff, resident_of):
    from jiceng.community.exceptions import Missing

    survey = _survey(world, staff)
    with pytest.raises(Missing):
        actions.check_answer_survey(A(resident_of("gushu")), survey.pk, _answers(survey))
