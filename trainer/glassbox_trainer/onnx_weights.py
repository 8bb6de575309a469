"""Loading a shipped model version's weights back into PyTorch from its model.onnx.

The run directory with `model.pt` is not part of the project, but `model.onnx` holds every
weight: parameters keep their PyTorch names, except the bias-free/linear weights that the
exporter folded into `MatMul` initializers (stored transposed, named `onnx::MatMul_<n>`).
Those are assigned in graph order; the three candidate-side projections (query, key, value)
are matched by trying their orders against the folder's parity.json (PyTorch outputs
recorded at export), so a wrong assignment cannot go unnoticed.

Graphs exported since 2026-12-04 read each item's representation, query projection and bias
from tables (`item_table_*`, see `GlassboxRecommender.freeze_item_tables`): those load as the
model's tables, and the item-side weights they were computed from are not in the file (the
model then scores, but cannot be trained further).
"""

from __future__ import annotations

import itertools
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .data import Dataset
from .train import Settings, build_model

_ENCODER_LINEARS = ("attn.qkv", "attn.out", "ffn.0", "ffn.3")


def settings_of(metadata: dict) -> Settings:
    known = {k: v for k, v in metadata["settings"].items()
             if k in Settings.__dataclass_fields__ and k != "extra"}
    return Settings(**known)


def parity_error(model, folder: str) -> float:
    """Largest |PyTorch − recorded| over the parity cases' scores and contributions."""
    with open(os.path.join(folder, "parity.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    worst = 0.0
    with torch.no_grad():
        for case in cases:
            scores, _, contribution = model(torch.tensor(case["history"]),
                                            torch.tensor(case["candidates"]))
            worst = max(worst,
                        float(np.abs(scores.numpy() - np.array(case["scores"])).max()),
                        float(np.abs(contribution.numpy() - np.array(case["contribution"])).max()))
    return worst


def load_model_folder(folder: str, dataset: Dataset, tolerance: float = 1e-4):
    """The model of a version folder as a PyTorch module in eval mode."""
    with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    settings = settings_of(metadata)
    model = build_model(dataset, settings)
    model.eval()
    graph = onnx.load(os.path.join(folder, "model.onnx")).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # A graph exported with item tables holds them instead of the item-side weights (and the
    # query projection, folded into its table).
    tabled = "item_table_representation" in arrays
    if tabled:
        model.set_item_tables({name: torch.from_numpy(np.array(arrays["item_table_" + name]))
                               for name in ("representation", "query", "bias")})
    state = model.state_dict()
    named = {k: torch.from_numpy(np.array(arrays[k])) for k in state if k in arrays}
    folded = [arrays[n].T for n in (i.name for i in graph.initializer) if n.startswith("onnx::MatMul")]
    encoder = [f"blocks.{b}.{name}.weight" for b in range(settings.layers) for name in _ENCODER_LINEARS]
    projections = ("key", "value") if tabled else ("key", "value", "query")
    if len(folded) != len(encoder) + len(projections):
        raise ValueError(f"{folder}: expected {len(encoder) + len(projections)} folded weights, "
                         f"found {len(folded)}")
    for key, value in zip(encoder, folded):
        named[key] = torch.from_numpy(np.ascontiguousarray(value))
    best = None
    for order in itertools.permutations(projections):
        for key, value in zip(order, folded[len(encoder):]):
            named[key + ".weight"] = torch.from_numpy(np.ascontiguousarray(value))
        loaded = model.load_state_dict(named, strict=not tabled)
        if tabled:
            _check_only_item_side_missing(folder, loaded.missing_keys, loaded.unexpected_keys)
        error = parity_error(model, folder)
        if error <= tolerance:
            return model, metadata
        best = error if best is None else min(best, error)
    raise ValueError(f"{folder}: weights do not reproduce parity.json (best error {best})")


# What a graph with item tables does not hold: the item side the tables replace (and the
# attribute and title lookups, which build_model takes from the dataset).
_ITEM_SIDE = ("item_embedding.", "item_bias.", "attribute_embeddings.", "attribute_biases.",
              "title_embedding.", "title_bias.", "query.", "attr_", "title_tokens")


def _check_only_item_side_missing(folder: str, missing, unexpected) -> None:
    other = [k for k in missing if not k.startswith(_ITEM_SIDE)]
    if other or unexpected:
        raise ValueError(f"{folder}: model.onnx lacks {other} / holds unexpected {list(unexpected)}")
