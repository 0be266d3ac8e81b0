"""The opt-in online fallback, through geopy's real Nominatim code against a local server."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from sitmap.gazetteer import Gazetteer
from sitmap.gazetteer.online import USER_AGENT, OnlineGeocoder
from sitmap.model import Kind

ANSWER = [{
    "place_id": 4242, "licence": "test data", "osm_type": "node", "osm_id": 1,
    "lat": "46.9481", "lon": "7.4474", "class": "place", "type": "village",
    "addresstype": "village", "name": "Zyxwvuberg", "importance": 0.4,
    "display_name": "Zyxwvuberg, Bern, Switzerland",
    "address": {"village": "Zyxwvuberg", "state": "Bern", "country": "Switzerland",
                "country_code": "ch"},
}]


class _Nominatim(BaseHTTPRequestHandler):
    """Answers /search like Nominatim's JSON API; some names misbehave on purpose."""

    requests: list[tuple[float, str, dict[str, list[str]]]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        query = parse_qs(url.query)
        type(self).requests.append((time.monotonic(), self.headers.get("User-Agent", ""), query))
        q = query.get("q", [""])[0]
        if q == "Slowtown":
            time.sleep(1.5)  # longer than the client's timeout
        if q == "Errorville":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"internal error")
            return
        body = json.dumps(ANSWER if q == "Zyxwvuberg" else []).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and hung up

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def local_gaz(gazetteer, tmp_path, server):
    """The real cache with a private user table and the online fallback on the local server."""
    online = OnlineGeocoder(domain=server, scheme="http", timeout=0.5, min_delay_seconds=0.2)
    gaz = Gazetteer(gazetteer.path, gazetteer._con, user_path=tmp_path / "user.sqlite",
                    online=online)
    return gaz


def test_online_answer_is_parsed_and_cached_for_offline_use(local_gaz, gazetteer, tmp_path):
    assert local_gaz.lookup("Zyxwvuberg") == []
    _Nominatim.requests.clear()
    found = local_gaz.lookup_online("Zyxwvuberg", country="CH")
    assert len(found) == 1
    place = found[0].place
    assert (place.name, place.kind, place.country) == ("Zyxwvuberg", Kind.VILLAGE, "CH")
    assert place.lat == pytest.approx(46.9481)
    # geopy sent a real User-Agent and the country restriction.
    _, agent, query = _Nominatim.requests[-1]
    assert agent == USER_AGENT and agent.startswith("sitmap/")
    assert query["countrycodes"] == ["ch"]
    # The answer now comes from the user table without the network.
    offline = Gazetteer(gazetteer.path, gazetteer._con, user_path=tmp_path / "user.sqlite")
    top = offline.lookup("Zyxwvuberg")[0]
    assert top.place.name == "Zyxwvuberg" and "user entry" in top.reasons


def test_timeout_is_a_warning_not_a_crash(local_gaz, caplog):
    with caplog.at_level(logging.WARNING, logger="sitmap.gazetteer.online"):
        assert local_gaz.lookup_online("Slowtown") == []
    assert any("failed" in r.getMessage() for r in caplog.records)


def test_service_error_is_a_warning_not_a_crash(local_gaz, caplog):
    with caplog.at_level(logging.WARNING, logger="sitmap.gazetteer.online"):
        assert local_gaz.lookup_online("Errorville") == []
    assert any("Errorville" in r.getMessage() for r in caplog.records)


def test_requests_are_rate_limited(server):
    online = OnlineGeocoder(domain=server, scheme="http", timeout=2, min_delay_seconds=0.5)
    _Nominatim.requests.clear()
    for _ in range(3):
        online.geocode("Nowhere-at-all")
    times = [t for t, _, _ in _Nominatim.requests]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.45


def test_no_geocoder_configured_means_no_network(gazetteer):
    assert gazetteer.online is None
    assert gazetteer.lookup_online("Zyxwvuberg") == []


def test_cli_online_flag_uses_the_configured_service(server, tmp_path, gazetteer, monkeypatch):
    from click.testing import CliRunner

    from sitmap.cli.gazetteer import cli

    cache = tmp_path / "g.sqlite"
    cache.symlink_to(gazetteer.path)
    monkeypatch.setenv("SITMAP_GEOCODER_DOMAIN", server)
    monkeypatch.setenv("SITMAP_GEOCODER_SCHEME", "http")
    res = CliRunner().invoke(cli, ["lookup", "Zyxwvuberg", "--online", "--format", "json",
                                   "--gazetteer", str(cache)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["name"] == "Zyxwvuberg"
    # Without --online nothing is asked, but the cached answer is found offline.
    _Nominatim.requests.clear()
    res = CliRunner().invoke(cli, ["lookup", "Zyxwvuberg", "--format", "json",
                                   "--gazetteer", str(cache)])
    assert json.loads(res.output)[0]["name"] == "Zyxwvuberg"
    assert _Nominatim.requests == []
