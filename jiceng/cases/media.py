"""Who may fetch a case photo: whoever may see the case (``permissions.access_case``)."""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile

from jiceng.cases.exceptions import CaseNotFound
from jiceng.cases.models import Case, CasePhoto
from jiceng.cases.permissions import access_case


def case_photo(user: Any, name: str) -> tuple[FieldFile, str]:
    photo = CasePhoto.objects.filter(file=name).only("case_id", "file", "content_type").first()
    if photo is None:
        raise CaseNotFound("")
    access_case(user, photo.case_id, queryset=Case.objects.all())
    return photo.file, photo.content_type


MEDIA = {"cases/": case_photo}
