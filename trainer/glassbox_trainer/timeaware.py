"""Time-aware baselines and score terms, fit on validation and evaluated on test.

Every count here is taken at a case's request time t (the first event of the held-out
basket) in the half-open window [t − W, t), over TRAINING events only: nothing at or after
the request, and no held-out basket of any user. With the global time split, test counts
also see the validation period (events before T_test, all known at test time; the model is
not retrained on them): training events alone end before T_valid, so a window before a test
request would hold none.

* all-time popularity: training-event count of each item (no time);
* recent popularity: training-event count in the W days before t (W chosen on validation),
  ties broken by all-time popularity, then by the lower index;
* model + trend: score = model_logit + w · log(1 + count_W(t)), (w, W) chosen on validation;
  this is the served scoring (model-service applies the version's `trend` metadata to the
  counts the feature service returns);
* model + trend + title: the same plus v · (the item's mean title TF-IDF cosine to the
  positions of the model's history window; `evaluate.TitleVectors`), the trend weight and v
  chosen together on validation (the window as for model + trend); the model service adds it
  to the score and to each history position's contribution (the version's `title_similarity`
  metadata and `title_vectors.tsv`);
* buy-again: the m items the user bought in ≥ k distinct earlier orders (most orders first,
  then most recent) take the first m places, the model's new-item ranking fills the rest;
  (m, k) chosen on validation with the metric that counts repeat purchases.
"""

from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .data import Dataset, EvalCase
from .evaluate import ranked_with_ties_broken
from .metrics import MetricAccumulator

DAY = 86_400
WINDOW_DAYS = (3, 7, 14, 28, 56)
TREND_WEIGHTS = tuple(round(0.25 * i, 2) for i in range(0, 17))    # 0 .. 4
TITLE_WEIGHTS = (0, 2, 4, 8, 12, 16, 24, 32, 48, 64)
BUY_AGAIN_SLOTS = tuple(range(0, 11))
BUY_AGAIN_MIN_BASKETS = (2, 3, 4)
PROGRESS_EVERY_S = 30.0


class Progress:
    """Shows a long evaluation is alive: a line as each step starts, and within a step at most
    one line per `every` seconds saying how far it is (on a few thousand customers a grid takes
    minutes, and a step that prints nothing until it ends looks hung)."""

    def __init__(self, log: Callable[[str], None], every: float = PROGRESS_EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        self.log, self.every, self.clock = log, every, clock
        self.what, self.total, self.done, self.unit = "", 0, 0, ""
        self.started = self.last = clock()

    def step(self, what: str, total: int, unit: str) -> None:
        self.what, self.total, self.done, self.unit = what, total, 0, unit
        self.started = self.last = self.clock()
        self.log(f"terms: {what}")

    def tick(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.log(f"terms: {self.what}: {self.done} of {self.total} {self.unit} "
                     f"({now - self.started:.0f} s)")


def _silent_tick(count: int = 1) -> None:
    """No progress to show (the fits called alone, in tests and benchmarks)."""


class RecentCounts:
    """Training-event counts per item in a window before a request time."""

    def __init__(self, items: Sequence[np.ndarray], times: Sequence[np.ndarray], num_items: int):
        all_items = np.concatenate(items) if items else np.zeros(0, np.int64)
        all_times = np.concatenate(times) if times else np.zeros(0, np.int64)
        order = np.argsort(all_times, kind="stable")
        self.items = all_items[order]
        self.times = all_times[order]
        self.num_items = num_items
        self._cache: Dict[tuple, np.ndarray] = {}

    def counts(self, request_time: int, window_days: float) -> np.ndarray:
        """int64[N + 1]: events of each item with request_time − W ≤ time < request_time."""
        key = (request_time, window_days)
        found = self._cache.get(key)
        if found is None:
            low = np.searchsorted(self.times, request_time - window_days * DAY, side="left")
            high = np.searchsorted(self.times, request_time, side="left")
            found = np.bincount(self.items[low:high], minlength=self.num_items + 1)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = found
        return found


def evaluate_rows(cases: List[EvalCase], rows: Callable[[int, EvalCase], np.ndarray],
                  repeats_counted: bool = False) -> Dict[str, float]:
    """Metrics of per-case score rows over all item indices (see metrics.py).

    New items (default): the user's history is excluded from the ranking. With
    `repeats_counted`, nothing is excluded and a target scored −inf (never recommended)
    counts as a miss (rank = number of items).
    """
    acc = MetricAccumulator()
    for start in range(0, len(cases), 512):
        chunk = cases[start:start + 512]
        matrix = np.stack([np.asarray(rows(start + i, c), dtype=np.float64)
                           for i, c in enumerate(chunk)])
        matrix[:, 0] = -np.inf
        if not repeats_counted:
            for i, case in enumerate(chunk):
                matrix[i, case.history] = -np.inf
        ordered = np.sort(matrix, axis=1)
        width = matrix.shape[1]
        for i, case in enumerate(chunk):
            target_scores = matrix[i, case.targets]
            ranks = width - np.searchsorted(ordered[i], target_scores, side="right")
            ranks[target_scores == -np.inf] = width
            acc.add(ranks.tolist())
    return acc.result()


def tie_break(popularity: np.ndarray) -> np.ndarray:
    """All-time popularity squeezed into [0, 1): breaks ties between equal counts."""
    shifted = popularity - popularity.min()
    return shifted / (shifted.max() + 1.0)


def recent_popularity_rows(recent: RecentCounts, window_days: float, popularity: np.ndarray):
    breaker = tie_break(popularity)
    return lambda i, case: recent.counts(case.time, window_days) + breaker


def trend_rows(model_scores: np.ndarray, recent: RecentCounts, window_days: float, weight: float,
               title: Optional[np.ndarray] = None, title_weight: float = 0.0):
    """Model + trend rows; with `title` (TitleVectors.mean_cosines of the same cases) also
    + title_weight x the title term."""
    def rows(i, case):
        row = model_scores[i] + weight * np.log1p(recent.counts(case.time, window_days))
        return row if title is None else row + title_weight * title[i]
    return rows


def choose(grid: List[dict]) -> dict:
    """The grid point with the best validation NDCG@10 (then HR@10; the first on ties)."""
    return max(grid, key=lambda g: (round(g["valid"]["ndcg@10"], 9), round(g["valid"]["hr@10"], 9)))


def _ticked(rows: Dict[str, float], tick: Callable[..., None]) -> Dict[str, float]:
    tick()
    return rows


def fit_recent_popularity(valid: List[EvalCase], recent: RecentCounts, popularity: np.ndarray,
                          tick: Callable[..., None] = _silent_tick):
    grid = [{"window_days": w,
             "valid": _ticked(evaluate_rows(valid, recent_popularity_rows(recent, w, popularity)), tick)}
            for w in WINDOW_DAYS]
    return choose(grid), grid


TREND_GRID = [(w, weight) for w in WINDOW_DAYS for weight in TREND_WEIGHTS
              if weight != 0 or w == WINDOW_DAYS[0]]    # weight 0 is the model alone, whatever the window


def fit_trend(valid: List[EvalCase], valid_scores: np.ndarray, recent: RecentCounts,
              tick: Callable[..., None] = _silent_tick):
    grid = [{"window_days": w, "weight": weight,
             "valid": _ticked(evaluate_rows(valid, trend_rows(valid_scores, recent, w, weight)), tick)}
            for w, weight in TREND_GRID]
    return choose(grid), grid


def fit_title(valid: List[EvalCase], valid_scores: np.ndarray, valid_title: np.ndarray,
              recent: RecentCounts, window_days: float, tick: Callable[..., None] = _silent_tick):
    grid = [{"window_days": window_days, "trend_weight": weight, "title_weight": title_weight,
             "valid": _ticked(evaluate_rows(valid, trend_rows(valid_scores, recent, window_days, weight,
                                                              valid_title, title_weight)), tick)}
            for weight in TREND_WEIGHTS for title_weight in TITLE_WEIGHTS]
    return choose(grid), grid


# ----- buy-again -------------------------------------------------------------------------
_REGULAR_CACHE: Dict[tuple, List[int]] = {}


def regular_items(dataset: Dataset, case: EvalCase, min_baskets: int) -> List[int]:
    key = (id(dataset), case.user, len(case.history), min_baskets)
    found = _REGULAR_CACHE.get(key)
    if found is None:
        found = _REGULAR_CACHE[key] = _regular_items(dataset, case, min_baskets)
    return found


def _regular_items(dataset: Dataset, case: EvalCase, min_baskets: int) -> List[int]:
    """History items bought in ≥ min_baskets distinct orders (Dataset.orders, as the feature
    service's RegularItems counts them): most orders first, then the most recently bought, then
    the lower index."""
    items = case.history
    baskets = dataset.orders[case.user][:len(items)]
    seen_in: Dict[int, set] = {}
    last: Dict[int, int] = {}
    for position, (item, basket) in enumerate(zip(items.tolist(), baskets.tolist())):
        seen_in.setdefault(item, set()).add(basket)
        last[item] = position
    regular = [i for i, b in seen_in.items() if len(b) >= min_baskets]
    return sorted(regular, key=lambda i: (-len(seen_in[i]), -last[i], i))


def buy_again_rows(dataset: Dataset, base_rows, slots: int, min_baskets: int):
    """The first `slots` places go to the user's regular items; then `base_rows`' ranking of
    items outside the history. Other history items are never recommended."""
    def rows(i, case):
        row = np.asarray(base_rows(i, case), dtype=np.float64).copy()
        row[case.history] = -np.inf
        top = regular_items(dataset, case, min_baskets)[:slots]
        ceiling = np.nanmax(row[np.isfinite(row)]) if np.isfinite(row).any() else 0.0
        for place, item in enumerate(top):
            row[item] = ceiling + 1.0 + (len(top) - place)
        return row
    return rows


BUY_AGAIN_GRID = [(m, k) for k in BUY_AGAIN_MIN_BASKETS for m in BUY_AGAIN_SLOTS
                  if m != 0 or k == BUY_AGAIN_MIN_BASKETS[0]]


def fit_buy_again(dataset: Dataset, valid: List[EvalCase], base_rows,
                  tick: Callable[..., None] = _silent_tick):
    grid = [{"slots": m, "min_baskets": k,
             "valid": _ticked(evaluate_rows(valid, buy_again_rows(dataset, base_rows, m, k),
                                            repeats_counted=True), tick)}
            for m, k in BUY_AGAIN_GRID]
    return choose(grid), grid


# ----- the whole comparison ----------------------------------------------------------------
BASELINES = ("popularity_all_time", "popularity_recent", "title_similarity")


def validation_notes(rows: Dict[str, dict], served: str) -> List[str]:
    """A line for each baseline that beats the served scoring on validation HR@10 or NDCG@10
    (the split its weights were chosen on; test never decides), with how few users say so."""
    mine = rows[served]["valid"]
    notes = []
    for name in BASELINES:
        theirs = rows.get(name, {}).get("valid")
        if theirs and (theirs["hr@10"] > mine["hr@10"] or theirs["ndcg@10"] > mine["ndcg@10"]):
            notes.append(f"note: {name} beats the served {served} on validation (HR@10 "
                         f"{theirs['hr@10']:.3f} vs {mine['hr@10']:.3f}, NDCG@10 {theirs['ndcg@10']:.3f} "
                         f"vs {mine['ndcg@10']:.3f}); with {mine['users']} validation users this may be noise")
    return notes


def model_score_matrix(model, cases: List[EvalCase], max_len: int, batch: int = 64,
                       tick: Callable[..., None] = _silent_tick) -> np.ndarray:
    """float32 [len(cases), N + 1]: the model's scores of every item index for each case
    (`tick` told the number of cases after each batch)."""
    import torch
    from .evaluate import left_pad
    out = np.zeros((len(cases), model.num_items + 1), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(cases), batch):
            chunk = cases[start:start + batch]
            out[start:start + len(chunk)] = model.score_all(
                left_pad([c.history for c in chunk], max_len)).numpy()
            tick(len(chunk))
    return out


def _rounded(metrics: Dict[str, float]) -> Dict[str, float]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()}


def compare(dataset: Dataset, split, model, max_len: int, popularity: np.ndarray,
            log=print, title=None) -> dict:
    """Model, model + trend, all-time and recent popularity (new items), and the buy-again
    merge (repeat purchases counted), each on validation and test; parameters from
    validation only. With `title` (an evaluate.TitleVectors), also model + trend + title and
    its buy-again merge."""
    progress = Progress(log)
    users = f"{len(split.valid)} validation users"
    recent = RecentCounts(split.train, split.train_times, dataset.num_items)
    recent_test = (RecentCounts(*split.test_count_events, dataset.num_items)
                   if split.test_count_events is not None else recent)
    progress.step(f"the model's scores of every item for {len(split.valid)} validation and "
                  f"{len(split.test)} test cases", len(split.valid) + len(split.test), "cases")
    valid_scores = model_score_matrix(model, split.valid, max_len, tick=progress.tick)
    test_scores = model_score_matrix(model, split.test, max_len, tick=progress.tick)
    pop_rows = lambda i, c: popularity
    rows = {}

    def both(name, valid_rows, test_rows, repeats=False, v_cases=None, t_cases=None):
        rows[name] = {"valid": _rounded(evaluate_rows(v_cases or split.valid, valid_rows, repeats)),
                      "test": _rounded(evaluate_rows(t_cases or split.test, test_rows, repeats))}
        log(f"{name:28s} valid {rows[name]['valid']}\n{'':28s} test  {rows[name]['test']}")

    both("model", lambda i, c: valid_scores[i], lambda i, c: test_scores[i])
    both("popularity_all_time", pop_rows, pop_rows)
    progress.step(f"recent popularity's window: {len(WINDOW_DAYS)} windows on {users}",
                  len(WINDOW_DAYS), "windows")
    best_recent, recent_grid = fit_recent_popularity(split.valid, recent, popularity, progress.tick)
    w_days = best_recent["window_days"]
    both("popularity_recent", recent_popularity_rows(recent, w_days, popularity),
         recent_popularity_rows(recent_test, w_days, popularity))
    progress.step(f"the trend term: {len(TREND_GRID)} settings on {users}", len(TREND_GRID), "settings")
    best_trend, trend_grid = fit_trend(split.valid, valid_scores, recent, progress.tick)
    t_days, weight = best_trend["window_days"], best_trend["weight"]
    both("model_plus_trend", trend_rows(valid_scores, recent, t_days, weight),
         trend_rows(test_scores, recent_test, t_days, weight))

    # Repeat purchases counted: every distinct item of the held-out basket is a target. As
    # served today (history excluded), a repeat purchase is always a miss; buy-again places the
    # user's regular items first.
    v_rep, t_rep = split.valid_with_repeats, split.test_with_repeats
    progress.step(f"the model's scores for {len(v_rep)} validation and {len(t_rep)} test cases with "
                  "repeat purchases counted", len(v_rep) + len(t_rep), "cases")
    v_rep_scores = model_score_matrix(model, v_rep, max_len, tick=progress.tick)
    t_rep_scores = model_score_matrix(model, t_rep, max_len, tick=progress.tick)
    v_trend = trend_rows(v_rep_scores, recent, t_days, weight)
    t_trend = trend_rows(t_rep_scores, recent_test, t_days, weight)
    recent_rows = recent_popularity_rows(recent, w_days, popularity)
    recent_rows_test = recent_popularity_rows(recent_test, w_days, popularity)
    new_only = lambda rows_of: buy_again_rows(dataset, rows_of, 0, BUY_AGAIN_MIN_BASKETS[0])
    both("repeats_counted/model", new_only(lambda i, c: v_rep_scores[i]),
         new_only(lambda i, c: t_rep_scores[i]), True, v_rep, t_rep)
    both("repeats_counted/popularity_recent", new_only(recent_rows), new_only(recent_rows_test),
         True, v_rep, t_rep)
    both("repeats_counted/model_plus_trend", new_only(v_trend), new_only(t_trend), True,
         v_rep, t_rep)
    buy_again_step = (f"the buy-again merge: {len(BUY_AGAIN_GRID)} settings on {len(v_rep)} validation "
                      "users, repeat purchases counted")
    progress.step(buy_again_step, len(BUY_AGAIN_GRID), "settings")
    best_again, again_grid = fit_buy_again(dataset, v_rep, v_trend, progress.tick)
    slots, min_baskets = best_again["slots"], best_again["min_baskets"]
    both("repeats_counted/model_plus_trend_plus_buy_again",
         buy_again_rows(dataset, v_trend, slots, min_baskets),
         buy_again_rows(dataset, t_trend, slots, min_baskets), True, v_rep, t_rep)
    title_report = None
    if title is not None:
        v_title, t_title = title.mean_cosines(split.valid, max_len), title.mean_cosines(split.test, max_len)
        # Ties broken by all-time popularity, as for recent popularity: ranked alone, the term
        # gives every item with the same title words (or none) one score, and a tie counts in
        # the target's favour.
        both("title_similarity", lambda i, c: ranked_with_ties_broken(v_title[i], popularity),
             lambda i, c: ranked_with_ties_broken(t_title[i], popularity))
        title_grid_size = len(TREND_WEIGHTS) * len(TITLE_WEIGHTS)
        progress.step(f"the title term: {title_grid_size} settings on {users}", title_grid_size, "settings")
        best_title, title_grid = fit_title(split.valid, valid_scores, v_title, recent, t_days,
                                           progress.tick)
        tw, vw = best_title["trend_weight"], best_title["title_weight"]
        both("model_plus_trend_plus_title", trend_rows(valid_scores, recent, t_days, tw, v_title, vw),
             trend_rows(test_scores, recent_test, t_days, tw, t_title, vw))
        v_served = trend_rows(v_rep_scores, recent, t_days, tw, title.mean_cosines(v_rep, max_len), vw)
        t_served = trend_rows(t_rep_scores, recent_test, t_days, tw,
                              title.mean_cosines(t_rep, max_len), vw)
        both("repeats_counted/model_plus_trend_plus_title", new_only(v_served), new_only(t_served),
             True, v_rep, t_rep)
        progress.step(buy_again_step + ", with the title term", len(BUY_AGAIN_GRID), "settings")
        best_title_again, _ = fit_buy_again(dataset, v_rep, v_served, progress.tick)
        title_slots, title_min = best_title_again["slots"], best_title_again["min_baskets"]
        both("repeats_counted/model_plus_trend_plus_title_plus_buy_again",
             buy_again_rows(dataset, v_served, title_slots, title_min),
             buy_again_rows(dataset, t_served, title_slots, title_min), True, v_rep, t_rep)
        title_report = {
            "window_days": t_days, "trend_weight": tw, "weight": vw,
            "chosen_on": "validation NDCG@10 (trend weight and title weight together; the "
                         "trend window as for model + trend)",
            "buy_again": {"slots": title_slots, "min_baskets": title_min},
            "vocabulary": len(title.words) - 1,
            "grid": [{"trend_weight": g["trend_weight"], "title_weight": g["title_weight"],
                      "ndcg@10": round(g["valid"]["ndcg@10"], 6),
                      "hr@10": round(g["valid"]["hr@10"], 6)} for g in title_grid]}
    both("repeats_counted/popularity_recent_plus_buy_again",
         buy_again_rows(dataset, recent_rows, slots, min_baskets),
         buy_again_rows(dataset, recent_rows_test, slots, min_baskets), True, v_rep, t_rep)
    repeat_share = [len(set(c.targets.tolist()) & set(c.history.tolist())) / len(c.targets)
                    for c in t_rep]
    notes = validation_notes(rows, "model_plus_trend_plus_title" if title is not None else "model_plus_trend")
    for note in notes:
        log(note)
    return {
        "results": rows,
        **({"notes": notes} if notes else {}),
        **({"title": title_report} if title_report else {}),
        "recent_popularity": {"window_days": w_days, "chosen_on": "validation NDCG@10",
                              "grid": [{"window_days": g["window_days"], **_rounded(g["valid"])}
                                       for g in recent_grid]},
        "trend": {"window_days": t_days, "weight": weight, "chosen_on": "validation NDCG@10",
                  "grid": [{"window_days": g["window_days"], "weight": g["weight"],
                            "ndcg@10": round(g["valid"]["ndcg@10"], 6),
                            "hr@10": round(g["valid"]["hr@10"], 6)} for g in trend_grid]},
        "buy_again": {"slots": slots, "min_baskets": min_baskets,
                      "chosen_on": "validation NDCG@10 with repeat purchases counted",
                      "grid": [{"slots": g["slots"], "min_baskets": g["min_baskets"],
                                "ndcg@10": round(g["valid"]["ndcg@10"], 6),
                                "hr@10": round(g["valid"]["hr@10"], 6)} for g in again_grid]},
        "cases": {"valid": len(split.valid), "test": len(split.test),
                  "skipped_valid": split.skipped_valid, "skipped_test": split.skipped_test,
                  "valid_with_repeats": len(v_rep), "test_with_repeats": len(t_rep),
                  "test_mean_repeat_share": round(float(np.mean(repeat_share)), 4)
                  if repeat_share else 0.0},
    }
