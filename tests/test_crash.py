"""Crash test: ``kill -9`` the real job at random moments and check what is left.

For each step new articles arrive (every fifth step an old one is also
edited), ``python -m sitmap run`` is started and killed after a random delay
drawn over the measured duration of a run.  Then:

* the published map is byte-identical to the previous complete version or to
  the new one (a reference directory, run the same way without kills, gives
  both; ``SOURCE_DATE_EPOCH`` fixes the generation time);
* the store opens and passes SQLite's integrity and foreign-key checks;
* the next run completes the work: its map equals the reference, and no
  temporary file is left beside it.

The number of kills is ``SITMAP_CRASH_RUNS`` (default 50).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitmap.runjob import load_config, run
from sitmap.store import Store

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1646300000"
RUNS = int(os.environ.get("SITMAP_CRASH_RUNS", "50"))

PLACES = ["Kherson", "Kharkiv", "Mariupol", "Kyiv", "Chernihiv", "Sumy", "Odesa", "Mykolaiv",
          "Zaporizhzhia", "Irpin", "Bucha", "Hostomel", "Melitopol", "Berdiansk", "Izium",
          "Dnipro", "Lviv", "Zhytomyr", "Volnovakha", "Enerhodar"]
SENTENCES = [
    "Russian artillery shelled {p} overnight.",
    "Russia's defence ministry claimed that its forces had captured {p}.",
    "Ukrainian officials confirmed that Russian forces captured {p}.",
    "{p} was encircled by Russian forces, the interior ministry said.",
    "Heavy fighting continued in {p} on Thursday.",
    "Thousands of residents fled {p} as the evacuation went on.",
]

CONFIG = """title = "Crash test"
store = "state/sitmap.db"
basemap = "none"
[[source]]
path = "articles/"
[output]
map = "public/map.html"
"""


def article(rng: random.Random, day: int) -> str:
    picks = rng.sample(PLACES, 2)
    body = " ".join(rng.choice(SENTENCES).format(p=p) for p in picks)
    return f"date 2022-03-{day:02d}\n\n{body}\n"


def start(cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sitmap", "-q", "run", "--config", str(cfg), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
        env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH),
    )


def finish(cfg: Path) -> tuple[dict, float]:
    t0 = time.monotonic()
    proc = start(cfg)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), time.monotonic() - t0


@pytest.mark.slow
def test_kill_9_at_random_moments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    rng = random.Random(20220303)
    crash, ref = tmp_path / "crash", tmp_path / "ref"
    for d in (crash, ref):
        (d / "articles").mkdir(parents=True)
        (d / "sitmap.toml").write_text(CONFIG, encoding="utf-8")
    crash_cfg, ref_cfg = crash / "sitmap.toml", load_config(ref / "sitmap.toml")
    crash_map, ref_map = crash / "public" / "map.html", ref / "public" / "map.html"

    def add(step: int) -> None:
        files = {f"s{step:03d}.txt": article(rng, 1 + step % 28)}
        if step and step % 5 == 0:  # an edited article: its old assertions must go
            files[f"s{step - 3:03d}.txt"] = article(rng, 1 + (step - 3) % 28)
        for name, text in files.items():
            for d in (crash, ref):
                (d / "articles" / name).write_text(text, encoding="utf-8")

    # Step 0 runs without a kill and measures how long a run takes.
    add(0)
    run(ref_cfg)
    _, duration = finish(crash_cfg)
    previous = ref_map.read_bytes()
    assert crash_map.read_bytes() == previous

    outcomes = {"old map": 0, "new map": 0, "finished before the kill": 0}
    for step in range(1, RUNS + 1):
        add(step)
        expected = run(ref_cfg)
        assert expected.new + expected.changed > 0
        new = ref_map.read_bytes()
        assert new != previous

        proc = start(crash_cfg)
        time.sleep(rng.uniform(0.0, duration))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode == 0:
            outcomes["finished before the kill"] += 1
        else:
            assert proc.returncode == -signal.SIGKILL, proc.returncode

        got = crash_map.read_bytes()
        assert got in (previous, new), f"step {step}: the map is neither old nor new"
        outcomes["new map" if got == new else "old map"] += 1
        with Store.open(crash / "state" / "sitmap.db") as store:
            assert store.integrity_check() == [], f"step {step}"

        summary, elapsed = finish(crash_cfg)
        if summary["new"] + summary["changed"] == expected.new + expected.changed:
            # This run did a whole step's work: a fresh measure of how long a
            # run takes, so kills keep covering all of it as the store grows
            # or the machine gets busier.
            duration = (duration + elapsed) / 2
        assert crash_map.read_bytes() == new, f"step {step}: the next run did not finish"
        assert sorted(p.name for p in crash_map.parent.iterdir()) == ["map.html"]
        previous = new

    # Finally the crashed store holds exactly what the reference store holds.
    with Store.open(crash / "state" / "sitmap.db") as a, Store.open(ref_cfg.store) as b:
        assert a.count_articles() == b.count_articles() == RUNS + 1
        assert a.assertions() == b.assertions()
        assert [(h.place_key, h.day, h.status) for h in a.history()] == \
               [(h.place_key, h.day, h.status) for h in b.history()]
        interrupted = sum(1 for r in a.runs(limit=10 * RUNS) if r["state"] == "interrupted")
    print(f"\ncrash test: {RUNS} runs killed at random moments (runs took about {duration:.1f}s); "
          f"{outcomes}; {interrupted} runs recorded as interrupted; last summary {summary}")
    assert outcomes["old map"] + outcomes["new map"] == RUNS
