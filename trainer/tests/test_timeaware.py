"""Known-answer tests for the time-aware baselines, the trend term and the buy-again merge."""

import json
import os
import tempfile
import unittest

import numpy as np

from glassbox_trainer import data as data_mod
from glassbox_trainer import timeaware
from glassbox_trainer.data import EvalCase
from glassbox_trainer.evaluate import TitleVectors

DAY = timeaware.DAY


class RecentCountsTest(unittest.TestCase):
    def test_counts_onlyTrainingEventsInTheHalfOpenWindowBeforeTheRequest(self):
        # item 1 at days 0, 5, 9, 10; item 2 at day 9; the request at day 10.
        recent = timeaware.RecentCounts([np.array([1, 1, 2]), np.array([1, 1])],
                                        [np.array([0, 5, 9]) * DAY, np.array([9, 10]) * DAY], 3)
        counts = recent.counts(10 * DAY, 5)
        # [day 5, day 10): item 1 at 5 and 9, item 2 at 9; the event at day 10 is not counted.
        self.assertEqual(counts.tolist(), [0, 2, 1, 0])
        self.assertEqual(recent.counts(10 * DAY, 1).tolist(), [0, 1, 1, 0])


class TrendAndBaselinesTest(unittest.TestCase):
    def setUp(self):
        self.recent = timeaware.RecentCounts([np.array([3, 3, 3, 2])],
                                             [np.array([1, 2, 3, 4]) * DAY], 4)
        self.case = EvalCase(0, np.array([1]), np.array([3]), time=5 * DAY)

    def test_trendRows_addWeightTimesLogOnePlusCount(self):
        scores = np.array([[0.0, 0.0, 1.0, 0.5, 0.2]])
        row = timeaware.trend_rows(scores, self.recent, 7, 2.0)(0, self.case)
        expected = scores[0] + 2.0 * np.log1p(np.array([0, 0, 1, 3, 0]))
        np.testing.assert_allclose(row, expected)

    def test_recentPopularity_ranksByWindowCountThenAllTimePopularity(self):
        popularity = np.array([0.0, 5.0, 1.0, 3.0, 4.0])
        row = timeaware.recent_popularity_rows(self.recent, 7, popularity)(0, self.case)
        # Window counts: item 3 -> 3, item 2 -> 1, items 1 and 4 -> 0; the tie between 1 and 4
        # goes to the higher all-time popularity (5 > 4).
        order = [int(i) for i in np.argsort(-row) if i != 0]
        self.assertEqual(order, [3, 2, 1, 4])

    def test_evaluateRows_excludesHistoryUnlessRepeatsAreCounted(self):
        rows = lambda i, c: np.array([0.0, 9.0, 1.0, 2.0, 0.5])
        new_items = timeaware.evaluate_rows([self.case], rows)
        self.assertEqual(new_items["mrr"], 1.0)        # item 1 (history) is excluded
        repeat_case = EvalCase(0, np.array([1]), np.array([1, 3]), time=5 * DAY)
        counted = timeaware.evaluate_rows([repeat_case], rows, repeats_counted=True)
        self.assertEqual(counted["mrr"], 1.0)          # item 1 is a target and ranks first


class TitleTermTest(unittest.TestCase):
    # Items 1..5; a word is kept when 2 titles have it, so "red", "green" and "lamp" are none.
    TITLES = ["red mug", "green bag", "blue bag", "lamp", "blue mug"]

    def test_meanCosines_countEachPositionOfTheWindow(self):
        vectors = TitleVectors(self.TITLES)
        cosine = lambda a, b: vectors.profile_scores(np.array([b]))[a]
        # History 1, 1, 2 with a window of the last 3 of 4 items (item 4 falls out): each of the
        # 3 positions adds its cosine / 3, item 1 at two positions twice.
        case = EvalCase(0, np.array([4, 1, 1, 2]), np.array([3]))
        term = vectors.mean_cosines([case], window=3)[0]
        for item in range(1, 6):
            self.assertAlmostEqual(term[item], (2 * cosine(item, 1) + cosine(item, 2)) / 3)
        self.assertEqual(term[4], 0.0)                          # no title word
        self.assertAlmostEqual(cosine(1, 1), 1.0, places=6)
        self.assertGreater(cosine(2, 3), 0.0)                   # bag
        self.assertEqual(cosine(1, 3), 0.0)
        self.assertTrue(np.all(vectors.mean_cosines([EvalCase(0, np.array([], np.int64), np.array([1]))], 3) == 0))

    def test_writeTsv_givesEachItemsWordsAndFloat32Weights(self):
        import os, tempfile
        vectors = TitleVectors(self.TITLES)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "title_vectors.tsv")
            vectors.write_tsv(path, ["a", "b", "c", "d", "e"])
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        self.assertEqual(lines[0], "item_id\ttitle_vector")
        self.assertEqual([line.split("\t")[0] for line in lines[1:]], ["a", "b", "c", "e"])
        read = {line.split("\t")[0]: dict((w, float(v)) for w, v in (t.split(":") for t in line.split("\t")[1].split()))
                for line in lines[1:]}
        self.assertEqual(set(read["a"]), {"mug"})
        self.assertEqual(set(read["e"]), {"blue", "mug"})
        for item, terms in zip("abce", (1, 2, 3, 5)):
            mine = vectors.rows == terms
            written = [read[item][vectors.words[w]] for w in vectors.word[mine]]
            # Read as float32 (as the model service reads them): the weights exactly.
            self.assertEqual(np.array(written, np.float32).astype(np.float64).tolist(),
                             vectors.weight[mine].tolist(), "read back exactly")
            self.assertEqual(vectors.weight[mine].tolist(),
                             vectors.weight[mine].astype(np.float32).astype(np.float64).tolist())
            self.assertAlmostEqual(sum(v * v for v in written), 1.0, places=6)

    def test_fitTitle_choosesTheTrendAndTitleWeightsTogetherOnValidation(self):
        vectors = TitleVectors(self.TITLES)
        recent = timeaware.RecentCounts([np.array([3, 3, 3])], [np.array([1, 2, 3]) * DAY], 5)
        # The target (5, "blue mug") shares a word with the history (1, "red mug"), no other
        # item does; the model and the trend prefer item 3, which the title term can overtake.
        cases = [EvalCase(0, np.array([1]), np.array([5]), time=4 * DAY)]
        scores = np.array([[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
        title = vectors.mean_cosines(cases, 50)
        best, grid = timeaware.fit_title(cases, scores, title, recent, 7)
        self.assertEqual(len(grid), len(timeaware.TREND_WEIGHTS) * len(timeaware.TITLE_WEIGHTS))
        self.assertEqual(best["valid"]["mrr"], 1.0)
        row = timeaware.trend_rows(scores, recent, 7, best["trend_weight"], title, best["title_weight"])(0, cases[0])
        self.assertEqual(int(np.argmax(row[2:])) + 2, 5)
        without = [g for g in grid if g["title_weight"] == 0]
        self.assertTrue(all(g["valid"]["mrr"] < 1.0 for g in without), "the title term is what ranks it first")


    def test_compare_withTitles_addsTheServedRowsAndTheirFit(self):
        ds, split = three_shoppers(self.TITLES)
        report = timeaware.compare(ds, split, FixedScores(np.zeros(6)), 50, np.zeros(6), log=lambda *a: None,
                                   title=TitleVectors(self.TITLES))
        for row in ("title_similarity", "model_plus_trend_plus_title", "repeats_counted/model_plus_trend_plus_title",
                    "repeats_counted/model_plus_trend_plus_title_plus_buy_again"):
            self.assertIn(row, report["results"])
        title = report["title"]
        self.assertEqual(len(title["grid"]), len(timeaware.TREND_WEIGHTS) * len(timeaware.TITLE_WEIGHTS))
        chosen = [g for g in title["grid"] if g["trend_weight"] == title["trend_weight"]
                  and g["title_weight"] == title["weight"]][0]
        self.assertEqual(chosen["ndcg@10"], max(g["ndcg@10"] for g in title["grid"]))
        self.assertEqual(report["results"]["model_plus_trend_plus_title"]["valid"]["ndcg@10"], chosen["ndcg@10"])
        self.assertNotIn("title", timeaware.compare(ds, split, FixedScores(np.zeros(6)), 50, np.zeros(6), log=lambda *a: None))


class FixedScores:
    """A model that gives every user the same score per item: the rows differ only by the terms."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=np.float32)
        self.num_items = len(self.scores) - 1

    def score_all(self, history):
        import torch
        return torch.from_numpy(np.tile(self.scores, (history.shape[0], 1)))


def three_shoppers(titles):
    """Three users, one item per basket, items 1-5; the last two baskets (validation: items 2, 1,
    2; test: 5, 3, 5) hold new items."""
    users = [np.array([1, 4, 2, 5]), np.array([2, 4, 1, 3]), np.array([4, 1, 2, 5])]
    baskets = [np.array([0, 1, 2, 3])] * 3
    ds = data_mod.Dataset("t", ["a", "b", "c", "d", "e"], titles, {}, {}, {}, ["u", "v", "w"],
                          users, baskets, [b * DAY for b in baskets])
    return ds, data_mod.leave_last_basket_out(ds)


class BaselinesAgainstTheServedScoringTest(unittest.TestCase):
    # The model ranks items 3 and 5, never a validation target, above all others: every target
    # comes third among the three items outside its history, whatever the terms add.
    WRONG_MODEL = FixedScores([0, 0, 0, 100, 0, 100])

    def test_compare_aBaselineBeatingTheServedScoringOnValidation_isNotedWithTheValidationUsers(self):
        ds, split = three_shoppers(["mug a", "mug b", "bag c", "bag d", "lamp e"])
        lines = []
        # All-time popularity puts items 1 and 2, the validation targets, first.
        report = timeaware.compare(ds, split, self.WRONG_MODEL, 50, np.array([0, 5, 5, 0, 0, 0]),
                                   log=lines.append)
        note = ("note: popularity_all_time beats the served model_plus_trend on validation (HR@10 1.000 vs "
                "1.000, NDCG@10 1.000 vs 0.500); with 3 validation users this may be noise")
        self.assertIn(note, lines)
        self.assertIn(note, report["notes"])

    def test_compare_titleSimilarityAlone_doesNotWinTiesWithItsTargets(self):
        # The same words in every title: every item's title term is 0. Ranked by popularity
        # then, items 3 and 5 come first, as the model ranks them; ties would put the target first.
        titles = ["red mug"] * 5
        ds, split = three_shoppers(titles)
        report = timeaware.compare(ds, split, self.WRONG_MODEL, 50, np.array([0, 0, 0, 5, 0, 5]),
                                   log=lambda *a: None, title=TitleVectors(titles))
        self.assertEqual(report["results"]["title_similarity"]["valid"]["ndcg@10"], 0.5)

    def test_compare_titleSimilarityAlone_breaksTiesByPopularityGapsBelowFloatResolution(self):
        # Items 1-4 share their title words: each scores 0.99999997 against any history. Item 3,
        # never a validation target, is more popular than items 1 and 2 by 1e-8 of the largest
        # count (on UCI items of one count differ by 1/(N + 2) of a purchase, about 2e-7 of the
        # largest): squeezed into a score near 1 such a step rounds away, and the tie would put
        # each target first.
        titles = ["red mug"] * 4 + ["blue lamp"]
        ds, split = three_shoppers(titles)
        report = timeaware.compare(ds, split, self.WRONG_MODEL, 50, np.array([0, 1e6, 1e6, 1e6 + 0.01, 0, 0]),
                                   log=lambda *a: None, title=TitleVectors(titles))
        self.assertAlmostEqual(report["results"]["title_similarity"]["valid"]["ndcg@10"], 1 / np.log2(3), places=6)

    def test_validationNotes_aBaselineBeatingOnlyOnHr10_isNoted(self):
        rows = {"model_plus_trend": {"valid": {"hr@10": 0.50, "ndcg@10": 0.30, "users": 40}},
                "popularity_recent": {"valid": {"hr@10": 0.55, "ndcg@10": 0.20, "users": 40}},
                "popularity_all_time": {"valid": {"hr@10": 0.50, "ndcg@10": 0.30, "users": 40}}}
        self.assertEqual(timeaware.validation_notes(rows, "model_plus_trend"),
                         ["note: popularity_recent beats the served model_plus_trend on validation (HR@10 "
                          "0.550 vs 0.500, NDCG@10 0.200 vs 0.300); with 40 validation users this may be noise"])


class ValidationNotesInTheVersionTest(unittest.TestCase):
    def test_storeTerms_writesThisRunsNotes_andDropsAnEarlierRunsWhenThisOneHasNone(self):
        from glassbox_trainer.__main__ import store_terms
        note = ("note: popularity_recent beats the served model_plus_trend on validation (HR@10 0.550 "
                "vs 0.500, NDCG@10 0.200 vs 0.300); with 40 validation users this may be noise")
        report = {"trend": {"window_days": 14, "weight": 1.5},
                  "results": {"model_plus_trend": {"test": {"hr@10": 0.4, "ndcg@10": 0.1}}}}
        with tempfile.TemporaryDirectory() as folder:
            def stored(report):
                metadata = {"metrics": {}, "settings": {}, "validation_notes": ["note: an earlier run's"]}
                store_terms(folder, metadata, report, None, None, "basket")
                with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
                    return json.load(f)

            self.assertEqual(stored({**report, "notes": [note]})["validation_notes"], [note])
            self.assertNotIn("validation_notes", stored(report))

    def test_storeTerms_recordsTheUsersOfThisRunsFigures_andDropsAnEarlierRunsWhenThisOneHasNone(self):
        from glassbox_trainer.__main__ import store_terms
        model, earlier, now = ({"count": n, "sha256": c * 64} for n, c in ((30, "a"), (60, "b"), (45, "c")))
        report = {"trend": {"window_days": 14, "weight": 1.5},
                  "results": {"model_plus_trend": {"test": {"hr@10": 0.4, "ndcg@10": 0.1}}}}
        with tempfile.TemporaryDirectory() as folder:
            def stored(report):
                metadata = {"metrics": {}, "settings": {},
                            "test_users": {"test": model, "trend_test": earlier, "title_test": earlier}}
                store_terms(folder, metadata, report, None, None, "basket")
                with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
                    return json.load(f)["test_users"]

            self.assertEqual(stored({**report, "test_users": now}), {"test": model, "trend_test": now})
            self.assertEqual(stored(report), {"test": model})


class BuyAgainTest(unittest.TestCase):
    def test_regularItemsTakeTheFirstSlotsAndOtherHistoryItemsAreNeverRecommended(self):
        ds = data_mod.Dataset("t", [str(i) for i in range(1, 6)], [""] * 5, {}, {}, {}, ["u"],
                              [np.array([1, 2, 1, 3, 1, 2])], [np.array([0, 0, 1, 1, 2, 2])],
                              [np.array([0, 0, 1, 1, 2, 2])])
        case = EvalCase(0, ds.sequences[0], np.array([1, 4]), time=3)
        self.assertEqual(timeaware.regular_items(ds, case, 2), [1, 2])   # 3 baskets, then 2
        base = lambda i, c: np.array([0.0, 0.0, 0.0, 5.0, 1.0, 2.0])
        row = timeaware.buy_again_rows(ds, base, 1, 2)(0, case)
        self.assertEqual(int(np.argmax(row)), 1)
        self.assertEqual(row[2], -np.inf)             # regular, but beyond the one slot
        self.assertEqual(row[3], -np.inf)             # bought once: history, not regular
        metrics = timeaware.evaluate_rows([case], timeaware.buy_again_rows(ds, base, 1, 2),
                                          repeats_counted=True)
        self.assertEqual(metrics["hr@5"], 1.0)

    def test_regularItemsCountOrders_soTwoPurchasesOfOneShopDayAreOneOrder(self):
        # A folder without an order column: every event a basket, each day an order (Dataset.orders),
        # as the feature service's RegularItems counts them. Item 1 twice on day 0 is bought in one
        # order; item 2 on days 0 and 1 in two.
        ds = data_mod.Dataset("t", [str(i) for i in range(1, 4)], [""] * 3, {}, {}, {}, ["u"],
                              [np.array([1, 2, 1, 2, 3])], [np.array([0, 1, 2, 3, 4])],
                              [np.array([0, 0, 0, 86_400, 86_400])], orders=[np.array([0, 0, 0, 1, 1])])
        case = EvalCase(0, ds.sequences[0][:4], np.array([3]), time=86_400)
        self.assertEqual(timeaware.regular_items(ds, case, 2), [2])


if __name__ == "__main__":
    unittest.main()
