"""Hand-made category labels for real board messages, joined with the shared data set's board files.

``data/board_labels.csv`` holds ``file,id,label`` only (the data set's licence forbids copying its text
into the repository): ``file`` is ``messages_with_replies.csv`` or ``messages_with_votes.csv`` of
``shared/datasets/gov-messages``, ``id`` its 留言编号, ``label`` one of the seven first-level categories
of ``train.csv`` or ``OTHER`` (a matter of none of them: public security, land, civil affairs…). The
labels were given by reading each message, one at a time, like a dispatcher (docs/triage-category.md).

``board_rows`` joins them with the board files when both are present and drops every board message that
repeats a ``train.csv`` message (the same text, or most of its opening reworded), so no message of the
fixed hold-out reaches training through the board.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from jiceng.triage.text import normalise

LABELS_FILE = Path(__file__).with_name("data") / "board_labels.csv"
BOARD_FILES = ("messages_with_replies.csv", "messages_with_votes.csv")
CATEGORIES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "卫生计生", "环境保护", "交通运输")
OTHER = "OTHER"
# A board message repeats a train.csv message when this share of its opening's character 4-grams
# (letters only, first 200) is in that message's opening: re-posts of one complaint reworded, with new
# dates or a different greeting, score 0.3–1.0; unrelated messages about one place stay below 0.2.
REPEAT_SHARE = 0.3
# How the board messages join a training set (``classifier.train``'s ``weights`` and ``remembered``),
# chosen by 5-fold CV on the development part of train.csv (docs/triage-category.md): each weighs this
# much in the SVM, and they are not among the neighbours that vote (as neighbours they cost accuracy).
# Not used by default: the +0.3 points they gave on CV turned into -1.2 on the hold-out.
BOARD_WEIGHT = 0.2
BOARD_REMEMBERED = False
_NOT_HAN = re.compile(r"[\W\d_a-zA-Z]+")
_GRAM = 4
_OPENING = 200
_COMMON = 50  # 4-grams found in more messages than this say nothing about a repeat

csv.field_size_limit(sys.maxsize)


def datasets_dir() -> Path:
    """``JICENG_DATASETS``, else the ``shared/datasets`` folder next to the checkout."""
    if os.environ.get("JICENG_DATASETS"):
        return Path(os.environ["JICENG_DATASETS"])
    root = Path(__file__).resolve().parents[2]
    for up in (root.parent, root.parent.parent):
        if (up / "shared" / "datasets").exists():
            return up / "shared" / "datasets"
    return root.parent / "shared" / "datasets"


def read_labels(path: Path = LABELS_FILE) -> list[tuple[str, str, str]]:
    """(file, id, label) rows of the labels file."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return [(r["file"].strip(), r["id"].strip(), r["label"].strip()) for r in csv.DictReader(fh)]


def board_text(title: str, body: str) -> str:
    """A board message in train.csv's form: the title immediately followed by the body, no whitespace."""
    return normalise((title or "") + (body or "")).replace("_x000D_", "")


def read_board(folder: Path) -> dict[tuple[str, str], str]:
    """(file, 留言编号) → text of every message of the board files present in ``folder``."""
    out: dict[tuple[str, str], str] = {}
    for name in BOARD_FILES:
        path = Path(folder) / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                out[(name, r["留言编号"].strip())] = board_text(r["留言主题"], r["留言详情"])
    return out


def _grams(text: str) -> set[str]:
    s = _NOT_HAN.sub("", text)[:_OPENING]
    return {s[i : i + _GRAM] for i in range(len(s) - _GRAM + 1)}


def repeats(texts: Sequence[str], reference: Sequence[str], share: float = REPEAT_SHARE) -> list[bool]:
    """For each of ``texts``: does it repeat one of ``reference`` — the same text once whitespace and
    full-width forms are folded, or at least ``share`` of its opening's 4-grams in one reference
    message's opening (of the smaller of the two openings)?"""
    exact = {normalise(t) for t in reference}
    ref = [_grams(t) for t in reference]
    index: dict[str, list[int]] = {}
    for j, grams in enumerate(ref):
        for g in grams:
            index.setdefault(g, []).append(j)
    out = []
    for t in texts:
        if normalise(t) in exact:
            out.append(True)
            continue
        grams = _grams(t)
        hits: Counter[int] = Counter()
        for g in grams:
            where = index.get(g, ())
            if len(where) <= _COMMON:
                hits.update(where)
        out.append(any(n >= share * max(1, min(len(grams), len(ref[j]))) for j, n in hits.most_common(5)))
    return out


def board_rows(
    train_texts: Sequence[str],
    folder: Path | None = None,
    labels_file: Path = LABELS_FILE,
    *,
    keep_other: bool = False,
) -> list[tuple[str, str]]:
    """(text, label) of the hand-labelled board messages, OTHER left out unless ``keep_other``, less
    those that repeat one of ``train_texts`` (pass the whole train.csv, hold-out included). Empty when
    the board files or the labels file are absent."""
    folder = datasets_dir() / "gov-messages" if folder is None else Path(folder)
    if not Path(labels_file).exists():
        return []
    board = read_board(folder)
    if not board:
        return []
    rows = [
        (board[(f, i)], label)
        for f, i, label in read_labels(labels_file)
        if (f, i) in board and (keep_other or label != OTHER)
    ]
    seen = repeats([t for t, _ in rows], list(train_texts))
    return [row for row, dup in zip(rows, seen, strict=True) if not dup]
