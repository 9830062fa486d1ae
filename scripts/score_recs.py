#!/usr/bin/env python3
"""Scores a session-rec recommendation file against a test split, on its own.

Usage:
    python3 scripts/score_recs.py RECS TEST [--train TRAIN] [--json]

RECS is the file `xsell eval --save-recs` writes (or any outside model's
prediction file in session-rec's form):

    SessionId;Position;Recommendations;Scores
    406400;0;2480,13176,...;1.0,0.83,...

`Position` is the 0-based index, within its session, of the LAST item of the
prefix the list was made for; the list predicts the item at Position + 1.
Every session starts at 0. This is session-rec's convention: its evaluation
loop passes `position=pos` to the `Saver` metric, with `pos` reset to 0 at
each new session and incremented after each prediction, and its `ResultFile`
model reads row `Position == 0` for the first prediction of a session.

TEST is a tab-separated `SessionId  ItemId  Time` file with a header (the
GRU4Rec / session-rec form). Events are ordered by Time within a session (ties
keep file order). With --train, test events on items absent from TRAIN are
dropped first, as session-rec's loader does; sessions left with fewer than two
events are always dropped.

Every prediction the test split implies must have exactly one row, and no
other row may appear: a missing or extra row is an error, not a miss.

Prints HR@20, MRR@20, HR@10 and MRR@10 (or, with --json, one JSON object with
`predictions`, `hr20`, `mrr20`, `hr10`, `mrr10`). Plain python3, no numpy.
"""

import argparse
import csv
import json
import math
import sys
from collections import OrderedDict

RECS_HEADER = ["SessionId", "Position", "Recommendations", "Scores"]
CUTOFFS = (20, 10)


def fail(msg):
    sys.exit(f"score_recs.py: {msg}")


def read_tsv(path, required):
    """Rows of a tab-separated file with a header, as dicts of the required columns."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        try:
            header = next(reader)
        except StopIteration:
            fail(f"{path} is empty")
        missing = [c for c in required if c not in header]
        if missing:
            fail(f"{path}: the header has no {', '.join(missing)} column (found: {', '.join(header)})")
        cols = [header.index(c) for c in required]
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                fail(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
            yield line, [row[c] for c in cols]


def time_value(text, path, line):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            fail(f"{path}:{line}: Time `{text}` is not a number")


def read_test(path, train_items):
    """Sessions of the test split: session id -> item ids in time order."""
    events = OrderedDict()
    for line, (sid, item, t) in read_tsv(path, ["SessionId", "ItemId", "Time"]):
        if train_items is not None and item not in train_items:
            continue
        events.setdefault(sid, []).append((time_value(t, path, line), line, item))
    sessions = OrderedDict()
    for sid, evs in events.items():
        if len(evs) < 2:
            continue
        evs.sort(key=lambda e: (e[0], e[1]))
        sessions[sid] = [e[2] for e in evs]
    return sessions


def read_train_items(path):
    return {item for _, (item,) in read_tsv(path, ["ItemId"])}


def read_recs(path):
    """(session id, position) -> recommended item ids, best first."""
    recs = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter=";")
        header = next(reader, None)
        if header != RECS_HEADER:
            fail(f"{path}: the header must be {';'.join(RECS_HEADER)} (found: {';'.join(header or [])})")
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(RECS_HEADER):
                fail(f"{path}:{line}: {len(row)} fields, expected {len(RECS_HEADER)}")
            sid, pos, items, scores = row
            try:
                pos = int(pos)
            except ValueError:
                fail(f"{path}:{line}: Position `{pos}` is not an integer")
            items = items.split(",") if items else []
            n_scores = len(scores.split(",")) if scores else 0
            if n_scores != len(items):
                fail(f"{path}:{line}: {len(items)} recommendations but {n_scores} scores")
            if (sid, pos) in recs:
                fail(f"{path}:{line}: a second row for session {sid}, position {pos}")
            recs[(sid, pos)] = items
    return recs


def score(sessions, recs, recs_path):
    hits = {k: 0 for k in CUTOFFS}
    rr = {k: [] for k in CUTOFFS}
    n = 0
    for sid, items in sessions.items():
        for pos in range(len(items) - 1):
            ranked = recs.pop((sid, pos), None)
            if ranked is None:
                fail(f"{recs_path}: no row for session {sid}, position {pos} (the prefix ends at item {pos}, the target is item {pos + 1}: {items[pos + 1]})")
            n += 1
            target = items[pos + 1]
            for k in CUTOFFS:
                top = ranked[:k]
                if target in top:
                    hits[k] += 1
                    rr[k].append(1.0 / (top.index(target) + 1))
    if recs:
        (sid, pos) = sorted(recs)[0]
        fail(f"{recs_path}: {len(recs)} rows match no prediction of the test split, e.g. session {sid}, position {pos}")
    if n == 0:
        fail("the test split has no predictions (no session with two or more events)")
    out = {"predictions": n}
    for k in CUTOFFS:
        out[f"hr{k}"] = hits[k] / n
        out[f"mrr{k}"] = math.fsum(rr[k]) / n
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("recs", help="SessionId;Position;Recommendations;Scores file")
    ap.add_argument("test", help="SessionId<TAB>ItemId<TAB>Time test split")
    ap.add_argument("--train", help="training split: drop test items it lacks, as session-rec does")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    train_items = read_train_items(args.train) if args.train else None
    sessions = read_test(args.test, train_items)
    result = score(sessions, read_recs(args.recs), args.recs)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['predictions']} predictions in {len(sessions)} sessions")
        for k in CUTOFFS:
            print(f"HR@{k}  {result[f'hr{k}']:.6f}")
            print(f"MRR@{k} {result[f'mrr{k}']:.6f}")


if __name__ == "__main__":
    main()
