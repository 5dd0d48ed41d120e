"""The calendar kept in the database: seeding, corrections, the audit trail, the cache, the alert."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from jiceng.core import calendar
from jiceng.core.exceptions import JicengError, PermissionDenied
from jiceng.core.models import CalendarAction, CalendarChange, CalendarDay, CalendarState, CalendarYear
from jiceng.lib.workdays import SHANGHAI, CalendarMissing, package_years

pytestmark = pytest.mark.django_db

PASSWORD = "calendar-test-pass"  # noqa: S105


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def admin(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("cal-admin", password=PASSWORD)


@pytest.fixture
def clerk(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("cal-clerk", password=PASSWORD)


def enter_2027(admin: Any) -> None:
    calendar.check_set_year(admin, 2027, complete=False, note="测试用安排")
    for day in (dt.date(2027, 1, 1), *(dt.date(2027, 2, d) for d in range(5, 12))):
        calendar.check_set_day(admin, day, False, "春节" if day.month == 2 else "元旦")
    calendar.check_set_day(admin, dt.date(2027, 2, 13), True, "春节调休")


# -- seeding ----------------------------------------------------------------------------------------


def test_the_migration_seeds_every_year_the_package_has_as_complete() -> None:
    first, last = package_years()
    years = set(CalendarYear.objects.filter(complete=True, source="seeded").values_list("year", flat=True))
    assert years == set(range(first, last + 1))


def test_seeded_days_carry_chinese_holiday_names() -> None:
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    make_up = CalendarDay.objects.get(date=dt.date(2026, 10, 10))
    assert make_up.is_workday and make_up.name == "国庆节调休"


def test_the_database_calendar_gives_the_official_deadline() -> None:
    assert calendar.current_calendar().add(at(2026, 9, 30, 10), 3, "workday") == at(2026, 10, 10, 18)


def test_seeding_again_keeps_an_administrators_correction(admin: Any) -> None:
    calendar.check_set_day(admin, dt.date(2026, 10, 9), False, "临时放假")
    call_command("calendar", "seed", "--from-package", stdout=StringIO())
    assert not CalendarDay.objects.get(date=dt.date(2026, 10, 9)).is_workday


def test_seeding_with_overwrite_restores_the_package_data(admin: Any) -> None:
    calendar.check_set_day(admin, dt.date(2026, 10, 9), False, "临时放假")
    call_command(
        "calendar", "seed", "--first-year", "2026", "--last-year", "2026", "--overwrite", stdout=StringIO()
    )
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 9)).exists()
    assert CalendarChange.objects.filter(
        action=CalendarAction.SEEDED, year=2026, actor="jiceng calendar seed"
    ).exists()


def test_seeding_a_year_the_package_lacks_fails_loudly() -> None:
    with pytest.raises(CommandError, match="没有"):
        call_command("calendar", "seed", "--last-year", str(package_years()[1] + 1), stdout=StringIO())


# -- corrections recompute deadlines ----------------------------------------------------------------


def test_a_correction_in_the_database_moves_the_deadline(admin: Any) -> None:
    # given the official deadline
    start = at(2026, 9, 30, 10)
    assert calendar.current_calendar().add(start, 3, "workday") == at(2026, 10, 10, 18)
    # when 9 October is declared a holiday
    calendar.check_set_day(admin, dt.date(2026, 10, 9), False, "临时放假")
    # then the same clock ends one working day later
    assert calendar.current_calendar().add(start, 3, "workday") == at(2026, 10, 12, 18)


def test_removing_a_correction_restores_the_weekly_rule(admin: Any) -> None:
    calendar.check_delete_day(admin, dt.date(2026, 10, 10))
    assert not calendar.current_calendar().is_workday(dt.date(2026, 10, 10))
    assert calendar.current_calendar().add(at(2026, 9, 30, 10), 3, "workday") == at(2026, 10, 12, 18)


def test_a_save_that_bypasses_the_actions_still_refreshes_the_calendar() -> None:
    assert calendar.current_calendar().is_workday(dt.date(2026, 3, 9))
    CalendarDay.objects.create(date=dt.date(2026, 3, 9), is_workday=False, name="直接写入")
    assert not calendar.current_calendar().is_workday(dt.date(2026, 3, 9))


def test_a_change_made_by_another_process_is_picked_up_through_the_version() -> None:
    assert calendar.current_calendar().is_workday(dt.date(2026, 3, 9))
    # another process: rows written without signals in this process, then the version moved
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=dt.date(2026, 3, 9), is_workday=False, name="他处修改")]
    )
    calendar._dirty = False  # what this process knows: nothing
    CalendarState.objects.filter(id=1).update(version="moved-elsewhere")
    assert not calendar.current_calendar().is_workday(dt.date(2026, 3, 9))


def test_an_unchanged_calendar_costs_one_small_query(django_assert_num_queries: Any) -> None:
    first = calendar.current_calendar()
    with django_assert_num_queries(1):
        again = calendar.current_calendar()
    assert again is first


def test_with_a_recheck_interval_an_unchanged_calendar_costs_no_query(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.JICENG_CALENDAR_RECHECK_SECONDS = 60
    first = calendar.current_calendar()
    with django_assert_num_queries(0):
        assert calendar.current_calendar() is first


# -- the audit trail and permissions ----------------------------------------------------------------


def test_a_correction_writes_an_audit_row_with_before_and_after(admin: Any) -> None:
    calendar.check_set_day(admin, dt.date(2026, 10, 10), False, "取消调休", note="通知更正")
    change = CalendarChange.objects.filter(action=CalendarAction.DAY_SET).latest("id")
    assert (change.actor, change.actor_id, change.date) == ("cal-admin", admin.pk, dt.date(2026, 10, 10))
    assert change.before == {"is_workday": True, "name": "国庆节调休", "source": "seeded"}
    assert change.after == {"is_workday": False, "name": "取消调休", "source": "manual"}
    assert change.note == "通知更正"


def test_a_user_who_is_not_an_administrator_cannot_change_the_calendar(clerk: Any) -> None:
    with pytest.raises(PermissionDenied):
        calendar.check_set_day(clerk, dt.date(2026, 10, 9), False, "放假")
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 9)).exists()


# -- a year not yet published -----------------------------------------------------------------------


def test_a_year_without_data_stops_the_clock_with_calendar_missing() -> None:
    with pytest.raises(CalendarMissing) as error:
        calendar.current_calendar().add(at(2026, 12, 28, 10), 5, "workday")
    assert error.value.year == 2027


def test_an_incomplete_year_is_not_used(admin: Any) -> None:
    enter_2027(admin)
    with pytest.raises(CalendarMissing):
        calendar.current_calendar().is_workday(dt.date(2027, 1, 4))


def test_a_year_without_any_weekday_holiday_cannot_be_marked_complete(admin: Any) -> None:
    calendar.check_set_year(admin, 2027, complete=False)
    with pytest.raises(JicengError) as error:
        calendar.check_set_year(admin, 2027, complete=True)
    assert error.value.code == "calendar_incomplete"


def test_an_administrator_can_add_a_year_and_deadlines_then_run_into_it(admin: Any) -> None:
    # given 2027 entered and marked complete
    enter_2027(admin)
    calendar.check_set_year(admin, 2027, complete=True, note="国办发明电〔2026〕X号")
    # then a clock across New Year skips 1 January 2027 (a Friday) and the weekend
    assert calendar.current_calendar().add(at(2026, 12, 31, 10), 1, "workday") == at(2027, 1, 4, 18)
    # and the make-up Saturday before Spring Festival counts
    assert calendar.current_calendar().add(at(2027, 2, 4, 10), 1, "workday") == at(2027, 2, 12, 18)
    assert calendar.current_calendar().add(at(2027, 2, 12, 10), 1, "workday") == at(2027, 2, 13, 18)


def test_the_admin_pages_change_the_calendar_and_leave_both_audit_trails(client: Any, admin: Any) -> None:
    # given an administrator in the admin
    client.force_login(admin)
    # when they add a holiday and then the year
    response = client.post(
        "/admin/core/calendarday/add/", {"date": "2027-01-01", "is_workday": "", "name": "元旦"}, follow=False
    )
    assert response.status_code == 302
    response = client.post(
        "/admin/core/calendaryear/add/", {"year": "2027", "complete": "on", "note": "测试"}
    )
    assert response.status_code == 302
    # then the calendar counts 2027 and both trails hold the changes
    assert not calendar.current_calendar().is_workday(dt.date(2027, 1, 1))
    assert CalendarChange.objects.filter(actor="cal-admin", year=2027).count() == 2
    assert LogEntry.objects.filter(user=admin).count() == 2


def test_the_admin_refuses_a_complete_year_without_holidays(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.post("/admin/core/calendaryear/add/", {"year": "2027", "complete": "on", "note": ""})
    assert response.status_code == 200
    assert "不能标记为完整" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_admin_lists_a_years_days_in_chinese(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.get("/admin/core/calendarday/?year=2026")
    assert response.status_code == 200
    assert "国庆节调休" in response.content.decode()


# -- the alert --------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI), tick=False)
def test_in_june_only_this_year_is_needed() -> None:
    assert calendar.calendar_alert() == []


@time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), tick=False)
def test_from_november_next_year_is_needed_and_reported_missing() -> None:
    assert calendar.calendar_alert() == [2027]
    assert "2027" in calendar.alert_message([2027])


@time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), tick=False)
def test_the_alert_clears_once_next_year_is_complete(admin: Any) -> None:
    enter_2027(admin)
    calendar.check_set_year(admin, 2027, complete=True)
    assert calendar.calendar_alert() == []


@time_machine.travel(dt.datetime(2028, 3, 1, 9, tzinfo=SHANGHAI), tick=False)
def test_a_missing_current_year_is_reported() -> None:
    assert calendar.calendar_alert() == [2028]


# -- the command ------------------------------------------------------------------------------------


def test_show_prints_a_years_holidays_and_make_up_days() -> None:
    out = StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    text = out.getvalue()
    assert "2026-10-10 周六  上班  国庆节调休" in text
    assert "全年工作日 248 天" in text


def test_show_refuses_a_year_without_data() -> None:
    with pytest.raises(CommandError, match="没有 2031 年"):
        call_command("calendar", "show", "2031", stdout=StringIO())


def test_load_enters_a_published_year_from_csv(tmp_path: Path) -> None:
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,is_workday,name\n2027-01-01,放假,元旦\n2027-02-08,0,春节\n2027-02-13,上班,春节调休\n",
        encoding="utf-8",
    )
    call_command("calendar", "load", str(csv_file), "--year", "2027", "--complete", stdout=StringIO())
    cal = calendar.current_calendar()
    assert not cal.is_workday(dt.date(2027, 2, 8))
    assert cal.is_workday(dt.date(2027, 2, 13))
    assert CalendarChange.objects.filter(actor="jiceng calendar load", year=2027).count() == 5


def test_load_refuses_a_row_of_another_year(tmp_path: Path) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("date,is_workday,name\n2026-01-01,0,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不在 2027 年"):
        call_command("calendar", "load", str(csv_file), "--year", "2027", stdout=StringIO())


def test_with_the_calendar_tables_emptied_the_package_data_is_used() -> None:
    # A transactional test flushes the rows the data migration seeded (no signals, like this);
    # clocks must keep running.
    with connection.cursor() as cursor:
        for model in (CalendarDay, CalendarYear, CalendarState):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - fixed table names
    assert calendar.current_calendar().add(at(2026, 9, 30, 10), 3, "workday") == at(2026, 10, 10, 18)
