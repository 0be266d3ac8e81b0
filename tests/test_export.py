"""GIS exports: each format is written, read back with geopandas, and compared field by field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from report_samples import hostile_reports, seed_reports

from sitmap.errors import RenderError
from sitmap.export import export, format_for, to_frame

FORMATS = ("geojson", "gpkg", "parquet", "csv")


def read_back(path: Path) -> gpd.GeoDataFrame:
    """Read an export the way a user would, with geopandas' own readers."""
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    if path.suffix == ".csv":
        # GDAL's CSV driver: find the WKT column by name and do not keep it as text.
        return gpd.read_file(path, GEOM_POSSIBLE_NAMES="geometry", KEEP_GEOM_COLUMNS="NO")
    return gpd.read_file(path)


def norm(value, *, csv: bool):
    """One comparable form for a cell, whatever type the format gave it back."""
    if isinstance(value, (list, dict)):  # GeoJSON gives nested JSON back as JSON
        return value
    if value is None or pd.isna(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer() and not csv:
        return int(value)
    if csv:
        # CSV holds text only: compare the text, with an empty cell standing for null.
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        text = str(value)
        return text if text != "" else None
    return value


@pytest.mark.parametrize("per", ["place", "assertion"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_field(tmp_path: Path, fmt: str, per: str) -> None:
    reports = seed_reports() + hostile_reports()
    expected = to_frame(reports, per=per)
    out = export(reports, tmp_path / f"situation.{fmt}", per=per)
    assert out == tmp_path / f"situation.{fmt}"
    got = read_back(out)

    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected) == (
        len(reports) if per == "place" else sum(len(r.assertions) for r in reports)
    )
    csv = fmt == "csv"
    for col in expected.columns:
        if col == "geometry":
            continue
        want = [norm(v, csv=csv) for v in expected[col]]
        if csv:
            want = [None if w is None else str(w) for w in want]
        have = [norm(v, csv=csv) for v in got[col]]
        if col in ("assertions", "outline"):
            # Compare the records, not the spelling: GDAL's GeoJSON writer turns a JSON string
            # into nested JSON, which is what a GeoJSON reader wants.
            want = [None if w is None else json.loads(w) for w in want]
            have = [h if h is None or isinstance(h, (list, dict)) else json.loads(h) for h in have]
        assert have == want, f"{fmt}/{per}: column {col} differs"
    # Geometry: the same points, in lon/lat order.
    for g_exp, g_got in zip(expected.geometry, got.geometry, strict=True):
        assert g_got.geom_type == "Point"
        assert g_got.x == pytest.approx(g_exp.x, abs=1e-7)
        assert g_got.y == pytest.approx(g_exp.y, abs=1e-7)
    if fmt != "csv":  # CSV carries no CRS; every other format must say WGS84
        assert got.crs is not None and got.crs.to_epsg() == 4326


def test_geojson_is_rfc7946(tmp_path: Path) -> None:
    out = export(seed_reports(), tmp_path / "m.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946 section 4: no crs member, WGS84 implied
    kherson = next(f for f in doc["features"] if f["properties"]["name"] == "Kherson")
    # lon, lat order, and the truth about the claim kept in the properties
    assert kherson["geometry"] == {"type": "Point", "coordinates": [32.6178, 46.6558]}
    props = kherson["properties"]
    assert (props["status"], props["epistemic"], props["claimant"], props["hedge"]) == (
        "captured", "claimed", "Russia's forces", "not yet verified")
    behind = props["assertions"]  # nested JSON, not a string holding JSON
    assert [a["status"] for a in behind] == ["captured", "unknown"]
    assert behind[1]["hedge"] == "remained unclear"


def test_per_place_assertions_column_holds_every_assertion_field() -> None:
    reports = seed_reports()
    frame = to_frame(reports, per="place")
    kyiv = frame[frame["name"] == "Kyiv"].iloc[0]
    records = json.loads(kyiv["assertions"])
    assert len(records) == kyiv["n_assertions"] == 3
    assert set(records[0]) >= {
        "status", "epistemic", "claimant", "hedge", "outcome", "quote", "source", "doc_id",
        "date", "start", "end", "precision", "mention_start", "mention_end", "cue", "url",
        "outlet",
    }
    assert kyiv["statuses"] == "struck;held;advance"


def test_per_assertion_marks_the_headline() -> None:
    frame = to_frame(seed_reports(), per="assertion")
    heads = frame[frame["is_headline"]]
    assert len(heads) == len(seed_reports())
    kherson = heads[heads["name"] == "Kherson"].iloc[0]
    assert kherson["status"] == "captured"
    # a precision-2 assertion keeps its own precision beside the place's
    advance = frame[(frame["name"] == "Kyiv") & (frame["status"] == "advance")].iloc[0]
    assert (advance["precision"], advance["place_precision"]) == (2, 1)


def test_empty_export_is_a_valid_file(tmp_path: Path) -> None:
    for fmt in FORMATS:
        out = export([], tmp_path / f"empty.{fmt}")
        assert len(read_back(out)) == 0


def test_format_comes_from_the_extension(tmp_path: Path) -> None:
    assert format_for("a/b.GeoJSON") == "geojson"
    assert format_for("x.gpkg") == "gpkg"
    with pytest.raises(RenderError, match="export format"):
        format_for("map.shp")


def test_cli_export_of_the_seed_article(seed_path: Path, tmp_path: Path) -> None:
    from sitmap.cli.main import main

    out = tmp_path / "seed.gpkg"
    assert main(["-q", "export", str(seed_path), "-o", str(out), "--per", "assertion"]) == 0
    got = gpd.read_file(out)
    kherson = got[(got["name"] == "Kherson") & got["is_headline"]].iloc[0]
    assert (kherson["status"], kherson["epistemic"]) == ("captured", "claimed")
    assert kherson["hedge"] == "not yet verified"
    text = seed_path.read_text(encoding="utf-8")
    # the quote's offsets point into the article exactly
    for _, row in got.iterrows():
        assert text[row["start"]:row["end"]] == row["quote"]


def test_cli_export_refuses_an_unknown_extension(tmp_path: Path) -> None:
    from sitmap.cli.main import main

    assert main(["-q", "export", "-o", str(tmp_path / "x.shp")]) == 2
    assert not (tmp_path / "x.shp").exists()
