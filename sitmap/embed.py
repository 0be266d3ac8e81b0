"""Maps to paste into report pages: an HTML fragment, or an iframe pointing at a standalone map.

The fragment
    One ``<figure>`` holding the map's container, its styles and its scripts, plus the
    plain-language summary as the figure's caption and accessible description.  The renderer
    (:func:`sitmap.render.render_parts`) namespaces every id, class and CSS rule with a prefix,
    so several maps share one page and neither their styles nor the page's leak into each
    other.  The runtime (Leaflet and sitmap's script) defines itself once per page, whichever
    fragment comes first.  The map is responsive: its width follows the container, its height
    follows an aspect ratio (or a CSS height), and a ``ResizeObserver`` tells Leaflet whenever the
    container changes size, not only when the window does.

The iframe
    For pages that cannot take scripts (many CMSs), or that want the map isolated: an
    ``<iframe>`` on a standalone map file written beside it, sized the same way, with the summary
    as its caption.  Optionally a static picture (``sitmap snapshot``) as the no-script fallback.

Everything written goes through :func:`sitmap.publish.atomic_write`.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import RenderError
from .model import PlaceReport
from .publish import atomic_write

#: Default aspect ratio of an embedded map (width / height).
DEFAULT_ASPECT = (3, 2)
_PREFIX_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# A CSS length we are willing to copy into a style attribute (no url(), no semicolons).
_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|em|rem|vh|vw|%)$")


def default_prefix(reports: Sequence[PlaceReport]) -> str:
    """A prefix derived from the data, so the same input gives the same fragment.

    Two different maps on a page get different prefixes; two copies of the *same* map need an
    explicit ``prefix``.
    """
    h = hashlib.sha256()
    for r in reports:
        h.update(json.dumps(r.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return "sitmap-" + h.hexdigest()[:10]


def check_prefix(prefix: str) -> str:
    """Return *prefix* if it is usable as an HTML id and CSS identifier, else raise."""
    if not _PREFIX_RE.match(prefix):
        raise RenderError(
            f"embed id {prefix!r} must start with a letter and hold only letters, digits, - and _"
        )
    return prefix


def _height_css(aspect: tuple[int, int] | None, height: str | None) -> str:
    """The CSS declaration that sizes the map: a fixed height, or an aspect ratio."""
    if height is not None:
        if not _CSS_LENGTH.match(height):
            raise RenderError(f"height {height!r} must be a CSS length such as 480px or 60vh")
        return f"height:{height}"
    w, h = aspect or DEFAULT_ASPECT
    if w <= 0 or h <= 0:
        raise RenderError("aspect ratio must be two positive numbers")
    return f"aspect-ratio:{w}/{h}"


def embed_fragment(
    reports: Sequence[PlaceReport],
    *,
    prefix: str | None = None,
    aspect: tuple[int, int] | None = None,
    height: str | None = None,
    image: str | None = None,
    **render_kwargs: Any,
) -> str:
    """An HTML fragment with a live map, to paste into any page.

    Parameters
    ----------
    reports : sequence of PlaceReport
    prefix : str, optional
        Namespace for every id, class and CSS rule (default: derived from the data).
    aspect : (int, int), optional
        Width and height ratio of the map (default 3:2); ignored when *height* is given.
    height : str, optional
        A CSS height for the map instead of an aspect ratio ("480px", "60vh").
    image : str, optional
        URL of a static picture of the map (``sitmap snapshot``) shown when scripts are off.
    **render_kwargs
        ``title``, ``articles``, ``generated_at``, ``cdn`` for :func:`sitmap.render.render_parts`.

    Returns
    -------
    str
        The fragment, ending with a newline.
    """
    from .render import render_parts
    from .summary import summarize

    pfx = check_prefix(prefix or default_prefix(reports))
    frame_css = _height_css(aspect, height)
    parts = render_parts(list(reports), prefix=pfx, **render_kwargs)
    title = str(render_kwargs.get("title") or "Situation map")
    desc_id = f"{pfx}-embed-desc"
    caption = summarize(reports, fmt="html")
    alt = summarize(reports, fmt="text", max_places=8)

    # Our rules are scoped to the figure's id like the renderer's to its prefix, so the page's
    # styles and ours do not meet.  They come after the renderer's so that, at equal
    # specificity, the embed's sizing wins: the map element keeps an aspect ratio (height
    # "auto" through the renderer's --sitmap-map-height variable) or takes a fixed height.
    if height is None:
        sizing = (f"#{pfx}-embed #{pfx}{{--sitmap-map-height:auto}}"
                  # the renderer's min-height suits a full page; an embed keeps its ratio
                  f"#{pfx}-embed .{pfx}-map{{{frame_css};min-height:160px}}")
    else:
        sizing = f"#{pfx}-embed #{pfx}{{--sitmap-map-height:{height}}}"
    own_css = (
        f"#{pfx}-embed{{display:block;margin:1em 0;padding:0;width:100%;max-width:100%}}"
        f"{sizing}"
        f"#{pfx}-embed .{pfx}-embed-caption{{font-size:.85em;line-height:1.4;margin:.4em 0 0}}"
        f"#{pfx}-embed .{pfx}-embed-caption ul{{margin:.2em 0;padding-left:1.2em}}"
        f"#{pfx}-embed .{pfx}-embed-caption p{{margin:.2em 0}}"
    )
    fallback = ""
    if image:
        fallback = (
            f'<noscript><img src="{html.escape(image, quote=True)}" alt="{html.escape(alt, quote=True)}"'
            ' style="width:100%;height:auto"></noscript>\n'
        )
    return (
        f"<!-- sitmap map {pfx}: paste this whole block; it needs no other file -->\n"
        f'<figure id="{pfx}-embed" class="{pfx}-embed" role="group" '
        f'aria-label="{html.escape(title, quote=True)}" aria-describedby="{desc_id}">\n'
        f"{parts.css}<style>{own_css}</style>\n"
        f"{_once_per_page(parts.js)}"
        f"{parts.html}"
        f"{fallback}"
        f'<figcaption id="{desc_id}" class="{pfx}-embed-caption">{caption}</figcaption>\n'
        f"{parts.script}"
        f"<script>{_resize_script(pfx)}</script>\n"
        "</figure>\n"
    )


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _once_per_page(js: str) -> str:
    """Make the library scripts run only in the first fragment on a page.

    Every fragment carries Leaflet, markercluster and the sitmap runtime so that it works
    alone; a second copy of Leaflet would replace ``window.L`` under the first map and drop the
    plugins registered on it.  The runtime defines ``window.SitmapMap`` last, so "not yet
    defined" means "this is the first fragment".  Linked (CDN) scripts are left as they are:
    the browser caches them and they cannot be wrapped.
    """
    return _INLINE_SCRIPT.sub(lambda m: f"<script>if(!window.SitmapMap){{{m.group(1)}}}</script>", js)


def _resize_script(pfx: str) -> str:
    # Leaflet only listens to window resizes; a report's column can change width without one
    # (a sidebar opening, a print preview, a tab becoming visible).  Until the reader has moved
    # the map, a resize also re-fits the opening view, so a narrower column still shows the
    # whole theatre instead of cutting it off at the sides.  The prefix passed _PREFIX_RE, so
    # it is safe inside a JS string.
    return (
        "(function(){"
        f"var p={json.dumps(pfx)};"
        "var box=document.getElementById(p+'-embed');"
        "if(!box||!window.ResizeObserver){return;}"
        "var touched=false,pending=false,last=null;"
        "var el=document.getElementById(p+'-map');"
        "['pointerdown','wheel','keydown','touchstart'].forEach(function(t){"
        "if(el){el.addEventListener(t,function(){touched=true;},{passive:true});}});"
        "new ResizeObserver(function(){"
        "if(pending){return;}pending=true;"
        "requestAnimationFrame(function(){pending=false;"
        "var v=window.SitmapMap&&window.SitmapMap.maps[p];"
        "if(!v||!v.map){return;}"
        "var s=v.map.getContainer().clientWidth+'x'+v.map.getContainer().clientHeight;"
        "if(s===last){return;}last=s;"
        "v.map.invalidateSize({pan:false});"
        "if(!touched&&v.home){v.home();}});"
        "}).observe(box);"
        "})();"
    )


def iframe_fragment(
    reports: Sequence[PlaceReport],
    src: str,
    *,
    prefix: str | None = None,
    aspect: tuple[int, int] | None = None,
    height: str | None = None,
    image: str | None = None,
    title: str | None = None,
) -> str:
    """An ``<iframe>`` on a standalone map at *src*, with the summary as its caption.

    Only inline styles are used, so the fragment adds no rule to the host page.
    """
    pfx = check_prefix(prefix or default_prefix(reports))
    from .summary import summarize

    frame_css = _height_css(aspect, height)
    desc_id = f"{pfx}-embed-desc"
    caption = summarize(reports, fmt="html")
    alt = summarize(reports, fmt="text", max_places=8)
    label = html.escape(title or "Situation map", quote=True)
    fallback = ""
    if image:
        # Browsers no longer render an iframe's children, so the picture goes beside it.
        fallback = (
            f'<noscript><img src="{html.escape(image, quote=True)}" '
            f'alt="{html.escape(alt, quote=True)}" style="width:100%;height:auto"></noscript>\n'
        )
    return (
        f'<figure id="{pfx}-embed" style="margin:1em 0;padding:0;width:100%;max-width:100%">\n'
        f'<iframe src="{html.escape(src, quote=True)}" title="{label}" '
        f'aria-describedby="{desc_id}" loading="lazy" allowfullscreen '
        f'style="display:block;width:100%;{frame_css};min-height:240px;border:0"></iframe>\n'
        f"{fallback}"
        f'<figcaption id="{desc_id}" style="font-size:.85em;line-height:1.4;margin:.4em 0 0">'
        f"{caption}</figcaption>\n"
        "</figure>\n"
    )


def write_embed(
    reports: Sequence[PlaceReport],
    path: str | os.PathLike[str],
    *,
    iframe: bool = False,
    map_path: str | os.PathLike[str] | None = None,
    src: str | None = None,
    prefix: str | None = None,
    aspect: tuple[int, int] | None = None,
    height: str | None = None,
    image: str | None = None,
    **render_kwargs: Any,
) -> Path:
    """Write an embed fragment to *path*.

    With ``iframe=True`` the standalone map is written too (to *map_path*, default
    ``<stem>.map.html`` beside *path*) unless *src* names where the map already is; the
    iframe's ``src`` is then the map's path relative to *path*'s directory.

    Returns
    -------
    pathlib.Path
        The fragment's path.
    """
    target = Path(path)
    if not iframe:
        if map_path is not None or src is not None:
            raise RenderError("--map and --src only apply to --iframe embeds")
        return atomic_write(target, embed_fragment(
            reports, prefix=prefix, aspect=aspect, height=height, image=image, **render_kwargs))
    if src is None:
        from .render import write_map

        standalone = Path(map_path) if map_path is not None else target.with_name(
            f"{target.stem}.map.html")
        if standalone.resolve() == target.resolve():
            raise RenderError("the iframe's map file and the fragment must be different files")
        write_map(list(reports), standalone, **render_kwargs)
        src = Path(os.path.relpath(standalone.resolve(), target.resolve().parent)).as_posix()
    fragment = iframe_fragment(reports, src, prefix=prefix, aspect=aspect, height=height,
                               image=image, title=render_kwargs.get("title"))
    return atomic_write(target, fragment)
