"""Known-answer tests for the ranking metrics, the split and the popularity baseline."""

import math
import os
import sys
import unittest
from unittest import mock

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glassbox_trainer import data as data_mod  # noqa: E402
from glassbox_trainer.data import EvalCase  # noqa: E402
from glassbox_trainer.evaluate import (evaluate_scores, popularity_scorer,  # noqa: E402
                                       popularity_scores)
from glassbox_trainer.metrics import MetricAccumulator, case_metrics  # noqa: E402


class MetricsTest(unittest.TestCase):
    def test_caseMetrics_singleTargetAtRank3_matchesHandComputedValues(self):
        m = case_metrics([2])
        self.assertEqual(m["hr@5"], 1.0)
        self.assertEqual(m["hr@10"], 1.0)
        self.assertAlmostEqual(m["ndcg@10"], 1 / math.log2(4))     # 0.5
        self.assertAlmostEqual(m["mrr"], 1 / 3)

    def test_caseMetrics_twoTargets_normalisesByIdealDcg(self):
        # Targets at ranks 0 and 6 (1st and 7th place): DCG = 1 + 1/log2(8) = 4/3,
        # ideal = 1 + 1/log2(3).
        m = case_metrics([6, 0])
        self.assertAlmostEqual(m["ndcg@10"], (1 + 1 / 3) / (1 + 1 / math.log2(3)))
        self.assertAlmostEqual(m["ndcg@5"], 1 / (1 + 1 / math.log2(3)))
        self.assertEqual(m["mrr"], 1.0)

    def test_caseMetrics_targetOutsideCutoff_scoresZero(self):
        m = case_metrics([10, 12])
        self.assertEqual(m["hr@10"], 0.0)
        self.assertEqual(m["ndcg@10"], 0.0)
        self.assertAlmostEqual(m["mrr"], 1 / 11)

    def test_accumulator_averagesOverCases(self):
        acc = MetricAccumulator()
        acc.add([0])
        acc.add([20])
        r = acc.result()
        self.assertEqual(r["users"], 2)
        self.assertAlmostEqual(r["hr@10"], 0.5)
        self.assertAlmostEqual(r["ndcg@10"], 0.5)
        self.assertAlmostEqual(r["mrr"], (1 + 1 / 21) / 2)

    def test_evaluateScores_excludesHistoryAndPaddingFromRanking(self):
        # 6 items; scores favour items 5 and 4, which are in the history, so they must not
        # push the target (item 2) down: ranking among {1, 2, 3, 6} is 6 > 2 > 3 > 1.
        scores = np.array([[100.0, 0.1, 0.8, 0.5, 9.0, 10.0, 0.9]])
        case = EvalCase(0, np.array([4, 5]), np.array([2]), negatives=np.array([1, 3, 6]))
        r = evaluate_scores([case], lambda chunk: scores, sampled=True)
        self.assertAlmostEqual(r["full"]["mrr"], 1 / 2)
        self.assertAlmostEqual(r["full"]["ndcg@5"], 1 / math.log2(3))
        self.assertAlmostEqual(r["sampled"]["mrr"], 1 / 2)

    def test_popularity_countsTrainingEventsAndRanksSameWay(self):
        train = [np.array([1, 2, 2, 3]), np.array([2, 3, 4])]
        pop = popularity_scores(train, 5)
        # counts: item2=3, item3=2, item1=1, item4=1 (tie -> lower index first), item5=0
        self.assertEqual(list(np.argsort(-pop)[:4]), [2, 3, 1, 4])
        cases = [EvalCase(0, np.array([2]), np.array([4, 5])),    # ranks among {1,3,4,5}: 4->2, 5->3
                 EvalCase(1, np.array([1]), np.array([3]))]       # rank 1 among {2,3,4,5}
        r = evaluate_scores(cases, popularity_scorer(pop))["full"]
        ndcg_first = (1 / math.log2(4) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
        ndcg_second = 1 / math.log2(3)
        self.assertAlmostEqual(r["ndcg@10"], (ndcg_first + ndcg_second) / 2)
        self.assertAlmostEqual(r["hr@10"], 1.0)
        self.assertAlmostEqual(r["mrr"], (1 / 3 + 1 / 2) / 2)


class SplitTest(unittest.TestCase):
    def _dataset(self, sequences, baskets, items=9, times=None):
        # Default event times: 100 s per basket number.
        times = times or [[100 * b for b in bs] for bs in baskets]
        return data_mod.Dataset("t", [str(i) for i in range(1, items + 1)], [""] * items, {}, {}, {},
                                [f"u{i}" for i in range(len(sequences))],
                                [np.array(s) for s in sequences], [np.array(b) for b in baskets],
                                [np.array(t) for t in times])

    def test_leaveLastBasketOut_holdsOutWholeBasketsAndDropsSeenTargets(self):
        ds = self._dataset([[1, 2, 3, 2, 4, 5, 6], [1, 2, 3], [7, 8]],
                           [[0, 0, 1, 2, 2, 3, 3], [0, 0, 1], [0, 0]])
        split = data_mod.leave_last_basket_out(ds)
        # user 0: train = baskets 0-1, valid = basket 2 (item 2 seen -> only 4), test = basket 3
        self.assertEqual(split.train[0].tolist(), [1, 2, 3])
        self.assertEqual([(c.user, c.targets.tolist()) for c in split.valid], [(0, [4])])
        self.assertEqual(split.valid[0].history.tolist(), [1, 2, 3])
        # user 1: two baskets -> no validation, test targets = [3] with history [1, 2]
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist()) for c in split.test],
                         [(0, [1, 2, 3, 2, 4], [5, 6]), (1, [1, 2], [3])])
        self.assertEqual(split.train[1].tolist(), [1, 2])
        self.assertEqual(split.train[2].tolist(), [7, 8])      # one basket: training only

    def test_leaveLastBasketOut_keepsRepeatPurchasesForTheBuyAgainMetric(self):
        ds = self._dataset([[1, 2, 1, 3], [1, 2, 1]], [[0, 0, 1, 1], [0, 0, 1]])
        split = data_mod.leave_last_basket_out(ds)
        # user 1's test basket holds only a repeat: skipped by the new-items metric only
        self.assertEqual([c.user for c in split.test], [0])
        self.assertEqual([(c.user, c.targets.tolist(), c.time) for c in split.test_with_repeats],
                         [(0, [1, 3], 100), (1, [1], 100)])

    def test_leaveLastBasketOut_aBasketIsAllItsLines_whereverTheyStand(self):
        # Baskets 0 (items 1, 2, and 5 late), 1 (3) and 2 (4, 6): a basket's number is its order's,
        # and the baskets come in the order of their first lines.
        ds = self._dataset([[1, 2, 3, 4, 5, 6]], [[0, 0, 1, 2, 0, 2]], times=[[10, 10, 20, 30, 40, 50]])
        split = data_mod.leave_last_basket_out(ds)
        # test = basket 2 at its first line's time; item 5, bought after it, is in no case
        self.assertEqual([(c.history.tolist(), c.targets.tolist(), c.time) for c in split.test],
                         [([1, 2, 3], [4, 6], 30)])
        self.assertEqual([(c.history.tolist(), c.targets.tolist(), c.time) for c in split.valid],
                         [([1, 2], [3], 20)])
        self.assertEqual([t.tolist() for t in split.train], [[1, 2]])
        self.assertEqual([t.tolist() for t in split.train_baskets], [[0, 0]])
        # Basket 1 with a late line after basket 2's first: the validation case holds it too.
        ds = self._dataset([[1, 2, 3, 4, 5]], [[0, 1, 2, 1, 2]], times=[[10, 20, 30, 40, 50]])
        split = data_mod.leave_last_basket_out(ds)
        self.assertEqual([(c.history.tolist(), c.targets.tolist(), c.time) for c in split.valid],
                         [([1], [2, 4], 20)])
        self.assertEqual([(c.history.tolist(), c.targets.tolist(), c.time) for c in split.test],
                         [([1, 2], [3, 5], 30)])

    def test_globalTimeSplit_aValidationBasketIsItsLinesBeforeTheTestCut(self):
        # T_valid = 8, T_test = 9. User 0's basket 1 (item 6 at t = 8, item 8 at t = 9 after basket
        # 2's item 7): the validation case holds the line before T_test only, the test case basket 2
        # (item 8, bought before its request, in its history).
        ds = self._dataset([[1, 2, 3, 4, 5, 6, 7, 8], [8, 9, 1]],
                           [[0, 0, 0, 0, 0, 1, 2, 1], [0, 1, 2]],
                           times=[[0, 1, 2, 3, 4, 8, 9, 9], [5, 6, 7]])
        self.assertEqual(data_mod.time_cutoffs(ds, 0.1, 0.1), (8, 9))
        split = data_mod.global_time_split(ds)
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.valid], [(0, [1, 2, 3, 4, 5], [6], 8)])
        self.assertEqual([(c.user, c.targets.tolist()) for c in split.valid_with_repeats], [(0, [6])])
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.test], [(0, [1, 2, 3, 4, 5, 6], [7], 9)])

    def test_globalTimeSplit_aCaseIsTheFirstBasketBegunInTheWindow_notALateLine(self):
        # User 0: basket X (item 1) at t = 0, Y (2) at t = 1, X's late line (3) at t = 8, then Z
        # (4, 5) at t = 8 and 9; user 1's 16 baskets put the cuts at (1, 8). The test case is Z,
        # the first basket begun at or after T_test (X's late line is its history), not X's line.
        ds = self._dataset([[1, 2, 3, 4, 5], list(range(20, 36))],
                           [[0, 1, 0, 2, 2], list(range(16))],
                           items=40, times=[[0, 1, 8, 8, 9], [0] * 15 + [9]])
        self.assertEqual(data_mod.time_cutoffs(ds, 0.1, 0.1), (1, 8))
        split = data_mod.global_time_split(ds)
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.valid], [(0, [1], [2], 1)])
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.test if c.user == 0], [(0, [1, 2, 3], [4, 5], 8)])
        self.assertEqual([(c.user, c.targets.tolist()) for c in split.test_with_repeats if c.user == 0],
                         [(0, [4, 5])])
        # The same late line in the validation window (cuts 8, 9: X's line at t = 8 is the user's
        # first event there): no basket begins in the window, so there is no validation case.
        ds = self._dataset([[1, 2, 3, 4], list(range(20, 37))],
                           [[0, 1, 0, 2], list(range(17))],
                           items=40, times=[[0, 1, 8, 9], [0] * 14 + [8, 9, 9]])
        self.assertEqual(data_mod.time_cutoffs(ds, 0.1, 0.1), (8, 9))
        split = data_mod.global_time_split(ds)
        self.assertEqual([c.user for c in split.valid + split.valid_with_repeats], [1, 1])
        self.assertEqual(split.skipped_valid, 0)
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.test if c.user == 0], [(0, [1, 2, 3], [4], 9)])

    def test_globalTimeSplit_trainsOnlyBeforeTheCutAndTakesFirstBasketAfterIt(self):
        # Event times 0..9 (one per event): the last 10% (t = 9) is test, t = 8 validation.
        ds = self._dataset([[1, 2, 3, 4, 5, 6], [7, 8, 9, 1]],
                           [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3]],
                           times=[[0, 1, 2, 3, 8, 9], [4, 5, 6, 7]])
        split = data_mod.global_time_split(ds)
        self.assertEqual([t.tolist() for t in split.train], [[1, 2, 3, 4], [7, 8, 9, 1]])
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.valid], [(0, [1, 2, 3, 4], [5], 8)])
        self.assertEqual([(c.user, c.history.tolist(), c.targets.tolist(), c.time)
                          for c in split.test], [(0, [1, 2, 3, 4, 5], [6], 9)])
        self.assertTrue(all(t.max() < 8 for t in split.train_times))
        # Recent purchases at test time may count everything before T_test (not the test period).
        known_items, known_times = split.test_count_events
        self.assertEqual([i.tolist() for i in known_items], [[1, 2, 3, 4, 5], [7, 8, 9, 1]])
        self.assertTrue(all(t.max() < 9 for t in known_times))

    def test_nextBasketTargets_pointIntoTheFollowingBasket(self):
        items = np.array([1, 2, 3, 4, 5, 6, 7])
        baskets = np.array([0, 0, 1, 2, 2, 2, 3])
        rng = np.random.default_rng(0)
        for _ in range(20):
            t = data_mod.next_basket_targets(items, baskets, rng).tolist()
            self.assertEqual(t[:2], [3, 3])
            self.assertIn(t[2], [4, 5, 6])
            self.assertEqual(t[3:], [7, 7, 7, 0])
        windows = data_mod.training_windows([items], 3, 5, [np.array([3, 3, 4, 7, 7, 7, 0])])
        self.assertEqual([(w[0].tolist(), w[1].tolist()) for w in windows],
                         [([4, 5, 6], [7, 7, 7]), ([1, 2, 3], [3, 3, 4])])

    def test_nextBasketTargets_aLateLineIsNoBasket_andItsBasketsLinesAreAllTargets(self):
        # Baskets 0 (items 1, 3), 1 (2) and 2 (4, 5): item 3 is a late line of basket 0. The next
        # basket of an event is the first one begun after it: 1 for item 1, 2 for items 2 and 3.
        rng = np.random.default_rng(0)
        picks = [data_mod.next_basket_targets(np.array([1, 2, 3, 4, 5]), np.array([0, 1, 0, 2, 2]),
                                              rng).tolist() for _ in range(40)]
        self.assertEqual({p[0] for p in picks}, {2})
        self.assertEqual({p[1] for p in picks}, {4, 5})
        self.assertEqual({p[2] for p in picks}, {4, 5})
        self.assertEqual({(p[3], p[4]) for p in picks}, {(0, 0)})
        # Basket 1 (items 2, 4) has a line after basket 0's late one: both are targets of item 1.
        picks = [data_mod.next_basket_targets(np.array([1, 2, 3, 4]), np.array([0, 1, 0, 1]),
                                              rng).tolist() for _ in range(40)]
        self.assertEqual({p[0] for p in picks}, {2, 4})
        self.assertEqual({tuple(p[1:]) for p in picks}, {(0, 0, 0)})

    def test_nextBasketTargets_withoutLateLines_theRunsPathGivesTheGeneralPathsTargets(self):
        # Numbers that never go down (baskets of 1-5 lines, gaps in the numbering, one event, one
        # basket) take the path for runs, which must draw the same random numbers to the same
        # targets as the path for any numbers; one generator for all calls, as training uses it.
        general = data_mod._targets_of_baskets
        shape = np.random.default_rng(5)
        runs_rng, general_rng = np.random.default_rng(11), np.random.default_rng(11)
        runs_taken = 0
        with mock.patch.object(data_mod, "_targets_of_baskets",
                               side_effect=AssertionError("numbers without a late line took the general path")):
            for _ in range(300):
                n = int(shape.integers(1, 40))
                baskets = int(shape.integers(0, 5)) + np.cumsum(shape.integers(0, 3, n) * (shape.random(n) < 0.4))
                items = shape.integers(1, 50, n)
                targets = data_mod.next_basket_targets(items, baskets, runs_rng)
                np.testing.assert_array_equal(targets, general(items, baskets, general_rng))
                runs_taken += int(targets.any())
        self.assertGreater(runs_taken, 200)
        self.assertEqual(runs_rng.random(), general_rng.random())

    def test_sampledNegatives_areUnseenDistinctAndReproducible(self):
        ds = self._dataset([[1, 2, 3, 4, 5]], [[0, 1, 2, 3, 4]], items=8)
        first = data_mod.leave_last_basket_out(ds).test
        second = data_mod.leave_last_basket_out(ds).test
        data_mod.attach_sampled_negatives(first, ds, 3, 1)
        data_mod.attach_sampled_negatives(second, ds, 3, 1)
        self.assertEqual(sorted(first[0].negatives.tolist()), [6, 7, 8])
        self.assertEqual(first[0].negatives.tolist(), second[0].negatives.tolist())


if __name__ == "__main__":
    unittest.main()
