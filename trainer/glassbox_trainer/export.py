"""Writing a model version folder: model.onnx, vocabulary.tsv, metadata.json, parity.json."""

from __future__ import annotations

import json
import os
import warnings
from typing import Dict

import numpy as np
import onnx
import torch

from .data import Dataset

OPSET = 17
INPUTS = ["history", "candidates"]
OUTPUTS = ["scores", "attention", "contribution"]
SHORT_HISTORY = 7      # items in the parity file's left-padded row


def export_onnx(model, path: str, opset: int = OPSET) -> None:
    model.eval()
    model.id_keep = None
    # The graph reads each item's representation, query and bias from tables (same outputs,
    # about a fifth less ONNX Runtime time per row than recomputing them per candidate).
    model.freeze_item_tables()
    # Example ids within any catalogue (a shop of fewer than 8 items too); 0 is padding.
    def ids(rows):
        return torch.tensor([[(i - 1) % model.num_items + 1 if i else 0 for i in row] for row in rows],
                            dtype=torch.long)
    history = ids([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8]])
    candidates = ids([[1, 2, 3], [4, 5, 6]])
    with warnings.catch_warnings():
        # The tracer warns about Python ints taken from shapes; shapes stay dynamic (the
        # parity check runs other B, C, L than the example input).
        warnings.simplefilter("ignore")
        _export(model, history, candidates, path, opset)
    onnx.checker.check_model(onnx.load(path))


def _export(model, history, candidates, path, opset):
    torch.onnx.export(
        model, (history, candidates), path, opset_version=opset,
        input_names=INPUTS, output_names=OUTPUTS,
        dynamic_axes={"history": {0: "B", 1: "L"}, "candidates": {0: "B", 1: "C"},
                      "scores": {0: "B", 1: "C"}, "attention": {0: "B", 1: "C", 2: "L"},
                      "contribution": {0: "B", 1: "C", 2: "L"}},
        do_constant_folding=True)


def parity_cases(model, num_items: int, seed: int = 7) -> Dict:
    """Fixed inputs with their PyTorch outputs: a left-padded row, a full-length row, an
    empty-history row (B=3, C=6, L=max_len), and a second shape (B=2, C=5, L=12).

    The histories are random item indices (seeded), never a customer's: the file ships with
    the model, and erasing a customer does not reach it."""
    rng = np.random.default_rng(seed)
    short_history = rng.integers(1, num_items + 1, size=SHORT_HISTORY)
    long_history = rng.integers(1, num_items + 1, size=model.max_len)

    def pad(rows, length):
        out = np.zeros((len(rows), length), dtype=np.int64)
        for i, r in enumerate(rows):
            r = np.asarray(r[-length:], dtype=np.int64)
            if len(r):
                out[i, length - len(r):] = r
        return out

    shapes = [
        (pad([short_history, long_history, []], model.max_len), 6),
        (pad([long_history[-12:], short_history], 12), 5),
    ]
    cases = []
    for history, c in shapes:
        candidates = rng.integers(1, num_items + 1, size=(history.shape[0], c))
        h, cand = torch.from_numpy(history), torch.from_numpy(candidates.astype(np.int64))
        with torch.no_grad():
            first = model(h, cand)
            second = model(h, cand)
        for a, b in zip(first, second):
            if not torch.equal(a, b):
                raise AssertionError("model outputs are not deterministic in eval mode")
        scores, attention, contribution = first
        cases.append({"history": history.tolist(), "candidates": candidates.tolist(),
                      "scores": scores.tolist(), "attention": attention.tolist(),
                      "contribution": contribution.tolist()})
    return {"cases": cases}


def write_model_folder(model, dataset: Dataset, folder: str, metadata: Dict) -> None:
    os.makedirs(folder, exist_ok=True)
    export_onnx(model, os.path.join(folder, "model.onnx"))
    with open(os.path.join(folder, "vocabulary.tsv"), "w", encoding="utf-8") as out:
        for index, item in enumerate(dataset.item_ids, start=1):
            out.write(f"{index}\t{item}\n")
    with open(os.path.join(folder, "metadata.json"), "w", encoding="utf-8") as out:
        json.dump(metadata, out, indent=2, sort_keys=False)
        out.write("\n")
    write_parity(model, dataset.num_items, folder)


def write_parity(model, num_items: int, folder: str) -> None:
    with open(os.path.join(folder, "parity.json"), "w", encoding="utf-8") as out:
        json.dump(parity_cases(model, num_items), out)
        out.write("\n")
