#!/usr/bin/env python3
"""Score the status tagger on the labelled sentences in ``tests/data/status_sentences.jsonl``.

Each record holds a short text (one sentence, sometimes two or three when the
case needs context), the places in it with their character offsets, and what
the text says about each place: the expected statuses, each with its
epistemic value and, where the text has them, claimant, hedge and outcome.

The script builds mentions straight from the labelled offsets, so it measures
tagging, not geoparsing, and prints:

- per-status precision, recall and F1, and their macro average (over every
  status with gold or predicted support);
- a confusion table (rows gold, columns predicted; ``-`` is "nothing");
- accuracy of the epistemic value, claimant, hedge and outcome on the
  statuses found.

Records whose number is a multiple of 5 form a held-out split that the rules
were not tuned on; ``--split heldout`` scores only those, ``--split dev`` the
rest.

Usage::

    python bench/status_eval.py [--data PATH] [--split all|dev|heldout] [--json] [--errors] [--end-to-end]

``--end-to-end`` runs recognition and geocoding too (needs the gazetteer), so
it measures what a user of ``sitmap places`` would see.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitmap.model import SEVERITY_ORDER, Article, Kind, Mention, Place, Status  # noqa: E402
from sitmap.sentences import split_sentences  # noqa: E402
from sitmap.status import RuleTagger  # noqa: E402

DATA = ROOT / "tests" / "data" / "status_sentences.jsonl"
STATUSES = [s.value for s in SEVERITY_ORDER]


def load(path: Path = DATA, split: str = "all") -> list[dict[str, Any]]:
    """Read the labelled records, optionally one split of them."""
    items = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if split == "all":
        return items
    held = [it for it in items if int(it["id"].lstrip("s")) % 5 == 0]
    return held if split == "heldout" else [it for it in items if it not in held]


def predict(item: dict[str, Any], tagger: RuleTagger) -> dict[str, list[Any]]:
    """Run the tagger on one record; return the assertions per place name."""
    text = item["text"]
    date = dt.date.fromisoformat(item["date"]) if item.get("date") else None
    article = Article(doc_id=item["id"], source=item["id"], text=text, date=date)
    mentions = []
    for i, p in enumerate(item["places"]):
        # Coordinates do not matter to the tagger; a distinct id keeps places apart.
        place = Place(p["name"], 0.0, 0.0, Kind(p["kind"]), geonameid=900000 + i)
        for s0, s1 in p["mentions"]:
            mentions.append(Mention(item["id"], item["id"], s0, s1, text[s0:s1], place))
    mentions.sort(key=lambda m: m.start)
    out: dict[str, list[Any]] = defaultdict(list)
    for a in tagger.tag(article, split_sentences(text), mentions):
        out[a.place.name].append(a)
    return out


def predict_end_to_end(item: dict[str, Any], gazetteer: Any) -> dict[str, list[Any]]:
    """Run the whole pipeline (recognition, geocoding, tagging) on one record.

    Assertions are credited to a labelled place when the mention they are
    about overlaps one of its labelled offsets, so a place the geoparser
    misses or misplaces counts against the tagger here too.
    """
    from sitmap.pipeline import process_article

    text = item["text"]
    date = dt.date.fromisoformat(item["date"]) if item.get("date") else None
    article = Article(doc_id=item["id"], source=item["id"], text=text, date=date)
    out: dict[str, list[Any]] = defaultdict(list)
    for a in process_article(article, gazetteer).assertions:
        for p in item["places"]:
            if a.mention_start is not None and any(
                a.mention_start < s1 and s0 < (a.mention_end or a.mention_start)
                for s0, s1 in p["mentions"]
            ):
                out[p["name"]].append(a)
                break
    return out


def _contains(expected: str, got: str | None) -> bool:
    """True when the claimant found and the one expected name the same party."""
    if not got:
        return False
    return expected.lower() in got.lower() or got.lower() in expected.lower()


def evaluate(
    items: list[dict[str, Any]], tagger: RuleTagger | None = None, *, gazetteer: Any = None
) -> dict[str, Any]:
    """Score *items*; return counts, per-status scores, the confusion table and error list.

    With *gazetteer*, run the whole pipeline instead of building mentions from
    the labelled offsets.
    """
    tagger = tagger or RuleTagger()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    attr: dict[str, list[int]] = {k: [0, 0] for k in ("epistemic", "claimant", "hedge", "outcome")}
    errors = []
    for item in items:
        pred = predict(item, tagger) if gazetteer is None else predict_end_to_end(item, gazetteer)
        for p in item["places"]:
            gold = {e["status"] for e in p["expected"]}
            found = pred.get(p["name"], [])
            got = {a.status.value for a in found}
            for s in gold & got:
                tp[s] += 1
                confusion[s][s] += 1
            miss = sorted(gold - got, key=STATUSES.index)
            extra = sorted(got - gold, key=STATUSES.index)
            for s in miss:
                fn[s] += 1
            for s in extra:
                fp[s] += 1
            for i in range(max(len(miss), len(extra))):
                g = miss[i] if i < len(miss) else "-"
                x = extra[i] if i < len(extra) else "-"
                confusion[g][x] += 1
            if miss or extra:
                errors.append(
                    {
                        "id": item["id"],
                        "place": p["name"],
                        "missing": miss,
                        "extra": extra,
                        "text": item["text"],
                    }
                )
            for e in p["expected"]:
                if e["status"] == Status.MENTIONED.value or e["status"] not in got:
                    continue
                same = [a for a in found if a.status.value == e["status"]]
                ok_ep = any(a.epistemic.value == e["epistemic"] for a in same)
                attr["epistemic"][0] += ok_ep
                attr["epistemic"][1] += 1
                if not ok_ep:
                    errors.append(
                        {
                            "id": item["id"],
                            "place": p["name"],
                            "status": e["status"],
                            "epistemic": e["epistemic"],
                            "got": sorted({a.epistemic.value for a in same}),
                            "text": item["text"],
                        }
                    )
                if e.get("claimant"):
                    attr["claimant"][0] += any(_contains(e["claimant"], a.claimant) for a in same)
                    attr["claimant"][1] += 1
                if e.get("hedge"):
                    attr["hedge"][0] += any(
                        a.hedge and e["hedge"].lower() in a.hedge.lower() for a in same
                    )
                    attr["hedge"][1] += 1
                if e.get("outcome"):
                    attr["outcome"][0] += any(a.outcome == e["outcome"] for a in same)
                    attr["outcome"][1] += 1
    per: dict[str, dict[str, float]] = {}
    for s in STATUSES:
        if tp[s] + fp[s] + fn[s] == 0:
            continue
        p_ = tp[s] / (tp[s] + fp[s]) if tp[s] + fp[s] else 0.0
        r_ = tp[s] / (tp[s] + fn[s]) if tp[s] + fn[s] else 0.0
        f_ = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
        per[s] = {"precision": p_, "recall": r_, "f1": f_, "support": tp[s] + fn[s]}
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    return {
        "items": len(items),
        "per_status": per,
        "macro_f1": macro,
        "micro_f1": (
            2 * sum(tp.values()) / (2 * sum(tp.values()) + sum(fp.values()) + sum(fn.values()))
        )
        if tp
        else 0.0,
        "accuracy": {k: (v[0] / v[1] if v[1] else None, v[1]) for k, v in attr.items()},
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "errors": errors,
    }


def report(res: dict[str, Any]) -> str:
    """Format an :func:`evaluate` result as plain text tables."""
    lines = [f"records: {res['items']}", "", f"{'status':<14}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"]
    for s, v in res["per_status"].items():
        lines.append(
            f"{s:<14}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['support']:>6}"
        )
    lines.append(f"{'macro-F1':<14}{'':>14}{res['macro_f1']:>7.3f}")
    lines.append(f"{'micro-F1':<14}{'':>14}{res['micro_f1']:>7.3f}")
    lines.append("")
    for k, (acc, n) in res["accuracy"].items():
        lines.append(f"{k} accuracy: {'n/a' if acc is None else f'{acc:.3f}'} (n={n})")
    lines.append("")
    cols = [s for s in STATUSES if s in res["per_status"]] + ["-"]
    abbrev = {s: s[:5] for s in cols}
    lines.append("confusion (rows gold, columns predicted)")
    lines.append(" " * 14 + "".join(f"{abbrev[c]:>6}" for c in cols))
    for g in cols:
        row = res["confusion"].get(g, {})
        lines.append(f"{g:<14}" + "".join(f"{row.get(c, 0) or '.':>6}" for c in cols))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--split", choices=["all", "dev", "heldout"], default="all")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--errors", action="store_true", help="also list the disagreements")
    ap.add_argument(
        "--end-to-end",
        action="store_true",
        help="find and geocode places with the real pipeline instead of using the labelled offsets",
    )
    args = ap.parse_args(argv)
    gazetteer = None
    if args.end_to_end:
        from sitmap.gazetteer import Gazetteer

        gazetteer = Gazetteer.open()
    res = evaluate(load(args.data, args.split), gazetteer=gazetteer)
    if args.json:
        print(json.dumps({k: v for k, v in res.items() if k != "errors" or args.errors}, indent=1))
        return 0
    print(report(res))
    if args.errors:
        print()
        for e in res["errors"]:
            print(json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
