"""The user table: the user's own entries and cached online answers.

It lives in its own small SQLite file beside the cache
(:func:`sitmap.gazetteer.paths.user_path_for`), so ``sitmap gazetteer build``
replaces the cache without touching it and the entries survive every rebuild.
Writers use SQLite's normal locking (one short transaction per entry).
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..errors import GazetteerError
from ..model import Kind, Place
from .normalize import normalize

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_places(
    key TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, lat REAL NOT NULL,
    lon REAL NOT NULL, country TEXT, geonameid INTEGER, population INTEGER DEFAULT 0,
    origin TEXT NOT NULL, added TEXT NOT NULL, PRIMARY KEY (key, origin));
"""


def _open(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=30)
        con.executescript(_SCHEMA)
    except (OSError, sqlite3.Error) as exc:
        raise GazetteerError(f"cannot open the user gazetteer {path}: {exc}") from exc
    return con


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def add_user_entry(path: Path, name: str, lat: float, lon: float, *, kind: Kind = Kind.CITY,
                   country: str | None = None) -> Place:
    """Store (or replace) the user's entry for *name* and return it as a Place."""
    key = normalize(name)
    if not key:
        raise GazetteerError(f"{name!r} is not a usable place name")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise GazetteerError(f"invalid coordinates {lat}, {lon}")
    cc = country.upper() if country else None
    con = _open(path)
    try:
        with con:
            con.execute("INSERT OR REPLACE INTO user_places VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (key, name, Kind(kind).value, lat, lon, cc, None, 0, "user", _now()))
    except sqlite3.Error as exc:
        raise GazetteerError(f"cannot write the user gazetteer {path}: {exc}") from exc
    finally:
        con.close()
    return Place(name=name, lat=lat, lon=lon, kind=Kind(kind), country=cc)


def store_online_answer(path: Path, query: str, place: Place) -> None:
    """Remember an online geocoder's answer for *query* so later runs stay offline."""
    con = _open(path)
    try:
        with con:
            con.execute("INSERT OR REPLACE INTO user_places VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (normalize(query), place.name, place.kind.value, place.lat, place.lon,
                         place.country, place.geonameid, place.population, "online", _now()))
    except sqlite3.Error as exc:
        raise GazetteerError(f"cannot write the user gazetteer {path}: {exc}") from exc
    finally:
        con.close()


def load_user_entries(path: Path | None) -> Iterator[tuple[str, Place, str]]:
    """Yield ``(key, place, spelling)`` for every stored entry; nothing when the file is absent."""
    if path is None or not path.exists():
        return
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            rows = con.execute("SELECT key, name, kind, lat, lon, country, geonameid, population,"
                               " origin FROM user_places ORDER BY origin DESC").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise GazetteerError(f"cannot read the user gazetteer {path}: {exc}") from exc
    for key, name, kind, lat, lon, cc, gid, pop, _origin in rows:
        yield key, Place(name=name, lat=lat, lon=lon, kind=Kind(kind), country=cc,
                         geonameid=gid, population=pop or 0), name
