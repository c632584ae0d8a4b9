"""The answer-or-refuse model's named features and its weights file (issue 25): every feature the decision
computes has a name and a weight in every regime, and what `python -m lab calibrate` writes is what the
decision reads."""

import json

import numpy as np
import pytest

from lab.calibration import weights_file
from retrieval.decision import DEFAULT_RULE, FEATURES, REGIMES, WEIGHTS_FILE, features, load_weights


def test_every_named_feature_has_a_weight_in_every_regime():
    saved = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert saved["fitted_on"] and saved["fitted"]
    assert set(saved["weights"]) == set(REGIMES)
    for regime in REGIMES:
        assert set(saved["weights"][regime]) == set(FEATURES), regime
    assert len(set(FEATURES)) == len(FEATURES)
    assert all(len(row) == len(FEATURES) for row in DEFAULT_RULE.decision)


def test_the_features_of_a_real_question_line_up_with_their_names(engine):
    values = features(engine.score("Какое соглашение подписал МАЗ?"))
    assert values.shape == (len(FEATURES),) and values[FEATURES.index("bias")] == 1.0
    assert 0 < values[FEATURES.index("known_share")] <= 1
    assert values[FEATURES.index("best_cosine")] == pytest.approx(float(engine.score("Какое соглашение подписал МАЗ?").cosine.max()))


def test_what_calibrate_writes_is_what_the_decision_reads(tmp_path):
    weights = tuple(tuple(float(i * 100 + j) for j in range(len(FEATURES))) for i in range(len(REGIMES)))
    path = tmp_path / "weights.json"
    path.write_text(weights_file(weights, "2026-11-30"), encoding="utf-8")
    assert load_weights(path) == weights


def test_a_missing_weight_is_named(tmp_path):
    saved = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    del saved["weights"]["both languages"]["near_weight"]
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ValueError, match="both languages: near_weight"):
        load_weights(path)


def test_the_model_weighs_by_name_not_by_position():
    """Reordering the file's entries changes nothing: weights are matched to features by name."""
    saved = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    saved["weights"] = {regime: dict(reversed(list(row.items()))) for regime, row in saved["weights"].items()}
    assert np.allclose(np.array([[saved["weights"][r][n] for n in FEATURES] for r in REGIMES]),
                       np.array(DEFAULT_RULE.decision))
