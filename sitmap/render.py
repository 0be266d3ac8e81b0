"""The situation map: one standalone HTML file, drawn from the data embedded once.

This is the only sitmap module that imports folium.  The map is a
:class:`folium.Map` subclass, so notebooks display it and callers can add
their own folium layers, but its places are *not* folium Markers: the reports
are serialised once as compact JSON into a ``<script type="application/json">``
block and drawn by sitmap's own runtime (``sitmap/data/render/sitmap.js``):
up to 3,000 places as Leaflet SVG markers (clustered per status when they
crowd), beyond that on one canvas layer that composites every place from
typed arrays with its own hit testing.  That keeps a year of events (100,000
assertions) fast to build and to draw.

Public functions
----------------
build_map(reports, **opts) -> SituationMap (a folium.Map)
render_html(reports, **opts) -> str        the standalone document
write_map(reports, path, **opts) -> Path   written with ``publish.atomic_write``
render_parts(reports, prefix=..., **opts) -> MapParts

Embedding (``MapParts``)
------------------------
``render_parts`` returns the four pieces every page needs, each an HTML
fragment ready to paste:

``css``
    ``<style>`` (or, with ``cdn=True``, ``<link>``) elements: Leaflet's and
    markercluster's stylesheets, then this map's own rules.  Leaflet's rules
    are global ``.leaflet-*`` rules and identical for every map; every sitmap
    rule is scoped to ``#<prefix>`` and uses ``<prefix>-`` class names.
``js``
    ``<script>`` elements: Leaflet 1.9.3, Leaflet.markercluster 1.4.1 and the
    sitmap runtime.  Identical for every map of one sitmap version, so a page
    with several maps includes it once (the runtime defines itself only once).
``html``
    The container ``<div id="<prefix>">`` with the title, the map element
    ``<prefix>-map``, the table of places, the list of sources and the
    ``<script type="application/json" id="<prefix>-data">`` payload.
``script``
    A ``<script>`` element that draws the map (``SitmapMap.init(prefix)``)
    and declares ``var map_<prefix>`` (``-`` becomes ``_``), the Leaflet map,
    as folium would.

Put ``css`` and ``js`` in the head (or before the first map) and ``html``
followed by ``script`` where the map goes.  The map's height follows the CSS
custom property ``--sitmap-map-height`` (default ``70vh``) and its width the
container, so it resizes with the page.  When a map has drawn, its container
gets ``data-ready="1"``, it dispatches a ``sitmap:ready`` event, and
``window.sitmapReady`` becomes true once every map on the page is drawn.
``window.SitmapMap.maps[prefix]`` is the map's view object (``.map`` is the
Leaflet map).

Determinism: the same reports and options give a byte-identical document;
nothing depends on the clock unless ``generated_at`` is None and
``SOURCE_DATE_EPOCH`` is unset, in which case the current time is shown.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import gc
import gzip
import hashlib
import html
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

import folium
import orjson
from branca.element import Element, Figure
from jinja2 import Template

from .clock import generation_time
from .errors import RenderError
from .model import (
    CONFLICT_STATUSES,
    EPISTEMIC_ORDER,
    SEVERITY_ORDER,
    Article,
    Assertion,
    Epistemic,
    Kind,
    PlaceReport,
    Status,
    epistemic_rank,
    severity_rank,
)
from .publish import atomic_write

__all__ = [
    "DEFAULT_PREFIX",
    "MapParts",
    "SituationMap",
    "build_map",
    "payload_json",
    "render_html",
    "render_parts",
    "write_map",
]

DEFAULT_PREFIX = "sitmap"

_DATA_DIR = Path(__file__).resolve().parent / "data" / "render"
_GAZ_DIR = Path(__file__).resolve().parent / "data" / "gazetteer"

#: Pinned library versions; the CDN URLs name exactly these, and the
#: integrity hashes are computed from the files the xstatic packages ship.
LEAFLET_VERSION = "1.9.3"
MARKERCLUSTER_VERSION = "1.4.1"
_CDN = "https://unpkg.com"

#: Online tiles drawn over the offline outlines when the browser is online.
TILE_PRESETS: dict[str, tuple[str, str]] = {
    "openstreetmap": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
}

_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}\Z")

#: Radius, in km, of the area drawn for an approximate location.
_AREA_KM = {2: 15.0, 3: 60.0}
_KIND_AREA_KM = {Kind.COUNTRY: 250.0, Kind.ADMIN1: 90.0, Kind.REGION: 90.0, Kind.WATER: 60.0}
_RING_KM = 14.0
#: Kinds whose representative point is a centroid: never pinpoint them.
_AREA_KINDS = frozenset({Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2, Kind.REGION, Kind.WATER,
                         Kind.BORDER, Kind.FEATURE})


class MapParts(NamedTuple):
    """The pieces of one map for a page (see the module docstring).

    Attributes
    ----------
    css : str
        ``<style>``/``<link>`` elements (Leaflet, markercluster, this map's scoped rules).
    js : str
        ``<script>`` elements for the libraries and the sitmap runtime (same for every map).
    html : str
        The container markup, including the JSON data block.
    script : str
        The ``<script>`` element that draws this map.
    """

    css: str
    js: str
    html: str
    script: str


# --------------------------------------------------------------------------- assets


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"renderer asset missing: {path} ({exc.strerror or exc})") from exc


@cache
def _xstatic_dirs() -> tuple[Path, Path]:
    try:
        import xstatic.pkg.leaflet as xleaflet
        import xstatic.pkg.leaflet_markercluster as xcluster
    except ImportError as exc:  # pragma: no cover - both are hard dependencies
        raise RenderError(
            "xstatic-leaflet and xstatic-leaflet-markercluster are needed to inline Leaflet"
        ) from exc
    return Path(xleaflet.BASE_DIR), Path(xcluster.BASE_DIR)


def _inline_safe(text: str, what: str) -> str:
    # A literal "</script" or "<!--" inside an inlined script would end or
    # confuse the element; the pinned files contain neither, and this keeps it so.
    low = text.lower()
    if "</script" in low or "<!--" in low or "</style" in low:
        raise RenderError(f"{what} cannot be inlined safely (contains a closing tag)")
    return text


@cache
def _library_css() -> str:
    leaflet_dir, cluster_dir = _xstatic_dirs()
    css = _read_text(leaflet_dir / "leaflet.css")

    # Leaflet's stylesheet points at images/*.png beside it; from a single
    # file those would be missing files (and failed requests), so they become
    # data URIs.
    def data_uri(match: re.Match[str]) -> str:
        png = (leaflet_dir / "images" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"

    css = re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", data_uri, css)
    css += "\n" + _read_text(cluster_dir / "MarkerCluster.css")
    return _inline_safe(css, "Leaflet CSS")


@cache
def _library_js() -> str:
    leaflet_dir, cluster_dir = _xstatic_dirs()
    js = _read_text(leaflet_dir / "leaflet.js") + "\n" + _read_text(
        cluster_dir / "leaflet.markercluster.js"
    )
    return _inline_safe(js, "Leaflet")


@cache
def _runtime_js() -> str:
    return _inline_safe(_read_text(_DATA_DIR / "sitmap.js"), "sitmap.js")


@cache
def _css_template() -> str:
    return _inline_safe(_read_text(_DATA_DIR / "sitmap.css"), "sitmap.css")


@cache
def _sri(path: Path) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


@cache
def _countries_geojson() -> str:
    text = _read_text(_DATA_DIR / "countries.geojson")
    return _inline_safe(text, "countries.geojson")


@cache
def _admin1_shapes() -> dict[str, Any]:
    # First-level regions come from the gazetteer's Natural Earth extract
    # when it is installed; the map works without them.
    path = _GAZ_DIR / "admin1_shapes.json.gz"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _basemap_json(countries: Sequence[str]) -> str:
    """Country outlines for the world plus admin-1 outlines of *countries*, as JSON text."""
    shapes = _admin1_shapes()
    wanted = sorted({c.upper() for c in countries if c})
    feats = []
    for cc in wanted:
        for code in sorted(k for k in shapes if k.split("-", 1)[0] == cc):
            geom = shapes[code]
            if isinstance(geom, dict) and geom.get("type") in ("Polygon", "MultiPolygon"):
                feats.append({"type": "Feature", "properties": {"l": 1}, "geometry": geom})
    base = _countries_geojson()
    if not feats:
        return base
    extra = json.dumps(feats, separators=(",", ":"), ensure_ascii=True)
    _inline_safe(extra, "admin-1 outlines")
    # countries.geojson is a FeatureCollection ending in "]}"; append the
    # region outlines to its feature list without re-serialising the world.
    if not base.endswith("]}"):
        raise RenderError("countries.geojson is not a compact FeatureCollection")
    return base[:-2] + "," + extra[1:-1] + "]}"


# --------------------------------------------------------------------------- payload


def _dumps(data: Any) -> str:
    """Compact JSON for the payload.

    orjson writes the 100,000-place payload about seven times faster than the
    standard library (0.09 s against 0.68 s of CPU here, out of a 2.7 s
    build), with the same compact separators and non-ASCII text as is.  It
    writes NaN as null instead of refusing it, so :func:`_payload` rejects
    non-finite coordinates itself.
    """
    try:
        return orjson.dumps(data).decode("utf-8")
    except TypeError:
        # orjson refuses strings that are not valid Unicode (a lone surrogate
        # from a "\\ud800" escape in JSON Lines input): the standard library
        # writes them as escapes, which browsers read back without complaint.
        pass
    try:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"map data cannot be written as JSON: {exc}") from None


def _escape_json(text: str) -> str:
    # Inside <script type="application/json"> only "</script" could end the
    # block, but escaping every <, > and & also defuses "<!--" and keeps the
    # block inert if someone moves it into an inline script; U+2028/2029 are
    # line terminators in older JavaScript parsers.
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _safe_url(url: str | None) -> str | None:
    """*url* when it is an http(s) URL without control characters, else None."""
    if not url:
        return None
    u = url.strip()
    if not re.match(r"https?://[^\s\x00-\x1f\x7f]+\Z", u, re.IGNORECASE):
        return None
    return u


def _date_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _order_key(a: Assertion) -> tuple[Any, ...]:
    # Headline order, as model.headline_of: most severe, best established,
    # newest; denied claims after every other assertion.  The quote and offsets
    # break the remaining ties so the order never depends on input order.
    return (
        a.epistemic is Epistemic.DENIED,
        severity_rank(a.status),
        epistemic_rank(a.epistemic),
        -(a.date.toordinal()) if a.date else 1,
        a.doc_id,
        a.start,
        a.quote,
    )


def _area_km(report: PlaceReport, precision: int) -> float:
    kind = report.place.kind
    area = _KIND_AREA_KM[kind] if kind in _KIND_AREA_KM else _AREA_KM.get(precision, 0.0)
    if area and all(a.status is Status.MENTIONED for a in report.assertions):
        # The disc shows where an *event* may have happened.  A place that is
        # only named (a country in passing) has no event to locate: a small
        # disc still marks it as approximate without covering the theatre.
        area = min(area, _AREA_KM[2])
    return area


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), 4) for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def _line_geometry(geom: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if geom is None or not isinstance(geom, Mapping):
        return None
    if geom.get("type") not in ("LineString", "MultiLineString"):
        return None
    coords = geom.get("coordinates")
    if not coords:
        return None
    return {"type": geom["type"], "coordinates": _round_coords(coords)}


def _generated(generated_at: _dt.datetime | _dt.date | str | None) -> str:
    if generated_at is None:
        generated_at = generation_time()
    if isinstance(generated_at, str):
        try:
            generated_at = _dt.datetime.fromisoformat(generated_at)
        except ValueError:
            raise RenderError(f"generated_at {generated_at!r} is not an ISO 8601 time") from None
    if isinstance(generated_at, _dt.datetime):
        if generated_at.tzinfo is not None:
            generated_at = generated_at.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return generated_at.replace(microsecond=0).isoformat(sep=" ", timespec="minutes") + " UTC"
    return generated_at.isoformat()


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
        raise RenderError(
            f"map prefix {prefix!r} must start with a letter and hold only letters, digits, "
            "'-' and '_' (at most 40 characters)"
        )
    return prefix


def _basemap_mode(basemap: bool | str | None, cdn: bool) -> tuple[bool, bool]:
    """(offline outlines, online tiles) for the *basemap* option."""
    if basemap is None or basemap is True or basemap in ("", "auto", "both", "default"):
        # A CDN map needs the network anyway; it skips the 160 kB of outlines.
        return (not cdn, True)
    if basemap is False or basemap == "none":
        return (False, False)
    if basemap in ("offline", "outlines"):
        return (True, False)
    if basemap in ("online", "tiles"):
        return (False, True)
    raise RenderError(
        f"unknown basemap {basemap!r}: use auto, offline, online or none"
    )


def _payload(
    reports: Sequence[PlaceReport],
    *,
    title: str,
    articles: Sequence[Article],
    generated: str,
    outlines: bool,
    tiles: tuple[str, str] | None,
    cluster: bool,
) -> tuple[dict[str, Any], list[str]]:
    """The map's data as plain JSON types, and the countries for admin-1 outlines."""
    st_index = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    ep_index = {e: i for i, e in enumerate(EPISTEMIC_ORDER)}

    # Sources: articles first (they carry titles), then anything assertions
    # name that the caller did not pass as an article.
    src_rows: list[list[Any]] = []
    src_index: dict[str, int] = {}
    for art in articles:
        key = art.doc_id or art.source
        if key in src_index:
            continue
        src_index[key] = len(src_rows)
        src_rows.append([art.title or art.outlet or art.source, _safe_url(art.url), art.outlet,
                         _date_str(art.date), art.source])

    for r in reports:
        if not isinstance(r, PlaceReport):
            raise RenderError(f"expected PlaceReport, got {type(r).__name__}")
    # Least severe first, so the most severe places are drawn last (on top).
    ordered = sorted(reports, key=lambda r: (-st_index[r.headline.status], r.place.name,
                                             r.place.key))
    dates = sorted({a.date for r in ordered for a in r.assertions if a.date is not None})
    date_list = [d.isoformat() for d in dates]
    date_index = {d: i for i, d in enumerate(dates)}

    places: list[list[Any]] = []
    rows: list[list[Any]] = []
    geoms: list[list[Any]] = []
    used_status: set[int] = set()
    used_epi: set[int] = set()
    conflict_pts: list[tuple[float, float]] = []
    all_pts: list[tuple[float, float]] = []
    theatre_countries: set[str] = set()
    any_area = False

    # Enum member lookups are slow in a 100,000-place loop; hoisted.
    encircled = Status.ENCIRCLED
    area_kinds = _AREA_KINDS
    for pi, r in enumerate(ordered):
        p = r.place
        lat, lon = float(p.lat), float(p.lon)
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
                and -180 <= lon <= 180):
            raise RenderError(f"place {p.name!r} has no valid coordinates ({p.lat}, {p.lon})")
        if not r.assertions:
            raise RenderError(f"place {p.name!r} has no assertions")
        precision = max(int(r.precision or 1), 3 if p.kind in area_kinds else 1)
        precision = min(max(precision, 1), 3)
        area = _area_km(r, precision) if precision > 1 else 0.0
        any_area = any_area or area > 0

        # The report's own headline leads: at the latest date the map shows
        # exactly what the status stage chose; earlier dates fall back in order.
        if len(r.assertions) == 1:
            hi: int | None = 0
        else:
            hi = next((i for i, a in enumerate(r.assertions) if a is r.headline), None)
        if hi is None:
            hi = next((i for i, a in enumerate(r.assertions) if a == r.headline), None)
        if hi is None:
            seq = sorted(r.assertions, key=_order_key)
        else:
            rest = [a for i, a in enumerate(r.assertions) if i != hi]
            if len(rest) > 1:
                rest.sort(key=_order_key)
            seq = [r.assertions[hi], *rest]
        first = len(rows)
        # Which assertions become the headline at some slider position: an
        # assertion does when it is dated before every one ahead of it in order.
        min_before = math.inf
        ringed = False
        for a in seq:
            srckey = a.doc_id or a.source
            si = src_index.get(srckey)
            if si is None:
                si = src_index[srckey] = len(src_rows)
                src_rows.append([a.outlet or a.source, _safe_url(a.url), a.outlet,
                                 _date_str(a.date), a.source])
            di = date_index[a.date] if a.date is not None else None
            dkey = -1 if di is None else di
            if dkey < min_before:
                used_status.add(st_index[a.status])
                used_epi.add(ep_index[a.epistemic])
                min_before = dkey
            row: list[Any] = [pi, st_index[a.status], ep_index[a.epistemic], di, si, a.quote,
                              a.claimant, a.hedge, a.outcome]
            while row[-1] is None:
                row.pop()
            rows.append(row)
            if a.status is encircled and not ringed:
                ringed = True
                # A ring just outside the place (or its area): drawn as a
                # geodesic circle in the browser, so only the radius is stored.
                geoms.append([pi, "ring", _RING_KM if area == 0 else round(area * 1.15, 1)])
        line = _line_geometry(p.geometry)
        if line is not None:
            geoms.append([pi, "line", line])
        # Kind is a str enum: json writes it as its plain value.
        places.append([p.name, round(lat, 5), round(lon, 5), precision, p.kind,
                       p.country, area, first, len(rows) - first])
        all_pts.append((lat, lon))
        if r.headline.status in CONFLICT_STATUSES:
            conflict_pts.append((lat, lon))
            if p.country:
                theatre_countries.add(p.country)

    def bounds(pts: list[tuple[float, float]]) -> list[list[float]] | None:
        if not pts:
            return None
        lats = [q[0] for q in pts]
        lons = [q[1] for q in pts]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]

    data: dict[str, Any] = {
        "v": 1,
        "title": title,
        "generated": generated,
        "st": [s.value for s in SEVERITY_ORDER],
        "ep": [e.value for e in EPISTEMIC_ORDER],
        "dates": date_list,
        "view": bounds(conflict_pts) or bounds(all_pts),
        "all": bounds(all_pts),
        "used": {
            "s": [SEVERITY_ORDER[i].value for i in sorted(used_status)],
            "e": [EPISTEMIC_ORDER[i].value for i in sorted(used_epi)],
            "area": any_area,
            "ring": any(g[1] == "ring" for g in geoms),
            "line": any(g[1] == "line" for g in geoms),
        },
        "cluster": cluster,
        "tiles": {"url": tiles[0], "attr": tiles[1]} if tiles else None,
        "src": src_rows,
        "p": places,
        "a": rows,
        "g": geoms,
    }
    if not outlines:
        data["base"] = None
    return data, sorted(theatre_countries)


def payload_json(reports: Sequence[PlaceReport], **opts: Any) -> str:
    """The map's embedded data exactly as written into the page (escaped JSON).

    Takes the same options as :func:`render_parts`; useful for tests and for
    tools that want the data the map draws without the page around it.
    """
    return build_map(reports, **opts).payload


# --------------------------------------------------------------------------- parts


_F = TypeVar("_F", bound=Callable[..., Any])


def _gc_paused(fn: _F) -> _F:
    """Run *fn* with the cyclic garbage collector paused.

    A payload is hundreds of thousands of small lists that all live until the
    end; the collector would rescan them again and again (half the build time
    at 100,000 places) and can free none of them.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return cast(_F, wrapper)


@_gc_paused
def _prepare(
    reports: Sequence[PlaceReport], title: str, articles: Sequence[Article],
    generated_at: _dt.datetime | _dt.date | str | None, cdn: bool, basemap: bool | str | None,
    tiles: str | None, tiles_attribution: str | None, cluster: bool, notes: Sequence[str],
    changes: Sequence[Mapping[str, Any]],
) -> tuple[str, dict[str, Any]]:
    outlines, online = _basemap_mode(basemap, cdn)
    tile_spec: tuple[str, str] | None = None
    if online and tiles:
        if tiles in TILE_PRESETS:
            tile_spec = TILE_PRESETS[tiles]
        elif re.match(r"https?://", tiles) and "{z}" in tiles:
            tile_spec = (tiles, html.escape(tiles_attribution or ""))
        else:
            raise RenderError(
                f"tiles {tiles!r}: use 'openstreetmap' or an http(s) URL template with {{z}}/{{x}}/{{y}}"
            )
    generated = _generated(generated_at)
    data, countries = _payload(
        reports, title=str(title), articles=articles, generated=generated,
        outlines=outlines, tiles=tile_spec, cluster=cluster,
    )
    text = _escape_json(_dumps(data))
    if outlines:
        # The outlines are our own pinned file, already compact and free of
        # markup; splice them in rather than parse and re-serialise 160 kB.
        text = text[:-1] + ',"base":' + _basemap_json(countries) + "}"
    meta = {
        "title": str(title),
        "generated": generated,
        "n_places": len(data["p"]),
        "n_assertions": len(data["a"]),
        "n_sources": len(data["src"]),
        "notes": [str(n) for n in notes] + [_describe_change(c) for c in changes],
        "cdn": cdn,
    }
    return text, meta


def _describe_change(change: Mapping[str, Any]) -> str:
    def side(s: Any) -> str:
        if isinstance(s, Mapping):
            return f"{s.get('epistemic', '')} {s.get('status', '')}".strip()
        return "-"

    name = str(change.get("name", "?"))
    kind = change.get("kind")
    if kind == "new":
        return f"new place: {name} ({side(change.get('after'))})"
    if kind == "removed":
        return f"no longer reported: {name} (was {side(change.get('before'))})"
    return f"{name}: {side(change.get('before'))} -> {side(change.get('after'))}"


def _lib_parts(cdn: bool) -> tuple[str, str]:
    if cdn:
        leaflet_dir, cluster_dir = _xstatic_dirs()
        lv, mv = LEAFLET_VERSION, MARKERCLUSTER_VERSION
        css = (
            f'<link rel="stylesheet" href="{_CDN}/leaflet@{lv}/dist/leaflet.css" '
            f'integrity="{_sri(leaflet_dir / "leaflet.css")}" crossorigin="">\n'
            f'<link rel="stylesheet" href="{_CDN}/leaflet.markercluster@{mv}/dist/MarkerCluster.css" '
            f'integrity="{_sri(cluster_dir / "MarkerCluster.css")}" crossorigin="">\n'
        )
        js = (
            f'<script src="{_CDN}/leaflet@{lv}/dist/leaflet.js" '
            f'integrity="{_sri(leaflet_dir / "leaflet.js")}" crossorigin=""></script>\n'
            f'<script src="{_CDN}/leaflet.markercluster@{mv}/dist/leaflet.markercluster.js" '
            f'integrity="{_sri(cluster_dir / "leaflet.markercluster.js")}" crossorigin=""></script>\n'
        )
    else:
        css = "<style>\n" + _library_css() + "\n</style>\n"
        js = "<script>\n" + _library_js() + "\n</script>\n"
    js += "<script>\n" + _runtime_js() + "\n</script>\n"
    return css, js


def _init_js(prefix: str) -> str:
    var = "map_" + prefix.replace("-", "_")
    return f'var {var} = SitmapMap.init("{prefix}");'


def _parts(text: str, meta: dict[str, Any], prefix: str) -> tuple[MapParts, str]:
    css, js = _lib_parts(bool(meta["cdn"]))
    css += "<style>\n" + _css_template().replace("PFX", prefix) + "</style>\n"
    e = html.escape
    p = prefix
    notes = "".join(f"<li>{e(n)}</li>" for n in meta["notes"])
    notes_html = (f'<details class="{p}-notes" open><summary>Changes in this update</summary>'
                  f"<ul>{notes}</ul></details>\n") if notes else ""
    n_places = meta["n_places"]
    markup = (
        f'<div id="{p}" class="{p}-root">\n'
        f'<header class="{p}-head"><h1 class="{p}-title">{e(meta["title"])}</h1>'
        f'<p class="{p}-meta">Generated {e(meta["generated"])} \u00b7 {n_places} places \u00b7 '
        f'{meta["n_assertions"]} assertions \u00b7 {meta["n_sources"]} sources \u00b7 '
        f"statuses as reported in the text, not verified by sitmap</p></header>\n"
        f'<div id="{p}-map" class="{p}-map" role="region" tabindex="0" '
        f'aria-label="Map: {e(meta["title"])}. The table of places below lists the same data."></div>\n'
        f'<div class="{p}-below">\n{notes_html}'
        f'<details id="{p}-tablebox" class="{p}-tablebox"{" open" if n_places <= 60 else ""}>'
        f"<summary>Table of places ({n_places})</summary>"
        f'<div id="{p}-table" class="{p}-tablewrap"></div></details>\n'
        f'<details id="{p}-sources" class="{p}-sources"{" open" if meta["n_sources"] <= 20 else ""}>'
        f'<summary>Sources ({meta["n_sources"]})</summary><ol id="{p}-srclist"></ol></details>\n'
        f"<noscript><p>This map needs JavaScript; the data is in the JSON block of this "
        f"file.</p></noscript>\n</div>\n"
        f'<script type="application/json" id="{p}-data">{text}</script>\n</div>\n'
    )
    init = _init_js(p)
    return MapParts(css=css, js=js, html=markup, script=f"<script>\n{init}\n</script>\n"), init


def render_parts(reports: Sequence[PlaceReport], *, prefix: str = DEFAULT_PREFIX,
                 **opts: Any) -> MapParts:
    """Render one map as the pieces a page needs (see the module docstring).

    Parameters
    ----------
    reports : sequence of PlaceReport
        The places to draw, each with its headline and assertions.
    prefix : str
        Namespace for the container id, class names and CSS rules; unique per page.
    **opts
        As :func:`build_map`.

    Returns
    -------
    MapParts
        ``css``, ``js``, ``html`` and ``script`` HTML fragments.

    Raises
    ------
    RenderError
        On an invalid prefix, option, or place without coordinates or assertions.
    """
    return build_map(reports, prefix=prefix, **opts).parts


# --------------------------------------------------------------------------- folium


class _Raw(Element):
    """A figure element that inserts its text verbatim.

    branca turns every rendered macro into a new ``Element(text)``, which
    *compiles the text as a Jinja template*: article text containing ``{{``
    or ``{%`` would be executed as template code, and 40 MB of data would be
    lexed for nothing.  This element only substitutes the text as a value.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "SitmapRaw"
        self.text = text


class SituationMap(folium.Map):
    """A :class:`folium.Map` whose places are drawn by sitmap's runtime.

    Rendering goes through folium's usual figure (so ``_repr_html_``,
    ``save`` and extra folium layers work), but the document's pieces are the
    same :class:`MapParts` that :func:`render_parts` returns.  The Leaflet map
    is created by ``SitmapMap.init`` under the name folium expects
    (``map_<prefix>``), so folium children added later draw on it.
    """

    def __init__(self, parts: MapParts, init_js: str, *, prefix: str, title: str,
                 view: list[list[float]] | None) -> None:
        center = None
        if view:
            center = [(view[0][0] + view[1][0]) / 2, (view[0][1] + view[1][1]) / 2]
        super().__init__(location=center, tiles=None, control_scale=True, prefer_canvas=True)
        # folium names elements with random hex ids; the map's name must be
        # stable for byte-identical output and match the runtime's variable.
        self._id = prefix.replace("-", "_")
        self._name = "Map"
        # Libraries are inlined (or linked) by the parts themselves; folium's
        # own CDN links (jQuery, Bootstrap, ...) would make the file depend on
        # the network and are not used.
        self.default_js = []
        self.default_css = []
        self.parts = parts
        #: the escaped JSON data block, as embedded in ``parts.html``
        self.payload = ""
        self.init_js = init_js
        self.prefix = prefix
        self.title = title
        self.head_html = (
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n"
            "<style>html,body{margin:0;padding:0;}"
            f"#{prefix}{{--sitmap-map-height:calc(100vh - 3.6rem);}}</style>\n"
        )

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Put the parts into the figure, then render any folium children."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise RenderError("a SituationMap can only be rendered inside a folium Figure")
        # Fixed names: rendering twice replaces rather than duplicates.
        figure.header.add_child(_Raw(self.head_html + self.parts.css + self.parts.js),
                                name="sitmap_head_" + self._id)
        figure.html.add_child(_Raw(self.parts.html), name="sitmap_html_" + self._id)
        figure.script.add_child(_Raw(self.init_js + "\n"), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    def to_html(self) -> str:
        """The complete standalone document."""
        return self.get_root().render()

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the document; a path is written atomically."""
        if isinstance(outfile, (str, os.PathLike)):
            atomic_write(outfile, self.to_html())
            return
        outfile.write(self.to_html().encode("utf-8"))
        if close_file:
            outfile.close()


def build_map(
    reports: Sequence[PlaceReport],
    *,
    title: str = "Situation map",
    articles: Sequence[Article] = (),
    generated_at: _dt.datetime | _dt.date | str | None = None,
    cdn: bool = False,
    prefix: str = DEFAULT_PREFIX,
    basemap: bool | str | None = None,
    tiles: str | None = "openstreetmap",
    tiles_attribution: str | None = None,
    cluster: bool = True,
    notes: Sequence[str] = (),
    changes: Sequence[Mapping[str, Any]] = (),
) -> SituationMap:
    """Build the situation map of *reports*.

    Parameters
    ----------
    reports : sequence of PlaceReport
        The places to draw.  Each place is styled by its headline; its popup
        lists every assertion.
    title : str
        Shown above the map and as the document title (escaped).
    articles : sequence of Article
        The sources for the source list (title, url, outlet, date); sources
        that assertions name but that are not listed here are added from the
        assertions.
    generated_at : datetime, date or ISO string, optional
        The generation time shown; default ``SOURCE_DATE_EPOCH``, else now.
    cdn : bool
        Link Leaflet from a CDN (pinned version with integrity hashes) for a
        small file instead of inlining it; such a map needs the network.
    prefix : str
        Namespace of ids, classes and CSS rules (for several maps on a page).
    basemap : bool or str, optional
        ``auto`` (default): offline outlines under online tiles that load when
        the browser is online (outlines skipped with ``cdn``); ``offline``:
        outlines only, never a request; ``online``: tiles only; ``none``.
    tiles : str, optional
        ``openstreetmap`` or an http(s) tile URL template; None for no tiles.
    tiles_attribution : str, optional
        Attribution text for a custom tile URL.
    cluster : bool
        Cluster nearby places of one status (maps of up to 20,000 places).
    notes, changes : sequence
        Lines shown under the title ("Changes in this update"); *changes* are
        dicts as ``sitmap.store`` produces (kind, name, before, after).

    Returns
    -------
    SituationMap
        A :class:`folium.Map`; ``.to_html()`` gives the standalone document.

    Raises
    ------
    RenderError
        On an invalid option or a place without coordinates or assertions.
    """
    prefix = _check_prefix(prefix)
    text, meta = _prepare(reports, title, articles, generated_at, cdn, basemap, tiles,
                          tiles_attribution, cluster, notes, changes)
    parts, init = _parts(text, meta, prefix)
    m = SituationMap(parts, init, prefix=prefix, title=str(title), view=_view_of(reports))
    m.payload = text
    return m


def _view_of(reports: Sequence[PlaceReport]) -> list[list[float]] | None:
    pts = [(r.place.lat, r.place.lon) for r in reports if r.headline.status in CONFLICT_STATUSES]
    pts = pts or [(r.place.lat, r.place.lon) for r in reports]
    if not pts:
        return None
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def render_html(reports: Sequence[PlaceReport], **opts: Any) -> str:
    """The standalone map document (options as :func:`build_map`).

    Without ``cdn`` it holds every script, stylesheet, icon and the offline
    basemap, so it works opened from ``file://`` with no network.
    """
    return build_map(reports, **opts).to_html()


def write_map(reports: Sequence[PlaceReport], path: str | os.PathLike[str],
              **opts: Any) -> Path:
    """Write the standalone map to *path* atomically and return the path.

    Raises
    ------
    RenderError
        When the map cannot be built.
    PublishError
        When the file cannot be written; the previous file is kept.
    """
    return atomic_write(path, render_html(reports, **opts))
