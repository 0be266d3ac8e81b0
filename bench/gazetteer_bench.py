#!/usr/bin/env python3
"""Benchmark the gazetteer: build time, cache size, cold load, lookups per second.

Standard-library timing only.  By default it builds a fresh cache in a
temporary directory (so the numbers include a full build); ``--cache PATH``
measures an existing cache instead and skips the build.

    python bench/gazetteer_bench.py            # build + everything
    python bench/gazetteer_bench.py --cache gazetteer/sitmap-gazetteer.sqlite

Targets (issue 3): build < 60 s, cache < 150 MB, cold load < 1 s,
> 20,000 warm lookups per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Names a news corpus repeats: Ukrainian war reporting plus common world and US places.
WARM_NAMES = [
    "Kyiv", "Kiev", "Kharkiv", "Mariupol", "Kherson", "Odesa", "Odessa", "Lviv", "Donetsk",
    "Luhansk", "Crimea", "Donbas", "Ukraine", "Russia", "Moscow", "Belarus", "Poland",
    "Black Sea", "Europe", "United States", "Washington", "London", "Paris", "Beijing",
    "Springfield", "Georgia", "Texas", "Ohio", "Columbus", "Richmond", "Dublin", "Athens",
    "Bakhmut", "Izium", "Zaporizhzhia", "Mykolaiv", "Sumy", "Chernihiv", "Bucha", "Irpin",
]

# One Python process per measurement, so "cold" really is cold (no imports cached).
COLD_SNIPPET = """
import time, sys
t0 = time.perf_counter()
from sitmap.gazetteer import Gazetteer
g = Gazetteer.open(sys.argv[1], build=False)
g.lookup("Kyiv")
print(time.perf_counter() - t0)
"""


def _coverage(gaz) -> str:
    """How many of issue 3's reference names resolve within tolerance (10 km / 150 km)."""
    from geopy.distance import geodesic

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_gazetteer import CITIES, REGIONS  # the test suite's reference points

    misses = []
    for table, tolerance in ((CITIES, 10), (REGIONS, 150)):
        for name, point in table.items():
            found = gaz.lookup(name, limit=1)
            if not found or geodesic((found[0].place.lat, found[0].place.lon), point).km > tolerance:
                misses.append(name)
    total = len(CITIES) + len(REGIONS)
    return f"{total - len(misses)}/{total}" + (f" (missed: {', '.join(misses)})" if misses else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="measure this existing cache (no build)")
    ap.add_argument("--seconds", type=float, default=2.0, help="duration of each rate test")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    from sitmap.gazetteer import Gazetteer, build

    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}, load average "
                   f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}",
    }
    tmp = None
    if args.cache is None:
        tmp = tempfile.TemporaryDirectory(prefix="sitmap-gaz-bench-")
        cache = Path(tmp.name) / "bench.sqlite"
        t0, c0 = time.perf_counter(), time.process_time()
        stats = build(cache, progress=False)
        results["build_s"] = round(time.perf_counter() - t0, 2)
        # CPU seconds too: on a shared machine wall time mostly measures the neighbours.
        results["build_cpu_s"] = round(time.process_time() - c0, 2)
        results["places"] = stats["places"]
        results["names"] = stats["keys"]
    else:
        cache = args.cache
    results["cache_mb"] = round(cache.stat().st_size / 1e6, 1)

    colds = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", COLD_SNIPPET, str(cache)], check=True,
                             capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
        colds.append(float(out.stdout.strip()))
    results["cold_load_s"] = round(min(colds), 3)

    gaz = Gazetteer.open(cache, build=False)
    for n in WARM_NAMES:  # warm the caches once
        gaz.lookup(n)

    def rate(fn) -> float:
        count, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds:
            for n in WARM_NAMES:
                fn(n)
            count += len(WARM_NAMES)
        return count / (time.perf_counter() - t0)

    results["lookups_per_s"] = round(rate(gaz.lookup))
    keys = [k.lower() for k in WARM_NAMES]
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        for k in keys:
            gaz.entries(k)
        count += len(keys)
    results["entries_per_s"] = round(count / (time.perf_counter() - t0))
    results["hinted_lookups_per_s"] = round(rate(lambda n: gaz.lookup(n, country="UA")))
    t0 = time.perf_counter()
    n_names = sum(1 for _ in gaz.names())
    results["names_iter_s"] = round(time.perf_counter() - t0, 2)
    results["names_iter_count"] = n_names
    results["done_when_coverage"] = _coverage(gaz)
    gaz.close()
    if tmp is not None:
        tmp.cleanup()

    if args.json:
        print(json.dumps(results))
    else:
        for k, v in results.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
