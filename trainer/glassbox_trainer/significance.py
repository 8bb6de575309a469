"""Paired significance tests for per-user metrics of two methods on the same users.

* Paired bootstrap: resample users with replacement, recompute the mean difference; the
  95% interval is the 2.5/97.5 percentiles, the two-sided p-value 2 (k + 1) / (B + 1) with k
  the resampled differences on the far side of 0 and B the resamples (capped at 1).
* Exact sign test: users where the two differ; two-sided binomial p-value with p = 1/2
  (for a 0/1 metric such as HR@10 this is the exact McNemar test).
"""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import Dict, Sequence

import numpy as np


def _resampled_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `resamples` bootstrap resamples of the users' values."""
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    step = max(1, 4_000_000 // values.size)     # resamples per chunk, bounded memory
    for start in range(0, resamples, step):
        n = min(step, resamples - start)
        means[start:start + n] = values[rng.integers(0, values.size, size=(n, values.size))].mean(1)
    return means


def paired_bootstrap(a: Sequence[float], b: Sequence[float], resamples: int = 10000,
                     seed: int = 0) -> Dict[str, float]:
    """Mean of a − b over users with a bootstrap 95% CI and two-sided p-value."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.size == 0:
        raise ValueError("no paired users")
    means = _resampled_means(diff, resamples, seed)
    low, high = np.percentile(means, [2.5, 97.5])
    tail = min(np.count_nonzero(means <= 0.0), np.count_nonzero(means >= 0.0))
    # (count + 1) / (resamples + 1): never 0, the smallest reportable p is ~2 / resamples.
    p = min(1.0, 2.0 * (tail + 1) / (resamples + 1))
    return {"mean_difference": float(diff.mean()), "ci95": [float(low), float(high)],
            "p_value": p, "resamples": resamples, "seed": seed}


def against_reference(values: Sequence[float], reference: float, resamples: int = 10000,
                      seed: int = 0) -> Dict[str, float]:
    """Mean of the users' values against a published figure with no per-user data: a
    bootstrap 95% CI of the mean and the share of resamples above the reference (the
    reference itself carries sampling error this cannot see, so the test is lenient to it)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no users")
    means = _resampled_means(values, resamples, seed)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(values.mean()), "reference": reference,
            "ci95": [float(low), float(high)],
            "share_of_resamples_above_reference": float(np.mean(means > reference)),
            "resamples": resamples, "seed": seed, "users": int(values.size)}


def sign_test(a: Sequence[float], b: Sequence[float]) -> Dict[str, float]:
    """Exact two-sided sign test of a vs b per user (ties dropped)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    wins, losses = int(np.count_nonzero(diff > 0)), int(np.count_nonzero(diff < 0))
    n, k = wins + losses, min(wins, losses)
    if n == 0:
        p = 1.0
    else:
        tail = Fraction(sum(comb(n, i) for i in range(k + 1)), 2 ** n)
        p = float(min(Fraction(1), 2 * tail))
    return {"a_better": wins, "b_better": losses, "ties": int(diff.size - n), "p_value": p}


def compare(a_ranks: Sequence[int], b_ranks: Sequence[int], cutoff: int = 10,
            seed: int = 0, resamples: int = 10000) -> Dict[str, Dict]:
    """Both tests on reciprocal rank and HR@cutoff from 0-based ranks of the same users."""
    a, b = np.asarray(a_ranks), np.asarray(b_ranks)
    out = {}
    for name, f in (("reciprocal_rank", lambda r: 1.0 / (r + 1.0)),
                    (f"hr@{cutoff}", lambda r: (r < cutoff).astype(np.float64))):
        out[name] = {"mean_a": float(f(a).mean()), "mean_b": float(f(b).mean()),
                     "bootstrap": paired_bootstrap(f(a), f(b), resamples, seed),
                     "sign_test": sign_test(f(a), f(b))}
    out["users"] = int(a.size)
    return out
