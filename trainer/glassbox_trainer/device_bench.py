"""What one forward pass of a shipped model version costs on a device, by batch shape.

The serving engine merges concurrent Score calls into one batch, and the explain service sends
its counterfactual rows as one batch; whether that pays depends on how a batch's cost grows
with its rows. This times the model of a version folder (its own weights, loaded back from
model.onnx and checked against parity.json) in PyTorch, on CUDA when present, for the shapes the
suite sends: the gateway's ranking call (history of the model's full length x 500 candidates)
at 1 to 64 rows, and the explain service's removal batch (40 rows x 200 candidates).

It measures the model alone, not the served path (the Java model service runs ONNX Runtime);
numbers are medians of timed repeats after a warm-up, in rounds of alternating order,
synchronised with the device.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Dict, List, Optional

import torch

RANKING_ROWS = (1, 8, 32, 64)
RANKING_CANDIDATES = 500
REMOVAL_ROWS = 40
REMOVAL_CANDIDATES = 200


def shapes() -> List[Dict[str, int]]:
    out = [{"rows": r, "candidates": RANKING_CANDIDATES} for r in RANKING_ROWS]
    out.append({"rows": REMOVAL_ROWS, "candidates": REMOVAL_CANDIDATES})
    return out


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: PyTorch sees no CUDA device")
    return torch.device(name)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(model, history, candidates, device: torch.device, repeats: int) -> List[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(history, candidates)
        _sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def measure(model, item_count: int, history_length: int, device: torch.device,
            repeats: int = 50, warmup_seconds: float = 2.0, rounds: int = 3, seed: int = 7,
            only: Optional[List[Dict[str, int]]] = None) -> List[Dict[str, float]]:
    """One row per shape: median ms per forward and per row. Ids are drawn from the vocabulary
    (index 0 is padding), histories full length. Every shape runs until {@code warmup_seconds}
    have passed (a GPU raises its clocks under load), then each is timed {@code repeats} times
    per round, the rounds in alternating order, and the median is taken over all rounds."""
    model = model.to(device).eval()
    generator = torch.Generator().manual_seed(seed)
    chosen = only or shapes()
    inputs = []
    for shape in chosen:
        rows, count = shape["rows"], shape["candidates"]
        inputs.append((torch.randint(1, item_count, (rows, history_length), generator=generator).to(device),
                       torch.randint(1, item_count, (rows, count), generator=generator).to(device)))
    times: List[List[float]] = [[] for _ in chosen]
    with torch.no_grad():
        start = time.perf_counter()
        while True:
            for history, candidates in inputs:
                model(history, candidates)
            _sync(device)
            if time.perf_counter() - start >= warmup_seconds:
                break
        for r in range(rounds):
            order = range(len(chosen)) if r % 2 == 0 else reversed(range(len(chosen)))
            for i in order:
                times[i].extend(_timed(model, *inputs[i], device, repeats))
    out = []
    for shape, shape_times in zip(chosen, times):
        ms = statistics.median(shape_times)
        out.append({"rows": shape["rows"], "candidates": shape["candidates"], "ms": round(ms, 4),
                    "ms_per_row": round(ms / shape["rows"], 4)})
    return out


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)}), PyTorch {torch.__version__}"
    return f"cpu ({torch.get_num_threads()} threads), PyTorch {torch.__version__}"


def report(results: List[Dict[str, float]], device: torch.device) -> str:
    lines = [f"device: {describe(device)}", "rows  candidates  ms/forward  ms/row"]
    for r in results:
        lines.append(f"{r['rows']:>4}  {r['candidates']:>10}  {r['ms']:>10.3f}  {r['ms_per_row']:>6.3f}")
    one = next((r for r in results if r["rows"] == 1), None)
    for r in results:
        if one and r["rows"] > 1 and r["candidates"] == one["candidates"]:
            lines.append(f"{r['rows']} rows cost {r['ms'] / one['ms']:.2f}x one row")
    return "\n".join(lines)


def write_json(path: str, results, device: torch.device, model_folder: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"device": describe(device), "model": model_folder, "results": results}, f, indent=2)
