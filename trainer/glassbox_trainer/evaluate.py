"""Evaluation of a model (or the popularity baseline) on held-out cases.

Full ranking: every item of the vocabulary is a candidate except padding and the items in
the user's whole history (we recommend new products; serving excludes them the same way).
Sampled: the first target against the case's sampled unseen negatives.
The model sees the last `max_len` history items.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from .data import EvalCase, title_word_table
from .metrics import MetricAccumulator


def left_pad(rows: List[np.ndarray], max_len: int) -> torch.Tensor:
    length = max(1, max(min(len(r), max_len) for r in rows))
    out = np.zeros((len(rows), length), dtype=np.int64)
    for i, r in enumerate(rows):
        r = r[-max_len:]
        if len(r):
            out[i, length - len(r):] = r
    return torch.from_numpy(out)


def popularity_scores(train: List[np.ndarray], num_items: int) -> np.ndarray:
    """Purchase counts over the training events; ties broken towards the lower index."""
    counts = np.bincount(np.concatenate(train) if train else np.zeros(0, np.int64),
                         minlength=num_items + 1).astype(np.float64)
    return counts - np.arange(num_items + 1) / (num_items + 2.0)


def evaluate_scores(cases: List[EvalCase], score_batch: Callable[[List[EvalCase]], np.ndarray],
                    batch_size: int = 128, sampled: bool = False,
                    keep_ranks: bool = False) -> Dict[str, object]:
    """score_batch(cases) -> float array [len(cases), N + 1] of scores for all item indices."""
    full = MetricAccumulator()
    samp = MetricAccumulator() if sampled else None
    ranks_full, ranks_sampled = {}, {}
    order = sorted(range(len(cases)), key=lambda i: min(len(cases[i].history), 10 ** 9))
    for start in range(0, len(order), batch_size):
        chunk = [cases[i] for i in order[start:start + batch_size]]
        scores = score_batch(chunk)
        for row, case in zip(scores, chunk):
            row = row.astype(np.float64, copy=True)
            if samp is not None and case.negatives is not None:
                target = int(case.targets[0])
                negatives = row[case.negatives]
                rank = int(np.count_nonzero(negatives > row[target]))
                samp.add([rank])
                ranks_sampled[case.user] = rank
            row[0] = -np.inf
            row[case.history] = -np.inf
            ranks = [int(np.count_nonzero(row > row[t])) for t in case.targets]
            full.add(ranks)
            ranks_full[case.user] = ranks
    result: Dict[str, object] = {"full": full.result()}
    if samp is not None:
        result["sampled"] = samp.result()
    if keep_ranks:
        result["ranks_full"] = ranks_full
        result["ranks_sampled"] = ranks_sampled
    return result


def tested_users(cases: List[EvalCase], dataset) -> Dict[str, object]:
    """The test cases figures measured on `cases` are means over (one case per user): their
    count and the SHA-256 of one line per case, in the code-point order of the lines, each the
    compact JSON (UTF-8, non-ASCII as is) of [user id, request time (Unix seconds), history item
    ids oldest first, target item ids in code-point order], followed by a newline; ids are the
    external ones (`dataset.user_ids`, `dataset.item_ids`). So equal records mean the same users
    with the same histories and held-out baskets asked for at the same times (the split and the
    data they came from), not only the same users: a version retrained on refreshed data for the
    same customers records other cases. Two versions' figures compare like for like only when
    both are equal (`bin/glassbox reload-model` says so)."""
    def item(index) -> str:
        return dataset.item_ids[int(index) - 1]

    lines = sorted(json.dumps([dataset.user_ids[case.user], int(case.time), [item(i) for i in case.history],
                               sorted(item(i) for i in case.targets)],
                              ensure_ascii=False, separators=(",", ":")) + "\n" for case in cases)
    digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return {"count": len(lines), "sha256": digest}


def model_scorer(model, max_len: int, items: Optional[torch.Tensor] = None):
    def score(chunk: List[EvalCase]) -> np.ndarray:
        history = left_pad([c.history for c in chunk], max_len)
        with torch.no_grad():
            return model.score_all(history, items).numpy()
    return score


def sampled_model_scorer(model, max_len: int, num_items: int):
    """Scores only each case's first target and its sampled negatives (the rest −inf): the
    sampled protocol without scoring every item (the model's forward on 100 candidates)."""
    def score(chunk: List[EvalCase]) -> np.ndarray:
        history = left_pad([c.history for c in chunk], max_len)
        candidates = torch.from_numpy(np.stack(
            [np.concatenate([c.targets[:1], c.negatives]) for c in chunk]).astype(np.int64))
        with torch.no_grad():
            scores = model(history, candidates)
        scores = scores[0] if isinstance(scores, tuple) else scores
        out = np.full((len(chunk), num_items + 1), -np.inf)
        np.put_along_axis(out, candidates.numpy(), scores.numpy().astype(np.float64), axis=1)
        return out
    return score


def popularity_scorer(popularity: np.ndarray):
    def score(chunk: List[EvalCase]) -> np.ndarray:
        return np.broadcast_to(popularity, (len(chunk), len(popularity)))
    return score


def attribute_popularity_scores(train: List[np.ndarray], num_items: int, category: np.ndarray,
                                cold: set) -> np.ndarray:
    """Popularity where items never seen in training borrow the mean training count of the
    seen items in their category (a stronger baseline for cold items than plain counts)."""
    counts = np.bincount(np.concatenate(train), minlength=num_items + 1).astype(np.float64)
    warm = np.ones(num_items + 1, dtype=bool)
    warm[0] = False
    warm[list(cold)] = False
    sums = np.bincount(category[warm], weights=counts[warm], minlength=category.max() + 1)
    sizes = np.bincount(category[warm], minlength=category.max() + 1)
    fallback = counts[warm].mean()
    means = np.where(sizes > 0, sums / np.maximum(sizes, 1), fallback)
    scores = counts.copy()
    cold_idx = np.array(sorted(cold), dtype=np.int64)
    scores[cold_idx] = means[category[cold_idx]]
    return scores - np.arange(num_items + 1) / (num_items + 2.0)


class TitleVectors:
    """Each item's title as a TF-IDF vector: binary term frequency x idf = ln(N / df) over the
    title words shared by >= 2 items (catalogue text only, no interactions), L2-normalised,
    weights rounded to float32 (what `write_tsv` writes and the model service reads back, so
    both compute the same cosines). An item without such a word has the zero vector."""

    def __init__(self, titles: List[str]):
        table, self.words = title_word_table(titles, max_words=10 ** 4)
        table = table[:, :max(1, int((table > 0).sum(1).max()))]
        self.rows, cols = np.nonzero(table)
        self.word = table[self.rows, cols]
        df = np.bincount(self.word, minlength=len(self.words)).astype(np.float64)
        idf = np.log(len(titles) / np.maximum(df, 1.0))
        weight = idf[self.word]
        norms = np.sqrt(np.bincount(self.rows, weights=weight ** 2, minlength=len(titles) + 1))
        weight = weight / np.maximum(norms[self.rows], 1e-12)
        self.weight = weight.astype(np.float32).astype(np.float64)
        self.num_items = len(titles)

    def profile_scores(self, history: np.ndarray, per_position: bool = False) -> np.ndarray:
        """float64[N + 1]: each item's summed title cosine to the history's items. Without
        `per_position` an item in the history twice counts once (the content baseline); with
        it, once per position (the served term's sum over the window's positions)."""
        if per_position:
            times = np.bincount(history, minlength=self.num_items + 1)[self.rows]
        else:
            times = np.isin(self.rows, history).astype(np.float64)
        profile = np.bincount(self.word, weights=self.weight * times, minlength=len(self.words))
        return np.bincount(self.rows, weights=self.weight * profile[self.word],
                           minlength=self.num_items + 1)

    def mean_cosines(self, cases: List[EvalCase], window: int) -> np.ndarray:
        """float64[len(cases), N + 1]: the served title term before its weight, each item's mean
        title cosine to the positions of the case's last `window` history items (0 for an
        empty history)."""
        out = np.zeros((len(cases), self.num_items + 1))
        for i, case in enumerate(cases):
            history = case.history[-window:]
            if len(history):
                out[i] = self.profile_scores(history, per_position=True) / len(history)
        return out

    def write_tsv(self, path: str, item_ids: List[str]) -> None:
        """`item_id<TAB>word:weight word:weight ...` for every item with a title word, in index
        order; weights as float32 (9 significant digits read back exactly)."""
        with open(path, "w", encoding="utf-8") as out:
            out.write("item_id\ttitle_vector\n")
            for item in range(1, self.num_items + 1):
                mine = self.rows == item
                if mine.any():
                    terms = " ".join(f"{self.words[w]}:{v:.9g}"
                                     for w, v in zip(self.word[mine], self.weight[mine]))
                    out.write(f"{item_ids[item - 1]}\t{terms}\n")


def title_tfidf_scores(titles: List[str], mean: bool = False):
    """Content baseline: a scorer ranking items by the TF-IDF cosine similarity of their
    titles to the user's history (all of it; needs no training data; `TitleVectors`).

    The user's profile is the sum of the history items' vectors and an item's score is its dot
    product with the profile (the cosine up to a per-user factor, which does not change a
    ranking). With `mean`, the profile is divided by the history's length: the item's mean
    title cosine to the history items, in [0, 1] whatever the length (a term to add to another
    score, one share per history item; an item in the history twice is summed once and counted
    twice; no Amazon Beauty history repeats an item)."""
    vectors = TitleVectors(titles)

    def score(chunk: List[EvalCase]) -> np.ndarray:
        out = np.zeros((len(chunk), vectors.num_items + 1))
        for i, case in enumerate(chunk):
            out[i] = vectors.profile_scores(case.history)
            if mean:
                out[i] /= max(1, len(case.history))
        return out
    return score


def ranked_with_ties_broken(scores: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """Integer rank keys of `scores` (higher ranks first), equal scores ordered by `tie_break`;
    only items equal in both stay tied. Exact, where adding a small multiple of `tie_break` to
    scores near 1 moves them by about one float step and may round a tie back in (or overturn
    a real score gap smaller than that multiple)."""
    order = np.lexsort((tie_break, scores))
    ordered_scores, ordered_ties = scores[order], tie_break[order]
    step = np.ones(len(order), dtype=np.int64)
    step[1:] = (ordered_scores[1:] != ordered_scores[:-1]) | (ordered_ties[1:] != ordered_ties[:-1])
    keys = np.empty(len(order), dtype=np.int64)
    keys[order] = np.cumsum(step)
    return keys


def tie_broken(scorer, tie_break: np.ndarray):
    """`scorer` with ties ordered by `tie_break`: each row becomes its rank keys
    (`ranked_with_ties_broken`), so a baseline with many equal scores (zero similarity) does
    not win ties by the metric's "strictly higher" rule, and no real score gap is lost."""
    def score(chunk: List[EvalCase]) -> np.ndarray:
        return np.stack([ranked_with_ties_broken(row, tie_break) for row in scorer(chunk)])
    return score


PRIOR_WEIGHTS = tuple(round(0.25 * i, 2) for i in range(0, 13))    # 0 .. 3


def evaluate_prior_grid(cases: List[EvalCase], score_batch, prior: np.ndarray,
                        weights=PRIOR_WEIGHTS, sampled: bool = False,
                        batch_size: int = 64, keep_ranks: bool = False) -> Dict[float, Dict[str, object]]:
    """evaluate_scores for every `score + w · prior` at once (the model runs once per chunk):
    {w: {"full": metrics, "sampled": metrics}}, with keep_ranks also "ranks_full" and
    "ranks_sampled" per user, in the order evaluate_scores(cases, ...) gives them."""
    return evaluate_blend_grid(cases, score_batch, lambda chunk: prior, weights, sampled,
                               batch_size, keep_ranks)


def evaluate_blend_grid(cases: List[EvalCase], score_batch, term_batch,
                        weights, sampled: bool = False, batch_size: int = 64,
                        keep_ranks: bool = False) -> Dict[float, Dict[str, object]]:
    """evaluate_prior_grid with a term that may depend on the user: every
    `score_batch(chunk) + w · term_batch(chunk)` at once (each runs once per chunk)."""
    parts = {w: [] for w in weights}
    ranks = {w: {"ranks_full": {}, "ranks_sampled": {}} for w in weights}
    # Sorted by history length, so evaluate_scores keeps each chunk's order (a stable sort).
    order = sorted(range(len(cases)), key=lambda i: len(cases[i].history))
    for start in range(0, len(order), batch_size):
        chunk = [cases[i] for i in order[start:start + batch_size]]
        base = score_batch(chunk)
        term = term_batch(chunk)
        for w in weights:
            result = evaluate_scores(chunk, lambda c, w=w: base + w * term, len(chunk), sampled,
                                     keep_ranks)
            for key in ranks[w] if keep_ranks else ():
                ranks[w][key].update(result.pop(key))
            parts[w].append(result)
    pooled = {w: {protocol: _pooled([p[protocol] for p in results])
                  for protocol in results[0]} for w, results in parts.items()}
    return {w: pooled[w] | ranks[w] for w in weights} if keep_ranks else pooled


def _pooled(chunks: List[Dict[str, float]]) -> Dict[str, float]:
    users = sum(c["users"] for c in chunks)
    keys = [k for k in chunks[0] if k != "users"]
    out = {k: sum(c[k] * c["users"] for c in chunks) / users for k in keys}
    out["users"] = users
    return out
