"""The hand-made board labels: the file is well-formed (known files and labels, one label a message,
ids that exist in the shared data set when it is there), and joining it with the board files leaves out
OTHER and every board message that repeats a train.csv message, so nothing of the hold-out is trained on.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from jiceng.triage.board import (
    BOARD_FILES,
    CATEGORIES,
    LABELS_FILE,
    OTHER,
    board_rows,
    datasets_dir,
    read_board,
    read_labels,
    repeats,
)
from jiceng.triage.text import normalise

GOV = datasets_dir() / "gov-messages"
needs_dataset = pytest.mark.skipif(
    not all((GOV / name).exists() for name in ("train.csv", *BOARD_FILES)),
    reason="shared/datasets/gov-messages absent",
)


def test_the_labels_file_has_known_files_known_labels_and_one_label_a_message() -> None:
    with LABELS_FILE.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == ["file", "id", "label"]
    rows = read_labels()
    assert len(rows) >= 1500
    assert {f for f, _, _ in rows} <= set(BOARD_FILES)
    assert {label for _, _, label in rows} == {*CATEGORIES, OTHER}
    assert all(i.isdigit() for _, i, _ in rows)
    repeated = [key for key, n in Counter((f, i) for f, i, _ in rows).items() if n > 1]
    assert repeated == []


@needs_dataset
def test_every_labelled_message_is_in_its_board_file() -> None:
    board = read_board(GOV)
    missing = [(f, i) for f, i, _ in read_labels() if (f, i) not in board]
    assert missing == []


@needs_dataset
def test_no_joined_board_message_repeats_a_train_csv_message() -> None:
    with (GOV / "train.csv").open(encoding="utf-8-sig", newline="") as fh:
        train = [r["text"] for r in csv.DictReader(fh)]
    rows = board_rows(train, GOV)
    labels = read_labels()
    assert 0 < len(rows) <= sum(label != OTHER for _, _, label in labels)
    assert {label for _, label in rows} == set(CATEGORIES)
    assert not {normalise(t) for t, _ in rows} & {normalise(t) for t in train}
    assert not any(repeats([t for t, _ in rows], train))


def _board(folder: Path, name: str, messages: list[tuple[str, str, str]]) -> None:
    with (folder / name).open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"])
        for id_, title, body in messages:
            w.writerow([id_, "U1", title, "2019/1/1 8:00:00", body, "0", "0"])


def test_joining_drops_other_and_the_messages_that_repeat_a_training_message(tmp_path: Path) -> None:
    train = [
        "幸福里小区门口的路灯坏了一个月晚上一片漆黑请尽快维修",
        "东方红中学周末强制补课每人收费五百元家长意见很大希望教育局调查处理",
    ]
    _board(
        tmp_path,
        "messages_with_votes.csv",
        [
            ("11", "幸福里小区门口的路灯坏了", "\n\t一个月，晚上一片漆黑，请尽快维修！ "),  # the same text
            ("12", "再次反映东方红中学周末补课", "东方红中学周末强制补课，每人收费五百元，家长意见很大。"),
            ("13", "工业园化工厂夜间偷排废气", "每到半夜就有刺鼻的气味飘进小区，窗户都不敢开。"),
            ("14", "派出所不受理报案", "钱包被偷后去派出所报案，值班民警推说不归他们管。"),
        ],
    )
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "file,id,label\n"
        "messages_with_votes.csv,11,城乡建设\n"
        "messages_with_votes.csv,12,教育文体\n"
        "messages_with_votes.csv,13,环境保护\n"
        "messages_with_votes.csv,14,OTHER\n"
        "messages_with_replies.csv,15,交通运输\n",  # its file is not in the folder
        encoding="utf-8",
    )
    rows = board_rows(train, tmp_path, labels)
    assert rows == [("工业园化工厂夜间偷排废气每到半夜就有刺鼻的气味飘进小区,窗户都不敢开。", "环境保护")]
    with_other = board_rows(train, tmp_path, labels, keep_other=True)
    assert [label for _, label in with_other] == ["环境保护", OTHER]
    assert len(board_rows([], tmp_path, labels)) == 3  # nothing to repeat: only OTHER is left out


def test_without_the_board_files_or_the_labels_nothing_is_joined(tmp_path: Path) -> None:
    assert board_rows(["任何一条留言"], tmp_path) == []
    assert board_rows(["任何一条留言"], tmp_path, tmp_path / "absent.csv") == []


def _history(folder: Path) -> Path:
    """A small made-up training file of three categories."""
    places = ["幸福里", "东方红", "松雅湖", "泉塘", "金霞苑", "望月湖"]
    texts = [
        *(f"{p}小区物业乱收停车费还不给开发票" for p in places),
        *(f"{p}附近工厂半夜排放刺鼻废气污染环境" for p in places),
        *(f"{p}中学暑假强制补课每人收费八百元" for p in places),
    ]
    labels = ["城乡建设"] * 6 + ["环境保护"] * 6 + ["教育文体"] * 6
    path = folder / "train.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels, strict=True))
    return path


def _run(*args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("triage", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_train_adds_the_board_labels_found_next_to_its_data_file_when_asked(tmp_path: Path) -> None:
    from django.core.management import CommandError

    from jiceng.triage.classifier import TextModel

    data = _history(tmp_path)
    ids = {
        label: [i for f, i, c in read_labels() if f == BOARD_FILES[1] and c == label] for label in CATEGORIES
    }
    _board(
        tmp_path,
        BOARD_FILES[1],
        [
            (ids["城乡建设"][0], "小区电梯坏了物业不修", "业主多次反映，物业一直推脱。"),
            (ids["城乡建设"][1], "老旧小区改造何时开始", "楼道漏水，墙皮脱落，希望尽快改造。"),
            (ids["环境保护"][0], "幸福里附近工厂半夜排放刺鼻废气", "污染环境"),  # repeats a training message
        ],
    )
    _board(tmp_path, BOARD_FILES[0], [])
    # Not by default: on the hold-out the board labels did not help (docs/triage-category.md).
    out = _run("train", "--data", str(data), "--out", str(tmp_path / "m.npz"), "--board-labels")
    assert "另加手工标注的留言板留言 2 条" in out
    assert TextModel.load(tmp_path / "m.npz").meta["board_labels"] == 2
    out = _run("train", "--data", str(data), "--out", str(tmp_path / "n.npz"))
    assert "留言板" not in out
    assert TextModel.load(tmp_path / "n.npz").meta["board_labels"] == 0

    alone = tmp_path / "alone"
    alone.mkdir()
    data = _history(alone)
    with pytest.raises(CommandError, match="留言板文件"):
        _run("train", "--data", str(data), "--out", str(tmp_path / "p.npz"), "--board-labels")
