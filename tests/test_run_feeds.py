"""Feed sources against a local HTTP server on 127.0.0.1: RSS, Atom, 304s, network off."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sitmap.runjob import feed_articles, load_config, run
from sitmap.store import Store

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>http://127.0.0.1/</link>
<description>test</description>
<item><title>Kharkiv shelled</title><link>http://127.0.0.1/news/1</link>
<guid>http://127.0.0.1/news/1</guid><pubDate>Thu, 03 Mar 2022 08:00:00 GMT</pubDate>
<description>&lt;p&gt;Russian artillery shelled Kharkiv overnight.&lt;/p&gt;</description></item>
<item><title>Mariupol</title><link>http://127.0.0.1/news/2</link>
<guid>http://127.0.0.1/news/2</guid><pubDate>Thu, 03 Mar 2022 09:00:00 GMT</pubDate>
<description>Mariupol was encircled by Russian forces, the interior ministry said.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<id>urn:test:atom</id><updated>2022-03-02T10:00:00Z</updated>
<entry><title>Kherson</title><id>urn:test:atom:1</id>
<link href="http://127.0.0.1/atom/1"/><updated>2022-03-02T10:00:00Z</updated>
<content type="html">&lt;p&gt;Russia's defence ministry claimed that its forces had captured Kherson.&lt;/p&gt;</content>
</entry></feed>
"""

LAST_MODIFIED = formatdate(1646300000, usegmt=True)


class FeedServer:
    """Serves /rss.xml (ETag) and /atom.xml (Last-Modified); answers 304 when asked right."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.bodies = {"/rss.xml": RSS, "/atom.xml": ATOM}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.requests.append((self.path, dict(self.headers.items())))
                body = owner.bodies.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
                if self.path == "/rss.xml" and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                if self.path == "/atom.xml" and self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                    self.send_response(304)
                    self.end_headers()
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                if self.path == "/rss.xml":
                    self.send_header("ETag", etag)
                else:
                    self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 0.2
        self.port = self.httpd.server_address[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # A bounded loop: at most 100 requests, and it ends when the test does.
        while not self._stop.is_set() and len(self.requests) < 100:
            self.httpd.handle_request()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def feed_config(tmp: Path, server: FeedServer, network: bool) -> Path:
    cfg = tmp / "feeds.toml"
    cfg.write_text(
        'store = "state/s.db"\n'
        f"network = {'true' if network else 'false'}\n"
        "feed_timeout = 10\n"
        f'[[source]]\nurl = "{server.url("/rss.xml")}"\n'
        f'[[source]]\nurl = "{server.url("/atom.xml")}"\n'
        '[output]\nmap = "public/map.html"\n',
        encoding="utf-8",
    )
    return cfg


def test_feed_entries_become_articles() -> None:
    items = list(feed_articles(RSS.encode(), "http://127.0.0.1/rss.xml"))
    arts = [i.article for i in items]
    assert all(a is not None for a in arts)
    first = arts[0]
    assert first is not None
    assert first.url == "http://127.0.0.1/news/1" and first.outlet == "Test Wire"
    assert str(first.date) == "2022-03-03"
    assert "Russian artillery shelled Kharkiv overnight." in first.text
    assert "<p>" not in first.text
    atom = [i.article for i in feed_articles(ATOM.encode(), "http://127.0.0.1/atom.xml")]
    assert atom[0] is not None and "captured Kherson" in atom[0].text
    assert str(atom[0].date) == "2022-03-02"


def test_network_off_fetches_nothing(tmp_path: Path, server: FeedServer,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646300000")
    cfg = load_config(feed_config(tmp_path, server, network=False))
    s = run(cfg)
    assert s.feeds_skipped == 2
    assert (s.new, s.failed, s.source_errors) == (0, 0, [])
    assert server.requests == []


def test_feeds_conditional_requests(tmp_path: Path, server: FeedServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646300000")
    cfg = load_config(feed_config(tmp_path, server, network=True))
    first = run(cfg)
    assert (first.new, first.failed, first.source_errors) == (3, 0, [])
    assert first.published == ["public/map.html"]
    assert [p for p, _ in server.requests] == ["/rss.xml", "/atom.xml"]
    assert "If-None-Match" not in server.requests[0][1]

    server.requests.clear()
    second = run(cfg)
    # Both feeds answered 304: nothing parsed, nothing new, nothing republished.
    assert (second.new, second.changed, second.unchanged) == (0, 0, 0)
    assert second.published == []
    rss_headers, atom_headers = server.requests[0][1], server.requests[1][1]
    assert rss_headers.get("If-None-Match", "").startswith('"')
    assert atom_headers.get("If-Modified-Since") == LAST_MODIFIED

    # The feed changes: its validator no longer matches, the edited entry is
    # a changed article (same url), the other one unchanged.
    server.bodies["/rss.xml"] = RSS.replace("shelled Kharkiv overnight",
                                            "shelled Kharkiv and Kyiv overnight")
    server.requests.clear()
    third = run(cfg)
    assert (third.new, third.changed, third.unchanged) == (0, 1, 1)
    with Store.open(cfg.store) as store:
        assert store.count_articles() == 3
        assert store.integrity_check() == []


def test_unreachable_feed_is_a_source_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646300000")
    with FeedServer() as s:
        dead = s.url("/rss.xml")
    # The server is closed now: the port refuses connections.
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'store = "s.db"\nnetwork = true\nfeed_timeout = 5\n[[source]]\nurl = "{dead}"\n'
                   '[output]\nmap = "m.html"\n', encoding="utf-8")
    summary = run(load_config(cfg))
    assert summary.exit_code == 4
    assert len(summary.source_errors) == 1 and dead in summary.source_errors[0]
