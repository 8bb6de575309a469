"""Smoke test: a short training run on a slice of the embedded data, exported and checked."""

import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import __main__ as cli  # noqa: E402
from glassbox_trainer import data as data_mod  # noqa: E402
from glassbox_trainer.train import Settings, build_model  # noqa: E402
from tests.customer_runs import shared_runs  # noqa: E402

DATA = os.path.join(os.path.dirname(TRAINER), "data", "uci-online-retail")


class TrainExportSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.work = tempfile.mkdtemp(prefix="glassbox-trainer-test-")
        cls.summary = cli.run(cli_args([
            "train", "--data", DATA, "--name", "uci-online-retail", "--max-users", "150",
            "--epochs", "1", "--dim", "16", "--layers", "1", "--valid-users", "50",
            "--run-dir", os.path.join(cls.work, "run"), "--models-dir",
            os.path.join(cls.work, "models"), "--version", "test.1", "--write-eval-cases",
            "--sampled-negatives", "20"]))
        cls.folder = os.path.join(cls.work, "models", "uci-online-retail", "test.1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_export_writesAllFilesWithTheContractNames(self):
        self.assertEqual(sorted(os.listdir(self.folder)),
                         ["metadata.json", "model.onnx", "parity.json", "vocabulary.tsv"])
        graph = onnx.load(os.path.join(self.folder, "model.onnx"))
        onnx.checker.check_model(graph)
        self.assertEqual([i.name for i in graph.graph.input], ["history", "candidates"])
        self.assertEqual([o.name for o in graph.graph.output],
                         ["scores", "attention", "contribution"])
        self.assertLessEqual(graph.opset_import[0].version, 17)
        # B, C and L are symbolic, not fixed by the example input.
        dims = [d.dim_param for d in graph.graph.input[0].type.tensor_type.shape.dim]
        self.assertEqual(dims, ["B", "L"])

    def test_metadata_andVocabulary_describeTheModel(self):
        with open(os.path.join(self.folder, "metadata.json")) as f:
            meta = json.load(f)
        for key in ("model_name", "version", "dataset", "trained_at", "max_history_length",
                    "vocabulary_size", "opset", "inputs", "outputs", "metrics", "settings",
                    "data_fingerprint"):
            self.assertIn(key, meta)
        self.assertEqual(meta["version"], "test.1")
        self.assertEqual(meta["max_history_length"], 50)
        for key in ("test_hr@10", "test_ndcg@10", "popularity_test_hr@10",
                    "popularity_test_ndcg@10", "valid_hr@10", "evaluated_users"):
            self.assertIn(key, meta["metrics"])
        self.assertIn("interactions.csv.gz", meta["data_fingerprint"])
        with open(os.path.join(self.folder, "vocabulary.tsv")) as f:
            rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual(len(rows), meta["vocabulary_size"])
        self.assertEqual([int(r[0]) for r in rows], list(range(1, len(rows) + 1)))
        self.assertEqual(rows[0][1], "10002")

    def test_parity_scoresEqualBiasPlusContributionAndPaddingIsZero(self):
        with open(os.path.join(self.folder, "parity.json")) as f:
            cases = json.load(f)["cases"]
        self.assertGreaterEqual(len(cases), 2)
        first = cases[0]
        history = np.array(first["history"])
        self.assertGreaterEqual(history.shape[0], 2)
        self.assertGreaterEqual(len(first["candidates"][0]), 5)
        self.assertTrue((history[0] == 0).any() and (history[0] > 0).any())   # left-padded
        self.assertTrue((history[1] > 0).all())                               # full length
        self.assertTrue((history[2] == 0).all())                              # empty history
        for case in cases:
            h = np.array(case["history"])
            att, con = np.array(case["attention"]), np.array(case["contribution"])
            pad = (h == 0)[:, None, :].repeat(att.shape[1], axis=1)
            self.assertTrue(np.all(att[pad] == 0) and np.all(con[pad] == 0))
            self.assertTrue(np.all(np.isfinite(case["scores"])))
            rows = (h > 0).any(axis=1)
            np.testing.assert_allclose(att.sum(-1)[rows], 1.0, atol=1e-5)

    def test_parity_holdsNoCustomersSequence(self):
        # parity.json ships with the model; a customer's purchases must not be in it.
        ds = data_mod.load_dataset(DATA, max_users=150)
        self.assertEqual(shared_runs(self.folder, ds.sequences), [],
                         "parity.json shares these runs with customers' purchases")

    def test_model_scoreIsExactlyBiasPlusContribution_andPrefixFormMatches(self):
        ds = data_mod.load_dataset(DATA, max_users=20)
        model = build_model(ds, Settings(dim=16, layers=1, dropout=0.0))
        model.eval()
        history = torch.tensor([[0, 0, 0, 5, 9, 13], [3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0]])
        candidates = torch.tensor([[1, 2, 3, 10, 11], [20, 21, 22, 23, 24], [1, 2, 3, 4, 5]])
        with torch.no_grad():
            scores, attention, contribution = model(history, candidates)
            bias = model.bias(candidates)
            self.assertTrue(torch.equal(scores, contribution.sum(-1) + bias))
            self.assertTrue(torch.equal(scores[2], bias[2]))          # all padding -> bias
            self.assertTrue(torch.all(attention[2] == 0))
            self.assertTrue(torch.all(attention[0, :, :3] == 0))
            # The training (all-prefixes) form agrees with the serving form at the last step.
            every = model.prefix_scores(history[:2], torch.arange(ds.num_items + 1))
            direct = model.score_all(history[:2])
            torch.testing.assert_close(every[:, :, -1], direct, rtol=1e-4, atol=1e-5)
            # The evaluation form (shared candidate list) agrees with the exported forward.
            everything = torch.arange(1, ds.num_items + 1).repeat(3, 1)
            torch.testing.assert_close(model(history, everything)[0],
                                       model.score_all(history)[:, 1:], rtol=1e-5, atol=1e-6)
            again = model(history, candidates)
            self.assertTrue(torch.equal(again[0], scores))

    def test_run_reportsModelAndPopularityOnTheSameCases(self):
        results = self.summary["results"]
        self.assertEqual(results["test"]["full"]["users"],
                         results["popularity_test"]["full"]["users"])
        self.assertGreater(results["test"]["full"]["users"], 50)
        self.assertIn("sampled", results["test"])
        with open(os.path.join(self.work, "run", "eval_cases.tsv")) as f:
            header = f.readline().rstrip("\n").split("\t")
            first = f.readline().rstrip("\n").split("\t")
        self.assertEqual(header, ["split", "user_id", "history", "targets", "negatives", "time"])
        self.assertEqual(len(first[4].split(" ")), 20)


def cli_args(argv):
    """Parses the CLI's arguments without running them."""
    return cli.build_parser().parse_args(argv)


if __name__ == "__main__":
    unittest.main()
