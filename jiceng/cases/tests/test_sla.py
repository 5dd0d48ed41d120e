"""Deadlines from the trail across holidays, suspensions, warnings, overdue marks and the sweep."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from jiceng.cases import actions, sla, trail
from jiceng.cases.models import Case, CaseEvent, Notification, Status
from jiceng.cases.tests.conftest import at, submit
from jiceng.core.calendar import Actor, current_calendar, do_set_day
from jiceng.testing import World


def accepted(world: World, when: dt.datetime, **kw) -> Case:  # type: ignore[no-untyped-def]
    case = submit(world, at=when, **kw)
    return actions.check_accept(world.people["handler"], case.pk, at=when + dt.timedelta(hours=1))


def test_two_working_days_accepted_before_national_day_end_after_it(cw: World) -> None:
    case = accepted(cw, at(2026, 9, 30, 10))
    assert case.due_at == at(2026, 10, 9, 18)
    # 80% of its own 19 working hours (9-30 11:00–18:00, then 10-08 and 10-09): 15.2 h on
    assert case.warn_at == at(2026, 10, 9, 14, 12)


def test_the_residents_clock_runs_from_registration(cw: World) -> None:
    case = accepted(cw, at(2026, 9, 30, 10))
    assert case.resident_due_at == at(2026, 10, 10, 18)  # the make-up Saturday counts


def test_the_acceptance_limit_counts_working_hours_over_the_lunch_break(cw: World) -> None:
    case = submit(cw, at=at(2026, 3, 10, 11, 30))
    assert case.status == Status.DISPATCHED
    assert case.due_at == at(2026, 3, 10, 14, 30)  # 1 working hour: 11:30–12:00, 14:00–14:30


def test_a_suspension_stops_the_clock_for_its_working_time(cw: World) -> None:
    case = accepted(cw, at(2026, 3, 10, 9))
    assert case.due_at == at(2026, 3, 12, 18)
    actions.check_suspend(cw.people["dispatcher"], case.pk, reason="等待配合", at=at(2026, 3, 11, 9))
    case = actions.check_resume(cw.people["dispatcher"], case.pk, at=at(2026, 3, 12, 9))
    assert case.due_at == at(2026, 3, 13, 18)


def test_the_sweep_warns_then_marks_overdue_once(cw: World) -> None:
    case = accepted(cw, at(2026, 3, 10, 9))
    report = sla.sweep(now=at(2026, 3, 12, 17))
    assert report.warnings == 1 and Case.objects.get(pk=case.pk).warned
    report = sla.sweep(now=at(2026, 3, 12, 19))
    case = Case.objects.get(pk=case.pk)
    assert report.overdue >= 1 and case.overdue
    marks = list(case.events.filter(action__startswith="sla_").values_list("action", "data__clock"))
    assert marks == [("sla_warning", "unit"), ("sla_overdue", "unit")]
    again = sla.sweep(now=at(2026, 3, 12, 19))
    assert again.claimed == 0 and case.events.count() == Case.objects.get(pk=case.pk).events.count()


def test_the_residents_clock_gets_its_own_overdue_mark(cw: World) -> None:
    case = accepted(cw, at(2026, 3, 10, 9))
    sla.sweep(now=at(2026, 3, 16, 9))
    case = Case.objects.get(pk=case.pk)
    assert case.resident_overdue and case.overdue
    assert case.events.filter(action="sla_overdue", data__clock="resident").count() == 1


def test_two_runners_never_act_twice_on_the_same_case(cw: World) -> None:
    for _ in range(3):
        accepted(cw, at(2026, 3, 10, 9))
    now = at(2026, 3, 12, 19)
    stale = sla.due_rows(now)  # runner A has read the due cases…
    assert len(stale) == 3
    sla.sweep(now=now)  # …runner B claims and handles them first
    before = CaseEvent.objects.count()
    report = sla.SweepReport()
    claimed = [sla.process(pk, version, now, current_calendar(), report) for pk, version, _ in stale]
    assert claimed == [False, False, False] and report.skipped == 3
    assert CaseEvent.objects.count() == before


def test_two_bulk_runners_never_mark_the_same_case_twice(cw: World) -> None:
    for _ in range(3):
        accepted(cw, at(2026, 3, 10, 9))
    now = at(2026, 3, 12, 19)
    cal = current_calendar()
    stale = [sla.plan_marks(row, now, cal) for row in sla._due_rows_full(now, 100, None)]  # runner A reads…
    assert len(stale) == 3 and all(m is not None for m in stale)
    first = sla.sweep(now=now)  # …runner B claims and marks them first
    before = CaseEvent.objects.count()
    report = sla.SweepReport()
    sla._mark_in_bulk([m for m in stale if m is not None], now, report)
    assert first.claimed == 3 and report.claimed == 0 and report.skipped == 3
    assert CaseEvent.objects.count() == before


def test_bulk_marks_leave_the_same_deadlines_as_a_replay_of_the_trail(cw: World) -> None:
    cases = [
        accepted(cw, at(2026, 3, 10, 9)),
        accepted(cw, at(2026, 3, 10, 15)),
        submit(cw, at=at(2026, 3, 9, 9)),
    ]
    for now in (at(2026, 3, 12, 17), at(2026, 3, 12, 19), at(2026, 3, 16, 9), at(2026, 3, 20, 9)):
        sla.sweep(now=now)
    cal = current_calendar()
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("event_type"):
        clocks = sla.compute(case.event_type, case.status, sla.steps_of(case), cal, at(2026, 3, 20, 9))
        assert [getattr(case, name) for name in sla.CACHED] == [getattr(clocks, name) for name in sla.CACHED]
    assert list(trail.verify()) == []


def test_correcting_the_calendar_recomputes_the_deadline(cw: World) -> None:
    case = accepted(cw, at(2026, 3, 10, 9))
    do_set_day(Actor("test"), dt.date(2026, 3, 11), False, "临时放假")
    sla.recompute_all()
    assert Case.objects.get(pk=case.pk).due_at == at(2026, 3, 13, 18)


def test_a_missing_calendar_year_gives_no_deadline_and_an_alert(cw: World) -> None:
    last = max(current_calendar().years)
    case = submit(cw, at=at(last, 12, 28, 10), type_code="LD02", description="公司不签劳动合同")
    accepted_case = case
    assert accepted_case.resident_due_at is None and str(last + 1) in accepted_case.sla_note
    assert Notification.objects.filter(kind="calendar_missing", data__year=last + 1).exists()
    assert accepted_case.next_check_at is not None  # retried later, never guessed


def test_the_sla_command_runs_one_pass(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    accepted(cw, at(2026, 3, 10, 9))
    call_command("sla", "run", "--once")
    assert Case.objects.get().overdue


def test_the_runner_stops_after_the_current_pass_when_asked(cw: World) -> None:
    runner = sla.Runner(interval=3600)
    runner.stop()
    report = runner.run()
    assert report.errors == 0


def test_cases_started_at_different_times_of_one_day_warn_at_different_moments(cw: World) -> None:
    early = accepted(cw, at(2026, 3, 10, 8))  # accepted 09:00: 7 + 14 working hours to 03-12 18:00
    late = accepted(cw, at(2026, 3, 10, 16))  # accepted 17:00: 1 + 14 hours to the same deadline
    assert early.due_at == late.due_at == at(2026, 3, 12, 18)
    assert early.warn_at == at(2026, 3, 12, 11, 48)  # 80% of 21 h = 16.8 h: 7 + 7 + 2.8
    assert late.warn_at == at(2026, 3, 12, 15)  # 80% of 15 h = 12 h after 17:00


def test_a_bounded_pass_stops_at_its_size_and_the_next_passes_finish_the_backlog(cw: World) -> None:
    cases = [accepted(cw, at(2026, 3, 10, 9, minute)) for minute in range(5)]
    now = at(2026, 3, 12, 19)  # all five are overdue
    first = sla.sweep(now=now, batch=2, most=3)
    assert first.full and first.claimed == 3
    assert sorted(Case.objects.filter(overdue=True).values_list("pk", flat=True)) == [c.pk for c in cases[:3]]
    second = sla.sweep(now=now, batch=2, most=3)
    assert not second.full and second.claimed == 2
    assert Case.objects.filter(overdue=False).count() == 0
    assert sla.sweep(now=now, most=3).claimed == 0


def test_the_runner_works_off_a_backlog_in_back_to_back_passes(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    for minute in range(5):
        accepted(cw, at(2026, 3, 10, 9, minute))
    call_command("sla", "run", "--once", "--pass-cases", "2")
    out = capsys.readouterr().out
    assert out.count("处理 2 件") == 2 and "处理 1 件" in out
    assert Case.objects.filter(overdue=False).count() == 0


def test_a_full_pass_says_where_it_stopped_and_the_next_pass_goes_on_from_there(cw: World) -> None:
    cases = [accepted(cw, at(2026, 3, 10, 9, minute)) for minute in range(5)]
    now = at(2026, 3, 12, 19)
    first = sla.sweep(now=now, most=2)
    assert first.full and first.last is not None and first.last[1] == cases[1].pk
    # Going on from there skips the first two even if they were still due (a case that failed its
    # check is not met again until the backlog is done), and takes the next ones.
    Case.objects.filter(pk__in=[cases[0].pk, cases[1].pk]).update(next_check_at=at(2026, 3, 12, 18))
    second = sla.sweep(now=now, most=2, after=first.last)
    assert second.claimed == 2 and second.last is not None and second.last[1] == cases[3].pk
    assert sorted(Case.objects.filter(overdue=True).values_list("pk", flat=True)) == [c.pk for c in cases[:4]]


def test_the_runner_is_a_worker_loop_with_a_heartbeat(cw: World) -> None:
    from jiceng.core.models import WorkerBeat

    accepted(cw, at(2026, 3, 10, 9))
    report = sla.Runner(interval=0.01).run(once=True)
    assert report.claimed >= 1
    assert WorkerBeat.objects.get(name="sla").state == "stopped"


def test_bulk_marks_write_what_the_case_by_case_check_writes(cw: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # given two identical sets of cases; the second is always checked case by case (a replay)
    moments = [at(2026, 3, 10, 9), at(2026, 3, 10, 15), at(2026, 3, 11, 10)]
    bulk = [accepted(cw, when) for when in moments]
    replayed = [accepted(cw, when) for when in moments]
    slow = {c.pk for c in replayed}
    plan = sla.plan_marks
    monkeypatch.setattr(
        sla, "plan_marks", lambda row, now, cal: None if row[0] in slow else plan(row, now, cal)
    )
    marked_in_bulk: set[int] = set()
    mark_in_bulk = sla._mark_in_bulk

    def spy(marks, now, report):  # type: ignore[no-untyped-def]
        marked_in_bulk.update(m.pk for m in marks)
        mark_in_bulk(marks, now, report)

    monkeypatch.setattr(sla, "_mark_in_bulk", spy)
    # when the runner passes at warnings, unit deadlines and the residents' deadlines
    for now in (at(2026, 3, 12, 17), at(2026, 3, 12, 19), at(2026, 3, 16, 9), at(2026, 3, 20, 9)):
        sla.sweep(now=now)
    # then the events, the outbox rows and the cached columns are the same, and the chains verify

    def written(case: Case) -> tuple[object, ...]:
        events = list(
            case.events.order_by("seq").values_list(
                "seq",
                "at",
                "action",
                "from_status",
                "to_status",
                "actor_id",
                "unit_id",
                "reason",
                "data",
                "keyed",
            )
        )
        notices = list(
            Notification.objects.filter(case=case, kind__startswith="sla_")
            .order_by("id")
            .values_list("kind", "unit_id", "role", "message", "data", "sent_at", "state", "attempts")
        )
        fresh = Case.objects.get(pk=case.pk)
        return events, notices, [getattr(fresh, name) for name in (*sla.CACHED, "sla_note", "trail_length")]

    for a, b in zip(bulk, replayed, strict=True):
        assert written(a) == written(b)
    assert any(e[2] == "sla_overdue" for c in bulk for e in written(c)[0])
    assert Notification.objects.filter(case__in=bulk, kind="sla_warning").exists()
    assert marked_in_bulk == {c.pk for c in bulk}
    assert list(trail.verify()) == []
