#!/usr/bin/env python3
"""xsell's exact Markov removal effects against ChannelAttribution's
simulated ones (markov_model, order=1) on seeded random path summaries.

Usage: attribution_reference.py XSELL_BINARY [FILES...]
Writes a summary table to stdout; exits 1 if any removal effect differs by
more than the tolerance (ChannelAttribution estimates by simulation, so
the two agree within its simulation error, not exactly).

ChannelAttribution caps simulated paths at the longest observed path
unless `max_step` is given; with loops (a > b > a) that cap cuts journeys
short and biases its removal effects by up to 0.03 (0.30 instead of 0.33).
We pass max_step=1000, where its simulation converges on the exact chain
solution.
"""
import json, os, random, subprocess, sys, tempfile

import pandas as pd
from ChannelAttribution import markov_model

ABS_TOL = 0.02   # removal effects are in [0, 1]
REL_TOL = 0.05


def random_summary(seed):
    rng = random.Random(seed)
    channels = [f"ch{i}" for i in range(rng.randint(3, 8))]
    rows = {}
    for _ in range(rng.randint(40, 300)):
        k = rng.choices([1, 2, 3, 4, 5, 6], weights=[30, 25, 18, 12, 8, 7])[0]
        path = " > ".join(rng.choice(channels) for _ in range(k))
        conv = rng.choice([0, 0, 1, 2, 3, 5, 10, 40])
        null = rng.choice([0, 1, 5, 20, 100, 400])
        if conv + null == 0:
            null = 1
        c, v, n = rows.get(path, (0, 0.0, 0))
        rows[path] = (c + conv, v + conv * rng.uniform(5, 150), n + null)
    return pd.DataFrame(
        [(p, c, round(v, 2), n) for p, (c, v, n) in rows.items()],
        columns=["path", "total_conversions", "total_conversion_value", "total_null"],
    )


def xsell(binary, csv_path):
    out = subprocess.run(
        [binary, "attribution", "--paths", csv_path, "--json", "--resamples", "0"],
        check=True, capture_output=True, text=True,
    ).stdout
    return {c["channel"]: c["removal_effect"] for c in json.loads(out)["channels"]}


def reference(df):
    r = markov_model(df, "path", "total_conversions", var_value="total_conversion_value",
                     var_null="total_null", order=1, out_more=True, flg_pro=False,
                     verbose=0, nsim_start=1_000_000, max_step=1000, seed=1)
    re = r["removal_effects"]
    return dict(zip(re["channel_name"], re["removal_effects_conversion"]))


def main():
    binary = sys.argv[1]
    frames = [(f"random seed {s}", random_summary(s)) for s in range(12)]
    for f in sys.argv[2:]:
        frames.append((f, pd.read_csv(f, skipinitialspace=True)))
    worst, failures = 0.0, []
    print("| summary | channels | paths | largest abs. difference | at channel (xsell vs ChannelAttribution) |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, df in frames:
            path = os.path.join(tmp, "paths.csv")
            df.to_csv(path, index=False)
            ours, theirs = xsell(binary, path), reference(df)
            diffs = {c: abs(ours[c] - theirs.get(c, 0.0)) for c in ours}
            c = max(diffs, key=diffs.get)
            worst = max(worst, diffs[c])
            print(f"| {name} | {len(ours)} | {len(df)} | {diffs[c]:.4f} | {c} ({ours[c]:.4f} vs {theirs.get(c, 0.0):.4f}) |")
            for ch, d in diffs.items():
                if d > ABS_TOL and d > REL_TOL * theirs.get(ch, 0.0):
                    failures.append(f"{name}: {ch} xsell {ours[ch]:.4f} vs ChannelAttribution {theirs.get(ch, 0.0):.4f}")
    print(f"\nlargest difference over all summaries: {worst:.4f} (tolerance {ABS_TOL} or {REL_TOL:.0%})")
    if failures:
        print("\n".join(["DISAGREE:"] + failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
