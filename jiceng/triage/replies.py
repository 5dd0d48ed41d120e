"""Reply quality: how well a department's reply answers a resident's message.

Four scores in [0, 1], each explainable:

- relevance: character-bigram cosine between message and reply, and how much of the message's title
  (or opening) the reply names — quoted, or the share of its bigrams (a short reply to a long message
  is still about it). A reply that answers the resident directly (您反映的…, 针对您…) and reports what
  was done about it is relevant even when it uses other words than the message (垃圾 → 清运);
- completeness: the four things a resident wants to read — who handled it (a unit or a named role),
  what was done (an action verb: 核查, 清运, 更换, 责令…), when (a date, 当天, 立即…) and the result
  (已修复, 恢复正常, 情况属实, 下一步…) — with facts (numbers, rules cited) or a contact as a bonus
  that can stand in for a missing part;
- timeliness: days from message to reply against the time limit (full marks within ``limit_days``,
  falling to zero at three times the limit);
- interpretability: the reply explains rather than acknowledges: enough substance (length), reasons
  (因为/根据/经核实), and not a bare "已收悉" or a request for more information.

``overall`` is their mean. Validated against ``replies_interpretability_labels.csv`` in bench_triage.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from jiceng.triage.text import normalise, text_similarity

FACT = re.compile(
    r"\d{4}年|\d+月\d+日|\d+(万|元|米|平方|户|人|天|个|项|处|家|吨|%)|《[^》]{2,40}》|第[一二三四五六七八九十百\d]+条"
)
ACTION = re.compile(
    r"经(调查|核实|查|了解|研究|现场)|已(责令|要求|安排|整改|处理|完成|督促|协调|立案|查处|落实|启动|修复|清理|拆除|下达|约谈)"
    r"|立即|组织(人员|力量)|现场(查看|核查|勘察)|下一步|将(继续|加快|督促|组织)|责令|整改"
)
# Who handled it: a unit (…局, …所, 街道, 社区…) or a person in a role; the lookaheads keep verbs such as
# 处理, 办理, 所有 out.
WHO = re.compile(
    r"[\u4e00-\u9fa5](局|委员会|委(?![托屈])|办公室|办(?![理法好])|所(?![有以在属述])|处(?![理罚置于在])"
    r"|科(?![学技])|站(?![在])|大队|中队|队(?![伍])|中心|公司|医院|学校)"
    r"|街道|社区|居委会|村委会|网格员|工作人员|执法人员|调查组|工作组|物业|[^\W\d_]{1,3}(科长|所长|局长|主任|书记|队长)"
)
# What was done: an action verb, done or ordered.
DONE = re.compile(
    r"派|安排|组织|责令|要求|约谈|督促|协调|核查|核实|调查|查看|检查|巡查|更换|修复|维修|修补|清运|清理"
    r"|拆除|整改|处罚|罚款|安装|设置|退还|查处|立案|封堵|疏通|上门|带队|通报|复查|补发|发放|落实|回访|走访"
)
# When: a date, or a word that places the action in time.
WHEN = re.compile(
    r"\d+月\d+日|\d{4}年|\d+日|当天|当日|次日|昨日|昨天|今日|近日|日前|随即|立即|第一时间|\d+(小时|天|日)内"
)
# The result: what is true now, or what comes next.
RESULT = re.compile(
    r"已(经)?(完成|修复|恢复|解决|清理|清运|整改|退还|拆除|办结|处理|达标|落实|停止|关闭|补发|发放|到位|修补|更换|安装)"
    r"|恢复(正常)?|达标|完毕|干净|(情况)?(属实|不属实)|现已|目前已|下一步|今后|将(继续|加强)|办结"
)
# Passed on to someone else: a referral, not handling, unless a result is reported too.
REFERRAL = re.compile(
    r"已?(转|交)(至|给|交|到|由)?[^，。；]{0,12}(调查|核处|核查|办理|处理|办复|研究)|已转|转交|转办|转至"
)
# A date at the very end, or before the next greeting, is when the reply was signed, not when anything
# was done.
SIGNATURE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(?=$|[^\u4e00-\u9fa5]|网友|尊敬|您好|\u201c)")
# The reply speaks to the resident's own message.
ADDRESSED = re.compile(r"您(所)?(反映|提出|咨询|来信|留言|投诉|举报)的|针对您|关于您")
CONTACT = re.compile(r"\d{3,4}[-—－]?\d{7,8}|电话|联系人|咨询|办公室|窗口|热线")
REASON = re.compile(r"因为|由于|根据|依据|按照|经核实|经调查|原因|规定|政策|文件|目前|现将")
BRUSH_OFF = re.compile(
    r"^(您好[！!，,]?)?(您的)?(留言|来信)?已收悉[。！!]?$|未提供|没有提供|未填写|没有填写|补全信息|无法(得知|查询|核实)|不归我们?管|请咨询其他部门|信息不足|无法代为"
)


@dataclass
class ReplyScore:
    relevance: float
    completeness: float
    timeliness: float | None
    interpretability: float
    overall: float
    reply_days: float | None

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


TOPIC_CHARS = 30
COVERAGE_FULL = 0.3
_FILLER = re.compile(r"[，。！？、；：“”‘’（）()!?,.;:\s]|您好|你好|请问|反映|问题")


def _bigrams(text: str) -> set[str]:
    text = _FILLER.sub("|", text)
    return {text[i : i + 2] for i in range(len(text) - 1) if "|" not in text[i : i + 2]}


def _hits(pattern: re.Pattern[str], text: str, full: int) -> float:
    return min(1.0, len(pattern.findall(text)) / full)


def _completeness(reply: str) -> float:
    """Who, what, when and result, each 0.25; facts (numbers, rules cited) or a contact add 0.15 and can
    make up for one missing part."""
    if not reply:
        return 0.0
    body = SIGNATURE_DATE.sub("", reply)
    if REFERRAL.search(body) and not RESULT.search(body):
        # "已转县教育局核查": someone else will act; nothing is reported as done.
        return 0.25 if WHO.search(body) else 0.0
    parts = sum(1 for pattern in (WHO, DONE, WHEN, RESULT) if pattern.search(body))
    bonus = 0.15 * max(_hits(FACT, body, 2), 1.0 if CONTACT.search(body) else 0.0)
    return min(1.0, 0.25 * parts + bonus)


def score_reply(
    message: str,
    reply: str,
    message_time: datetime | None = None,
    reply_time: datetime | None = None,
    title: str = "",
    limit_days: float = 15.0,
) -> ReplyScore:
    msg, rep = normalise(message), normalise(reply)
    title = normalise(title)
    sim = text_similarity(msg, rep)
    # A short reply shares few bigrams with a long message, yet answers it when it names what the
    # message is about: the share of the title's (or the opening's) bigrams found in the reply.
    topic = _bigrams(title or msg[:TOPIC_CHARS])
    coverage = len(topic & _bigrams(rep)) / len(topic) if topic else 0.0
    quoted = title and (title[:12] in rep or text_similarity(title, rep[:200]) > 0.3)
    about = max(1.0 if quoted else 0.0, min(1.0, coverage / COVERAGE_FULL))
    relevance = min(1.0, 0.6 * min(1.0, max(sim / 0.35, about)) + 0.4 * about) if rep else 0.0
    completeness = _completeness(rep)
    # Handled and reported, to this resident: it is about the message even in other words.
    if completeness >= 0.5 and ADDRESSED.search(rep) and not BRUSH_OFF.search(rep):
        relevance = max(relevance, min(1.0, 0.5 + 0.5 * completeness))
    elif completeness >= 0.75 and not BRUSH_OFF.search(rep):
        # A full report of handling (管道淤堵 … 疏通 for 下水道堵了) is about something the resident
        # raised even when no word is shared; half marks, as it does not say so.
        relevance = max(relevance, 0.5)
    days = None
    timeliness = None
    if message_time is not None and reply_time is not None:
        days = (reply_time - message_time).total_seconds() / 86400
        timeliness = 1.0 if days <= limit_days else max(0.0, 1 - (days - limit_days) / (2 * limit_days))
    length = min(1.0, math.log1p(len(rep)) / math.log1p(300))
    brush_off = 1.0 if BRUSH_OFF.search(rep) else 0.0
    interpretability = max(
        0.0, 0.45 * length + 0.3 * _hits(REASON, rep, 3) + 0.25 * _hits(ACTION, rep, 2) - 0.5 * brush_off
    )
    parts = [relevance, completeness, interpretability] + ([timeliness] if timeliness is not None else [])
    return ReplyScore(
        relevance=round(relevance, 3),
        completeness=round(completeness, 3),
        timeliness=None if timeliness is None else round(timeliness, 3),
        interpretability=round(interpretability, 3),
        overall=round(sum(parts) / len(parts), 3),
        reply_days=None if days is None else round(days, 1),
    )


def parse_time(value: str) -> datetime | None:
    value = (value or "").strip()
    for fmt in (
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d",
        "%Y-%m-%d",
    ):
        try:
            return datetime.strptime(value, fmt)  # noqa: DTZ007 — the files carry local times without zone
        except ValueError:
            continue
    return None
