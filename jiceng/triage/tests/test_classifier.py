from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jiceng.triage.catalogue import phrasings, training_set
from jiceng.triage.classifier import Params, TextModel, choose_threshold, cross_validate, train

from .conftest import catalogue


def test_the_catalogue_model_ranks_the_right_type_for_new_phrasings(catalogue_model: TextModel) -> None:
    texts = ["楼下烧烤店的油烟太大了，窗户都不敢开", "工地老板拖欠我们三个月工资", "小区门口好多小贩摆地摊"]
    assert catalogue_model.predict(texts) == ["CS08", "CS07", "CS01"]


def test_the_types_and_the_background_share_one_probability(catalogue_model: TextModel) -> None:
    p = catalogue_model.predict_proba(["路灯坏了好几天"])
    assert p.shape == (1, 10)
    assert 0.5 < p.sum() <= 1.0 + 1e-5
    full = np.exp(catalogue_model.decision_with_background(["路灯坏了好几天"]) * catalogue_model.temperature)
    assert abs(p.sum() + full[0, -1] / full.sum() - 1.0) < 1e-5


def test_a_saved_model_loads_with_the_same_probabilities(catalogue_model: TextModel, tmp_path: Path) -> None:
    text = ["晚上广场舞音响太吵"]
    loaded = TextModel.load(catalogue_model.save(tmp_path / "m.npz"))
    assert loaded.classes == catalogue_model.classes
    assert np.allclose(loaded.predict_proba(text), catalogue_model.predict_proba(text), atol=1e-6)


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, header=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(ValueError):
        TextModel.load(bad)


def test_phrasings_vary_and_mention_the_keywords() -> None:
    entry = catalogue()[0]
    texts = phrasings(entry, 40)
    assert len(texts) == len(set(texts)) >= 35
    assert sum(any(k in t for k in entry.keywords) for t in texts) >= 30


def test_training_refuses_a_single_class() -> None:
    with pytest.raises(ValueError):
        train(["一", "二"], ["a", "a"])


def test_training_on_history_sets_a_threshold_and_its_share() -> None:
    texts, labels = training_set(catalogue()[:4], per_type=30)
    model = train(texts, labels)
    assert model.threshold is not None
    assert 0 < model.meta["auto_dispatch_share"] <= 1


def test_the_threshold_is_the_lowest_confidence_that_keeps_the_target_precision() -> None:
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, True, False, False])
    threshold, share = choose_threshold(confidence, correct, target=0.8)
    assert threshold == 0.7
    assert share == pytest.approx(5 / 6)


def test_no_threshold_when_even_the_most_confident_are_wrong() -> None:
    assert choose_threshold(np.array([0.9, 0.8]), np.array([False, False]), 0.95) == (None, 0.0)


def test_cross_validation_scores_every_message_once_per_repeat() -> None:
    texts, labels = training_set(catalogue()[:3], per_type=20)
    scores = cross_validate(texts, labels, folds=3, seeds=(0, 1))
    assert scores.n == len(texts)
    assert sum(sum(row) for row in scores.confusion) == 2 * len(texts)
    assert len(scores.extra["repeats"]) == 2


def test_the_kept_features_are_those_that_tell_the_classes_apart() -> None:
    import scipy.sparse as sp

    from jiceng.triage.classifier import kept_features

    y = np.array(["a", "a", "a", "b", "b", "b"])
    # Column 1 is present exactly in the "b" messages; columns 0 and 2 are in every message alike.
    X = sp.csr_matrix(
        np.array([[1, 0, 1], [1, 0, 1], [1, 0, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]], dtype=np.float32)
    )
    assert kept_features(X, y, 1).tolist() == [1]
    assert kept_features(X, y, 0).tolist() == [0, 1, 2]


def test_a_message_like_a_training_message_gets_its_neighbours_vote(tmp_path: Path) -> None:
    texts, labels = training_set(catalogue()[:3], per_type=20)
    model = train(texts, labels, Params(features_kept=300), calibrate=False)
    assert model.memory is not None and model.memory.rows.shape[0] == len(texts)
    # The SVM uses the kept features only.
    assert 0 < int((np.abs(model.coef).sum(axis=0) > 0).sum()) <= 300
    X = model.features([texts[0]])
    vote = model.memory.vote(X, len(model.classes))
    assert vote.sum() == pytest.approx(1.0, abs=1e-5)
    assert model.classes[int(vote.argmax())] == labels[0]
    assert vote.max() > 0.5
    # The vote is part of the scores, and survives saving.
    alone = np.asarray(X @ model.coef.T + model.intercept)
    assert np.allclose(model.decision([texts[0]]), alone + model.memory.weight * vote, atol=1e-5)
    loaded = TextModel.load(model.save(tmp_path / "m.npz"))
    assert loaded.memory is not None
    assert np.allclose(loaded.predict_proba(texts[:5]), model.predict_proba(texts[:5]), atol=1e-6)


def test_no_neighbour_vote_above_the_row_limit_or_when_turned_off() -> None:
    texts, labels = training_set(catalogue()[:2], per_type=10)
    assert train(texts, labels, Params(neighbour_rows_max=len(texts) - 1), calibrate=False).memory is None
    assert train(texts, labels, Params(neighbours=0), calibrate=False).memory is None
