"""A hostile catalogue from a public XSS payload corpus, for tests/e2e/xss.mjs.

Every distinct payload of brs-kb 4.0.2 (MIT, PyPI: `pip install brs-kb==4.0.2`;
.ci/install does) becomes an item's title, and the next payloads its
department and aisle names; every third item's product link and every second
image link is a payload too (the trainer's URL policy must drop those and
count them). Item ids stay plain (x0, x1, ...) so the pages can be walked.
Sessions link each item to its neighbours, so every product page's widget
shows hostile cards.

    python3 scripts/xss_catalog.py OUT_DIR
writes OUT_DIR/catalog.jsonl, OUT_DIR/events.tsv and OUT_DIR/payloads.json.
"""
import json
import sys
from pathlib import Path

import brs_kb

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
entries = brs_kb.get_all_payloads()
payloads = sorted({e["payload"] for e in entries.values() if isinstance(e, dict) and e.get("payload")})
n = len(payloads)
with open(out / "catalog.jsonl", "w", encoding="utf-8") as f:
    for k, p in enumerate(payloads):
        item = {
            "id": f"x{k}",
            "title": p,
            "category": [payloads[(k + 1) % n], payloads[(k + 2) % n]],
            "price": 1.99,
            "url": p if k % 3 == 0 else f"/p/x{k}",
            "image": p if k % 2 == 0 else f"/img/x{k}.svg",
            "in_stock": True,
        }
        f.write(json.dumps(item, ensure_ascii=False) + "\n")
with open(out / "events.tsv", "w", encoding="utf-8") as f:
    f.write("SessionId\tItemId\tTime\n")
    t = 1_700_000_000
    for s in range(n):
        for d in (0, 1, 2, 7):
            t += 1
            f.write(f"{s}\tx{(s + d) % n}\t{t}\n")
(out / "payloads.json").write_text(json.dumps(payloads, ensure_ascii=False), encoding="utf-8")
print(f"{n} distinct payloads from brs-kb {brs_kb.get_kb_version()} -> {out}")
