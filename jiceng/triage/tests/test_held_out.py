"""The held-out test sets stay out of the training data: no test message of four characters or more,
with spaces and punctuation removed, is also a training message (the writers of the training files
never saw the test files; a "谢谢" or a "你好" may be in both). A failure names how many, not which:
the test sets are not to be read."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
_NOISE = re.compile(r"[\W_]+")


def texts(name: str) -> set[str]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as fh:
        return {t for r in csv.DictReader(fh) if len(t := _NOISE.sub("", r["text"]).lower()) >= 4}


@pytest.mark.parametrize("test", ["type_test.csv", "type_test2.csv", "type_test3.csv", "type_test4.csv"])
def test_no_event_type_test_message_is_a_training_message(test: str) -> None:
    assert len(texts(test)) > 150
    shared = len(texts(test) & texts("type_corpus.csv"))
    assert shared == 0, f"{shared} messages of {test} are in the training corpus"


@pytest.mark.parametrize(
    "test",
    [
        "sensitive_test.csv",
        "sensitive_test2.csv",
        "sensitive_test3.csv",
        "sensitive_test4.csv",
        "sensitive_test5.csv",
    ],
)
def test_no_sensitive_test_message_is_a_training_message(test: str) -> None:
    training = texts("sensitive_train.csv") | texts("sensitive_written.csv")
    assert len(texts(test)) > 290
    shared = len(texts(test) & training)
    assert shared == 0, f"{shared} messages of {test} are in the training data"
