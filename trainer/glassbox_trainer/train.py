"""Training loop with validation-based model selection."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, asdict, field
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .data import Dataset, Split, next_basket_targets, title_word_table, training_windows
from .evaluate import evaluate_scores, left_pad, model_scorer
from .model import NEG, GlassboxRecommender, SASRecControl


@dataclass
class Settings:
    seed: int = 42
    max_len: int = 50
    dim: int = 64
    layers: int = 2
    heads: int = 2
    dropout: float = 0.2
    logit_cap: float = 5.0
    max_recency: float = 1.5
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_tokens: int = 2048          # windows per batch x window length, upper bound
    max_batch: int = 128
    max_windows_per_user: int = 20
    id_dropout: float = 0.0           # probability an item's id embedding is dropped per batch
    exclude_seen: bool = True         # train to predict items not yet in the window
    negatives: int = 0                # 0: full softmax; K: K uniform negatives per batch
    bce_weight: float = 0.0           # > 0: plus this times S3-Rec's fine-tuning loss (binary
                                      # cross-entropy, the target vs one uniform negative)
    select_on: str = "full"           # validation NDCG@10 that picks the epoch: full | sampled
    next_basket: bool = True          # targets: an item of the next basket (else next event)
    epochs: int = 20                  # upper bound; the best epoch is chosen on validation
    patience: int = 3
    valid_users: int = 3000           # validation subset used to pick the epoch
    time_budget_s: float = 0.0        # > 0: stop starting new epochs after this (not reproducible)
    threads: int = 1                  # 2 threads ran ~10x slower on the shared, loaded 2-core box
    arch: str = "glassbox"            # glassbox | sasrec (plain SASRec scoring, a control)
    title_words: int = 0              # > 0: title words (<= this many per item) as an attribute
    ids_only: bool = False            # item = id embedding only (no brand/category/price)
    extra: Dict[str, object] = field(default_factory=dict)


ARCHITECTURES = {"glassbox": GlassboxRecommender, "sasrec": SASRecControl}
ARCH_LABELS = {
    "glassbox": "Glassbox: causal transformer encoder + DIN-style target attention; "
                "score = bias + sum of per-history-item contributions",
    "sasrec": "SASRec control: the same causal transformer encoder; score = dot product of the "
              "last position's encoding with the candidate's item representation (no target "
              "attention, no bias, no contributions)",
}


def loss_label(s: Settings, holdout: bool = False) -> str:
    """What the training loss was, for metadata and results files."""
    masked = "; items already in the window are masked" if s.exclude_seen else ""
    target = "a random item of the next basket" if s.next_basket else "the next event"
    if s.negatives > 0:
        pool = "the items seen in training" if holdout else "all items"
        label = (f"sampled softmax cross-entropy (no logQ correction): each position's target "
                 f"({target}) against {s.negatives} negatives drawn uniformly with replacement "
                 f"from {pool}, shared by the batch, a negative equal to the target masked"
                 f"{masked}")
    else:
        label = f"full softmax cross-entropy over all items, target {target}{masked}"
    if s.bce_weight > 0:
        label += (f"; plus {s.bce_weight:g} x binary cross-entropy of the target against one "
                  f"negative per position drawn uniformly from the items not in the window "
                  f"(S3-Rec's fine-tuning loss)")
    return label


def build_model(dataset: Dataset, s: Settings) -> GlassboxRecommender:
    if s.arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {s.arch!r} (one of {sorted(ARCHITECTURES)})")
    torch.manual_seed(s.seed)
    attributes, sizes = {}, {}
    if not s.ids_only:
        attributes = {k: torch.from_numpy(v) for k, v in dataset.attributes.items()}
        sizes = dataset.attribute_sizes
    title_tokens, title_vocabulary = None, 0
    if s.title_words > 0:
        table, words = title_word_table(dataset.titles, s.title_words)
        title_tokens, title_vocabulary = torch.from_numpy(table), len(words)
    return ARCHITECTURES[s.arch](
        dataset.num_items, attributes, sizes, dim=s.dim, layers=s.layers, heads=s.heads,
        max_len=s.max_len, dropout=s.dropout, logit_cap=s.logit_cap,
        max_recency=s.max_recency, title_tokens=title_tokens, title_vocabulary=title_vocabulary)


def _batches(windows, s: Settings, rng: np.random.Generator):
    """Groups windows of similar length (little padding) under a token budget."""
    lengths = np.array([len(w[0]) for w in windows])
    order = np.lexsort((rng.random(len(windows)), lengths))
    batches, current, current_max = [], [], 0
    for i in order:
        length = int(lengths[i])
        if current and (max(current_max, length) * (len(current) + 1) > s.batch_tokens
                        or len(current) >= s.max_batch):
            batches.append(current)
            current, current_max = [], 0
        current.append(int(i))
        current_max = max(current_max, length)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def batch_loss(model: GlassboxRecommender, inputs: torch.Tensor, targets: torch.Tensor,
               exclude_seen: bool) -> torch.Tensor:
    items = torch.arange(model.num_items + 1)
    scores = model.prefix_scores(inputs, items)                                # [B, C, T]
    blocked = torch.zeros_like(scores)
    blocked[:, 0, :] = 1.0
    if exclude_seen:
        seen = torch.zeros_like(scores).scatter_(1, inputs.unsqueeze(1), 1.0)
        seen = torch.cumsum(seen, dim=-1)
        seen[:, 0, :] = 0.0
        repeat = seen.gather(1, targets.unsqueeze(1)).squeeze(1) > 0
        targets = targets.masked_fill(repeat, 0)
        blocked = blocked + seen
    targets = targets.masked_fill(targets == 0, -100)
    scores = scores.masked_fill(blocked > 0, NEG)
    if bool((targets >= 0).any()):
        return F.cross_entropy(scores, targets, ignore_index=-100)
    return scores.sum() * 0.0


def sampled_batch_loss(model: GlassboxRecommender, inputs: torch.Tensor, targets: torch.Tensor,
                       negatives: int, exclude_seen: bool,
                       pool: Optional[torch.Tensor] = None,
                       h: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Sampled softmax: each position's target against K negatives shared by the batch,
    drawn uniformly from `pool` (default: all items)."""
    if pool is None:
        negs = torch.randint(1, model.num_items + 1, (negatives,))
    else:
        negs = pool[torch.randint(len(pool), (negatives,))]
    if h is None:
        h = model.encode(inputs)
    length = inputs.shape[1]
    valid = targets > 0
    positive = model.target_scores(inputs, targets.clamp_min(1), h)               # [B, T]
    negative = model.prefix_scores(inputs, negs, h)                               # [B, K, T]
    blocked = negs.view(1, -1, 1) == targets.unsqueeze(1)                        # [B, K, T]
    if exclude_seen:
        steps = torch.arange(length)
        earlier = (steps.view(1, -1) <= steps.view(-1, 1)).unsqueeze(0)           # [1, T, L]
        repeat = ((inputs.unsqueeze(1) == targets.unsqueeze(2)) & earlier).any(-1)
        valid = valid & ~repeat
        seen = (inputs.unsqueeze(1) == negs.view(1, -1, 1)).to(torch.int8)         # [B, K, T]
        blocked = blocked | (torch.cummax(seen, dim=-1).values > 0)
    logits = torch.cat([positive.unsqueeze(1), negative.masked_fill(blocked, NEG)], dim=1)
    labels = torch.zeros_like(targets).masked_fill(~valid, -100)
    if bool(valid.any()):
        return F.cross_entropy(logits, labels, ignore_index=-100)
    return logits.sum() * 0.0


def pairwise_bce_loss(model: GlassboxRecommender, inputs: torch.Tensor, targets: torch.Tensor,
                      exclude_seen: bool, pool: Optional[torch.Tensor] = None,
                      h: Optional[torch.Tensor] = None) -> torch.Tensor:
    """S3-Rec's fine-tuning loss: -log sigmoid(target) - log(1 - sigmoid(negative)), one
    negative per position drawn uniformly (from `pool`, default all items); positions whose
    negative is the target or already in the window are left out."""
    if pool is None:
        negs = torch.randint(1, model.num_items + 1, targets.shape)
    else:
        negs = pool[torch.randint(len(pool), targets.shape)]
    if h is None:
        h = model.encode(inputs)
    steps = torch.arange(inputs.shape[1])
    earlier = (steps.view(1, -1) <= steps.view(-1, 1)).unsqueeze(0)               # [1, T, L]
    seen = ((inputs.unsqueeze(1) == negs.unsqueeze(2)) & earlier).any(-1)          # [B, T]
    repeat = ((inputs.unsqueeze(1) == targets.unsqueeze(2)) & earlier).any(-1)
    valid = (targets > 0) & (negs != targets) & ~seen
    if exclude_seen:
        valid = valid & ~repeat
    if not bool(valid.any()):
        return h.sum() * 0.0
    positive = model.target_scores(inputs, targets.clamp_min(1), h)
    negative = model.target_scores(inputs, negs, h)
    loss = F.softplus(-positive) + F.softplus(negative)
    return loss[valid].mean()


def validate(model: GlassboxRecommender, valid: List, s: Settings):
    """(validation figures to log, the score that picks the epoch: NDCG@10 under the
    protocol `s.select_on` names)."""
    if s.select_on not in ("full", "sampled"):
        raise ValueError(f"select_on must be full or sampled, not {s.select_on!r}")
    sampled = s.select_on == "sampled"
    result = evaluate_scores(valid, model_scorer(model, s.max_len), batch_size=64,
                             sampled=sampled)
    fields_ = {"valid_hr@10": result["full"]["hr@10"], "valid_ndcg@10": result["full"]["ndcg@10"]}
    if not sampled:
        return fields_, fields_["valid_ndcg@10"]
    if "sampled" not in result or result["sampled"]["users"] == 0:
        raise ValueError("select_on=sampled needs validation cases with sampled negatives "
                         "(--sampled-negatives)")
    fields_.update({"valid_sampled_hr@10": result["sampled"]["hr@10"],
                    "valid_sampled_ndcg@10": result["sampled"]["ndcg@10"]})
    return fields_, fields_["valid_sampled_ndcg@10"]


def validation_subset(valid: List, s: Settings) -> List:
    """The fixed validation users (seed + 1) that choose the epoch."""
    if len(valid) <= s.valid_users:
        return valid
    pick = np.random.default_rng(s.seed + 1).choice(len(valid), s.valid_users, replace=False)
    return [valid[i] for i in sorted(pick)]


class NothingToLearn(ValueError):
    """The training part of the split holds no (history, target) pair: a model 'trained' on it
    would be its random initial weights, whose reasons would mean nothing."""


def train(dataset: Dataset, split: Split, s: Settings,
          log: Callable[[str], None] = print, holdout: Optional[set] = None,
          init_state: Optional[dict] = None):
    """Returns (model with the best validation state, history of epochs, seconds).

    Items in `holdout` are absent from the training data; their id embedding and id bias are
    masked (they are scored from their attributes only) and they are never negatives.
    """
    torch.set_num_threads(s.threads)
    rng = np.random.default_rng(s.seed)
    model = build_model(dataset, s)
    if init_state is not None:
        # Continue from an earlier run's best weights (fresh optimizer state).
        model.load_state_dict(init_state)
    optimizer = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    valid = validation_subset(split.valid, s)
    base_keep, pool = None, None
    if holdout:
        base_keep = torch.ones(model.num_items + 1)
        base_keep[torch.tensor(sorted(holdout))] = 0.0
        pool = torch.nonzero(base_keep[1:]).squeeze(1) + 1
    best_state, best_score, best_epoch, since_best = None, -1.0, 0, 0
    history = []
    started = time.time()
    if init_state is not None and valid:
        model.eval()
        model.id_keep = base_keep
        fields_, best_score = validate(model, valid, s)
        best_state = copy.deepcopy(model.state_dict())
        history.append({"epoch": 0, **fields_})
        log("epoch=0 (initial weights) " + " ".join(f"{k}={v:.4f}" for k, v in fields_.items()))
    for epoch in range(1, s.epochs + 1):
        model.train()
        t0 = time.time()
        targets = None
        if s.next_basket:
            targets = [next_basket_targets(items, baskets, rng)
                       for items, baskets in zip(split.train, split.train_baskets)]
        windows = training_windows(split.train, s.max_len, s.max_windows_per_user, targets)
        if not windows and init_state is None:
            target = "a later order" if s.next_basket else "a later purchase"
            raise NothingToLearn(
                f"nothing to learn from: in the training part of the data ({len(split.train)} customers' "
                f"purchases, the orders held out for validation and testing left out) no purchase is "
                f"followed by {target}, so the model would keep its random initial weights. Train on "
                "more customers with more orders")
        total, count = 0.0, 0
        for batch in _batches(windows, s, rng):
            inputs = left_pad([windows[i][0] for i in batch], s.max_len)
            targets = left_pad([windows[i][1] for i in batch], s.max_len)
            model.id_keep = base_keep
            if s.id_dropout > 0:
                keep = (torch.rand(model.num_items + 1) >= s.id_dropout).to(torch.float32)
                keep[0] = 1.0
                model.id_keep = keep if base_keep is None else keep * base_keep
            h = model.encode(inputs) if s.negatives > 0 or s.bce_weight > 0 else None
            if s.negatives > 0:
                loss = sampled_batch_loss(model, inputs, targets, s.negatives, s.exclude_seen,
                                          pool, h)
            else:
                loss = batch_loss(model, inputs, targets, s.exclude_seen)
            if s.bce_weight > 0:
                loss = loss + s.bce_weight * pairwise_bce_loss(model, inputs, targets,
                                                               s.exclude_seen, pool, h)
            model.id_keep = base_keep
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(batch)
            count += len(batch)
        train_seconds = time.time() - t0
        model.eval()
        record = {"epoch": epoch, "loss": total / max(count, 1), "train_s": round(train_seconds, 1)}
        if valid:
            fields_, score = validate(model, valid, s)
            record.update(fields_)
        else:
            score = float(epoch)   # no validation data (tiny slices): keep the last epoch
        record["eval_s"] = round(time.time() - t0 - train_seconds, 1)
        history.append(record)
        log(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in record.items()))
        if score > best_score:
            best_score, best_epoch, since_best = score, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
            if since_best >= s.patience:
                log(f"early stop: no validation gain for {s.patience} epochs")
                break
        if s.time_budget_s > 0 and time.time() - started > s.time_budget_s:
            log("time budget reached")
            break
    model.load_state_dict(best_state)
    model.id_keep = base_keep
    model.eval()
    return model, {"epochs": history, "best_epoch": best_epoch}, time.time() - started
