"""S3-Rec's own 99 sampled negatives for Amazon Beauty, and a model evaluated against them.

S3-Rec (Zhou et al., CIKM 2020) ranks each test item against 99 negatives drawn by its
`data/generate_test.py`: `np.random.seed(12345)`, then for every user of `Beauty.txt` in file
order `np.random.choice(all_item, 99, replace=False)` over the items in order of first
appearance, dropping items of the user's sequence and repeats and drawing again until 99 are
left (see `generate` for one quirk kept on purpose). The legacy `np.random` stream is frozen across numpy versions, so `generate` below draws
the very same negatives from the same `Beauty.txt` (the dataset's `raw/s3rec_Beauty.txt`);
`s3rec_item_idx` / `s3rec_user_idx` in items.csv / users.csv map them to our ids. With them the
sampled protocol has no draw of our own left in it, and published sampled figures compare
directly.

    /usr/bin/python3 -m glassbox_trainer.s3rec_sample --data ../../shared/data/amazon-beauty \
        --model runs/beauty/models/amazon-beauty/<version> --out runs/beauty/s3rec_sampled.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from typing import Dict, Iterable, List

import numpy as np
import torch

from . import data as data_mod
from .evaluate import evaluate_scores, model_scorer, popularity_scorer, popularity_scores

SEED = 12345
COUNT = 99
# S3-Rec's Beauty.txt inside the amazon-beauty dataset folder.
BEAUTY_TXT = os.path.join("raw", "s3rec_Beauty.txt")


def generate(lines: Iterable[str], count: int = COUNT, seed: int = SEED) -> Dict[str, List[int]]:
    """S3-Rec's `sample_test_data(..., sample_type='random')`, statement for statement."""
    np.random.seed(seed)
    item_count: Dict[int, int] = defaultdict(int)
    user_items: Dict[str, List[int]] = {}
    for line in lines:
        user, items = line.strip().split(" ", 1)
        items = [int(item) for item in items.split(" ")]
        user_items[user] = items
        for item in items:
            item_count[item] += 1
    all_item = list(item_count.keys())
    negatives: Dict[str, List[int]] = {}
    for user, user_seq in user_items.items():
        samples: List[int] = []
        seen = set(user_seq)
        while len(samples) < count:
            drawn = np.random.choice(all_item, count, replace=False)
            # The original also tests `item not in test_samples`, but test_samples holds strings
            # and item is a number, so that test never excludes anything: an item drawn again in
            # a second draw for the same user stays in twice. Kept, to get the same negatives.
            samples.extend(int(item) for item in drawn if item not in seen)
        negatives[user] = samples[:count]
    return negatives


def _column(folder: str, stem: str, key: str, value: str) -> Dict[str, str]:
    path, handle = data_mod._open_csv(folder, stem)
    with handle:
        return {row[value]: row[key] for row in data_mod.dict_reader(handle, path)[0]}


def negatives_by_user(dataset: data_mod.Dataset, folder: str) -> Dict[int, np.ndarray]:
    """S3-Rec's negatives for every user of `folder`'s raw/s3rec_Beauty.txt, in our indices."""
    with open(os.path.join(folder, BEAUTY_TXT), encoding="utf-8") as f:
        negatives = generate(f)
    user_of = _column(folder, "users", "user_id", "s3rec_user_idx")
    item_of = _column(folder, "items", "item_id", "s3rec_item_idx")
    index_of_item = {item: i + 1 for i, item in enumerate(dataset.item_ids)}
    index_of_user = {user: i for i, user in enumerate(dataset.user_ids)}
    return {index_of_user[user_of[s3rec_user]]:
            np.array([index_of_item[item_of[str(i)]] for i in items], dtype=np.int64)
            for s3rec_user, items in negatives.items()}


def attach(cases, by_user: Dict[int, np.ndarray]) -> int:
    """Sets each case's negatives to S3-Rec's for its user; returns how many cases got them."""
    attached = 0
    for case in cases:
        if case.user in by_user:
            case.negatives = by_user[case.user]
            attached += 1
    return attached


def evaluate(data: str, model_folder: str) -> Dict:
    """The model in `model_folder` and training popularity, on validation and test, each case
    ranked against S3-Rec's negatives for its user."""
    from .onnx_weights import load_model_folder  # needs onnx; the generator above does not
    dataset = data_mod.load_dataset(data)
    split = data_mod.leave_last_basket_out(dataset)
    model, metadata = load_model_folder(model_folder, dataset)
    model.eval()
    report = {"negatives": "S3-Rec data/generate_test.py, random, seed 12345, over raw/s3rec_Beauty.txt",
              "model_version": metadata["version"], "trained_at": metadata.get("trained_at"),
              "data_fingerprint": dataset.fingerprint}
    by_user = negatives_by_user(dataset, data)   # one draw (about a minute) for both splits
    popularity = popularity_scorer(popularity_scores(split.train, dataset.num_items))
    for name, cases in (("valid", split.valid), ("test", split.test)):
        attached = attach(cases, by_user)
        if attached != len(cases):
            raise SystemExit(f"{len(cases) - attached} {name} cases have no S3-Rec negatives")
        model_result = evaluate_scores(cases, model_scorer(model, metadata["max_history_length"]), sampled=True)
        popularity_result = evaluate_scores(cases, popularity, sampled=True)
        report[name] = {"model": model_result["sampled"], "popularity": popularity_result["sampled"],
                        "users": len(cases)}
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m glassbox_trainer.s3rec_sample",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the amazon-beauty folder (with raw/s3rec_Beauty.txt)")
    parser.add_argument("--model", required=True, help="a model version folder (model.onnx, metadata.json)")
    parser.add_argument("--out", help="write the metrics JSON here as well")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    report = evaluate(args.data, args.model)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
