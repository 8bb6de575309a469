"""Whether a model folder's parity.json holds a customer's purchases. The criterion: a history
row of it that shares a run of RUN consecutive items with a customer's sequence (or, with fewer
than RUN items, equals one). Three consecutive items are far rarer by chance than one or two
popular ones, and a customer's sequence, or any stretch of it, always has such a run."""

import json
import os

RUN = 3


def shared_runs(folder, sequences):
    """The runs of RUN items (as tuples of item indices) that the history rows of the folder's
    parity.json share with `sequences` (each a customer's item indices, oldest first), and the
    short rows that equal one."""
    runs = {tuple(s[i:i + RUN].tolist()) for s in sequences for i in range(len(s) - RUN + 1)}
    whole = {tuple(s.tolist()) for s in sequences}
    with open(os.path.join(folder, "parity.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    shared = []
    for case in cases:
        for row in case["history"]:
            items = tuple(i for i in row if i)
            if len(items) < RUN and items and items in whole:
                shared.append(items)
            shared.extend(items[i:i + RUN] for i in range(len(items) - RUN + 1)
                          if items[i:i + RUN] in runs)
    return shared
