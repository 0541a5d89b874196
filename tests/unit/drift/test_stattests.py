"""Each drift test against scipy or a value worked out by hand, and the registry's defaults."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chisquare, ks_2samp, wasserstein_distance

from modelci.drift.stattests import METHODS, ColumnKind, Counts, Numeric, default_method, get_method
from modelci.drift.stattests.binning import counts_from_sorted, shares
from modelci.drift.stattests.wasserstein import wasserstein_sorted


def numeric(reference: np.ndarray, current: np.ndarray) -> Numeric:
    return Numeric(np.sort(reference.astype(float)), np.sort(current.astype(float)))


def counts(reference: list[int], current: list[int], labels: tuple[object, ...] = ()) -> Counts:
    labels = labels or tuple(f"c{i}" for i in range(len(reference)))
    return Counts(labels, np.array(reference, dtype=np.int64), np.array(current, dtype=np.int64))


@pytest.mark.parametrize(("n", "m"), [(1, 1), (2, 3), (7, 5), (100, 100), (1000, 333), (4, 4096)])
def test_wasserstein_on_sorted_samples_equals_scipy(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 1000 + m)
    u, v = np.sort(rng.normal(0, 1, n)), np.sort(rng.lognormal(0, 1, m))
    assert wasserstein_sorted(u, v) == pytest.approx(wasserstein_distance(u, v), rel=1e-12)


def test_wasserstein_with_ties_equals_scipy() -> None:
    rng = np.random.default_rng(3)
    u, v = np.sort(rng.integers(0, 5, 301).astype(float)), np.sort(rng.integers(1, 7, 77) * 1.0)
    assert wasserstein_sorted(u, v) == pytest.approx(wasserstein_distance(u, v), rel=1e-12)


def test_wasserstein_is_normed_by_the_reference_standard_deviation() -> None:
    # reference [0, 2]: std 1; current shifted by 0.5 everywhere: W1 = 0.5
    sample = numeric(np.array([0.0, 2.0]), np.array([0.5, 2.5]))
    assert get_method("wasserstein").compute(sample) == pytest.approx(0.5)
    # a constant reference: the deviation is floored at 0.001
    flat = numeric(np.array([1.0, 1.0]), np.array([1.0, 1.001]))
    assert get_method("wasserstein").compute(flat) == pytest.approx(0.0005 / 0.001)


def test_ks_is_scipys_p_value_and_drifts_at_or_below_the_threshold() -> None:
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(0, 1, 400), rng.normal(0.3, 1, 500)
    ks = get_method("ks")
    assert ks.compute(numeric(ref, cur)) == pytest.approx(ks_2samp(ref, cur).pvalue)
    assert ks.drifted(0.05, 0.05) and not ks.drifted(0.0501, 0.05)


def test_chisquare_scales_reference_counts_to_the_current_size() -> None:
    sample = counts([50, 30, 20], [40, 40, 120])
    expected = chisquare([40, 40, 120], [100, 60, 40]).pvalue
    assert get_method("chisquare").compute(sample) == pytest.approx(expected)
    assert not get_method("chisquare").drifted(0.05, 0.05)  # strictly below, as Evidently


def test_chisquare_with_a_category_new_in_the_current_data_is_drift() -> None:
    p = get_method("chisquare").compute(counts([60, 40, 0], [55, 40, 5]))
    assert p == 0.0


def test_z_test_matches_the_two_proportion_formula() -> None:
    # 30 of 100 vs 50 of 100: pooled 0.4, z = -0.2 / sqrt(0.4 * 0.6 * 0.02) = -2.8868
    p = get_method("z").compute(counts([70, 30], [50, 50], labels=("no", "yes")))
    assert p == pytest.approx(2 * (1 - 0.998053), abs=1e-5)
    assert p == pytest.approx(0.003892, abs=1e-6)


def test_z_test_of_one_identical_value_is_one() -> None:
    assert get_method("z").compute(counts([10, 0], [7, 0], labels=(1.0, 2.0))) == 1.0


def test_jensenshannon_of_counts_is_scipys_on_shares() -> None:
    sample = counts([10, 30, 60], [20, 30, 50])
    expected = jensenshannon([0.1, 0.3, 0.6], [0.2, 0.3, 0.5])
    assert get_method("jensenshannon").compute(sample) == pytest.approx(expected)


def test_psi_by_hand() -> None:
    sample = counts([50, 50], [25, 75])
    expected = (0.5 - 0.25) * math.log(0.5 / 0.25) + (0.5 - 0.75) * math.log(0.5 / 0.75)
    assert get_method("psi").compute(sample) == pytest.approx(expected)


def test_numeric_shares_use_sturges_bins_over_both_samples() -> None:
    rng = np.random.default_rng(2)
    ref, cur = rng.normal(0, 1, 500), rng.normal(1, 1, 300)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    ref_share, cur_share = shares(numeric(ref, cur), fill_zeroes=False)
    assert ref_share == pytest.approx(np.histogram(ref, edges)[0] / 500)
    assert cur_share == pytest.approx(np.histogram(cur, edges)[0] / 300)


def test_numeric_shares_with_few_values_count_each_value() -> None:
    ref_share, cur_share = shares(
        numeric(np.array([1, 1, 2, 3]), np.array([3, 3, 4, 4])), fill_zeroes=False
    )
    assert list(ref_share) == [0.5, 0.25, 0.25, 0.0]
    assert list(cur_share) == [0.0, 0.0, 0.5, 0.5]


def test_counts_from_sorted_align_both_sides() -> None:
    counted = counts_from_sorted(np.array([1.0, 1.0, 3.0]), np.array([2.0, 3.0, 3.0, 3.0]))
    assert counted.labels == (1.0, 2.0, 3.0)
    assert list(counted.reference) == [2, 0, 1]
    assert list(counted.current) == [0, 1, 3]


def test_empty_bins_are_filled_for_psi_as_evidently_fills_them() -> None:
    ref_share, cur_share = shares(counts([5, 5, 0], [2, 2, 6]), fill_zeroes=True)
    assert list(ref_share) == [0.5, 0.5, 0.0001]
    assert list(cur_share) == [0.2, 0.2, 0.6]


@pytest.mark.parametrize(
    ("kind", "rows", "values", "method"),
    [
        (ColumnKind.NUMERIC, 1000, 50, "ks"),
        (ColumnKind.NUMERIC, 1001, 50, "wasserstein"),
        (ColumnKind.CATEGORICAL, 1000, 3, "chisquare"),
        (ColumnKind.CATEGORICAL, 1000, 2, "z"),
        (ColumnKind.CATEGORICAL, 1001, 2, "jensenshannon"),
        (ColumnKind.CATEGORICAL, 1001, 30, "jensenshannon"),
    ],
)
def test_default_method_switches_above_1000_reference_rows(
    kind: ColumnKind, rows: int, values: int, method: str
) -> None:
    assert default_method(kind, rows, values).name == method


def test_registry_names_every_method_with_its_kinds_and_default_threshold() -> None:
    described = {
        name: (sorted(k.value for k in test.kinds), test.default_threshold)
        for name, test in METHODS.items()
    }
    assert described == {
        "ks": (["numeric"], 0.05),
        "chisquare": (["categorical"], 0.05),
        "z": (["categorical"], 0.05),
        "wasserstein": (["numeric"], 0.1),
        "jensenshannon": (["categorical", "numeric"], 0.1),
        "psi": (["categorical", "numeric"], 0.1),
    }
    with pytest.raises(KeyError, match="unknown drift method 'kl'; known: ks, chisquare"):
        get_method("kl")


def test_a_test_refuses_the_other_kind_of_sample() -> None:
    with pytest.raises(TypeError, match="the ks test compares numeric columns"):
        get_method("ks").compute(counts([1, 2], [2, 1]))
