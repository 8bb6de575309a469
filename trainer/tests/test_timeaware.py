"""Known-answer tests for the time-aware baselines, the trend term and the buy-again merge."""

import unittest

import numpy as np

from glassbox_trainer import data as data_mod
from glassbox_trainer import timeaware
from glassbox_trainer.data import EvalCase

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


if __name__ == "__main__":
    unittest.main()
