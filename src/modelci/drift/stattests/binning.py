"""Shares per bin or per category, for the tests that compare two distributions of shares.

As Evidently bins them: a numeric column with more than 20 distinct reference values is cut into
Sturges' histogram bins over both samples' range; any other column is counted per value.
"""

from __future__ import annotations

import numpy as np

from modelci.drift.stattests.base import Counts, FloatArray, IntArray, Numeric, Sample

MAX_VALUES_COUNTED = 20


def shares(sample: Sample, *, fill_zeroes: bool) -> tuple[FloatArray, FloatArray]:
    """(reference shares, current shares) over the same bins or categories.

    `fill_zeroes` replaces empty bins with a small share (Evidently's rule), for the tests that
    divide by or take the log of a share (PSI).
    """
    if isinstance(sample, Numeric):
        if distinct_sorted(sample.reference) > MAX_VALUES_COUNTED:
            ref_counts, cur_counts = histogram(sample)
        else:
            counted = counts_from_sorted(sample.reference, sample.current)
            ref_counts, cur_counts = counted.reference, counted.current
    else:
        ref_counts, cur_counts = sample.reference, sample.current
    ref = ref_counts / ref_counts.sum()
    cur = cur_counts / cur_counts.sum()
    if fill_zeroes:
        ref, cur = _fill_zeroes(ref), _fill_zeroes(cur)
    return ref, cur


def histogram(sample: Numeric) -> tuple[IntArray, IntArray]:
    edges = np.histogram_bin_edges(
        np.concatenate([sample.reference, sample.current]), bins="sturges"
    )
    return (
        np.histogram(sample.reference, edges)[0].astype(np.int64),
        np.histogram(sample.current, edges)[0].astype(np.int64),
    )


def distinct_sorted(values: FloatArray) -> int:
    """Distinct values in a sorted array (one pass, no hashing)."""
    return int(np.count_nonzero(np.diff(values))) + 1 if len(values) else 0


def counts_from_sorted(reference: FloatArray, current: FloatArray) -> Counts:
    """Counts per distinct value of two sorted numeric samples, aligned over both."""
    ref_values, ref_counts = _runs(reference)
    cur_values, cur_counts = _runs(current)
    labels = np.union1d(ref_values, cur_values)
    ref_aligned = np.zeros(len(labels), dtype=np.int64)
    cur_aligned = np.zeros(len(labels), dtype=np.int64)
    ref_aligned[np.searchsorted(labels, ref_values)] = ref_counts
    cur_aligned[np.searchsorted(labels, cur_values)] = cur_counts
    return Counts(labels=tuple(labels.tolist()), reference=ref_aligned, current=cur_aligned)


def _runs(values: FloatArray) -> tuple[FloatArray, IntArray]:
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    return values[starts], np.diff(np.r_[starts, len(values)]).astype(np.int64)


def _fill_zeroes(share: FloatArray) -> FloatArray:
    smallest = share[share != 0].min()
    filled = share.copy()
    filled[filled == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return filled
