"""The situation map in a real headless Chromium, opened from file:// with the network off.

Every test blocks all requests that are not file: or data: and records any
attempt; the browser context is also offline, as a laptop on a ship would be.
Set SITMAP_SCREENSHOT=path to keep the screenshot the first test takes (the
README's picture); it is always written under the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_render import (
    ART1,
    ART2,
    GENERATED,
    KHERSON_QUOTE,
    MARIUPOL_QUOTE,
    XSS_NAME,
    XSS_QUOTE,
    hostile_reports,
    sample_reports,
)

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Session:
    """One page plus everything it tried to do behind our back."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.console_errors == []
        assert self.requests == []
        assert self.dialogs == []


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from sitmap.browser import chromium_args

    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=chromium_args())
        yield b
        b.close()


@pytest.fixture
def open_map(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(path: Path, *, offline: bool = True, width: int = 1200, height: int = 800,
               allow: tuple[str, ...] = ()) -> Session:
        ctx = browser.new_context(viewport={"width": width, "height": height}, offline=offline)
        contexts.append(ctx)
        page = ctx.new_page()
        s = Session(page)
        page.on("console", lambda m: s.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: s.console_errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            s.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                if not url.startswith(allow):
                    s.requests.append(url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_function("window.sitmapReady === true", timeout=30_000)
        return s

    yield opener
    for c in contexts:
        c.close()


def _write(tmp_path: Path, reports: list, name: str = "map.html", **opts: Any) -> Path:
    from sitmap.render import write_map

    opts.setdefault("generated_at", GENERATED)
    opts.setdefault("articles", [ART1, ART2])
    return write_map(reports, tmp_path / name, title="Ukraine, 1-3 March 2022", **opts)


def _place_index(page: Any, name: str) -> int:
    return page.evaluate("n => SitmapMap.maps.sitmap.d.p.findIndex(p => p[0] === n)", name)


def _marker_centre(page: Any, name: str) -> tuple[float, float]:
    """Centre the map on a place and return its symbol's position on screen."""
    i = _place_index(page, name)
    page.evaluate(
        "i => { const v = SitmapMap.maps.sitmap, p = v.d.p[i]; v.map.closePopup();"
        " v.map.setView([p[1], p[2]], 7, {animate: false}); }", i)
    page.wait_for_timeout(50)
    box = page.evaluate(
        "i => { const r = SitmapMap.maps.sitmap.markers[i]._path.getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; }", i)
    return box[0], box[1]


def _click_marker(page: Any, name: str) -> None:
    """Click a place's symbol with the mouse, where a person would."""
    x, y = _marker_centre(page, name)
    page.mouse.click(x, y)


def _count(page: Any, selector: str) -> int:
    return int(page.eval_on_selector_all(selector, "e => e.length"))


def _settled(page: Any, expr: str, polls: int = 4) -> Any:
    """The value of the JavaScript *expr* once the map has stopped redrawing.

    A fixed sleep after a view change is too short on a loaded machine, where
    markercluster's timers fire late: wait until no cluster animation runs and
    *expr* has kept its value for *polls* polls in a row (100 ms apart).
    """
    page.evaluate("() => { window.__sitmapSettle = {v: undefined, n: 0}; }")
    page.wait_for_function(
        "() => { const s = window.__sitmapSettle;"
        " if (document.querySelector('.leaflet-cluster-anim')) { s.n = 0; return false; }"
        f" const v = JSON.stringify({expr});"
        " if (v === s.v) { s.n += 1; } else { s.v = v; s.n = 0; }"
        f" return s.n >= {polls}; }}",
        polling=100,
        timeout=20_000,
    )
    return page.evaluate(f"() => {expr}")


def test_markers_legend_popup_offline(tmp_path: Path, open_map: Any) -> None:
    path = _write(tmp_path, sample_reports(), cluster=False)
    s = open_map(path)
    page = s.page
    # One symbol per place, each classed by its headline status and epistemic value.
    assert _count(page, "path.sitmap-mk") == 9
    assert _count(page, "path.sitmap-s-captured.sitmap-e-claimed") == 1  # Kherson, a claim
    assert _count(page, "path.sitmap-s-encircled") == 1
    assert _count(page, "path.sitmap-ring") == 1  # Mariupol's ring
    assert _count(page, "path.sitmap-line") == 1  # the border
    assert _count(page, "path.sitmap-area") == 3  # Poland, Belarus, the border: approximate
    # Hollow for a claim, filled for a confirmed report.
    kherson = page.get_attribute("path.sitmap-s-captured", "fill-opacity")
    kharkiv = page.get_attribute("path.sitmap-s-struck.sitmap-e-confirmed", "fill-opacity")
    assert float(kherson) < 0.5 < float(kharkiv)

    # The legend explains the symbols used, and only those.
    legend = page.locator(".sitmap-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    for label in ("Captured", "Encircled", "Claimed by a party", "Dashed ring", "approximate"):
        assert label.lower() in text.lower()
    assert "Recaptured" not in text and "Civilians harmed" not in text
    assert "Denied" not in text and "dotted" not in text

    # The view opens on the theatre in Ukraine, not on Beijing.
    centre = page.evaluate("(() => { const c = SitmapMap.maps.sitmap.map.getCenter();"
                           " return [c.lat, c.lng]; })()")
    assert 45 < centre[0] < 52 and 28 < centre[1] < 39

    # Popup: every assertion, newest first, with quote, claimant, caveat and source link.
    _click_marker(page, "Kherson")
    popup = page.locator(".sitmap-popup")
    popup.wait_for(state="visible")
    items = popup.locator("li.sitmap-as")
    assert items.count() == 2
    first = items.nth(0).inner_text()
    assert KHERSON_QUOTE in first and "Russia's forces" in first
    assert "could not be independently verified" in first and "2022-03-03" in first
    assert "Control unclear" in items.nth(1).inner_text()
    assert popup.locator("a").first.get_attribute("href") == "https://example.org/news/a2"

    _click_marker(page, "Mariupol")
    page.wait_for_function("document.querySelector('.sitmap-popup h3').textContent === 'Mariupol'")
    assert MARIUPOL_QUOTE in page.locator(".sitmap-popup").inner_text()

    # Hovering shows the name and the headline.
    page.mouse.move(5, 400)
    x, y = _marker_centre(page, "Kharkiv")
    page.mouse.move(x, y)
    page.wait_for_function("(document.querySelector('.sitmap-tt') || {}).textContent"
                           " === 'Kharkiv \u2014 Struck (shelling, missiles, air strikes), confirmed'")

    shot = tmp_path / "screenshot.png"
    page.evaluate("() => { SitmapMap.maps.sitmap.home(); }")
    page.evaluate("() => { SitmapMap.maps.sitmap.openPopup(SitmapMap.maps.sitmap.d.p"
                  ".findIndex(p => p[0] === 'Kherson')); }")
    # Let the popup's fade-in finish so the picture shows it fully opaque.
    page.wait_for_timeout(500)
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    target = os.environ.get("SITMAP_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)
    s.clean()


def test_status_toggle_and_time_slider(tmp_path: Path, open_map: Any) -> None:
    s = open_map(_write(tmp_path, sample_reports(), cluster=False))
    page = s.page
    struck = _count(page, "path.sitmap-s-struck")
    assert struck == 2  # Kharkiv (confirmed) and Kyiv (claimed)
    page.locator(".sitmap-legend input[value=struck]").uncheck()
    assert _count(page, "path.sitmap-s-struck") == 0
    assert _count(page, "path.sitmap-mk") == 7
    page.locator(".sitmap-legend input[value=struck]").check()
    assert _count(page, "path.sitmap-s-struck") == 2

    # Back to 1 March: the 3 March reports vanish and headlines fall back.
    slider = page.locator("#sitmap-range")
    assert slider.is_visible()
    slider.focus()
    page.keyboard.press("Home")
    assert page.locator(".sitmap-slider label").inner_text() == "Situation as of 2022-03-01"
    assert _count(page, "path.sitmap-mk") == 5  # Mariupol, Poland, Beijing, the border hidden
    assert _count(page, "path.sitmap-s-encircled") == 0
    assert _count(page, "path.sitmap-s-captured") == 0
    assert _count(page, "path.sitmap-s-unknown.sitmap-e-disputed") == 1  # Kherson, unclear
    assert _count(page, "path.sitmap-s-held") == 1  # Kyiv under control on 1 March
    page.keyboard.press("End")
    assert _count(page, "path.sitmap-mk") == 9
    assert _count(page, "path.sitmap-s-captured") == 1
    s.clean()


def test_table_view_sorts_and_locates(tmp_path: Path, open_map: Any) -> None:
    s = open_map(_write(tmp_path, sample_reports(), cluster=False))
    page = s.page
    table = page.locator("#sitmap-table table")
    assert table.locator("tbody tr").count() == 9
    page.locator("#sitmap-table button[data-key=name]").click()
    names = page.locator("#sitmap-table tbody th").all_inner_texts()
    assert names == sorted(names)
    assert page.get_attribute("#sitmap-table th:has(button[data-key=name])", "aria-sort") == \
        "ascending"
    page.locator("#sitmap-table button[data-key=name]").click()
    assert page.locator("#sitmap-table tbody th").all_inner_texts() == sorted(names, reverse=True)
    # A row's button takes a keyboard user to the place and opens its popup.
    page.locator("#sitmap-table button.sitmap-go", has_text="Mariupol").click()
    page.wait_for_function("document.querySelector('.sitmap-popup h3').textContent === 'Mariupol'")
    # The sources are listed with their links.
    src = page.locator("#sitmap-srclist a")
    assert src.count() == 2
    assert src.nth(0).get_attribute("href") == "https://example.org/news/a1"
    s.clean()


def test_clustering_keeps_every_place(tmp_path: Path, open_map: Any) -> None:
    s = open_map(_write(tmp_path, sample_reports()))
    page = s.page
    page.evaluate("() => { SitmapMap.maps.sitmap.map.setView([45, 60], 2, {animate: false}); }")
    singles, counts = _settled(
        page,
        "[document.querySelectorAll('path.sitmap-mk').length,"
        " Array.from(document.querySelectorAll('.sitmap-cl'), e => e.innerText)]",
    )
    clustered = sum(int(t) for t in counts)
    assert clustered >= 2  # Kyiv and Kharkiv, both struck, share a cluster at this zoom
    assert singles + clustered == 9
    s.clean()


def test_hostile_text_never_runs(tmp_path: Path, open_map: Any) -> None:
    s = open_map(_write(tmp_path, hostile_reports(), articles=[]))
    page = s.page
    # Show everything that carries article text: table, sources, tooltip, popup.
    page.evaluate("document.getElementById('sitmap-sources').open = true")
    i = _place_index(page, XSS_NAME)
    assert i >= 0
    page.evaluate("i => { SitmapMap.maps.sitmap.openPopup(i); }", i)
    popup = page.locator(".sitmap-popup")
    popup.wait_for(state="visible")
    assert popup.locator("h3").inner_text() == XSS_NAME
    assert XSS_QUOTE.replace("\u2028", "").replace("\u2029", "").split(" ")[0] in \
        popup.locator("blockquote").inner_text()
    x, y = _marker_centre(page, XSS_NAME)
    page.mouse.move(x, y)
    page.locator(".sitmap-tt").wait_for(state="visible")
    assert page.locator(".sitmap-tt strong").inner_text() == XSS_NAME
    page.locator("#sitmap-srclist li").first.hover()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    # No element the payloads tried to create exists, and no link runs script.
    assert _count(page, "img[src=x]") == 0
    assert _count(page, "#sitmap svg[onload]") == 0
    hrefs = page.eval_on_selector_all("a[href]", "e => e.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript")]
    s.clean()


def test_online_tiles_only_when_online(tmp_path: Path, open_map: Any) -> None:
    path = _write(tmp_path, sample_reports())
    tiles = "https://tile.openstreetmap.org/"
    # Online (but every request fails here): the tile layer is asked for, and
    # nothing else is; the offline outlines are drawn regardless.
    s = open_map(path, offline=False, allow=(tiles,))
    assert _count(s.page, "img.leaflet-tile") > 0
    assert _count(s.page, ".leaflet-pane canvas") >= 1
    assert s.requests == []
    # basemap="offline": never a request, even when online.
    s2 = open_map(_write(tmp_path, sample_reports(), name="off.html", basemap="offline"),
                  offline=False)
    assert _count(s2.page, "img.leaflet-tile") == 0
    s2.clean()


def test_two_maps_share_one_page(tmp_path: Path, open_map: Any) -> None:
    from sitmap.render import render_parts

    a = render_parts(sample_reports(), prefix="east", generated_at=GENERATED)
    b = render_parts(hostile_reports(), prefix="west", generated_at=GENERATED, cluster=False)
    page_html = ("<!DOCTYPE html><html><head><meta charset='utf-8'>" + a.css + a.js +
                 b.css[b.css.rindex("<style>"):] + "</head><body><h1>Report</h1>" +
                 a.html + a.script + "<p>Between the maps.</p>" + b.html + b.script +
                 "</body></html>")
    path = tmp_path / "two.html"
    path.write_text(page_html, encoding="utf-8")
    s = open_map(path)
    page = s.page
    assert page.evaluate("Object.keys(SitmapMap.maps).sort()") == ["east", "west"]
    assert page.get_attribute("#east", "data-ready") == "1"
    assert page.get_attribute("#west", "data-ready") == "1"
    assert _count(page, "#west path.west-mk") == 2
    assert _count(page, "#east .east-legend") == 1 and _count(page, "#west .west-legend") == 1
    s.clean()


def _many_reports(n: int) -> list:
    """*n* places on a grid over Ukraine, cycling through statuses and epistemic values."""
    import datetime as dt

    from sitmap.model import Assertion, Epistemic, Kind, Place, PlaceReport, Status

    statuses, epis = list(Status), list(Epistemic)
    out = []
    for i in range(n):
        place = Place(f"Grid {i}", 45.5 + (i // 80) * 0.1, 23.0 + (i % 80) * 0.2, Kind.VILLAGE,
                      "UA", geonameid=20_000_000 + i)
        quote = f"Quote number {i} about Grid {i}."
        a = Assertion(place=place, status=statuses[i % len(statuses)],
                      epistemic=epis[i % len(epis)], quote=quote, start=0, end=len(quote),
                      source="bulk.txt", doc_id="bulk",
                      date=dt.date(2022, 3, 1) + dt.timedelta(days=i % 10),
                      precision=1 if i % 10 else 2)
        out.append(PlaceReport(place=place, headline=a, assertions=(a,), precision=a.precision))
    return out


def test_many_places_draw_on_one_canvas(tmp_path: Path, open_map: Any) -> None:
    reports = _many_reports(4000)
    s = open_map(_write(tmp_path, reports, articles=[]))
    page = s.page
    view = "SitmapMap.maps.sitmap"
    # Canvas mode: no Leaflet marker per place, every place in view drawn.
    assert page.evaluate(f"{view}.useCanvas") is True
    assert _count(page, "path.sitmap-mk") == 0
    page.evaluate(f"() => {{ {view}.map.setView([48.0, 31.0], 5, {{animate: false}}); }}")
    assert _settled(page, f"{view}.points.drawn") == 4000
    # The canvas really has the symbols: many non-transparent pixels.
    painted = page.evaluate(
        "() => { const c = document.querySelector('canvas.sitmap-points');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }")
    assert painted > 20_000
    # Hovering and clicking a drawn place finds it.
    page.evaluate(f"() => {{ {view}.map.setView([45.5, 23.0 + 0.2 * 17], 10, {{animate: false}}); }}")
    _settled(page, f"{view}.points.drawn")
    pt = page.evaluate(f"() => {{ const p = {view}.points.containerPoint("
                       f"{view}.d.p.findIndex(p => p[0] === 'Grid 17')); return [p.x, p.y]; }}")
    box = page.locator("#sitmap-map").bounding_box()
    page.mouse.move(box["x"] + pt[0], box["y"] + pt[1])
    page.locator(".sitmap-tt").wait_for(state="visible")
    assert page.locator(".sitmap-tt strong").inner_text() == "Grid 17"
    page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
    page.wait_for_function("document.querySelector('.sitmap-popup h3').textContent === 'Grid 17'")
    assert "Quote number 17 about Grid 17." in page.locator(".sitmap-popup").inner_text()
    # Toggles and the time slider change what is drawn.
    page.evaluate(f"() => {{ {view}.map.setView([48.0, 31.0], 5, {{animate: false}}); }}")
    _settled(page, f"{view}.points.drawn")
    per_status = 4000 // 13
    page.locator(".sitmap-legend input[value=captured]").uncheck()
    assert page.evaluate(f"{view}.points.drawn") in (4000 - per_status, 4000 - per_status - 1)
    page.locator(".sitmap-legend input[value=captured]").check()
    page.locator("#sitmap-range").focus()
    page.keyboard.press("Home")
    assert page.evaluate(f"{view}.points.drawn") == 400  # one day in ten
    s.clean()


def test_seed_article_map(tmp_path: Path, open_map: Any, seed_path: Path, gazetteer: Any) -> None:
    from sitmap.api import analyze
    from sitmap.render import write_map

    situation = analyze(seed_path, gazetteer=gazetteer)
    path = write_map(situation.reports, tmp_path / "seed.html", articles=situation.articles,
                     generated_at=GENERATED, title="Seed article")
    s = open_map(path)
    page = s.page
    names = page.evaluate("SitmapMap.maps.sitmap.d.p.map(p => p[0])")
    assert {"Kherson", "Mariupol", "Kyiv", "Kharkiv"} <= set(names)

    def marker_class(name: str) -> str:
        return page.evaluate(
            "n => { const v = SitmapMap.maps.sitmap, i = v.d.p.findIndex(p => p[0] === n);"
            " const m = v.markers[i]; return m.options.className; }", name)

    # Kherson is drawn as a claim (hollow), not as a fact.
    kherson = marker_class("Kherson")
    assert "sitmap-s-captured" in kherson and "sitmap-e-claimed" in kherson
    # Mariupol is encircled, with its ring.
    assert "sitmap-s-encircled" in marker_class("Mariupol")
    assert page.evaluate(
        "() => { const v = SitmapMap.maps.sitmap;"
        " const i = v.d.p.findIndex(p => p[0] === 'Mariupol'); return v.ringGroup.hasLayer(v.rings[i]); }")
    page.evaluate("() => { const v = SitmapMap.maps.sitmap;"
                  " v.openPopup(v.d.p.findIndex(p => p[0] === 'Kherson')); }")
    text = page.locator(".sitmap-popup").inner_text()
    assert "Claimed" in text and "Captured" in text
    # The view opens on Ukraine although Beijing and Washington are mentioned.
    b = page.evaluate("(() => { const b = SitmapMap.maps.sitmap.map.getBounds();"
                      " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()")
    assert b[0] > 35 and b[1] > 10 and b[2] < 60 and b[3] < 50
    s.clean()
