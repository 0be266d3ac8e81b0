#!/usr/bin/env python3
"""Throughput of sitmap's place extraction (recognition + resolution), per core.

The gazetteer and the recogniser's automaton are loaded first and not timed;
then every document of the geoparsing dev set (or, without ``../shared``, the
built-in example article) goes through sentence splitting, :func:`recognize`
and :func:`resolve` (sentence splitting is also timed alone: the other stages
include it).  The first pass warms the gazetteer's in-memory entry
cache; the figure reported is the best of the following passes, in megabytes
of UTF-8 text per second of this process's CPU time (one core: the pipeline is
single-threaded), with wall-clock time beside it because the machine may be
shared.

Usage::

    .venv/bin/python bench/geoparse_speed.py [--passes 3] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    """A one-line description of the CPU, core count and load."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{model}, {os.cpu_count()} cores, load average {load:.1f}, "
        f"Python {platform.python_version()}"
    )


def texts(shared: Path) -> list[str]:
    """The dev-set documents as text, or the example article when they are absent."""
    scorer = shared / "eval" / "geoparse" / "eval_geoparse.py"
    if scorer.is_file():
        out = Path(tempfile.mkdtemp(prefix="sitmap-speed-"))
        subprocess.run(
            [sys.executable, str(scorer), "--dataset", "news", "--dump-docs", str(out)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        return [p.read_text(encoding="utf-8") for p in sorted(out.glob("*/*.txt"))]
    from sitmap.ingest import example_text

    return [example_text()] * 50


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("SITMAP_SHARED", ROOT.parent / "shared"))
    )
    ap.add_argument("--passes", type=int, default=3)
    a = ap.parse_args(argv)

    from sitmap.gazetteer import Gazetteer
    from sitmap.geocode import resolve
    from sitmap.mentions import recognize, recognizer_for
    from sitmap.model import Article
    from sitmap.sentences import split_sentences

    t0 = time.perf_counter()
    gaz = Gazetteer.open()
    recognizer_for(gaz)
    load_s = time.perf_counter() - t0
    docs = texts(a.shared)
    mb = sum(len(t.encode("utf-8")) for t in docs) / 1e6
    arts = [Article(doc_id=str(i), source=str(i), text=t) for i, t in enumerate(docs)]

    def one_pass(stages: str) -> tuple[float, float, int]:
        c0, w0 = time.process_time(), time.perf_counter()
        n = 0
        for art in arts:
            sents = split_sentences(art.text)
            if stages == "split":
                continue
            ms = recognize(art, sents, gaz)
            if stages == "all":
                ms = resolve(art, sents, ms, gaz)
            n += len(ms)
        return time.process_time() - c0, time.perf_counter() - w0, n

    print(f"machine: {machine()}")
    print(f"gazetteer + automaton load: {load_s:.1f} s (not timed below)")
    print(f"text: {len(docs)} documents, {mb:.2f} MB")
    one_pass("all")  # warm-up: fills the gazetteer's entry cache
    for stages, label in (
        ("split", "sentence splitting alone"),
        ("recognize", "recognition only"),
        ("all", "recognition + resolution"),
    ):
        best = min(one_pass(stages) for _ in range(max(1, a.passes)))
        cpu, wall, n = best
        print(
            f"{label:26s}: {mb / cpu:6.2f} MB/s per core (CPU {cpu:.2f} s, wall {wall:.2f} s, "
            f"{n} mentions)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
