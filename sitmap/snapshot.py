"""Static pictures of the map: PNG and PDF through headless Chromium.

For print and PDF reports, and as the fallback image beside an embedded map.  The map page is the
same standalone file ``sitmap build`` writes; we open it from ``file://`` in the system's
Chromium (never a downloaded browser), wait until the map has finished drawing, and capture it.

Waiting
    The renderer sets ``window.sitmapReady = true`` once Leaflet has drawn every layer.  We wait
    for that signal (with a timeout), never for a fixed time: a fixed sleep is either too short on
    a loaded machine or wasted on a fast one.  After a zoom change we wait for Leaflet's
    ``zoomend`` and two animation frames, which is when the canvas has been repainted.

Network
    Every request that leaves the file is blocked unless the caller allows it
    (``allow_network=True``, the CLI's ``--tiles``), so a snapshot is reproducible, leaks nothing
    about the reader, and shows the offline basemap.  With the network allowed, we also wait for
    the online tiles to finish loading.

Alt text
    A PNG carries the plain-language summary in an ``iTXt`` ``Description`` chunk, and the PDF
    gets the map title; reports should still put the summary beside the image (``sitmap
    summary``).
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .browser import chromium_args, require_chromium
from .errors import BrowserError, RenderError
from .model import PlaceReport
from .publish import atomic_write

#: Default picture size in CSS pixels (a 3:2 landscape that fits a report column at 2x scale).
DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 800
#: How long to wait for the map to draw before giving up, in milliseconds.
DEFAULT_TIMEOUT_MS = 30_000

# Returns the Leaflet map object on the page.  sitmap's runtime keeps its maps in
# window.SitmapMap.maps (one per prefix); a plain folium page declares its map as a top-level
# ``var map_<hash>``, i.e. a property of window.
_FIND_MAP = """
() => {
  const own = window.SitmapMap && Object.values(window.SitmapMap.maps || {});
  if (own && own.length) return own[0].map;
  if (!window.L || !window.L.Map) return null;
  for (const k of Object.keys(window)) {
    try { if (window[k] instanceof window.L.Map) return window[k]; } catch (e) {}
  }
  return null;
}
"""

_READY = f"""
() => {{
  const map = ({_FIND_MAP})();
  return window.sitmapReady === true && !!map;
}}
"""

# Sets the view, then resolves after Leaflet reports the move finished and the browser has
# painted twice (the first frame applies the transform, the second shows the redrawn canvas).
_SET_VIEW = f"""
async ([zoom, lat, lon]) => {{
  const map = ({_FIND_MAP})();
  const center = (lat === null || lon === null) ? map.getCenter() : window.L.latLng(lat, lon);
  const z = zoom === null ? map.getZoom() : zoom;
  const moved = new Promise(resolve => map.once('moveend', resolve));
  map.setView(center, z, {{animate: false}});
  await Promise.race([moved, new Promise(r => setTimeout(r, 2000))]);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return map.getZoom();
}}
"""

_TILES_LOADED = """
() => {
  const imgs = Array.from(document.querySelectorAll('img.leaflet-tile'));
  return imgs.every(i => i.complete);
}
"""

# Interactive controls mean nothing on paper; the legend, scale bar and attribution stay.
_PRINT_CSS = """
.leaflet-bar, .leaflet-control-layers, .leaflet-control-fullscreen,
.leaflet-control-zoom { display: none !important; }
"""


@dataclass(frozen=True)
class SnapshotOptions:
    """How to take a snapshot.

    Attributes
    ----------
    width, height : int
        Viewport size in CSS pixels; the PDF page has the same size.
    scale : float
        Device pixel ratio of the PNG (2 for print-sharp images).
    zoom : int, optional
        Leaflet zoom level; default: the view the map opens with.
    center : (lat, lon), optional
        Map centre; default: the view the map opens with.
    allow_network : bool
        Let the page load online tiles (blocked by default).
    timeout_ms : int
        Longest wait for the map to draw.
    hide_controls : bool
        Hide the zoom, layer and fullscreen buttons.
    extra_css : str, optional
        More CSS for the page before capture, e.g. ``.sitmap-legend{display:none}`` for a
        thumbnail without the legend.
    """

    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    scale: float = 1.0
    zoom: int | None = None
    center: tuple[float, float] | None = None
    allow_network: bool = False
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    hide_controls: bool = True
    extra_css: str | None = None

    def check(self) -> None:
        if not (100 <= self.width <= 10_000 and 100 <= self.height <= 10_000):
            raise RenderError("snapshot width and height must be between 100 and 10000 pixels")
        if not 0.25 <= self.scale <= 4:
            raise RenderError("snapshot scale must be between 0.25 and 4")
        if self.zoom is not None and not 0 <= self.zoom <= 19:
            raise RenderError("snapshot zoom must be between 0 and 19")


def format_for(path: str | os.PathLike[str]) -> str:
    """``png`` or ``pdf`` from *path*'s extension, else :class:`RenderError`."""
    ext = Path(path).suffix.lower()
    if ext in (".png", ".pdf"):
        return ext[1:]
    raise RenderError(f"cannot tell the snapshot format of {os.fspath(path)!r}: use .png or .pdf")


def capture_html(page_html: str, fmt: str, options: SnapshotOptions | None = None, *,
                 description: str | None = None) -> bytes:
    """Open *page_html* in headless Chromium and return a PNG or PDF of it.

    Parameters
    ----------
    page_html : str
        A complete map page (as :func:`sitmap.render.render_html` makes).
    fmt : {"png", "pdf"}
    options : SnapshotOptions, optional
    description : str, optional
        Alt text stored in the PNG's ``Description`` chunk.

    Raises
    ------
    BrowserError
        No Chromium, the browser failed, or the map did not finish drawing in time.
    """
    opts = options or SnapshotOptions()
    opts.check()
    if fmt not in ("png", "pdf"):
        raise RenderError(f"snapshot format must be png or pdf, not {fmt!r}")
    executable = require_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise BrowserError("snapshots need the 'playwright' package (pip install playwright)") from exc

    # A real file, not page.set_content: the map must behave exactly as it does when a reader
    # opens it from disk (file:// origin, relative links).
    with tempfile.TemporaryDirectory(prefix="sitmap-snapshot-") as tmp:
        page_path = Path(tmp) / "map.html"
        page_path.write_text(page_html, encoding="utf-8")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=executable, args=chromium_args())
                try:
                    data = _capture(browser, page_path.as_uri(), fmt, opts)
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise BrowserError(f"headless Chromium failed: {_first_line(str(exc))}") from exc
    if fmt == "png" and description:
        data = add_png_text(data, "Description", description)
    return data


def _capture(browser: Any, url: str, fmt: str, opts: SnapshotOptions) -> bytes:
    context = browser.new_context(
        viewport={"width": opts.width, "height": opts.height},
        device_scale_factor=opts.scale,
        # Printing a map means printing what the screen shows (dark legends, colours).
        color_scheme="light",
        offline=not opts.allow_network,
    )
    try:
        if not opts.allow_network:
            # Belt and braces with offline=True: refuse every request that is not the file itself
            # or inline data, so nothing about the reader leaves the machine.
            context.route(
                "**/*",
                lambda route: route.continue_()
                if route.request.url.startswith(("file:", "data:", "blob:"))
                else route.abort("blockedbyclient"),
            )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="load")
        try:
            page.wait_for_function(_READY, timeout=opts.timeout_ms, polling="raf")
        except Exception as exc:
            detail = f" (page error: {errors[0]})" if errors else ""
            raise BrowserError(
                f"the map did not finish drawing within {opts.timeout_ms / 1000:g} s{detail}"
            ) from exc
        if opts.hide_controls:
            page.add_style_tag(content=_PRINT_CSS)
        if opts.extra_css:
            page.add_style_tag(content=opts.extra_css)
        if opts.zoom is not None or opts.center is not None:
            lat, lon = opts.center if opts.center else (None, None)
            page.evaluate(_SET_VIEW, [opts.zoom, lat, lon])
        if opts.allow_network:
            page.wait_for_function(_TILES_LOADED, timeout=opts.timeout_ms, polling=200)
        if fmt == "png":
            png: bytes = page.screenshot(type="png", full_page=False, animations="disabled")
            return png
        page.emulate_media(media="screen")
        pdf: bytes = page.pdf(
            width=f"{opts.width}px",
            height=f"{opts.height}px",
            print_background=True,
            page_ranges="1",
            margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
        )
        return pdf
    finally:
        context.close()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def add_png_text(png: bytes, keyword: str, text: str) -> bytes:
    """Insert an ``iTXt`` chunk (UTF-8 text) right after a PNG's header chunk.

    PNG readers show ``Description`` as the image's description; the chunk is part of the
    format (PNG spec section 11.3.4), so no imaging library is needed to write it.
    """
    signature = b"\x89PNG\r\n\x1a\n"
    if not png.startswith(signature):
        raise RenderError("not a PNG image")
    # IHDR is always first and always 13 bytes: 8 signature + 4 length + 4 type + 13 + 4 CRC.
    ihdr_end = len(signature) + 4 + 4 + 13 + 4
    body = keyword.encode("latin-1") + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def snapshot(
    reports: Sequence[PlaceReport],
    path: str | os.PathLike[str],
    *,
    render_kwargs: dict[str, Any] | None = None,
    options: SnapshotOptions | None = None,
    **option_fields: Any,
) -> Path:
    """Render *reports* as a map and write a PNG or PDF picture of it to *path*.

    Parameters
    ----------
    reports : sequence of PlaceReport
    path : path-like
        ``.png`` or ``.pdf``; written atomically.
    render_kwargs : dict, optional
        Passed to :func:`sitmap.render.render_html` (title, articles, generated_at).
    options : SnapshotOptions, optional
        Or give its fields as keywords (``width=``, ``height=``, ``zoom=``, ``scale=``, ...).

    Returns
    -------
    pathlib.Path
    """
    from .render import render_html
    from .summary import summarize

    fmt = format_for(path)
    if options is None:
        options = SnapshotOptions(**option_fields)
    elif option_fields:
        raise RenderError("give either options= or option keywords, not both")
    kwargs = dict(render_kwargs or {})
    kwargs["cdn"] = False  # a snapshot must not depend on the network for Leaflet itself
    page = render_html(list(reports), **kwargs)
    data = capture_html(page, fmt, options, description=summarize(reports, fmt="text"))
    return atomic_write(path, data)
