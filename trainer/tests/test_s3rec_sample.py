"""S3-Rec's sampled negatives: the same draw as its data/generate_test.py."""

import os
import sys
import unittest
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glassbox_trainer import s3rec_sample  # noqa: E402


def s3rec_original(lines, test_num=99):
    """S3-Rec's sample_test_data(sample_type='random') as published, file I/O removed."""
    np.random.seed(12345)
    item_count = defaultdict(int)
    user_items = defaultdict()
    for line in lines:
        user, items = line.strip().split(' ', 1)
        items = items.split(' ')
        items = [int(item) for item in items]
        user_items[user] = items
        for item in items:
            item_count[item] += 1
    all_item = list(item_count.keys())
    user_neg_items = defaultdict()
    for user, user_seq in user_items.items():
        test_samples = []
        while len(test_samples) < test_num:
            sample_ids = np.random.choice(all_item, test_num, replace=False)
            sample_ids = [str(item) for item in sample_ids if item not in user_seq and item not in test_samples]
            test_samples.extend(sample_ids)
        test_samples = test_samples[:test_num]
        user_neg_items[user] = test_samples
    return {user: [int(i) for i in samples] for user, samples in user_neg_items.items()}


def synthetic_lines(users=60, items=40, seed=3):
    rng = np.random.default_rng(seed)
    lines, next_item = [], 1
    for user in range(1, users + 1):
        length = int(rng.integers(5, 30))
        seq = []
        for _ in range(length):
            if next_item <= items and rng.random() < 0.3:
                seq.append(next_item)
                next_item += 1
            else:
                seq.append(int(rng.integers(1, next_item)) if next_item > 1 else 1)
                next_item = max(next_item, 2)
        lines.append(f"{user} " + " ".join(map(str, seq)) + "\n")
    return lines


class S3RecSampleTest(unittest.TestCase):
    def test_generate_matchesThePublishedCode_drawForDraw(self):
        lines = synthetic_lines()
        # Few items and long sequences force second draws, where the original's quirk (an item
        # drawn twice for one user stays in twice) matters.
        ours = s3rec_sample.generate(lines, count=20)
        theirs = s3rec_original(lines, test_num=20)
        self.assertEqual(theirs, ours)
        self.assertTrue(any(len(set(v)) < len(v) for v in ours.values()), "no second draw was exercised")

    def test_generate_neverPicksTheUsersOwnItems_andIsRepeatable(self):
        lines = synthetic_lines(seed=5)
        first = s3rec_sample.generate(lines, count=10)
        for line in lines:
            user, *items = line.split()
            self.assertEqual(10, len(first[user]))
            self.assertFalse(set(first[user]) & {int(i) for i in items})
        self.assertEqual(first, s3rec_sample.generate(lines, count=10))


if __name__ == "__main__":
    unittest.main()
