"""Hot topics (热点): clusters of messages about the same matter, in the same place, in one period.

Messages are linked when their titles and openings are similar (character-bigram TF-IDF cosine) and
they were written within ``period`` of each other; naming the same place (a 小区, 路, 村, 学校…) lowers
the bar. Linked messages form clusters (union-find); a cluster's heat is its number of messages plus
the log of its votes, so one message with many likes does not outrank a matter many people wrote about.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from jiceng.triage.features import fit_block
from jiceng.triage.text import normalise

PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{2,10}?(?:小区|花园|花苑|华苑|公寓|家园|新村|新城|大厦|广场|社区|村|镇|乡|街道|大道|路|街|"
    r"学校|中学|小学|幼儿园|学院|医院|市场|公园|工业园|园区|项目|楼盘|景区|车站|高速|国道|省道|大桥|水库|苑)"
    r"(?:小区|社区|[一二三四五六七八九十\d]期)?)"
)
_LEAD = re.compile(
    r"^(关于|反映|投诉|举报|咨询|请问|建议|希望|要求|请求|强烈|恳请|市民|网友|坚决|反对|在|对|的|街道|社区)+"
)
_SUFFIX = re.compile(r"(小区|社区)$")
_COARSE = re.compile(r"(街道|镇|乡|区|县|市)$")
_DISTRICT = re.compile(r"^.*[A-Z]\d*(市|区|县)")


@dataclass
class Message:
    id: Any
    title: str
    text: str
    created_at: datetime
    likes: int = 0
    dislikes: int = 0


@dataclass
class Topic:
    heat: float
    count: int
    votes: int
    start: datetime
    end: datetime
    place: str
    description: str
    message_ids: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "heat": round(self.heat, 2),
            "count": self.count,
            "votes": self.votes,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "place": self.place,
            "description": self.description,
            "message_ids": self.message_ids,
        }


def places_of(text: str) -> list[str]:
    found = []
    for m in PLACE.finditer(text):
        name = _LEAD.sub("", _DISTRICT.sub("", m.group(1)))
        if len(name) >= 3:
            found.append(name)
    return found


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def hot_topics(
    messages: Sequence[Message],
    top: int = 10,
    period: timedelta = timedelta(days=60),
    similarity: float = 0.5,
    same_place_similarity: float = 0.3,
) -> list[Topic]:
    if not messages:
        return []
    docs = [normalise(m.title) * 2 + normalise(m.text)[:150] for m in messages]
    # Bigrams in most messages ("请问", "小区") say nothing about the matter, once there are enough.
    block = fit_block(docs, (2,), min_df=1, max_df=0.5 if len(docs) >= 50 else 1.0)
    X = block.transform(docs)
    sims = (X @ X.T).tocoo()
    keep = (sims.row < sims.col) & (sims.data >= same_place_similarity)
    rows, cols, values = sims.row[keep], sims.col[keep], sims.data[keep]
    named = [places_of(normalise(m.title)) or places_of(normalise(m.text)[:100]) for m in messages]
    # "丽发新城" and "丽发新城社区" are one place when deciding whether two messages are linked.
    places = [{_SUFFIX.sub("", p) for p in names} for names in named]
    times = np.array([m.created_at.timestamp() for m in messages])
    union = _Union(len(messages))
    for i, j, s in zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True):
        if abs(times[i] - times[j]) > period.total_seconds():
            continue
        if s >= similarity or (places[i] & places[j]):
            union.join(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(messages)):
        groups.setdefault(union.find(i), []).append(i)
    topics = []
    dense = X.tocsr()
    for members in groups.values():
        if len(members) < 2:
            continue
        votes = sum(messages[i].likes + messages[i].dislikes for i in members)
        heat = len(members) + math.log1p(votes)
        centre = np.asarray(dense[members].sum(axis=0)).ravel()
        closeness = np.asarray(dense[members] @ centre).ravel()
        central = members[int(closeness.argmax())]
        place_count = Counter(p for i in members for p in named[i])
        # The finest place named most often: a 小区 or a road before the street office it belongs to.
        ranked = sorted(place_count.items(), key=lambda pc: (bool(_COARSE.search(pc[0])), -pc[1]))
        place = ranked[0][0] if ranked else ""
        topics.append(
            Topic(
                heat=heat,
                count=len(members),
                votes=votes,
                start=min(messages[i].created_at for i in members),
                end=max(messages[i].created_at for i in members),
                place=place,
                description=messages[central].title.strip()[:60],
                message_ids=[messages[i].id for i in sorted(members, key=lambda i: messages[i].created_at)],
            )
        )
    topics.sort(key=lambda t: -t.heat)
    return topics[:top]
