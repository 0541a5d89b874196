"""evaluate.py: the PR curve is thinned to at most 50 points and keeps both ends."""

import numpy as np
from evaluate import MAX_CURVE_POINTS, _thin, pr_curve_points, predictions_frame


def test_thin_keeps_short_curves_whole_and_long_ones_short_with_both_ends():
    assert _thin(5, 50).tolist() == [0, 1, 2, 3, 4]
    long = _thin(1_000, 50)
    assert len(long) <= 50
    assert (long[0], long[-1]) == (0, 999)


def test_pr_curve_points_are_few_and_from_recall_zero_to_one():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5_000)
    scores = np.clip(y * 0.6 + rng.normal(0.2, 0.2, 5_000), 0, 1)
    points = pr_curve_points(y, scores)
    assert len(points) <= MAX_CURVE_POINTS
    assert points[0]["recall"] == 1.0  # the lowest threshold flags everything
    assert all(0 <= p["precision"] <= 1 for p in points)


def test_predictions_are_sorted_by_row_id_with_compact_scores():
    frame = predictions_frame(np.array([3, 1, 2]), np.array([1, 0, 0]), np.array([0.9, 0.1, 0.2]))
    assert frame["row_id"].tolist() == [1, 2, 3]
    assert frame["label"].tolist() == [0, 0, 1]
    assert str(frame["score"].dtype) == "float32"
