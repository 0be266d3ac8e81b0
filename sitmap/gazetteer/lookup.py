"""The gazetteer reader: open the cache, rank candidates, explain the ranking.

Scores are sums of small, named parts so every candidate carries its reasons:

=====================  =========================================================
part                   value
=====================  =========================================================
name                   preferred or curated news spelling 1.0, alternate 0.3,
                       a region's bare name shadowed by its namesake city -0.5
population             0.3 per power of ten (log10(1 + population))
kind                   country 1.5, region 0.8, admin1/water/border 0.6,
                       city 0.3, admin2 0.2, town 0.1, village 0
national capital       0.5
curated entry          1.0 (seas, Donbas, continents, borders, news spellings)
country hint           2.0 when the place is in the hinted country
near                   1.5 / (1 + km / 100), geodesic distance to ``near``
user entry             10.0: the user's own entries always come first
=====================  =========================================================

So "Odessa" ranks the Ukrainian port (about a million people, curated news
spelling) above Odessa, Texas, until a ``country="US"`` hint adds 2.0 to
Texas; "Georgia" ranks the country above the US state until the hint is US.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import GazetteerCorrupt, GazetteerError, GazetteerMissing
from ..model import Kind, Place
from .build import (
    ALTERNATE,
    CAPITAL,
    CURATED,
    NEWS,
    PREFERRED,
    SCHEMA_VERSION,
    SHADOWED,
    USER,
    fingerprint,
    population_score,
)
from .normalize import normalize

log = logging.getLogger(__name__)

REBUILD_HINT = "run `sitmap gazetteer build` to rebuild it"

NAME_SCORE = {PREFERRED: 1.0, NEWS: 1.0, ALTERNATE: 0.3, SHADOWED: -0.5}
NAME_REASON = {PREFERRED: "preferred name", NEWS: "curated news spelling",
               ALTERNATE: "alternate name", SHADOWED: "region named after its city"}
KIND_SCORE = {Kind.COUNTRY: 1.5, Kind.REGION: 0.8, Kind.ADMIN1: 0.6, Kind.WATER: 0.6,
              Kind.BORDER: 0.6, Kind.CITY: 0.3, Kind.ADMIN2: 0.2, Kind.TOWN: 0.1,
              Kind.VILLAGE: 0.0, Kind.FEATURE: 0.0}
POPULATION_WEIGHT = 0.3
CAPITAL_SCORE = 0.5
CURATED_SCORE = 1.0
COUNTRY_HINT_SCORE = 2.0
NEAR_SCORE = 1.5
NEAR_SCALE_KM = 100.0
USER_SCORE = 10.0

#: how many keys' entries stay decoded in memory (the hot set of a news corpus)
ENTRY_CACHE_SIZE = 200_000


class GazetteerOutdated(GazetteerCorrupt):
    """The cache is readable but was built from other sources or by another version."""


class Candidate(NamedTuple):
    """One ranked answer of a lookup.

    Attributes
    ----------
    place : Place
        The gazetteer entry.
    score : float
        Higher is better; comparable only within one lookup.
    reasons : tuple of str
        The parts of the score, human readable ("preferred name", "population 1,010,537").
    matched : str
        The spelling of the name that matched (an alias such as "Kiev" for Kyiv).
    """

    place: Place
    score: float
    reasons: tuple[str, ...]
    matched: str


class NameInfo(NamedTuple):
    """What a recogniser needs to know about one normalised key.

    Attributes
    ----------
    population : int
        The largest population among the places with this name.
    kind : Kind
        The most important kind among them (country over admin1 over city...).
    preferred : bool
        True when the key is some place's preferred, official or curated name;
        False when it is only an alternate name.
    blocked : bool
        True when the key is a stopword or a common English word that is not
        a country's or region's name ("reading", "mobile", "us"): accept it only
        with strong context, e.g. exactly as in ``forms``.
    common : int
        SCOWL frequency tier of the word (10 most common, 20, 35), 0 if none.
    places : int
        How many places share the key.
    forms : tuple of str
        For blocked keys, the place spellings ("US", "U.S.") a recogniser may
        accept case-sensitively; empty otherwise.
    demonym : str or None
        The country code when the key is also a country's demonym.
    """

    population: int
    kind: Kind
    preferred: bool
    blocked: bool
    common: int
    places: int
    forms: tuple[str, ...]
    demonym: str | None = None


class _Entry(NamedTuple):
    place: Place
    prior: float
    reasons: tuple[str, ...]
    matched: str


def _place_prior(kind: Kind, population: int, flags: int) -> tuple[float, list[str]]:
    score = KIND_SCORE.get(kind, 0.0) + POPULATION_WEIGHT * population_score(population)
    reasons = [f"kind {kind.value}"]
    if population:
        reasons.append(f"population {population:,}")
    if flags & CAPITAL:
        score += CAPITAL_SCORE
        reasons.append("national capital")
    if flags & CURATED:
        score += CURATED_SCORE
        reasons.append("curated entry")
    if flags & USER:
        score += USER_SCORE
        reasons.append("user entry")
    return score, reasons


class Gazetteer:
    """A read-only view of the gazetteer cache plus the user's own entries.

    Open with :meth:`open`.  Safe to share between threads; several processes
    may read the same cache at once (it is opened read-only and is only ever
    replaced by an atomic rename).
    """

    def __init__(self, path: Path, con: sqlite3.Connection, *,
                 user_path: Path | None = None, online: Any = None) -> None:
        self.path = path
        self._con = con
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[_Entry, ...]] = {}
        # hinted lookups, keyed by (key, country, near, limit)
        self._memo: dict[tuple[Any, ...], tuple[Candidate, ...]] = {}
        self._countries: dict[str, Place] | None = None
        self._capitals: dict[str, Place] | None = None
        self.user_path = user_path
        self._user: dict[str, list[_Entry]] | None = None
        self.online = online
        #: counts changes to the user entries, so callers' caches can tell
        #: that what they hold is out of date
        self.generation = 0

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, build: bool = True,
             progress: bool | None = None, online: Any = None) -> Gazetteer:
        """Open the gazetteer cache, building it first when missing or outdated.

        Parameters
        ----------
        path : path-like or None
            The cache file.  None: ``$SITMAP_GAZETTEER``, else the default
            location (:func:`sitmap.gazetteer.paths.default_path`).
        build : bool
            Build a missing or outdated cache (default).  When False such a
            cache raises instead.
        progress : bool or None
            Progress bar while building (None: on a terminal only).
        online : OnlineGeocoder, bool or None
            An opt-in online fallback for :meth:`lookup_online`; True builds
            one from the environment (Nominatim unless configured otherwise).

        Raises
        ------
        GazetteerMissing
            No cache at *path* and *build* is False.
        GazetteerCorrupt
            The file is not a readable gazetteer (or outdated, with *build* False).
        """
        from .paths import default_path, resolve_path, user_path_for

        target = resolve_path(path)
        if not target.exists():
            if not build:
                raise GazetteerMissing(f"no gazetteer cache at {target}: {REBUILD_HINT}")
            _build_locked(target, progress)
        try:
            con = _connect(target)
        except GazetteerOutdated:
            # Ours, built by another version or from other sources: rebuild.
            if not build:
                raise
            _build_locked(target, progress)
            con = _connect(target)
        except GazetteerCorrupt:
            # Unreadable, or not a gazetteer at all.  In the default location
            # the file can only be ours, so rebuild it; a file the user named
            # may be anything (a mistyped path to their own database), and
            # sitmap never overwrites data it did not make.
            if not build:
                raise
            if target.resolve() != default_path().resolve():
                raise GazetteerCorrupt(
                    f"{target} is not a readable sitmap gazetteer; sitmap will not overwrite a "
                    f"file it did not make: name another path, or rebuild this one on purpose "
                    f"with `sitmap gazetteer build --gazetteer {target}`") from None
            _build_locked(target, progress)
            con = _connect(target)
        if online is True:
            from .online import OnlineGeocoder

            online = OnlineGeocoder.from_env()
        return cls(target, con, user_path=user_path_for(target), online=online or None)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._con.close()

    def __enter__(self) -> Gazetteer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- raw access ------------------------------------------------------

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._con.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise GazetteerCorrupt(
                    f"gazetteer cache {self.path} is unreadable ({exc}): {REBUILD_HINT}"
                ) from exc

    def meta(self) -> dict[str, str]:
        """The cache's metadata (schema version, build time, sources, counts)."""
        return dict(self._query("SELECT key, value FROM meta"))

    def entries(self, key: str) -> list[Candidate]:
        """All places named by an already-normalised *key*, prior score first.

        Fast: decoded entries stay in memory, so a recogniser may call this for
        every match.  Scores here are priors (name, kind, population, capital,
        curated); :meth:`lookup` adds the hints.
        """
        got = self._entries.get(key)
        if got is None:
            got = self._load_entries(key)
        return [Candidate(e.place, e.prior, e.reasons, e.matched) for e in got]

    def _load_entries(self, key: str) -> tuple[_Entry, ...]:
        rows = self._query(
            "SELECT n.flag, n.spelling, p.name, p.kind, p.lat, p.lon, p.country, p.admin1,"
            " p.geonameid, p.population, p.flags, p.id FROM names n JOIN places p"
            " ON p.id = n.place WHERE n.key = ?", (key,))
        out = list(self._user_entries().get(key, ()))
        for flag, spelling, name, kind, lat, lon, cc, a1, gid, pop, flags, pid in rows:
            k = Kind(kind)
            geometry = self._geometry(pid) if k is Kind.BORDER else None
            place = Place(name=name, lat=lat, lon=lon, kind=k, country=cc, admin1=a1,
                          geonameid=gid, population=pop or 0, geometry=geometry)
            prior, reasons = _place_prior(k, pop or 0, flags)
            prior += NAME_SCORE.get(flag, 0.0)
            reasons.insert(0, NAME_REASON.get(flag, "name"))
            out.append(_Entry(place, round(prior, 4), tuple(reasons), spelling or name))
        out.sort(key=lambda e: -e.prior)
        result = tuple(out)
        if len(self._entries) >= ENTRY_CACHE_SIZE:
            self._entries.clear()
        self._entries[key] = result
        return result

    def names(self) -> Iterator[tuple[str, NameInfo]]:
        """Every normalised key with its :class:`NameInfo` (for an automaton)."""
        rows = self._query("SELECT key, population, kind, preferred, blocked, common, places,"
                           " forms, demonym FROM keys")
        kinds = {k.value: k for k in Kind}
        for key, pop, kind, pref, blocked, common, count, forms, dem in rows:
            yield key, NameInfo(pop or 0, kinds[kind], pref == 1, blocked == 1, common or 0,
                                count, tuple(forms.split("|")) if forms else (), dem)
        for key, entries in self._user_entries().items():
            e = entries[0]
            yield key, NameInfo(e.place.population, e.place.kind, True, False, 0,
                                len(entries), ())

    def demonyms(self) -> dict[str, str]:
        """Normalised country demonyms mapped to country codes ("ukrainians" -> "UA").

        Demonyms are not places (the contract never maps "Ukrainian forces"),
        but they tell a resolver which countries an article is about.
        """
        return dict(self._query("SELECT key, country FROM demonyms"))

    def demonym(self, word: str) -> Place | None:
        """The country whose demonym *word* is ("Russian" -> Russia), or None."""
        rows = self._query("SELECT country FROM demonyms WHERE key = ?", (normalize(word),))
        return self.country(rows[0][0]) if rows else None

    def _geometry(self, place_id: int) -> dict[str, Any] | None:
        rows = self._query("SELECT geojson FROM geoms WHERE place = ?", (place_id,))
        return json.loads(rows[0][0]) if rows else None

    def geometry(self, place: Place) -> dict[str, Any] | None:
        """The outline (country, admin1) or line (border) of *place*, if stored.

        Outlines are simplified Natural Earth shapes; they are not attached to
        every :class:`Place` because a country outline can weigh 100 kB.
        """
        if place.geometry is not None:
            return place.geometry
        rows = self._query(
            "SELECT id FROM places WHERE name = ? AND kind = ? AND abs(lat - ?) < 1e-4"
            " AND abs(lon - ?) < 1e-4", (place.name, place.kind.value, place.lat, place.lon))
        return self._geometry(rows[0][0]) if rows else None

    # -- lookups ---------------------------------------------------------

    def lookup(self, name: str, *, country: str | None = None,
               near: tuple[float, float] | None = None, limit: int = 10) -> list[Candidate]:
        """Ranked candidates for *name*, best first; ``[]`` for unknown names.

        Parameters
        ----------
        name : str
            A place name as written ("Kiev", "the Poland-Ukraine border").
        country : str or None
            ISO 3166-1 alpha-2 hint; places in it gain :data:`COUNTRY_HINT_SCORE`.
        near : (lat, lon) or None
            Places close to this point gain up to :data:`NEAR_SCORE`.
        limit : int
            At most this many candidates.
        """
        key = normalize(name)
        entries = self.entries(key) if key else []
        if not entries and key.startswith("the "):
            entries = self.entries(key[4:])
        if not entries:
            return []
        cc = country.upper() if country else None
        if cc is None and near is None:
            return entries[:limit]
        memo_key = (key, cc, near, limit)
        hit = self._memo.get(memo_key)
        if hit is not None:
            return list(hit)

        def rescore(c: Candidate, km: float | None) -> Candidate:
            score, reasons = c.score, list(c.reasons)
            if cc is not None and c.place.country == cc:
                score += COUNTRY_HINT_SCORE
                reasons.append(f"in hinted country {cc}")
            if km is not None:
                score += NEAR_SCORE / (1 + km / NEAR_SCALE_KM)
                reasons.append(f"{km:,.0f} km from near point")
            return Candidate(c.place, round(score, 4), tuple(reasons), c.matched)

        if near is None:
            scored = [rescore(c, None) for c in entries]
        else:
            # Rank everything by the fast great-circle distance, then score the
            # short list again with the geodesic one (they differ by < 0.5 %).
            rough = sorted((rescore(c, _great_circle_km(near, c.place)) for c in entries),
                           key=lambda c: -c.score)
            by_place = {id(c.place): c for c in entries}
            scored = [rescore(by_place[id(r.place)], _distance_km(near, (r.place.lat, r.place.lon)))
                      for r in rough[:limit]]
        scored.sort(key=lambda c: -c.score)
        if len(self._memo) >= ENTRY_CACHE_SIZE:
            self._memo.clear()
        self._memo[memo_key] = tuple(scored[:limit])
        return scored[:limit]

    def _country_table(self) -> dict[str, Place]:
        if self._countries is None:
            rows = self._query("SELECT name, lat, lon, country, geonameid, population FROM places"
                               " WHERE kind = 'country'")
            self._countries = {cc: Place(name=n, lat=la, lon=lo, kind=Kind.COUNTRY, country=cc,
                                         geonameid=g, population=p or 0)
                               for n, la, lo, cc, g, p in rows}
        return self._countries

    def country(self, cc: str) -> Place | None:
        """The country with ISO 3166-1 alpha-2 code *cc*, or None."""
        return self._country_table().get(cc.upper())

    def capital(self, cc: str) -> Place | None:
        """The national capital of country *cc*, or None when unknown."""
        if self._capitals is None:
            rows = self._query(
                "SELECT name, lat, lon, kind, country, admin1, geonameid, population FROM places"
                " WHERE flags & ? != 0 AND kind IN ('city', 'town', 'village')", (CAPITAL,))
            self._capitals = {r[4]: Place(name=r[0], lat=r[1], lon=r[2], kind=Kind(r[3]),
                                          country=r[4], admin1=r[5], geonameid=r[6],
                                          population=r[7] or 0) for r in rows}
        return self._capitals.get(cc.upper())

    # -- user entries and the online fallback ------------------------------

    def _user_entries(self) -> dict[str, list[_Entry]]:
        if self._user is None:
            from .user import load_user_entries

            self._user = {}
            for key, place, spelling in load_user_entries(self.user_path):
                prior, reasons = _place_prior(place.kind, place.population, USER)
                reasons.insert(0, "preferred name")
                self._user.setdefault(key, []).append(
                    _Entry(place, round(prior + 1.0, 4), tuple(reasons), spelling))
        return self._user

    def add_user_entry(self, name: str, lat: float, lon: float, *, kind: Kind | str = Kind.CITY,
                       country: str | None = None) -> Place:
        """Add a user entry that outranks every source entry and survives rebuilds."""
        from .user import add_user_entry

        if self.user_path is None:
            raise GazetteerError("this gazetteer has no user table")
        place = add_user_entry(self.user_path, name, lat, lon, kind=Kind(kind), country=country)
        self._user = None
        self._entries.clear()
        self._memo.clear()
        self.generation += 1
        return place

    def lookup_online(self, name: str, *, country: str | None = None) -> list[Candidate]:
        """Ask the configured online geocoder; [] when none is configured or it fails.

        Answers are stored in the user table beside the cache, so the next
        run finds them offline (:meth:`lookup`).
        """
        if self.online is None:
            return []
        found = self.online.geocode(name, country=country)
        if not found or self.user_path is None:
            return found
        from .user import store_online_answer

        store_online_answer(self.user_path, name, found[0].place)
        self._user = None
        self._entries.clear()
        self._memo.clear()
        self.generation += 1
        return found


def _great_circle_km(a: tuple[float, float], place: Place) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], place.lat, place.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    from geopy.distance import geodesic

    return float(geodesic(a, b).km)


def _connect(path: Path) -> sqlite3.Connection:
    # immutable=1: the file is never modified in place (only replaced by a
    # rename), so SQLite may skip locking; readers in many processes are safe.
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        rows = dict(con.execute("SELECT key, value FROM meta").fetchall())
        con.execute("SELECT 1 FROM names LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise GazetteerCorrupt(
            f"gazetteer cache {path} is corrupt or not a gazetteer ({exc}): {REBUILD_HINT}"
        ) from exc
    if rows.get("schema") != str(SCHEMA_VERSION) or rows.get("fingerprint") != fingerprint():
        con.close()
        raise GazetteerOutdated(
            f"gazetteer cache {path} was built by another sitmap version or from other "
            f"sources: {REBUILD_HINT}")
    return con


def _build_locked(target: Path, progress: bool | None) -> None:
    """Build *target* unless another process finished building it while we waited."""
    from filelock import FileLock

    from .build import build

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GazetteerError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    lock = FileLock(str(target) + ".lock")
    with lock:
        if target.exists():
            try:
                _connect(target).close()
                return
            except GazetteerCorrupt:
                pass
        log.info("building the gazetteer cache at %s", target)
        build(target, progress=progress)
