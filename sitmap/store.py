"""The event store behind ``sitmap run``: one SQLite file in WAL mode.

The store keeps every processed article (keyed by its url, else its id, and
by a hash of its content), the assertions found in it, the articles that could
not be processed and why, a log of runs, the state of each source (file
stamps, feed validators), each place's headline as of the last published run
and a per-place, per-day status history.

Crash safety comes from SQLite's transactions: an article and its assertions
are committed together, so a run killed at any moment leaves either all of an
article or none of it.  Places touched by committed articles are written to a
``dirty`` table in the same transaction; the run's last transaction (headlines,
history, published outputs, run record) clears it.  A run killed between the
two therefore leaves the store saying exactly what is left to do, and the
next run finishes it.

WAL with ``synchronous=NORMAL`` is durable against a killed process (a
committed transaction is in the WAL file before ``COMMIT`` returns); a power
cut may lose the last few transactions but never corrupts the file.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StoreError
from .model import Article, Assertion, Epistemic, Kind, Place, Status, headline_of

#: Bump when the schema changes; :meth:`Store.open` refuses newer stores.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id        INTEGER PRIMARY KEY,
    started   TEXT NOT NULL,
    finished  TEXT,
    state     TEXT NOT NULL,          -- running | ok | error | interrupted
    new       INTEGER NOT NULL DEFAULT 0,
    changed   INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed    INTEGER NOT NULL DEFAULT 0,
    message   TEXT,
    summary   TEXT                    -- the JSON summary printed by the run
);
CREATE TABLE IF NOT EXISTS articles (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,   -- 'url:<url>' or 'id:<doc_id>'
    content_hash TEXT NOT NULL,
    doc_id       TEXT NOT NULL,
    source       TEXT NOT NULL,
    url          TEXT,
    title        TEXT,
    outlet       TEXT,
    date         TEXT,                   -- the article's own date, if any
    day          TEXT NOT NULL,          -- date, else the day it was first seen
    text         TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    updated      TEXT NOT NULL,
    run_id       INTEGER REFERENCES runs(id)
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_day ON articles(day);
CREATE TABLE IF NOT EXISTS places (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    lat        REAL NOT NULL,
    lon        REAL NOT NULL,
    kind       TEXT NOT NULL,
    country    TEXT,
    admin1     TEXT,
    geonameid  INTEGER,
    population INTEGER NOT NULL DEFAULT 0,
    geometry   TEXT
);
CREATE TABLE IF NOT EXISTS assertions (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    place_key     TEXT NOT NULL REFERENCES places(key),
    status        TEXT NOT NULL,
    epistemic     TEXT NOT NULL,
    quote         TEXT NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    source        TEXT NOT NULL,
    doc_id        TEXT NOT NULL,
    date          TEXT,
    day           TEXT NOT NULL,
    claimant      TEXT,
    hedge         TEXT,
    outcome       TEXT,
    precision     INTEGER NOT NULL DEFAULT 1,
    mention_start INTEGER,
    mention_end   INTEGER,
    cue           TEXT,
    url           TEXT,
    outlet        TEXT
);
CREATE INDEX IF NOT EXISTS assertions_article ON assertions(article_id);
CREATE INDEX IF NOT EXISTS assertions_place ON assertions(place_key, day);
CREATE INDEX IF NOT EXISTS assertions_day ON assertions(day);
CREATE TABLE IF NOT EXISTS failures (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER REFERENCES runs(id),
    key     TEXT,
    source  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    path         TEXT PRIMARY KEY,
    mtime_ns     INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    articles     INTEGER NOT NULL DEFAULT 0   -- how many articles it held
);
CREATE TABLE IF NOT EXISTS feeds (
    url      TEXT PRIMARY KEY,
    etag     TEXT,
    modified TEXT,
    fetched  TEXT NOT NULL,
    status   INTEGER
);
CREATE TABLE IF NOT EXISTS dirty (
    place_key TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS headlines (
    place_key TEXT PRIMARY KEY REFERENCES places(key),
    status    TEXT NOT NULL,
    epistemic TEXT NOT NULL,
    claimant  TEXT,
    run_id    INTEGER
);
CREATE TABLE IF NOT EXISTS history (
    place_key TEXT NOT NULL REFERENCES places(key),
    day       TEXT NOT NULL,
    status    TEXT NOT NULL,
    epistemic TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (place_key, day)
);
CREATE TABLE IF NOT EXISTS outputs (
    path        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    published   TEXT NOT NULL,
    run_id      INTEGER
);
"""


_STATUS = {s.value: s for s in Status}
_EPISTEMIC = {e.value: e for e in Epistemic}


@functools.lru_cache(maxsize=8192)
def _day(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def article_key(article: Article) -> str:
    """The identity of *article* in the store: its url when it has one, else its id.

    A feed entry and a later edit of it share a url; files and JSON Lines
    records share an id.  An article whose key is already stored but whose
    :func:`content_hash` differs is a *changed* article.
    """
    if article.url:
        return f"url:{article.url}"
    return f"id:{article.doc_id}"


def content_hash(article: Article) -> str:
    """A SHA-256 over everything that can change an article's assertions.

    The date is included because it dates every assertion; the title, url and
    outlet because the map shows them beside each quote.
    """
    h = hashlib.sha256()
    for part in (
        article.text,
        article.date.isoformat() if article.date else "",
        article.title or "",
        article.url or "",
        article.outlet or "",
    ):
        data = part.encode("utf-8", "surrogatepass")
        # Length-prefix each part so ("ab", "c") and ("a", "bc") differ.
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class Change:
    """One difference in a place's headline between two published runs.

    Attributes
    ----------
    place : Place
        The place concerned.
    kind : str
        ``"new"`` (first assertion about the place), ``"changed"`` (its
        headline status or epistemic value moved) or ``"removed"`` (an edited
        article took away its last assertion).
    before, after : tuple of (status, epistemic) or None
        The headline before and after; ``None`` for the side that is absent.
    """

    place: Place
    kind: str
    before: tuple[str, str] | None
    after: tuple[str, str] | None

    def describe(self) -> str:
        """One human line, e.g. ``Kherson: claimed captured -> confirmed captured``."""
        def label(side: tuple[str, str] | None) -> str:
            return f"{side[1]} {side[0]}" if side else "-"

        if self.kind == "new":
            return f"new place: {self.place.name} ({label(self.after)})"
        if self.kind == "removed":
            return f"no longer reported: {self.place.name} (was {label(self.before)})"
        return f"{self.place.name}: {label(self.before)} -> {label(self.after)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form used in the run summary and handed to the map."""
        def side(s: tuple[str, str] | None) -> dict[str, str] | None:
            return {"status": s[0], "epistemic": s[1]} if s else None

        return {
            "kind": self.kind,
            "name": self.place.name,
            "place": self.place.key,
            "lat": self.place.lat,
            "lon": self.place.lon,
            "before": side(self.before),
            "after": side(self.after),
            "text": self.describe(),
        }


@dataclass(frozen=True)
class HistoryRow:
    """A place's headline on one day (drives the map's time slider)."""

    place_key: str
    name: str
    day: _dt.date
    status: Status
    epistemic: Epistemic
    n: int


class Store:
    """An open event store.  Use :meth:`open`; close it or use it as a context manager.

    Parameters
    ----------
    conn : sqlite3.Connection
        An autocommit connection (``isolation_level=None``); transactions are
        opened explicitly with :meth:`transaction`.
    path : Path
        The database file.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._places: dict[str, Place] = {}
        self._pending_days: tuple[list[str], dict[str, dict[str, list[Assertion]]]] | None = None

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> Store:
        """Open (and, with *create*, initialise) the store at *path*.

        Raises
        ------
        StoreError
            When the file is missing (without *create*), is not an SQLite
            database, was written by a newer sitmap, or cannot be opened.
        """
        p = Path(path)
        if not create and not p.exists():
            raise StoreError(f"no store at {p}")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(p, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {p}: {exc}") from exc
        store = cls(conn, p)
        try:
            store._init()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"cannot open store {p}: {exc}") from exc
        except StoreError:
            conn.close()
            raise
        return store

    def _init(self) -> None:
        c = self.conn
        mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"cannot open store {self.path}: WAL mode unavailable ({mode})")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        with self.transaction():
            row = c.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if row is not None:
                v = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(v[0]) if v else 0
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"store {self.path} has schema version {version}; this sitmap "
                        f"understands up to {SCHEMA_VERSION} (upgrade sitmap)"
                    )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    c.execute(statement)
            c.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')")

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception.

        Raises
        ------
        StoreError
            When SQLite reports an error (disk full, corrupt file...).
        """
        c = self.conn
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"store {self.path}: {exc}") from exc
        try:
            yield c
        except BaseException as exc:
            # BaseException too: a KeyboardInterrupt must not leave a half
            # transaction open on a connection that is used again.
            try:
                c.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"store {self.path}: {exc}") from exc
            raise
        try:
            c.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                c.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise StoreError(f"store {self.path}: {exc}") from exc

    def integrity_check(self) -> list[str]:
        """Run SQLite's integrity and foreign-key checks; return the problems found.

        An empty list means the store is sound.
        """
        problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        if problems == ["ok"]:
            problems = []
        for table, rowid, parent, _ in self.conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid}: missing {parent}")
        return problems

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the file."""
        return int(self._meta("schema_version") or 0)

    @property
    def generation(self) -> int:
        """A counter bumped by every committed article; outputs record the one they show."""
        return int(self._meta("generation") or 0)

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- runs --------------------------------------------------------------

    def begin_run(self) -> int:
        """Record a new run and return its id.

        Runs still marked ``running`` were killed (the caller holds the run
        lock, so none can be alive); they are marked ``interrupted``.
        """
        with self.transaction() as c:
            c.execute(
                "UPDATE runs SET state='interrupted', finished=? WHERE state='running'",
                (_now(),),
            )
            cur = c.execute("INSERT INTO runs(started, state) VALUES (?, 'running')", (_now(),))
            return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, *, state: str, counts: dict[str, int],
                message: str = "", summary: dict[str, Any] | None = None) -> None:
        """Mark run *run_id* finished with *state* (``ok`` or ``error``) and its counts."""
        with self.transaction() as c:
            self._end_run(c, run_id, state=state, counts=counts, message=message, summary=summary)

    def _end_run(self, c: sqlite3.Connection, run_id: int, *, state: str,
                 counts: dict[str, int], message: str,
                 summary: dict[str, Any] | None) -> None:
        c.execute(
            "UPDATE runs SET finished=?, state=?, new=?, changed=?, unchanged=?, failed=?,"
            " message=?, summary=? WHERE id=?",
            (
                _now(), state, counts.get("new", 0), counts.get("changed", 0),
                counts.get("unchanged", 0), counts.get("failed", 0), message,
                json.dumps(summary, sort_keys=True) if summary is not None else None, run_id,
            ),
        )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The last *limit* runs, newest first, as dictionaries."""
        cur = self.conn.execute(
            "SELECT id, started, finished, state, new, changed, unchanged, failed, message"
            " FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=False)) for row in cur]

    # -- sources -----------------------------------------------------------

    def file_state(self, path: str) -> tuple[int, int, str, int] | None:
        """``(mtime_ns, size, content_hash, articles)`` recorded for a source file, or None."""
        row = self.conn.execute(
            "SELECT mtime_ns, size, content_hash, articles FROM files WHERE path=?", (path,)
        ).fetchone()
        return (int(row[0]), int(row[1]), str(row[2]), int(row[3])) if row else None

    def file_states(self) -> dict[str, tuple[int, int, str, int]]:
        """Every recorded source file's ``(mtime_ns, size, content_hash, articles)`` by path.

        One query instead of one per file: a directory of 10,000 articles is
        checked on every run.
        """
        return {
            str(r[0]): (int(r[1]), int(r[2]), str(r[3]), int(r[4]))
            for r in self.conn.execute(
                "SELECT path, mtime_ns, size, content_hash, articles FROM files")
        }

    def set_file_state(self, path: str, mtime_ns: int, size: int, digest: str,
                       articles: int) -> None:
        """Record that *path* with this stamp has been fully processed."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO files(path, mtime_ns, size, content_hash, articles)"
                " VALUES (?, ?, ?, ?, ?)",
                (path, mtime_ns, size, digest, articles),
            )

    def feed_state(self, url: str) -> tuple[str | None, str | None]:
        """The ``(etag, last_modified)`` validators saved for a feed."""
        row = self.conn.execute("SELECT etag, modified FROM feeds WHERE url=?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_feed_state(self, url: str, etag: str | None, modified: str | None,
                       status: int) -> None:
        """Save a feed's validators once its entries are all committed."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO feeds(url, etag, modified, fetched, status)"
                " VALUES (?, ?, ?, ?, ?)",
                (url, etag, modified, _now(), status),
            )

    # -- articles ----------------------------------------------------------

    def classify(self, article: Article, digest: str | None = None) -> str:
        """``"new"``, ``"changed"`` or ``"unchanged"`` for *article* against the store.

        An article whose key is unknown but whose exact content is already
        stored under another key (the same story in a feed and a file) is
        ``"unchanged"``: processing it again would only duplicate assertions.
        """
        digest = digest or content_hash(article)
        row = self.conn.execute(
            "SELECT content_hash FROM articles WHERE key=?", (article_key(article),)
        ).fetchone()
        if row is not None:
            return "unchanged" if row[0] == digest else "changed"
        dup = self.conn.execute(
            "SELECT 1 FROM articles WHERE content_hash=? LIMIT 1", (digest,)
        ).fetchone()
        return "unchanged" if dup else "new"

    def put_article(self, article: Article, assertions: Sequence[Assertion], *,
                    run_id: int | None = None, digest: str | None = None) -> str:
        """Store *article* with its *assertions*, replacing any older version.

        Returns ``"new"`` or ``"changed"``.  The article, its assertions and
        the places they touch (old and new, marked dirty) are one transaction.
        """
        digest = digest or content_hash(article)
        key = article_key(article)
        now = _now()
        day = (article.date.isoformat() if article.date else now[:10])
        with self.transaction() as c:
            row = c.execute("SELECT id, day, first_seen FROM articles WHERE key=?",
                            (key,)).fetchone()
            if row is None:
                outcome = "new"
                cur = c.execute(
                    "INSERT INTO articles(key, content_hash, doc_id, source, url, title, outlet,"
                    " date, day, text, first_seen, updated, run_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, digest, article.doc_id, article.source, article.url, article.title,
                     article.outlet, article.date.isoformat() if article.date else None, day,
                     article.text, now, now, run_id),
                )
                article_id = int(cur.lastrowid or 0)
            else:
                outcome = "changed"
                article_id = int(row[0])
                if article.date is None:
                    # An undated article keeps the day it was first seen.
                    day = str(row[2])[:10]
                # Places that lose assertions must be re-headlined too.
                c.execute(
                    "INSERT OR IGNORE INTO dirty(place_key)"
                    " SELECT DISTINCT place_key FROM assertions WHERE article_id=?",
                    (article_id,),
                )
                c.execute("DELETE FROM assertions WHERE article_id=?", (article_id,))
                c.execute(
                    "UPDATE articles SET content_hash=?, doc_id=?, source=?, url=?, title=?,"
                    " outlet=?, date=?, day=?, text=?, updated=?, run_id=? WHERE id=?",
                    (digest, article.doc_id, article.source, article.url, article.title,
                     article.outlet, article.date.isoformat() if article.date else None, day,
                     article.text, now, run_id, article_id),
                )
            for a in assertions:
                self._put_place(c, a.place)
                c.execute(
                    'INSERT INTO assertions(article_id, place_key, status, epistemic, quote,'
                    ' start, "end", source, doc_id, date, day, claimant, hedge, outcome,'
                    ' precision, mention_start, mention_end, cue, url, outlet)'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article_id, a.place.key, Status(a.status).value,
                     Epistemic(a.epistemic).value, a.quote, a.start, a.end, a.source,
                     a.doc_id, a.date.isoformat() if a.date else None,
                     a.date.isoformat() if a.date else day, a.claimant, a.hedge, a.outcome,
                     a.precision, a.mention_start, a.mention_end, a.cue, a.url, a.outlet),
                )
                c.execute("INSERT OR IGNORE INTO dirty(place_key) VALUES (?)", (a.place.key,))
            c.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'"
            )
        return outcome

    def record_failure(self, source: str, reason: str, *, key: str | None = None,
                       run_id: int | None = None) -> None:
        """Record that *source* (an article, a file, a feed) was skipped and why."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO failures(run_id, key, source, reason, at) VALUES (?, ?, ?, ?, ?)",
                (run_id, key, source, reason, _now()),
            )

    def failures(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Recorded failures (of one run, or all), oldest first."""
        sql = "SELECT run_id, key, source, reason, at FROM failures"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE run_id=?"
            args = (run_id,)
        cur = self.conn.execute(sql + " ORDER BY id", args)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=False)) for row in cur]

    def count_articles(self) -> int:
        """How many articles the store holds."""
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def articles(self, *, since: _dt.date | None = None,
                 until: _dt.date | None = None) -> list[Article]:
        """Stored articles whose day falls in ``[since, until]``, in a stable order."""
        where, args = _day_range("day", since, until)
        rows = self.conn.execute(
            "SELECT doc_id, source, text, date, title, url, outlet FROM articles"
            f" {where} ORDER BY day, key",
            args,
        )
        return [
            Article(doc_id=r[0], source=r[1], text=r[2],
                    date=_dt.date.fromisoformat(r[3]) if r[3] else None,
                    title=r[4], url=r[5], outlet=r[6])
            for r in rows
        ]

    # -- places and assertions ---------------------------------------------

    def _put_place(self, c: sqlite3.Connection, place: Place) -> None:
        if place.key in self._places:
            return
        c.execute(
            "INSERT OR IGNORE INTO places(key, name, lat, lon, kind, country, admin1, geonameid,"
            " population, geometry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (place.key, place.name, place.lat, place.lon, Kind(place.kind).value, place.country,
             place.admin1, place.geonameid, place.population,
             json.dumps(place.geometry, sort_keys=True) if place.geometry is not None else None),
        )
        # Not cached here: the transaction may still roll back.  The cache
        # fills on read, where the row is known to be committed.

    def place(self, key: str) -> Place:
        """The stored place with *key*.

        Raises
        ------
        StoreError
            When no such place is stored.
        """
        cached = self._places.get(key)
        if cached is not None:
            return cached
        row = self.conn.execute(
            "SELECT name, lat, lon, kind, country, admin1, geonameid, population, geometry"
            " FROM places WHERE key=?",
            (key,),
        ).fetchone()
        if row is None:
            raise StoreError(f"store {self.path}: no place {key!r}")
        p = Place(name=row[0], lat=row[1], lon=row[2], kind=Kind(row[3]), country=row[4],
                  admin1=row[5], geonameid=row[6], population=row[7] or 0,
                  geometry=json.loads(row[8]) if row[8] else None)
        self._places[key] = p
        return p

    _ASSERTION_COLS = (
        'a.place_key, a.status, a.epistemic, a.quote, a.start, a."end", a.source, a.doc_id,'
        " a.date, a.claimant, a.hedge, a.outcome, a.precision, a.mention_start,"
        " a.mention_end, a.cue, a.url, a.outlet"
    )

    def _assertion(self, r: Sequence[Any]) -> Assertion:
        # Dictionary look-ups and a cached date parser: a map of a large store
        # reads tens of thousands of rows per run, and enum calls dominate.
        place = self._places.get(r[0]) or self.place(r[0])
        return Assertion(
            place=place, status=_STATUS[r[1]], epistemic=_EPISTEMIC[r[2]],
            quote=r[3], start=r[4], end=r[5], source=r[6], doc_id=r[7],
            date=_day(r[8]) if r[8] else None, claimant=r[9], hedge=r[10],
            outcome=r[11], precision=r[12], mention_start=r[13], mention_end=r[14], cue=r[15],
            url=r[16], outlet=r[17],
        )

    def assertions(self, *, since: _dt.date | None = None,
                   until: _dt.date | None = None,
                   places: Iterable[str] | None = None,
                   date_undated: bool = False) -> list[Assertion]:
        """Stored assertions, optionally limited to a day range and to some place keys.

        The order is fixed (place, day, article, offset) so that the same store
        always renders the same bytes.

        Parameters
        ----------
        since, until : datetime.date, optional
            Inclusive day range.
        places : iterable of str, optional
            Only these place keys.
        date_undated : bool
            Give an undated assertion the day its article was first seen, so
            that a map's time slider can place it (the stored record keeps no
            date).
        """
        where, args = _day_range("a.day", since, until)
        sql = (f"SELECT {self._ASSERTION_COLS} FROM assertions a JOIN articles r"
               f" ON r.id = a.article_id {where}")
        if places is not None:
            keys = sorted(set(places))
            if not keys:
                return []
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _want(k TEXT PRIMARY KEY)")
            self.conn.execute("DELETE FROM _want")
            self.conn.executemany("INSERT INTO _want(k) VALUES (?)", [(k,) for k in keys])
            sql += (" AND" if where else " WHERE") + " a.place_key IN (SELECT k FROM _want)"
        sql = sql.replace(" FROM assertions a", ", a.day FROM assertions a", 1)
        sql += " ORDER BY a.place_key, a.day, r.key, a.start, a.id"
        out = []
        for r in self.conn.execute(sql, args):
            a = self._assertion(r)
            if date_undated and a.date is None:
                a = dataclasses.replace(a, date=_day(r[18]))
            out.append(a)
        return out

    # -- change report, headlines, history ---------------------------------

    def dirty_places(self) -> list[str]:
        """Keys of places touched since the last completed run."""
        return [r[0] for r in self.conn.execute("SELECT place_key FROM dirty ORDER BY place_key")]

    def headline(self, key: str) -> tuple[str, str] | None:
        """The ``(status, epistemic)`` headline of *key* as of the last completed run."""
        row = self.conn.execute(
            "SELECT status, epistemic FROM headlines WHERE place_key=?", (key,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def pending_changes(self, preloaded: Sequence[Assertion] | None = None,
                        ) -> tuple[list[Change], dict[str, Assertion | None]]:
        """Compare dirty places' current headlines with the last completed run.

        Parameters
        ----------
        preloaded : sequence of Assertion, optional
            Every stored assertion, exactly as :meth:`assertions` returns them
            with ``date_undated=True`` and no filter; saves reading them again
            when the caller needs them all anyway (to draw the map).

        Returns
        -------
        changes : list of Change
            New places, changed headlines and places no longer reported,
            ordered by kind then name.
        current : dict
            Every dirty place's new headline assertion (None when it has no
            assertion left), to be saved by :meth:`complete_run`.
        """
        keys = self.dirty_places()
        by_place: dict[str, list[Assertion]] = {k: [] for k in keys}
        per_day: dict[str, dict[str, list[Assertion]]] = {k: {} for k in keys}
        if preloaded is not None:
            # With date_undated every assertion's date is its stored day.
            rows = [(a, a.date.isoformat() if a.date else "") for a in preloaded
                    if a.place.key in by_place]
        else:
            rows = self._assertions_with_day(keys)
        for a, day in rows:
            by_place[a.place.key].append(a)
            per_day[a.place.key].setdefault(day, []).append(a)
        # Kept for complete_run, which needs the same rows grouped by day:
        # reading them twice doubled the fixed cost of a run on a large store.
        self._pending_days = (keys, per_day)
        changes: list[Change] = []
        current: dict[str, Assertion | None] = {}
        for key in keys:
            found = by_place[key]
            head = headline_of(found) if found else None
            current[key] = head
            before = self.headline(key)
            after = (head.status.value, head.epistemic.value) if head else None
            if before == after:
                continue
            kind = "new" if before is None else "removed" if after is None else "changed"
            changes.append(Change(place=self.place(key), kind=kind, before=before, after=after))
        order = {"new": 0, "changed": 1, "removed": 2}
        changes.sort(key=lambda ch: (order[ch.kind], ch.place.name, ch.place.key))
        return changes, current

    def complete_run(self, run_id: int, current: dict[str, Assertion | None], *,
                     counts: dict[str, int], outputs: dict[str, str],
                     summary: dict[str, Any] | None = None, message: str = "") -> None:
        """The run's last transaction: headlines, history, outputs, run record.

        Parameters
        ----------
        run_id : int
            The run being completed.
        current : dict
            From :meth:`pending_changes`; these headlines become the baseline
            for the next run's change report, and their places' daily history
            is recomputed.
        counts : dict
            ``new``, ``changed``, ``unchanged``, ``failed`` for the run record.
        outputs : dict
            Published path -> fingerprint of what it shows.
        """
        keys = sorted(current)
        cached = self._pending_days
        self._pending_days = None
        if cached is not None and cached[0] == keys:
            per_day = cached[1]
        else:
            per_day = {k: {} for k in keys}
            for a, day in self._assertions_with_day(keys):
                per_day[a.place.key].setdefault(day, []).append(a)
        now = _now()
        with self.transaction() as c:
            for key in keys:
                head = current[key]
                c.execute("DELETE FROM headlines WHERE place_key=?", (key,))
                c.execute("DELETE FROM history WHERE place_key=?", (key,))
                if head is not None:
                    c.execute(
                        "INSERT INTO headlines(place_key, status, epistemic, claimant, run_id)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (key, head.status.value, head.epistemic.value, head.claimant, run_id),
                    )
                for day, found in sorted(per_day[key].items()):
                    h = headline_of(found)
                    c.execute(
                        "INSERT INTO history(place_key, day, status, epistemic, n)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (key, day, h.status.value, h.epistemic.value, len(found)),
                    )
            c.execute("DELETE FROM dirty")
            for path, fingerprint in outputs.items():
                c.execute(
                    "INSERT OR REPLACE INTO outputs(path, fingerprint, published, run_id)"
                    " VALUES (?, ?, ?, ?)",
                    (path, fingerprint, now, run_id),
                )
            self._end_run(c, run_id, state="ok", counts=counts, message=message,
                          summary=summary)

    def _assertions_with_day(self, keys: Sequence[str]) -> list[tuple[Assertion, str]]:
        if not keys:
            return []
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _want(k TEXT PRIMARY KEY)")
        self.conn.execute("DELETE FROM _want")
        self.conn.executemany("INSERT INTO _want(k) VALUES (?)", [(k,) for k in keys])
        rows = self.conn.execute(
            f"SELECT {self._ASSERTION_COLS}, a.day FROM assertions a"
            " JOIN articles r ON r.id = a.article_id"
            " WHERE a.place_key IN (SELECT k FROM _want)"
            " ORDER BY a.place_key, a.day, r.key, a.start, a.id"
        )
        return [(self._assertion(r), str(r[18])) for r in rows]

    def history(self, place_key: str | None = None) -> list[HistoryRow]:
        """The per-place, per-day headline history as of the last completed run."""
        sql = ("SELECT h.place_key, p.name, h.day, h.status, h.epistemic, h.n FROM history h"
               " JOIN places p ON p.key = h.place_key")
        args: tuple[Any, ...] = ()
        if place_key is not None:
            sql += " WHERE h.place_key=?"
            args = (place_key,)
        return [
            HistoryRow(place_key=r[0], name=r[1], day=_dt.date.fromisoformat(r[2]),
                       status=Status(r[3]), epistemic=Epistemic(r[4]), n=r[5])
            for r in self.conn.execute(sql + " ORDER BY h.place_key, h.day", args)
        ]

    def output_fingerprint(self, path: str) -> str | None:
        """The fingerprint recorded when *path* was last published, or None."""
        row = self.conn.execute("SELECT fingerprint FROM outputs WHERE path=?",
                                (path,)).fetchone()
        return str(row[0]) if row else None

    def latest_day(self) -> _dt.date | None:
        """The most recent assertion day in the store (anchors a ``latest`` window)."""
        row = self.conn.execute("SELECT MAX(day) FROM assertions").fetchone()
        return _dt.date.fromisoformat(row[0]) if row and row[0] else None


def _day_range(column: str, since: _dt.date | None,
               until: _dt.date | None) -> tuple[str, tuple[str, ...]]:
    clauses: list[str] = []
    args: list[str] = []
    if since is not None:
        clauses.append(f"{column} >= ?")
        args.append(since.isoformat())
    if until is not None:
        clauses.append(f"{column} <= ?")
        args.append(until.isoformat())
    return ("WHERE " + " AND ".join(clauses) if clauses else "", tuple(args))
