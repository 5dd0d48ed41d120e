"""The time bank's books: an append-only double-entry ledger in hours and points.

- Every posting's entries sum to zero per measure (hours, points): each movement has its
  counter-movement, usually the community's issuance account (credits) or redemption account.
- A balance is the sum of an account's entries; nothing is cached, so nothing can drift.
- Rows are never edited or deleted; a correction is a reversal posting that mirrors the original.
- Every posting carries an idempotency key: posting the same key twice returns the first posting.
- Resident accounts may not fall below a minimum balance (setting ``JICENG_TIMEBANK_MIN_BALANCE``,
  default 0, or the account's own ``min_balance``); the account rows are locked while checking.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from jiceng.community.exceptions import InsufficientBalance, LedgerError
from jiceng.community.models import AccountKind, Entry, LedgerAccount, Measure, Posting, PostingKind
from jiceng.places.models import Division

ZERO = Decimal("0")
Line = tuple[LedgerAccount, str, Decimal]


def min_balance(account: LedgerAccount) -> Decimal | None:
    """The floor of an account, or None for system accounts (which carry the counter-side)."""
    if account.kind != AccountKind.RESIDENT:
        return None
    if account.min_balance is not None:
        return account.min_balance
    return Decimal(str(getattr(settings, "JICENG_TIMEBANK_MIN_BALANCE", 0)))


def system_account(community: Division, kind: str) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(community=community, kind=kind)
    return account


def resident_account(community: Division, user: Any) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(
        community=community, kind=AccountKind.RESIDENT, owner=user
    )
    return account


def balance(account: LedgerAccount, measure: str) -> Decimal:
    total = Entry.objects.filter(account=account, measure=measure).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def balances(account: LedgerAccount) -> dict[str, Decimal]:
    found = {m.value: ZERO for m in Measure}
    for row in Entry.objects.filter(account=account).values("measure").annotate(s=Sum("amount")):
        found[row["measure"]] = row["s"] or ZERO
    return found


def post(
    key: str,
    kind: str,
    memo: str,
    by: Any,
    lines: list[Line],
    reverses: Posting | None = None,
) -> Posting:
    """Write one balanced posting, or return the earlier posting with the same idempotency key."""
    if not key:
        raise LedgerError(_("记账须提供幂等键。"))
    existing = Posting.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for account, measure, amount in lines:
        if measure not in Measure.values:
            raise LedgerError(_("未知计量单位：%(m)s") % {"m": measure})
        if amount == 0:
            raise LedgerError(_("分录金额不能为零。"))
        if account.pk is None:
            raise LedgerError(_("账户尚未建立。"))
        totals[measure] += amount
    if len(lines) < 2 or any(v != 0 for v in totals.values()):
        raise LedgerError(_("借贷不平衡：每一笔变动都须有对应的反向变动。"))
    try:
        with transaction.atomic():
            # Lock the debited accounts in a fixed order (no deadlocks), then check their floors: two
            # parallel redemptions from one account see each other's entries. FOR NO KEY UPDATE, not
            # FOR UPDATE: it still serialises the debits, but does not block the foreign-key checks
            # (FOR KEY SHARE, at commit) of other postings that merely credit the account.
            debited = sorted({a.pk for a, _m, amount in lines if amount < 0})
            locked = {
                a.pk: a
                for a in LedgerAccount.objects.select_for_update(no_key=True)
                .filter(pk__in=debited)
                .order_by("pk")
            }
            for account, measure, amount in lines:
                if amount >= 0:
                    continue
                floor = min_balance(locked[account.pk])
                if floor is None:
                    continue
                after = balance(account, measure) + sum(
                    (a for acc, m, a in lines if acc.pk == account.pk and m == measure), ZERO
                )
                if after < floor:
                    raise InsufficientBalance(
                        _("%(measure)s余额不足：当前 %(now)s，需要 %(need)s。")
                        % {
                            "measure": Measure(measure).label,
                            "now": balance(account, measure),
                            "need": -amount,
                        }
                    )
            posting = Posting(
                idempotency_key=key, kind=kind, memo=memo[:200], created_by=by, reverses=reverses
            )
            posting.save(force_insert=True)
            Entry.objects.bulk_create(
                [Entry(posting=posting, account=a, measure=m, amount=amt) for a, m, amt in lines]
            )
    except IntegrityError:
        # A parallel request with the same key won the race: its posting is the answer.
        existing = Posting.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    return posting


def reverse(posting: Posting, by: Any, memo: str = "") -> Posting:
    """A correction: a new posting with every entry negated. A posting is reversed at most once."""
    if posting.kind == PostingKind.REVERSAL:
        raise LedgerError(_("冲正凭证不能再冲正。"))
    already = Posting.objects.filter(reverses=posting).first()
    if already is not None:
        return already
    lines = [(e.account, e.measure, -e.amount) for e in posting.entries.select_related("account")]
    return post(
        f"reversal:{posting.pk}",
        PostingKind.REVERSAL,
        memo or _("冲正：%(memo)s") % {"memo": posting.memo},
        by,
        lines,
        reverses=posting,
    )


@dataclass
class Reconciliation:
    postings: int = 0
    entries: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    unbalanced: list[int] = field(default_factory=list)
    single_sided: list[int] = field(default_factory=list)
    bad_reversals: list[int] = field(default_factory=list)
    below_floor: list[tuple[int, str, Decimal]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            all(v == 0 for v in self.totals.values())
            and not self.unbalanced
            and not self.single_sided
            and not self.bad_reversals
            and not self.below_floor
        )

    def lines(self) -> list[str]:
        out = [
            _("凭证 %(p)d 笔，分录 %(e)d 条。") % {"p": self.postings, "e": self.entries},
        ]
        for measure, total in sorted(self.totals.items()):
            out.append(_("%(m)s 全账合计：%(t)s") % {"m": Measure(measure).label, "t": total})
        if self.unbalanced:
            out.append(_("借贷不平衡的凭证：%(ids)s") % {"ids": self.unbalanced})
        if self.single_sided:
            out.append(_("只有一条分录的凭证：%(ids)s") % {"ids": self.single_sided})
        if self.bad_reversals:
            out.append(_("与原凭证不对应的冲正：%(ids)s") % {"ids": self.bad_reversals})
        for account_id, measure, value in self.below_floor:
            out.append(
                _("账户 %(a)d 的%(m)s低于下限：%(v)s")
                % {"a": account_id, "m": Measure(measure).label, "v": value}
            )
        out.append(_("账目平衡。") if self.ok else _("账目不平衡！"))
        return out


def reconcile(community: Division | None = None) -> Reconciliation:
    """Prove the books balance: per posting, per measure, overall, reversals mirror, floors hold."""
    entries = Entry.objects.all()
    postings = Posting.objects.all()
    if community is not None:
        entries = entries.filter(account__community=community)
        postings = postings.filter(entries__account__community=community).distinct()
    report = Reconciliation(postings=postings.count(), entries=entries.count())
    report.totals = {m.value: ZERO for m in Measure}
    for row in entries.values("measure").annotate(s=Sum("amount")):
        report.totals[row["measure"]] = row["s"] or ZERO
    per_posting = entries.values("posting_id", "measure").annotate(s=Sum("amount")).filter(~Q(s=0))
    report.unbalanced = sorted({row["posting_id"] for row in per_posting})
    report.single_sided = sorted(
        postings.annotate(n=Count("entries")).filter(n__lt=2).values_list("pk", flat=True)
    )
    for reversal in postings.filter(reverses__isnull=False).prefetch_related("entries", "reverses__entries"):
        mine = sorted((e.account_id, e.measure, e.amount) for e in reversal.entries.all())
        theirs = sorted((e.account_id, e.measure, -e.amount) for e in reversal.reverses.entries.all())  # type: ignore[union-attr]
        if mine != theirs:
            report.bad_reversals.append(reversal.pk)
    resident_rows = (
        entries.filter(account__kind=AccountKind.RESIDENT)
        .values("account_id", "measure")
        .annotate(s=Sum("amount"))
    )
    accounts = {a.pk: a for a in LedgerAccount.objects.filter(kind=AccountKind.RESIDENT)}
    for row in resident_rows:
        floor = min_balance(accounts[row["account_id"]])
        if floor is not None and row["s"] < floor:
            report.below_floor.append((row["account_id"], row["measure"], row["s"]))
    return report
