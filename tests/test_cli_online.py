"""``--online`` on the command line reaches the configured geocoder, and nothing else does.

A real HTTP server on 127.0.0.1 answers in Nominatim's JSON format, so geopy's
own request and parsing code runs end to end through ``sitmap extract``.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from sitmap.cli.main import main

TEXT = "Shelling hit the settlement of Qorvindale near Donetsk overnight.\n"


class _Handler(BaseHTTPRequestHandler):
    queries: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        q = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        type(self).queries.append(q)
        answer = [{"place_id": 1, "osm_type": "node", "osm_id": 1, "lat": "48.5", "lon": "35.25",
                   "class": "place", "type": "village", "addresstype": "village",
                   "name": "Qorvindale", "display_name": "Qorvindale, Somewhere",
                   "address": {"village": "Qorvindale", "country_code": "ua"}}]
        body = json.dumps(answer if q == "Qorvindale" else []).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def nominatim(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("SITMAP_GEOCODER", "nominatim")
    monkeypatch.setenv("SITMAP_GEOCODER_DOMAIN", f"127.0.0.1:{srv.server_address[1]}")
    monkeypatch.setenv("SITMAP_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("SITMAP_GEOCODER_TIMEOUT", "5")
    _Handler.queries.clear()
    yield _Handler.queries
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def private_cache(gazetteer, tmp_path: Path) -> Path:
    # A copy, so that the answer cached by the online run lands beside the
    # copy and not in the cache every other test shares.
    copy = tmp_path / "gaz.sqlite"
    shutil.copyfile(gazetteer.path, copy)
    return copy


def _extract(capsys: pytest.CaptureFixture[str], article: Path, cache: Path,
             *extra: str) -> list[dict]:
    code = main(["extract", str(article), "--gazetteer", str(cache), *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_online_only_when_asked_and_then_cached(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], nominatim: list[str],
        private_cache: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(TEXT, encoding="utf-8")

    offline = _extract(capsys, article, private_cache)
    rec = next(r for r in offline if r["text"] == "Qorvindale")
    assert rec["lat"] is None  # recognised by "the village of", but unknown offline
    assert nominatim == []     # and nothing was asked without --online

    online = _extract(capsys, article, private_cache, "--online")
    rec = next(r for r in online if r["text"] == "Qorvindale")
    assert (rec["lat"], rec["lon"]) == (48.5, 35.25)
    assert "Qorvindale" in nominatim

    # The answer was cached: the next offline run knows the place without asking.
    nominatim.clear()
    again = _extract(capsys, article, private_cache)
    rec = next(r for r in again if r["text"] == "Qorvindale")
    assert (rec["lat"], rec["lon"]) == (48.5, 35.25)
    assert nominatim == []
