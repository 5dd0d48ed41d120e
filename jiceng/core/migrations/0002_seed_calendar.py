"""Seed the working-day calendar from the ``chinesecalendar`` package: every year it has (2004 onward),
marked complete. Years the package does not have yet are added by an administrator."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from jiceng.core.calendar import Actor, seed_from_package
    from jiceng.lib.workdays import package_years

    first, last = package_years()
    seed_from_package(
        apps.get_model("core", "CalendarYear"),
        apps.get_model("core", "CalendarDay"),
        apps.get_model("core", "CalendarChange"),
        Actor("migration"),
        first,
        last,
    )
    apps.get_model("core", "CalendarState").objects.update_or_create(
        id=1, defaults={"version": uuid.uuid4().hex}
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    for name in ("CalendarDay", "CalendarYear", "CalendarChange", "CalendarState"):
        apps.get_model("core", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
