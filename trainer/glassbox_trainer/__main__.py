"""Command line: `python3 -m glassbox_trainer train --data DIR [--models-dir DIR] ...`.

One command trains (validation picks the epoch), evaluates on the held-out test baskets
against the popularity baseline, and exports the model version folder.
"""

from __future__ import annotations

import argparse
import ctypes.util
import datetime as dt
import json
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, fields, replace

import numpy as np
import torch

from . import data as data_mod
from .evaluate import (attribute_popularity_scores, evaluate_scores, model_scorer,
                       popularity_scores, popularity_scorer, tie_broken, title_tfidf_scores,
                       TitleVectors, tested_users)
from . import timeaware
from .onnx_weights import load_model_folder, settings_of
from .export import OPSET, INPUTS, OUTPUTS, export_onnx, write_model_folder, write_parity
from . import benchmark
from .benchmark import PUBLISHED_BEAUTY, holdout_cases, holdout_items_for, write_rank_table
from .train import ARCH_LABELS, NothingToLearn, Settings, loss_label, train, validation_subset


def _blas() -> str:
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower()}
        return ", ".join(sorted(os.path.basename(l) for l in libs)) or "unknown"
    except OSError:
        return "unknown"


def _settings_from(args) -> Settings:
    values = {}
    for f in fields(Settings):
        if f.name != "extra" and getattr(args, f.name, None) is not None:
            values[f.name] = getattr(args, f.name)
    return Settings(**values)


def _rounded(metrics):
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()}


def write_eval_cases(path, dataset, cases, split_name, mode="a"):
    """One line per case, tab-separated (see README "Evaluation cases file")."""
    with open(path, mode, encoding="utf-8") as out:
        if mode == "w":
            out.write("split\tuser_id\thistory\ttargets\tnegatives\ttime\n")
        for c in cases:
            ids = dataset.item_ids
            history = " ".join(ids[i - 1] for i in c.history.tolist())
            targets = " ".join(ids[i - 1] for i in c.targets.tolist())
            negatives = "" if c.negatives is None else " ".join(ids[i - 1] for i in c.negatives.tolist())
            out.write(f"{split_name}\t{dataset.user_ids[c.user]}\t{history}\t{targets}\t"
                      f"{negatives}\t{c.time}\n")


def write_repeat_cases(path, dataset, cases, split_name, mode="a"):
    """The repeats-counted cases (every distinct held-out item a target, history items
    included) with the order number of each history event (Dataset.orders, as the feature service
    counts orders), for the Java buy-again check: the eval-cases columns plus `history_baskets`
    (see README "Evaluation cases file")."""
    with open(path, mode, encoding="utf-8") as out:
        if mode == "w":
            out.write("split\tuser_id\thistory\ttargets\tnegatives\ttime\thistory_baskets\n")
        ids = dataset.item_ids
        for c in cases:
            history = " ".join(ids[i - 1] for i in c.history.tolist())
            targets = " ".join(ids[i - 1] for i in c.targets.tolist())
            baskets = " ".join(str(b) for b in dataset.orders[c.user][:len(c.history)].tolist())
            out.write(f"{split_name}\t{dataset.user_ids[c.user]}\t{history}\t{targets}\t\t"
                      f"{c.time}\t{baskets}\n")


def holdout_baselines(dataset, split, holdout):
    """Scorers that need no model for the cold-item cases: popularity with cold items given
    their category's mean count, and title TF-IDF similarity to the history (ties by that
    category popularity)."""
    category_pop = attribute_popularity_scores(split.train, dataset.num_items,
                                               dataset.attributes["category"], holdout)
    return {"category_popularity": popularity_scorer(category_pop),
            "title_tfidf": tie_broken(title_tfidf_scores(dataset.titles), category_pop)}


def evaluate_holdout(dataset, split, holdout, scorer, popularity):
    """Metrics on the test users whose target is a held-out item, for the model and the
    baselines, and each method's per-user rank (the best target's) for paired tests."""
    cases = holdout_cases(split.test, holdout)
    scorers = {"model": (scorer, 64), "popularity": (popularity_scorer(popularity), 256)}
    scorers.update({k: (v, 64) for k, v in holdout_baselines(dataset, split, holdout).items()})
    metrics, ranks = {}, {}
    for name, (score, batch) in scorers.items():
        result = evaluate_scores(cases, score, batch, keep_ranks=True)
        metrics[name] = result["full"]
        ranks[name] = {user: min(r) for user, r in result["ranks_full"].items()}
    return metrics, ranks


def _load_data(args, **options) -> data_mod.Dataset:
    """The --data folder, its times without an offset in --time-zone; a fault in the folder ends
    the command with the message, which names the file and line, rather than a traceback."""
    try:
        return data_mod.load_dataset(args.data, name=args.name, time_zone=args.time_zone, **options)
    except ValueError as e:
        raise SystemExit(str(e)) from None


def _load_model_data(args, users_as_trained: bool = False) -> data_mod.Dataset:
    """The --data folder of a command on a --model folder (evaluate, device-bench, reexport).
    With no zone named, its times without an offset are read in the zone the model was trained
    with (metadata.json's data fingerprint), so a shop names its zone once, at training. Another
    zone for the very files the model learnt from is refused: their moments would not be the ones
    it learnt; so is another zone for files without an order column, whose orders are the shop's
    days in the zone. A model trained without one read no such times and, its files having an order
    column or no zone named, grouped no days in a zone: any zone reads its files alike (no zone named
    at training groups days in UTC, which a zone named only later does not check).
    `users_as_trained` (evaluate): only the first --max-users users, by default as many as the
    model was trained on."""
    metadata = os.path.join(args.model, "metadata.json")
    if not os.path.isfile(metadata):
        raise SystemExit(f"{args.model}: no metadata.json; --model names a model version folder "
                         "(models/NAME/VERSION)")
    with open(metadata, encoding="utf-8") as f:
        trained_meta = json.load(f)
    trained = trained_meta.get("data_fingerprint") or {}
    learnt = trained.get("time_zone")
    if learnt and not args.time_zone:
        args.time_zone = learnt
        print(f"{args.data}: times without a UTC offset read in {learnt}, as the model was trained",
              file=sys.stderr)
    if users_as_trained and args.max_users is None:
        # The users the model was trained and tested on (train --max-users): the terms' test
        # figures then stand beside the model's own in metadata.json, and a smoke run's terms take
        # about as long as its training, not an evaluation of every customer.
        args.max_users = (trained_meta.get("settings") or {}).get("max_users")
        if args.max_users:
            print(f"{args.data}: the first {args.max_users} users only, as the model was trained "
                  "(its --max-users; --max-users 0 takes every user)", file=sys.stderr)
    dataset = _load_data(args, max_users=args.max_users or None) if users_as_trained else _load_data(args)
    files = {k: v for k, v in dataset.fingerprint.items() if k != "time_zone"}
    if learnt and args.time_zone != learnt and files.items() <= trained.items():
        raise SystemExit(f"{args.model} was trained on these files with their times without an offset, "
                         f"or their shop days (orders), read in {learnt}; read in {args.time_zone} they "
                         f"are other moments or orders. Name "
                         f"{learnt} (or no zone: the model's is then used)")
    return dataset


def _add_time_zone(parser: argparse.ArgumentParser) -> None:
    # Trimmed as the Java services read every setting (ConfigSource), so both take the same value.
    parser.add_argument("--time-zone", default=(os.environ.get(data_mod.TIME_ZONE_VARIABLE) or "").strip() or None,
                        metavar="NAME",
                        help="the time zone of the data folder's timestamps that have no UTC offset (an "
                             f"IANA name such as Europe/London); default: ${data_mod.TIME_ZONE_VARIABLE}")


def run(args) -> dict:
    settings = _settings_from(args)
    torch.set_num_threads(settings.threads)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    run_dir = args.run_dir
    os.makedirs(run_dir, exist_ok=True)
    log_file = open(os.path.join(run_dir, "train.log"), "a", encoding="utf-8")

    def log(message):
        line = f"{dt.datetime.utcnow():%H:%M:%S} {message}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: {_blas()}")
    dataset = _load_data(args, max_users=args.max_users)
    log(f"dataset {dataset.name}: {len(dataset.user_ids)} users, {dataset.num_items} items, "
        f"{sum(len(s) for s in dataset.sequences)} events; attributes "
        + ", ".join(f"{k}={v}" for k, v in dataset.attribute_sizes.items()))

    holdout = set()
    if args.holdout_items > 0:
        holdout = holdout_items_for(dataset, args.holdout_items, settings.seed)
        log(f"holding out {len(holdout)} items entirely from training")
    if args.split == "time":
        if holdout:
            raise SystemExit("--holdout-items works with --split basket only")
        split = data_mod.global_time_split(dataset)
    else:
        split = data_mod.leave_last_basket_out(dataset, holdout)
    if args.sampled_negatives > 0:
        data_mod.attach_sampled_negatives(split.valid, dataset, args.sampled_negatives, 12345)
        data_mod.attach_sampled_negatives(split.test, dataset, args.sampled_negatives, 54321)
    log(f"split: {len(split.train)} training sequences ({sum(len(s) for s in split.train)} events), "
        f"{len(split.valid)} validation cases (skipped {split.skipped_valid}), "
        f"{len(split.test)} test cases (skipped {split.skipped_test})")
    if args.write_eval_cases:
        path = os.path.join(run_dir, "eval_cases.tsv")
        write_eval_cases(path, dataset, split.valid, "valid", "w")
        write_eval_cases(path, dataset, split.test, "test")
        log(f"wrote {path}")

    init_state = torch.load(args.init_from) if args.init_from else None
    try:
        model, history, seconds = train(dataset, split, settings, log, holdout, init_state)
    except NothingToLearn as e:
        raise SystemExit(str(e)) from None
    log(f"training took {seconds:.0f}s, best epoch {history['best_epoch']}")

    sampled = args.sampled_negatives > 0
    scorer = model_scorer(model, settings.max_len)
    pop = popularity_scores(split.train, dataset.num_items)
    valid_cases, test_cases = split.valid, split.test
    if args.final_eval_users:
        # Cheaper runs (the cold-item experiment reads its own users): the final figures on
        # the fixed validation subset's users (seed + 1), not on every user.
        users = {c.user for c in validation_subset(
            split.valid, replace(settings, valid_users=args.final_eval_users))}
        valid_cases = [c for c in split.valid if c.user in users]
        test_cases = [c for c in split.test if c.user in users]
        log(f"final evaluation on {len(valid_cases)} validation / {len(test_cases)} test users")
    results = {
        "valid": evaluate_scores(valid_cases, scorer, 64, sampled),
        "test": evaluate_scores(test_cases, scorer, 64, sampled, keep_ranks=True),
        "popularity_valid": evaluate_scores(valid_cases, popularity_scorer(pop), 256, sampled),
        "popularity_test": evaluate_scores(test_cases, popularity_scorer(pop), 256, sampled),
    }
    test_ranks = results["test"].pop("ranks_full")
    sampled_ranks = results["test"].pop("ranks_sampled")
    for key in ("valid", "test", "popularity_valid", "popularity_test"):
        for protocol, metrics in results[key].items():
            log(f"{key:17s} {protocol:8s} " + " ".join(
                f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()))

    if holdout:
        results["holdout_items_test"], cold_ranks = evaluate_holdout(dataset, split, holdout,
                                                                     scorer, pop)
        for k, v in results["holdout_items_test"].items():
            log(f"held-out items ({k}): {_rounded(v)}")
        write_rank_table(os.path.join(run_dir, "holdout_ranks.tsv"), dataset.user_ids, cold_ranks)

    trained_at = dt.datetime.utcnow().replace(microsecond=0).isoformat() + "Z"
    full_test, full_pop = results["test"]["full"], results["popularity_test"]["full"]
    full_valid = results["valid"]["full"]
    metrics = {
        # None where a tiny shop has no test case (every last order a repeat purchase).
        "test_hr@10": full_test.get("hr@10"), "test_ndcg@10": full_test.get("ndcg@10"),
        "popularity_test_hr@10": full_pop.get("hr@10"), "popularity_test_ndcg@10": full_pop.get("ndcg@10"),
        "valid_hr@10": full_valid.get("hr@10"), "valid_ndcg@10": full_valid.get("ndcg@10"),
        "test_hr@5": full_test.get("hr@5"), "test_ndcg@5": full_test.get("ndcg@5"),
        "test_mrr": full_test.get("mrr"),
        "evaluated_users": full_test["users"], "valid_users": full_valid["users"],
        "protocol": ("leave-last-basket-out; full ranking over all items, user's history "
                     "excluded; targets = held-out basket items not in the history"),
    }
    metrics = _rounded(metrics)
    settings_out = asdict(settings)
    settings_out.pop("extra")
    settings_out.update({"best_epoch": history["best_epoch"],
                         "epochs_run": len(history["epochs"]),
                         "training_seconds": round(seconds, 1),
                         "holdout_items_fraction": args.holdout_items,
                         "init_from": args.init_from,
                         "max_users": args.max_users,
                         "final_eval_users": args.final_eval_users,
                         "sampled_negatives": args.sampled_negatives,
                         "write_eval_cases": args.write_eval_cases,
                         "models_dir": args.models_dir,
                         "loss": loss_label(settings, bool(holdout)),
                         "architecture": ARCH_LABELS[settings.arch],
                         "split": args.split,
                         "optimizer": "AdamW",
                         "attributes": ([] if settings.ids_only else sorted(dataset.attributes))
                                       + (["title_words"] if settings.title_words else []),
                         "title_vocabulary": (model.title_embedding.num_embeddings - 1
                                              if model.title_embedding is not None else 0),
                         "category_source": ("last word of the title" if "brand" not in dataset.attributes
                                             and dataset.name.startswith("uci") else "items.csv"),
                         "blas": _blas(),
                         "seeds": {"model_init_and_batches": settings.seed,
                                   "validation_subset": settings.seed + 1,
                                   "holdout_items": settings.seed + 2,
                                   "sampled_negatives_valid": 12345,
                                   "sampled_negatives_test": 54321}})
    summary = {"dataset": dataset.name, "trained_at": trained_at, "metrics": metrics,
               "results": {k: {p: _rounded(m) for p, m in v.items()} for k, v in results.items()},
               "settings": settings_out, "epochs": history["epochs"],
               "data_fingerprint": dataset.fingerprint}
    with open(os.path.join(run_dir, "metrics.json"), "w", encoding="utf-8") as out:
        json.dump(summary, out, indent=2)
    with open(os.path.join(run_dir, "test_ranks.tsv"), "w", encoding="utf-8") as out:
        out.write("user_id\tfull_ranks\tsampled_rank\n")
        for user, ranks in sorted(test_ranks.items()):
            out.write(f"{dataset.user_ids[user]}\t{' '.join(map(str, ranks))}\t"
                      f"{sampled_ranks.get(user, '')}\n")

    torch.save(model.state_dict(), os.path.join(run_dir, "model.pt"))
    if settings.arch != "glassbox":
        log(f"no model folder: the {settings.arch} control has no attention/contribution "
            "outputs and is not exported to ONNX (weights in model.pt)")
    elif not holdout:
        # Without --models-dir the model folder goes into the run directory (benchmarks on
        # research-use data must not be written into the project's models/).
        version = args.version or dt.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
        folder = os.path.join(args.models_dir or os.path.join(run_dir, "models"),
                              dataset.name, version)
        metadata = {
            "model_name": args.model_name, "version": version, "dataset": dataset.name,
            "trained_at": trained_at, "max_history_length": settings.max_len,
            "vocabulary_size": dataset.num_items, "opset": OPSET,
            "inputs": INPUTS, "outputs": OUTPUTS,
            "score_decomposition": "scores[b,c] = item_bias[c] + sum_l contribution[b,c,l]",
            "metrics": metrics, "settings": settings_out,
            "data_fingerprint": dataset.fingerprint,
            # The users behind each test figure, by the figures' metric prefix ("test" for
            # test_hr@10, ...): the terms stage adds its own.
            "test_users": {"test": tested_users(test_cases, dataset)},
        }
        write_model_folder(model, dataset, folder, metadata)
        log(f"exported {folder} ({os.path.getsize(os.path.join(folder, 'model.onnx')) / 1e6:.2f} MB)")
        summary["model_folder"] = folder
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w", encoding="utf-8") as out:
            json.dump({k: v for k, v in summary.items() if k != "epochs"} |
                      {"epochs": history["epochs"]}, out, indent=2)
        log(f"wrote {args.results}")
    log_file.close()
    return summary


def merge_results(args) -> None:
    """Benchmark results file: the main run, plus the held-out-items run if given."""
    with open(args.main) as f:
        main_run = json.load(f)
    out = {
        "dataset": main_run["dataset"],
        "protocol": {
            "split": "leave-last-basket-out by seq_pos (one event per basket = leave-one-out): "
                     "last = test, second-to-last = validation, max history 50",
            "full": "target against all items, the user's history excluded",
            "sampled": "target against 99 items sampled uniformly from the items the user "
                       "never interacted with (numpy default_rng seed 54321 for test)",
            "rank": "number of candidates scoring strictly higher than the target",
        },
        "test": main_run["results"]["test"],
        "valid": main_run["results"]["valid"],
        "popularity_test": main_run["results"]["popularity_test"],
        "settings": main_run["settings"],
        "training_seconds": main_run["settings"]["training_seconds"],
        "trained_at": main_run["trained_at"],
        "data_fingerprint": main_run["data_fingerprint"],
        "epochs": main_run.get("epochs"),
    }
    init_from = main_run["settings"].get("init_from")
    if init_from:
        # A continued run: account for the stage it started from.
        with open(os.path.join(os.path.dirname(init_from), "metrics.json")) as f:
            first = json.load(f)
        out["stages"] = [
            {"init_from": None, "training_seconds": first["settings"]["training_seconds"],
             "best_epoch": first["settings"]["best_epoch"], "test": first["results"]["test"],
             "valid": first["results"]["valid"]},
            {"init_from": init_from, "training_seconds": main_run["settings"]["training_seconds"],
             "best_epoch": main_run["settings"]["best_epoch"]},
        ]
        out["training_seconds"] = round(sum(st["training_seconds"] for st in out["stages"]), 1)
    if main_run["dataset"] == "amazon-beauty":
        out["published"] = PUBLISHED_BEAUTY
    if args.holdout:
        with open(args.holdout) as f:
            held = json.load(f)
        out["holdout_items"] = {
            "what": "a random 5% of the items removed from training entirely (scored from "
                    "brand/category/price embeddings only); test users whose target is one "
                    "of them, full ranking (history excluded)",
            "fraction": held["settings"]["holdout_items_fraction"],
            "results": held["results"]["holdout_items_test"],
            "same_run_all_test_users": held["results"]["test"]["full"],
            "settings": held["settings"],
        }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")


SPLIT_PROTOCOLS = {
    "basket": ("leave-last-basket-out: per user, last basket = test, second-to-last = "
               "validation, earlier = training; request time = the held-out basket's time"),
    "time": ("global time split: events before T_valid = training; a user's first basket in "
             "[T_valid, T_test) = validation, first basket at or after T_test = test (T_valid, "
             "T_test = the 80% and 90% quantiles of all event times); request time = that "
             "basket's time"),
}


def _split_of(dataset, split_name):
    if split_name == "time":
        return data_mod.global_time_split(dataset)
    return data_mod.leave_last_basket_out(dataset)


TITLE_VECTORS_FILE = "title_vectors.tsv"


def write_trend_events(path, dataset, split):
    """The events test cases count recent purchases from, as `item_id<TAB>unix_seconds`, oldest
    first (training events; with the time split, every event before T_test)."""
    events = split.test_count_events or (split.train, split.train_times)
    recent = timeaware.RecentCounts(*events, dataset.num_items)
    with open(path, "w", encoding="utf-8") as out:
        out.write("item_id\ttime\n")
        for item, time_s in zip(recent.items.tolist(), recent.times.tolist()):
            out.write(f"{dataset.item_ids[item - 1]}\t{time_s}\n")


def store_terms(folder: str, metadata: dict, report: dict, title, dataset, split_name: str) -> None:
    """Writes the terms `report` fitted on validation (trend, and title with `title`) and its
    validation notes, this run's only, into the version folder's metadata.json."""
    trend = report["trend"]
    fit = f"grid search on validation NDCG@10, {split_name} split, training events only"
    metadata["trend"] = {
        "feature": "recent_purchases",
        "window_days": trend["window_days"],
        "weight": report["title"]["trend_weight"] if title else trend["weight"],
        "formula": "score = model_score + weight * ln(1 + purchases of the item in "
                   "[request_time - window_days, request_time))",
        "fit": fit + (", together with the title weight" if title else ""),
    }
    test = report["results"]["model_plus_trend"]["test"]
    metadata["metrics"].update({"trend_test_hr@10": test["hr@10"],
                                "trend_test_ndcg@10": test["ndcg@10"]})
    # The users this run's term figures are means over (an earlier run's may have been others).
    users = metadata.get("test_users") or {}
    for key in ("trend_test", "title_test"):
        users.pop(key, None)
    if "test_users" in report:
        users["trend_test"] = report["test_users"]
        if title:
            users["title_test"] = report["test_users"]
    if users:
        metadata["test_users"] = users
    metadata.pop("title_similarity", None)
    if title:
        title.write_tsv(os.path.join(folder, TITLE_VECTORS_FILE), dataset.item_ids)
        metadata["title_similarity"] = {
            "feature": "title_words", "weight": report["title"]["weight"],
            "file": TITLE_VECTORS_FILE,
            "formula": "contribution[c,l] += weight / n * cosine(title(c), title(h_l)) for each "
                       "of the n positions l of the history window; score += their sum "
                       "(title = the item's L2-normalised TF-IDF vector in the file)",
            "fit": fit + ", together with the trend weight"}
        test = report["results"]["model_plus_trend_plus_title"]["test"]
        metadata["metrics"].update({"title_test_hr@10": test["hr@10"],
                                    "title_test_ndcg@10": test["ndcg@10"]})
    # Kept with the version it concerns: a baseline that beat this scoring on validation.
    metadata.pop("validation_notes", None)
    if "notes" in report:
        metadata["validation_notes"] = report["notes"]
    metadata["settings"]["loss"] = loss_label(settings_of(metadata))
    with open(os.path.join(folder, "metadata.json"), "w", encoding="utf-8") as out:
        json.dump(metadata, out, indent=2)
        out.write("\n")


def evaluate_command(args) -> dict:
    """Evaluates a model folder against the time-aware baselines; fits the trend term and the
    buy-again merge on validation; optionally stores the trend term in the folder."""
    torch.set_num_threads(args.threads)
    dataset = _load_model_data(args, users_as_trained=True)
    split = _split_of(dataset, args.split)
    model, metadata = load_model_folder(args.model, dataset)
    trained_split = metadata["settings"].get("split", "basket")
    if trained_split != args.split:
        raise SystemExit(f"{args.model} was trained on the {trained_split!r} split; "
                         f"evaluating it on {args.split!r} would leak held-out events")
    popularity = popularity_scores(split.train, dataset.num_items)
    title = None if args.no_title_term else TitleVectors(dataset.titles)
    print(f"terms: {len(dataset.user_ids)} users of {args.data} ({len(split.valid)} validation and "
          f"{len(split.test)} test cases); the weights are chosen on validation", flush=True)
    report = timeaware.compare(dataset, split, model, metadata["max_history_length"], popularity,
                               log=lambda line: print(line, flush=True), title=title)
    report = {"protocol": SPLIT_PROTOCOLS[args.split],
              "metric": ("full ranking over all items; 'results.*' except 'repeats_counted/*': "
                         "targets = held-out items not in the history, history excluded; "
                         "'repeats_counted/*': every held-out item is a target, nothing "
                         "excluded, an item never recommended counts as a miss"),
              "counts": ("training events only, in [request_time - window, request_time)"
                         if args.split == "basket" else
                         "validation: training events (before T_valid); test: every event before "
                         "T_test (training + validation period); in [request_time - window, "
                         "request_time)"),
              "model_version": metadata["version"],
              "max_users": args.max_users or None,
              "test_users": tested_users(split.test, dataset),
              "data_fingerprint": dataset.fingerprint} | report
    if args.split == "time":
        t_valid, t_test = data_mod.time_cutoffs(dataset, 0.1, 0.1)
        report["cutoffs"] = {"valid_from": _iso(t_valid), "test_from": _iso(t_test)}
    if args.write_eval_cases:
        os.makedirs(args.run_dir, exist_ok=True)
        cases = os.path.join(args.run_dir, "eval_cases.tsv")
        write_eval_cases(cases, dataset, split.valid, "valid", "w")
        write_eval_cases(cases, dataset, split.test, "test")
        write_trend_events(os.path.join(args.run_dir, "trend_events.tsv"), dataset, split)
        repeats = os.path.join(args.run_dir, "eval_cases_repeats.tsv")
        write_repeat_cases(repeats, dataset, split.valid_with_repeats, "valid", "w")
        write_repeat_cases(repeats, dataset, split.test_with_repeats, "test")
        print(f"wrote {cases}, eval_cases_repeats.tsv and trend_events.tsv")
    if args.write_trend:
        store_terms(args.model, metadata, report, title, dataset, args.split)
        print(f"stored the trend term in {args.model}/metadata.json")
    if args.out:
        existing = {}
        if os.path.exists(args.out):
            with open(args.out, encoding="utf-8") as f:
                existing = json.load(f)
        existing.setdefault("time_aware", {})[args.split] = report
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(existing, f, indent=2)
            f.write("\n")
        print(f"wrote {args.out} -> time_aware.{args.split}")
    return report


def _iso(seconds: int) -> str:
    return dt.datetime.utcfromtimestamp(seconds).isoformat() + "Z"


def s3rec_negatives(data: str, run_dir: str, reuse: bool) -> None:
    """The run's exported model on S3-Rec's own 99 negatives per user (when the dataset ships
    S3-Rec's Beauty.txt), into run_dir/s3rec_negatives.json."""
    from . import s3rec_sample
    out = os.path.join(run_dir, benchmark.S3REC_NEGATIVES_FILE)
    if not os.path.exists(os.path.join(data, s3rec_sample.BEAUTY_TXT)):
        print(f"{data}: no {s3rec_sample.BEAUTY_TXT}, S3-Rec's negatives not scored", flush=True)
        return
    if reuse and os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            if benchmark.measured_on(json.load(f), run_dir):
                return
        print(f"{out} was measured on another run or data than {run_dir}'s; scoring again",
              flush=True)
    report = s3rec_sample.evaluate(data, benchmark.exported_model_folder(run_dir))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)


def benchmark_command(args) -> dict:
    """Runs the Amazon Beauty benchmark stages that are missing, then the popularity-prior
    check and the results file (see benchmark.py)."""
    malformed = [item for item in args.run if "=" not in item]
    if malformed:
        raise SystemExit(f"--run {malformed[0]}: expected STAGE=DIR")
    given = dict(item.split("=", 1) for item in args.run)
    unknown = set(given) - set(benchmark.STAGES)
    if unknown:
        raise SystemExit(f"--run: unknown stage(s) {sorted(unknown)}; stages: {list(benchmark.STAGES)}")
    # Every run, reused or trained now, must have learnt from the files --data names now.
    try:
        fingerprint = data_mod.load_dataset(args.data, name="amazon-beauty").fingerprint
    except ValueError as e:
        raise SystemExit(str(e)) from None
    defaults = _fixed_settings(["train", "--data", args.data])
    runs, commands = {}, {}
    for stage in args.stages.split(","):
        run_dir = given.get(stage, os.path.join(args.runs_dir, stage))
        # A reused run's command names its own run directory: the command that made it.
        argv = benchmark.stage_argv(stage, args.data, run_dir)
        if args.max_epochs:
            argv += ["--epochs", str(args.max_epochs)]     # smoke runs; the last flag wins
        command = benchmark.command_line(argv)
        done = os.path.exists(os.path.join(run_dir, "metrics.json"))
        if stage in given or (done and args.reuse):
            reused = benchmark.load_run(run_dir)
            what = f"stage {stage}'s run {run_dir}"
            benchmark.check_same_data(what, reused["data_fingerprint"], fingerprint,
                                      f"--data {args.data}")
            benchmark.check_settings(what, benchmark.recorded_settings(run_dir, reused),
                                     _fixed_settings(argv), defaults, command)
            if stage in benchmark.EXPORTED:     # --models-dir DIR/models: the model is there
                benchmark.check_exported(what, run_dir, command)
            commands[stage] = {"run_dir": run_dir, "command": command,
                               "note": "run reused, not trained by this invocation"}
        elif args.no_train:
            raise SystemExit(f"stage {stage}: no run (--no-train); train it with: {command}")
        else:
            print(f"benchmark stage {stage}: {command}", flush=True)
            stage_args = build_parser().parse_args(argv)
            # Beauty's times are unix seconds, and its checks read the folder without a zone: a
            # zone from the environment would only set the runs' data fingerprint apart.
            stage_args.time_zone = None
            run(stage_args)
            commands[stage] = {"run_dir": run_dir, "command": command}
        runs[stage] = run_dir
    if "s3rec-loss" in runs:
        s3rec_negatives(args.data, runs["s3rec-loss"], args.reuse)
    blends = {stage: content_blend(args.data, runs[stage], args.reuse, args.threads)
              for stage in benchmark.BLEND_STAGES if stage in runs}
    prior = popularity_prior(args, runs) if not args.skip_prior and runs else None
    out = benchmark.beauty_results(runs, args.out, prior, commands, blends)
    print(f"wrote {args.out}")
    return out


def popularity_prior(args, runs) -> dict:
    """benchmark.prior_report of each prior stage's run, kept in runs_dir/prior.json; with
    --reuse a stage's kept report is taken only if it was measured on that run (trained_at),
    its data and the protocols asked for."""
    path = os.path.join(args.runs_dir, "prior.json")
    kept = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            kept = json.load(f)
    protocols = args.prior_protocols.split(",")
    prior = {}
    for stage in (s for s in benchmark.PRIOR_STAGES if s in runs):
        old = kept.get(stage)
        if (args.reuse and benchmark.measured_on(old, runs[stage])
                and old.get("protocols") == protocols):
            prior[stage] = old
            continue
        if args.reuse and old is not None:
            print(f"{path}: stage {stage}'s prior check was measured on another run, data or "
                  f"protocols than {runs[stage]}'s; measuring it again", flush=True)
        torch.set_num_threads(args.threads)
        prior[stage] = benchmark.prior_report(runs[stage], args.data, protocols=tuple(protocols))
    os.makedirs(args.runs_dir, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(kept | prior, f, indent=2)
    return prior


def _fixed_settings(argv) -> dict:
    """The settings a `train` command line fixes, named as its metrics.json records them."""
    args = build_parser().parse_args(argv)
    fixed = asdict(_settings_from(args))
    fixed.pop("extra")
    fixed.update(holdout_items_fraction=args.holdout_items, max_users=args.max_users,
                 final_eval_users=args.final_eval_users, split=args.split,
                 init_from=args.init_from, sampled_negatives=args.sampled_negatives,
                 write_eval_cases=args.write_eval_cases)
    return fixed


def content_blend(data: str, run_dir: str, reuse: bool = False, threads: int = 1) -> dict:
    """benchmark.content_blend_report of a finished run, written to its content_blend.json
    (which benchmark-beauty puts into the results file's content_term)."""
    path = os.path.join(run_dir, benchmark.BLEND_FILE)
    current = benchmark.current_blend(run_dir) if reuse else None
    if current is not None:
        return current
    torch.set_num_threads(threads)
    report = benchmark.content_blend_report(run_dir, data)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {path}", flush=True)
    return report


def stop_with_parent(parent_pid: int, every: float = 1.0) -> threading.Thread:
    """Ends this process, as a SIGTERM would, once `parent_pid` is no longer its parent: the
    command that started it and waits for it (bin/glassbox train) was killed with no chance to
    stop it (`kill -9`), and the run would go on, orphaned, for nobody."""
    def watch():
        while os.getppid() == parent_pid:
            time.sleep(every)
        try:
            print(f"glassbox_trainer: process {parent_pid}, which started this run, has ended; stopping",
                  file=sys.stderr, flush=True)
        except OSError:
            pass  # a pipe that the parent read, gone with it
        os.kill(os.getpid(), signal.SIGTERM)
    watcher = threading.Thread(target=watch, name="stop-with-parent", daemon=True)
    watcher.start()
    return watcher


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "parent_pid", None) is not None:
        stop_with_parent(args.parent_pid)
    try:
        _dispatch(args)
    except benchmark.RunMismatch as e:
        raise SystemExit(str(e)) from None
    return 0


def _dispatch(args) -> None:
    if args.command == "train":
        run(args)
    elif args.command == "evaluate":
        evaluate_command(args)
    elif args.command == "results":
        merge_results(args)
    elif args.command == "benchmark-beauty":
        benchmark_command(args)
    elif args.command == "reexport":
        reexport_command(args)
    elif args.command == "rewrite-parity":
        rewrite_parity_command(args)
    elif args.command == "device-bench":
        device_bench_command(args)
    elif args.command == "content-blend":
        if args.results:    # refused now, not after the measurement (about 10 minutes)
            benchmark.check_content_term_target(args.results, args.stage, args.run_dir)
        report = content_blend(args.data, args.run_dir, threads=args.threads)
        if args.results:
            benchmark.merge_content_term(args.results, args.stage, report)
            print(f"wrote {args.results} (content_term.{args.stage})")


def device_bench_command(args) -> None:
    """Times a version's model alone, per batch shape, on CUDA when present (device_bench)."""
    from . import device_bench
    dataset = _load_model_data(args)
    model, metadata = load_model_folder(args.model, dataset)
    device = device_bench.pick_device(args.device)
    results = device_bench.measure(model, dataset.num_items, int(metadata["max_history_length"]),
                                   device, repeats=args.repeats, warmup_seconds=args.warmup_seconds)
    print(device_bench.report(results, device))
    if args.out:
        device_bench.write_json(args.out, results, device, args.model)


def reexport_command(args) -> None:
    """Rewrites a model folder's model.onnx in the current graph form (item tables) from the
    weights in it; the folder's parity.json (PyTorch outputs) must still hold."""
    dataset = _load_model_data(args)
    model, _ = load_model_folder(args.model, dataset)
    path = os.path.join(args.model, "model.onnx")
    export_onnx(model, path)
    _, _ = load_model_folder(args.model, dataset)      # fails unless parity.json still holds
    print(f"re-exported {path} ({os.path.getsize(path) / 1e6:.2f} MB); parity.json holds", file=sys.stderr)


def rewrite_parity_command(args) -> None:
    """Rewrites a model folder's parity.json with synthetic histories (`parity_cases`), from the
    weights in its model.onnx, once they reproduce the parity.json there: folders exported before
    2026-12-07 hold real customers' histories in it. model.onnx is left as it is."""
    dataset = _load_model_data(args)
    model, _ = load_model_folder(args.model, dataset)   # fails unless the old parity.json holds
    write_parity(model, dataset.num_items, args.model)
    print(f"rewrote {os.path.join(args.model, 'parity.json')} from the weights in model.onnx",
          file=sys.stderr)


def _add_parent_pid(command) -> None:
    command.add_argument("--parent-pid", type=int, metavar="PID",
                         help="stop when this process (the one that started the run) ends, even "
                              "by kill -9; bin/glassbox train gives its own")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m glassbox_trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train, evaluate and (optionally) export")
    t.add_argument("--data", required=True, help="dataset folder (interactions.csv[.gz], items.csv[.gz])")
    t.add_argument("--name", help="dataset name (default: folder name)")
    _add_time_zone(t)
    t.add_argument("--models-dir", help="write models/<dataset>/<version>/ here")
    t.add_argument("--version", help="model version (default: UTC timestamp)")
    t.add_argument("--model-name", default="glassbox-sasrec-din")
    t.add_argument("--run-dir", default="runs/latest", help="logs, metrics.json, eval cases")
    t.add_argument("--results", help="also write the summary JSON here")
    t.add_argument("--max-users", type=int, help="use only the first N users (smoke runs)")
    t.add_argument("--holdout-items", type=float, default=0.0,
                   help="fraction of items removed entirely from training")
    t.add_argument("--sampled-negatives", type=int, default=0,
                   help="also evaluate against N sampled unseen negatives")
    t.add_argument("--write-eval-cases", action="store_true")
    t.add_argument("--final-eval-users", type=int,
                   help="final figures on this many fixed validation users (seed + 1) and "
                        "their test cases instead of all users (held-out items: all cold users)")
    t.add_argument("--split", choices=("basket", "time"), default="basket",
                   help="basket: leave-last-basket-out per user; time: one global time cut "
                        "(last 10%% of events = test period, the 10%% before = validation)")
    t.add_argument("--init-from", help="model.pt of an earlier run: continue from its weights")
    _add_parent_pid(t)
    for f in fields(Settings):
        if f.name == "extra":
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            t.add_argument(flag, type=lambda v: v.lower() in ("1", "true", "yes"), metavar="BOOL")
        else:
            kind = {"int": int, "float": float}.get(f.type if isinstance(f.type, str) else f.type.__name__, str)
            t.add_argument(flag, type=kind)
    m = sub.add_parser("results", help="write a results file from run metrics")
    m.add_argument("--main", required=True, help="metrics.json of the main run")
    m.add_argument("--holdout", help="metrics.json of the held-out-items run")
    m.add_argument("--out", required=True)
    e = sub.add_parser("evaluate", help="a model folder against the time-aware baselines")
    e.add_argument("--model", required=True, help="model version folder (metadata.json, model.onnx)")
    e.add_argument("--data", required=True)
    e.add_argument("--name", help="dataset name (default: folder name)")
    _add_time_zone(e)
    e.add_argument("--split", choices=("basket", "time"), default="basket")
    e.add_argument("--out", help="results JSON to update (key time_aware.<split>)")
    e.add_argument("--write-trend", action="store_true",
                   help="store the fitted trend term (and title term: title_vectors.tsv) in the folder")
    e.add_argument("--no-title-term", action="store_true",
                   help="skip model + trend + title (the title similarity term)")
    e.add_argument("--write-eval-cases", action="store_true",
                   help="write eval_cases.tsv, eval_cases_repeats.tsv and trend_events.tsv into --run-dir")
    e.add_argument("--run-dir", default="runs/evaluate")
    e.add_argument("--threads", type=int, default=1)
    _add_parent_pid(e)
    e.add_argument("--max-users", type=int,
                   help="use only the first N users (default: those the model was trained on, its "
                        "metadata's settings.max_users; 0: every user)")
    d = sub.add_parser("device-bench", help="time a version's model alone per batch shape (CUDA when present)")
    d.add_argument("--model", required=True, help="model version folder (metadata.json, model.onnx)")
    d.add_argument("--data", required=True, help="the dataset it was trained on")
    d.add_argument("--name", help="dataset name (default: folder name)")
    _add_time_zone(d)
    d.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    d.add_argument("--repeats", type=int, default=50, help="timed forwards per shape and round (3 rounds)")
    d.add_argument("--warmup-seconds", type=float, default=2.0)
    d.add_argument("--out", help="also write the figures as JSON here")
    for command, text in (
            ("reexport", "rewrite a model folder's model.onnx with item tables (same weights "
                         "and outputs, faster to serve)"),
            ("rewrite-parity", "rewrite a model folder's parity.json with synthetic histories "
                               "(no customer's), from the weights in its model.onnx")):
        x = sub.add_parser(command, help=text)
        x.add_argument("--model", required=True, help="model version folder (metadata.json, model.onnx)")
        x.add_argument("--data", required=True, help="the dataset it was trained on")
        x.add_argument("--name", help="dataset name (default: folder name)")
        _add_time_zone(x)
    c = sub.add_parser("content-blend",
                       help="a run's model + w x the candidate's mean title TF-IDF cosine to "
                            "the history (w chosen on validation), against the model alone and, "
                            "on held-out items, against title TF-IDF")
    c.add_argument("--data", required=True, help="the amazon-beauty dataset folder")
    c.add_argument("--run-dir", required=True,
                   help="a finished run directory (metrics.json, model.pt, test_ranks.tsv)")
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--results", help="also put the report into this results file's "
                                     "content_term.STAGE (the rest of the file is kept)")
    c.add_argument("--stage", default="main", choices=benchmark.BLEND_STAGES,
                   help="the benchmark stage the run is (the key under content_term)")
    b = sub.add_parser("benchmark-beauty",
                       help="the whole Amazon Beauty benchmark: train the missing runs (fixed "
                            "epochs and seeds), then write the results file")
    b.add_argument("--data", required=True, help="the amazon-beauty dataset folder")
    b.add_argument("--out", required=True, help="results JSON (e.g. results/amazon-beauty.json)")
    b.add_argument("--runs-dir", default="runs/benchmark-beauty",
                   help="one run directory per stage under it")
    b.add_argument("--stages", default=",".join(benchmark.STAGES),
                   help="comma-separated subset of: " + ", ".join(benchmark.STAGES))
    b.add_argument("--run", action="append", default=[], metavar="STAGE=DIR",
                   help="use this finished run directory for a stage instead of training it "
                        "(refused unless trained on --data with the stage's settings)")
    b.add_argument("--reuse", action="store_true",
                   help="skip stages (and the prior check) whose output already exists")
    b.add_argument("--no-train", action="store_true",
                   help="fail instead of training a missing stage (assemble results only)")
    b.add_argument("--skip-prior", action="store_true", help="no popularity-prior check")
    b.add_argument("--prior-protocols", default="sampled,full",
                   help="protocols of the popularity-prior check; 'sampled' alone scores only "
                        "the 100 candidates per user (minutes instead of an hour)")
    b.add_argument("--max-epochs", type=int,
                   help="override every stage's epoch count (smoke tests, not the benchmark; "
                        "runs reused later are checked against the same count)")
    b.add_argument("--threads", type=int, default=1)
    return parser


if __name__ == "__main__":
    sys.exit(main())
