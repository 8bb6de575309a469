"""The terms stage (`evaluate --write-trend`, what `bin/glassbox train` runs after training) on a
model trained on the first users only (`train --max-users N`): it evaluates those users, as the
model's own figures were, and says as it goes which step it is on."""

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import torch

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import __main__ as cli  # noqa: E402
from glassbox_trainer import data as data_mod  # noqa: E402
from glassbox_trainer import timeaware  # noqa: E402
from tests.shop_files import write_shop_files  # noqa: E402
from tests.test_smoke import cli_args  # noqa: E402


class TermsStageOnTheFirstUsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.work = tempfile.mkdtemp(prefix="glassbox-terms-test-")
        cls.shop = os.path.join(cls.work, "shop")
        os.makedirs(cls.shop)
        write_shop_files(cls.shop, 60)
        with contextlib.redirect_stdout(io.StringIO()):
            cli.run(cli_args([
                "train", "--data", cls.shop, "--name", "shop", "--max-users", "30", "--epochs", "1",
                "--dim", "8", "--layers", "1", "--sampled-negatives", "0",
                "--run-dir", os.path.join(cls.work, "run"), "--models-dir", os.path.join(cls.work, "models"),
                "--version", "test.1"]))
        cls.folder = os.path.join(cls.work, "models", "shop", "test.1")
        with open(os.path.join(cls.folder, "metadata.json"), encoding="utf-8") as f:
            cls.trained = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def evaluate(self, *more):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            report = cli.evaluate_command(cli_args([
                "evaluate", "--model", self.folder, "--data", self.shop, "--split", "basket",
                "--run-dir", os.path.join(self.work, "evaluate"), *more]))
        return report, out.getvalue(), err.getvalue()

    def test_evaluate_takesTheUsersTheModelWasTrainedOn_unlessToldOtherwise(self):
        report, out, err = self.evaluate("--no-title-term")
        metrics = self.trained["metrics"]
        self.assertEqual(report["cases"]["valid"], metrics["valid_users"], out)
        self.assertEqual(report["cases"]["test"], metrics["evaluated_users"], out)
        self.assertEqual(report["max_users"], 30)
        self.assertIn("the first 30 users only, as the model was trained", err)

        every, _, _ = self.evaluate("--no-title-term", "--max-users", "0")
        self.assertGreater(every["cases"]["valid"], metrics["valid_users"])
        self.assertIsNone(every["max_users"])

    def test_testUsers_namesTheUsersEachFigureIsAMeanOver_andTheTermsStageAddsItsOwn(self):
        # The users the run wrote its test ranks for (one row per test case), read back, and
        # their test cases as trainer/README.md describes the record: one JSON line per case.
        with open(os.path.join(self.work, "run", "test_ranks.tsv"), encoding="utf-8") as f:
            ranked = {line.split("\t")[0] for line in f.read().splitlines()[1:]}
        shop = data_mod.load_dataset(self.shop, name="shop", max_users=30)
        cases = [c for c in data_mod.leave_last_basket_out(shop).test if shop.user_ids[c.user] in ranked]
        lines = sorted(json.dumps([shop.user_ids[c.user], int(c.time), [shop.item_ids[i - 1] for i in c.history],
                                   sorted(shop.item_ids[i - 1] for i in c.targets)],
                                  ensure_ascii=False, separators=(",", ":")) + "\n" for c in cases)
        self.assertEqual(len(cases), len(ranked))
        model = {"count": len(ranked),
                 "sha256": hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()}
        self.assertEqual(self.trained["test_users"], {"test": model})
        self.assertEqual(model["count"], self.trained["metrics"]["evaluated_users"])

        # The terms on every user of the shop, not the 30 the model was tested on: their figures
        # are means over other users, and the version says so beside the model's own.
        folder = os.path.join(self.work, "terms-on-every-user", "test.1")
        shutil.copytree(self.folder, folder)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            every = cli.evaluate_command(cli_args([
                "evaluate", "--model", folder, "--data", self.shop, "--split", "basket", "--no-title-term",
                "--max-users", "0", "--write-trend", "--run-dir", os.path.join(self.work, "evaluate-every")]))
        with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
            stored = json.load(f)["test_users"]
        self.assertEqual(stored["test"], model)
        self.assertEqual(stored["trend_test"], every["test_users"])
        self.assertEqual(stored["trend_test"]["count"], every["cases"]["test"])
        self.assertGreater(stored["trend_test"]["count"], model["count"])
        self.assertNotIn("title_test", stored)

    def test_evaluate_onTheUsersAsTrained_testsTheModelsOwnUsers(self):
        report, _, _ = self.evaluate("--no-title-term")
        self.assertEqual(report["test_users"], self.trained["test_users"]["test"])

    def test_evaluate_saysEachStepAsItStarts(self):
        _, out, _ = self.evaluate()
        valid = self.trained["metrics"]["valid_users"]
        steps = [line for line in out.splitlines() if line.startswith("terms: ")]
        self.assertTrue(steps[0].startswith(f"terms: 30 users of {self.shop} ({valid} validation and "), steps)
        self.assertIn(f"terms: the trend term: {len(timeaware.TREND_GRID)} settings on {valid} validation users",
                      steps)
        self.assertIn(f"terms: the title term: {len(timeaware.TREND_WEIGHTS) * len(timeaware.TITLE_WEIGHTS)} "
                      f"settings on {valid} validation users", steps)
        self.assertEqual(sum(line.startswith("terms: the buy-again merge: ") for line in steps), 2, steps)


class ProgressTest(unittest.TestCase):
    def test_aStepSaysHowFarItIs_atMostOncePerInterval(self):
        lines, now = [], [0.0]
        progress = timeaware.Progress(lines.append, every=30, clock=lambda: now[0])
        progress.step("the trend term: 81 settings on 4000 validation users", 81, "settings")
        for seconds in (10, 29, 31, 45, 62):
            now[0] = seconds
            progress.tick()
        self.assertEqual(lines, ["terms: the trend term: 81 settings on 4000 validation users",
                                 "terms: the trend term: 81 settings on 4000 validation users: 3 of 81 settings (31 s)",
                                 "terms: the trend term: 81 settings on 4000 validation users: 5 of 81 settings (62 s)"])


if __name__ == "__main__":
    unittest.main()
