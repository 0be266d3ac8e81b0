"""Run safety: the lock between concurrent runs, and failed writes that keep the old map.

Tests run as root, so a read-only directory would not stop them; the failing
writes here are ones root cannot get around: a full disk simulated with
``RLIMIT_FSIZE`` in the child, and an output directory that is a regular file.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from test_run import (
    EPOCH,
    KHARKIV_SHELLED,
    KHERSON_CLAIMED,
    MARIUPOL,
    ROOT,
    last_json,
    sitmap_run,
    write_config,
)

from sitmap.errors import LockedError
from sitmap.runjob import EXIT_LOCKED, RunLock, load_config
from sitmap.store import Store


def start_run(cfg: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sitmap", "-q", "run", "--config", str(cfg), "--format", "json",
         *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
        env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH),
    )


def test_second_run_reports_locked(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    (tmp_path / "articles" / "a.txt").write_text(KHARKIV_SHELLED, encoding="utf-8")
    lock_path = load_config(cfg).lock_path
    with RunLock(lock_path):
        # Another process: the lock is the kernel's, not a flag in our memory.
        proc = sitmap_run(cfg, "--format", "json")
        assert proc.returncode == EXIT_LOCKED
        assert "another run is in progress" in proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert proc.stdout == ""
        with pytest.raises(LockedError):
            with RunLock(lock_path):
                pass
        # --wait with a deadline gives up with the same code.
        waited = sitmap_run(cfg, "--wait", "--wait-timeout", "0.5")
        assert waited.returncode == EXIT_LOCKED and "still held" in waited.stderr
    assert not (tmp_path / "public" / "map.html").exists()
    after = sitmap_run(cfg, "--format", "json")
    assert after.returncode == 0 and last_json(after.stdout)["new"] == 1


def test_two_runs_started_together_do_not_overlap(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    for i, text in enumerate((KHARKIV_SHELLED, KHERSON_CLAIMED, MARIUPOL)):
        (tmp_path / "articles" / f"a{i}.txt").write_text(text, encoding="utf-8")
    # Without --wait one of two simultaneous runs may find the lock taken
    # (exit 3) or start after the other ended (exit 0, nothing new).
    a, b = start_run(cfg), start_run(cfg)
    results = [(p.wait(timeout=300), p.communicate()) for p in (a, b)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, EXIT_LOCKED])
    news = sorted(last_json(out)["new"] for code, (out, _) in results if code == 0)
    assert news[-1] == 3 and sum(news) == 3  # the articles were taken exactly once

    # With --wait both complete, one after the other.
    (tmp_path / "articles" / "late.txt").write_text(
        KHARKIV_SHELLED.replace("overnight", "again on Thursday"), encoding="utf-8")
    a, b = start_run(cfg, "--wait"), start_run(cfg, "--wait")
    outs = [p.communicate(timeout=300)[0] for p in (a, b)]
    assert [p.returncode for p in (a, b)] == [0, 0]
    assert sorted(last_json(o)["new"] for o in outs) == [0, 1]
    with Store.open(load_config(cfg).store) as store:
        runs = sorted(store.runs(), key=lambda r: r["id"])
        assert store.integrity_check() == []
    ok = [r for r in runs if r["state"] == "ok"]
    assert len(ok) >= 3
    for earlier, later in zip(ok, ok[1:], strict=False):
        assert earlier["finished"] <= later["started"]


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG
        # instead of killing the child: a full disk, as far as it can tell.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_keeps_previous_map(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    arts = tmp_path / "articles"
    (arts / "a.txt").write_text(KHARKIV_SHELLED, encoding="utf-8")
    first = sitmap_run(cfg, "--format", "json")
    assert first.returncode == 0, first.stderr
    map_path = tmp_path / "public" / "map.html"
    v1 = map_path.read_bytes()

    (arts / "b.txt").write_text(KHERSON_CLAIMED, encoding="utf-8")
    store_files = [p for p in (tmp_path / "state").iterdir() if p.is_file()]
    # The store's writes of this run stay well below the limit; the new map,
    # larger than the old one, does not fit.
    limit = len(v1) * 3 // 4
    assert max(p.stat().st_size for p in store_files) < limit // 2
    proc = subprocess.run(
        [sys.executable, "-m", "sitmap", "-q", "run", "--config", str(cfg), "--format", "json"],
        capture_output=True, text=True, cwd=str(ROOT), timeout=300,
        env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH), preexec_fn=_limit_file_size(limit),
    )
    assert proc.returncode == 1, proc.stderr
    assert "map.html" in proc.stderr and "Traceback" not in proc.stderr
    assert map_path.read_bytes() == v1
    assert [p.name for p in map_path.parent.iterdir()] == ["map.html"]  # no temp file left

    with Store.open(load_config(cfg).store) as store:
        assert store.integrity_check() == []
        assert store.runs()[0]["state"] == "error"
        assert store.dirty_places()  # the change is still to be published

    # Space again: the next run publishes, and still reports the change.
    again = sitmap_run(cfg, "--format", "json")
    assert again.returncode == 0, again.stderr
    summary = last_json(again.stdout)
    assert summary["new"] == 0 and summary["published"] == ["public/map.html"]
    assert any(c["name"] == "Kherson" and c["kind"] == "new" for c in summary["changes"])
    assert map_path.read_bytes() != v1


def test_output_directory_is_a_file(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, output='map = "public/maps/map.html"')
    (tmp_path / "articles" / "a.txt").write_text(MARIUPOL, encoding="utf-8")
    (tmp_path / "public").write_text("not a directory", encoding="utf-8")
    proc = sitmap_run(cfg, "--format", "json")
    assert proc.returncode == 1
    assert proc.stderr.startswith("sitmap: error: cannot write") and proc.stderr.count("\n") == 1
    assert (tmp_path / "public").read_text(encoding="utf-8") == "not a directory"


def test_every_survives_a_locked_tick(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    (tmp_path / "articles" / "a.txt").write_text(MARIUPOL, encoding="utf-8")
    with RunLock(load_config(cfg).lock_path):
        proc = start_run(cfg, "--every", "1s", "--runs", "2")
        assert proc.stderr is not None
        # Held until the loop has met the lock once.
        first_err = proc.stderr.readline()
    assert "trying again at the next interval" in first_err
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    assert [x["new"] for x in lines] == [1]
