"""The one-command Amazon Beauty benchmark, end to end on a tiny synthetic dataset."""

import json
import os
import shutil
import sys
import tempfile
import unittest

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import __main__ as cli  # noqa: E402
from glassbox_trainer import benchmark  # noqa: E402
from glassbox_trainer import data as data_mod  # noqa: E402
from tests.synthetic import write_dataset  # noqa: E402


def _edit_json(path: str, edit) -> None:
    """Rewrites a JSON file with edit(content) applied to its content."""
    with open(path) as f:
        content = json.load(f)
    edit(content)
    with open(path, "w") as f:
        json.dump(content, f)


class BenchmarkBeautyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="glassbox-benchmark-")
        cls.data = os.path.join(cls.work, "data")
        write_dataset(cls.data, users=60, s3rec=True)
        cls.out = os.path.join(cls.work, "results", "beauty.json")
        os.makedirs(os.path.dirname(cls.out))
        with open(cls.out, "w") as f:   # an earlier result, to be kept in the history
            json.dump({"trained_at": "2026-11-22T05:51:52Z", "test": {"full": {"hr@10": 0.08}},
                       "reproducibility": "two stages"}, f)
        cls.runs = os.path.join(cls.work, "runs")
        cli.main(["benchmark-beauty", "--data", cls.data, "--out", cls.out,
                  "--runs-dir", cls.runs, "--max-epochs", "2"])
        with open(cls.out) as f:
            cls.results = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def _modified_data(self) -> str:
        """A copy of the data with one timestamp moved by one second."""
        folder = os.path.join(self.work, "data-modified")
        if not os.path.exists(folder):
            shutil.copytree(self.data, folder)
            path = os.path.join(folder, "interactions.csv")
            with open(path) as f:
                lines = f.readlines()
            user, item, timestamp, pos = lines[1].rstrip("\n").split(",")
            lines[1] = f"{user},{item},{int(timestamp) + 1},{pos}\n"
            with open(path, "w") as f:
                f.writelines(lines)
        return folder

    def _run_copy(self, stage: str, name: str, **recorded) -> str:
        """A copy of a stage's run whose metrics.json records other values (settings.KEY for
        settings_KEY)."""
        copy = os.path.join(self.work, name)
        shutil.copytree(os.path.join(self.runs, stage), copy)
        path = os.path.join(copy, "metrics.json")
        with open(path) as f:
            run = json.load(f)
        for key, value in recorded.items():
            if key.startswith("settings_"):
                run["settings"][key[len("settings_"):]] = value
            else:
                run[key] = value
        with open(path, "w") as f:
            json.dump(run, f)
        return copy

    def _retrained_copy(self, stage: str, name: str, trained_at: str) -> str:
        """A copy of an exported stage's run as if trained again at trained_at: its metrics.json
        and its model folder's metadata.json record that time."""
        folder = benchmark.exported_model_folder(os.path.join(self.runs, stage))
        copy = self._run_copy(stage, name, trained_at=trained_at)
        _edit_json(os.path.join(copy, os.path.relpath(folder, os.path.join(self.runs, stage)),
                                "metadata.json"),
                   lambda exported: exported.update(trained_at=trained_at))
        return copy

    def _older_run_copy(self, stage: str, name: str) -> str:
        """A copy of a stage's run as a trainer that did not record sampled_negatives and
        write_eval_cases in its settings left it."""
        copy = self._run_copy(stage, name)
        _edit_json(os.path.join(copy, "metrics.json"), lambda run: [
            run["settings"].pop(k) for k in ("sampled_negatives", "write_eval_cases")])
        return copy

    def _reuse_refusal(self, stage: str, run: str) -> str:
        """The refusal of benchmark-beauty given this run for the stage (no results file)."""
        out = os.path.join(self.work, "refused.json")
        message = self._refusal(["benchmark-beauty", "--data", self.data, "--out", out,
                                 "--runs-dir", self.runs, "--no-train", "--skip-prior",
                                 "--max-epochs", "2", "--stages", stage,
                                 "--run", f"{stage}={run}"])
        self.assertIn(run, message)
        self.assertFalse(os.path.exists(out))
        return message

    def _refusal(self, argv) -> str:
        """The message a command that must refuse exits with: one line, no traceback."""
        with self.assertRaises(SystemExit) as refused:
            cli.main(argv)
        message = refused.exception.code
        self.assertIsInstance(message, str)     # printed by Python, exit status 1
        self.assertNotIn("\n", message)
        return message

    def _assembled(self, name: str, stage: str, run: str, *flags: str, runs_dir=None) -> dict:
        """The results file benchmark-beauty writes from one stage's finished run."""
        out = os.path.join(self.work, name)
        cli.main(["benchmark-beauty", "--data", self.data, "--out", out,
                  "--runs-dir", runs_dir or self.runs, "--reuse", "--no-train", "--max-epochs",
                  "2", "--stages", stage, "--run", f"{stage}={run}", *flags])
        with open(out) as f:
            return json.load(f)

    def test_aReusedRun_onOtherDataThanTheDataGiven_isRefused_namingBothFingerprints(self):
        modified = self._modified_data()
        out = os.path.join(self.work, "other-data.json")
        run = os.path.join(self.runs, "sasrec")
        message = self._refusal(["benchmark-beauty", "--data", modified, "--out", out,
                                 "--runs-dir", self.runs, "--no-train", "--skip-prior",
                                 "--max-epochs", "2", "--stages", "sasrec",
                                 "--run", "sasrec=" + run])
        self.assertIn(run, message)
        self.assertIn(self.results["data_fingerprint"]["interactions.csv"], message)
        self.assertIn(data_mod.sha256_of(os.path.join(modified, "interactions.csv")), message)
        self.assertFalse(os.path.exists(out))

    def test_runsOnTwoCopiesOfTheData_areRefusedWithAMessage_notATraceback(self):
        modified = self._modified_data()
        elsewhere = self._run_copy("sasrec-ids-only", "ids-only-on-modified-data",
                                   data_fingerprint=data_mod.load_dataset(modified).fingerprint)
        out = os.path.join(self.work, "two-copies.json")
        message = self._refusal(["benchmark-beauty", "--data", self.data, "--out", out,
                                 "--runs-dir", self.runs, "--no-train", "--skip-prior",
                                 "--max-epochs", "2", "--stages", "sasrec,sasrec-ids-only",
                                 "--run", "sasrec=" + os.path.join(self.runs, "sasrec"),
                                 "--run", "sasrec-ids-only=" + elsewhere])
        self.assertIn(elsewhere, message)
        self.assertFalse(os.path.exists(out))

    def test_aReusedRun_madeWithOtherSettingsThanItsStage_isRefused_namingThem(self):
        short = self._run_copy("sasrec", "sasrec-short", settings_epochs=1,
                               settings_max_users=200)
        out = os.path.join(self.work, "other-settings.json")
        message = self._refusal(["benchmark-beauty", "--data", self.data, "--out", out,
                                 "--runs-dir", self.runs, "--no-train", "--skip-prior",
                                 "--max-epochs", "2", "--stages", "sasrec",
                                 "--run", "sasrec=" + short])
        self.assertIn(short, message)
        self.assertIn("epochs 1 (stage: 2)", message)
        self.assertIn("max_users 200 (stage: None)", message)
        self.assertFalse(os.path.exists(out))

    def test_aSettingAnOlderRunDoesNotRecord_countsAsItsDefault(self):
        def older(*unrecorded):
            copy = self._run_copy("sasrec", "sasrec-without-" + "-".join(unrecorded))
            _edit_json(os.path.join(copy, "metrics.json"),
                       lambda run: [run["settings"].pop(k) for k in unrecorded])
            return copy
        # The stage leaves select_on at its default, full; it sets dropout 0.5 (default 0.2).
        self.assertIn("sasrec", self._assembled("sasrec-without-select-on.json", "sasrec",
                                                older("select_on"), "--skip-prior")["commands"])
        self.assertIn("dropout 0.2 (stage: 0.5)",
                      self._reuse_refusal("sasrec", older("dropout")))

    def test_aReusedRun_evaluatedWithoutSampledNegatives_isRefused(self):
        run = self._run_copy("sasrec", "sasrec-no-sampled", settings_sampled_negatives=0)
        self.assertIn("sampled_negatives 0 (stage: 99)", self._reuse_refusal("sasrec", run))

    def test_anOlderRunWithoutSampledFigures_isRefused_andOneWithThem_isTaken(self):
        older = self._older_run_copy("sasrec", "sasrec-older")
        self.assertIn("sasrec", self._assembled("older-sasrec.json", "sasrec", older,
                                                "--skip-prior")["commands"])
        _edit_json(os.path.join(older, "metrics.json"), lambda run: [
            figures.pop("sampled") for figures in run["results"].values()])
        self.assertIn("sampled_negatives 0 (stage: 99)", self._reuse_refusal("sasrec", older))

    def test_anOlderMainRun_withoutItsEvalCases_isRefused(self):
        older = self._older_run_copy("main", "main-older")
        self.assertIn("main", self._assembled("older-main.json", "main", older,
                                              "--skip-prior")["commands"])
        os.remove(os.path.join(older, "eval_cases.tsv"))
        self.assertIn("write_eval_cases False (stage: True)", self._reuse_refusal("main", older))

    def test_aReusedRun_withoutItsModelFolder_isRefused(self):
        run = self._run_copy("s3rec-loss", "s3rec-loss-no-models")
        shutil.rmtree(os.path.join(run, "models"))
        self.assertIn("no model version exported", self._reuse_refusal("s3rec-loss", run))

    def test_newRuns_recordTheSettingsTheirStageFixes(self):
        for stage in benchmark.STAGES:
            with open(os.path.join(self.runs, stage, "metrics.json")) as f:
                settings = json.load(f)["settings"]
            self.assertEqual(settings["sampled_negatives"], 99, stage)
            self.assertEqual(settings["write_eval_cases"], stage == "main", stage)
            self.assertEqual(settings["models_dir"],
                             os.path.join(self.runs, stage, "models")
                             if stage in benchmark.EXPORTED else None, stage)

    def test_everyStageRanWithItsFixedCommand_andOnlyTheServableModelsAreExported(self):
        commands = self.results["commands"]
        self.assertEqual(list(commands), list(benchmark.STAGES))
        for stage, entry in commands.items():
            self.assertIn("--epochs", entry["command"])
            self.assertIn("--seed 42", entry["command"])
            with open(os.path.join(entry["run_dir"], "metrics.json")) as f:
                self.assertEqual(json.load(f)["settings"]["seed"], 42)
        for stage in benchmark.EXPORTED:
            self.assertTrue(os.path.isdir(os.path.join(self.runs, stage, "models", "amazon-beauty")))
        self.assertFalse(os.path.exists(os.path.join(self.runs, "sasrec", "models")))
        self.assertIn("title_words", self.results["holdout_items"]["runs"]["cold-title-words"])

    def test_resultsCarryLossLabelsHashesAndTheHistory(self):
        r = self.results
        self.assertIn("sampled softmax", r["loss"])
        self.assertIn("1024 negatives", r["loss"])
        self.assertIn("SASRec control", r["sasrec_control"]["architecture"])
        self.assertIn("sampled softmax", r["sasrec_control"]["loss"])
        self.assertIn("items seen in training",
                      r["holdout_items"]["runs"]["cold-attributes"]["loss"])
        self.assertEqual(set(r["data_fingerprint"]), {"items.csv", "interactions.csv"})
        self.assertEqual(r["settings"]["seeds"]["sampled_negatives_test"], 54321)
        self.assertEqual(r["history"][0]["trained_at"], "2026-11-22T05:51:52Z")
        self.assertEqual(r["history"][0]["reproducibility"], "two stages")

    def test_pairedTestsCoverTheControlAndTheColdItemComparisons(self):
        paired = self.results["sasrec_control"]["paired_vs_main"]
        users = self.results["test"]["full"]["users"]
        for protocol in ("full", "sampled"):
            self.assertEqual(paired[protocol]["users"], users)
            self.assertLessEqual(paired[protocol]["reciprocal_rank"]["bootstrap"]["p_value"], 1.0)
        decomposition = self.results["sasrec_control"]["decomposition_vs_published_sasrec"]
        row = decomposition["full"]["hr@10"]
        self.assertAlmostEqual(row["loss_and_training (control - published)"]
                               + row["architecture (glassbox - control)"],
                               row["glassbox"] - row["published_sasrec"], places=5)
        plain = self.results["sasrec_ids_only_control"]
        self.assertTrue(plain["settings"]["ids_only"])
        self.assertEqual(plain["settings"]["id_dropout"], 0.0)
        self.assertEqual(plain["settings"]["attributes"], [])
        self.assertAlmostEqual(row["loss_and_training_ids_only (ids-only control - published)"]
                               + row["attributes (control - ids-only control)"],
                               row["loss_and_training (control - published)"], places=5)
        self.assertEqual(plain["paired_vs_main"]["full"]["users"], users)
        cold = self.results["holdout_items"]
        self.assertIn("title_tfidf", cold["baseline_results"])
        tests = cold["paired_tests"]
        for name in ("title_words_vs_attributes_only", "title_words_vs_title_tfidf",
                     "attributes_only_vs_title_tfidf"):
            self.assertIn("p_value", tests[name]["hr@10"]["sign_test"])
            self.assertEqual(tests[name]["users"], cold["baseline_results"]["title_tfidf"]["users"])

    def test_contentTerm_isChosenOnValidation_andReproducesTheColdRunAtWeightZero(self):
        self.assertEqual(set(self.results["content_term"]), {"main", "cold-title-words"})
        main = self.results["content_term"]["main"]
        self.assertTrue(main["w0_reproduces_run_ranks"])
        for tests in main["paired_tests"].values():
            self.assertEqual(set(tests["vs_s3rec_published"]), {"full", "sampled"})
            self.assertIn("ci95", tests["vs_s3rec_published"]["full"]["hr@10"])
        self.assertNotIn("vs_s3rec_published",
                         self.results["content_term"]["cold-title-words"]["paired_tests"]
                         ["chosen_on_all_users_full"])
        blend = self.results["content_term"]["cold-title-words"]
        self.assertTrue(blend["w0_reproduces_run_ranks"])
        self.assertEqual(set(blend["chosen_weight"]), {"all_users_full", "all_users_sampled",
                                                       "holdout_target_users_full"})
        for key, best in blend["chosen_weight"].items():
            name, protocol = key.rsplit("_", 1)
            valid = blend["valid"][name]
            self.assertEqual(set(valid), {str(w) for w in blend["grid"]})
            self.assertEqual(max(m[protocol]["ndcg@10"] for m in valid.values()),
                             valid[str(best)][protocol]["ndcg@10"])
            self.assertIn(str(best), blend["test"][name])
        held = self.results["holdout_items"]["baseline_results"]["title_tfidf"]
        self.assertEqual(blend["title_tfidf_holdout_target_users"], held)
        for tests in blend["paired_tests"].values():
            self.assertEqual(tests["holdout_target_users_vs_title_tfidf"]["users"], held["users"])
        self.assertEqual(blend["paired_tests"]["chosen_on_all_users_sampled"]["vs_model"]["users"],
                         blend["test"]["all_users"]["0.0"]["sampled"]["users"])

    def test_contentTerm_recordsTheRunItWasMeasuredOn_andItsData(self):
        for stage, section in (("main", self.results),
                               ("cold-title-words",
                                self.results["holdout_items"]["runs"]["cold-title-words"])):
            blend = self.results["content_term"][stage]
            with open(os.path.join(self.runs, stage, "metrics.json")) as f:
                run = json.load(f)
            self.assertEqual(blend["trained_at"], run["trained_at"])
            self.assertEqual(blend["trained_at"], section["trained_at"])
            self.assertEqual(blend["data_fingerprint"], self.results["data_fingerprint"])
            self.assertEqual(blend["best_epoch"], run["settings"]["best_epoch"])
            self.assertEqual(blend["settings"]["epochs"], 2)

    def test_aStaleContentTermFile_isMeasuredAgain_forTheRunReused(self):
        run = self._run_copy("main", "main-with-stale-blend")
        # The run the file was measured on.
        _edit_json(os.path.join(run, benchmark.BLEND_FILE),
                   lambda stale: stale.update(trained_at="2026-12-05T00:00:00Z"))
        blend = self._assembled("stale-blend.json", "main", run, "--skip-prior")["content_term"]["main"]
        self.assertEqual(blend["trained_at"], self.results["trained_at"])

    def test_contentBlend_onOtherDataThanTheRuns_isRefused(self):
        run = os.path.join(self.runs, "main")
        message = self._refusal(["content-blend", "--data", self._modified_data(),
                                 "--run-dir", run])
        self.assertIn(run, message)
        self.assertIn(self.results["data_fingerprint"]["interactions.csv"], message)

    def test_contentBlendCommand_refusesAResultsFileThatHoldsAnotherRun(self):
        path = os.path.join(self.work, "blend-other-run.json")
        with open(path, "w") as f:
            json.dump({"trained_at": "2026-12-03T19:44:31Z",
                       "data_fingerprint": self.results["data_fingerprint"]}, f)
        run = os.path.join(self.runs, "main")
        message = self._refusal(["content-blend", "--data", self.data, "--run-dir", run,
                                 "--results", path, "--stage", "main"])
        self.assertIn("2026-12-03T19:44:31Z", message)
        self.assertIn(self.results["trained_at"], message)
        with open(path, "w") as f:
            json.dump({"test": {"full": {"hr@10": 0.08}}}, f)   # no main run recorded
        self.assertIn(path, self._refusal(["content-blend", "--data", self.data, "--run-dir",
                                           run, "--results", path, "--stage", "main"]))
        with open(path) as f:
            self.assertNotIn("content_term", json.load(f))

    def test_aRunNotRecordingItsData_isRefusedWithAMessage_byBothCommands(self):
        run = self._run_copy("sasrec", "sasrec-no-fingerprint")
        _edit_json(os.path.join(run, "metrics.json"), lambda r: r.pop("data_fingerprint"))
        self.assertIn("records no data_fingerprint", self._reuse_refusal("sasrec", run))
        main = self._run_copy("main", "main-no-fingerprint")
        _edit_json(os.path.join(main, "metrics.json"), lambda r: r.pop("data_fingerprint"))
        self.assertIn("records no data_fingerprint",
                      self._refusal(["content-blend", "--data", self.data, "--run-dir", main]))

    def test_aRunFlagWithoutADirectory_isRefusedWithAMessage(self):
        self.assertIn("--run sasrec: expected STAGE=DIR",
                      self._refusal(["benchmark-beauty", "--data", self.data, "--out",
                                     os.path.join(self.work, "no-dir.json"), "--stages", "sasrec",
                                     "--run", "sasrec"]))

    def test_contentBlend_onAMissingRunOrResultsFile_isRefusedWithAMessage(self):
        missing = os.path.join(self.work, "no-such-run")
        self.assertIn(missing, self._refusal(["content-blend", "--data", self.data,
                                              "--run-dir", missing]))
        results = os.path.join(self.work, "no-such-results.json")
        self.assertIn(results, self._refusal(["content-blend", "--data", self.data, "--run-dir",
                                              os.path.join(self.runs, "main"),
                                              "--results", results]))

    def test_contentBlendCommand_refusesAResultsFileForAnotherRun_beforeMeasuring(self):
        run = self._run_copy("main", "main-not-measured")
        os.remove(os.path.join(run, benchmark.BLEND_FILE))
        path = os.path.join(self.work, "blend-for-another-run.json")
        with open(path, "w") as f:
            json.dump({"trained_at": "2026-12-03T19:44:31Z",
                       "data_fingerprint": self.results["data_fingerprint"]}, f)
        self.assertIn("2026-12-03T19:44:31Z", self._refusal(
            ["content-blend", "--data", self.data, "--run-dir", run, "--results", path]))
        self.assertFalse(os.path.exists(os.path.join(run, benchmark.BLEND_FILE)))

    def _merged(self, stage: str, results: dict) -> dict:
        """The results file merge_content_term writes from `results` and the stage's report."""
        path = os.path.join(self.work, f"merge-{stage}.json")
        with open(path, "w") as f:
            json.dump(results, f)
        benchmark.merge_content_term(path, stage, self.results["content_term"][stage])
        with open(path) as f:
            return json.load(f)

    def test_mergingAContentTerm_intoAFileOnOtherData_isRefused(self):
        other = dict(self.results["data_fingerprint"], **{"interactions.csv": "0" * 64})
        with self.assertRaisesRegex(benchmark.RunMismatch, "0" * 64):
            self._merged("main", {"trained_at": self.results["trained_at"],
                                  "data_fingerprint": other})

    def test_mergingAColdStagesContentTerm_checksTheRunByTrainedAt_orOlderFilesBySettings(self):
        report = self.results["content_term"]["cold-title-words"]

        def recording(**run):
            return {"data_fingerprint": self.results["data_fingerprint"],
                    "holdout_items": {"runs": {"cold-title-words": run}}}
        merged = self._merged("cold-title-words", recording(settings=report["settings"]))
        self.assertEqual(merged["content_term"]["cold-title-words"], report)
        with self.assertRaisesRegex(benchmark.RunMismatch, "2026-12-05T00:00:00Z"):
            self._merged("cold-title-words", recording(trained_at="2026-12-05T00:00:00Z",
                                                       settings=report["settings"]))
        with self.assertRaisesRegex(benchmark.RunMismatch, "other settings"):
            self._merged("cold-title-words",
                         recording(settings=dict(report["settings"], epochs=1)))

    def test_contentBlendCommand_putsItsReportIntoAResultsFile_keepingTheRest(self):
        path = os.path.join(self.work, "blend-results.json")
        with open(path, "w") as f:
            json.dump({"test": {"full": {"hr@10": 0.08}}, "trained_at": self.results["trained_at"],
                       "data_fingerprint": self.results["data_fingerprint"],
                       "content_term": {"cold-title-words": {"kept": True}}}, f)
        cli.main(["content-blend", "--data", self.data, "--run-dir",
                  os.path.join(self.runs, "main"), "--results", path, "--stage", "main"])
        with open(path) as f:
            merged = json.load(f)
        self.assertEqual(merged["test"], {"full": {"hr@10": 0.08}})
        self.assertEqual(merged["content_term"]["cold-title-words"], {"kept": True})
        self.assertEqual(merged["content_term"]["main"], self.results["content_term"]["main"])

    def test_popularityPrior_isChosenOnValidation_andReproducesTheRunAtWeightZero(self):
        self.assertEqual(set(self.results["popularity_prior"]), {"main", "sasrec", "s3rec-loss"})
        for stage, prior in self.results["popularity_prior"].items():
            self.assertTrue(prior["w0_reproduces_run"], stage)
            valid = prior["valid"]
            best = prior["chosen_weight"]["sampled"]
            self.assertEqual(max(valid[str(w)]["sampled"]["ndcg@10"] for w in prior["grid"]),
                             valid[str(best)]["sampled"]["ndcg@10"])
            # The test figures at the chosen weight, tested against S3-Rec's published ones.
            against = prior["vs_s3rec_published_at_chosen_weight"]["sampled"]
            self.assertEqual(against["weight"], best)
            chosen = prior["test"]["chosen_on_valid_sampled_ndcg@10"]["sampled"]
            for k in ("hr@10", "ndcg@10"):
                self.assertAlmostEqual(against[k]["mean"], chosen[k], places=5)
                self.assertEqual(against[k]["reference"], benchmark.PUBLISHED_BEAUTY["sampled"]["S3-Rec"][k])
                self.assertLessEqual(against[k]["ci95"][0], against[k]["mean"])

    def test_withoutTheMainRun_keepsThePreviousMainFigures_untilItIsThere(self):
        partial = os.path.join(self.work, "partial.json")
        with open(partial, "w") as f:
            json.dump({"trained_at": "2026-11-22T05:51:52Z", "test": {"full": {"hr@10": 0.08}},
                       "data_fingerprint": self.results["data_fingerprint"],
                       "holdout_items": {"old": True}, "title_words_run": {"kept": True}}, f)
        cli.main(["benchmark-beauty", "--data", self.data, "--out", partial, "--runs-dir",
                  self.runs, "--reuse", "--no-train", "--max-epochs", "2", "--stages", "sasrec,cold-attributes"])
        with open(partial) as f:
            first = json.load(f)
        self.assertIn("main_pending", first)
        self.assertEqual(first["test"], {"full": {"hr@10": 0.08}})
        self.assertNotIn("paired_vs_main", first["sasrec_control"])
        self.assertEqual([h["holdout_items"] for h in first["history"]], [{"old": True}])
        self.assertIn("cold-attributes", first["holdout_items"]["runs"])
        # A section no stage of this invocation writes stays as it was.
        self.assertEqual(first["title_words_run"], {"kept": True})
        cli.main(["benchmark-beauty", "--data", self.data, "--out", partial, "--runs-dir",
                  self.runs, "--reuse", "--no-train", "--max-epochs", "2"])
        with open(partial) as f:
            final = json.load(f)
        self.assertNotIn("main_pending", final)
        self.assertEqual(final["test"], self.results["test"])
        self.assertEqual(final["history"], first["history"])           # not appended twice
        self.assertIn("paired_vs_main", final["sasrec_control"])

    def test_s3recLossRun_isLabelled_comparedWithS3RecsFigures_andScoredOnTheirNegatives(self):
        run = self.results["s3rec_loss_run"]
        self.assertIn("S3-Rec's fine-tuning loss", run["loss"])
        self.assertEqual(run["settings"]["bce_weight"], float(benchmark.BCE_WEIGHT))
        self.assertEqual(run["settings"]["select_on"], "sampled")
        self.assertEqual(run["settings"]["title_words"], 24)
        for protocol in ("full", "sampled"):
            for metric in ("hr@10", "ndcg@10"):
                versus = run["vs_s3rec_published"][protocol][metric]
                # The per-user values behind the interval reproduce the run's own figure.
                self.assertAlmostEqual(versus["mean"], run["test"][protocol][metric], places=5)
                self.assertLessEqual(versus["ci95"][0], versus["mean"])
                self.assertGreaterEqual(versus["ci95"][1], versus["mean"])
                self.assertEqual(versus["reference"],
                                 benchmark.PUBLISHED_BEAUTY[protocol]["S3-Rec"][metric])
            self.assertEqual(run["paired_vs_main"][protocol]["users"], run["test"]["full"]["users"])
        negatives = run["s3rec_negatives"]
        self.assertEqual(negatives["test"]["users"], run["test"]["full"]["users"])
        self.assertEqual(negatives["data_fingerprint"], self.results["data_fingerprint"])
        folder = benchmark.exported_model_folder(os.path.join(self.runs, "s3rec-loss"))
        self.assertEqual(negatives["model_version"], os.path.basename(folder))
        self.assertGreater(negatives["test"]["model"]["hr@10"], 0.0)

    def test_oneStageAlone_updatesItsSection_andKeepsTheRestOfABenchmarkFile(self):
        alone = os.path.join(self.work, "alone.json")
        shutil.copy(self.out, alone)
        cli.main(["benchmark-beauty", "--data", self.data, "--out", alone, "--runs-dir",
                  self.runs, "--reuse", "--no-train", "--max-epochs", "2", "--skip-prior", "--stages", "s3rec-loss"])
        with open(alone) as f:
            results = json.load(f)
        self.assertNotIn("main_pending", results)
        self.assertEqual(results["test"], self.results["test"])
        self.assertEqual(results["history"], self.results["history"])
        for key in ("sasrec_control", "holdout_items", "popularity_prior"):
            self.assertEqual(results[key], self.results[key])
        self.assertEqual(list(results["commands"]), list(benchmark.STAGES))
        self.assertIn("reused", results["commands"]["s3rec-loss"]["note"])
        self.assertEqual(results["s3rec_loss_run"]["vs_s3rec_published"],
                         self.results["s3rec_loss_run"]["vs_s3rec_published"])
        self.assertNotIn("paired_vs_main", results["s3rec_loss_run"])   # no main run given

    def test_thePriorOfOneStageAlone_replacesOnlyThatStagesCheck(self):
        alone = os.path.join(self.work, "prior-alone.json")
        shutil.copy(self.out, alone)
        with open(alone) as f:
            before = json.load(f)
        before["popularity_prior"]["s3rec-loss"] = {"stale": True}
        with open(alone, "w") as f:
            json.dump(before, f)
        cli.main(["benchmark-beauty", "--data", self.data, "--out", alone,
                  "--runs-dir", os.path.join(self.work, "prior-alone-runs"), "--no-train", "--max-epochs", "2",
                  "--stages", "s3rec-loss", "--run", "s3rec-loss=" + os.path.join(self.runs, "s3rec-loss")])
        with open(alone) as f:
            results = json.load(f)
        # The command recorded is the one that made the reused run: its run directory.
        self.assertIn("--run-dir " + os.path.join(self.runs, "s3rec-loss") + " ",
                      results["commands"]["s3rec-loss"]["command"])
        prior = results["popularity_prior"]
        for stage in ("main", "sasrec"):
            self.assertEqual(prior[stage], self.results["popularity_prior"][stage])
        self.assertEqual(prior["s3rec-loss"], self.results["popularity_prior"]["s3rec-loss"])

    def _prior_runs_dir(self, name: str, **main_entry) -> str:
        """A runs directory holding only a copy of the benchmark's prior.json, its main entry
        updated with main_entry."""
        runs_dir = os.path.join(self.work, name)
        os.makedirs(runs_dir)
        with open(os.path.join(self.runs, "prior.json")) as f:
            prior = json.load(f)
        prior["main"].update(main_entry)
        with open(os.path.join(runs_dir, "prior.json"), "w") as f:
            json.dump(prior, f)
        return runs_dir

    def test_aKeptPriorCheck_measuredOnAnotherRun_isMeasuredAgain_onTheRunGiven(self):
        copy = self._retrained_copy("main", "main-trained-later", "2026-12-06T00:00:00Z")
        results = self._assembled("prior-other-run.json", "main", copy,
                                  runs_dir=self._prior_runs_dir("prior-other-run-runs"))
        prior = results["popularity_prior"]["main"]
        self.assertEqual(prior["run"], copy)
        self.assertEqual(prior["trained_at"], results["trained_at"])
        self.assertEqual(prior["data_fingerprint"], results["data_fingerprint"])
        self.assertTrue(prior["w0_reproduces_run"])

    def test_aKeptPriorCheck_measuredOnTheRunGiven_isReused(self):
        results = self._assembled("prior-same-run.json", "main", os.path.join(self.runs, "main"),
                                  runs_dir=self._prior_runs_dir("prior-same-run-runs", kept=True))
        self.assertTrue(results["popularity_prior"]["main"]["kept"])

    def test_keptS3RecNegatives_ofTheRunBeforeARetraining_areScoredAgain(self):
        later = "2026-12-06T00:00:00Z"
        copy = self._retrained_copy("s3rec-loss", "s3rec-loss-retrained", later)
        negatives = self._assembled("s3rec-retrained.json", "s3rec-loss", copy,
                                    "--skip-prior")["s3rec_loss_run"]["s3rec_negatives"]
        self.assertEqual(negatives["trained_at"], later)
        self.assertEqual(negatives["data_fingerprint"], self.results["data_fingerprint"])

    def test_assemblingAgain_reusesTheRuns_andKeepsTheHistory(self):
        again = os.path.join(self.work, "again.json")
        shutil.copy(self.out, again)
        cli.main(["benchmark-beauty", "--data", self.data, "--out", again, "--runs-dir",
                  self.runs, "--reuse", "--no-train", "--max-epochs", "2",
                  "--run", "main=" + os.path.join(self.runs, "main")])
        with open(again) as f:
            results = json.load(f)
        self.assertEqual(results["test"], self.results["test"])
        self.assertEqual(results["history"], self.results["history"])
        self.assertIn("reused", results["commands"]["main"]["note"])


if __name__ == "__main__":
    unittest.main()
