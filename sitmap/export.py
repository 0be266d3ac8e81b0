"""Places and assertions as GIS data: GeoJSON, GeoPackage, GeoParquet and CSV.

Everything goes through one :class:`geopandas.GeoDataFrame` built by :func:`to_frame`, so the
four formats carry the same columns with the same names.  Two shapes are offered:

``per="place"``
    one row per place: the place, its headline and a JSON array of every assertion behind it
    (the contract's ``places`` record, flattened for tools that want one feature per place;
    in GeoJSON GDAL writes that column as a nested array, in the other formats it is text);
``per="assertion"``
    one row per assertion with the place's columns repeated, for tools that filter or time-slide
    on individual claims.

Geometry is always the place's representative point in WGS84 (EPSG:4326), ``Point(lon, lat)``.
Dates are ISO ``YYYY-MM-DD`` strings rather than date types: GeoJSON and CSV have no date type,
and one representation in every format keeps a round trip exact.

Every file is written to a temporary directory first and published with
:func:`sitmap.publish.atomic_write`, so a failed export leaves the previous file untouched.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from .errors import RenderError
from .model import Assertion, PlaceReport
from .publish import atomic_write

Per = Literal["place", "assertion"]

#: Output format by file extension.
FORMATS: dict[str, str] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
}

#: Columns that may hold a missing integer; they use pandas' nullable ``Int64`` so a missing
#: geonameid stays missing instead of turning every id into a float.
_NULLABLE_INT = ("geonameid", "mention_start", "mention_end")

PLACE_COLUMNS: tuple[str, ...] = (
    "place_key",
    "name",
    "lat",
    "lon",
    "country",
    "admin1",
    "kind",
    "geonameid",
    "population",
    "outline",
)

#: Columns of a per-place row after :data:`PLACE_COLUMNS`.
PER_PLACE_COLUMNS: tuple[str, ...] = (
    "precision",
    "is_conflict",
    "status",
    "epistemic",
    "claimant",
    "hedge",
    "outcome",
    "quote",
    "date",
    "source",
    "n_assertions",
    "statuses",
    "first_date",
    "last_date",
    "sources",
    "assertions",
)

#: Columns of a per-assertion row after :data:`PLACE_COLUMNS`.
PER_ASSERTION_COLUMNS: tuple[str, ...] = (
    "place_precision",
    "is_conflict",
    "is_headline",
    "assertion_index",
    "status",
    "epistemic",
    "claimant",
    "hedge",
    "outcome",
    "quote",
    "source",
    "doc_id",
    "date",
    "start",
    "end",
    "precision",
    "mention_start",
    "mention_end",
    "cue",
    "url",
    "outlet",
)


def format_for(path: str | os.PathLike[str]) -> str:
    """Return the export format named by *path*'s extension.

    Raises
    ------
    RenderError
        When the extension is not one of :data:`FORMATS`.
    """
    ext = Path(path).suffix.lower()
    try:
        return FORMATS[ext]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise RenderError(
            f"cannot tell the export format of {os.fspath(path)!r}: use one of {known}"
        ) from None


def _place_fields(report: PlaceReport) -> dict[str, Any]:
    p = report.place
    return {
        "place_key": p.key,
        "name": p.name,
        "lat": float(p.lat),
        "lon": float(p.lon),
        "country": p.country,
        "admin1": p.admin1,
        "kind": p.kind.value,
        "geonameid": p.geonameid,
        "population": int(p.population),
        # A border line or outline from the gazetteer, as GeoJSON; the row's geometry stays
        # the representative point so every layer has one geometry type.
        "outline": json.dumps(p.geometry, separators=(",", ":")) if p.geometry else None,
    }


def _assertion_fields(a: Assertion) -> dict[str, Any]:
    return {
        "status": a.status.value,
        "epistemic": a.epistemic.value,
        "claimant": a.claimant,
        "hedge": a.hedge,
        "outcome": a.outcome,
        "quote": a.quote,
        "source": a.source,
        "doc_id": a.doc_id,
        "date": a.date.isoformat() if a.date else None,
        "start": int(a.start),
        "end": int(a.end),
        "precision": int(a.precision),
        "mention_start": a.mention_start,
        "mention_end": a.mention_end,
        "cue": a.cue,
        "url": a.url,
        "outlet": a.outlet,
    }


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v, None)
    return list(seen)


def place_rows(reports: Sequence[PlaceReport]) -> list[dict[str, Any]]:
    """One plain dict per place, with the columns of :data:`PER_PLACE_COLUMNS`."""
    rows = []
    for r in reports:
        h = r.headline
        dates = sorted(a.date.isoformat() for a in r.assertions if a.date)
        row = _place_fields(r)
        row.update(
            {
                "precision": int(r.precision),
                "is_conflict": bool(r.is_conflict),
                "status": h.status.value,
                "epistemic": h.epistemic.value,
                "claimant": h.claimant,
                "hedge": h.hedge,
                "outcome": h.outcome,
                "quote": h.quote,
                "date": h.date.isoformat() if h.date else None,
                "source": h.source,
                "n_assertions": len(r.assertions),
                "statuses": ";".join(_unique(a.status.value for a in r.assertions)),
                "first_date": dates[0] if dates else None,
                "last_date": dates[-1] if dates else None,
                "sources": ";".join(_unique(a.source for a in r.assertions)),
                # The whole record behind the headline, in the contract's assertion format, so
                # nothing is lost when a GIS tool holds one feature per place.
                "assertions": json.dumps(
                    [_assertion_fields(a) for a in r.assertions], ensure_ascii=False
                ),
            }
        )
        rows.append(row)
    return rows


def assertion_rows(reports: Sequence[PlaceReport]) -> list[dict[str, Any]]:
    """One plain dict per assertion, with the columns of :data:`PER_ASSERTION_COLUMNS`."""
    rows = []
    for r in reports:
        place = _place_fields(r)
        for i, a in enumerate(r.assertions):
            row = dict(place)
            row.update(
                {
                    "place_precision": int(r.precision),
                    "is_conflict": bool(r.is_conflict),
                    # Identity, not equality: two identical sentences are still two assertions.
                    "is_headline": a is r.headline,
                    "assertion_index": i,
                }
            )
            row.update(_assertion_fields(a))
            rows.append(row)
    return rows


def to_frame(reports: Sequence[PlaceReport], *, per: Per = "place") -> gpd.GeoDataFrame:
    """Build the export table.

    Parameters
    ----------
    reports : sequence of PlaceReport
        The places to export, in the order they should appear.
    per : {"place", "assertion"}
        One row per place (headline plus a JSON ``assertions`` column) or one row per assertion.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`PLACE_COLUMNS` then the per-mode columns, and ``geometry`` (points,
        EPSG:4326).
    """
    if per == "place":
        rows, columns = place_rows(reports), PLACE_COLUMNS + PER_PLACE_COLUMNS
    elif per == "assertion":
        rows, columns = assertion_rows(reports), PLACE_COLUMNS + PER_ASSERTION_COLUMNS
    else:
        raise RenderError(f"per must be 'place' or 'assertion', not {per!r}")
    df = pd.DataFrame(rows, columns=list(columns))
    for col in _NULLABLE_INT:
        if col in df:
            df[col] = df[col].astype("Int64")
    for col in ("n_assertions", "population", "precision", "place_precision", "start", "end",
                "assertion_index"):
        if col in df:
            df[col] = df[col].astype("int64")
    for col in ("is_conflict", "is_headline"):
        if col in df:
            df[col] = df[col].astype(bool)
    for col in ("lat", "lon"):
        df[col] = df[col].astype("float64")
    geometry = [Point(lon, lat) for lon, lat in zip(df["lon"], df["lat"], strict=True)]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def export(
    reports: Sequence[PlaceReport],
    path: str | os.PathLike[str],
    *,
    per: Per = "place",
    fmt: str | None = None,
) -> Path:
    """Write *reports* as GIS data to *path*, atomically.

    Parameters
    ----------
    reports : sequence of PlaceReport
        The places to export.
    path : path-like
        The output file; its extension picks the format unless *fmt* is given.
    per : {"place", "assertion"}
        Row granularity, see :func:`to_frame`.
    fmt : {"geojson", "gpkg", "parquet", "csv"}, optional
        Override the format implied by the extension.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    RenderError
        Unknown format, or the GIS driver failed.
    PublishError
        The file could not be written; the previous version is left in place.
    """
    target = Path(path)
    fmt = fmt or format_for(target)
    if fmt not in set(FORMATS.values()):
        raise RenderError(f"unknown export format {fmt!r}")
    frame = to_frame(reports, per=per)
    return atomic_write(target, to_bytes(frame, fmt, layer="places" if per == "place" else "assertions"))


def to_bytes(frame: gpd.GeoDataFrame, fmt: str, *, layer: str = "places") -> bytes:
    """Serialise an export table to the bytes of one file in format *fmt*.

    GDAL's drivers only write to paths, so the file is produced in a private temporary
    directory and read back; the caller publishes the bytes atomically.
    """
    if fmt == "csv":
        # WKT in a column named ``geometry`` (what QGIS, GDAL's CSV driver with
        # GEOM_POSSIBLE_NAMES and geopandas' ``from_wkt`` expect); lat/lon stay as plain
        # columns too, for spreadsheets.
        out = pd.DataFrame(frame.drop(columns="geometry"))
        out["geometry"] = frame.geometry.to_wkt()
        buf = io.StringIO()
        out.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue().encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="sitmap-export-") as tmp:
        scratch = Path(tmp) / f"out.{fmt}"
        try:
            if fmt == "parquet":
                frame.to_parquet(scratch, index=False)
            elif fmt == "geojson":
                # RFC7946=YES: WGS84 lon/lat, no "crs" member, 7-digit coordinates, and
                # right-hand-rule polygons should we ever export areas.
                frame.to_file(
                    scratch, driver="GeoJSON", engine="pyogrio", geometry_type="Point",
                    RFC7946="YES", WRITE_NAME="NO",
                )
            elif fmt == "gpkg":
                frame.to_file(
                    scratch, driver="GPKG", engine="pyogrio", layer=layer, geometry_type="Point"
                )
            else:
                raise RenderError(f"unknown export format {fmt!r}")
        except RenderError:
            raise
        except Exception as exc:  # GDAL and pyarrow raise their own types
            raise RenderError(f"could not write {fmt} export: {exc}") from exc
        return scratch.read_bytes()
