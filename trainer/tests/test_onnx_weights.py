"""The shipped model version loads back into PyTorch from its model.onnx (checked on parity.json)."""

import glob
import os
import unittest

import torch

from glassbox_trainer import data as data_mod
from glassbox_trainer.onnx_weights import load_model_folder, parity_error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class OnnxWeightsTest(unittest.TestCase):
    def test_shippedModel_reproducesItsParityOutputs(self):
        folder = sorted(glob.glob(os.path.join(ROOT, "models", "uci-online-retail", "*")))[-1]
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"),
                                        name="uci-online-retail")
        model, metadata = load_model_folder(folder, dataset)
        self.assertLess(parity_error(model, folder), 1e-4)
        self.assertEqual(metadata["max_history_length"], model.max_len)
        # A wrong weight is noticed: perturb one projection and the parity check fails.
        with torch.no_grad():
            model.query.weight.mul_(1.5)
        self.assertGreater(parity_error(model, folder), 1e-3)


if __name__ == "__main__":
    unittest.main()
