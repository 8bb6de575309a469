"""A tiny Beauty-like dataset folder (items with titles, brands, category paths, prices; users
walking through items in order) for fast end-to-end tests of the trainer's commands."""

import csv
import os

import numpy as np

KINDS = ("lipstick", "shampoo", "mascara", "serum", "perfume", "lotion")
COLOURS = ("red", "blue", "green", "gold", "pink")


def write_dataset(folder: str, users: int = 80, seed: int = 3) -> None:
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
    with open(os.path.join(folder, "items.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(items[0]))
        writer.writeheader()
        writer.writerows(items)
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
                writer.writerow([f"U{u}", f"I{kind}{(start + pos) % 20}",
                                 1_400_000_000 + 86_400 * (u + pos), pos])
