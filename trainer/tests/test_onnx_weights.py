"""The shipped model version loads back into PyTorch from its model.onnx (checked on parity.json)."""

import glob
import json
import os
import shutil
import tempfile
import unittest

import onnx
import torch

from glassbox_trainer import data as data_mod
from glassbox_trainer.onnx_weights import load_model_folder, parity_error
from glassbox_trainer.train import Settings, build_model
from tests.customer_runs import shared_runs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class OnnxWeightsTest(unittest.TestCase):
    def test_shippedModel_reproducesItsParityOutputs(self):
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"),
                                        name="uci-online-retail")
        model, metadata = load_model_folder(folder, dataset)
        self.assertLess(parity_error(model, folder), 1e-4)
        self.assertEqual(metadata["max_history_length"], model.max_len)
        self.assertTrue(model.item_tables_frozen, "the shipped graph reads item tables")
        # A wrong weight is noticed: perturb one projection, or the item tables, and the
        # parity check fails.
        with torch.no_grad():
            model.key.weight.mul_(1.5)
        self.assertGreater(parity_error(model, folder), 1e-3)
        with torch.no_grad():
            model.key.weight.div_(1.5)
            model.item_table_query.mul_(1.5)
        self.assertGreater(parity_error(model, folder), 1e-3)

    def test_export_readsItemTables_andLoadsBackWithTheSameOutputs(self):
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"),
                                        name="uci-online-retail")
        model, _ = load_model_folder(folder, dataset)
        graph = onnx.load(os.path.join(folder, "model.onnx")).graph
        names = {i.name for i in graph.initializer}
        self.assertTrue({"item_table_representation", "item_table_query", "item_table_bias"} <= names)
        self.assertNotIn("item_embedding.weight", names, "the tables replace the item side")
        self.assertNotIn("Einsum", {n.op_type for n in graph.node})
        # The evaluation path (score_all) reads the same tables as the exported one (forward).
        history = torch.tensor([[0, 0, 5, 17, 42]], dtype=torch.long)
        items = torch.tensor([1, 2, 300, 1000], dtype=torch.long)
        with torch.no_grad():
            forward = model(history, items.unsqueeze(0))[0][0]
            all_items = model.score_all(history, items)[0]
        self.assertLess(float((forward - all_items).abs().max()), 1e-5)


    def test_freezingItemTables_keepsTheOutputs(self):
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"),
                                        name="uci-online-retail")
        model = build_model(dataset, Settings(title_words=8))
        model.eval()
        history = torch.tensor([[0, 0, 5, 17, 42], [7, 8, 9, 10, 11]], dtype=torch.long)
        candidates = torch.tensor([[1, 2, 300], [4, 5, 1000]], dtype=torch.long)
        with torch.no_grad():
            before = model(history, candidates)
            model.freeze_item_tables()
            after = model(history, candidates)
        for computed, looked_up in zip(before, after):
            self.assertLess(float((computed - looked_up).abs().max()), 1e-5)

    def test_reexportCommand_rewritesTheGraphFromItsWeights_andParityStillHolds(self):
        from glassbox_trainer.__main__ import main
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        with tempfile.TemporaryDirectory() as tmp:
            copy = shutil.copytree(folder, os.path.join(tmp, os.path.basename(folder)))
            main(["reexport", "--model", copy, "--data",
                  os.path.join(ROOT, "data", "uci-online-retail"), "--name", "uci-online-retail"])
            with open(os.path.join(copy, "model.onnx"), "rb") as a, \
                    open(os.path.join(folder, "model.onnx"), "rb") as b:
                self.assertEqual(a.read(), b.read(), "the export is deterministic")

    def test_shippedParity_holdsNoCustomersSequence(self):
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"),
                                        name="uci-online-retail")
        self.assertEqual(shared_runs(folder, dataset.sequences), [],
                         "the shipped parity.json shares these runs with customers' purchases")

    def test_rewriteParityCommand_replacesCustomersHistoriesFromTheWeights_andKeepsModelOnnx(self):
        from glassbox_trainer.__main__ import main
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        data = os.path.join(ROOT, "data", "uci-online-retail")
        dataset = data_mod.load_dataset(data, name="uci-online-retail")
        model, _ = load_model_folder(folder, dataset)
        command = ["rewrite-parity", "--data", data, "--name", "uci-online-retail", "--model"]
        with tempfile.TemporaryDirectory() as tmp:
            copy = shutil.copytree(folder, os.path.join(tmp, os.path.basename(folder)))
            # A folder as exports before the fix wrote it: the model's outputs on a customer's
            # last 50 purchases.
            customer = next(s for s in dataset.sequences if len(s) >= model.max_len)
            history = torch.tensor([customer[-model.max_len:].tolist()])
            candidates = torch.tensor([[1, 2, 300, 1000]])
            with torch.no_grad():
                outputs = [o.tolist() for o in model(history, candidates)]
            recorded = {"cases": [dict(zip(("history", "candidates", "scores", "attention", "contribution"),
                                           [history.tolist(), candidates.tolist()] + outputs))]}
            self.assertNotEqual(shared_runs_of(copy, recorded, dataset), [])
            # Weights that do not reproduce the folder's parity.json are refused, the file kept.
            recorded["cases"][0]["scores"][0][0] += 0.01
            self.assertNotEqual(shared_runs_of(copy, recorded, dataset), [])
            with self.assertRaises(ValueError):
                main(command + [copy])
            with open(os.path.join(copy, "parity.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f), recorded)

            recorded["cases"][0]["scores"][0][0] -= 0.01
            self.assertNotEqual(shared_runs_of(copy, recorded, dataset), [])
            main(command + [copy])
            with open(os.path.join(copy, "model.onnx"), "rb") as a, \
                    open(os.path.join(folder, "model.onnx"), "rb") as b:
                self.assertEqual(a.read(), b.read(), "model.onnx is left as it is")
            self.assertEqual(shared_runs(copy, dataset.sequences), [])
            self.assertLess(parity_error(model, copy), 1e-6)


def shared_runs_of(folder, parity, dataset):
    """Writes `parity` as the folder's parity.json; the runs it shares with customers."""
    with open(os.path.join(folder, "parity.json"), "w", encoding="utf-8") as f:
        json.dump(parity, f)
    return shared_runs(folder, dataset.sequences)


if __name__ == "__main__":
    unittest.main()
