"""metadata.json's `test_users` record (evaluate.tested_users) names the test cases a version's
test figures are means over, not only their users: two versions with equal records were tested
on the same cases, so `bin/glassbox reload-model` may compare their figures."""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glassbox_trainer.data import EvalCase  # noqa: E402
from glassbox_trainer.evaluate import tested_users  # noqa: E402


class Shop:
    """What tested_users reads of a dataset: the external ids of users and items (index i is
    item_ids[i - 1])."""

    def __init__(self, user_ids, item_ids):
        self.user_ids, self.item_ids = user_ids, item_ids


def case(user, history, targets, time=1_700_000_000):
    return EvalCase(user=user, history=np.array(history, dtype=np.int64),
                    targets=np.array(targets, dtype=np.int64), time=time)


class TestCasesDigestTest(unittest.TestCase):
    shop = Shop(["u1", "u2"], ["A", "B", "C", "D"])
    cases = [case(0, [1, 2], [3]), case(1, [2], [4])]

    def test_sameUsers_otherHeldOutBasket_recordOtherTestCases(self):
        # Retrained on refreshed data for the same customers: u2's last basket is now another.
        refreshed = [case(0, [1, 2], [3]), case(1, [2, 4], [3])]

        before, after = tested_users(self.cases, self.shop), tested_users(refreshed, self.shop)

        self.assertEqual(before["count"], after["count"])
        self.assertNotEqual(before["sha256"], after["sha256"])

    def test_sameUsersAndBaskets_otherRequestTime_recordOtherTestCases(self):
        # A time split's cut: the same basket asked for at another time (the recent-sales term's
        # counts are taken before it).
        later = [case(0, [1, 2], [3]), case(1, [2], [4], time=1_700_000_100)]

        self.assertNotEqual(tested_users(self.cases, self.shop), tested_users(later, self.shop))

    def test_theSameCases_inAnotherOrder_andReindexed_recordTheSameTestCases(self):
        # Other indices for the same external items (another vocabulary), cases and targets in
        # another order: the same test cases.
        shop = Shop(["u2", "u1"], ["D", "C", "B", "A"])
        same = [case(0, [3], [1]), case(1, [4, 3], [2])]
        with_targets = [case(0, [1, 2], [3, 4]), case(1, [2], [4])]
        reordered = [case(0, [1, 2], [4, 3]), case(1, [2], [4])]

        self.assertEqual(tested_users(same, shop), tested_users(self.cases, self.shop))
        self.assertEqual(tested_users(reordered, self.shop), tested_users(with_targets, self.shop))
        self.assertEqual(tested_users(self.cases, self.shop)["count"], 2)


if __name__ == "__main__":
    unittest.main()
