"""The cache as a file: the CLI, user entries across rebuilds, parallel readers, atomic builds."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import threading

import pytest
from click.testing import CliRunner

from sitmap.cli.gazetteer import cli
from sitmap.errors import GazetteerCorrupt, GazetteerError
from sitmap.gazetteer import Gazetteer, build
from sitmap.gazetteer.paths import resolve_path, user_path_for
from sitmap.model import Kind


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory, gazetteer):
    """A copy of the session's cache that tests may rebuild and add entries to."""
    path = tmp_path_factory.mktemp("gaz") / "copy.sqlite"
    shutil.copyfile(gazetteer.path, path)
    return path


def test_cli_lookup_json_is_ranked_with_reasons(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "Odessa", "--format", "json", "--limit", "3",
                                   "--gazetteer", str(private_cache)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == 3 and rows[0]["country"] == "UA" and rows[0]["kind"] == "city"
    assert rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    assert rows[0]["reasons"] and rows[0]["geonameid"] == 698740
    res = CliRunner().invoke(cli, ["lookup", "Odessa", "--country", "US", "--format", "json",
                                   "--gazetteer", str(private_cache)])
    assert json.loads(res.output)[0]["country"] == "US"


def test_cli_lookup_near_and_table_format(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "Springfield", "--near", "39.8,-89.6",
                                   "--limit", "1", "--gazetteer", str(private_cache)])
    assert res.exit_code == 0
    assert res.output.startswith(" 1. Springfield (city, IL, US)")


def test_cli_lookup_border_carries_its_line(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "Ukraine–Poland border", "--format", "json",
                                   "--limit", "1", "--gazetteer", str(private_cache)])
    row = json.loads(res.output)[0]
    assert row["kind"] == "border" and row["name"] == "Poland–Ukraine border"
    assert row["geometry"]["type"] in ("LineString", "MultiLineString")


def test_cli_lookup_unknown_name_is_an_empty_array(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "Qwxzyborough", "--format", "json",
                                   "--gazetteer", str(private_cache)])
    assert res.exit_code == 0 and json.loads(res.output) == []


def test_cli_rejects_bad_near(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "Kyiv", "--near", "north", "--gazetteer",
                                   str(private_cache)])
    assert res.exit_code == 2 and "LAT,LON" in res.output


def test_user_entry_takes_precedence_and_survives_rebuild(private_cache):
    res = CliRunner().invoke(cli, ["add", "Moscow", "46.73", "-117.0", "--kind", "town",
                                   "--country", "US", "--gazetteer", str(private_cache)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["add", "Camp Nowhere", "48.1", "37.2", "--kind", "feature",
                                   "--gazetteer", str(private_cache)])
    assert res.exit_code == 0, res.output
    assert user_path_for(private_cache).exists()

    def check() -> None:
        with Gazetteer.open(private_cache, build=False) as gaz:
            top = gaz.lookup("Moscow")[0]
            assert (top.place.country, top.place.kind) == ("US", Kind.TOWN)
            assert "user entry" in top.reasons
            camp = gaz.lookup("camp nowhere")[0].place
            assert camp.kind is Kind.FEATURE and camp.lat == 48.1
            assert dict(gaz.names())["camp nowhere"].preferred

    check()
    # A reader that opened the cache before the rebuild keeps reading its (old) file.
    reader = Gazetteer.open(private_cache, build=False)
    res = CliRunner().invoke(cli, ["build", "--gazetteer", str(private_cache)])
    assert res.exit_code == 0, res.output
    assert "places" in res.output
    check()
    assert reader.lookup("Chernihiv")[0].place.country == "UA"  # not decoded before
    reader.close()


def test_cli_add_rejects_bad_country(private_cache):
    from sitmap.cli.main import main

    assert main(["gazetteer", "add", "X", "1", "2", "--country", "USA",
                 "--gazetteer", str(private_cache)]) == 1


def test_main_reports_an_unusable_location_in_one_line(tmp_path, capsys):
    from sitmap.cli.main import main

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    assert main(["gazetteer", "lookup", "Kyiv", "--gazetteer", str(blocker / "g.sqlite")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sitmap: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_parallel_readers_in_threads(gazetteer):
    names = ["Kyiv", "Odessa", "Kharkiv", "Moscow", "Springfield", "Georgia", "Paris"]
    expected = {n: gazetteer.lookup(n)[0].place for n in names}
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with Gazetteer.open(gazetteer.path, build=False) as gaz:
                for _ in range(20):
                    for n in names:
                        assert gaz.lookup(n)[0].place == expected[n]
                        gazetteer.entries(n.lower())  # the shared instance too
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _lookup_in_child(path: str) -> tuple[str, str | None]:
    gaz = Gazetteer.open(path, build=False)
    top = gaz.lookup("Kharkov")[0].place
    return top.name, top.country


def test_parallel_readers_in_processes(gazetteer):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        got = pool.map(_lookup_in_child, [str(gazetteer.path)] * 6)
    assert got == [("Kharkiv", "UA")] * 6


def test_failed_build_leaves_the_old_cache(private_cache, monkeypatch):
    import importlib

    build_mod = importlib.import_module("sitmap.gazetteer.build")

    before = private_cache.read_bytes()[:4096]

    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(build_mod, "_write", boom)
    with pytest.raises(GazetteerError, match="cannot write"):
        build(private_cache, progress=False)
    assert private_cache.read_bytes()[:4096] == before
    assert not list(private_cache.parent.glob(".*.tmp"))
    Gazetteer.open(private_cache, build=False).lookup("Kyiv")


def test_outdated_cache_is_rebuilt_or_reported(tmp_path, gazetteer):
    old = tmp_path / "old.sqlite"
    shutil.copyfile(gazetteer.path, old)
    con = sqlite3.connect(old)
    con.execute("UPDATE meta SET value = 'stale' WHERE key = 'fingerprint'")
    con.commit()
    con.close()
    with pytest.raises(GazetteerCorrupt, match="sitmap gazetteer build"):
        Gazetteer.open(old, build=False)


def test_path_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("SITMAP_GAZETTEER", str(tmp_path / "env.sqlite"))
    assert resolve_path(None) == tmp_path / "env.sqlite"
    assert resolve_path(tmp_path / "arg.sqlite") == tmp_path / "arg.sqlite"
    monkeypatch.delenv("SITMAP_GAZETTEER")
    assert resolve_path(None).name == "sitmap-gazetteer.sqlite"
    assert user_path_for(tmp_path / "a.sqlite") == tmp_path / "a.user.sqlite"


def test_cli_lookup_of_an_empty_name_is_a_usage_error(private_cache):
    res = CliRunner().invoke(cli, ["lookup", "   ", "--gazetteer", str(private_cache)])
    assert res.exit_code == 2 and "a place name is needed" in res.output


def test_a_user_entry_is_recognised_in_text_as_soon_as_it_is_added(private_cache, tmp_path):
    # The recogniser's automaton is cached on disk and in memory; a name the
    # user adds must not be hidden behind the automaton built before it.
    from sitmap.cli.main import main

    article = tmp_path / "a.txt"
    article.write_text("Shelling was reported in Vordenkirch and in Kharkiv overnight.\n",
                       encoding="utf-8")

    def extracted(output: str) -> list[str]:
        return [json.loads(line)["text"] for line in output.splitlines() if line]

    res = CliRunner().invoke(cli, ["lookup", "Vordenkirch", "--gazetteer", str(private_cache)])
    assert "no place named" in res.output  # made up: unknown until the user adds it
    runner = CliRunner()
    from sitmap.cli.main import cli as root

    before = runner.invoke(root, ["extract", str(article), "--gazetteer", str(private_cache)])
    assert before.exit_code == 0, before.output
    assert extracted(before.output) == ["Kharkiv"]
    assert main(["gazetteer", "add", "Vordenkirch", "48.3", "36.9", "--country", "UA",
                 "--gazetteer", str(private_cache)]) == 0
    after = runner.invoke(root, ["extract", str(article), "--gazetteer", str(private_cache)])
    assert after.exit_code == 0, after.output
    assert extracted(after.output) == ["Vordenkirch", "Kharkiv"]

    # the same gazetteer object, in one process: its caches follow the change too
    from sitmap.model import Article
    from sitmap.pipeline import locate

    gaz = Gazetteer.open(private_cache)
    text = "Residents left homes in Osterwald and in Vordenkirch on Monday."
    art = Article(doc_id="b", source="b", text=text)
    assert [m.text for m in locate(art, gaz)[1] if m.place] == ["Vordenkirch"]
    gaz.add_user_entry("Osterwald", 48.2, 37.1, country="UA")
    found = [(m.text, m.place.lat) for m in locate(art, gaz)[1] if m.place]
    assert found == [("Osterwald", 48.2), ("Vordenkirch", 48.3)]
    gaz.close()


def test_dropped_gazetteers_are_freed_with_their_caches(gazetteer):
    # Each open gazetteer used to stay alive for the life of the process, with
    # its lookup caches: hundreds of megabytes per open in a long-lived job.
    import gc
    import weakref

    from sitmap.mentions import recognizer_for
    from sitmap.model import Article
    from sitmap.pipeline import locate

    refs = []
    for _ in range(3):
        gaz = Gazetteer.open(gazetteer.path)
        assert recognizer_for(gaz) is recognizer_for(gazetteer)  # one automaton per file
        locate(Article(doc_id="c", source="c", text="Fighting near Kherson and Mykolaiv."), gaz)
        refs.append(weakref.ref(gaz))
        gaz.close()
        del gaz
    gc.collect()
    assert [r() for r in refs] == [None, None, None]
