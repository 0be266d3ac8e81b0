"""The scheduled regeneration job behind ``sitmap run --config FILE``.

One run:

1. takes an exclusive lock beside the store, so two runs never overlap;
2. reads the configured sources: directories and single files (only files
   whose modification time, size or content hash changed are read again),
   JSON Lines files, and RSS/Atom feeds (only when ``network = true``, with
   ``ETag``/``Last-Modified`` conditional requests);
3. processes new and changed articles only and commits each, with its
   assertions, to the :mod:`sitmap.store` (a bad article is recorded with its
   reason and skipped);
4. republishes the map and the configured exports when what they show
   changed, each written atomically, so a reader never sees a partial file;
5. records the run, the places whose headline changed, and the per-day
   history in one last transaction, and returns a :class:`RunSummary`.

A run killed at any point leaves the store consistent and the outputs either
old or new; the next run finishes the work (see :mod:`sitmap.store`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .clock import generation_time
from .errors import (
    ConfigError,
    GazetteerError,
    GeocoderError,
    InputError,
    LockedError,
    PublishError,
    SitmapError,
    StoreError,
)
from .model import Article, Assertion, PlaceReport
from .progress import progress
from .store import Change, Store, content_hash

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

log = logging.getLogger("sitmap.run")

#: Exit codes of ``sitmap run`` (documented in docs/scheduling.md).
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_SOURCE_ERRORS = 4

#: Article extensions read from a directory source (the same as ``ingest``).
DEFAULT_MAX_ARTICLE_BYTES = 5 * 1024 * 1024
DEFAULT_FEED_TIMEOUT = 30.0
DEFAULT_FEED_MAX_BYTES = 10 * 1024 * 1024

_TOP_KEYS = {
    "title", "store", "source", "output", "window", "window_end", "basemap", "tiles", "gazetteer",
    "online", "network", "max_article_bytes", "log", "lock", "feed_timeout", "feed_max_bytes",
}
_SOURCE_KEYS = {"path", "url", "name", "date"}
_OUTPUT_KEYS = {"map", "exports", "export_per"}

#: Errors that say the job's environment is broken, not the article: they end the run.
_ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (
    GazetteerError, GeocoderError, StoreError, ImportError,
)

#: A processor turns one article into its assertions (the real pipeline by default).
Processor = Callable[[Article], Sequence[Assertion]]


# --- configuration ----------------------------------------------------------

@dataclass(frozen=True)
class SourceConfig:
    """One ``[[source]]`` entry: a local ``path`` or a feed ``url``."""

    name: str
    path: Path | None = None
    url: str | None = None
    #: date given to undated articles of this source
    date: _dt.date | None = None

    @property
    def is_feed(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class RunConfig:
    """A validated ``sitmap run`` configuration; paths are absolute.

    See docs/scheduling.md for every key.
    """

    path: Path
    title: str
    store: Path
    sources: tuple[SourceConfig, ...]
    map: Path | None
    exports: tuple[Path, ...] = ()
    export_per: str = "place"
    window_days: int | None = None
    window_end: str = "latest"
    basemap: str | None = None
    tiles: str | None = None
    gazetteer: Path | None = None
    online: bool = False
    network: bool = False
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    log: Path | None = None
    lock: Path | None = None
    feed_timeout: float = DEFAULT_FEED_TIMEOUT
    feed_max_bytes: int = DEFAULT_FEED_MAX_BYTES

    @property
    def lock_path(self) -> Path:
        """The lock file: ``lock`` from the config, else the store's path + ``.lock``."""
        return self.lock or self.store.with_name(self.store.name + ".lock")

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Every published file, map first."""
        return ((self.map,) if self.map else ()) + self.exports

    def window(self, latest: _dt.date | None,
               today: _dt.date | None = None) -> tuple[_dt.date | None, _dt.date | None]:
        """The ``(since, until)`` days the map shows, both inclusive (None: open).

        ``window_end`` anchors the window: ``"latest"`` (the newest assertion
        in the store, right for archives and replays), ``"today"`` (UTC), or a
        fixed ``YYYY-MM-DD``.
        """
        if self.window_days is None:
            return None, None
        if self.window_end == "today":
            end = today or _dt.datetime.now(_dt.timezone.utc).date()
        elif self.window_end == "latest":
            if latest is None:
                return None, None
            end = latest
        else:
            end = _dt.date.fromisoformat(self.window_end)
        return end - _dt.timedelta(days=self.window_days - 1), end


def load_config(path: str | os.PathLike[str]) -> RunConfig:
    """Read and validate a ``sitmap run`` TOML configuration.

    Relative paths in the file are relative to the file's directory.

    Raises
    ------
    ConfigError
        Naming the file and the offending key: a missing file, invalid TOML,
        an unknown key, a missing required key or a value of the wrong type.
    """
    cfg_path = Path(path).absolute()
    try:
        raw = cfg_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{cfg_path}: cannot read config: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{cfg_path}: not valid TOML: {exc}") from exc
    return parse_config(data, cfg_path)


def parse_config(data: dict[str, Any], cfg_path: Path) -> RunConfig:
    """Validate an already parsed configuration (see :func:`load_config`)."""
    base = cfg_path.parent
    v = _Validator(cfg_path)
    v.unknown(data, _TOP_KEYS, "")

    store = v.path(data, "store", base, required=True)
    assert store is not None
    raw_sources = data.get("source")
    if raw_sources is None:
        raise ConfigError(f"{cfg_path}: key 'source': missing (add at least one [[source]])")
    if not isinstance(raw_sources, list) or not all(isinstance(s, dict) for s in raw_sources):
        raise ConfigError(f"{cfg_path}: key 'source': expected [[source]] tables")
    sources: list[SourceConfig] = []
    for i, s in enumerate(raw_sources):
        where = f"source[{i}]."
        v.unknown(s, _SOURCE_KEYS, where)
        has_path, has_url = "path" in s, "url" in s
        if has_path == has_url:
            raise ConfigError(f"{cfg_path}: key '{where}path': give exactly one of 'path' or 'url'")
        date = v.date(s, "date", where)
        if has_url:
            url = v.string(s, "url", where)
            assert url is not None
            if not re.match(r"^https?://", url, re.IGNORECASE):
                raise ConfigError(f"{cfg_path}: key '{where}url': only http(s) feeds are "
                                  f"supported, got {url!r}")
            sources.append(SourceConfig(name=v.string(s, "name", where) or url, url=url,
                                        date=date))
        else:
            p = v.path(s, "path", base, where=where)
            assert p is not None
            sources.append(SourceConfig(name=v.string(s, "name", where) or str(s["path"]),
                                        path=p, date=date))

    out = data.get("output", {})
    if not isinstance(out, dict):
        raise ConfigError(f"{cfg_path}: key 'output': expected an [output] table")
    v.unknown(out, _OUTPUT_KEYS, "output.")
    map_path = v.path(out, "map", base, where="output.")
    exports_raw = out.get("exports", [])
    if not isinstance(exports_raw, list) or not all(isinstance(e, str) and e for e in exports_raw):
        raise ConfigError(f"{cfg_path}: key 'output.exports': expected a list of file paths")
    exports = tuple(_resolve(base, e) for e in exports_raw)
    for e in exports:
        if e.suffix.lower() not in {".geojson", ".json", ".gpkg", ".parquet", ".csv"}:
            raise ConfigError(f"{cfg_path}: key 'output.exports': {e.name!r} is not a "
                              ".geojson, .gpkg, .parquet or .csv file")
    export_per = v.string(out, "export_per", "output.") or "place"
    if export_per not in {"place", "assertion"}:
        raise ConfigError(f"{cfg_path}: key 'output.export_per': expected 'place' or "
                          f"'assertion', got {export_per!r}")
    if map_path is None and not exports:
        raise ConfigError(f"{cfg_path}: key 'output.map': missing (nothing to publish)")
    outputs = ((map_path,) if map_path else ()) + exports
    if len(set(outputs)) != len(outputs):
        raise ConfigError(f"{cfg_path}: key 'output': two outputs share one path")

    window_end = v.string(data, "window_end", "") or "latest"
    if window_end not in {"latest", "today"}:
        try:
            _dt.date.fromisoformat(window_end)
        except ValueError:
            raise ConfigError(f"{cfg_path}: key 'window_end': expected 'latest', 'today' or "
                              f"YYYY-MM-DD, got {window_end!r}") from None

    basemap = v.string(data, "basemap", "")
    if basemap is not None and basemap not in {"auto", "offline", "online", "none"}:
        raise ConfigError(f"{cfg_path}: key 'basemap': expected 'auto', 'offline', 'online' "
                          f"or 'none', got {basemap!r}")
    tiles = v.string(data, "tiles", "")
    if tiles is not None and tiles != "openstreetmap" and not re.match(r"^https?://", tiles):
        raise ConfigError(f"{cfg_path}: key 'tiles': expected 'openstreetmap' or an http(s) "
                          f"tile URL template, got {tiles!r}")

    return RunConfig(
        path=cfg_path,
        title=v.string(data, "title", "") or "Situation map",
        store=store,
        sources=tuple(sources),
        map=map_path,
        exports=exports,
        export_per=export_per,
        window_days=v.window(data),
        window_end=window_end,
        basemap=basemap,
        tiles=tiles,
        gazetteer=v.path(data, "gazetteer", base),
        online=v.boolean(data, "online"),
        network=v.boolean(data, "network"),
        max_article_bytes=v.positive(data, "max_article_bytes", DEFAULT_MAX_ARTICLE_BYTES),
        log=v.path(data, "log", base),
        lock=v.path(data, "lock", base),
        feed_timeout=float(v.positive(data, "feed_timeout", DEFAULT_FEED_TIMEOUT)),
        feed_max_bytes=v.positive(data, "feed_max_bytes", DEFAULT_FEED_MAX_BYTES),
    )


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p


class _Validator:
    """Type checks that name the file and the key in every message."""

    def __init__(self, cfg_path: Path) -> None:
        self.cfg = cfg_path

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.cfg}: key '{key}': {message}")

    def unknown(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        # An unknown key is almost always a typo ("netwrok = true") that would
        # otherwise be silently ignored; refuse it.
        for key in table:
            if key not in allowed:
                raise self.fail(f"{where}{key}", f"unknown key (known: {', '.join(sorted(allowed))})")

    def string(self, table: dict[str, Any], key: str, where: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"expected a non-empty string, got {value!r}")
        return value

    def path(self, table: dict[str, Any], key: str, base: Path, *, where: str = "",
             required: bool = False) -> Path | None:
        value = self.string(table, key, where)
        if value is None:
            if required:
                raise self.fail(f"{where}{key}", "missing")
            return None
        return _resolve(base, value)

    def boolean(self, table: dict[str, Any], key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def positive(self, table: dict[str, Any], key: str, default: Any) -> Any:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(key, f"expected a positive number, got {value!r}")
        return value

    def date(self, table: dict[str, Any], key: str, where: str) -> _dt.date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value
        try:
            return _dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(f"{where}{key}", f"expected a date YYYY-MM-DD, got {value!r}") from None

    def window(self, table: dict[str, Any]) -> int | None:
        value = table.get("window")
        if value is None or value == "all":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(\d+)\s*(d|day|days|w|week|weeks)\s*", value, re.IGNORECASE)
            if m and int(m.group(1)) > 0:
                return int(m.group(1)) * (7 if m.group(2).lower().startswith("w") else 1)
        raise self.fail("window", f"expected a number of days such as \"7d\", \"2w\" or "
                                  f"\"all\", got {value!r}")


# --- the summary --------------------------------------------------------------

@dataclass
class RunSummary:
    """What one run did; :meth:`to_dict` is the contract's JSON summary."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    published: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: sources that could not be read at all (missing path, feed unreachable)
    source_errors: list[str] = field(default_factory=list)
    #: feeds not fetched because the network is off
    feeds_skipped: int = 0
    run_id: int = 0
    places: int = 0
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "failed": self.failed}

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_SOURCE_ERRORS` when a source could not be read, else :data:`EXIT_OK`."""
        return EXIT_SOURCE_ERRORS if self.source_errors else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = dict(self.counts)
        d["published"] = list(self.published)
        d["changes"] = [c.to_dict() for c in self.changes]
        d["source_errors"] = list(self.source_errors)
        d["feeds_skipped"] = self.feeds_skipped
        d["places"] = self.places
        d["run"] = self.run_id
        d["seconds"] = round(self.seconds, 3)
        return d

    def log_line(self) -> str:
        """The one line a run logs: counts, changes, what was published."""
        parts = [f"run {self.run_id}: {self.new} new, {self.changed} changed, "
                 f"{self.unchanged} unchanged, {self.failed} failed"]
        kinds = {k: sum(1 for c in self.changes if c.kind == k)
                 for k in ("new", "changed", "removed")}
        parts.append(f"{kinds['new']} new places, {kinds['changed']} status changes"
                     + (f", {kinds['removed']} removed" if kinds["removed"] else ""))
        if self.source_errors:
            parts.append(f"{len(self.source_errors)} sources unreadable")
        if self.feeds_skipped:
            parts.append(f"{self.feeds_skipped} feeds skipped (network = false)")
        parts.append("published " + ", ".join(self.published) if self.published
                     else "outputs up to date")
        return "; ".join(parts) + f" ({self.seconds:.1f}s)"


# --- locking ------------------------------------------------------------------

class RunLock:
    """An exclusive lock beside the store (``flock`` through :mod:`filelock`).

    The kernel drops the lock when its process dies, even by ``kill -9``, so
    a crashed run never blocks the next one.

    Parameters
    ----------
    path : Path
        The lock file (created when missing).
    wait : bool
        Wait for the holder to finish instead of failing at once.
    timeout : float, optional
        With *wait*, give up after this many seconds (None: wait forever).
    """

    def __init__(self, path: Path, *, wait: bool = False, timeout: float | None = None) -> None:
        import filelock

        self.path = path
        self.wait = wait
        self.timeout = timeout
        self._lock = filelock.FileLock(str(path))

    def __enter__(self) -> RunLock:
        import filelock

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create lock {self.path}: {exc.strerror or exc}") from exc
        timeout = (-1 if self.timeout is None else self.timeout) if self.wait else 0
        try:
            self._lock.acquire(timeout=timeout, poll_interval=0.2)
        except filelock.Timeout:
            how = f"still held after {self.timeout:g}s" if self.wait else "use --wait to queue"
            raise LockedError(f"another run is in progress (lock {self.path}; {how})") from None
        except OSError as exc:
            raise StoreError(f"cannot take lock {self.path}: {exc.strerror or exc}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


# --- reading sources ----------------------------------------------------------

@dataclass
class _Item:
    """An article read from a source, or the reason it could not be read."""

    article: Article | None
    error: str | None = None
    where: str = ""


def _display(path: Path, base: Path) -> str:
    # Sources are shown relative to the config file's folder, so the map and
    # the store do not depend on the directory cron started the job in.
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def _walk(root: Path) -> list[str]:
    """Article files under *root* (or *root* itself), sorted, hidden entries skipped.

    Plain strings, not Paths: this runs over every file of every directory
    source on every run.
    """
    from .ingest import KNOWN_EXTS

    if root.is_file():
        return [str(root)]
    found: list[str] = []
    for dirpath, dirs, files in os.walk(root):
        # Same rules as ingest: sorted, hidden entries skipped.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in KNOWN_EXTS:
                found.append(os.path.join(dirpath, f))
    return found


def _read_file(path: Path, display: str, cfg: RunConfig,
               default_date: _dt.date | None) -> Iterator[_Item]:
    """Yield the articles of one file, renamed to *display*, and its bad parts."""
    from .ingest import read_articles

    errors: list[InputError] = []
    raw_source = str(path)
    try:
        for article in read_articles([raw_source], max_bytes=cfg.max_article_bytes,
                                     on_error=errors.append):
            doc_id = article.doc_id
            if doc_id == raw_source:
                doc_id = display
            elif doc_id.startswith(raw_source + ":"):
                doc_id = display + doc_id[len(raw_source):]
            date = article.date or default_date
            yield _Item(dataclasses.replace(article, source=display, doc_id=doc_id, date=date))
            for bad in errors:
                yield _Item(None, _reason(bad, raw_source, display), display)
            errors.clear()
    except InputError as exc:
        errors.append(exc)
    for bad in errors:
        yield _Item(None, _reason(bad, raw_source, display), display)


def _reason(err: Exception, raw: str, display: str) -> str:
    return str(err).replace(raw, display)


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class FeedResult:
    """What a conditional feed request returned."""

    status: int
    body: bytes | None
    etag: str | None
    modified: str | None


def fetch_feed(url: str, *, etag: str | None = None, modified: str | None = None,
               timeout: float = DEFAULT_FEED_TIMEOUT,
               max_bytes: int = DEFAULT_FEED_MAX_BYTES) -> FeedResult:
    """GET *url* with ``If-None-Match``/``If-Modified-Since`` from the last fetch.

    Returns status 304 with no body when the feed has not changed.

    Raises
    ------
    InputError
        The server could not be reached, answered with an error, or sent more
        than *max_bytes*.
    """
    headers = {"User-Agent": f"sitmap/{__version__} (+scheduled run)",
               "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise InputError(f"{url}: feed larger than {max_bytes} bytes")
            return FeedResult(resp.status, body, resp.headers.get("ETag") or etag,
                              resp.headers.get("Last-Modified") or modified)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FeedResult(304, None, exc.headers.get("ETag") or etag,
                              exc.headers.get("Last-Modified") or modified)
        raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise InputError(f"{url}: cannot fetch feed: {reason}") from exc


def _html_text(fragment: str) -> str:
    # Feed summaries are HTML fragments; the assertions quote plain text.
    if "<" not in fragment:
        return fragment.strip()
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "lxml")
    blocks = [b.get_text(" ", strip=True) for b in soup.find_all(["p", "li", "blockquote"])]
    text = "\n\n".join(b for b in blocks if b) or soup.get_text(" ", strip=True)
    return text.strip()


def feed_articles(body: bytes, url: str, default_date: _dt.date | None = None) -> Iterator[_Item]:
    """Parse an RSS or Atom document into articles, one per entry.

    Raises
    ------
    InputError
        When the document is not a feed at all.
    """
    import feedparser

    from .ingest import article_from_text

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{url}: not an RSS or Atom feed ({parsed.get('bozo_exception')})")
    outlet = parsed.feed.get("title") or None
    for i, entry in enumerate(parsed.entries):
        link = entry.get("link") or None
        doc_id = entry.get("id") or link or f"{url}#{i}"
        title = entry.get("title") or None
        contents = entry.get("content") or []
        body_html = contents[0].get("value", "") if contents else entry.get("summary", "")
        text = _html_text(body_html or "")
        if title and not text.startswith(title):
            text = f"{_html_text(title)}\n\n{text}" if text else _html_text(title)
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        date = _dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else default_date
        try:
            yield _Item(article_from_text(text, url, doc_id=doc_id, date=date, title=title,
                                          url=link, outlet=outlet))
        except InputError as bad:
            yield _Item(None, f"{doc_id}: {bad}", url)


# --- the run --------------------------------------------------------------------

def pipeline_processor(cfg: RunConfig) -> Processor:
    """The real pipeline over the configured gazetteer, opened on first use.

    Opening the gazetteer costs time; a run with nothing new never pays it.
    """
    state: dict[str, Any] = {}

    def process(article: Article) -> Sequence[Assertion]:
        from .pipeline import process_article

        if "gaz" not in state:
            from .gazetteer import Gazetteer

            state["gaz"] = Gazetteer.open(str(cfg.gazetteer) if cfg.gazetteer else None)
        return process_article(article, state["gaz"], online=cfg.online).assertions

    return process




class Job:
    """One run of a configuration against its store (used by :func:`run`).

    Parameters
    ----------
    cfg : RunConfig
    store : Store
        Open, and locked by the caller.
    processor : callable
        Article -> assertions.
    """

    def __init__(self, cfg: RunConfig, store: Store, processor: Processor) -> None:
        self.cfg = cfg
        self.store = store
        self.process = processor
        self.summary = RunSummary()
        self.base = cfg.path.parent

    # -- articles

    def take(self, item: _Item, key_source: str) -> None:
        """Store one read article (new or changed), or record why it failed."""
        s = self.summary
        if item.article is None:
            s.failed += 1
            self.store.record_failure(item.where or key_source, item.error or "unreadable",
                                      run_id=s.run_id)
            log.warning("skipped: %s", item.error)
            return
        article = item.article
        digest = content_hash(article)
        kind = self.store.classify(article, digest)
        if kind == "unchanged":
            s.unchanged += 1
            return
        try:
            assertions = list(self.process(article))
        except _ENVIRONMENT_ERRORS:
            # Not the article's fault (no gazetteer, geocoder down, store
            # broken): fail the run so the article is tried again next time
            # rather than recorded as bad.
            raise
        except SitmapError as exc:
            self._fail(article, str(exc))
            return
        except (RecursionError, MemoryError) as exc:
            self._fail(article, f"too complex to process: {type(exc).__name__}")
            return
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the job
            self._fail(article, f"internal error: {type(exc).__name__}: {exc}")
            return
        outcome = self.store.put_article(article, assertions, run_id=s.run_id, digest=digest)
        if outcome == "new":
            s.new += 1
        else:
            s.changed += 1

    def _fail(self, article: Article, reason: str) -> None:
        self.summary.failed += 1
        from .store import article_key

        self.store.record_failure(article.source, reason, key=article_key(article),
                                  run_id=self.summary.run_id)
        log.warning("skipped %s: %s", article.doc_id, reason)

    # -- sources

    def read_path_source(self, src: SourceConfig) -> None:
        assert src.path is not None
        root = src.path
        if not root.exists():
            self._source_error(src, f"{_display(root, self.base)}: no such file or directory")
            return
        states = self.store.file_states()
        prefix = str(self.base) + os.sep
        for name in progress(_walk(root), desc=src.name, unit="file"):
            display = (name[len(prefix):] if name.startswith(prefix) else name).replace(os.sep, "/")
            file = Path(name)
            try:
                st = os.stat(name)
            except OSError as exc:
                self._source_error(src, f"{display}: cannot read: {exc.strerror}")
                continue
            known = states.get(display)
            if known and (known[0], known[1]) == (st.st_mtime_ns, st.st_size):
                self.summary.unchanged += known[3]
                continue
            try:
                digest = _hash_file(file)
            except OSError as exc:
                self._source_error(src, f"{display}: cannot read: {exc.strerror}")
                continue
            if known and known[2] == digest:
                # Touched but not edited: remember the new stamp only.
                self.summary.unchanged += known[3]
                self.store.set_file_state(display, st.st_mtime_ns, st.st_size, digest, known[3])
                continue
            n = 0
            for item in _read_file(file, display, self.cfg, src.date):
                n += item.article is not None
                self.take(item, display)
            # Recorded last: a run killed inside the file reads it again, and
            # the articles it already stored come back as unchanged.
            self.store.set_file_state(display, st.st_mtime_ns, st.st_size, digest, n)

    def read_feed_source(self, src: SourceConfig) -> None:
        assert src.url is not None
        if not self.cfg.network:
            self.summary.feeds_skipped += 1
            log.info("feed %s not fetched: network = false in %s", src.url, self.cfg.path)
            return
        etag, modified = self.store.feed_state(src.url)
        try:
            got = fetch_feed(src.url, etag=etag, modified=modified,
                             timeout=self.cfg.feed_timeout, max_bytes=self.cfg.feed_max_bytes)
            if got.status == 304 or got.body is None:
                log.info("feed %s not modified", src.url)
                return
            items = list(feed_articles(got.body, src.url, src.date))
        except InputError as exc:
            self._source_error(src, str(exc))
            return
        for item in items:
            self.take(item, src.url)
        # Validators saved only after every entry is committed: a run killed
        # before this point fetches the whole feed again.
        self.store.set_feed_state(src.url, got.etag, got.modified, got.status)

    def _source_error(self, src: SourceConfig, reason: str) -> None:
        self.summary.source_errors.append(reason)
        self.store.record_failure(src.name, reason, run_id=self.summary.run_id)
        log.warning("source %s: %s", src.name, reason)

    # -- publication

    def fingerprint(self, output: Path, window: tuple[_dt.date | None, _dt.date | None]) -> str:
        """A digest of everything an output shows, but not when it was made."""
        cfg = self.cfg
        payload = {
            "generation": self.store.generation,
            "window": [d.isoformat() if d else None for d in window],
            "title": cfg.title, "basemap": cfg.basemap, "tiles": cfg.tiles,
            "per": cfg.export_per,
            "output": str(output), "version": __version__,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def due_outputs(self, window: tuple[_dt.date | None, _dt.date | None]) -> dict[Path, str]:
        """Outputs to regenerate (fingerprint changed, or file missing) -> new fingerprint."""
        due = {o: self.fingerprint(o, window) for o in self.cfg.outputs}
        return {o: fp for o, fp in due.items()
                if not o.exists() or self.store.output_fingerprint(str(o)) != fp}

    def publish(self, changes: list[Change], due: dict[Path, str],
                window: tuple[_dt.date | None, _dt.date | None],
                everything: Sequence[Assertion] | None = None) -> dict[str, str]:
        """Regenerate the *due* outputs; return path -> fingerprint of those written.

        *everything*, when given, is every stored assertion (already read for
        the change report), used instead of reading them again.

        Raises
        ------
        PublishError
            An output could not be written (the previous file stays).
        """
        if not due:
            return {}
        from .status import aggregate

        if everything is None or window != (None, None):
            everything = self.store.assertions(since=window[0], until=window[1],
                                               date_undated=True)
        reports = _sorted_reports(aggregate(everything))
        self.summary.places = len(reports)
        for output in due:
            if output == self.cfg.map:
                self._write_map(output, reports, changes, window)
            else:
                self._write_export(output, reports)
            self.summary.published.append(_display(output, self.base))
        return {str(o): fp for o, fp in due.items()}

    def _write_map(self, output: Path, reports: list[PlaceReport], changes: list[Change],
                   window: tuple[_dt.date | None, _dt.date | None]) -> None:
        from .render import write_map

        opts: dict[str, Any] = {
            "title": self.cfg.title,
            "articles": self.store.articles(since=window[0], until=window[1]),
            "generated_at": generation_time(),
            "changes": [c.to_dict() for c in changes],
        }
        if self.cfg.basemap:
            opts["basemap"] = self.cfg.basemap
        if self.cfg.tiles:
            opts["tiles"] = self.cfg.tiles
        write_map(reports, output, **opts)

    def _write_export(self, output: Path, reports: list[PlaceReport]) -> None:
        from .export import export

        fmt = "geojson" if output.suffix.lower() == ".json" else None
        export(reports, output, per=self.cfg.export_per, fmt=fmt)  # type: ignore[arg-type]


def _sorted_reports(reports: list[PlaceReport]) -> list[PlaceReport]:
    # A fixed order so that the same store always renders the same bytes.
    return sorted(reports, key=lambda r: (r.place.name, r.place.key))


def _clean_stale_temps(outputs: Sequence[Path]) -> None:
    # atomic_write leaves ".<name>.XXXX.tmp" behind when a run is killed
    # mid-write; under the run lock no other writer can own one.
    for out in outputs:
        try:
            for tmp in out.parent.glob(f".{out.name}.*.tmp"):
                tmp.unlink()
        except OSError:
            pass


def run(cfg: RunConfig, *, wait: bool = False, wait_timeout: float | None = None,
        processor: Processor | None = None) -> RunSummary:
    """Run the job once: sources into the store, outputs regenerated.

    Parameters
    ----------
    cfg : RunConfig
        From :func:`load_config`.
    wait : bool
        Wait for a running job to finish instead of raising :class:`LockedError`.
    wait_timeout : float, optional
        With *wait*, the longest wait in seconds.
    processor : callable, optional
        Article -> assertions; the real pipeline by default.

    Returns
    -------
    RunSummary

    Raises
    ------
    LockedError
        Another run holds the lock.
    StoreError, PublishError, ConfigError
        The store cannot be used, or an output cannot be written (the previous
        output stays in place and the next run tries again).
    """
    started = time.monotonic()
    with RunLock(cfg.lock_path, wait=wait, timeout=wait_timeout):
        with Store.open(cfg.store) as store:
            job = Job(cfg, store, processor or pipeline_processor(cfg))
            s = job.summary
            s.run_id = store.begin_run()
            try:
                _clean_stale_temps(cfg.outputs)
                for src in cfg.sources:
                    if src.is_feed:
                        job.read_feed_source(src)
                    else:
                        job.read_path_source(src)
                window = cfg.window(store.latest_day())
                due = job.due_outputs(window)
                everything = None
                if due and window == (None, None) and store.dirty_places():
                    # The map needs every assertion; so does the change report
                    # when most places changed: read them once for both.
                    everything = store.assertions(date_undated=True)
                changes, current = store.pending_changes(preloaded=everything)
                s.changes = changes
                published = job.publish(changes, due, window, everything)
                s.seconds = time.monotonic() - started
                store.complete_run(s.run_id, current, counts=s.counts, outputs=published,
                                   summary=s.to_dict(), message=s.log_line())
            except SitmapError as exc:
                # Dirty places stay dirty: the next run reports the same
                # changes and publishes again.
                s.seconds = time.monotonic() - started
                _try_end_run(store, s, f"{type(exc).__name__}: {exc}")
                raise
            except BaseException:
                _try_end_run(store, s, "aborted")
                raise
    _append_log(cfg, s)
    return s


def _try_end_run(store: Store, s: RunSummary, message: str) -> None:
    try:
        store.end_run(s.run_id, state="error", counts=s.counts, message=message)
    except SitmapError:
        pass


def _append_log(cfg: RunConfig, s: RunSummary) -> None:
    if cfg.log is None:
        return
    stamp = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    try:
        cfg.log.parent.mkdir(parents=True, exist_ok=True)
        with open(cfg.log, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {s.log_line()}\n")
    except OSError as exc:
        raise PublishError(f"cannot append to log {cfg.log}: {exc.strerror or exc}") from exc
