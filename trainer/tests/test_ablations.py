"""Title words, the SASRec control, loss labels, the content baseline, the popularity prior
and the paired significance tests (issue 8)."""

import os
import sys
import tempfile
import shutil
import unittest
from math import comb

import numpy as np
import torch

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import data as data_mod  # noqa: E402
from glassbox_trainer import significance  # noqa: E402
from glassbox_trainer.data import EvalCase  # noqa: E402
from glassbox_trainer.evaluate import (evaluate_prior_grid, evaluate_scores,  # noqa: E402
                                       model_scorer, sampled_model_scorer, tie_broken,
                                       title_tfidf_scores)
from glassbox_trainer.model import SASRecControl  # noqa: E402
from glassbox_trainer.train import (Settings, build_model, loss_label,  # noqa: E402
                                    pairwise_bce_loss, sampled_batch_loss, validate)
from tests.synthetic import write_dataset  # noqa: E402


class TitleWordTableTest(unittest.TestCase):
    def test_keepsWordsOfAtLeastTwoItems_inTitleOrder_upToTheMaximum(self):
        table, words = data_mod.title_word_table(
            ["Red Lipstick, matte", "red shampoo", "Matte red LIPSTICK gloss", ""], max_words=2)
        self.assertEqual(words, ["<pad>", "lipstick", "matte", "red"])   # gloss, shampoo: 1 item
        self.assertEqual(table.shape, (5, 2))
        self.assertEqual(table[0].tolist(), [0, 0])                       # padding item
        self.assertEqual(table[1].tolist(), [3, 1])                       # red, lipstick (max 2)
        self.assertEqual(table[2].tolist(), [3, 0])                       # red
        self.assertEqual(table[3].tolist(), [2, 3])                       # matte, red
        self.assertEqual(table[4].tolist(), [0, 0])                       # no title


class ArchitecturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="glassbox-ablation-")
        write_dataset(cls.work)
        cls.dataset = data_mod.load_dataset(cls.work)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.history = torch.tensor([[0, 0, 3, 4, 5], [6, 7, 8, 9, 10], [0, 0, 0, 0, 0]])
        self.candidates = torch.tensor([[1, 2, 11], [12, 21, 30], [1, 2, 3]])

    def test_titleWords_keepScoreEqualToBiasPlusContributions_andReachColdItems(self):
        model = build_model(self.dataset, Settings(dim=16, layers=1, dropout=0.0, title_words=6))
        model.eval()
        self.assertEqual(tuple(model.title_tokens.shape), (self.dataset.num_items + 1, 6))
        with torch.no_grad():
            scores, attention, contribution = model(self.history, self.candidates)
            torch.testing.assert_close(scores, contribution.sum(-1) + model.bias(self.candidates),
                                       rtol=0, atol=1e-6)
            every = model.prefix_scores(self.history[:2], torch.arange(self.dataset.num_items + 1))
            torch.testing.assert_close(every[:, :, -1], model.score_all(self.history[:2]),
                                       rtol=1e-4, atol=1e-5)
            # Without ids, items 1 and 2 (same kind and category, other brand/colour/price words)
            # still differ through their title words (and brand/price).
            model.id_keep = torch.zeros(self.dataset.num_items + 1)
            e = model.item_representation(torch.tensor([1, 2]))
            model.title_embedding.weight.zero_()
            e_without_titles = model.item_representation(torch.tensor([1, 2]))
        self.assertFalse(torch.allclose(e, e_without_titles))

    def test_sasrec_scoresTheLastEncodingAgainstItemRepresentations(self):
        model = build_model(self.dataset, Settings(dim=16, layers=1, dropout=0.0, arch="sasrec"))
        self.assertIsInstance(model, SASRecControl)
        self.assertFalse(hasattr(model, "query"))     # no target attention head
        model.eval()
        items = torch.arange(self.dataset.num_items + 1)
        with torch.no_grad():
            h = model.encode(self.history)
            expected = h[:, -1] @ model.item_representation(items).t()
            torch.testing.assert_close(model.score_all(self.history), expected)
            torch.testing.assert_close(model(self.history, self.candidates),
                                       expected.gather(1, self.candidates))
            every = model.prefix_scores(self.history, items)                   # [B, C, T]
            torch.testing.assert_close(every[:, :, -1], expected)
            targets = torch.tensor([[0, 4, 5, 6, 7], [7, 8, 9, 10, 11], [1, 1, 1, 1, 1]])
            torch.testing.assert_close(model.target_scores(self.history, targets),
                                       every.gather(1, targets.unsqueeze(1)).squeeze(1))
        self.assertTrue(torch.all(model.score_all(self.history)[2] == 0))    # empty history

    def test_sasrec_learnsWithTheSampledSoftmaxLoss(self):
        model = build_model(self.dataset, Settings(dim=16, layers=1, dropout=0.0, arch="sasrec"))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        inputs = torch.tensor([[0, 1, 2, 3], [11, 12, 13, 14]])
        targets = torch.tensor([[0, 2, 3, 4], [12, 13, 14, 15]])
        torch.manual_seed(0)
        losses = []
        for _ in range(30):
            loss = sampled_batch_loss(model, inputs, targets, 16, True)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        self.assertLess(np.mean(losses[-5:]), 0.5 * np.mean(losses[:5]))

    def test_pairwiseBce_isS3RecsLoss_overPositionsWithAUsableNegative(self):
        model = build_model(self.dataset, Settings(dim=16, layers=1, dropout=0.0))
        model.eval()
        inputs = torch.tensor([[0, 1, 2, 3], [11, 12, 13, 14]])
        targets = torch.tensor([[0, 2, 3, 4], [12, 13, 12, 15]])   # [1, 2] repeats item 12
        torch.manual_seed(5)
        negs = torch.randint(1, model.num_items + 1, targets.shape)
        torch.manual_seed(5)
        with torch.no_grad():
            loss = pairwise_bce_loss(model, inputs, targets, True)
            positive = model.target_scores(inputs, targets.clamp_min(1))
            negative = model.target_scores(inputs, negs)
        expected, count = 0.0, 0
        for b in range(2):
            for t in range(4):
                window = set(inputs[b, :t + 1].tolist())
                if (targets[b, t] == 0 or int(targets[b, t]) in window
                        or negs[b, t] == targets[b, t] or int(negs[b, t]) in window):
                    continue
                expected += (-torch.log(torch.sigmoid(positive[b, t]))
                             - torch.log(1 - torch.sigmoid(negative[b, t])))
                count += 1
        self.assertGreater(count, 0)
        self.assertLess(count, 8)                                    # padding, repeat left out
        self.assertAlmostEqual(float(loss), float(expected) / count, places=5)

    def test_selectOnSampled_picksTheEpochBySampledNdcg_andNeedsNegatives(self):
        model = build_model(self.dataset, Settings(dim=16, layers=1))
        model.eval()
        cases = [EvalCase(u, np.array([1 + u, 2 + u]), np.array([60 + u]),
                          negatives=np.arange(70, 90) + u) for u in range(5)]
        fields_, score = validate(model, cases, Settings(select_on="sampled"))
        expected = evaluate_scores(cases, model_scorer(model, 50), 64, sampled=True)
        self.assertEqual(score, expected["sampled"]["ndcg@10"])
        self.assertEqual(fields_["valid_ndcg@10"], expected["full"]["ndcg@10"])
        self.assertEqual(validate(model, cases, Settings())[1], expected["full"]["ndcg@10"])
        bare = [EvalCase(c.user, c.history, c.targets) for c in cases]
        with self.assertRaisesRegex(ValueError, "sampled-negatives"):
            validate(model, bare, Settings(select_on="sampled"))
        with self.assertRaisesRegex(ValueError, "full or sampled"):
            validate(model, cases, Settings(select_on="test"))

    def test_sampledScorer_givesTheSampledRanksOfScoringEveryItem(self):
        for arch in ("glassbox", "sasrec"):
            model = build_model(self.dataset, Settings(dim=16, layers=1, arch=arch))
            model.eval()
            cases = [EvalCase(u, np.array([1 + u, 2 + u, 40 + u]), np.array([60 + u]),
                              negatives=np.arange(70, 90) + u) for u in range(5)]
            full = evaluate_scores(cases, model_scorer(model, 50), 2, sampled=True)
            fast = evaluate_scores(cases, sampled_model_scorer(model, 50, self.dataset.num_items),
                                   2, sampled=True)
            for key, value in full["sampled"].items():
                self.assertAlmostEqual(fast["sampled"][key], value, places=6)

    def test_idsOnly_dropsTheAttributeTables(self):
        model = build_model(self.dataset, Settings(dim=8, layers=1, ids_only=True))
        self.assertEqual(model.attribute_names, [])


class LossLabelTest(unittest.TestCase):
    def test_labelsSayWhichSoftmaxAndWhichNegatives(self):
        sampled = loss_label(Settings(negatives=1024))
        self.assertIn("sampled softmax", sampled)
        self.assertIn("1024 negatives drawn uniformly with replacement from all items", sampled)
        self.assertIn("masked", sampled)
        self.assertIn("from the items seen in training", loss_label(Settings(negatives=8), True))
        full = loss_label(Settings(negatives=0, exclude_seen=False, next_basket=False))
        self.assertTrue(full.startswith("full softmax"))
        self.assertNotIn("sampled", full)
        self.assertNotIn("masked", full)
        both = loss_label(Settings(negatives=1024, bce_weight=0.5))
        self.assertIn("plus 0.5 x binary cross-entropy", both)
        self.assertNotIn("binary", sampled)


class ContentBaselineTest(unittest.TestCase):
    def test_titleTfidf_ranksItemsByTitleSimilarityToTheHistory(self):
        titles = ["red lipstick matte", "red lipstick gloss", "blue shampoo", "blue shampoo dry",
                  "gold lipstick matte"]
        scorer = title_tfidf_scores(titles)
        scores = scorer([EvalCase(0, np.array([1]), np.array([2]))])[0]
        # Item 1 itself scores highest; then 5 (lipstick + matte), 2 (red + lipstick), the
        # shampoos 0.
        self.assertEqual(scores[0], 0.0)
        self.assertAlmostEqual(scores[1], 1.0, places=6)   # weights rounded to float32
        self.assertGreater(scores[5], 0.0)
        self.assertGreater(scores[2], 0.0)
        self.assertEqual(scores[3], 0.0)
        self.assertEqual(scores[4], 0.0)

    def test_tieBreak_ordersOnlyTies(self):
        scorer = tie_broken(lambda chunk: np.array([[0.0, 0.5, 0.0, 0.0]]),
                            np.array([0.0, 1.0, 3.0, 2.0]))
        row = scorer([None])[0]
        self.assertEqual(list(np.argsort(-row)), [1, 2, 3, 0])

    def test_tieBreak_popularityGapBelowFloatResolutionNearOne_stillOrdersTheTie(self):
        # Items 2 and 3 score 1.0 against the history (item 1); item 2 is more popular by 1e-8
        # of the largest count (on Beauty items of one count differ by 1/(N + 2) of a purchase).
        # Squeezed into 1e-9 and added to a score of 1, that gap is below one float step: the
        # tie would survive and count in target 3's favour (rank 0).
        case = EvalCase(0, np.array([1]), np.array([3]))
        scorer = tie_broken(lambda chunk: np.array([[0.0, 5.0, 1.0, 1.0]]),
                            np.array([0.0, 0.0, 1e6 + 0.01, 1e6]))
        self.assertEqual(evaluate_scores([case], scorer, keep_ranks=True)["ranks_full"], {0: [1]})

    def test_tieBreak_scoreGapBelowTheTieBreaksScale_isNotOverturned(self):
        # Target 3 scores one float step above item 2; item 2 is the more popular, which only
        # decides ties. Added as up to 1e-9, its popularity would lift item 2 above the target.
        case = EvalCase(0, np.array([1]), np.array([3]))
        scorer = tie_broken(lambda chunk: np.array([[0.0, 5.0, 1.0, np.nextafter(1.0, 2.0)]]),
                            np.array([0.0, 0.0, 1.0, 0.0]))
        self.assertEqual(evaluate_scores([case], scorer, keep_ranks=True)["ranks_full"], {0: [0]})


class PriorGridTest(unittest.TestCase):
    def test_eachWeightEqualsEvaluatingTheShiftedScoresDirectly(self):
        rng = np.random.default_rng(0)
        scores = rng.normal(size=(7, 9))
        cases = [EvalCase(u, np.array([1 + u % 3]), np.array([4 + u % 5]),
                          negatives=np.array([5, 6, 7])) for u in range(7)]
        prior = rng.random(9)

        def scorer(chunk):
            return np.stack([scores[c.user] for c in chunk])
        grid = evaluate_prior_grid(cases, scorer, prior, (0.0, 1.5), sampled=True, batch_size=3)
        for w in (0.0, 1.5):
            direct = evaluate_scores(cases, lambda chunk: scorer(chunk) + w * prior, 2, True)
            for protocol in ("full", "sampled"):
                for key, value in direct[protocol].items():
                    self.assertAlmostEqual(grid[w][protocol][key], value)


class SignificanceTest(unittest.TestCase):
    def test_signTest_exactBinomialKnownAnswer(self):
        a = [1.0] * 9 + [0.0] + [0.5] * 5
        b = [0.0] * 9 + [1.0] + [0.5] * 5
        result = significance.sign_test(a, b)
        self.assertEqual((result["a_better"], result["b_better"], result["ties"]), (9, 1, 5))
        self.assertAlmostEqual(result["p_value"], 2 * (comb(10, 0) + comb(10, 1)) / 2 ** 10)
        self.assertEqual(significance.sign_test([1, 2], [1, 2])["p_value"], 1.0)

    def test_bootstrap_identicalMethodsGiveZeroDifference_clearGapIsSignificant(self):
        same = significance.paired_bootstrap([0.2, 0.5, 1.0], [0.2, 0.5, 1.0], resamples=500)
        self.assertEqual(same["mean_difference"], 0.0)
        self.assertEqual(same["ci95"], [0.0, 0.0])
        self.assertEqual(same["p_value"], 1.0)
        rng = np.random.default_rng(1)
        b = rng.random(400)
        gap = significance.paired_bootstrap(b + 0.1 + 0.05 * rng.normal(size=400), b,
                                            resamples=2000)
        self.assertLess(gap["ci95"][0], 0.1)
        self.assertGreater(gap["ci95"][0], 0.08)
        self.assertLess(gap["p_value"], 0.001)

    def test_compare_reportsReciprocalRankAndHitRate(self):
        result = significance.compare([0, 0, 3, 20], [5, 12, 3, 2], resamples=200)
        self.assertEqual(result["users"], 4)
        rr = result["reciprocal_rank"]
        self.assertAlmostEqual(rr["mean_a"], (1 + 1 + 0.25 + 1 / 21) / 4)
        self.assertEqual(rr["sign_test"]["a_better"], 2)
        self.assertEqual(result["hr@10"]["sign_test"]["a_better"], 1)   # 12 -> 0: a hit only for a
        self.assertEqual(result["hr@10"]["sign_test"]["b_better"], 1)   # 20 vs 2


if __name__ == "__main__":
    unittest.main()
