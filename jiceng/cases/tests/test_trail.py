"""The hash-chained trail: every change, deletion or truncation is reported by verify."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jiceng.cases import actions, trail
from jiceng.cases.models import Case, CaseEvent
from jiceng.cases.queries import timeline
from jiceng.cases.tests.conftest import awaiting_rating, submit
from jiceng.testing import World


def test_an_untouched_trail_verifies(cw: World) -> None:
    awaiting_rating(cw)
    submit(cw)
    assert list(trail.verify()) == []


def test_each_event_carries_the_hash_of_the_one_before(cw: World) -> None:
    case = awaiting_rating(cw)
    rows = list(case.events.order_by("seq"))
    assert rows[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert Case.objects.get(pk=case.pk).trail_head == rows[-1].hash


def test_an_edited_reason_is_detected(cw: World) -> None:
    case = submit(cw)
    case = actions.check_return(cw.people["handler"], case.pk, reason="不属本单位职责")
    CaseEvent.objects.filter(case=case, action="return").update(reason="已处理")
    breaks = list(trail.verify())
    assert len(breaks) == 1 and breaks[0].seq == 3 and "改动" in breaks[0].problem


def test_a_deleted_event_is_detected(cw: World) -> None:
    case = awaiting_rating(cw)
    CaseEvent.objects.filter(case=case, seq=3).delete()
    assert any("序号不连续" in b.problem for b in trail.verify())


def test_a_cut_off_end_is_detected(cw: World) -> None:
    case = awaiting_rating(cw)
    CaseEvent.objects.filter(case=case, seq=case.trail_length).delete()
    assert any(b.seq is None for b in trail.verify())


def test_the_verify_command_reports_breaks_and_fails(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    case = submit(cw)
    call_command("cases", "verify")
    CaseEvent.objects.filter(case=case, seq=1).update(data={"channel": "hotline"})
    with pytest.raises(CommandError):
        call_command("cases", "verify")
    assert f"工单 {case.pk}" in capsys.readouterr().err


def test_residents_see_a_public_timeline_with_staff_names_masked(cw: World) -> None:
    case = awaiting_rating(cw)
    entries = timeline(case, cw.people["resident"])
    accept = next(e for e in entries if e.action == "accept")
    assert accept.actor == "孙*法" and accept.data == {}
    assert "request_rating" in [e.action for e in entries]


def test_staff_see_the_full_timeline_with_names(cw: World) -> None:
    case = awaiting_rating(cw)
    entries = timeline(case, cw.people["handler"])
    assert next(e for e in entries if e.action == "accept").actor == "孙执法"


# -- the keyed chain and its external checkpoints ----------------------------------------------------


def _rewrite(case: Case, *, keyed: bool, key: bytes | None = None, **changes: object) -> None:
    """What a database writer without the trail key can do: edit a row and recompute the whole
    chain — unkeyed (the old SHA-256 way) or with a key of their own — then fix the case's head."""
    import hashlib
    import hmac as hmac_module

    head = ""
    for event in case.events.order_by("seq"):
        if event.seq == 1:
            for field, value in changes.items():
                setattr(event, field, value)
        event.prev_hash, event.keyed = head, keyed
        plain = trail.event_hash(
            case_id=event.case_id, seq=event.seq, at=event.at, action=event.action,
            from_status=event.from_status, to_status=event.to_status, actor_id=event.actor_id,
            unit_id=event.unit_id, reason=event.reason, data=event.data, prev_hash=head, keyed=False,
        )  # fmt: skip
        if key is not None:
            body = plain  # any recomputation the writer can do without the real key
            plain = hmac_module.new(key, body.encode(), hashlib.sha256).hexdigest()
        event.hash = plain
        event.save()
        head = event.hash
    Case.objects.filter(pk=case.pk).update(trail_head=head)


def test_new_events_are_keyed(cw: World) -> None:
    case = submit(cw)
    assert all(case.events.values_list("keyed", flat=True))


def test_a_chain_recomputed_without_the_key_is_reported_as_tampered(cw: World) -> None:
    case = awaiting_rating(cw)
    _rewrite(case, keyed=False, reason="改写后的原因")
    breaks = list(trail.verify())
    assert breaks and all(b.case_id == case.pk for b in breaks)
    assert any("未加密钥" in b.problem for b in breaks)


def test_a_chain_recomputed_with_a_guessed_key_is_reported_as_tampered(cw: World) -> None:
    case = awaiting_rating(cw)
    _rewrite(case, keyed=True, key=b"not-the-trail-key", reason="改写后的原因")
    assert any("改动" in b.problem for b in trail.verify())


def test_the_verify_command_no_longer_says_intact_for_a_recomputed_chain(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    case = submit(cw)
    _rewrite(case, keyed=False, reason="改写")
    with pytest.raises(CommandError):
        call_command("cases", "verify")
    assert "记录完整" not in capsys.readouterr().out


def test_events_from_before_the_upgrade_still_verify_up_to_the_sealed_point(cw: World) -> None:
    # given: a case written the old, unkeyed way, sealed as legacy by the upgrade
    case = awaiting_rating(cw)
    _rewrite(case, keyed=False)
    trail.write_seal(trail.LEGACY_SEAL, str(CaseEvent.objects.order_by("-id")[0].pk))
    assert list(trail.verify()) == []
    # when: the case goes on, its new events are keyed and the whole chain still verifies
    actions.check_rate(cw.people["resident"], case.pk, score=5)
    assert list(trail.verify()) == []
    assert CaseEvent.objects.filter(case=case).order_by("-seq")[0].keyed


def test_moving_the_upgrade_seal_is_reported(cw: World) -> None:
    from jiceng.cases.models import TrailSeal

    case = submit(cw)
    trail.write_seal(trail.LEGACY_SEAL, "0")
    TrailSeal.objects.filter(name=trail.LEGACY_SEAL).update(value="999999999")
    _rewrite(case, keyed=False)
    problems = [b.problem for b in trail.verify()]
    assert any("封印" in p for p in problems) and any("未加密钥" in p for p in problems)


def test_a_legacy_chain_rewritten_after_a_checkpoint_fails_against_the_checkpoint(
    cw: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # given: an old unkeyed case, sealed as legacy, and a checkpoint of its head outside the database
    case = awaiting_rating(cw)
    _rewrite(case, keyed=False)
    trail.write_seal(trail.LEGACY_SEAL, str(CaseEvent.objects.order_by("-id")[0].pk))
    trail.write_checkpoint(tmp_path)
    # when: someone rewrites it the old way, which the seal alone would accept
    _rewrite(case, keyed=False, reason="改写后的原因")
    assert list(trail.verify()) == []
    # then: the checkpoint does not
    heads, file_breaks = trail.read_checkpoints(tmp_path)
    assert file_breaks == []
    breaks = list(trail.verify(checkpoints=heads))
    assert len(breaks) == 1 and "检查点" in breaks[0].problem and breaks[0].case_id == case.pk


def test_checkpoints_are_appended_incrementally_and_signed(cw: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = submit(cw)
    report = trail.write_checkpoint(tmp_path)
    assert report.cases == 1
    second = submit(cw, description="路灯坏了好几天了晚上很黑")
    report = trail.write_checkpoint(tmp_path)
    assert report.cases >= 1
    lines = trail.checkpoint_path(tmp_path).read_text().splitlines()
    assert len(lines) == 2
    heads, breaks = trail.read_checkpoints(tmp_path)
    assert breaks == [] and {first.pk, second.pk} <= set(heads)
    assert list(trail.verify(checkpoints=heads)) == []


def test_a_case_in_several_checkpoint_lines_keeps_its_latest_head(cw: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    case = submit(cw)
    other = submit(cw, description="路灯坏了好几天了晚上很黑")
    trail.write_checkpoint(tmp_path)
    before = Case.objects.get(pk=case.pk)
    actions.check_accept(cw.people["handler"], case.pk)  # the case moves on
    after = Case.objects.get(pk=case.pk)
    assert after.trail_length > before.trail_length
    trail.write_checkpoint(tmp_path)
    heads, breaks = trail.read_checkpoints(tmp_path)
    assert breaks == [] and len(heads) == 2
    assert heads[case.pk] == (after.trail_length, after.trail_head)
    assert heads.get(other.pk) == (other.trail_length, Case.objects.get(pk=other.pk).trail_head)
    assert case.pk in heads and -1 not in heads and heads.get(-1) is None
    assert list(heads) == sorted([case.pk, other.pk])
    assert list(trail.verify(checkpoints=heads)) == []


def test_an_edited_or_removed_checkpoint_line_is_reported(cw: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    submit(cw)
    trail.write_checkpoint(tmp_path)
    submit(cw, description="路灯坏了好几天了晚上很黑")
    trail.write_checkpoint(tmp_path)
    path = trail.checkpoint_path(tmp_path)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["heads"][0][2] = "0" * 64
    path.write_text(json.dumps(edited) + "\n" + lines[1] + "\n")
    assert any("被改动" in b.problem for b in trail.read_checkpoints(tmp_path)[1])
    path.write_text(lines[1] + "\n")
    assert any("被删除" in b.problem for b in trail.read_checkpoints(tmp_path)[1])


def test_the_checkpoint_verb_and_verify_use_the_checkpoint_directory(cw: World, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    case = submit(cw)
    call_command("cases", "checkpoint", "--checkpoint-dir", str(tmp_path))
    call_command("cases", "verify", "--checkpoint-dir", str(tmp_path))
    assert "外部检查点覆盖 1 件" in capsys.readouterr().out
    # a rewrite with the real key (an insider with the key but not the file) still fails
    event = case.events.get(seq=1)
    event.reason = "改写"
    event.hash = trail.hash_of(event)
    event.save()
    Case.objects.filter(pk=case.pk).update(trail_head=event.hash)
    with pytest.raises(CommandError):
        call_command("cases", "verify", "--checkpoint-dir", str(tmp_path))


def test_the_sla_runner_writes_checkpoints(cw: World, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_TRAIL_CHECKPOINT_DIR = tmp_path
    submit(cw)
    call_command("sla", "run", "--once")
    heads, breaks = trail.read_checkpoints(tmp_path)
    assert heads and breaks == []
