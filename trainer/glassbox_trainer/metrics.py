"""Ranking metrics. Definitions (also in trainer/README.md):

For one evaluation case with target set T (|T| >= 1) and a scored candidate list, the rank of
a target t is the number of candidates scoring strictly higher than t (0-based; ties count in
the target's favour). With r_t the ranks:
  HR@K   = 1 if min_t r_t < K else 0
  NDCG@K = sum_{t: r_t < K} 1 / log2(r_t + 2)  /  sum_{i=0}^{min(|T|, K) - 1} 1 / log2(i + 2)
  MRR    = 1 / (min_t r_t + 1)          (over the full candidate list, no cut-off)
Reported numbers are means over cases.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, List, Sequence

import numpy as np

CUTOFFS = (5, 10)


def ranks_of(scores: np.ndarray, targets: Sequence[int]) -> List[int]:
    """0-based rank of each target among `scores` (entries set to -inf are excluded)."""
    return [int(np.count_nonzero(scores > scores[t])) for t in targets]


def case_metrics(ranks: Sequence[int], cutoffs: Iterable[int] = CUTOFFS) -> Dict[str, float]:
    best = min(ranks)
    out = {"mrr": 1.0 / (best + 1)}
    for k in cutoffs:
        dcg = sum(1.0 / math.log2(r + 2) for r in ranks if r < k)
        idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(ranks), k)))
        out[f"hr@{k}"] = 1.0 if best < k else 0.0
        out[f"ndcg@{k}"] = dcg / idcg
    return out


class MetricAccumulator:
    def __init__(self, cutoffs: Iterable[int] = CUTOFFS):
        self.cutoffs = tuple(cutoffs)
        self.sums: Dict[str, float] = {}
        self.count = 0

    def add(self, ranks: Sequence[int]) -> None:
        for key, value in case_metrics(ranks, self.cutoffs).items():
            self.sums[key] = self.sums.get(key, 0.0) + value
        self.count += 1

    def result(self) -> Dict[str, float]:
        out = {k: v / self.count for k, v in sorted(self.sums.items())} if self.count else {}
        out["users"] = self.count
        return out
