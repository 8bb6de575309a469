"""device-bench times the shipped model's own forward pass per batch shape."""

import glob
import json
import os
import tempfile
import unittest

from glassbox_trainer import device_bench

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class DeviceBenchTest(unittest.TestCase):
    def test_command_timesEveryShape_onCpuWhenThereIsNoGpu(self):
        from glassbox_trainer.__main__ import main
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "bench.json")
            main(["device-bench", "--model", folder, "--data", os.path.join(ROOT, "data", "uci-online-retail"),
                  "--name", "uci-online-retail", "--device", "cpu", "--repeats", "2", "--warmup-seconds", "0", "--out", out])
            with open(out, encoding="utf-8") as f:
                written = json.load(f)
        self.assertTrue(written["device"].startswith("cpu"), written["device"])
        measured = [(r["rows"], r["candidates"]) for r in written["results"]]
        self.assertEqual([(s["rows"], s["candidates"]) for s in device_bench.shapes()], measured)
        for r in written["results"]:
            self.assertGreater(r["ms"], 0)
            self.assertAlmostEqual(r["ms"] / r["rows"], r["ms_per_row"], places=3)

    def test_report_comparesEachBatchWithOneRowOfTheSameShape(self):
        import torch
        text = device_bench.report([{"rows": 1, "candidates": 500, "ms": 2.0, "ms_per_row": 2.0},
                                    {"rows": 8, "candidates": 500, "ms": 3.0, "ms_per_row": 0.375},
                                    {"rows": 40, "candidates": 200, "ms": 9.0, "ms_per_row": 0.225}],
                                   torch.device("cpu"))
        self.assertIn("8 rows cost 1.50x one row", text)
        self.assertNotIn("40 rows cost", text, "another candidate count is not compared")


if __name__ == "__main__":
    unittest.main()
