"""``sitmap run``: config, incremental runs, bad articles, change report, CLI contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitmap.errors import ConfigError
from sitmap.runjob import load_config, run
from sitmap.store import Store

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1646300000"  # 2022-03-03T09:33:20Z: fixed, so maps are byte-comparable

KHERSON_CLAIMED = ("date 2022-03-02\n\nRussia's defence ministry claimed that its forces "
                   "had captured Kherson.\n")
KHERSON_CONFIRMED = ("date 2022-03-03\n\nUkrainian officials confirmed that Russian forces "
                     "captured Kherson on Wednesday.\n")
KHARKIV_SHELLED = "date 2022-03-03\n\nRussian artillery shelled Kharkiv overnight.\n"
MARIUPOL = ("date 2022-03-03\n\nMariupol was encircled by Russian forces, the interior "
            "ministry said.\n")


def write_config(tmp: Path, extra: str = "", output: str = 'map = "public/map.html"') -> Path:
    cfg = tmp / "sitmap.toml"
    cfg.write_text(
        'title = "Test situation"\n'
        'store = "state/sitmap.db"\n'
        f"{extra}\n"
        "[[source]]\n"
        'path = "articles/"\n'
        "\n[output]\n"
        f"{output}\n",
        encoding="utf-8",
    )
    (tmp / "articles").mkdir(exist_ok=True)
    return cfg


def sitmap_run(cfg: Path, *args: str, env: dict[str, str] | None = None,
               **kw: object) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, as cron would start it."""
    full_env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "sitmap", "-q", "run", "--config", str(cfg), *args],
        capture_output=True, text=True, env=full_env, cwd=str(ROOT), timeout=300, **kw,
    )


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


# --- configuration -----------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[[source]]\npath = "a"\n[output]\nmap = "m.html"\n', "store"),
        ('store = "s.db"\n[output]\nmap = "m.html"\n', "source"),
        ('store = "s.db"\nnetwrok = true\n[[source]]\npath = "a"\n[output]\nmap = "m.html"\n',
         "netwrok"),
        ('store = "s.db"\nwindow = "seven"\n[[source]]\npath = "a"\n[output]\nmap = "m.html"\n',
         "window"),
        ('store = "s.db"\nonline = "yes"\n[[source]]\npath = "a"\n[output]\nmap = "m.html"\n',
         "online"),
        ('store = "s.db"\n[[source]]\nurl = "ftp://x/feed"\n[output]\nmap = "m.html"\n',
         "source[0].url"),
        ('store = "s.db"\n[[source]]\npath = "a"\nurl = "http://x/f"\n[output]\nmap = "m.html"\n',
         "source[0].path"),
        ('store = "s.db"\n[[source]]\npath = "a"\n[output]\nexports = ["x.shp"]\n',
         "output.exports"),
        ('store = "s.db"\n[[source]]\npath = "a"\n[output]\n', "output.map"),
        ('store = "s.db"\nwindow_end = "soon"\n[[source]]\npath = "a"\n[output]\nmap = "m"\n',
         "window_end"),
    ],
)
def test_config_error_names_key_and_file(tmp_path: Path, body: str, key: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert str(cfg) in str(info.value)
    assert f"key '{key}'" in str(info.value)


def test_config_invalid_toml_and_cli_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("store = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(cfg)
    proc = sitmap_run(cfg)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and str(cfg) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_paths_relative_to_file_and_window(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, 'window = "2w"\nwindow_end = "2022-03-10"\n',
                       output='map = "public/map.html"\nexports = ["public/places.geojson"]')
    c = load_config(cfg)
    assert c.store == tmp_path / "state" / "sitmap.db"
    assert c.sources[0].path == tmp_path / "articles"
    assert c.outputs == (tmp_path / "public" / "map.html", tmp_path / "public" / "places.geojson")
    assert c.window_days == 14
    since, until = c.window(latest=None)
    assert (str(since), str(until)) == ("2022-02-25", "2022-03-10")
    assert c.network is False and c.online is False
    assert c.lock_path == tmp_path / "state" / "sitmap.db.lock"


# --- runs ---------------------------------------------------------------------

@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.usefixtures("epoch")
def test_rerun_adds_nothing_and_changed_article_replaces(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path)
    arts = tmp_path / "articles"
    (arts / "kherson.txt").write_text(KHERSON_CLAIMED, encoding="utf-8")
    (arts / "kharkiv.txt").write_text(KHARKIV_SHELLED, encoding="utf-8")
    cfg = load_config(cfg_path)

    first = run(cfg)
    assert (first.new, first.changed, first.unchanged, first.failed) == (2, 0, 0, 0)
    assert first.published == ["public/map.html"]
    assert {c.place.name for c in first.changes if c.kind == "new"} >= {"Kherson", "Kharkiv"}
    map_v1 = (tmp_path / "public" / "map.html").read_bytes()

    again = run(cfg)
    assert (again.new, again.changed, again.unchanged, again.failed) == (0, 0, 2, 0)
    assert again.published == [] and again.changes == []
    assert (tmp_path / "public" / "map.html").read_bytes() == map_v1

    # Touching a file without editing it is still "unchanged" (hash compared).
    os.utime(arts / "kharkiv.txt", ns=(1, 1))
    touched = run(cfg)
    assert (touched.new, touched.changed, touched.unchanged) == (0, 0, 2)

    with Store.open(cfg.store) as store:
        before = [a for a in store.assertions() if a.doc_id == "articles/kherson.txt"]
    assert before and all(a.epistemic.value == "claimed" for a in before
                          if a.place.name == "Kherson" and a.status.value == "captured")

    (arts / "kherson.txt").write_text(KHERSON_CONFIRMED, encoding="utf-8")
    edited = run(cfg)
    assert (edited.new, edited.changed, edited.unchanged) == (0, 1, 1)
    kherson = [c for c in edited.changes if c.place.name == "Kherson"]
    assert [(c.kind, c.before, c.after) for c in kherson] == [
        ("changed", ("captured", "claimed"), ("captured", "confirmed"))]
    with Store.open(cfg.store) as store:
        after = [a for a in store.assertions() if a.doc_id == "articles/kherson.txt"]
        assert store.integrity_check() == []
        days = [(h.day.isoformat(), h.epistemic.value) for h in store.history()
                if h.name == "Kherson"]
    # The old article's claims are gone, not kept beside the new ones.
    assert {a.quote for a in after}.isdisjoint({a.quote for a in before})
    assert all(str(a.date) == "2022-03-03" for a in after)
    assert days == [("2022-03-03", "confirmed")]
    assert (tmp_path / "public" / "map.html").read_bytes() != map_v1


@pytest.mark.usefixtures("epoch")
def test_bad_articles_recorded_and_run_goes_on(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path, "max_article_bytes = 2000")
    arts = tmp_path / "articles"
    (arts / "good.txt").write_text(MARIUPOL, encoding="utf-8")
    (arts / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 40)
    (arts / "huge.txt").write_text("Kyiv " * 1000, encoding="utf-8")
    (arts / "feed.jsonl").write_text(
        json.dumps({"id": "j1", "date": "2022-03-03", "text": KHARKIV_SHELLED}) + "\n"
        "{not json\n"
        + json.dumps({"id": "j3", "text": ""}) + "\n",
        encoding="utf-8",
    )
    cfg = load_config(cfg_path)
    s = run(cfg)
    assert (s.new, s.failed) == (2, 4)
    assert s.published == ["public/map.html"]
    with Store.open(cfg.store) as store:
        reasons = {f["source"]: f["reason"] for f in store.failures(s.run_id)}
    assert set(reasons) == {"articles/binary.txt", "articles/huge.txt", "articles/feed.jsonl"}
    assert "limit" in reasons["articles/huge.txt"]
    # Bad files are not read again until they change.
    s2 = run(cfg)
    assert (s2.new, s2.changed, s2.failed) == (0, 0, 0)


def test_cli_json_summary_contract(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    (tmp_path / "articles" / "a.txt").write_text(KHERSON_CLAIMED, encoding="utf-8")
    (tmp_path / "articles" / "b.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    first = sitmap_run(cfg, "--format", "json")
    assert first.returncode == 0, first.stderr
    summary = last_json(first.stdout)
    assert {k: summary[k] for k in ("new", "changed", "unchanged", "failed", "published")} == {
        "new": 1, "changed": 0, "unchanged": 0, "failed": 1, "published": ["public/map.html"]}
    assert any(c["kind"] == "new" and c["name"] == "Kherson" for c in summary["changes"])
    second = sitmap_run(cfg, "--format", "json")
    assert second.returncode == 0
    s2 = last_json(second.stdout)
    assert (s2["new"], s2["changed"], s2["unchanged"]) == (0, 0, 1)
    text = sitmap_run(cfg)
    assert text.returncode == 0
    assert text.stdout.strip().splitlines()[-1].startswith("run 3: 0 new, 0 changed, 1 unchanged")


def test_every_loop_runs_again(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    arts = tmp_path / "articles"
    (arts / "a.txt").write_text(KHARKIV_SHELLED, encoding="utf-8")
    proc = sitmap_run(cfg, "--format", "json", "--every", "1s", "--runs", "2")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [(x["run"], x["new"]) for x in lines] == [(1, 1), (2, 0)]


def test_missing_source_is_exit_4_but_publishes(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('store = "s.db"\n[[source]]\npath = "articles"\n[[source]]\npath = "gone"\n'
                   '[output]\nmap = "out/map.html"\n', encoding="utf-8")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text(MARIUPOL, encoding="utf-8")
    proc = sitmap_run(cfg, "--format", "json")
    assert proc.returncode == 4, proc.stderr
    summary = last_json(proc.stdout)
    assert summary["new"] == 1 and summary["published"] == ["out/map.html"]
    assert summary["source_errors"] == ["gone: no such file or directory"]


def test_every_interval_parsing() -> None:
    import click

    from sitmap.cli.run import Interval

    iv = Interval()
    assert iv.convert("15m", None, None) == 900
    assert iv.convert("1h30m", None, None) == 5400
    assert iv.convert("90s", None, None) == 90
    for bad in ("15", "m", "15x", "0s", "1h junk"):
        with pytest.raises(click.BadParameter):
            iv.convert(bad, None, None)


@pytest.mark.usefixtures("epoch")
def test_exports_named_in_config_are_published(tmp_path: Path) -> None:
    cfg_path = write_config(
        tmp_path, output='map = "public/map.html"\n'
                         'exports = ["public/places.geojson", "public/places.csv"]')
    (tmp_path / "articles" / "m.txt").write_text(MARIUPOL, encoding="utf-8")
    s = run(load_config(cfg_path))
    assert s.published == ["public/map.html", "public/places.geojson", "public/places.csv"]
    data = json.loads((tmp_path / "public" / "places.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in data["features"]}
    assert "Mariupol" in names
    csv_text = (tmp_path / "public" / "places.csv").read_text(encoding="utf-8")
    assert "Mariupol" in csv_text
    # A deleted export is noticed and written again, alone.
    (tmp_path / "public" / "places.csv").unlink()
    again = run(load_config(cfg_path))
    assert again.published == ["public/places.csv"]
    assert (tmp_path / "public" / "places.csv").read_text(encoding="utf-8") == csv_text
