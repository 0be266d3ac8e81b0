#!/usr/bin/env python3
"""Score sitmap's geoparser on the news geoparsing dev set.

Dumps the benchmark documents with the shared scorer, runs sitmap's extraction
over every document (in-process by default, or through the ``sitmap extract``
command with ``--cli``), converts the mentions to the scorer's JSON Lines
format and prints, per corpus, recognition precision / recall / F1 (overlap
match), accuracy within 161 km, AUC of the error curve and end-to-end F1@161.

Usage::

    .venv/bin/python bench/geoparse_eval.py                 # in-process
    .venv/bin/python bench/geoparse_eval.py --cli           # via `sitmap extract`
    .venv/bin/python bench/geoparse_eval.py --shared ../shared --keep /tmp/geo

The scorer and the corpora live in ``../shared/eval/geoparse`` (research use
only: nothing from them is copied into the project).  Anaphors ("the city")
are left out of the predictions: the corpora annotate names, not references.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: anaphor mentions as ``extract`` prints them (older outputs have no ``anaphor`` field)
_ANAPHOR_TEXT = re.compile(r"(?i)^the (?:city|capital|town|village|port|settlement)$")

TARGETS = {"f1": 0.80, "acc161": 0.85, "e2e": 0.70}


def _scorer(shared: Path) -> Path:
    path = shared / "eval" / "geoparse" / "eval_geoparse.py"
    if not path.is_file():
        sys.exit(f"scorer not found at {path} (use --shared)")
    return path


def dump(shared: Path, out: Path) -> list[dict]:
    """Write the documents with the scorer and return the index records."""
    if not (out / "index.jsonl").is_file():
        subprocess.run(
            [sys.executable, str(_scorer(shared)), "--dataset", "news", "--dump-docs", str(out)],
            check=True,
        )
    with open(out / "index.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _record(doc_id: str, m) -> dict:
    p = m.place
    return {
        "doc_id": doc_id,
        "start": m.start,
        "end": m.end,
        "name": p.name if p else m.text,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
    }


def extract_in_process(
    docs_dir: Path, index: list[dict], with_demonyms: bool
) -> tuple[list[dict], float, int]:
    """Run recognition and resolution in this process; return (records, seconds, chars)."""
    from sitmap.gazetteer import Gazetteer
    from sitmap.geocode import resolve
    from sitmap.mentions import demonym_mentions, recognize, recognizer_for
    from sitmap.model import Article
    from sitmap.sentences import split_sentences

    gaz = Gazetteer.open()
    recognizer_for(gaz)  # build the automaton outside the timed loop
    out: list[dict] = []
    chars = 0
    t0 = time.perf_counter()
    for rec in index:
        # no newline translation: offsets index the text exactly as decoded
        with open(docs_dir / rec["path"], encoding="utf-8", newline="") as fh:
            text = fh.read()
        chars += len(text)
        art = Article(doc_id=rec["doc_id"], source=rec["path"], text=text)
        sents = split_sentences(text)
        mentions = recognize(art, sents, gaz)
        if with_demonyms:
            mentions = sorted(mentions + demonym_mentions(art, sents, gaz), key=lambda m: m.start)
        for m in resolve(art, sents, mentions, gaz):
            if m.anaphor:
                continue
            out.append(_record(rec["doc_id"], m))
    return out, time.perf_counter() - t0, chars


def extract_cli(docs_dir: Path, index: list[dict]) -> tuple[list[dict], float, int]:
    """Run ``sitmap extract`` once per corpus folder and map sources back to doc ids."""
    by_path = {rec["path"]: rec["doc_id"] for rec in index}
    chars = sum(rec.get("n_chars", 0) for rec in index)
    out: list[dict] = []
    t0 = time.perf_counter()
    for ds in sorted({rec["dataset"] for rec in index}):
        proc = subprocess.run(
            [sys.executable, "-m", "sitmap", "extract", ds, "--format", "jsonl"],
            cwd=docs_dir,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(f"sitmap extract failed: {proc.stderr.strip()}")
        for line in proc.stdout.splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            src = d["source"].replace(os.sep, "/")
            doc_id = by_path.get(src) or by_path.get(f"{ds}/{src}")
            if doc_id is None or d.get("anaphor") or _ANAPHOR_TEXT.match(d["text"]):
                continue  # a reference back ("the city"), not a name
            out.append(
                {
                    "doc_id": doc_id,
                    "start": d["start"],
                    "end": d["end"],
                    "name": d.get("name") or d["text"],
                    "lat": d.get("lat"),
                    "lon": d.get("lon"),
                }
            )
    return out, time.perf_counter() - t0, chars


def score(shared: Path, preds: Path, json_out: Path) -> dict:
    subprocess.run(
        [
            sys.executable,
            str(_scorer(shared)),
            "--dataset",
            "news",
            "--pred",
            str(preds),
            "--json",
            str(json_out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(json_out, encoding="utf-8") as fh:
        return json.load(fh)


def table(results: dict) -> str:
    rows = [
        "corpus     docs     P      R     F1   acc@161   AUC   e2e-P  e2e-R  e2e-F1",
    ]
    for ds, r in results.items():
        ov = r["recognition"]["overlap"]
        v = r["resolution"]
        e = v["end_to_end@161"]
        acc = v["acc@161km"] or 0.0
        auc = v["auc"] if v["auc"] is not None else float("nan")
        rows.append(
            f"{ds:9s} {r['n_docs']:5d}  {ov['precision']:.3f}  {ov['recall']:.3f}  {ov['f1']:.3f}"
            f"   {acc:.3f}   {auc:.3f}  {e['precision']:.3f}  {e['recall']:.3f}  {e['f1']:.3f}"
            + (
                ""
                if ov["f1"] >= TARGETS["f1"]
                and acc >= TARGETS["acc161"]
                and e["f1"] >= TARGETS["e2e"]
                else "   (below target)"
            )
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("SITMAP_SHARED", ROOT.parent / "shared"))
    )
    ap.add_argument(
        "--keep", type=Path, help="work directory to keep (documents, predictions, scores)"
    )
    ap.add_argument(
        "--cli", action="store_true", help="run `sitmap extract` instead of calling the library"
    )
    ap.add_argument(
        "--demonyms",
        action="store_true",
        help="also predict demonyms (LGL and TR-News annotate 'American', 'Russian' as toponyms; "
        "sitmap's extract output does not list them)",
    )
    a = ap.parse_args(argv)
    work = a.keep or Path(tempfile.mkdtemp(prefix="sitmap-geoparse-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = work / "docs"
    index = dump(a.shared, docs)
    if a.cli:
        preds, secs, chars = extract_cli(docs, index)
    else:
        preds, secs, chars = extract_in_process(docs, index, a.demonyms)
    pred_path = work / "preds.jsonl"
    with open(pred_path, "w", encoding="utf-8") as fh:
        for p in preds:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    results = score(a.shared, pred_path, work / "scores.json")
    mode = "sitmap extract" if a.cli else "in-process"
    print(
        f"geoparse dev set, {mode}{' + demonyms' if a.demonyms else ''}: {len(index)} documents, "
        f"{chars / 1e6:.2f} M chars, {len(preds)} predictions, {secs:.1f} s "
        f"({chars / 1e6 / secs:.2f} M chars/s)"
    )
    print(table(results))
    print(
        f"(recognition: overlap match; targets F1>={TARGETS['f1']}, acc@161>={TARGETS['acc161']}, "
        f"e2e F1>={TARGETS['e2e']}; predictions and scores in {work})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
