"""The event store: identity of articles, replacement, changes, history, integrity."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from sitmap.errors import StoreError
from sitmap.model import Article, Assertion, Epistemic, Kind, Place, Status
from sitmap.store import SCHEMA_VERSION, Store, article_key, content_hash

KHERSON = Place("Kherson", 46.6354, 32.6169, Kind.CITY, country="UA", geonameid=706448)
KYIV = Place("Kyiv", 50.4501, 30.5234, Kind.CITY, country="UA", geonameid=703448)
BORDER = Place("Some Border", 51.0, 31.0, Kind.BORDER, country="UA",
               geometry={"type": "LineString", "coordinates": [[30.0, 51.0], [32.0, 51.5]]})


def art(doc_id: str, text: str, date: dt.date | None = dt.date(2022, 3, 3),
        url: str | None = None) -> Article:
    return Article(doc_id=doc_id, source=doc_id, text=text, date=date, url=url)


def asrt(article: Article, place: Place, status: Status, epistemic: Epistemic,
         quote: str | None = None, date: dt.date | None = None) -> Assertion:
    q = quote or article.text
    start = article.text.find(q)
    return Assertion(place=place, status=status, epistemic=epistemic, quote=q,
                     start=start, end=start + len(q), source=article.source,
                     doc_id=article.doc_id, date=date or article.date, claimant=None)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "state" / "s.db") as s:
        yield s


def test_open_creates_wal_store_with_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "s.db"
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.integrity_check() == []
    assert path.is_file()


def test_open_refuses_non_database_and_newer_schema(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("this is not sqlite at all, just some text " * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open(bad)
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 999"):
        Store.open(newer)
    with pytest.raises(StoreError, match="no store"):
        Store.open(tmp_path / "missing.db", create=False)


def test_keys_and_hash() -> None:
    a = art("a.txt", "Kherson fell.")
    assert article_key(a) == "id:a.txt"
    assert article_key(art("a.txt", "x", url="https://e.org/1")) == "url:https://e.org/1"
    assert content_hash(a) == content_hash(art("a.txt", "Kherson fell."))
    assert content_hash(a) != content_hash(art("a.txt", "Kherson fell!"))
    assert content_hash(a) != content_hash(art("a.txt", "Kherson fell.", date=dt.date(2022, 3, 4)))


def test_put_classify_replace(store: Store) -> None:
    a = art("a.txt", "Russia's forces claimed Kherson. Kyiv was shelled.")
    assert store.classify(a) == "new"
    first = [asrt(a, KHERSON, Status.CAPTURED, Epistemic.CLAIMED, "Russia's forces claimed Kherson."),
             asrt(a, KYIV, Status.STRUCK, Epistemic.REPORTED, "Kyiv was shelled.")]
    assert store.put_article(a, first, run_id=None) == "new"
    assert store.classify(a) == "unchanged"
    # The same content under another key is a duplicate, not new work.
    assert store.classify(art("copy.txt", a.text)) == "unchanged"
    got = store.assertions()
    # Ordered by place key (gn:703448 Kyiv before gn:706448 Kherson).
    assert [(x.place.name, x.status) for x in got] == [("Kyiv", Status.STRUCK),
                                                      ("Kherson", Status.CAPTURED)]
    assert sorted(got, key=lambda x: x.start) == first  # every field round-trips

    edited = art("a.txt", "Kherson: capture confirmed.")
    assert store.classify(edited) == "changed"
    second = [asrt(edited, KHERSON, Status.CAPTURED, Epistemic.CONFIRMED)]
    assert store.put_article(edited, second) == "changed"
    got = store.assertions()
    assert got == second  # the old assertions, Kyiv's included, are gone
    assert store.count_articles() == 1
    assert store.integrity_check() == []


def test_place_geometry_round_trips(store: Store) -> None:
    a = art("b.txt", "Fighting along Some Border.")
    store.put_article(a, [asrt(a, BORDER, Status.CONTESTED, Epistemic.REPORTED)])
    store._places.clear()
    place = store.assertions()[0].place
    assert place.geometry == BORDER.geometry
    assert place == BORDER


def test_changes_history_and_complete_run(store: Store) -> None:
    run1 = store.begin_run()
    a = art("a.txt", "Russia's forces claimed Kherson.", date=dt.date(2022, 3, 2))
    store.put_article(a, [asrt(a, KHERSON, Status.CAPTURED, Epistemic.CLAIMED)], run_id=run1)
    changes, current = store.pending_changes()
    assert [(c.kind, c.place.name, c.after) for c in changes] == [
        ("new", "Kherson", ("captured", "claimed"))]
    assert changes[0].describe() == "new place: Kherson (claimed captured)"
    store.complete_run(run1, current, counts={"new": 1}, outputs={"/x/map.html": "fp1"})
    assert store.dirty_places() == []
    assert store.pending_changes()[0] == []
    assert store.output_fingerprint("/x/map.html") == "fp1"

    run2 = store.begin_run()
    b = art("b.txt", "Kherson's capture was confirmed.", date=dt.date(2022, 3, 3))
    store.put_article(b, [asrt(b, KHERSON, Status.CAPTURED, Epistemic.CONFIRMED)], run_id=run2)
    changes, current = store.pending_changes()
    assert [c.describe() for c in changes] == ["Kherson: claimed captured -> confirmed captured"]
    store.complete_run(run2, current, counts={"new": 1}, outputs={})
    hist = store.history(KHERSON.key)
    assert [(h.day.isoformat(), h.status.value, h.epistemic.value, h.n) for h in hist] == [
        ("2022-03-02", "captured", "claimed", 1), ("2022-03-03", "captured", "confirmed", 1)]
    runs = store.runs()
    assert [r["state"] for r in runs] == ["ok", "ok"]

    # An edit that removes a place's only assertion reports it as removed.
    run3 = store.begin_run()
    store.put_article(art("a.txt", "Nothing here."), [], run_id=run3)
    store.put_article(art("b.txt", "Nothing either."), [], run_id=run3)
    changes, current = store.pending_changes()
    assert [(c.kind, c.before, c.after) for c in changes] == [
        ("removed", ("captured", "confirmed"), None)]
    store.complete_run(run3, current, counts={"changed": 2}, outputs={})
    assert store.history(KHERSON.key) == []


def test_killed_run_is_marked_interrupted_and_dirty_survives(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    s = Store.open(path)
    run1 = s.begin_run()
    a = art("a.txt", "Kyiv was shelled.")
    s.put_article(a, [asrt(a, KYIV, Status.STRUCK, Epistemic.REPORTED)], run_id=run1)
    s.conn.close()  # as if the process died before complete_run
    with Store.open(path) as s2:
        assert s2.dirty_places() == [KYIV.key]
        run2 = s2.begin_run()
        assert [r["state"] for r in s2.runs()] == ["running", "interrupted"]
        changes, current = s2.pending_changes()
        assert [c.kind for c in changes] == ["new"]
        s2.complete_run(run2, current, counts={}, outputs={})


def test_failed_transaction_rolls_back_whole_article(store: Store) -> None:
    a = art("a.txt", "Kyiv was shelled.")
    good = asrt(a, KYIV, Status.STRUCK, Epistemic.REPORTED)
    # An assertion whose status is not a Status fails half way through the
    # insert loop; nothing of the article may remain.
    bad = Assertion(place=KHERSON, status="exploded", epistemic=Epistemic.REPORTED,  # type: ignore[arg-type]
                    quote="x", start=0, end=1, source="a.txt", doc_id="a.txt")
    with pytest.raises(ValueError):
        store.put_article(a, [good, bad])
    assert store.count_articles() == 0
    assert store.assertions() == []
    assert store.dirty_places() == []
    assert store.generation == 0


def test_windowed_queries_and_file_feed_state(store: Store) -> None:
    for day in (1, 5, 9):
        a = art(f"d{day}.txt", f"Kyiv day {day}.", date=dt.date(2022, 3, day))
        store.put_article(a, [asrt(a, KYIV, Status.STRUCK, Epistemic.REPORTED)])
    got = store.assertions(since=dt.date(2022, 3, 3), until=dt.date(2022, 3, 9))
    assert [x.date.day for x in got if x.date] == [5, 9]
    assert [x.doc_id for x in store.articles(since=dt.date(2022, 3, 5))] == ["d5.txt", "d9.txt"]
    assert store.latest_day() == dt.date(2022, 3, 9)
    assert store.file_state("a.txt") is None
    store.set_file_state("a.txt", 123, 45, "abc", 2)
    assert store.file_state("a.txt") == (123, 45, "abc", 2)
    assert store.feed_state("http://x/") == (None, None)
    store.set_feed_state("http://x/", '"e1"', "Thu, 03 Mar 2022 10:00:00 GMT", 200)
    assert store.feed_state("http://x/") == ('"e1"', "Thu, 03 Mar 2022 10:00:00 GMT")
    store.record_failure("bad.txt", "not UTF-8 text", run_id=None)
    assert [f["reason"] for f in store.failures()] == ["not UTF-8 text"]


def test_undated_assertions_take_the_day_first_seen(store: Store) -> None:
    a = art("undated.txt", "Kyiv was shelled.", date=None)
    store.put_article(a, [asrt(a, KYIV, Status.STRUCK, Epistemic.REPORTED)])
    assert store.assertions()[0].date is None  # the record keeps no invented date
    seen = store.assertions(date_undated=True)[0].date
    today = dt.datetime.now(dt.timezone.utc).date()
    assert seen is not None and abs((seen - today).days) <= 1


def test_preloaded_assertions_give_the_same_changes_and_history(tmp_path: Path) -> None:
    def fill(s: Store) -> None:
        for i, (place, status) in enumerate([(KYIV, Status.STRUCK), (KHERSON, Status.CAPTURED),
                                             (KYIV, Status.HELD)]):
            a = art(f"p{i}.txt", f"Report {i}.", date=dt.date(2022, 3, 1 + i) if i else None)
            s.put_article(a, [asrt(a, place, status, Epistemic.REPORTED)])

    with Store.open(tmp_path / "a.db") as a, Store.open(tmp_path / "b.db") as b:
        fill(a)
        fill(b)
        changes_a, current_a = a.pending_changes()
        changes_b, current_b = b.pending_changes(preloaded=b.assertions(date_undated=True))
        assert [c.to_dict() for c in changes_a] == [c.to_dict() for c in changes_b]
        assert current_a.keys() == current_b.keys()
        a.complete_run(a.begin_run(), current_a, counts={}, outputs={})
        b.complete_run(b.begin_run(), current_b, counts={}, outputs={})
        assert a.history() == b.history()
        assert len(a.history()) == 3
