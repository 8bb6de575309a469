"""The repeats-counted cases file the Java buy-again check reads (README "Evaluation cases file")."""

import os
import tempfile
import unittest

import numpy as np

from glassbox_trainer import data as data_mod
from glassbox_trainer.__main__ import write_repeat_cases
from glassbox_trainer.data import EvalCase


class RepeatCasesFileTest(unittest.TestCase):
    def test_writesHistoryWithItsBasketsAndEveryTargetRepeatsIncluded(self):
        # One user: baskets 0 = items 1 2, 1 = items 1 3, 2 (held out) = items 1 4.
        ds = data_mod.Dataset("t", ["a", "b", "c", "d"], [""] * 4, {}, {}, {}, ["u7"],
                              [np.array([1, 2, 1, 3, 1, 4])], [np.array([0, 0, 1, 1, 2, 2])],
                              [np.array([10, 10, 20, 20, 30, 30])])
        case = EvalCase(0, ds.sequences[0][:4], np.array([1, 4]), time=30)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "eval_cases_repeats.tsv")
            write_repeat_cases(path, ds, [case], "test", "w")
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        self.assertEqual(lines, [
            "split\tuser_id\thistory\ttargets\tnegatives\ttime\thistory_baskets",
            "test\tu7\ta b a c\ta d\t\t30\t0 0 1 1"])

    def test_historyBasketsAreTheOrdersTheFeatureServiceCounts(self):
        # Without an order column every event is a basket, one day's purchases an order
        # (Dataset.orders): the Java buy-again check counts orders as the feature service does.
        ds = data_mod.Dataset("t", ["a", "b", "c"], [""] * 3, {}, {}, {}, ["u7"],
                              [np.array([1, 2, 1, 3])], [np.array([0, 1, 2, 3])],
                              [np.array([10, 10, 90_000, 90_000])], orders=[np.array([0, 0, 1, 1])])
        case = EvalCase(0, ds.sequences[0][:3], np.array([3]), time=90_000)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "eval_cases_repeats.tsv")
            write_repeat_cases(path, ds, [case], "test", "w")
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        self.assertEqual(lines[1], "test\tu7\ta b a\tc\t\t90000\t0 0 1")


if __name__ == "__main__":
    unittest.main()
