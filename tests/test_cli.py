"""The command line: help text, exit codes, bad input, and the main job end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sitmap.cli.main import COMMANDS, LazyGroup, cli, main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def all_commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = [("sitmap", cli)]

    def walk(prefix: str, group: click.Group) -> None:
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            assert cmd is not None, f"{prefix} {name} is listed but cannot be loaded"
            found.append((f"{prefix} {name}", cmd))
            if isinstance(cmd, click.Group):
                walk(f"{prefix} {name}", cmd)

    walk("sitmap", cli)
    return found


def test_every_command_and_option_has_help_text() -> None:
    missing = []
    for name, cmd in all_commands():
        if not (cmd.help or "").strip():
            missing.append(f"{name}: command has no help")
        for p in cmd.params:
            if isinstance(p, click.Option) and not (p.help or "").strip():
                missing.append(f"{name} {p.opts[0]}: option has no help")
    assert not missing, "\n".join(missing)


def test_contract_commands_are_registered() -> None:
    assert isinstance(cli, LazyGroup)
    for name in ("build", "extract", "places"):
        assert name in COMMANDS


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from sitmap import __version__

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"sitmap {__version__}"


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "build", "--no-such-option")
    assert code == 2 and "No such option" in err and "Traceback" not in err


@pytest.mark.parametrize("setup, message", [
    ("missing", "no such file"),
    ("empty_dir", "no articles found"),
    ("binary", "binary file"),
    ("latin1", "not UTF-8"),
    ("empty", "empty article"),
    ("huge", "--max-bytes"),
    ("bad_jsonl_only", "invalid JSON"),
])
def test_bad_input_one_line_exit_1_and_good_map_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str) -> None:
    target = tmp_path / "in"
    if setup == "empty_dir":
        target.mkdir()
        (target / "notes.docx").write_bytes(b"PK\x03\x04")
    elif setup == "binary":
        target = tmp_path / "photo.txt"
        target.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    elif setup == "latin1":
        target = tmp_path / "old.txt"
        target.write_bytes("R\xe9sum\xe9 of Kharkiv".encode("latin-1"))
    elif setup == "empty":
        target = tmp_path / "empty.txt"
        target.write_text("", encoding="utf-8")
    elif setup == "huge":
        target = tmp_path / "huge.txt"
        with open(target, "wb") as fh:
            fh.truncate(100 * 1024 * 1024)
    elif setup == "bad_jsonl_only":
        target = tmp_path / "bad.jsonl"
        target.write_text("{oops\n", encoding="utf-8")
    good = tmp_path / "map.html"
    good.write_text("<html>previous good map</html>", encoding="utf-8")
    code, out, err = run(capsys, "build", str(target), "-o", str(good))
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0]
    assert lines[0].startswith("sitmap: error: ")
    assert good.read_text(encoding="utf-8") == "<html>previous good map</html>"


def test_no_traceback_through_the_real_console_script(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("sitmap")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sitmap"]
    proc = subprocess.run(cmd + ["places", str(tmp_path / "nope.txt")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"sitmap: error: {tmp_path / 'nope.txt'}: no such file or directory"]


# --- end to end: these run every stage with the real gazetteer ---------------

def marker_names(map_html: str) -> set[str]:
    """Place names in the map's embedded data block (one marker is drawn per row)."""
    import re

    m = re.search(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', map_html, re.S)
    assert m, "the map has no embedded data block"
    return {row[0] for row in json.loads(m.group(1))["p"]}


@pytest.mark.usefixtures("gazetteer")
def test_build_example_writes_map_with_a_marker_per_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "sub" / "map.html"
    code, out, err = run(capsys, "build", "-o", str(out_path))
    assert code == 0, err
    assert out.strip() == str(out_path)
    code, places_out, err = run(capsys, "places")
    assert code == 0, err
    places = json.loads(places_out)
    names = {p["name"] for p in places}
    for expected in ("Mykolaiv", "Melitopol", "Hostomel", "Chernihiv", "Kyiv", "Moldova", "Antalya"):
        assert expected in names
    assert marker_names(out_path.read_text(encoding="utf-8")) == names


@pytest.mark.usefixtures("gazetteer")
def test_build_seed_article_has_the_key_places(
        seed_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "seed.html"
    code, out, err = run(capsys, "build", str(seed_path), "-o", str(out_path))
    assert code == 0, err
    names = marker_names(out_path.read_text(encoding="utf-8"))
    for expected in ("Kyiv", "Kharkiv", "Mariupol", "Kherson", "Borodyanka"):
        assert expected in names


@pytest.mark.usefixtures("gazetteer")
def test_jsonl_bad_line_is_reported_and_the_rest_still_counts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "feed.jsonl"
    p.write_text(
        json.dumps({"id": "1", "date": "2022-03-05", "text": "Russian shelling struck Kharkiv overnight."})
        + "\n{broken\n"
        + json.dumps({"id": "3", "date": "2022-03-06", "text": "Talks were held in Istanbul, Turkey."})
        + "\n", encoding="utf-8")
    code, out, err = run(capsys, "places", str(p))
    assert code == 0
    assert f"{p}:2: invalid JSON" in err
    names = {pl["name"] for pl in json.loads(out)}
    assert {"Kharkiv", "Istanbul"} <= names


@pytest.mark.usefixtures("gazetteer")
def test_extract_offsets_index_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "date 2022-03-04\r\nShells fell on Mariupol.\r\n\r\nCrowds fled Kharkiv — by train.\r\n"
    p = tmp_path / "crlf.txt"
    p.write_bytes(text.encode("utf-8"))
    code, out, err = run(capsys, "extract", str(p))
    assert code == 0, err
    recs = [json.loads(line) for line in out.splitlines()]
    assert {r["name"] for r in recs} >= {"Mariupol", "Kharkiv"}
    for r in recs:
        assert text[r["start"]:r["end"]] == r["text"]
        assert r["source"] == r["doc_id"] == str(p)


@pytest.mark.usefixtures("gazetteer")
def test_stdin_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    fake = io.TextIOWrapper(io.BytesIO(b"Explosions were heard in Odesa."), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, err = run(capsys, "extract", "-")
    assert code == 0, err
    [rec] = [json.loads(line) for line in out.splitlines()]
    assert rec["name"] == "Odesa" and rec["source"] == "-" and rec["country"] == "UA"


def test_python_m_sitmap_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "sitmap", "--help"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and "Usage: sitmap" in proc.stdout
