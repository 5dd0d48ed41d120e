"""The working-day calendar and deadline arithmetic (framework-free, no database)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from jiceng.lib.workdays import SHANGHAI, Calendar, CalendarMissing, WorkingHours, package_years

OFFICIAL = Calendar.from_chinese_calendar(2004, 2026)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# -- the official data ------------------------------------------------------------------------------


def test_the_package_has_the_2026_national_day_holiday_and_its_make_up_saturday() -> None:
    assert package_years()[1] >= 2026
    assert [OFFICIAL.is_workday(date(2026, 10, d)) for d in range(1, 12)] == [False] * 7 + [True] * 3 + [
        False
    ]


def test_a_make_up_sunday_before_spring_festival_is_a_workday() -> None:
    # 2026 春节: 2-15..2-23 off, Saturday 2-14 and Saturday 2-28 worked.
    assert OFFICIAL.is_workday(date(2026, 2, 14))
    assert OFFICIAL.is_workday(date(2026, 2, 28))
    assert not OFFICIAL.is_workday(date(2026, 2, 23))


def test_an_ordinary_weekend_is_rest_and_an_ordinary_weekday_is_work() -> None:
    assert not OFFICIAL.is_workday(date(2026, 3, 7))
    assert OFFICIAL.is_workday(date(2026, 3, 9))


# -- working days -----------------------------------------------------------------------------------


def test_three_working_days_from_30_september_2026_end_on_the_make_up_saturday() -> None:
    assert OFFICIAL.add(at(2026, 9, 30, 10), 3, "workday") == at(2026, 10, 10, 18)


@pytest.mark.parametrize("hour", [0, 8, 10, 17, 23])
def test_the_hour_a_working_day_clock_starts_does_not_move_its_deadline(hour: int) -> None:
    assert OFFICIAL.add(at(2026, 3, 10, hour), 2, "workday") == at(2026, 3, 12, 18)


def test_one_working_day_from_friday_ends_monday_at_close_of_business() -> None:
    assert OFFICIAL.add(at(2026, 3, 13, 16), 1, "workday") == at(2026, 3, 16, 18)


def test_a_clock_started_on_a_saturday_counts_from_monday() -> None:
    assert OFFICIAL.add(at(2026, 3, 14, 11), 1, "workday") == at(2026, 3, 16, 18)


def test_working_days_skip_spring_festival_but_count_its_make_up_days() -> None:
    # given a clock started on Friday 13 February 2026
    start = at(2026, 2, 13, 15)
    # then day 1 is the make-up Saturday and day 2 the first weekday after the festival
    assert OFFICIAL.add(start, 1, "workday") == at(2026, 2, 14, 18)
    assert OFFICIAL.add(start, 2, "workday") == at(2026, 2, 24, 18)
    assert OFFICIAL.add(start, 5, "workday") == at(2026, 2, 27, 18)
    assert OFFICIAL.add(start, 6, "workday") == at(2026, 2, 28, 18)


def test_a_limit_across_new_year_runs_into_the_next_year() -> None:
    # 2025-12-31 Wed; 2026-01-01..03 off; Sunday 2026-01-04 is a make-up day.
    assert OFFICIAL.add(at(2025, 12, 30, 9), 2, "workday") == at(2026, 1, 4, 18)


def test_a_fractional_working_day_runs_into_the_next_day_by_working_hours() -> None:
    assert OFFICIAL.add(at(2026, 3, 9, 10), 0.5, "workday") == at(2026, 3, 10, 14, 30)
    assert OFFICIAL.add(at(2026, 3, 9, 10), 1.5, "workday") == at(2026, 3, 11, 14, 30)


def test_zero_working_days_is_the_start_itself() -> None:
    assert OFFICIAL.add(at(2026, 3, 9, 10), 0, "workday") == at(2026, 3, 9, 10)


def test_a_long_limit_is_exact() -> None:
    # 250 working days from 2025-01-02: count them the slow way.
    start = date(2025, 1, 2)
    d, counted = start, 0
    while counted < 250:
        d = date.fromordinal(d.toordinal() + 1)
        counted += OFFICIAL.is_workday(d)
    assert OFFICIAL.add(at(2025, 1, 2, 12), 250, "workday") == at(d.year, d.month, d.day, 18)


# -- working hours ----------------------------------------------------------------------------------


def test_working_hours_skip_the_lunch_break() -> None:
    assert OFFICIAL.add(at(2026, 3, 9, 11), 2, "workhour") == at(2026, 3, 9, 15)


def test_a_clock_started_at_lunch_begins_at_two() -> None:
    assert OFFICIAL.add(at(2026, 3, 9, 12, 30), 1, "workhour") == at(2026, 3, 9, 15)


def test_a_clock_started_in_the_evening_begins_next_working_morning() -> None:
    assert OFFICIAL.add(at(2026, 3, 13, 20), 1, "workhour") == at(2026, 3, 16, 10)


def test_working_hours_that_end_at_noon_end_at_noon_not_at_two() -> None:
    assert OFFICIAL.add(at(2026, 3, 9, 9), 3, "workhour") == at(2026, 3, 9, 12)


def test_working_hours_skip_national_day_and_use_the_make_up_saturday() -> None:
    # 30 Sept 16:00 → 2 h that day, then 7 h on 8 Oct, 7 h on 9 Oct, then 10 Oct (Saturday, worked).
    assert OFFICIAL.add(at(2026, 9, 30, 16), 17, "workhour") == at(2026, 10, 10, 10)


# -- minutes ----------------------------------------------------------------------------------------


def test_emergency_minutes_run_through_nights_and_holidays() -> None:
    assert OFFICIAL.add(at(2026, 9, 30, 23, 30), 60, "minute") == at(2026, 10, 1, 0, 30)


def test_minutes_need_no_calendar_data() -> None:
    assert Calendar({}, set()).add(at(2030, 1, 1), 30, "minute") == at(2030, 1, 1, 0, 30)


# -- elapsed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["workday", "workhour"])
@pytest.mark.parametrize("amount", [0.25, 1, 2.5, 3, 17])
@pytest.mark.parametrize(
    "start", [at(2026, 9, 30, 10), at(2026, 2, 13, 12, 30), at(2026, 3, 14, 7), at(2025, 12, 31, 17, 59)]
)
def test_elapsed_at_the_deadline_is_the_limit(start: datetime, amount: float, unit: str) -> None:
    assert OFFICIAL.elapsed(start, OFFICIAL.add(start, amount, unit), unit) == pytest.approx(amount)


def test_elapsed_working_hours_count_only_working_periods() -> None:
    assert OFFICIAL.elapsed(at(2026, 3, 13, 11), at(2026, 3, 16, 10), "workhour") == pytest.approx(6)


def test_the_day_a_working_day_clock_starts_does_not_count() -> None:
    assert OFFICIAL.elapsed(at(2026, 3, 9, 9), at(2026, 3, 9, 17), "workday") == 0


def test_elapsed_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert OFFICIAL.elapsed(at(2026, 3, 9, 12), at(2026, 3, 9, 10), "workhour") == 0
    assert OFFICIAL.elapsed(at(2026, 3, 9, 12), at(2026, 3, 9, 12), "minute") == 0


def test_elapsed_minutes_are_wall_clock() -> None:
    assert OFFICIAL.elapsed(at(2026, 10, 1, 8), at(2026, 10, 2, 8), "minute") == 1440


# -- pauses -----------------------------------------------------------------------------------------


def test_a_pause_over_two_working_days_moves_the_deadline_two_working_days() -> None:
    deadline = at(2026, 10, 9, 18)
    pause = (at(2026, 9, 28, 10), at(2026, 9, 30, 10))
    assert OFFICIAL.extend(deadline, [pause], "workday") == at(2026, 10, 12, 18)


def test_overlapping_pauses_count_once() -> None:
    deadline = at(2026, 3, 13, 18)
    pauses = [(at(2026, 3, 10, 9), at(2026, 3, 10, 12)), (at(2026, 3, 10, 11), at(2026, 3, 10, 15))]
    # 09:00–15:00 holds 4 working hours.
    assert OFFICIAL.extend(deadline, pauses, "workhour") == at(2026, 3, 16, 15)


def test_a_pause_over_a_holiday_does_not_extend_a_working_day_deadline() -> None:
    deadline = at(2026, 10, 12, 18)
    assert OFFICIAL.extend(deadline, [(at(2026, 10, 1), at(2026, 10, 8))], "workday") == deadline


def test_a_pause_of_an_emergency_clock_counts_wall_clock_time() -> None:
    deadline = at(2026, 10, 1, 12)
    assert OFFICIAL.extend(deadline, [(at(2026, 10, 1, 2), at(2026, 10, 1, 3))], "minute") == at(
        2026, 10, 1, 13
    )


def test_a_pause_inside_another_counts_once() -> None:
    deadline = at(2026, 10, 1, 12)
    pauses = [(at(2026, 10, 1, 1), at(2026, 10, 1, 4)), (at(2026, 10, 1, 2), at(2026, 10, 1, 3))]
    assert OFFICIAL.extend(deadline, pauses, "minute") == at(2026, 10, 1, 15)


def test_no_pause_leaves_the_deadline_alone() -> None:
    assert OFFICIAL.extend(at(2026, 3, 13, 18), [], "workday") == at(2026, 3, 13, 18)


# -- missing data and bad input ---------------------------------------------------------------------


def test_a_deadline_running_past_the_last_known_year_is_refused_not_guessed() -> None:
    with pytest.raises(CalendarMissing) as error:
        OFFICIAL.add(at(2026, 12, 28, 10), 5, "workday")
    assert error.value.year == 2027
    assert error.value.code == "calendar_missing"
    assert "2027" in error.value.message and "日历" in error.value.message


def test_a_date_in_a_year_without_data_is_refused() -> None:
    with pytest.raises(CalendarMissing):
        OFFICIAL.is_workday(date(2027, 1, 4))


def test_a_deadline_across_a_gap_year_is_refused() -> None:
    calendar = Calendar({}, {2024, 2026})
    with pytest.raises(CalendarMissing) as error:
        calendar.add(at(2024, 12, 30, 10), 5, "workday")
    assert error.value.year == 2025


def test_an_elapsed_time_across_a_gap_year_is_refused() -> None:
    calendar = Calendar({}, {2024, 2026})
    with pytest.raises(CalendarMissing):
        calendar.elapsed(at(2024, 12, 30, 10), at(2026, 1, 5, 10), "workhour")


def test_the_package_is_not_asked_for_a_year_it_does_not_have() -> None:
    with pytest.raises(CalendarMissing):
        Calendar.from_chinese_calendar(2004, package_years()[1] + 1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="时区"):
        OFFICIAL.add(datetime(2026, 3, 9, 10), 1, "workday")  # noqa: DTZ001 - the point of the test


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="负"):
        OFFICIAL.add(at(2026, 3, 9, 10), -1, "workday")


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="单位"):
        OFFICIAL.add(at(2026, 3, 9, 10), 1, "week")


def test_utc_input_gives_shanghai_output() -> None:
    result = OFFICIAL.add(datetime(2026, 9, 30, 2, tzinfo=UTC), 3, "workday")
    assert result == at(2026, 10, 10, 18)
    assert result.tzinfo == SHANGHAI


# -- custom calendars -------------------------------------------------------------------------------


def test_an_override_turns_a_weekday_into_a_holiday() -> None:
    calendar = Calendar({date(2030, 3, 5): False}, {2030})
    assert calendar.add(at(2030, 3, 4, 10), 1, "workday") == at(2030, 3, 6, 18)


def test_custom_working_hours_change_working_hour_deadlines() -> None:
    hours = WorkingHours(
        periods=((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))), close_of_business=time(17, 30)
    )
    calendar = Calendar({}, {2030}, hours)
    assert calendar.add(at(2030, 3, 4, 11), 2, "workhour") == at(2030, 3, 4, 14, 30)
    assert calendar.add(at(2030, 3, 4, 11), 1, "workday") == at(2030, 3, 5, 17, 30)


def test_overlapping_working_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="重叠"):
        WorkingHours(periods=((time(9), time(12)), (time(11), time(18))))


# -- the fast arithmetic against plain counting -----------------------------------------------------


def _reference_add(calendar: Calendar, start: datetime, amount: float, unit: str) -> datetime:
    """Walk forward day by day and period by period, the way a person counts on a wall calendar."""
    local = start.astimezone(SHANGHAI)
    periods = [(time(9), time(12)), (time(14), time(18))]
    if unit == "workday":
        whole, fraction = int(amount), amount - int(amount)
        d, counted = local.date(), 0
        while counted < whole:
            d = date.fromordinal(d.toordinal() + 1)
            counted += calendar.is_workday(d)
        if not fraction:
            return datetime.combine(d, time(18), tzinfo=SHANGHAI)
        local = datetime.combine(d, time(23, 59), tzinfo=SHANGHAI)
        remaining = fraction * 7 * 3600
    else:
        remaining = amount * 3600
    d = local.date()
    while True:
        if calendar.is_workday(d):
            for a, b in periods:
                begin = max(datetime.combine(d, a, tzinfo=SHANGHAI), local)
                end = datetime.combine(d, b, tzinfo=SHANGHAI)
                if begin >= end:
                    continue
                span = (end - begin).total_seconds()
                if remaining <= span:
                    return begin + timedelta(seconds=remaining)
                remaining -= span
        d = date.fromordinal(d.toordinal() + 1)


def test_fast_deadlines_agree_with_counting_day_by_day() -> None:
    rng = random.Random(20260930)
    for _ in range(400):
        day = date.fromordinal(rng.randint(date(2005, 1, 1).toordinal(), date(2025, 6, 1).toordinal()))
        start = datetime(
            day.year, day.month, day.day, rng.randint(0, 23), rng.choice((0, 15, 30, 59)), tzinfo=SHANGHAI
        )
        unit = rng.choice(("workday", "workhour"))
        amount = rng.choice((1, 2, 3, 5, 10, 20, 0.5, 2.25, 7.5))
        assert OFFICIAL.add(start, amount, unit) == _reference_add(OFFICIAL, start, amount, unit), (
            start,
            amount,
            unit,
        )
