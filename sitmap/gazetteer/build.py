"""Build the gazetteer cache: one indexed SQLite file from the offline sources.

The build writes a temporary file beside the target and renames it over the
target only when complete, so a killed build never leaves a half-written
cache and readers that already opened the old file keep reading it.

Tables
------
``meta(key, value)``
    ``schema`` (:data:`SCHEMA_VERSION`), build time, source versions, counts.
``places(id, name, kind, lat, lon, country, admin1, geonameid, population, flags)``
    One row per place; ``flags`` is a bit set (:data:`CAPITAL`, :data:`CURATED`).
``names(key, place, flag, spelling)``
    Every normalised name of every place; ``flag`` says how good a name it is
    (:data:`PREFERRED`, :data:`NEWS`, :data:`ALTERNATE`, :data:`SHADOWED`).
``keys(key, population, kind, preferred, blocked, common, places, forms)``
    One row per distinct key, for building a recogniser's automaton.
``geoms(place, geojson)``
    Outlines and lines (countries, first-level regions, borders).

Kinds of populated places
-------------------------
The cities file carries no feature codes, so kind follows population:
``city`` from 100,000 people (and every national capital), ``town`` from
10,000, ``village`` below.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely.prepared
from shapely.geometry import Point, shape

from .. import __version__
from ..errors import GazetteerError
from . import sources
from .normalize import normalize

#: Bump when the tables or their meaning change: an older cache is rebuilt.
SCHEMA_VERSION = 4

# Name flags, best first.  NEWS marks curated spellings (Kyiv's "Kiev").
PREFERRED = 2
NEWS = 1
ALTERNATE = 0
#: a first-level region's bare name when a city of the same name in the same
#: country is its namesake ("Kharkiv" means the city; "Kharkiv Oblast" the region)
SHADOWED = -1

# Place flags.
CAPITAL = 1
CURATED = 2
USER = 4

CITY_POPULATION = 100_000
TOWN_POPULATION = 10_000

#: A town shadows the first-level region it shares a bare name with only when it
#: holds at least this share of the region's people: "Kharkiv" is the city, but
#: "Quebec" (a city of half a million in a province of eight) is the province.
NAMESAKE_MIN_SHARE = 1 / 15

#: Function words that never name a place on their own, whatever a gazetteer says.
STOPWORDS = frozenset("""
a an and are as at be been but by can could did do does for from had has have he her his
i if in into is it its me my no not of on or our she so than that the their them then there
these they this those to too up us was we were what when where which who why will with would
you your all any some one two also just only more most about after before over under out
""".split())


#: Words news spells both in full and abbreviated; each name gets the other spelling too.
_ABBREVIATED = {"saint": "st", "st": "saint", "sainte": "ste", "ste": "sainte",
                "mount": "mt", "mt": "mount", "fort": "ft", "ft": "fort"}


@dataclass
class _Place:
    name: str
    kind: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None
    geonameid: int | None = None
    population: int = 0
    flags: int = 0
    names: dict[str, tuple[int, str]] = field(default_factory=dict)
    geometry: Any = None
    #: every spelling of a stopword key ("US", "U.S.") so recognisers can match exactly
    forms: dict[str, set[str]] = field(default_factory=dict)

    def add(self, spelling: str, flag: int) -> None:
        key = normalize(spelling)
        if not key:
            return
        if key in STOPWORDS:
            self.forms.setdefault(key, set()).add(spelling)
        words = key.split(" ")
        if len(words) > 1 and not _ABBREVIATED.keys().isdisjoint(words):
            # "St. Petersburg" and "Saint Petersburg" are one name written two ways.
            variant = " ".join(_ABBREVIATED.get(w, w) for w in words)
            if variant not in self.names or self.names[variant][0] < flag:
                self.names[variant] = (flag, spelling)
        old = self.names.get(key)
        if old is None or flag > old[0]:
            self.names[key] = (flag, spelling)


def _populated_kind(population: int, capital: bool) -> str:
    if capital or population >= CITY_POPULATION:
        return "city"
    return "town" if population >= TOWN_POPULATION else "village"


# Anything outside Latin script (with diacritics) or a digit: other scripts
# never appear in English news, and numbered variants are not names.
_NOT_A_NEWS_SPELLING = re.compile("[^\u0000-\u024f\u2018\u2019\u02bc]|[0-9]")


def plausible_spelling(spelling: str) -> bool:
    """Cheap test, before normalising, of whether an alternate name could be indexed.

    GeoNames alternates include airport and other codes ("IEV"), lower-case
    romanisations of names in other scripts ("kiu"), numbered variants and
    names in other scripts; none of those should ever make a place.
    """
    if not spelling or spelling[:1].islower() or _NOT_A_NEWS_SPELLING.search(spelling):
        return False
    return not (spelling.isupper() and len(spelling) <= 5)  # IATA/ICAO and similar codes


def keep_alternate(spelling: str, key: str, common: dict[str, int]) -> bool:
    """Whether an alternate name (with its normalised *key*) is worth indexing.

    Besides :func:`plausible_spelling`, ordinary English words ("Will",
    "Mobile" as an alias of somewhere else) and very short keys are dropped.
    """
    if len(key) < 3 or not plausible_spelling(spelling):
        return False
    return key not in common and key not in STOPWORDS


class _Collector:
    """Gathers places from every source, then links and writes them."""

    def __init__(self) -> None:
        self.places: list[_Place] = []
        self.by_gid: dict[int, _Place] = {}
        self.countries: dict[str, _Place] = {}
        self.common = sources.common_words()

    def add(self, p: _Place) -> _Place:
        self.places.append(p)
        if p.geonameid is not None and p.geonameid not in self.by_gid:
            self.by_gid[p.geonameid] = p
        return p

    # -- sources ---------------------------------------------------------

    def load_countries(self) -> None:
        gn = sources.geonames_countries()
        shapes = sources.read_json_gz("country_shapes.json.gz")
        for row in sources.read_tsv("countries.tsv"):
            cc = row["cc"]
            info = gn.get(cc, {})
            lat = float(row["lat"]) if row["lat"] not in ("", "None") else 0.0
            lon = float(row["lon"]) if row["lon"] not in ("", "None") else 0.0
            p = _Place(name=row["name"], kind="country", lat=lat, lon=lon, country=cc,
                       geonameid=info.get("geonameid"),
                       population=int(info.get("population") or 0),
                       geometry=shapes.get(cc))
            p.add(row["name"], PREFERRED)
            if info.get("name"):
                p.add(info["name"], PREFERRED)
            for n in row["names"].split("|"):
                if n:
                    p.add(n, PREFERRED)
            self.countries[cc] = self.add(p)
        self.capital_names = {cc: normalize(r["capital"]) for r in sources.read_tsv("countries.tsv")
                              for cc in [r["cc"]] if r["capital"]}
        self.capital_names.update({cc: normalize(i["capital"]) for cc, i in gn.items()
                                   if i.get("capital") and cc not in self.capital_names})

    def load_cities(self) -> None:
        cities = sources.geonames_cities()
        self.admin1_pop: dict[tuple[str, str], int] = defaultdict(int)
        # (country, key) -> points and populations of sizeable towns called that: a
        # region whose bare name is one of these, and that contains the town, is its
        # namesake.
        self.city_keys: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
        self.city_alt_keys: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(
            list)
        news: dict[int, list[str]] = defaultdict(list)
        for row in sources.read_tsv("curated.tsv"):
            if row["geonameid"]:
                news[int(row["geonameid"])] += [a for a in row["aliases"].split("|") if a]
        caps: dict[str, _Place] = {}
        common = self.common
        for c in cities.values():
            cc = c["countrycode"]
            pop = int(c.get("population") or 0)
            a1 = c.get("admin1code") or None
            p = _Place(name=c["name"], kind="", lat=float(c["latitude"]),
                       lon=float(c["longitude"]), country=cc, admin1=a1,
                       geonameid=int(c["geonameid"]), population=pop)
            p.add(c["name"], PREFERRED)
            pkey = normalize(c["name"])
            names = p.names
            for alt in c.get("alternatenames") or ():
                # Screen the spelling before normalising: most alternates are in
                # other scripts, and transliterating them is the build's main cost.
                if not plausible_spelling(alt):
                    continue
                key = normalize(alt)
                if (key != pkey and key not in names and len(key) >= 3 and key not in common
                        and key not in STOPWORDS):
                    names[key] = (ALTERNATE, alt)
            if a1:
                self.admin1_pop[(cc, a1)] += pop
            if pop >= TOWN_POPULATION:
                for key in {pkey, *(normalize(a) for a in news.get(p.geonameid or 0, ()))}:
                    self.city_keys[(cc, key)].append((p.lon, p.lat, pop))
            if pop >= CITY_POPULATION:
                # A big city's other names (Rangoon for Yangon) can shadow a region's
                # alternate names, never its main name (New York State stays "New York").
                for key in names:
                    if key != pkey:
                        self.city_alt_keys[(cc, key)].append((p.lon, p.lat, pop))
            cap = self.capital_names.get(cc)
            if cap and (cap == pkey or cap in p.names) and (
                    cc not in caps or caps[cc].population < pop):
                caps[cc] = p
            self.add(p)
        for p in caps.values():
            p.flags |= CAPITAL
        for p in self.places:
            if p.kind == "":
                p.kind = _populated_kind(p.population, bool(p.flags & CAPITAL))

    def load_admin1(self) -> None:
        shapes = sources.read_json_gz("admin1_shapes.json.gz")
        suffixes = {"UA": ("oblast",), "RU": ("oblast",), "BY": ("oblast", "voblast"),
                    "KZ": ("oblast",), "PL": ("voivodeship",)}
        by_iso: dict[str, _Place] = {}
        rows = list(sources.read_tsv("admin1.tsv"))
        # Natural Earth splits a few ISO regions into parts (Lord Howe Island is
        # AU-NSW too) whose alternate names repeat the whole region's name.
        own: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            own[row["iso_3166_2"]].add(row["name"])
        for row in rows:
            cc, a1 = row["cc"], row["admin1code"] or None
            pop = self.admin1_pop.get((cc, a1), 0) if a1 else 0
            gid = int(row["geonameid"]) if row["geonameid"] not in ("", "-1", "0") else None
            p = _Place(name=row["name"], kind="admin1", lat=float(row["lat"]),
                       lon=float(row["lon"]), country=cc, admin1=a1, geonameid=gid,
                       population=pop, geometry=shapes.get(row["iso_3166_2"]))
            others = own[row["iso_3166_2"]] - {row["name"]}
            names = [n for n in row["names"].split("|") if n and n not in others]
            bases = [row["name"]] + names[:2]
            typ = (row["type"] or "").lower()
            words = {"region", "province"} | set(suffixes.get(cc, ()))
            if typ in ("municipality", "city", "city municipality", "federal district"):
                # A city that is its own region ("Kiev City"): "Kyiv region" means
                # the surrounding oblast, so no suffixed forms for the city.
                words = set()
            elif typ and " " not in typ:
                words.add(typ)
            for b in bases:
                for w in sorted(words):
                    p.add(f"{b} {w}", PREFERRED)
            area = None
            for i, n in enumerate([row["name"]] + names):
                key = normalize(n)
                towns = self.city_keys.get((cc, key)) or (
                    self.city_alt_keys.get((cc, key)) if i > 0 else None)
                if towns and area is None and p.geometry:
                    # ~20 km of slack: outlines are simplified and cities sit on coasts.
                    area = shapely.prepared.prep(shape(p.geometry).buffer(0.2))
                inside = [t for t in towns or () if area is None or area.contains(Point(t[:2]))]
                if inside and max(t[2] for t in inside) >= NAMESAKE_MIN_SHARE * pop:
                    p.add(n, SHADOWED) if key not in p.names else None
                elif i < 3:
                    p.add(n, PREFERRED)
                elif keep_alternate(n, key, self.common):
                    p.add(n, ALTERNATE)
            self.add(p)
            iso = row["iso_3166_2"]
            # Of the parts of a split region, the one with a GeoNames id is the region itself.
            if iso not in by_iso or (by_iso[iso].geonameid is not None, by_iso[iso].population) < (
                    p.geonameid is not None, p.population):
                by_iso[iso] = p
        for row in sources.read_tsv("abbreviations.tsv"):
            target = by_iso.get(row["iso_3166_2"])
            if target is None:
                raise GazetteerError(f"abbreviations.tsv: no region {row['iso_3166_2']}")
            for a in row["aliases"].split("|"):
                target.add(a, NEWS)

    def load_us_counties(self) -> None:
        for row in sources.read_tsv("us_counties.tsv"):
            p = _Place(name=row["name"], kind="admin2", lat=float(row["lat"]),
                       lon=float(row["lon"]), country="US", admin1=row["state"],
                       population=int(row["population"] or 0))
            p.add(row["name"], PREFERRED)
            # "Kanawha" for "Kanawha County" is how local news often writes it,
            # but the bare word is weaker evidence than the full name.
            bare = row["name"].rsplit(" ", 1)[0]
            if bare != row["name"]:
                key = normalize(bare)
                if keep_alternate(bare, key, self.common):
                    p.add(bare, ALTERNATE)
            self.add(p)

    def load_continents(self) -> None:
        for c in sources.geonames_continents().values():
            p = _Place(name=c["name"], kind="region", lat=float(c["lat"]), lon=float(c["lng"]),
                       geonameid=int(c["geonameId"]), population=int(c.get("population") or 0),
                       flags=CURATED)
            p.add(c["name"], PREFERRED)
            self.add(p)

    def load_demonyms(self) -> None:
        """Country adjectives and nouns ("Ukrainian", "Americans"): evidence, not places."""
        self.demonyms: dict[str, str] = {}
        for row in sources.read_tsv("countries.tsv"):
            for d in row["demonyms"].split("|"):
                forms = [d] if d.endswith(("ese", "sh", "ch", "ss")) else [d, d + "s"]
                for f in forms:
                    key = normalize(f)
                    if not key:
                        continue
                    # Territories share demonyms ("American" for Guam); the most
                    # populous country owns the word.
                    old = self.countries.get(self.demonyms.get(key, ""))
                    new = self.countries.get(row["cc"])
                    if old is None or (new is not None and new.population > old.population):
                        self.demonyms[key] = row["cc"]

    def load_borders(self) -> None:
        demonyms = {r["cc"]: [d for d in r["demonyms"].split("|") if d]
                    for r in sources.read_tsv("countries.tsv")}
        for pair, b in sources.read_json_gz("borders.json.gz").items():
            a, c = pair.split("-")
            ca, cb = self.countries.get(a), self.countries.get(c)
            if ca is None or cb is None:
                continue
            first, second = sorted([ca, cb], key=lambda x: x.name)
            p = _Place(name=f"{first.name}–{second.name} border", kind="border",
                       lat=b["lat"], lon=b["lon"], geometry=b["geometry"], flags=CURATED)
            for x, y in ((first, second), (second, first)):
                for sep in ("-", " "):
                    p.add(f"{x.name}{sep}{y.name} border", PREFERRED)
                for dx in demonyms.get(x.country or "", [])[:1]:
                    for dy in demonyms.get(y.country or "", [])[:1]:
                        p.add(f"{dx}-{dy} border", PREFERRED)
            self.add(p)

    def load_curated(self) -> None:
        for row in sources.read_tsv("curated.tsv"):
            gid = int(row["geonameid"]) if row["geonameid"] else None
            kind = row["kind"]
            target = None
            if gid is not None:
                target = self.by_gid.get(gid)
            elif kind == "country":
                target = self.countries.get(row["country"])
            aliases = [a for a in row["aliases"].split("|") if a]
            if target is not None:
                old_name = target.name
                target.name = row["name"]
                target.kind = kind or target.kind
                target.flags |= CURATED
                if row["lat"] and row["lon"]:
                    target.lat, target.lon = float(row["lat"]), float(row["lon"])
                target.add(row["name"], PREFERRED)
                target.add(old_name, PREFERRED)
                for a in aliases:
                    key = normalize(a)
                    if target.names.get(key, (ALTERNATE,))[0] < NEWS:
                        target.names.pop(key, None)  # so add() records the curated spelling
                    target.add(a, NEWS)
                continue
            if not (row["lat"] and row["lon"]):
                raise GazetteerError(f"curated row {row['name']!r} has no point and no match")
            p = _Place(name=row["name"], kind=kind, lat=float(row["lat"]), lon=float(row["lon"]),
                       country=row["country"] or None, geonameid=gid, flags=CURATED)
            p.add(row["name"], PREFERRED)
            for a in aliases:
                p.add(a, NEWS)
            self.add(p)


_KIND_RANK = {"country": 0, "admin1": 1, "region": 2, "water": 3, "border": 4, "city": 5,
              "admin2": 6, "town": 7, "village": 8, "feature": 9}


def _key_rows(places: list[_Place], common: dict[str, int],
              demonyms: dict[str, str]) -> Iterable[tuple[Any, ...]]:
    agg: dict[str, list[Any]] = {}
    for p in places:
        for key, (flag, spelling) in p.names.items():
            a = agg.get(key)
            if a is None:
                agg[key] = a = [0, "feature", 0, 0, set(), False]
            a[3] += 1
            if p.population >= a[0]:
                a[0] = p.population
            if flag >= NEWS:
                a[2] = 1
                if _KIND_RANK.get(p.kind, 9) < _KIND_RANK.get(a[1], 9) or a[1] == "feature":
                    a[1] = p.kind
                if p.kind in ("country", "admin1", "region", "water") and flag == PREFERRED:
                    a[5] = True  # a country or region name is not a common word in news
            elif a[2] == 0 and _KIND_RANK.get(p.kind, 9) < _KIND_RANK.get(a[1], 9):
                a[1] = p.kind
            if len(a[4]) < 6:
                a[4].add(spelling)
                a[4].update(p.forms.get(key, ()))
    for key, (pop, kind, pref, count, forms, major) in agg.items():
        tier = common.get(key, 0)
        demonym = demonyms.get(key)
        # A demonym that is also some village's name ("Canadian", "Spanish") is
        # almost always the adjective in news.
        blocked = key in STOPWORDS or (tier > 0 and not major) or (
            len(key) <= 2 and not pref) or (demonym is not None and kind != "country")
        yield (key, pop, kind, pref, int(blocked), tier, count,
               "|".join(sorted(forms)) if blocked else "", demonym)


def build(path: str | os.PathLike[str], *, progress: bool | None = None) -> dict[str, Any]:
    """Build the gazetteer cache at *path* atomically and return build statistics.

    Parameters
    ----------
    path : path-like
        The cache file to (re)place; its directory is created when missing.
    progress : bool or None
        Draw a progress bar on stderr (None: only on a terminal, not quiet).

    Returns
    -------
    dict
        ``seconds``, ``places``, ``names``, ``keys`` and ``bytes``.

    Raises
    ------
    GazetteerError
        When a source cannot be read or the file cannot be written.
    """
    from ..progress import bar

    target = Path(path)
    started = time.perf_counter()
    steps = [("countries", "load_countries"), ("cities", "load_cities"),
             ("regions", "load_admin1"), ("counties", "load_us_counties"),
             ("continents", "load_continents"), ("demonyms", "load_demonyms"),
             ("borders", "load_borders"),
             ("curated", "load_curated")]
    pbar = bar(desc="building gazetteer", total=len(steps) + 2, unit="step")
    if progress is not None:
        pbar.disable = not progress
    col = _Collector()
    try:
        for label, method in steps:
            pbar.set_postfix_str(label)
            getattr(col, method)()
            pbar.update(1)
    except (OSError, ValueError, KeyError) as exc:
        pbar.close()
        raise GazetteerError(f"cannot read gazetteer sources: {exc}") from exc

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GazetteerError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pbar.set_postfix_str("writing")
        stats = _write(tmp, col)
        pbar.update(1)
        os.replace(tmp, target)
        pbar.update(1)
    except (OSError, sqlite3.Error) as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise GazetteerError(f"cannot write gazetteer cache {target}: {exc}") from exc
    finally:
        pbar.close()
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["bytes"] = target.stat().st_size
    return stats


def _write(tmp: Path, col: _Collector) -> dict[str, Any]:
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        # The file is private until renamed: no journal or syncs needed while filling it.
        con.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE places(id INTEGER PRIMARY KEY, name TEXT, kind TEXT, lat REAL, lon REAL,
                country TEXT, admin1 TEXT, geonameid INTEGER, population INTEGER, flags INTEGER);
            CREATE TABLE names(key TEXT, place INTEGER, flag INTEGER, spelling TEXT);
            CREATE TABLE keys(key TEXT PRIMARY KEY, population INTEGER, kind TEXT,
                preferred INTEGER, blocked INTEGER, common INTEGER, places INTEGER,
                forms TEXT, demonym TEXT) WITHOUT ROWID;
            CREATE TABLE geoms(place INTEGER PRIMARY KEY, geojson TEXT);
            CREATE TABLE demonyms(key TEXT PRIMARY KEY, country TEXT) WITHOUT ROWID;
        """)
        con.executemany("INSERT INTO demonyms VALUES (?,?)", col.demonyms.items())
        con.executemany(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)",
            ((i, p.name, p.kind, round(p.lat, 5), round(p.lon, 5), p.country, p.admin1,
              p.geonameid, p.population, p.flags) for i, p in enumerate(col.places)))
        con.executemany(
            "INSERT INTO names VALUES (?,?,?,?)",
            ((k, i, f, s if s != p.name else None)
             for i, p in enumerate(col.places) for k, (f, s) in p.names.items()))
        con.executemany("INSERT INTO keys VALUES (?,?,?,?,?,?,?,?,?)",
                        _key_rows(col.places, col.common, col.demonyms))
        con.executemany(
            "INSERT INTO geoms VALUES (?,?)",
            ((i, json.dumps(p.geometry, separators=(",", ":")))
             for i, p in enumerate(col.places) if p.geometry))
        con.execute("CREATE INDEX names_key ON names(key)")
        n_names = con.execute("SELECT count(*) FROM names").fetchone()[0]
        n_keys = con.execute("SELECT count(*) FROM keys").fetchone()[0]
        meta = {
            "schema": str(SCHEMA_VERSION),
            "fingerprint": fingerprint(),
            "sitmap": __version__,
            "built": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "sources": json.dumps(sources.source_versions()),
            "places": str(len(col.places)),
            "names": str(n_names),
            "keys": str(n_keys),
        }
        con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        con.commit()
        con.execute("ANALYZE")
        con.commit()
    finally:
        con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    return {"places": len(col.places), "names": n_names, "keys": n_keys}


_FINGERPRINT: str | None = None


def fingerprint() -> str:
    """A digest of everything the build reads: schema, this module, the data files.

    Stored in the cache's metadata; a cache built from other inputs (an older
    sitmap, an edited curated table) no longer matches and is rebuilt.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib

        h = hashlib.sha256(str(SCHEMA_VERSION).encode())
        h.update(Path(__file__).read_bytes())
        for f in sorted(sources.DATA.iterdir()):
            if f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes())
        h.update(json.dumps(sources.source_versions(), sort_keys=True).encode())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT


def population_score(population: int) -> float:
    """Log-scaled population, shared by ranking and diagnostics."""
    return math.log10(1 + max(population, 0))
