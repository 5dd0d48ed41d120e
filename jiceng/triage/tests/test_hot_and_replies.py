from __future__ import annotations

from datetime import datetime, timedelta

from jiceng.triage.hot import Message, hot_topics, places_of
from jiceng.triage.replies import score_reply

T0 = datetime(2025, 3, 1, 9)  # noqa: DTZ001 — the message files carry local times without zone


def messages() -> list[Message]:
    same = [
        Message(
            i,
            f"阳光花园小区旁搅拌站噪音扰民{i}",
            "阳光花园小区旁边的搅拌站日夜施工，噪音很大",
            T0 + timedelta(days=i),
            likes=i,
        )
        for i in range(4)
    ]
    other = [
        Message(10, "幸福路路灯不亮", "幸福路的路灯坏了", T0, likes=0),
        Message(11, "咨询社保卡补办", "社保卡丢了怎么补办", T0, likes=0),
        Message(12, "阳光花园小区旁搅拌站噪音扰民", "搅拌站噪音很大", T0 + timedelta(days=400), likes=50),
    ]
    return same + other


def test_messages_about_one_matter_in_one_place_and_period_form_the_hottest_topic() -> None:
    topics = hot_topics(messages(), top=3)
    assert topics[0].message_ids == [0, 1, 2, 3]
    assert topics[0].place == "阳光花园小区"
    assert topics[0].start == T0 and topics[0].end == T0 + timedelta(days=3)


def test_a_message_a_year_later_is_another_period() -> None:
    assert all(12 not in t.message_ids for t in hot_topics(messages()))


def test_places_are_found_without_the_leading_verbs() -> None:
    assert places_of("反映A3区青青家园小区公共通道被占") == ["青青家园小区"]


def test_a_substantive_reply_scores_higher_than_an_acknowledgement() -> None:
    message = "幸福路小区门口垃圾堆积发臭，请尽快清运"
    good = score_reply(
        message,
        "您反映的幸福路小区门口垃圾堆积问题已收悉。经现场核查，该处垃圾因清运车辆故障未及时清运，"
        "我局已责令环卫公司于3月5日前清理完毕，并增加每日清运1次。如有疑问请致电0755-12345678。",
    )
    bare = score_reply(message, "已收悉")
    assert good.interpretability > 0.5 > bare.interpretability
    assert good.relevance > bare.relevance and good.completeness > bare.completeness


def test_a_late_reply_loses_timeliness() -> None:
    on_time = score_reply("问题", "答复", T0, T0 + timedelta(days=5))
    late = score_reply("问题", "答复", T0, T0 + timedelta(days=40))
    assert on_time.timeliness == 1.0 and late.timeliness < 0.5


def test_complete_relevant_handler_replies_score_well_and_brush_offs_poorly() -> None:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "reply_quality_labelled.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    scores = {
        r["reply"]: score_reply(r["message"], r["reply"], title=r["message"][:12]).overall for r in rows
    }
    good = [scores[r["reply"]] for r in rows if r["good"] == "1"]
    bad = [scores[r["reply"]] for r in rows if r["good"] == "0"]
    assert min(good) >= 0.5 and max(bad) <= 0.2


def test_a_reply_saying_who_did_what_when_and_the_result_is_complete_in_other_words() -> None:
    # given a reply that never repeats the message's words (垃圾 → 清运) but reports the handling
    reply = "您好，您反映的问题，街道环卫所于6月3日派人清运，目前已清理干净，今后每天清运一次。"
    # when
    s = score_reply("小区门口垃圾好几天没人收了，堆得老高", reply)
    # then it is complete, counts as about the message, and overall is far from a brush-off's third
    assert s.completeness == 1.0 and s.relevance >= 0.75 and s.overall >= 0.6


def test_passing_the_message_on_is_not_handling_it() -> None:
    referral = score_reply(
        "社保卡补办要跑好几趟", "网友：您好！您反映的问题已转县人社局核查、办复。2019年9月19日"
    )
    handled = score_reply(
        "社保卡补办要跑好几趟",
        "网友：您好！您反映的问题，县人社局于9月3日核查，已在各乡镇开通社保卡补办窗口，现已办结。",
    )
    assert referral.completeness <= 0.25 < 0.75 <= handled.completeness


def test_the_date_a_reply_was_signed_is_not_when_anything_was_done() -> None:
    signed = score_reply("路灯坏了", "您好，我局会关注此事。2019年1月21日")
    assert signed.completeness <= 0.25


def test_reply_scores_rank_people_s_good_replies_above_their_bad_ones() -> None:
    from pathlib import Path

    from jiceng.triage.io import read_replies, reply_metrics

    path = Path(__file__).resolve().parents[1] / "data" / "reply_quality_labelled.csv"
    m = reply_metrics(read_replies(path))
    assert m["overall_vs_good"]["auc"] == 1.0 and m["overall_vs_good"]["n"] >= 20
