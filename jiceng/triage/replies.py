"""Reply quality: how well a department's reply answers a resident's message.

Four scores in [0, 1], each explainable:

- relevance: character-bigram cosine between message and reply, and how much of the message's title
  (or opening) the reply names — quoted, or the share of its bigrams (a short reply to a long message
  is still about it);
- completeness: facts (numbers, dates, rules cited), action taken (经调查, 已责令, 已整改…), and a contact
  (phone number, office, 联系人);
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
CONTACT = re.compile(r"\d{3,4}[-—－]?\d{7,8}|电话|联系人|咨询|办公室|窗口|热线")
REASON = re.compile(r"因为|由于|根据|依据|按照|经核实|经调查|原因|规定|政策|文件|目前|现将")
BRUSH_OFF = re.compile(
    r"^(您好[！!，,]?)?(您的)?(留言|来信)?已收悉[。！!]?$|未提供|没有提供|未填写|没有填写|补全信息|无法(得知|查询|核实)"
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
    completeness = (
        0.4 * _hits(FACT, rep, 2) + 0.4 * _hits(ACTION, rep, 2) + 0.2 * (1.0 if CONTACT.search(rep) else 0.0)
    )
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
