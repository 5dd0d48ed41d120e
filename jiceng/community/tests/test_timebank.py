from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from jiceng.community import actions, ledger
from jiceng.community.exceptions import AlreadyDone, InsufficientBalance, LedgerError, OutOfStock
from jiceng.community.models import AccountKind, AppendOnlyError, Entry, Measure, Posting, PostingKind
from jiceng.community.tests.factories import activity, credit

pytestmark = pytest.mark.django_db
A = actions.Actor


def _balance(world, user, measure=Measure.POINTS):
    return ledger.balance(ledger.resident_account(world.communities["haiyu"], user), measure)


def test_confirmed_attendance_credits_hours_and_points(world, staff, resident_of):
    r = resident_of()
    credit(staff["haiyu"], world.communities["haiyu"], r, hours="2")
    assert _balance(world, r, Measure.HOURS) == Decimal("2")
    assert _balance(world, r) == Decimal("20")


def test_every_credit_has_its_counter_movement_on_the_issuance_account(world, staff, resident_of):
    credit(staff["haiyu"], world.communities["haiyu"], resident_of())
    issuance = ledger.system_account(world.communities["haiyu"], AccountKind.ISSUANCE)
    assert ledger.balance(issuance, Measure.HOURS) == Decimal("-2")
    assert ledger.reconcile().ok


def test_an_absent_volunteer_earns_nothing(world, staff, resident_of):
    r = resident_of()
    task = activity(staff["haiyu"], world.communities["haiyu"])
    signup = actions.check_signup_activity(A(r), task.pk)
    actions.check_confirm_attendance(staff["haiyu"], signup.pk, attended=False)
    assert _balance(world, r, Measure.HOURS) == 0


def test_attendance_cannot_be_credited_twice(world, staff, resident_of):
    r = resident_of()
    task = activity(staff["haiyu"], world.communities["haiyu"])
    signup = actions.check_signup_activity(A(r), task.pk)
    actions.check_confirm_attendance(staff["haiyu"], signup.pk)
    with pytest.raises(AlreadyDone):
        actions.check_confirm_attendance(staff["haiyu"], signup.pk)
    assert Posting.objects.count() == 1


def test_posting_the_same_idempotency_key_twice_returns_the_first_posting(world, staff, resident_of):
    community = world.communities["haiyu"]
    mine = ledger.resident_account(community, resident_of())
    issuance = ledger.system_account(community, AccountKind.ISSUANCE)
    lines = [(mine, Measure.HOURS, Decimal("1")), (issuance, Measure.HOURS, Decimal("-1"))]
    first = ledger.post("k-1", PostingKind.ADJUST, "补录", staff["haiyu"], lines)
    again = ledger.post("k-1", PostingKind.ADJUST, "补录", staff["haiyu"], lines)
    assert first.pk == again.pk and Entry.objects.count() == 2


def test_an_unbalanced_posting_is_refused(world, staff, resident_of):
    mine = ledger.resident_account(world.communities["haiyu"], resident_of())
    with pytest.raises(LedgerError):
        ledger.post("k-2", PostingKind.ADJUST, "x", staff["haiyu"], [(mine, Measure.HOURS, Decimal("1"))])


def test_ledger_rows_cannot_be_edited_or_deleted(world, staff, resident_of):
    credit(staff["haiyu"], world.communities["haiyu"], resident_of())
    entry = Entry.objects.first()
    entry.amount = Decimal("100")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        Posting.objects.first().delete()


def test_a_correction_is_a_reversal_posting_that_restores_the_balance(world, staff, resident_of):
    r = resident_of()
    credit(staff["haiyu"], world.communities["haiyu"], r)
    posting = Posting.objects.get()
    actions.check_reverse_posting(staff["haiyu"], posting.pk, "误录")
    assert _balance(world, r) == 0
    assert Posting.objects.count() == 2 and Entry.objects.count() == 8
    assert ledger.reconcile().ok


def test_redemption_takes_points_and_stock_and_issues_a_one_time_code(world, staff, resident_of):
    r = resident_of()
    credit(staff["haiyu"], world.communities["haiyu"], r)
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "大米", "15", 3)
    redemption = actions.check_redeem(A(r), reward.pk)
    reward.refresh_from_db()
    assert (_balance(world, r), reward.stock) == (Decimal("5"), 2)
    actions.check_hand_over(staff["haiyu"], redemption.code)
    with pytest.raises(AlreadyDone):
        actions.check_hand_over(staff["haiyu"], redemption.code)


def test_redemption_beyond_the_balance_is_refused_and_keeps_the_stock(world, staff, resident_of):
    r = resident_of()
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "大米", "15", 3)
    with pytest.raises(InsufficientBalance):
        actions.check_redeem(A(r), reward.pk)
    reward.refresh_from_db()
    assert reward.stock == 3


def test_a_configured_minimum_balance_allows_a_small_overdraft(world, staff, resident_of, settings):
    settings.JICENG_TIMEBANK_MIN_BALANCE = -10
    r = resident_of()
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "毛巾", "8", 3)
    actions.check_redeem(A(r), reward.pk)
    assert _balance(world, r) == Decimal("-8")


def test_redemption_of_an_empty_stock_is_refused(world, staff, resident_of):
    r = resident_of()
    credit(staff["haiyu"], world.communities["haiyu"], r, hours="5")
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "电影票", "10", 1)
    actions.check_redeem(A(r), reward.pk)
    with pytest.raises(OutOfStock):
        actions.check_redeem(A(r), reward.pk)


def test_cancelling_an_unused_redemption_reverses_points_and_restores_stock(world, staff, resident_of):
    r = resident_of()
    credit(staff["haiyu"], world.communities["haiyu"], r)
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "大米", "15", 1)
    redemption = actions.check_redeem(A(r), reward.pk)
    actions.check_cancel_redemption(staff["haiyu"], redemption.pk, "居民放弃")
    reward.refresh_from_db()
    assert (_balance(world, r), reward.stock) == (Decimal("20"), 1)


def test_the_reconcile_command_reports_balanced_books(world, staff, resident_of, capsys):
    credit(staff["haiyu"], world.communities["haiyu"], resident_of())
    call_command("community", "reconcile")
    assert "账目平衡" in capsys.readouterr().out


def test_outsider_resident_has_no_balance_in_another_community(world, staff, resident_of):
    credit(staff["haiyu"], world.communities["haiyu"], resident_of())
    outsider = resident_of("gushu")
    reward = actions.check_create_reward(staff["haiyu"], world.communities["haiyu"], "大米", "1", 3)
    from jiceng.community.exceptions import Missing

    with pytest.raises(Missing):
        actions.check_redeem(A(outsider), reward.pk)
