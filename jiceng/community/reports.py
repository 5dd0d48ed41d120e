"""Survey results for charts and the .xlsx export."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.community.models import Answer, QuestionKind, Survey
from jiceng.lib.cells import safe_row


def survey_results(survey: Survey) -> list[dict[str, Any]]:
    """Per question: choice counts (single/multiple), rating distribution and average, or texts."""
    questions = list(survey.questions.prefetch_related("choices"))
    answers = Answer.objects.filter(response__survey=survey).prefetch_related("choices")
    by_question: dict[int, list[Answer]] = {q.pk: [] for q in questions}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    out = []
    for question in questions:
        rows = by_question[question.pk]
        item: dict[str, Any] = {
            "id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "n": len(rows),
        }
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counter = Counter(c.pk for a in rows for c in a.choices.all())
            choices = list(question.choices.all())
            item["labels"] = [c.text for c in choices]
            item["counts"] = [counter.get(c.pk, 0) for c in choices]
        elif question.kind == QuestionKind.RATING:
            ratings = [a.rating for a in rows if a.rating]
            counter = Counter(ratings)
            item["labels"] = [f"{n}分" for n in range(1, 6)]
            item["counts"] = [counter.get(n, 0) for n in range(1, 6)]
            item["average"] = round(sum(ratings) / len(ratings), 2) if ratings else None
        else:
            item["texts"] = [a.text for a in rows if a.text]
        out.append(item)
    return out


def survey_xlsx(survey: Survey) -> io.BytesIO:
    """One row per response, one column per question (choices joined by “、”)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("答卷")
    questions = list(survey.questions.all())
    sheet.append(safe_row([_("提交时间")] + [q.text for q in questions]))
    responses = survey.responses.prefetch_related("answers__choices").order_by("submitted_at", "id")
    for response in responses:
        answers = {a.question_id: a for a in response.answers.all()}
        row: list[str | int] = [timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M")]
        for question in questions:
            answer = answers.get(question.pk)
            if answer is None:
                row.append("")
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                row.append("、".join(c.text for c in answer.choices.all()))
            elif question.kind == QuestionKind.RATING:
                row.append(answer.rating if answer.rating is not None else "")
            else:
                row.append(answer.text)
        sheet.append(safe_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer
