"""The Amazon Beauty benchmark as one reproducible command (`benchmark-beauty`).

Six training runs with fixed epochs and seeds, all on the same leave-one-out split:

* `main`: the Glassbox model (the shipped architecture; the model folder is exported);
* `sasrec`: the SASRec control, the same encoder, item representation, data and loss, but
  plain SASRec scoring (no target attention): splits the gain over published SASRec into a
  loss/training part and an architecture part; `sasrec-ids-only`: the same with item ids
  only (as published SASRec), which separates the item attributes' part;
* `cold-attributes` and `cold-title-words`: 5% of the items removed from training entirely
  (`--holdout-items 0.05`), scored from brand/category/price, and also from title words;

* `s3rec-loss`: the main model with title words and S3-Rec's fine-tuning loss added, its
  epoch chosen on validation sampled NDCG@10: the run for the sampled protocol, also scored
  on S3-Rec's own 99 negatives per user (`s3rec_sample`) when the dataset has them;

then the popularity-prior check on the main model (weight chosen on validation only) and
the results file (settings, seeds, data hashes, loss labels, paired significance tests,
confidence intervals against S3-Rec's published figures).
"""

from __future__ import annotations

import json
import os
import shlex
from typing import Dict, List, Optional

import numpy as np
import torch

from . import data as data_mod
from . import significance
from .evaluate import (PRIOR_WEIGHTS, attribute_popularity_scores, evaluate_blend_grid,
                       evaluate_prior_grid, evaluate_scores, model_scorer, sampled_model_scorer,
                       tie_broken, title_tfidf_scores)
from .metrics import case_metrics
from .train import ARCH_LABELS, Settings, build_model, loss_label, validation_subset

PUBLISHED_BEAUTY = {
    "source": "S3-Rec (Zhou et al., CIKM 2020), tables in RUCAIBox/CIKM2020-S3Rec @ 2a81540a",
    "full": {"SASRec": {"hr@5": 0.0387, "ndcg@5": 0.0249, "hr@10": 0.0605, "ndcg@10": 0.0318},
             "S3-Rec": {"hr@5": 0.0387, "ndcg@5": 0.0244, "hr@10": 0.0647, "ndcg@10": 0.0327},
             "PopRec": {"hr@5": 0.0080, "ndcg@5": 0.0044, "hr@10": 0.0152, "ndcg@10": 0.0068}},
    "sampled": {"SASRec": {"hr@5": 0.3741, "ndcg@5": 0.2848, "hr@10": 0.4696, "ndcg@10": 0.3156,
                           "mrr": 0.2852},
                "S3-Rec": {"hr@5": 0.4502, "ndcg@5": 0.3407, "hr@10": 0.5506, "ndcg@10": 0.3732,
                           "mrr": 0.3340},
                "PopRec": {"hr@5": 0.2105, "ndcg@5": 0.1391, "hr@10": 0.3386, "ndcg@10": 0.1803,
                           "mrr": 0.1558}},
}

PROTOCOL = {
    "split": "leave-last-basket-out by seq_pos (one event per basket = leave-one-out): "
             "last = test, second-to-last = validation, max history 50",
    "full": "target against all items, the user's history excluded",
    "sampled": "target against 99 items sampled uniformly from the items the user never "
               "interacted with (numpy default_rng seed 12345 for validation, 54321 for test)",
    "rank": "number of candidates scoring strictly higher than the target",
    "epoch_choice": "validation NDCG@10 (full ranking) on a fixed 3,000-user subset (seed + 1)",
}

# Every run: the settings of the main model (S3-Rec's SASRec sizes: d 64, 2 layers, 2 heads,
# dropout 0.5), sampled softmax with 1,024 uniform negatives, id dropout 0.1, seed 42.
SAMPLED_NEGATIVES = 99
COMMON = ["--name", "amazon-beauty", "--negatives", "1024", "--dropout", "0.5",
          "--id-dropout", "0.1", "--max-batch", "256",
          "--sampled-negatives", str(SAMPLED_NEGATIVES),
          "--seed", "42", "--patience", "8"]
BCE_WEIGHT = "1"
S3REC_LOSS_DIM = "128"
STAGES = {
    "main": ["--epochs", "60", "--write-eval-cases"],
    "sasrec": ["--epochs", "60", "--arch", "sasrec"],
    # Ids only, as published SASRec (no id dropout: it only helps attributes stand in for ids).
    "sasrec-ids-only": ["--epochs", "60", "--arch", "sasrec", "--ids-only", "true",
                        "--id-dropout", "0"],
    # The cold-item runs are shorter (fixed 12 epochs) and validate on 1,000 users: on one
    # shared CPU thread a full 3,000-user validation pass costs ~100 s per epoch.
    "cold-attributes": ["--epochs", "12", "--holdout-items", "0.05", "--valid-users", "1000",
                        "--final-eval-users", "1000"],
    "cold-title-words": ["--epochs", "12", "--holdout-items", "0.05", "--valid-users", "1000",
                         "--final-eval-users", "1000", "--title-words", "24"],
    # The main model with title words and S3-Rec's own fine-tuning loss (BCE, one negative per
    # position) beside the sampled softmax, its epoch chosen on validation sampled NDCG@10:
    # the run for the sampled protocol. The weight was chosen among 1, 2 and 3, then the width
    # between 64 and 128, on validation sampled NDCG@10 (all users; trainer/README.md).
    "s3rec-loss": ["--epochs", "60", "--title-words", "24", "--bce-weight", BCE_WEIGHT,
                   "--dim", S3REC_LOSS_DIM, "--select-on", "sampled", "--valid-users", "2000"],
}
# Stages whose model folder is exported (ONNX, servable): S3-Rec's negatives are scored on it.
EXPORTED = ("main", "s3rec-loss")
# Stages the popularity-prior check runs on (weight chosen on each run's own validation users).
PRIOR_STAGES = ("main", "sasrec", "s3rec-loss")


class RunMismatch(ValueError):
    """A run that is not what the benchmark takes it for (trained on other data, with other
    settings, or another run than the results file records); the command line prints the
    message and exits with status 1."""


def _fingerprint_text(fingerprint: Dict) -> str:
    return "{" + ", ".join(f"{name} {digest}" for name, digest in sorted(fingerprint.items())) + "}"


def check_same_data(run: str, trained_on: Dict, expected: Dict, expected_from: str) -> None:
    """Refuses a run whose data fingerprint is not `expected` (that of `expected_from`)."""
    if trained_on != expected:
        raise RunMismatch(f"{run} was trained on data with fingerprint "
                          f"{_fingerprint_text(trained_on)}, but {expected_from} has "
                          f"{_fingerprint_text(expected)}")


# Settings that do not change what a run learns.
NOT_FIXED = ("threads",)


def check_settings(run: str, recorded: Dict, fixed: Dict, defaults: Dict, command: str) -> None:
    """Refuses a run whose recorded settings differ from those its stage's command fixes
    (`fixed`; a setting an older run does not record counts as its default)."""
    differ = [f"{k} {recorded.get(k, defaults[k])} (stage: {v})" for k, v in fixed.items()
              if k not in NOT_FIXED and recorded.get(k, defaults[k]) != v]
    if differ:
        raise RunMismatch(f"{run} was not made by its stage's command: {'; '.join(differ)}; "
                          f"train it with: {command}")


def recorded_settings(run_dir: str, run: Dict) -> Dict:
    """A run's settings, those older runs did not record read from what their folder holds:
    write_eval_cases from its eval_cases.tsv; sampled_negatives 0 without sampled figures, and
    with them the count the benchmark's commands fix (99), as the count was not recorded."""
    settings = dict(run["settings"])
    if "sampled_negatives" not in settings:
        settings["sampled_negatives"] = (SAMPLED_NEGATIVES if "sampled" in run["results"]["test"]
                                         else 0)
    if "write_eval_cases" not in settings:
        settings["write_eval_cases"] = os.path.exists(os.path.join(run_dir, "eval_cases.tsv"))
    return settings


def check_exported(run: str, run_dir: str, command: str) -> None:
    """Refuses a run of a stage that fixes --models-dir RUN_DIR/models whose model folder is not
    there (compared by the folder, not the path recorded: a run directory may have moved)."""
    try:
        exported_model_folder(run_dir)
    except ValueError as e:
        raise RunMismatch(f"{run}: {e}; train it with: {command}") from None


def stage_argv(stage: str, data: str, run_dir: str) -> List[str]:
    """The `train` command line of one benchmark stage, its run in run_dir."""
    extra = ["--models-dir", os.path.join(run_dir, "models")] if stage in EXPORTED else []
    return (["train", "--data", data, "--run-dir", run_dir] + extra + COMMON + STAGES[stage])


def command_line(argv: List[str]) -> str:
    return "/usr/bin/python3 -m glassbox_trainer " + " ".join(shlex.quote(a) for a in argv)


# ----- per-user ranks -------------------------------------------------------------------------
def write_rank_table(path: str, user_ids: List[str], ranks: Dict[str, Dict[int, int]]) -> None:
    """user_id, then one column per method: the 0-based full-ranking rank of the user's target."""
    names = list(ranks)
    with open(path, "w", encoding="utf-8") as out:
        out.write("\t".join(["user_id"] + names) + "\n")
        for user in sorted(ranks[names[0]]):
            out.write("\t".join([user_ids[user]] + [str(ranks[n][user]) for n in names]) + "\n")


def read_rank_table(path: str) -> Dict[str, Dict[str, int]]:
    """{method: {user_id: rank}} from write_rank_table's file or a run's test_ranks.tsv (there:
    `full` = the best target's full-ranking rank, `sampled` = the sampled-protocol rank)."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    if header == ["user_id", "full_ranks", "sampled_rank"]:
        return {"full": {r[0]: min(int(x) for x in r[1].split()) for r in rows},
                "sampled": {r[0]: int(r[2]) for r in rows if len(r) > 2 and r[2]}}
    return {name: {r[0]: int(r[i + 1]) for r in rows} for i, name in enumerate(header[1:])}


def paired(a: Dict[str, int], b: Dict[str, int], label_a: str, label_b: str) -> Dict:
    """Paired tests of method a vs b over the users both ranked (see significance.compare)."""
    users = sorted(set(a) & set(b))
    if len(users) != len(a) or len(users) != len(b):
        raise ValueError(f"{label_a} and {label_b} ranked different users")
    result = significance.compare([a[u] for u in users], [b[u] for u in users])
    return {"a": label_a, "b": label_b} | result


# ----- held-out (cold) items ------------------------------------------------------------------
def holdout_items_for(dataset, fraction: float, seed: int) -> set:
    """The items a --holdout-items run removes from training entirely (seed + 2)."""
    rng = np.random.default_rng(seed + 2)
    count = int(round(fraction * dataset.num_items))
    return set((rng.choice(dataset.num_items, count, replace=False) + 1).tolist())


def holdout_cases(cases, holdout):
    """The cases with a held-out (never trained) target, restricted to those targets."""
    out = []
    for c in cases:
        targets = np.array([t for t in c.targets.tolist() if t in holdout], dtype=np.int64)
        if len(targets):
            out.append(data_mod.EvalCase(c.user, c.history, targets))
    return out


# The runs whose model is also checked with the content term, and the file it goes to.
BLEND_STAGES = ("main", "cold-title-words")
BLEND_FILE = "content_blend.json"
BLEND_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0,
                 256.0)


def content_blend_report(run_dir: str, data_folder: str, weights=BLEND_WEIGHTS) -> Dict:
    """A run's model with a content term: score + w · the item's mean title TF-IDF cosine to
    the user's history items (`title_tfidf_scores(mean=True)`: one share per history item,
    each in [0, 1]). w is chosen on validation NDCG@10 under each protocol over every
    validation user (warm and cold targets alike, as a deployed model meets them), and for a
    held-out-items run also over the validation users whose target is a held-out item (full
    ranking). Test only at w = 0, which must give every user the rank the run itself gave,
    and at the chosen weights: every test user, paired against the model alone; for a
    held-out-items run also the held-out-target users, paired against the model alone and
    against the title TF-IDF baseline."""
    run = load_run(run_dir)
    dataset = data_mod.load_dataset(data_folder, name="amazon-beauty")
    check_same_data(run_dir, run["data_fingerprint"], dataset.fingerprint, f"--data {data_folder}")
    run_settings = run["settings"]
    fraction = run_settings.get("holdout_items_fraction") or 0.0
    holdout = holdout_items_for(dataset, fraction, run_settings["seed"]) if fraction else set()
    split = data_mod.leave_last_basket_out(dataset, holdout)
    data_mod.attach_sampled_negatives(split.valid, dataset, 99, 12345)
    data_mod.attach_sampled_negatives(split.test, dataset, 99, 54321)
    model, settings, _ = load_run_model(run_dir, dataset, holdout)
    scorer = model_scorer(model, settings.max_len)
    term = title_tfidf_scores(dataset.titles, mean=True)
    # (cases, protocols) per user set; held-out-target cases carry no sampled negatives.
    valid_sets = {"all_users": (split.valid, ("full", "sampled"))}
    test_sets = {"all_users": (split.test, ("full", "sampled"))}
    if holdout:
        valid_sets["holdout_target_users"] = (holdout_cases(split.valid, holdout), ("full",))
        test_sets["holdout_target_users"] = (holdout_cases(split.test, holdout), ("full",))

    valid, chosen = {}, {}
    for name, (cases, protocols) in valid_sets.items():
        if not cases:
            raise ValueError(f"{run_dir}: no {name} validation case to choose the weight on")
        grid = evaluate_blend_grid(cases, scorer, term, weights, sampled="sampled" in protocols)
        valid[name] = {str(w): {p: _rounded(r[p]) for p in protocols} for w, r in grid.items()}
        for p in protocols:
            chosen[f"{name}_{p}"] = max(weights, key=lambda w: (round(grid[w][p]["ndcg@10"], 9), -w))
    tested = sorted({0.0} | set(chosen.values()))
    test, ranks = {}, {}
    for name, (cases, protocols) in test_sets.items():
        grid = evaluate_blend_grid(cases, scorer, term, tested, sampled="sampled" in protocols,
                                   keep_ranks=True)
        test[name] = {str(w): {p: _rounded(r[p]) for p in protocols} for w, r in grid.items()}
        ranks[name] = {w: {p: {dataset.user_ids[u]: rank for u, rank in _ranks_of(grid[w], p).items()}
                           for p in protocols} for w in tested}

    tests = {}
    for key, w in chosen.items():
        name, protocol = key.rsplit("_", 1)
        mine = ranks[name][w][protocol]
        tests[f"chosen_on_{key}"] = {"weight": w, "vs_model": paired(
            mine, ranks[name][0.0][protocol], f"model + content term w={w}", "model")}
        if name == "all_users" and not holdout:
            # Both protocols at this weight: one weight serves both in a deployed model.
            tests[f"chosen_on_{key}"]["vs_s3rec_published"] = {
                p: vs_s3rec_published(ranks[name][w][p], p) for p in ("full", "sampled")}
    report = {
        "what": "score + w * the item's mean title TF-IDF cosine to the user's history items; w "
                "chosen on validation NDCG@10 (per user set and protocol); test only at w = 0 "
                "and the chosen weights",
        "run": run_dir, **_identity(run), "grid": list(weights),
        "valid_users": {name: len(cases) for name, (cases, _) in valid_sets.items()},
        "valid": valid, "chosen_weight": chosen, "test": test, "paired_tests": tests,
    }
    # w = 0 is the model alone: each user's rank as the run itself ranked them. The run's own
    # rank file covers the users it evaluated (all, or --final-eval-users of them), scored in
    # batches of those users only; a batch pads its histories to its longest, which can move
    # a score in the last bits (1 rank of 1,000 moved by one place), so they are re-ranked
    # in the same batches.
    own = read_rank_table(os.path.join(run_dir, "test_ranks.tsv"))
    alone = ranks["all_users"][0.0]
    if len(own["full"]) != len(split.test):
        subset = [c for c in split.test if dataset.user_ids[c.user] in own["full"]]
        result = evaluate_scores(subset, scorer, 64, sampled=True, keep_ranks=True)
        alone = {p: {dataset.user_ids[u]: rank for u, rank in _ranks_of(result, p).items()}
                 for p in ("full", "sampled")}
    checks = [own[p] == {u: alone[p][u] for u in own[p]} for p in ("full", "sampled")]
    if holdout:
        category_pop = attribute_popularity_scores(split.train, dataset.num_items,
                                                   dataset.attributes["category"], holdout)
        tfidf = evaluate_scores(test_sets["holdout_target_users"][0],
                                tie_broken(title_tfidf_scores(dataset.titles), category_pop), 64,
                                keep_ranks=True)
        tfidf_ranks = {dataset.user_ids[u]: rank for u, rank in _ranks_of(tfidf, "full").items()}
        held = ranks["holdout_target_users"]
        for key, w in chosen.items():
            tests[f"chosen_on_{key}"]["holdout_target_users_vs_title_tfidf"] = paired(
                held[w]["full"], tfidf_ranks, f"model + content term w={w}", "title_tfidf")
        report["title_tfidf_holdout_target_users"] = _rounded(tfidf["full"])
        report["median_rank_holdout_target_users"] = (
            {str(w): float(np.median(list(held[w]["full"].values()))) for w in tested}
            | {"title_tfidf": float(np.median(list(tfidf_ranks.values())))})
        own_held = read_rank_table(os.path.join(run_dir, "holdout_ranks.tsv"))["model"]
        checks.append(own_held == held[0.0]["full"])
    report["w0_reproduces_run_ranks"] = all(checks)
    return report


def measured_on(report: Optional[Dict], run_dir: str) -> bool:
    """Whether a report kept from an earlier invocation (content term, prior check, S3-Rec's
    negatives) was measured on the run now in run_dir: its trained_at and data fingerprint."""
    run = load_run(run_dir)
    return (report is not None and report.get("trained_at") == run["trained_at"]
            and report.get("data_fingerprint") == run["data_fingerprint"])


def current_blend(run_dir: str) -> Optional[Dict]:
    """The run's content_blend.json if it was measured on the run's model as it is now."""
    path = os.path.join(run_dir, BLEND_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        blend = json.load(f)
    return blend if measured_on(blend, run_dir) else None


def _stage_run(results: Dict, stage: str) -> Optional[Dict]:
    """What a results file records of a content-term stage's run (its trained_at, or in files
    from before that was recorded, its settings); None when it records no such run."""
    if stage == "main":
        return None if "main_pending" in results or "trained_at" not in results else results
    return results.get("holdout_items", {}).get("runs", {}).get(stage)


def _content_term_target(results_path: str, stage: str, run: Dict) -> Dict:
    """The results file, if the stage's run it records is `run` ({"run": its directory} |
    _identity), on the file's data."""
    if not os.path.exists(results_path):
        raise RunMismatch(f"{results_path}: no such results file")
    with open(results_path, encoding="utf-8") as f:
        results = json.load(f)
    recorded = _stage_run(results, stage)
    if recorded is None:
        raise RunMismatch(f"{results_path} records no {stage} run to put the content term of "
                          f"{run['run']} beside; assemble it with benchmark-beauty first")
    if "data_fingerprint" in results:
        check_same_data(run["run"], run["data_fingerprint"], results["data_fingerprint"],
                        results_path)
    key = "trained_at" if "trained_at" in recorded else "settings"
    if recorded[key] != run[key]:
        raise RunMismatch(f"{run['run']} (trained at {run['trained_at']}) is not the "
                          f"{stage} run {results_path} records (trained at "
                          f"{recorded.get('trained_at', 'an unrecorded time, other settings')})")
    return results


def check_content_term_target(results_path: str, stage: str, run_dir: str) -> None:
    """Refuses, before the measurement, what merge_content_term would refuse after it."""
    _content_term_target(results_path, stage, {"run": run_dir} | _identity(load_run(run_dir)))


def merge_content_term(results_path: str, stage: str, report: Dict) -> None:
    """Puts one stage's content_blend_report into a results file's content_term section, if
    the report's run is the stage's run that the file records, on the file's data."""
    results = _content_term_target(results_path, stage, report)
    results["content_term"] = results.get("content_term", {}) | {stage: report}
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
        f.write("\n")


# ----- popularity prior (item 5 of issue 8) ---------------------------------------------------
def load_run_model(run_dir: str, dataset: data_mod.Dataset, holdout: Optional[set] = None):
    """The best-epoch model of a run directory (metrics.json settings + model.pt). For a
    held-out-items run, `holdout` masks those items' id embedding and id bias as training did
    (the mask is not in model.pt: without it they keep their untrained initial values)."""
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        metrics = json.load(f)
    known = {k: v for k, v in metrics["settings"].items()
             if k in Settings.__dataclass_fields__ and k != "extra"}
    settings = Settings(**known)
    model = build_model(dataset, settings)
    model.load_state_dict(torch.load(os.path.join(run_dir, "model.pt")))
    model.eval()
    if holdout:
        keep = torch.ones(model.num_items + 1)
        keep[torch.tensor(sorted(holdout))] = 0.0
        model.id_keep = keep
    return model, settings, metrics


def prior_report(run_dir: str, data_folder: str, weights=PRIOR_WEIGHTS,
                 protocols=("sampled", "full")) -> Dict:
    """score + w · ln(1 + training count) on a trained model: w chosen on validation (NDCG@10
    under each protocol, on the run's epoch-choosing validation subset), then test evaluated
    at the chosen weights and at w = 0 (which must reproduce the run's own test figures).
    protocols=("sampled",) scores only the 100 candidates of each case (fast)."""
    dataset = data_mod.load_dataset(data_folder, name="amazon-beauty")
    split = data_mod.leave_last_basket_out(dataset)
    data_mod.attach_sampled_negatives(split.valid, dataset, 99, 12345)
    data_mod.attach_sampled_negatives(split.test, dataset, 99, 54321)
    model, settings, metrics = load_run_model(run_dir, dataset)
    if metrics["settings"].get("holdout_items_fraction"):
        raise ValueError(f"{run_dir} is a held-out-items run")
    prior = np.log1p(np.bincount(np.concatenate(split.train), minlength=dataset.num_items + 1))
    if "full" in protocols:
        scorer = model_scorer(model, settings.max_len)
    else:
        scorer = sampled_model_scorer(model, settings.max_len, dataset.num_items)
    valid = validation_subset(split.valid, settings)
    grid = _only(evaluate_prior_grid(valid, scorer, prior, weights, sampled=True), protocols)
    chosen = {p: max(weights, key=lambda w: (round(grid[w][p]["ndcg@10"], 9), -w))
              for p in protocols}
    tested = sorted({0.0} | set(chosen.values()))
    tested_ranks = evaluate_prior_grid(split.test, scorer, prior, tested, sampled=True, keep_ranks=True)
    test = _only(tested_ranks, protocols)
    against = {p: {"weight": chosen[p]} | vs_s3rec_published(_ranks_of(tested_ranks[chosen[p]], p), p)
               for p in protocols}
    reproduced = all(abs(test[0.0][p][k] - metrics["results"]["test"][p][k]) < 1e-6
                     for p in protocols for k in ("hr@10", "ndcg@10"))
    rounded = {w: {p: _rounded(m) for p, m in r.items()} for w, r in test.items()}
    return {
        "what": "score + w * ln(1 + the item's training-event count); w from the grid, chosen "
                "on validation NDCG@10 under each protocol (the run's epoch-choosing validation "
                "subset: settings.valid_users users, seed + 1); test (all users) only at the "
                "chosen weights and at w = 0",
        "run": run_dir, "trained_at": metrics["trained_at"],
        "data_fingerprint": metrics["data_fingerprint"], "architecture": settings.arch,
        "protocols": list(protocols),
        "valid_users": len(valid),
        "grid": list(weights),
        "valid": {str(w): {p: _rounded(m) for p, m in r.items()} for w, r in grid.items()},
        "chosen_weight": chosen,
        "test": {"w=0": rounded[0.0]} | {f"chosen_on_valid_{p}_ndcg@10": rounded[chosen[p]]
                                         for p in protocols},
        "w0_reproduces_run": reproduced,
        "vs_s3rec_published_at_chosen_weight": against,
    }


def _ranks_of(result: Dict, protocol: str) -> Dict:
    """Each user's rank under `protocol` from evaluate_scores' kept ranks (full: the best target)."""
    if protocol == "sampled":
        return result["ranks_sampled"]
    return {u: min(r) for u, r in result["ranks_full"].items()}


def vs_s3rec_published(ranks: Dict[str, int], protocol: str) -> Dict:
    """HR@10 and NDCG@10 of the users' ranks (0-based, one target each) under `protocol`
    against S3-Rec's published figures (bootstrap CI of the mean, significance.against_reference)."""
    per_user = [case_metrics([r]) for r in ranks.values()]
    return {k: significance.against_reference([m[k] for m in per_user],
                                              PUBLISHED_BEAUTY[protocol]["S3-Rec"][k])
            for k in ("hr@10", "ndcg@10")}


def _only(results: Dict, protocols) -> Dict:
    return {w: {p: m for p, m in r.items() if p in protocols} for w, r in results.items()}


def _rounded(metrics: Dict) -> Dict:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()}


# ----- the results file -----------------------------------------------------------------------
def load_run(run_dir: str) -> Dict:
    """A run's metrics.json, its loss and architecture labels written again from its settings
    (runs made by older trainer versions carry shorter or missing labels); refused when it
    does not record when the run was trained and on what data (older trainers)."""
    path = os.path.join(run_dir, "metrics.json")
    if not os.path.exists(path):
        raise RunMismatch(f"{run_dir}: no metrics.json (not a finished run)")
    with open(path, encoding="utf-8") as f:
        run = json.load(f)
    unrecorded = [k for k in ("trained_at", "data_fingerprint") if k not in run]
    if unrecorded:
        raise RunMismatch(f"{path} records no {' or '.join(unrecorded)} (an older trainer's "
                          "run): what it was trained on cannot be checked; train it again")
    s = run["settings"]
    settings = Settings(**{k: v for k, v in s.items()
                           if k in Settings.__dataclass_fields__ and k != "extra"})
    s["loss"] = loss_label(settings, bool(s.get("holdout_items_fraction")))
    s["architecture"] = ARCH_LABELS[settings.arch]
    return run


def _identity(run: Dict) -> Dict:
    """Which run a figure comes from: when it was trained, on what data, with what settings."""
    s = run["settings"]
    return {"trained_at": run["trained_at"], "data_fingerprint": run["data_fingerprint"],
            "best_epoch": s["best_epoch"], "epochs_run": s["epochs_run"],
            "training_seconds": s["training_seconds"], "settings": s}


def _summary(run: Dict) -> Dict:
    s = run["settings"]
    return {"test": run["results"]["test"], "valid": run["results"]["valid"], **_identity(run),
            "loss": s["loss"], "architecture": s.get("architecture")}


MAIN_KEYS = ("test", "valid", "popularity_test", "popularity_valid", "settings", "loss",
             "architecture", "training_seconds", "trained_at", "data_fingerprint", "epochs",
             "reproducibility")


def _history(existing: Dict, trained_at: Optional[str]) -> List[Dict]:
    """Earlier main-model results, oldest first: the existing file's main result is appended
    when the new one replaces it (once)."""
    history = list(existing.get("history", []))
    old = existing.get("trained_at")
    if ("test" in existing and old != trained_at
            and all(h.get("trained_at") != old for h in history)):
        entry = {k: existing.get(k) for k in ("trained_at", "training_seconds", "settings",
                                               "stages", "test", "valid", "reproducibility")}
        entry["best_epoch"] = (existing.get("settings") or {}).get("best_epoch")
        if "benchmark_command" not in existing:
            # A results file from before the benchmark command: its cold-item run too.
            entry["holdout_items"] = existing.get("holdout_items")
        history.append(entry)
    return history


def _decomposition(main: Dict, sasrec: Dict, ids_only: Optional[Dict] = None) -> Dict:
    out = {}
    for protocol in ("full", "sampled"):
        published = PUBLISHED_BEAUTY[protocol]["SASRec"]
        row = {}
        for k in ("hr@10", "ndcg@10"):
            ours, control = main["test"][protocol][k], sasrec["test"][protocol][k]
            row[k] = {"published_sasrec": published[k], "sasrec_control": control,
                      "glassbox": ours,
                      "loss_and_training (control - published)": round(control - published[k], 6),
                      "architecture (glassbox - control)": round(ours - control, 6)}
            if ids_only is not None:
                plain = ids_only["test"][protocol][k]
                row[k].update({
                    "sasrec_ids_only_control": plain,
                    "loss_and_training_ids_only (ids-only control - published)":
                        round(plain - published[k], 6),
                    "attributes (control - ids-only control)": round(control - plain, 6)})
        out[protocol] = row
    return out


def beauty_results(runs: Dict[str, str], out_path: str, prior: Optional[Dict] = None,
                   commands: Optional[Dict[str, str]] = None,
                   blends: Optional[Dict[str, Dict]] = None) -> Dict:
    """Writes results/amazon-beauty.json from the runs {stage: run_dir} (any subset), their
    popularity-prior checks and content-term reports {stage: report}; an existing file's main
    result moves into `history` when a new main run replaces it, and stays (marked
    `main_pending`) while there is none."""
    existing = {}
    if os.path.exists(out_path):
        with open(out_path, encoding="utf-8") as f:
            existing = json.load(f)
    out = {"dataset": "amazon-beauty", "protocol": PROTOCOL,
           "benchmark_command": "/usr/bin/python3 -m glassbox_trainer benchmark-beauty "
                                "--data ../../shared/data/amazon-beauty "
                                "--out results/amazon-beauty.json",
           # Stages not run this time keep the command recorded when they were.
           "commands": existing.get("commands", {}) | (commands or {})}
    main = load_run(runs["main"]) if "main" in runs else None
    if main is not None:
        out.update({
            "test": main["results"]["test"], "valid": main["results"]["valid"],
            "popularity_test": main["results"]["popularity_test"],
            "popularity_valid": main["results"].get("popularity_valid"),
            "settings": main["settings"], "loss": main["settings"]["loss"],
            "architecture": main["settings"].get("architecture"),
            "training_seconds": main["settings"]["training_seconds"],
            "trained_at": main["trained_at"], "data_fingerprint": main["data_fingerprint"],
            "epochs": main.get("epochs"),
            "reproducibility": "fixed epochs (early stop on validation), seeds in "
                               "settings.seeds, no wall-clock budget: the benchmark command "
                               "reruns every stage with the same settings, but not bit for bit "
                               "on another machine (BLAS), where early stopping can pick "
                               "another epoch (trainer/README.md, Content term)"})
    else:
        # No main run in this invocation: keep the file's main figures; when they predate the
        # benchmark command, say that the fixed-epoch main run is still to come.
        out.update({k: existing[k] for k in MAIN_KEYS if k in existing})
        if "benchmark_command" not in existing:
            out["main_pending"] = ("the fixed-epoch main run is not in this file yet; the main "
                                   "figures above are the previous model's (also in history)")
    out["published"] = PUBLISHED_BEAUTY
    fingerprint = out.get("data_fingerprint") or load_run(next(iter(runs.values())))["data_fingerprint"]
    out["data_fingerprint"] = fingerprint
    for stage, run_dir in runs.items():
        check_same_data(f"{stage} ({run_dir})", load_run(run_dir)["data_fingerprint"], fingerprint,
                        "the main run" if main is not None else f"{out_path}'s main figures")
    main_ranks = (read_rank_table(os.path.join(runs["main"], "test_ranks.tsv"))
                  if main is not None else None)
    if "sasrec" in runs:
        sasrec = load_run(runs["sasrec"])
        out["sasrec_control"] = _summary(sasrec) | {
            "item_representation": "the main model's: id + brand + category path + category "
                                   "level 2 + price bucket, id dropout 0.1"}
        if main is not None:
            ranks = read_rank_table(os.path.join(runs["sasrec"], "test_ranks.tsv"))
            out["sasrec_control"].update({
                "paired_vs_main": {p: paired(main_ranks[p], ranks[p], "glassbox",
                                             "sasrec_control") for p in ("full", "sampled")},
                "decomposition_vs_published_sasrec": _decomposition(
                    main["results"], sasrec["results"],
                    load_run(runs["sasrec-ids-only"])["results"] if "sasrec-ids-only" in runs
                    else None)})
    if "sasrec-ids-only" in runs:
        plain = load_run(runs["sasrec-ids-only"])
        out["sasrec_ids_only_control"] = _summary(plain) | {
            "item_representation": "id embedding only (as published SASRec), no id dropout"}
        if main is not None:
            ranks = read_rank_table(os.path.join(runs["sasrec-ids-only"], "test_ranks.tsv"))
            out["sasrec_ids_only_control"]["paired_vs_main"] = {
                p: paired(main_ranks[p], ranks[p], "glassbox", "sasrec_ids_only_control")
                for p in ("full", "sampled")}
    cold = {k: runs[k] for k in ("cold-attributes", "cold-title-words") if k in runs}
    if cold:
        out["holdout_items"] = _cold_section(cold)
    if "s3rec-loss" in runs:
        out["s3rec_loss_run"] = _s3rec_loss_section(runs["s3rec-loss"], main_ranks)
    if prior is not None:
        # Runs not checked this time keep their check.
        out["popularity_prior"] = existing.get("popularity_prior", {}) | prior
    if blends:
        out["content_term"] = existing.get("content_term", {}) | blends
    # A main result kept from a benchmark file is still the current one, not history.
    current = main["trained_at"] if main else (None if "main_pending" in out else existing.get("trained_at"))
    out["history"] = _history(existing, current)
    # Sections this invocation did not compute (stages not run, the separate tools' sections)
    # stay as they were.
    for key, value in existing.items():
        if key not in out and key not in MAIN_KEYS and key != "main_pending":
            out[key] = value
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    return out


S3REC_NEGATIVES_FILE = "s3rec_negatives.json"


def _s3rec_loss_section(run_dir: str, main_ranks: Optional[Dict]) -> Dict:
    run = load_run(run_dir)
    ranks = read_rank_table(os.path.join(run_dir, "test_ranks.tsv"))
    section = _summary(run) | {
        "what": "the main model with 24 title words per item and S3-Rec's fine-tuning loss "
                "added to the sampled softmax; epoch chosen on validation sampled NDCG@10",
        "vs_s3rec_published": {p: vs_s3rec_published(ranks[p], p) for p in ("full", "sampled")}}
    negatives = os.path.join(run_dir, S3REC_NEGATIVES_FILE)
    if os.path.exists(negatives):
        with open(negatives, encoding="utf-8") as f:
            section["s3rec_negatives"] = json.load(f)
    if main_ranks is not None:
        section["paired_vs_main"] = {p: paired(ranks[p], main_ranks[p], "s3rec_loss", "glassbox")
                                     for p in ("full", "sampled")}
    return section


def exported_model_folder(run_dir: str) -> str:
    """The model version folder the run exported (run_dir/models/<dataset>/<version>/ whose
    metadata.json has the run's trained_at)."""
    trained_at = load_run(run_dir)["trained_at"]
    root = os.path.join(run_dir, "models")
    for dataset in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        for version in sorted(os.listdir(os.path.join(root, dataset))):
            folder = os.path.join(root, dataset, version)
            with open(os.path.join(folder, "metadata.json"), encoding="utf-8") as f:
                if json.load(f).get("trained_at") == trained_at:
                    return folder
    raise ValueError(f"{root}: no model version exported by the run trained at {trained_at}")


def _cold_section(cold: Dict[str, str]) -> Dict:
    runs = {k: load_run(v) for k, v in cold.items()}
    ranks = {k: read_rank_table(os.path.join(v, "holdout_ranks.tsv")) for k, v in cold.items()}
    first = next(iter(cold))
    section = {
        "what": "a random 5% of the items (seed + 2) removed from training entirely; test users "
                "whose target is one of them, full ranking (history excluded); the same "
                "items and users in every run",
        "fraction": runs[first]["settings"]["holdout_items_fraction"],
        "baselines": {
            "popularity": "training counts (cold items have 0)",
            "category_popularity": "cold items get the mean training count of the warm items "
                                   "of their category path",
            "title_tfidf": "TF-IDF cosine of the item's title to the user's whole history "
                           "(binary tf, idf = ln(N/df), words in >= 2 titles), ties by "
                           "category popularity",
        },
        "runs": {},
    }
    for stage, run in runs.items():
        held = run["results"]["holdout_items_test"]
        section["runs"][stage] = {
            "title_words": run["settings"].get("title_words", 0),
            "holdout_users": held["model"], "all_test_users": run["results"]["test"],
            "valid": run["results"]["valid"], **_identity(run), "loss": run["settings"]["loss"]}
        section["baseline_results"] = {k: v for k, v in held.items() if k != "model"}
    base = ranks[first]
    for stage in cold:
        if any(ranks[stage][k] != base[k] for k in base if k != "model"):
            raise ValueError(f"{stage}: the baselines differ between the cold-item runs")
    tests = {}
    for stage in cold:
        tag = "title_words" if stage == "cold-title-words" else "attributes_only"
        for baseline in ("title_tfidf", "category_popularity"):
            tests[f"{tag}_vs_{baseline}"] = paired(ranks[stage]["model"], base[baseline],
                                                   f"{stage} model", baseline)
    if len(cold) == 2:
        tests["title_words_vs_attributes_only"] = paired(
            ranks["cold-title-words"]["model"], ranks["cold-attributes"]["model"],
            "cold-title-words model", "cold-attributes model")
        # The same two runs on their (warm and cold) evaluated test users.
        a, b = (read_rank_table(os.path.join(cold[k], "test_ranks.tsv"))
                for k in ("cold-title-words", "cold-attributes"))
        section["all_evaluated_test_users_title_words_vs_attributes_only"] = {
            p: paired(a[p], b[p], "cold-title-words model", "cold-attributes model")
            for p in ("full", "sampled")}
    section["paired_tests"] = tests
    section["median_rank"] = {name: float(np.median(list(r.values())))
                              for name, r in base.items() if name != "model"}
    section["median_rank"].update({f"{stage} model": float(np.median(list(ranks[stage]["model"].values())))
                                   for stage in cold})
    return section
