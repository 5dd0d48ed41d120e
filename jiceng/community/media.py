"""Who may fetch a portal file: a request's photos go to the resident who asked and the staff of the
request's community (``actions.access_request``); a project's progress photos to whoever may see the
project (``actions.access_project``)."""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile

from jiceng.community.actions import access_project, access_request
from jiceng.community.exceptions import Missing
from jiceng.community.models import ProgressReport, RequestPhoto


def request_photo(user: Any, name: str) -> tuple[FieldFile, str]:
    photo = RequestPhoto.objects.filter(file=name).first()
    if photo is None:
        raise Missing("")
    access_request(user, photo.request_id)
    return photo.file, ""  # the type is sniffed from the stored bytes


def progress_photo(user: Any, name: str) -> tuple[FieldFile, str]:
    report = ProgressReport.objects.filter(photo=name).first()
    if report is None:
        raise Missing("")
    access_project(user, report.project_id)
    return report.photo, ""


MEDIA = {"community/requests/": request_photo, "community/projects/": progress_photo}
