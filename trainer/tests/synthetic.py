"""A tiny Beauty-like dataset folder (items with titles, brands, category paths, prices; users
walking through items in order) for fast end-to-end tests of the trainer's commands."""

import csv
import os

import numpy as np

KINDS = ("lipstick", "shampoo", "mascara", "serum", "perfume", "lotion")
COLOURS = ("red", "blue", "green", "gold", "pink")


def write_dataset(folder: str, users: int = 80, seed: int = 3, s3rec: bool = False) -> None:
    """s3rec: also S3-Rec's layout of the data (raw/s3rec_Beauty.txt, users.csv and the items'
    s3rec_item_idx), as the real Amazon Beauty folder has it."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    items = []
    for k, kind in enumerate(KINDS):
        for j in range(20):
            items.append({"item_id": f"I{k}{j}",   # 120 items: > 99 sampled negatives
                          "title": f"Brand{j % 3} {kind} {COLOURS[j % 5]} {j} ml",
                          "brand": f"Brand{j % 3}",
                          "category": f"Beauty > {'Makeup' if k % 2 == 0 else 'Hair Care'} > {kind}",
                          "price": f"{5 + 3 * j:.2f}"})
    sequences = {}
    with open(os.path.join(folder, "interactions.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["user_id", "item_id", "timestamp", "seq_pos"])
        for u in range(users):
            kind, start = int(rng.integers(len(KINDS))), int(rng.integers(20))
            length = int(rng.integers(5, 10))
            for pos in range(length):
                # Mostly the next item of the same kind, sometimes a jump to another kind.
                if pos and rng.random() < 0.2:
                    kind = int(rng.integers(len(KINDS)))
                item = f"I{kind}{(start + pos) % 20}"
                sequences.setdefault(f"U{u}", []).append(item)
                writer.writerow([f"U{u}", item, 1_400_000_000 + 86_400 * (u + pos), pos])
    if s3rec:
        # S3-Rec numbers items by first appearance and users from 1, in file order.
        index = {}
        for seq in sequences.values():
            for item in seq:
                index.setdefault(item, len(index) + 1)
        for item in items:
            item["s3rec_item_idx"] = index.get(item["item_id"], "")
        os.makedirs(os.path.join(folder, "raw"), exist_ok=True)
        with open(os.path.join(folder, "raw", "s3rec_Beauty.txt"), "w", encoding="utf-8") as f:
            for n, seq in enumerate(sequences.values(), start=1):
                f.write(f"{n} " + " ".join(str(index[i]) for i in seq) + "\n")
        with open(os.path.join(folder, "users.csv"), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["user_id", "s3rec_user_idx"])
            writer.writerows([user, n] for n, user in enumerate(sequences, start=1))
    with open(os.path.join(folder, "items.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(items[0]))
        writer.writeheader()
        writer.writerows(items)
