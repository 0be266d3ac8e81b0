"""Benchmark ``sitmap run``: an incremental run against a full rebuild.

A store holding N synthetic articles (default 10,000) receives M new ones
(default 100).  The incremental run (only the new articles are read and
processed; the map is regenerated) is timed against a full rebuild (a fresh
store, every article processed; the map generated).  Both runs are the real
command in a child process, as cron would start it, so start-up and
gazetteer loading count on both sides.  The target is an incremental run of
at most 15% of the rebuild.

Usage::

    .venv/bin/python bench/run_bench.py [--articles 10000] [--new 100] [--workdir DIR]

It takes a few minutes (the 10,000 articles are processed twice).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Places the offline gazetteer knows, in and around the conflict and beyond.
PLACES = [
    "Kyiv", "Kharkiv", "Kherson", "Mariupol", "Odesa", "Mykolaiv", "Chernihiv", "Sumy",
    "Zaporizhzhia", "Dnipro", "Lviv", "Zhytomyr", "Irpin", "Bucha", "Hostomel", "Melitopol",
    "Berdiansk", "Izium", "Volnovakha", "Enerhodar", "Poltava", "Vinnytsia", "Rivne", "Lutsk",
    "Uzhhorod", "Ternopil", "Kropyvnytskyi", "Cherkasy", "Kramatorsk", "Sloviansk", "Bakhmut",
    "Lysychansk", "Sievierodonetsk", "Severodonetsk", "Avdiivka", "Donetsk", "Luhansk",
    "Horlivka", "Makiivka", "Kremenchuk", "Kryvyi Rih", "Nikopol", "Okhtyrka", "Konotop",
    "Trostianets", "Brovary", "Vasylkiv", "Bila Tserkva", "Fastiv", "Borodianka",
    "Makariv", "Vyshhorod", "Chuhuiv", "Balakliia", "Kupiansk", "Lyman", "Pokrovsk",
    "Toretsk", "Vuhledar", "Marinka", "Huliaipole", "Orikhiv", "Tokmak", "Nova Kakhovka",
    "Skadovsk", "Henichesk", "Snihurivka", "Bashtanka", "Voznesensk", "Pervomaisk",
    "Belgorod", "Kursk", "Bryansk", "Rostov-on-Don", "Moscow", "Minsk", "Gomel", "Warsaw",
    "Przemysl", "Rzeszow", "Chisinau", "Bucharest", "Istanbul", "Ankara", "Brussels",
    "Berlin", "Paris", "London", "Washington", "Geneva", "Vienna", "Budapest", "Sevastopol",
    "Simferopol", "Kerch", "Yalta", "Feodosia", "Taganrog", "Novorossiysk",
]

SENTENCES = [
    "Russian artillery shelled {p} overnight, regional officials said.",
    "Russia's defence ministry claimed that its forces had captured {p}.",
    "Ukrainian officials confirmed that Russian forces had taken control of {p}.",
    "{p} was encircled by Russian troops, the interior ministry said.",
    "Heavy fighting continued in {p} on {day}.",
    "Ukrainian forces repelled an assault on {p}, the general staff said.",
    "Thousands of residents fled {p} as the evacuation went on.",
    "A missile strike hit a residential building in {p}, killing {n} civilians.",
    "Ukrainian troops retook {p} after days of fighting, the mayor said.",
    "A column of Russian armour was seen advancing towards {p}.",
    "Talks between the two delegations were held in {p}.",
    "The situation in {p} remained unclear and could not be independently verified.",
    "Officials said {p} remained under Ukrainian control.",
    "Refugees arriving in {p} described long queues at the border.",
    "Explosions were heard in {p} early on {day}, witnesses said.",
]
FILLER = [
    "The claims could not be independently verified.",
    "Officials gave no further details.",
    "Aid agencies warned of shortages of food and water.",
    "The governor urged residents to stay in shelters.",
    "Prices of fuel rose sharply in the region.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def synthetic_article(rng: random.Random, i: int) -> str:
    """One article: a date line, then three to six sentences about two to four places."""
    day = 1 + i % 60
    date = f"2022-{3 + (day - 1) // 30:02d}-{1 + (day - 1) % 30:02d}"
    places = rng.sample(PLACES, rng.randint(2, 4))
    sentences = [rng.choice(SENTENCES).format(p=p, day=rng.choice(DAYS), n=rng.randint(2, 40))
                 for p in places]
    sentences += rng.sample(FILLER, rng.randint(1, 2))
    rng.shuffle(sentences)
    paragraphs = [" ".join(sentences[k:k + 2]) for k in range(0, len(sentences), 2)]
    return f"date {date}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_articles(folder: Path, start: int, count: int, seed: int) -> None:
    """Write articles ``start .. start+count-1`` as text files, 500 to a sub-folder."""
    rng = random.Random(seed)
    for i in range(start, start + count):
        sub = folder / f"batch{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"article{i:06d}.txt").write_text(synthetic_article(rng, i), encoding="utf-8")


def write_config(path: Path, store: str) -> None:
    path.write_text(
        'title = "Benchmark"\n'
        f'store = "{store}"\n'
        'window = "all"\n'
        "[[source]]\n"
        'path = "articles/"\n'
        "[output]\n"
        'map = "public/map.html"\n',
        encoding="utf-8",
    )


def timed_run(config: Path) -> tuple[float, dict[str, object]]:
    """Run ``sitmap run`` in a child process; return wall seconds and its summary."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sitmap", "-q", "run", "--config", str(config), "--format", "json"],
        capture_output=True, text=True, cwd=str(ROOT),
        env=dict(os.environ, SOURCE_DATE_EPOCH="1646300000"),
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"sitmap run failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10_000, help="articles already in the store")
    ap.add_argument("--new", type=int, default=100, help="articles that arrive")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where to build (default: a temporary directory, removed afterwards)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="sitmap-run-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        arts = work / "articles"
        if arts.exists():
            shutil.rmtree(arts)
        print(f"writing {args.articles:,} synthetic articles to {arts} ...", flush=True)
        write_articles(arts, 0, args.articles, args.seed)
        incr_cfg, full_cfg = work / "incremental.toml", work / "rebuild.toml"
        write_config(incr_cfg, "state/incremental.db")
        write_config(full_cfg, "state/rebuild.db")
        shutil.rmtree(work / "state", ignore_errors=True)

        t_initial, s_initial = timed_run(incr_cfg)
        print(f"initial build: {s_initial['new']:,} articles stored in {t_initial:.1f}s "
              f"({s_initial['places']} places on the map)", flush=True)

        write_articles(arts, args.articles, args.new, args.seed + 1)
        t_incr, s_incr = timed_run(incr_cfg)
        t_full, s_full = timed_run(full_cfg)
        t_noop, s_noop = timed_run(incr_cfg)

        ratio = t_incr / t_full
        print()
        print(f"{'run':<28}{'new':>8}{'unchanged':>11}{'places':>8}{'seconds':>10}")
        for name, t, s in ((f"incremental (+{args.new} new)", t_incr, s_incr),
                           ("full rebuild", t_full, s_full),
                           ("nothing new", t_noop, s_noop)):
            print(f"{name:<28}{s['new']:>8,}{s['unchanged']:>11,}{s['places']:>8}{t:>10.2f}")
        print(f"\nincremental / rebuild = {ratio:.1%} (target <= 15%): "
              f"{'met' if ratio <= 0.15 else 'NOT met'}")
        return 0 if ratio <= 0.15 else 1
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
