#!/usr/bin/env python3
"""LightGBM lambdarank as a reference for xsell's own LambdaMART trees.

Reads the ranking queries that `xsell eval ... --ranker-data DIR` writes
(SVMlight: `LABEL qid:Q 1:x1 ... 17:x17`, rows of a query contiguous and in
the linear blend's order):

  train.svm         training queries (inner split)
  stop.svm          early-stopping queries (odd validation sessions)
  held.svm          held-back validation queries, session only
  held_history.svm  the same with the device's on-device history (optional)

and trains LightGBM's lambdarank on train.svm in two configurations:

  matched   xsell's LambdaMART defaults: at most 300 rounds, 31 leaves,
            depth 8, learning rate 0.05, min_data_in_leaf 20,
            min_sum_hessian 1e-3, max_bin 63, truncation 20, lambda_l2 1,
            sigmoid 1, label gain 2^l - 1, no bagging or feature fraction,
            early stopping after 30 rounds without a better map@20 on
            stop.svm (the best round is kept)
  defaults  LightGBM's own lambdarank defaults (100 rounds, learning rate
            0.1, max_bin 255, truncation 30, lambda_l2 0, no depth limit,
            no early stopping)

both deterministic on --threads threads (2 by default). Further
configurations can be added with --variant (matched settings plus
overrides).

Early stopping uses LightGBM's map@20 on stop.svm. With one relevant row per
query MAP@20 is MRR@20; LightGBM 4.6 counts a query without any relevant row
as 1 (xsell's MRR counts it as 0), which on a fixed query set only adds a
constant, so it chooses the same round as xsell's MRR@20 would. The numbers
reported are computed here, as xsell computes them: per query, rows ranked
by score descending with ties broken by row order; MRR@20 is the reciprocal
rank of the first label > 0 within the top 20, else 0; NDCG@20 uses gain
2^l - 1 and 1/log2(rank + 1), 0 for a query without a relevant row; both are
means over all queries. "linear" is row order (the linear blend's ranking).

Usage:
  python3 -m pip install lightgbm==4.6.0
  python3 scripts/lightgbm_reference.py /tmp/rankdata [--json out.json]
      [--threads 2] [--variant 'lr0.1:learning_rate=0.1']
      [--xsell trees=114,seconds=74.4,held=0.1239,held_history=0.1693]

--xsell adds a row with xsell's own numbers (from the `ranking layer:` line
that `xsell eval` prints on stderr; scripts/rank_reference.sh passes it).
Prints a markdown summary table and a detailed one to stdout.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

try:
    import lightgbm as lgb
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("lightgbm is missing: python3 -m pip install lightgbm==4.6.0")

K = 20

MATCHED = {
    "objective": "lambdarank",
    "num_leaves": 31,
    "max_depth": 8,
    "learning_rate": 0.05,
    "min_data_in_leaf": 20,
    "min_sum_hessian_in_leaf": 1e-3,
    "max_bin": 63,
    "lambdarank_truncation_level": 20,
    "lambda_l2": 1.0,
    "sigmoid": 1.0,
    "lambdarank_norm": True,
    "bagging_fraction": 1.0,
    "bagging_freq": 0,
    "feature_fraction": 1.0,
}
MATCHED_ROUNDS = 300
MATCHED_EARLY_STOPPING = 30

DEFAULTS = {"objective": "lambdarank"}
DEFAULT_ROUNDS = 100


def read_svmlight(path):
    """Features (float64, rows x features), labels and query sizes of one
    SVMlight file; a query is a run of rows with the same qid."""
    labels, rows, qids = [], [], []
    n_features = 0
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            labels.append(float(line[0]))
            if not line[1].startswith("qid:"):
                raise ValueError(f"{path}: row {len(labels)} has no qid")
            qids.append(line[1][4:])
            row = {}
            for tok in line[2:]:
                i, x = tok.split(":", 1)
                i = int(i)
                row[i] = float(x)
                n_features = max(n_features, i)
            rows.append(row)
    x = np.zeros((len(rows), n_features))
    for r, row in enumerate(rows):
        for i, v in row.items():
            x[r, i - 1] = v
    sizes = []
    prev = None
    for q in qids:
        if q == prev:
            sizes[-1] += 1
        else:
            sizes.append(1)
            prev = q
    return x, np.asarray(labels), np.asarray(sizes, dtype=np.int64)


def mrr_ndcg(scores, labels, sizes, k=K):
    """MRR@k, NDCG@k (means over all queries) and the standard error of the
    MRR@k of `scores`, ties broken by row order."""
    n = len(labels)
    qid = np.repeat(np.arange(len(sizes)), sizes)
    row = np.arange(n)
    # Position within its query of the i-th row of any query-major order.
    pos = row - np.repeat(np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    top = pos < k
    disc = 1.0 / np.log2(pos + 2.0)
    # Sorted by query, then score descending, then row.
    order = np.lexsort((row, -np.asarray(scores, dtype=np.float64), qid))
    lab = labels[order]
    # MRR: the first relevant row within the top k.
    first = np.full(len(sizes), n)
    rel = lab > 0
    np.minimum.at(first, qid[rel], pos[rel])
    rr = np.where(first < k, 1.0 / (first + 1.0), 0.0)
    # NDCG: DCG of the ranking over DCG of the labels sorted descending.
    dcg = np.zeros(len(sizes))
    np.add.at(dcg, qid[top], (2.0 ** lab[top] - 1.0) * disc[top])
    ideal = labels[np.lexsort((row, -labels, qid))]
    idcg = np.zeros(len(sizes))
    np.add.at(idcg, qid[top], (2.0 ** ideal[top] - 1.0) * disc[top])
    ndcg = np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0)
    se = float(rr.std(ddof=1) / np.sqrt(len(rr))) if len(rr) > 1 else 0.0
    return float(rr.mean()), float(ndcg.mean()), se


def row_order(sizes):
    """Scores that rank every query in row order (the linear blend)."""
    starts = np.repeat(np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return -(np.arange(int(sizes.sum())) - starts).astype(np.float64)


def train(name, params, rounds, early_stopping, data, threads):
    """Trains one configuration; returns its report."""
    (xt, yt, gt), (xs, ys, gs) = data["train"], data["stop"]
    p = dict(params)
    p.update({
        "num_threads": threads,
        "deterministic": True,
        "force_row_wise": True,
        "seed": 0,
        "verbosity": -1,
        "metric": "map",
        "eval_at": [K],
        # Bin from every training row, as xsell does.
        "bin_construct_sample_cnt": max(200000, len(yt)),
    })
    evals = {}
    callbacks = [lgb.record_evaluation(evals)]
    if early_stopping:
        callbacks.append(lgb.early_stopping(early_stopping, first_metric_only=True, verbose=False))
    t0 = time.perf_counter()
    dtrain = lgb.Dataset(xt, yt, group=gt)
    dstop = lgb.Dataset(xs, ys, group=gs, reference=dtrain)
    booster = lgb.train(p, dtrain, num_boost_round=rounds, valid_sets=[dstop],
                        valid_names=["stop"], callbacks=callbacks)
    seconds = time.perf_counter() - t0
    best = booster.best_iteration if early_stopping and booster.best_iteration > 0 \
        else len(evals["stop"][f"map@{K}"])
    out = {
        "name": name,
        "params": {k: v for k, v in p.items()},
        "rounds": rounds,
        "early_stopping": early_stopping,
        # (lgb.train keeps only the best round's trees after early stopping.)
        "rounds_run": len(evals["stop"][f"map@{K}"]),
        "trees": best,
        "seconds": seconds,
        "stop_map20_lightgbm": evals["stop"][f"map@{K}"][best - 1],
    }
    for split in ("stop", "held", "held_history"):
        if split in data:
            x, y, g = data[split]
            m, n, se = mrr_ndcg(booster.predict(x, num_iteration=best, num_threads=threads), y, g)
            out[split] = {"mrr20": m, "ndcg20": n, "mrr20_se": se}
    return out


def parse_variant(text):
    """`NAME:key=val,key=val` -> (name, overrides); values parsed as JSON
    where they can be."""
    name, _, rest = text.partition(":")
    over = {}
    for kv in filter(None, rest.split(",")):
        k, _, v = kv.partition("=")
        try:
            over[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            over[k.strip()] = v.strip()
    return name, over


def parse_xsell(text):
    out = {}
    for kv in text.split(","):
        k, _, v = kv.partition("=")
        out[k.strip()] = float(v) if v.strip() else None
    return out


def fmt(x, digits=4):
    return "–" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="directory with train.svm, stop.svm, held.svm [, held_history.svm]")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON to OUT")
    ap.add_argument("--threads", type=int, default=2, help="LightGBM threads (default 2)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:k=v,...",
                    help="extra configuration: the matched one with these LightGBM parameters "
                         "overridden (num_boost_round and early_stopping_round also accepted)")
    ap.add_argument("--no-defaults", action="store_true", help="skip the LightGBM-defaults run")
    ap.add_argument("--summary", action="store_true",
                    help="print only the summary table (held MRR@20, trees, seconds)")
    ap.add_argument("--xsell", metavar="trees=N,seconds=S,held=M,held_history=M",
                    help="xsell's own numbers, shown as a row of the tables")
    args = ap.parse_args()

    data = {}
    for split in ("train", "stop", "held", "held_history"):
        path = os.path.join(args.dir, f"{split}.svm")
        if os.path.exists(path):
            data[split] = read_svmlight(path)
        elif split != "held_history":
            sys.exit(f"missing {path}")
    counts = {s: {"queries": len(d[2]), "rows": len(d[1]),
                  "queries_without_relevant": int(len(d[2]) - len(np.unique(
                      np.repeat(np.arange(len(d[2])), d[2])[d[1] > 0])))}
              for s, d in data.items()}

    linear = {}
    for split in ("stop", "held", "held_history"):
        if split in data:
            _, y, g = data[split]
            m, n, se = mrr_ndcg(row_order(g), y, g)
            linear[split] = {"mrr20": m, "ndcg20": n, "mrr20_se": se}

    runs = [train("LightGBM (matched)", MATCHED, MATCHED_ROUNDS, MATCHED_EARLY_STOPPING,
                  data, args.threads)]
    if not args.no_defaults:
        runs.append(train("LightGBM (defaults)", DEFAULTS, DEFAULT_ROUNDS, 0, data, args.threads))
    for v in args.variant:
        name, over = parse_variant(v)
        rounds = int(over.pop("num_boost_round", MATCHED_ROUNDS))
        es = int(over.pop("early_stopping_round", MATCHED_EARLY_STOPPING))
        runs.append(train(f"LightGBM ({name})", {**MATCHED, **over}, rounds, es, data,
                          args.threads))

    xsell = parse_xsell(args.xsell) if args.xsell else None
    if xsell and xsell.get("linear") is not None and abs(xsell["linear"] - linear["held"]["mrr20"]) > 6e-5:
        print(f"warning: xsell's linear held MRR@20 {xsell['linear']:.4f} differs from "
              f"row order's {linear['held']['mrr20']:.4f} here", file=sys.stderr)

    g = lambda r, s, m: r.get(s, {}).get(m)
    print(f"LightGBM {lgb.__version__}, {args.threads} threads; queries (rows): "
          + ", ".join(f"{s} {c['queries']} ({c['rows']})" for s, c in counts.items()))
    print()
    print("| ranker | held MRR@20 | held+history MRR@20 | trees | train s |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| linear (row order) | {fmt(g(linear, 'held', 'mrr20'))} | "
          f"{fmt(g(linear, 'held_history', 'mrr20'))} | – | – |")
    if xsell:
        print(f"| xsell trees | {fmt(xsell.get('held'))} | {fmt(xsell.get('held_history'))} | "
              f"{int(xsell['trees'])} | {xsell['seconds']:.1f} |")
    for r in runs:
        print(f"| {r['name']} | {fmt(g(r, 'held', 'mrr20'))} | "
              f"{fmt(g(r, 'held_history', 'mrr20'))} | {r['trees']} | {r['seconds']:.1f} |")
    if args.summary:
        return write_json(args, counts, linear, xsell, runs)
    print()
    print("| ranker | stop MRR@20 | held MRR@20 | held NDCG@20 | held+history MRR@20 "
          "| held+history NDCG@20 | trees (rounds run) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| linear (row order) | {fmt(g(linear, 'stop', 'mrr20'))} | "
          f"{fmt(g(linear, 'held', 'mrr20'))} | {fmt(g(linear, 'held', 'ndcg20'))} | "
          f"{fmt(g(linear, 'held_history', 'mrr20'))} | "
          f"{fmt(g(linear, 'held_history', 'ndcg20'))} | – |")
    for r in runs:
        print(f"| {r['name']} | {fmt(g(r, 'stop', 'mrr20'))} | {fmt(g(r, 'held', 'mrr20'))} | "
              f"{fmt(g(r, 'held', 'ndcg20'))} | {fmt(g(r, 'held_history', 'mrr20'))} | "
              f"{fmt(g(r, 'held_history', 'ndcg20'))} | {r['trees']} ({r['rounds_run']}) |")
    write_json(args, counts, linear, xsell, runs)


def write_json(args, counts, linear, xsell, runs):
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lightgbm_version": lgb.__version__, "threads": args.threads,
                       "counts": counts, "linear": linear, "xsell": xsell, "runs": runs},
                      f, indent=2)


if __name__ == "__main__":
    main()
