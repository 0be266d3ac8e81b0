"""Embedded maps in a real browser: two on one page, no style leaks, resizing with the container.

Headless Chromium opens a report page from ``file://`` with every network request blocked and
recorded.  Without Chromium these tests skip, except under CI where they fail (conftest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_samples import hostile_reports, seed_reports

from sitmap.embed import embed_fragment, iframe_fragment, write_embed

pytestmark = pytest.mark.browser

GENERATED = "2022-03-03T12:00:00Z"

# Elements of the host page whose look must not change when maps are pasted into it.
HOST_PROBES = ["body", "h1", "p.host", "ul.host li", "table.host td", "button.host", "div.host"]
STYLE_PROPS = ["font-family", "font-size", "color", "background-color", "margin-top",
               "padding-left", "box-sizing", "line-height", "border-top-width", "display",
               "list-style-type"]


def host_page(*fragments: str, widths: tuple[int, ...] = ()) -> str:
    boxes = "".join(
        f'<div id="c{i}" style="width:{w}px">{frag}</div><p class="host">After map {i}.</p>'
        for i, (frag, w) in enumerate(zip(fragments, widths, strict=True), start=1)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>A report</title>"
        "<style>body{font-family:Georgia,serif;margin:8px}p.host{color:rgb(10,20,30)}</style>"
        "</head><body><h1>Report</h1><p class='host'>Intro.</p>"
        "<ul class='host'><li>one</li></ul><table class='host'><tr><td>cell</td></tr></table>"
        "<button class='host'>host button</button><div class='host'>plain div</div>"
        f"{boxes}</body></html>"
    )


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from sitmap.browser import chromium_args

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=chromium_args())
        yield b
        b.close()


class Opened:
    def __init__(self, page: Any, requests: list[str], problems: list[str]) -> None:
        self.page, self.requests, self.problems = page, requests, problems


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    contexts = []

    def _open(page_html: str, name: str = "report.html", ready: bool = True) -> Opened:
        path = tmp_path / name
        path.write_text(page_html, encoding="utf-8")
        # offline: the browser reports no connection, as on a ship or behind a firewall, so
        # the map must not even try its online tiles; the route records any request anyway.
        ctx = browser.new_context(viewport={"width": 1000, "height": 900}, offline=True)
        contexts.append(ctx)
        requests: list[str] = []
        problems: list[str] = []

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:", "blob:")):
                r.continue_()
            else:
                requests.append(url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(path.as_uri())
        if ready:
            page.wait_for_function("window.sitmapReady === true", timeout=20_000)
        return Opened(page, requests, problems)

    yield _open
    for ctx in contexts:
        ctx.close()


DRAWN = """
(p) => {
  const v = SitmapMap.maps[p], size = v.map.getSize();
  // A marker counts as drawn when its shape has a path on screen ("M0 0" is Leaflet's empty
  // path for a shape outside the view) or when it sits inside a cluster icon.
  const drawn = v.d.p.map((pl, i) => [pl[0], v.markers[i]._path])
    .filter(([, path]) => path && path.isConnected && path.getAttribute('d') !== 'M0 0')
    .map(([name]) => name);
  let clustered = 0;
  document.querySelectorAll('#' + p + '-map .' + p + '-cl').forEach(c => clustered += +c.textContent);
  return {ready: document.getElementById(p).dataset.ready, drawn: drawn, clustered: clustered,
          rows: document.querySelectorAll('#' + p + '-table tbody tr').length,
          w: size.x, h: size.y};
}
"""


def conflict_names(reports: list[Any]) -> set[str]:
    return {r.place.name for r in reports if r.is_conflict}


def computed(page: Any) -> dict[str, list[str]]:
    return page.evaluate(
        """([sels, props]) => Object.fromEntries(sels.map(s => [s,
             props.map(p => getComputedStyle(document.querySelector(s)).getPropertyValue(p))]))""",
        [HOST_PROBES, STYLE_PROPS],
    )


def test_two_embedded_maps_render_without_leaking_styles(open_page: Any) -> None:
    first = seed_reports()
    second = first[:3] + hostile_reports()
    a = embed_fragment(first, prefix="one", title="First map", generated_at=GENERATED)
    b = embed_fragment(second, prefix="two", title="Second map", generated_at=GENERATED,
                       aspect=(16, 9))
    opened = open_page(host_page(a, b, widths=(700, 480)))
    page = opened.page

    one, two = page.evaluate(DRAWN, "one"), page.evaluate(DRAWN, "two")
    assert one["ready"] == two["ready"] == "1"
    # Every conflict place is drawn in its own map (the view opens on them; far-away context
    # such as Beijing may lie outside it), and every place is listed in that map's table.
    assert one["clustered"] == two["clustered"] == 0
    assert set(one["drawn"]) >= conflict_names(first)
    assert set(two["drawn"]) == conflict_names(second)
    assert (one["rows"], two["rows"]) == (len(first), len(second))
    # each map takes its container's width and its own aspect ratio
    assert one["w"] == 700 and one["h"] == pytest.approx(700 * 2 / 3, abs=2)
    assert two["w"] == 480 and two["h"] == pytest.approx(480 * 9 / 16, abs=2)
    # the second fragment did not load a second Leaflet under the first map
    assert page.evaluate("SitmapMap.maps.one.map instanceof L.Map")

    # The host page looks exactly as it does without the maps.
    plain = open_page(host_page("", "", widths=(700, 480)), name="plain.html", ready=False)
    assert computed(page) == computed(plain.page)

    # The summary is the figure's accessible description.
    desc = page.evaluate(
        "document.getElementById(document.getElementById('one-embed')"
        ".getAttribute('aria-describedby')).textContent")
    assert "Kherson captured, claimed by Russia's forces and not yet verified" in desc

    # Hostile article text stayed text; nothing ran, nothing was fetched, nothing failed.
    assert page.evaluate("window.__pwned") is None
    assert opened.requests == []
    assert opened.problems == []


def test_map_resizes_with_its_container(open_page: Any) -> None:
    frag = embed_fragment(seed_reports(), prefix="rs", generated_at=GENERATED)
    page = open_page(host_page(frag, widths=(800,))).page
    assert page.evaluate(DRAWN, "rs")["w"] == 800
    # No window resize happens here: only the container changes, as when a sidebar opens.
    page.evaluate("document.getElementById('c1').style.width = '420px'")
    page.wait_for_function("SitmapMap.maps.rs.map.getSize().x === 420", timeout=5_000)
    size = page.evaluate(DRAWN, "rs")
    assert size["h"] == pytest.approx(420 * 2 / 3, abs=2)
    # and the markers are still drawn after the resize
    assert set(size["drawn"]) >= conflict_names(seed_reports())


def test_fixed_height_option(open_page: Any) -> None:
    frag = embed_fragment(seed_reports(), prefix="fh", height="333px", generated_at=GENERATED)
    size = open_page(host_page(frag, widths=(600,))).page.evaluate(DRAWN, "fh")
    assert (size["w"], size["h"]) == (600, 333)


def test_iframe_variant_shows_the_standalone_map_and_resizes(open_page: Any,
                                                              tmp_path: Path) -> None:
    out = write_embed(seed_reports(), tmp_path / "embed.html", iframe=True, prefix="ifr",
                      title="Iframe map", generated_at=GENERATED, image="map.png")
    fragment = out.read_text(encoding="utf-8")
    assert re.search(r'<iframe src="embed\.map\.html"', fragment)
    assert (tmp_path / "embed.map.html").is_file()
    assert '<noscript><img src="map.png" alt="9 places' in fragment
    opened = open_page(host_page(fragment, widths=(640,)), ready=False)
    page = opened.page
    frame = page.frame_locator("#ifr-embed iframe")
    frame.locator("#sitmap[data-ready='1']").wait_for(timeout=20_000)
    box = page.locator("#ifr-embed iframe").bounding_box()
    assert box["width"] == 640 and box["height"] == pytest.approx(640 * 2 / 3, abs=2)
    page.evaluate("document.getElementById('c1').style.width = '400px'")
    inner = page.frames[1]
    inner.wait_for_function("SitmapMap.maps.sitmap.map.getSize().x === 400", timeout=5_000)
    assert opened.requests == [] and opened.problems == []


def test_iframe_fragment_escapes_its_source() -> None:
    frag = iframe_fragment(seed_reports(), 'x.html" onload="alert(1)', prefix="e")
    assert 'onload="alert' not in frag
    assert 'src="x.html&quot; onload=&quot;alert(1)"' in frag


def test_cli_embed_of_the_seed_article(open_page: Any, seed_path: Path, tmp_path: Path) -> None:
    from sitmap.cli.main import main

    out = tmp_path / "seed-embed.html"
    assert main(["-q", "embed", str(seed_path), "-o", str(out), "--id", "seed",
                 "--generated-at", GENERATED]) == 0
    opened = open_page(host_page(out.read_text(encoding="utf-8"), widths=(720,)))
    drawn = opened.page.evaluate(DRAWN, "seed")
    assert {"Kherson", "Mariupol", "Kyiv", "Kharkiv"} <= set(drawn["drawn"])
    assert drawn["w"] == 720
    assert opened.requests == [] and opened.problems == []
