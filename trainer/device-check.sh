#!/bin/bash
# The device check behind trainer/results/device-bench/ (run on a lent GPU machine, writes to $OUT):
# what the shipped model's forward pass costs per batch shape, PyTorch on CUDA and CPU, and
# ONNX Runtime (Python) on the same graph.
set -o pipefail
cd "$(dirname "$0")/.."   # the repository root
nvidia-smi -L
python3 -c "import torch, onnxruntime as o; print('torch', torch.__version__, 'cuda', torch.version.cuda); print('onnxruntime', o.__version__, o.get_available_providers())"
command -v java || echo "no java"
M=models/uci-online-retail/20261122-050136
cd trainer
for d in cuda cpu; do
  PYTHONUNBUFFERED=1 timeout 240 python3 -m glassbox_trainer device-bench --model ../$M \
    --data ../data/uci-online-retail --name uci-online-retail --device $d --warmup-seconds 3 \
    --repeats $([ $d = cuda ] && echo 200 || echo 20) --out $OUT/$d.json
done
# ONNX Runtime (Python) on the same graph, GPU if its build has the CUDA provider.
PYTHONUNBUFFERED=1 timeout 120 python3 - ../$M/model.onnx <<'PY'
import sys, time, statistics, numpy as np, onnxruntime as ort
providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
for provider in providers:
    s = ort.InferenceSession(sys.argv[1], providers=[provider])
    for rows, cands in ((1, 500), (8, 500), (32, 500), (64, 500), (40, 200)):
        rng = np.random.default_rng(7)
        feed = {"history": rng.integers(1, 3000, (rows, 50)).astype(np.int64),
                "candidates": rng.integers(1, 3000, (rows, cands)).astype(np.int64)}
        for _ in range(10): s.run(["scores"], feed)
        t = []
        for _ in range(50):
            a = time.perf_counter(); s.run(["scores"], feed); t.append((time.perf_counter() - a) * 1e3)
        print(f"onnxruntime {provider} rows {rows} x {cands}: {statistics.median(t):.3f} ms")
PY
