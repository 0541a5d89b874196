"""Each check on windows built by hand: what fails, what passes, and why."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from modelci.analysis import CheckStatus, Histogram, VersionWindow, Window
from modelci.analysis.errors import check_errors, error_rise_p_value
from modelci.analysis.latency import check_latency
from modelci.analysis.predictions import check_classes, check_scores, merge_sparse_bins
from modelci.config.rollout import DistributionCheckConfig, ErrorsCheckConfig, LatencyCheckConfig

BOUNDS = (0.005, 0.01, 0.02, 0.05, math.inf)


def _window(canary: VersionWindow, stable: VersionWindow) -> Window:
    return Window(stable=stable, canary=canary)


def test_small_counts_use_fishers_exact_test() -> None:
    p_value, test = error_rise_p_value(3, 40, 1, 400)
    assert test == "Fisher's exact test"
    assert p_value == fisher_exact([[3, 37], [1, 399]], alternative="greater").pvalue


def test_large_counts_use_the_z_test() -> None:
    p_value, test = error_rise_p_value(60, 1000, 40, 1000)
    assert test == "two-proportion z-test"
    # One-sided z-test = half the two-sided chi-square test of the same 2x2 table (z^2 = chi^2).
    two_sided = chi2_contingency([[60, 940], [40, 960]], correction=False).pvalue
    assert p_value == pytest.approx(two_sided / 2)


def test_a_significant_rise_beyond_the_tolerance_fails() -> None:
    result = check_errors(
        _window(VersionWindow(200, 12), VersionWindow(1800, 18)), 0.01, ErrorsCheckConfig()
    )
    assert result.status is CheckStatus.FAIL
    assert result.effect == pytest.approx(0.06 - 0.01)
    assert result.reason.startswith("error rate rose by 5.00 points, beyond the allowed 1 points")


def test_a_significant_rise_within_the_tolerance_passes() -> None:
    window = _window(VersionWindow(20000, 500), VersionWindow(20000, 340))  # 2.5% vs 1.7%
    result = check_errors(window, 0.01, ErrorsCheckConfig(max_increase=0.01))
    assert result.p_value is not None and result.p_value < 0.01
    assert result.status is CheckStatus.PASS
    assert "but a rise of 0.80 points is within the allowed 1 points" in result.reason


def test_an_error_rate_that_falls_passes() -> None:
    result = check_errors(
        _window(VersionWindow(500, 0), VersionWindow(500, 40)), 0.05, ErrorsCheckConfig()
    )
    assert result.status is CheckStatus.PASS
    assert result.p_value is not None and result.p_value > 0.999


def test_no_requests_is_no_data() -> None:
    result = check_errors(
        _window(VersionWindow(0, 0), VersionWindow(10, 0)), 0.05, ErrorsCheckConfig()
    )
    assert result.status is CheckStatus.NO_DATA


def _latency(counts: tuple[int, ...]) -> VersionWindow:
    return VersionWindow(sum(counts), 0, latency=Histogram(BOUNDS, counts))


def test_a_slower_canary_fails_on_buckets() -> None:
    window = _window(_latency((0, 20, 120, 50, 10)), _latency((100, 600, 250, 40, 10)))
    result = check_latency(window, 0.01, LatencyCheckConfig())
    assert result.status is CheckStatus.FAIL
    assert result.test == "Mann-Whitney U on latency buckets"
    assert result.effect is not None and result.effect > 1.2
    assert dict(result.details)["probability_canary_slower"] > 0.5


def test_slower_within_the_tolerance_passes() -> None:
    # The same shape, a little more in the next bucket: significant at 10,000 requests each,
    # but the p50 ratio stays under 2x.
    canary = _latency((1000, 4300, 3700, 900, 100))
    stable = _latency((1000, 4800, 3200, 900, 100))
    result = check_latency(_window(canary, stable), 0.05, LatencyCheckConfig(max_ratio=2))
    assert result.p_value is not None and result.p_value < 0.05
    assert result.status is CheckStatus.PASS
    assert "but within the allowed 2x" in result.reason


def test_per_request_durations_win_over_buckets() -> None:
    rng = np.random.default_rng(0)
    stable = tuple(rng.lognormal(np.log(0.01), 0.3, 400).tolist())
    canary = tuple(rng.lognormal(np.log(0.03), 0.3, 100).tolist())
    window = _window(
        VersionWindow(100, 0, latency=Histogram(BOUNDS, (0, 0, 0, 0, 100)), durations=canary),
        VersionWindow(400, 0, latency=Histogram(BOUNDS, (0, 0, 0, 0, 400)), durations=stable),
    )
    result = check_latency(window, 0.01, LatencyCheckConfig())
    assert result.test == "Mann-Whitney U on per-request durations"
    assert result.status is CheckStatus.FAIL
    assert result.effect == pytest.approx(3, rel=0.25)


def test_histograms_with_different_buckets_are_no_data() -> None:
    other = VersionWindow(10, 0, latency=Histogram((0.1, math.inf), (5, 5)))
    result = check_latency(_window(other, _latency((1, 2, 3, 2, 2))), 0.05, LatencyCheckConfig())
    assert result.status is CheckStatus.NO_DATA
    assert "different buckets (2 and 5 bounds)" in result.reason


def test_quantile_interpolates_inside_the_bucket() -> None:
    histogram = Histogram((0.01, 0.02, math.inf), (50, 50, 0))
    assert histogram.quantile(0.5) == pytest.approx(0.01)
    assert histogram.quantile(0.75) == pytest.approx(0.015)
    assert Histogram((0.01, math.inf), (0, 4)).quantile(0.5) == 0.01  # +inf: its lower bound


def test_from_cumulative_repairs_dips_from_extrapolation() -> None:
    histogram = Histogram.from_cumulative({0.1: 10.4, 0.2: 9.8, 0.5: 30.2, math.inf: 31.0})
    assert histogram.counts == (10, 0, 20, 1)


def test_sparse_bins_merge_until_each_expects_enough() -> None:
    canary = np.array([1, 1, 1, 10, 10, 1], dtype=np.int64)
    stable = np.array([1, 1, 1, 10, 10, 1], dtype=np.int64)
    merged_canary, merged_stable = merge_sparse_bins(canary, stable, 5)
    assert merged_canary.tolist() == [13, 11]
    assert merged_stable.tolist() == [13, 11]


SCORES = tuple(round(0.1 * i, 1) for i in range(1, 11))


def _scores(counts: list[int]) -> VersionWindow:
    return VersionWindow(sum(counts), 0, scores=Histogram(SCORES, tuple(counts)))


def test_shifted_scores_fail() -> None:
    stable = _scores([300, 500, 400, 200, 100, 50, 30, 10, 5, 5])
    canary = _scores([10, 30, 80, 120, 90, 40, 20, 5, 3, 2])  # about 0.15 higher
    result = check_scores(_window(canary, stable), 0.01, DistributionCheckConfig())
    assert result.status is CheckStatus.FAIL
    assert result.effect is not None and result.effect >= 0.1
    details = dict(result.details)
    assert details["canary_mean_score"] - details["stable_mean_score"] == pytest.approx(
        0.12, abs=0.03
    )


def test_the_same_scores_pass() -> None:
    counts = [300, 500, 400, 200, 100, 50, 30, 10, 5, 5]
    result = check_scores(
        _window(_scores([c // 10 for c in counts]), _scores(counts)),
        0.01,
        DistributionCheckConfig(),
    )
    assert result.status is CheckStatus.PASS
    assert result.effect is not None and result.effect < 0.05


def test_decided_classes_compare_over_both_sides_labels() -> None:
    canary = VersionWindow(300, 0, classes={"0": 200, "1": 100})
    stable = VersionWindow(3000, 0, classes={"0": 2900, "1": 100})
    result = check_classes(_window(canary, stable), 0.01, DistributionCheckConfig())
    assert result.status is CheckStatus.FAIL
    assert result.test == "chi-square test over 2 bins"


def test_no_classes_is_no_data() -> None:
    result = check_classes(
        _window(VersionWindow(3, 0), VersionWindow(3, 0)), 0.01, DistributionCheckConfig()
    )
    assert result.status is CheckStatus.NO_DATA
    assert result.reason == "no decided classes on one side"
