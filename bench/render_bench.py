"""Benchmark the situation map renderer against folium's usual ways of drawing many points.

For each size (default 1,000, 10,000 and 100,000 synthetic assertions over
Ukraine, one place each, quotes of about 200 characters) it measures:

* build: time to produce the HTML document in-process (``render_html``), after a
  warm-up call (imports and asset loading excluded);
* peak: peak Python memory while building (tracemalloc, a separate run);
* size: the file, and its ratio to the same reports as compact JSON
  (``json.dumps([r.to_dict() ...], separators=(",", ":"))``);
* drawn: time from navigation start until the page says it has drawn
  (sitmap sets ``SitmapMap.maps[...].readyAt`` after the layers are added and a
  frame has been painted; folium pages: the load event plus two frames), in
  headless Chromium opened from ``file://`` with the network off;
* renderer: memory (PSS) of Chromium's renderer process(es) once drawn;
* pan: frames per second while the mouse drags the map for about 1.5 s.

folium's one-Marker-per-point map and its MarkerCluster plugin are measured in
the same run for comparison; their CDN links are replaced by the same inlined
Leaflet files, so all pages load offline.  They take minutes at 100,000
points: ``--folium-max`` caps the sizes they run at, ``--skip-slow`` skips them.

Usage::

    python bench/render_bench.py                      # 1k, 10k, 100k; folium up to 10k
    python bench/render_bench.py --sizes 1000 --skip-slow
    python bench/render_bench.py --sizes 100000 --folium-max 100000 --draw-timeout 900
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitmap.model import (  # noqa: E402
    Assertion,
    Epistemic,
    Kind,
    Place,
    PlaceReport,
    Status,
    headline_of,
)

WORDS = ("forces city shelling reported residents region officials said the of in near after "
         "overnight attack column bridge village missile strike control claimed according "
         "local governor statement footage verified humanitarian corridor evacuation fighting "
         "artillery positions withdrew advanced").split()
# Ukraine's bounding box, roughly; points outside the border are fine for a benchmark.
LAT, LON = (44.5, 52.3), (22.2, 40.2)


def synthetic_reports(n: int, seed: int = 7) -> list[PlaceReport]:
    """*n* places over Ukraine with one assertion each, dated over one year."""
    rng = random.Random(seed)
    statuses = list(Status)
    epis = list(Epistemic)
    start = dt.date(2022, 2, 24)
    out = []
    for i in range(n):
        place = Place(f"Place {i}", round(rng.uniform(*LAT), 5), round(rng.uniform(*LON), 5),
                      Kind.VILLAGE, "UA", geonameid=10_000_000 + i)
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 200:
            words.append(rng.choice(WORDS))
        quote = " ".join(words).capitalize() + "."
        prec = 1 if rng.random() < 0.9 else rng.choice((2, 3))
        epi = rng.choice(epis)
        a = Assertion(place=place, status=rng.choice(statuses), epistemic=epi, quote=quote,
                      start=0, end=len(quote), source=f"feed/{i % 500}.txt",
                      doc_id=f"doc{i % 500}", date=start + dt.timedelta(days=rng.randrange(365)),
                      claimant="a regional official" if epi is Epistemic.CLAIMED else None,
                      precision=prec, url=f"https://news.example/{i % 500}",
                      outlet="Example News")
        out.append(PlaceReport(place=place, headline=headline_of([a]), assertions=(a,),
                               precision=prec))
    return out


def compact_json(reports: list[PlaceReport]) -> tuple[int, float]:
    """Size in bytes of the reports as compact JSON, and the seconds it took to produce.

    The time calibrates the machine: a build time means more next to it.
    """
    t0 = time.perf_counter()
    text = json.dumps([r.to_dict() for r in reports], separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8")), time.perf_counter() - t0


# ------------------------------------------------------------------------------ builders


def build_sitmap(reports: list[PlaceReport]) -> str:
    from sitmap.render import render_html

    return render_html(reports, generated_at=dt.datetime(2023, 2, 24, tzinfo=dt.timezone.utc),
                       title="Benchmark")


def _offline_folium(doc: str) -> str:
    """Swap folium's CDN links for the inlined pinned files; drop the unused ones."""
    from sitmap import render

    lib_js = "<script>\n" + render._library_js() + "\n</script>"
    lib_css = "<style>\n" + render._library_css() + "\n</style>"
    cluster_css = ""
    doc = re.sub(r'<script src="[^"]*leaflet(?:\.markercluster)?(?:-src)?\.js"></script>', "", doc)
    doc = re.sub(r'<script src="https?://[^"]*"></script>', "", doc)
    doc = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"/>', "", doc)
    return doc.replace("<head>", "<head>\n" + lib_css + cluster_css + lib_js, 1)


def build_folium_markers(reports: list[PlaceReport]) -> str:
    import folium

    m = folium.Map(location=[48.5, 31.5], zoom_start=6, tiles=None)
    for r in reports:
        a = r.headline
        folium.Marker([r.place.lat, r.place.lon], tooltip=r.place.name,
                      popup=folium.Popup(a.quote)).add_to(m)
    return _offline_folium(m.get_root().render())


def build_folium_cluster(reports: list[PlaceReport]) -> str:
    import folium
    from folium.plugins import MarkerCluster

    m = folium.Map(location=[48.5, 31.5], zoom_start=6, tiles=None)
    mc = MarkerCluster().add_to(m)
    for r in reports:
        a = r.headline
        folium.Marker([r.place.lat, r.place.lon], tooltip=r.place.name,
                      popup=folium.Popup(a.quote)).add_to(mc)
    return _offline_folium(m.get_root().render())


# ------------------------------------------------------------------------------ browser

_SITMAP_READY = ("() => { const m = window.SitmapMap && Object.values(SitmapMap.maps)[0];"
                 " return m && m.ready ? m.readyAt : null; }")
_FOLIUM_READY = """
() => new Promise(resolve => {
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
  if (document.readyState === 'complete') done(); else window.addEventListener('load', done);
})
"""
# Frames painted while the mouse drags the map, as a person pans: Leaflet
# moves the map pane during a drag and redraws layers when it ends.
_FRAMES_START = """
() => {
  window.__frames = []; window.__framing = true; let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__framing) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}
"""
_FRAMES_STOP = """
() => {
  window.__framing = false;
  const g = window.__frames.slice(1), total = g.reduce((a, b) => a + b, 0);
  return g.length ? [g.length / (total / 1000), Math.max(...g)] : [0, 0];
}
"""


def _drag(page: Any) -> tuple[float, float]:
    """Drag the map for about 1.5 s; return (frames per second, longest frame in ms)."""
    page.evaluate(_FRAMES_START)
    page.mouse.move(600, 450)
    page.mouse.down()
    for k in range(45):
        page.mouse.move(600 + (k % 15) * 12 - 90, 450 + (k % 9) * 6, steps=1)
        page.wait_for_timeout(33)
    page.mouse.up()
    fps, worst = page.evaluate(_FRAMES_STOP)
    return float(fps), float(worst)


def _renderer_rss(user_data_dir: str) -> int:
    """Proportional set size of the renderer processes of the Chromium using *user_data_dir*."""
    parent: dict[int, int] = {}
    cmd: dict[int, str] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                "utf-8", "replace")
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            # PSS, not RSS: a renderer shares hundreds of MB of libraries
            # with its siblings, which RSS would count once per process.
            for line in (d / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    rss[int(d.name)] = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    roots = {p for p, c in cmd.items() if f"--user-data-dir={user_data_dir}" in c}

    def under(p: int) -> bool:
        seen = 0
        while p > 1 and seen < 64:
            if p in roots:
                return True
            p = parent.get(p, 0)
            seen += 1
        return False

    return sum(rss.get(p, 0) for p, c in cmd.items() if "--type=renderer" in c and under(p))


def measure_in_browser(path: Path, ready_js: str, timeout_s: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from sitmap.browser import chromium_args, require_chromium

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sitmap-bench-") as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=require_chromium(), args=chromium_args(), offline=True,
            viewport={"width": 1200, "height": 800})
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            requests: list[str] = []

            def route(r: Any) -> None:
                if r.request.url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.set_default_timeout(timeout_s * 1000)
            try:
                page.goto(path.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
                if ready_js is _SITMAP_READY:
                    handle = page.wait_for_function(ready_js, timeout=timeout_s * 1000)
                    out["drawn"] = handle.json_value() / 1000
                else:
                    out["drawn"] = page.evaluate(ready_js) / 1000
            except Exception as exc:  # a page that does not draw in time is a result too
                out["drawn"] = None
                out["error"] = type(exc).__name__
                return out
            out["renderer"] = _renderer_rss(profile)
            out["fps"], out["worst_frame_ms"] = _drag(page)
            out["requests"] = len(requests)
        finally:
            ctx.close()
    return out


# ------------------------------------------------------------------------------ main


def run_one(name: str, build: Callable[[list[PlaceReport]], str], reports: list[PlaceReport],
            base: int, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    # Warm up on a few places first: imports and the one-time loading of the
    # inlined libraries and outlines are not what this measures.
    build(reports[:10])
    gc.collect()
    t0 = time.perf_counter()
    doc = build(reports)
    build_s = time.perf_counter() - t0
    peak = None
    if not args.no_memory:
        del doc
        gc.collect()
        tracemalloc.start()
        doc = build(reports)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    path = workdir / f"{name}-{len(reports)}.html"
    path.write_text(doc, encoding="utf-8")
    size = path.stat().st_size
    row: dict[str, Any] = {"renderer_name": name, "n": len(reports), "build": build_s,
                           "peak": peak, "size": size, "ratio": size / base}
    if not args.no_browser:
        ready = _SITMAP_READY if name == "sitmap" else _FOLIUM_READY
        row.update(measure_in_browser(path, ready, args.draw_timeout))
    return row


def _fmt(row: dict[str, Any], timeout: float) -> str:
    def mb(v: Any) -> str:
        return "-" if v is None else f"{v / 1e6:8.1f}"

    drawn = row.get("drawn")
    drawn_s = "-" if "drawn" not in row else (f">{timeout:.0f}" if drawn is None else f"{drawn:7.2f}")
    fps = row.get("fps")
    return (f"| {row['renderer_name']:<15} | {row['n']:>7,} | {row['build']:8.2f} | {mb(row['peak'])} | "
            f"{row['size'] / 1e6:8.1f} | {row['ratio']:5.2f} | {drawn_s:>7} | "
            f"{mb(row.get('renderer'))} | {'-' if fps is None else f'{fps:5.0f}'} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--skip-slow", action="store_true", help="skip folium's Marker and MarkerCluster maps")
    ap.add_argument("--folium-max", type=int, default=10_000,
                    help="largest size to run folium's maps at (default 10,000)")
    ap.add_argument("--no-browser", action="store_true", help="build only; no Chromium")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--draw-timeout", type=float, default=180.0, help="seconds to wait for a page")
    ap.add_argument("--keep", type=Path, help="keep the generated pages in this directory")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="sitmap-bench-pages-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print("| renderer        |       n | build s  | peak MB  |  file MB | ×JSON | drawn s | render MB | pan fps |")
        print("|-----------------|--------:|---------:|---------:|---------:|------:|--------:|----------:|--------:|")
        for n in args.sizes:
            reports = synthetic_reports(n)
            base, base_s = compact_json(reports)
            plan: list[tuple[str, Callable[[list[PlaceReport]], str]]] = [("sitmap", build_sitmap)]
            if not args.skip_slow and n <= args.folium_max:
                plan += [("folium Marker", build_folium_markers),
                         ("folium Cluster", build_folium_cluster)]
            for name, fn in plan:
                row = run_one(name.replace(" ", "-").lower() if name != "sitmap" else "sitmap",
                              fn, reports, base, workdir, args)
                row["renderer_name"] = name
                rows.append(row)
                print(_fmt(row, args.draw_timeout), flush=True)
            print(f"|   (compact JSON of the {n:,} reports: {base / 1e6:.1f} MB, "
                  f"{base_s:.2f} s to produce here)", flush=True)
    if os.environ.get("SITMAP_BENCH_JSON"):
        Path(os.environ["SITMAP_BENCH_JSON"]).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
