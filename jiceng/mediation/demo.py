"""Demo disputes: a few dozen family and neighbour disputes of the demo district in every state and risk
level — open, being mediated with a joint session, agreed with a signed agreement and follow-ups (one
reignited and reopened), partial, failed and referred, withdrawn, escalated — all made through the same
actions as the pages, so each has its tasks, reasons and timeline. The demo ``leader`` (district) sees
them all; two more logins act for the police station and the justice office of the first street.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any, TextIO

from django.core.files.base import ContentFile
from django.utils import timezone

from jiceng.core.plugins import DemoLogin
from jiceng.mediation import actions as a
from jiceng.mediation.models import Dispute, JointTask, Outcome, TaskStatus
from jiceng.mediation.seed import restore
from jiceng.org.models import Membership, Role, Unit, User
from jiceng.places.models import Grid

PASSWORD = "jiceng2026"  # noqa: S105 — the demo's published shared password
DATA = Path(__file__).with_name("data") / "narratives_tuning.csv"
KINDS_BY_WORD = [
    ("邻居", "neighbour"),
    ("楼上", "neighbour"),
    ("赡养", "elder_support"),
    ("老人", "elder_support"),
    ("抚养", "custody"),
    ("探视", "custody"),
    ("遗产", "inheritance"),
    ("房产", "inheritance"),
    ("男友", "emotional"),
    ("女友", "emotional"),
    ("分手", "emotional"),
    ("打", "domestic_violence"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["丽", "强", "芳", "伟", "敏", "军", "静", "磊", "燕", "涛", "娜", "勇"]


def _kind(text: str) -> str:
    return next((kind for word, kind in KINDS_BY_WORD if word in text), "marriage")


def _user(username: str, name: str, role: str, unit: Unit) -> User:
    from django.contrib.auth.hashers import make_password

    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.password = make_password(PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, unit=unit, role=role, defaults={"is_active": True})
    return user


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    restore()
    if Dispute.objects.filter(source__in=["police", "court", "hotline", "grid"]).exists():
        out.write("矛盾调处演示数据：已有纠纷，跳过。\n")
        return []
    grids = list(Grid.objects.order_by("code")[:40])
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if not grids or admin is None:
        out.write("矛盾调处演示数据：没有网格或管理员，跳过（请先载入地址库与组织演示数据）。\n")
        return []
    street = grids[0].code[:9]
    police = Unit.objects.filter(kind__code="paichusuo", jurisdiction__code=street).first()
    justice = Unit.objects.filter(kind__code="sifasuo", jurisdiction__code=street).first()
    logins: list[DemoLogin] = []
    if police is not None:
        _user("police", "陈民警", Role.HANDLER, police)
        logins.append(DemoLogin("police", PASSWORD, "派出所民警（矛盾调处）", police.name))
    if justice is not None:
        _user("mediator", "何调解员", Role.HANDLER, justice)
        logins.append(DemoLogin("mediator", PASSWORD, "司法所调解员 / 社区法律顾问", justice.name))

    rng = random.Random(20261206)  # noqa: S311 — reproducible demo data
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_level = {lvl: [r["text"] for r in rows if r["risk"] == lvl] for lvl in ("high", "medium", "low")}
    plan = ["high"] * 12 + ["medium"] * 12 + ["low"] * 12
    states = [
        "open",
        "mediating",
        "agreed",
        "agreed_reopened",
        "partial",
        "failed",
        "withdrawn",
        "escalated",
        "agreed",
    ]
    made = 0
    sources = ["police", "court", "hotline", "grid"]
    for i, level in enumerate(plan):
        text = rng.choice(by_level[level])
        grid = grids[i % min(len(grids), 8)]
        source = sources[i % len(sources)]
        names = [rng.choice(SURNAMES) + rng.choice(GIVEN), rng.choice(SURNAMES) + rng.choice(GIVEN)]
        data = a.DisputeInput(
            kind=_kind(text),
            source=source,
            narrative=text,
            grid_code=grid.code,
            source_ref=f"DEMO-{i + 1:03d}",
            parties=[
                a.PartyInput(
                    name=names[0],
                    role="applicant",
                    relationship="spouse",
                    phone=f"139{10000000 + i * 7919:08d}",
                ),
                a.PartyInput(name=names[1], role="respondent", relationship="spouse"),
            ],
            minors=rng.choice([0, 0, 1, 2]),
        )
        try:
            dispute = a.check_create_dispute(None, data)
        except a.MediationError as exc:
            out.write(f"矛盾调处演示数据：跳过一条（{exc.message}）\n")
            continue
        made += 1
        _advance(dispute, states[i % len(states)], admin, rng)
    out.write(f"矛盾调处演示数据：{made} 件纠纷。\n")
    return logins


def _advance(dispute: Dispute, state: str, actor: Any, rng: random.Random) -> None:
    """Walk a dispute to ``state`` through the actions (the admin acts for the lead agency)."""
    if state == "open":
        return
    for task in dispute.tasks.all()[: rng.randint(1, 3)]:
        a.check_accept_task(actor, task)
    if state == "mediating":
        a.check_schedule_session(
            actor,
            dispute,
            timezone.now() + dt.timedelta(days=rng.randint(1, 6), hours=2),
            "街道矛盾纠纷调处中心第一调解室",
            dispute.tasks.values_list("unit_id", flat=True),
            dispute.parties.values_list("pk", flat=True),
        )
        return
    if state == "escalated":
        a.check_escalate(actor, dispute, "涉及多方，社区调处不成")
        return
    if state == "withdrawn":
        a.check_record_outcome(actor, dispute, Outcome.WITHDRAWN, "当事人申请撤回")
        return
    if state == "failed":
        a.check_record_outcome(actor, dispute, Outcome.FAILED, "双方分歧较大", "litigation")
        return
    agreement = a.check_draft_agreement(
        actor, dispute, "一、双方互相尊重，不再争吵、不实施任何暴力。\n二、如有争议，先向社区调委会反映。"
    )
    for party in dispute.parties.all():
        a.check_upload_signed(
            actor, agreement, party.pk, ContentFile(b"%PDF-1.4 demo signed copy", name="signed.pdf")
        )
    outcome = Outcome.PARTIAL if state == "partial" else Outcome.AGREED
    a.check_record_outcome(actor, dispute, outcome)
    JointTask.objects.filter(dispute=dispute).update(status=TaskStatus.DONE, done_at=timezone.now())
    first = dispute.follow_ups.order_by("due_on").first()
    if first is not None and state == "agreed_reopened":
        a.check_record_follow_up(actor, first, "reignited", "回访发现双方再次发生冲突")
    elif first is not None and rng.random() < 0.5:
        a.check_record_follow_up(actor, first, "stable", "双方履行协议，关系稳定")
