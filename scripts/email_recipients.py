#!/usr/bin/env python3
"""A recipients export (recipient,order,time,item) from Instacart's
orders_sample.csv, for `xsell email`.

Instacart gives no dates, only days since the prior order: each user's
orders are laid out backwards from --end (the latest order that many days
before it, --gap), each order at its hour of day. Keys look like e-mail
addresses on purpose (customer<user>@mail.example) so the checks can show
that none reaches a block.

  email_recipients.py ORDERS_CSV OUT_CSV [--orders N] [--snapshots]

--orders N     keep each user's last N orders (default 5)
--snapshots    one recipient per user and order k >= 2: the user as they
               were before order k (about 15k recipients from 593 users),
               for measuring speed at scale
"""
import argparse, csv, datetime as dt
from collections import defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("orders")
ap.add_argument("out")
ap.add_argument("--orders", type=int, default=5, dest="keep")
ap.add_argument("--snapshots", action="store_true")
ap.add_argument("--end", default="2026-12-01T00:00:00+00:00")
ap.add_argument("--gap", type=int, default=3, help="days from the latest order to --end")
a = ap.parse_args()

orders = defaultdict(dict)   # user -> order_number -> (order_id, days_since_prior, hour, [items])
with open(a.orders, newline="") as f:
    for r in csv.DictReader(f):
        u, n = int(r["user_id"]), int(r["order_number"])
        o = orders[u].setdefault(n, [r["order_id"], r["days_since_prior_order"], int(r["order_hour_of_day"]), []])
        o[3].append((float(r["add_to_cart_order"] or 0), r["product_id"]))

end = dt.datetime.fromisoformat(a.end)
rows = []
for u in sorted(orders):
    seq = [orders[u][n] for n in sorted(orders[u])]
    # Days back from the latest order: walk the gaps backwards.
    back, days = [0.0] * len(seq), 0.0
    for i in range(len(seq) - 1, 0, -1):
        days += float(seq[i][1] or 0)
        back[i - 1] = days
    def stamp(i):
        t = end - dt.timedelta(days=a.gap + back[i])
        return t.replace(hour=seq[i][2], minute=0, second=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    cuts = range(2, len(seq) + 1) if a.snapshots else [len(seq)]
    for k in cuts:
        key = f"customer{u}-{k}@mail.example" if a.snapshots else f"customer{u}@mail.example"
        for i in range(max(0, k - a.keep), k):
            for _, item in sorted(seq[i][3]):
                rows.append((key, seq[i][0], stamp(i), item))

with open(a.out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["recipient", "order", "time", "item"])
    w.writerows(rows)
print(f"{a.out}: {len({r[0] for r in rows})} recipients, {len(rows)} order lines")
