"""Snapshots in headless Chromium: a PNG that shows the markers, a PDF with a page, the options."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from report_samples import seed_reports

from sitmap.errors import BrowserError, RenderError
from sitmap.snapshot import SnapshotOptions, capture_html, format_for, snapshot

PIL = pytest.importorskip("PIL.Image", reason="Pillow is needed to look at the snapshot's pixels")

pytestmark = pytest.mark.browser

RENDER = {"title": "Seed article", "generated_at": "2022-03-03T12:00:00Z"}
# The renderer's colours for the two statuses drawn filled on the seed map (sitmap.js STYLE):
# Borodyanka, contested (reported) and Kharkiv, struck (reported).  Markers are filled slightly
# translucent over the land, hence the tolerance in `near`.
CONTESTED = (0xE6, 0x9F, 0x00)
STRUCK = (0x88, 0x22, 0x55)
# The legend shows the same colours; hide it so that only markers can match.
NO_LEGEND = ".sitmap-legend{display:none!important}"
# The offline basemap's land fill.
LAND = (0xF3, 0xF0, 0xE8)


def near(c: tuple[int, ...], ref: tuple[int, int, int], tol: int = 30) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(c[:3], ref, strict=True))


def count(img, ref: tuple[int, int, int]) -> int:  # type: ignore[no-untyped-def]
    return sum(n for n, c in img.getcolors(maxcolors=1 << 24) if near(c, ref))


@pytest.fixture(scope="module")
def png(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snap") / "map.png"
    return snapshot(seed_reports(), out, render_kwargs=RENDER, width=900, height=600,
                    extra_css=NO_LEGEND)


def test_png_is_not_blank_and_shows_markers(png: Path) -> None:
    img = PIL.open(png).convert("RGB")
    assert img.size == (900, 600)
    colours = img.getcolors(maxcolors=1 << 24)
    assert len(colours) > 50, "a blank or single-colour image"
    assert max(n for n, _ in colours) < 0.9 * 900 * 600, "one colour fills the picture"
    # The offline outlines were drawn (no network was allowed), and the filled markers show.
    assert count(img, LAND) > 10_000
    assert count(img, CONTESTED) >= 20, "no contested (Borodyanka) marker"
    assert count(img, STRUCK) >= 20, "no struck (Kharkiv) marker"


def test_png_carries_the_summary_as_description(png: Path) -> None:
    desc = PIL.open(png).info.get("Description", "")
    assert desc.startswith("9 places from 1 article")
    assert "Kherson captured, claimed by Russia's forces and not yet verified" in desc


def test_scale_doubles_the_pixels(chromium_path: str, tmp_path: Path) -> None:
    out = snapshot(seed_reports()[:2], tmp_path / "x2.png", render_kwargs=RENDER,
                   width=400, height=300, scale=2)
    assert PIL.open(out).size == (800, 600)


def test_zoom_changes_the_picture(chromium_path: str, tmp_path: Path) -> None:
    far = snapshot(seed_reports(), tmp_path / "far.png", render_kwargs=RENDER,
                   width=500, height=400, zoom=3, extra_css=NO_LEGEND)
    near_ = snapshot(seed_reports(), tmp_path / "near.png", render_kwargs=RENDER,
                     width=500, height=400, zoom=9, center=(50.45, 30.52), extra_css=NO_LEGEND)
    a, b = PIL.open(far).convert("RGB"), PIL.open(near_).convert("RGB")
    assert a.tobytes() != b.tobytes()
    # zoomed right into Kyiv, the struck marker is there; at zoom 3 it is tiny but present
    assert count(b, STRUCK) >= 20 and count(a, STRUCK) >= 5


def test_pdf_has_one_page_of_the_requested_size(chromium_path: str, tmp_path: Path) -> None:
    out = snapshot(seed_reports(), tmp_path / "map.pdf", render_kwargs=RENDER,
                   width=800, height=600)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    # CSS pixels are 0.75 PDF points
    assert (float(box.group(1)), float(box.group(2))) == pytest.approx((600, 450), abs=1)


def test_waits_for_the_ready_signal_not_a_fixed_time(chromium_path: str) -> None:
    # A page that says it is drawn only after 1.5 s: the picture must show the late content.
    page = """<!doctype html><html><body style="margin:0;background:#fff">
      <div id="box" style="width:100%;height:100vh"></div>
      <script src="data:text/javascript,"></script>
      <script>
      window.L = {Map: function(){}};
      setTimeout(function () {
        document.getElementById('box').style.background = 'rgb(0,128,0)';
        window.SitmapMap = {maps: {x: {map: new L.Map()}}};
        requestAnimationFrame(() => requestAnimationFrame(() => { window.sitmapReady = true; }));
      }, 1500);
      </script></body></html>"""
    start = time.monotonic()
    data = capture_html(page, "png", SnapshotOptions(width=200, height=150))
    assert time.monotonic() - start >= 1.5
    import io

    img = PIL.open(io.BytesIO(data)).convert("RGB")
    assert img.getpixel((100, 75)) == (0, 128, 0)


def test_a_map_that_never_draws_is_an_error(chromium_path: str) -> None:
    with pytest.raises(BrowserError, match="did not finish drawing within 1 s"):
        capture_html("<!doctype html><p>no map</p>", "png",
                     SnapshotOptions(width=200, height=150, timeout_ms=1000))


def test_network_is_blocked_unless_allowed(chromium_path: str) -> None:
    # The page shows green only if an image from the network loaded, red if it was refused.
    page = """<!doctype html><html><body style="margin:0">
      <div id="box" style="width:100vw;height:100vh;background:rgb(0,0,255)"></div>
      <script>
      window.L = {Map: function(){}};
      var img = new Image();
      function done(ok) {
        document.getElementById('box').style.background = ok ? 'rgb(0,128,0)' : 'rgb(200,0,0)';
        window.SitmapMap = {maps: {x: {map: new L.Map()}}};
        requestAnimationFrame(() => requestAnimationFrame(() => { window.sitmapReady = true; }));
      }
      img.onload = function () { done(true); };
      img.onerror = function () { done(false); };
      img.src = 'http://127.0.0.1:9/pixel.png';
      </script></body></html>"""
    import io

    data = capture_html(page, "png", SnapshotOptions(width=120, height=120))
    assert PIL.open(io.BytesIO(data)).convert("RGB").getpixel((60, 60)) == (200, 0, 0)


def test_bad_paths_and_options() -> None:
    assert format_for("a/b.PNG") == "png"
    with pytest.raises(RenderError, match=".png or .pdf"):
        format_for("map.jpg")
    with pytest.raises(RenderError, match="width and height"):
        SnapshotOptions(width=10).check()
    with pytest.raises(RenderError, match="zoom"):
        SnapshotOptions(zoom=30).check()


def test_cli_snapshot_of_the_seed_article(chromium_path: str, seed_path: Path,
                                          tmp_path: Path) -> None:
    from sitmap.cli.main import main

    png, pdf = tmp_path / "seed.png", tmp_path / "seed.pdf"
    args = ["--generated-at", "2022-03-03T12:00:00Z", "--width", "800", "--height", "500"]
    assert main(["-q", "snapshot", str(seed_path), "-o", str(png), *args]) == 0
    img = PIL.open(png)
    assert img.size == (800, 500)
    assert "Mariupol encircled" in img.info["Description"]
    assert main(["-q", "snapshot", str(seed_path), "-o", str(pdf), *args]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert main(["-q", "snapshot", "-o", str(tmp_path / "x.jpg")]) == 2
