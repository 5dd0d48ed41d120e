"""Reading message and reply files for the ``triage hot`` and ``triage replies`` commands.

Columns may be in English (id, title, text or message, created_at, likes, dislikes, reply, replied_at,
interpretable, good) or as the public message-board exports name them (留言编号, 留言主题, 留言详情, 留言时间,
点赞数, 反对数, 答复意见, 答复时间, 可解释性).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jiceng.core.importing import read_rows
from jiceng.triage.hot import Message
from jiceng.triage.replies import parse_time, score_reply

ALIASES = {
    "id": ["id", "留言编号"],
    "title": ["title", "留言主题"],
    "text": ["text", "message", "留言详情"],
    "created_at": ["created_at", "留言时间"],
    "likes": ["likes", "点赞数"],
    "dislikes": ["dislikes", "反对数"],
    "reply": ["reply", "答复意见"],
    "replied_at": ["replied_at", "答复时间"],
    "interpretable": ["interpretable", "可解释性"],
    "good": ["good", "好答复"],
}
INTERPRETABLE_AT = 0.3  # interpretability score from which a reply counts as explaining itself


def _get(row: dict[str, str], key: str) -> str:
    for name in ALIASES[key]:
        if name in row:
            return row[name]
    return ""


def _records(path: Path) -> list[dict[str, str]]:
    return [row for _, row in read_rows(Path(path), []) if "__error__" not in row]


def _int(value: str) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def read_messages(path: Path) -> list[Message]:
    out = []
    for i, row in enumerate(_records(path)):
        when = parse_time(_get(row, "created_at"))
        if when is None:
            continue
        out.append(
            Message(
                id=_get(row, "id") or i + 1,
                title=_get(row, "title"),
                text=_get(row, "text"),
                created_at=when,
                likes=_int(_get(row, "likes")),
                dislikes=_int(_get(row, "dislikes")),
            )
        )
    return out


def read_replies(path: Path) -> list[dict[str, Any]]:
    items = []
    for row in _records(path):
        label = _get(row, "interpretable").strip()
        items.append(
            {
                "title": _get(row, "title"),
                "message": _get(row, "text"),
                "reply": _get(row, "reply"),
                "created_at": parse_time(_get(row, "created_at")),
                "replied_at": parse_time(_get(row, "replied_at")),
                "label": _label(label),
                "good": _label(_get(row, "good").strip()),
            }
        )
    return items


def _label(value: str) -> int | None:
    return int(float(value)) if value in ("0", "1", "0.0", "1.0") else None


def agreement(scores: list[float], labels: list[int]) -> dict[str, float]:
    """How well scores agree with people's 0/1 judgements: ROC AUC (the chance that a reply people
    judged good scores above one they judged bad) and Spearman's rank correlation."""
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    return {
        "auc": round(float(roc_auc_score(labels, scores)), 4),
        "spearman": round(float(spearmanr(scores, labels).statistic), 4),
        "n": len(labels),
    }


def reply_metrics(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores; with interpretability labels, AUC of the interpretability score and F1 at
    ``INTERPRETABLE_AT``, and the overall score's agreement with them; with ``good`` labels (people's
    judgement of the whole reply), the overall score's agreement with those."""
    scores = [
        score_reply(i["message"], i["reply"], i["created_at"], i["replied_at"], title=i["title"])
        for i in items
    ]
    n = len(scores)
    result: dict[str, Any] = {"n": n}
    for key in ("relevance", "completeness", "timeliness", "interpretability", "overall"):
        values = [getattr(s, key) for s in scores if getattr(s, key) is not None]
        result[f"mean_{key}"] = round(sum(values) / len(values), 4) if values else None
    labelled = [
        (s.interpretability, i["label"]) for s, i in zip(scores, items, strict=True) if i["label"] is not None
    ]
    if labelled and len({y for _, y in labelled}) == 2:
        from sklearn.metrics import f1_score, roc_auc_score

        x = [s for s, _ in labelled]
        y = [label for _, label in labelled]
        result["interpretability_auc"] = round(float(roc_auc_score(y, x)), 4)
        result["interpretability_f1"] = round(float(f1_score(y, [int(v >= INTERPRETABLE_AT) for v in x])), 4)
        result["labelled"] = len(labelled)
        overall = [s.overall for s, i in zip(scores, items, strict=True) if i["label"] is not None]
        result["overall_vs_interpretable"] = agreement(overall, y)
    judged = [(s.overall, i["good"]) for s, i in zip(scores, items, strict=True) if i["good"] is not None]
    if judged and len({g for _, g in judged}) == 2:
        result["overall_vs_good"] = agreement([s for s, _ in judged], [g for _, g in judged])
    return result
