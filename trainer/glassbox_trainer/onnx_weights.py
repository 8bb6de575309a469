"""Loading a shipped model version's weights back into PyTorch from its model.onnx.

The run directory with `model.pt` is not part of the project, but `model.onnx` holds every
weight: parameters keep their PyTorch names, except the bias-free/linear weights that the
exporter folded into `MatMul` initializers (stored transposed, named `onnx::MatMul_<n>`).
Those are assigned in graph order; the three candidate-side projections (query, key, value)
are matched by trying their orders against the folder's parity.json (PyTorch outputs
recorded at export), so a wrong assignment cannot go unnoticed.
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
    state = model.state_dict()
    named = {k: torch.from_numpy(np.array(arrays[k])) for k in state if k in arrays}
    folded = [arrays[n].T for n in (i.name for i in graph.initializer) if n.startswith("onnx::MatMul")]
    encoder = [f"blocks.{b}.{name}.weight" for b in range(settings.layers) for name in _ENCODER_LINEARS]
    if len(folded) != len(encoder) + 3:
        raise ValueError(f"{folder}: expected {len(encoder) + 3} folded weights, found {len(folded)}")
    for key, value in zip(encoder, folded):
        named[key] = torch.from_numpy(np.ascontiguousarray(value))
    best = None
    for order in itertools.permutations(("key", "value", "query")):
        for key, value in zip(order, folded[len(encoder):]):
            named[key + ".weight"] = torch.from_numpy(np.ascontiguousarray(value))
        model.load_state_dict(named, strict=True)
        error = parity_error(model, folder)
        if error <= tolerance:
            return model, metadata
        best = error if best is None else min(best, error)
    raise ValueError(f"{folder}: weights do not reproduce parity.json (best error {best})")
