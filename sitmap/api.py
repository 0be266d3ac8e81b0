"""The Python API: the library first, the CLI a thin layer over it.

Run the pipeline once with :func:`analyze` and reuse the :class:`Situation` it returns, or call
the one-shot helpers, which accept the same sources::

    import sitmap

    s = sitmap.analyze("articles/")            # files, directories, "-" or Articles
    s                                          # in Jupyter: the map inline, with its summary
    gdf = s.places()                           # a GeoDataFrame, one row per place
    s.export("situation.gpkg", per="assertion")
    s.snapshot("map.png")

    sitmap.places(text="Russian troops surrounded Mariupol.")   # raw text works too
    m = sitmap.build_map(s)                    # a folium.Map, to customise further

A *source* is one of: ``None`` (the built-in example report), a path or a list of paths (files,
directories, ``"-"`` for standard input), an :class:`~sitmap.model.Article` or a list of them,
a :class:`Situation`, a :class:`~sitmap.pipeline.PipelineResult`, or a list of
:class:`~sitmap.model.PlaceReport` (already processed; nothing is run again).

Only :mod:`sitmap.render` imports folium; this module reaches it lazily so ``import sitmap``
stays fast.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .errors import InputError
from .model import Article, Mention, PlaceReport

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from .gazetteer import Gazetteer
    from .pipeline import PipelineResult

PathLike = str | os.PathLike[str]
Source = Union[
    None, PathLike, Article, "Situation", "PipelineResult",
    Sequence[PathLike | Article], Sequence[PlaceReport],
]

__all__ = ["Situation", "analyze", "build_map", "extract", "places", "summary"]

#: Height of the inline notebook display; the width follows the notebook cell.
NOTEBOOK_HEIGHT = 520


@dataclass
class Situation:
    """What sitmap found in a set of articles, ready to map, export or describe.

    Attributes
    ----------
    reports : list of PlaceReport
        One per place, with its headline and every assertion behind it.
    articles : list of Article
        The articles read (empty when the situation was built from reports alone).
    mentions : list of Mention
        Every place mention, in text order per article.
    errors : list of InputError
        Inputs that were skipped, with the reason.
    title : str or None
        The map title; defaults to the single article's title or "Situation map".
    """

    reports: list[PlaceReport]
    articles: list[Article] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    title: str | None = None

    # -- data -----------------------------------------------------------------------------
    def places(self, *, per: str = "place") -> gpd.GeoDataFrame:
        """The places (``per="place"``) or assertions (``per="assertion"``) as a GeoDataFrame.

        Columns are those of :func:`sitmap.export.to_frame`; geometry is WGS84 points.
        """
        from .export import to_frame

        return to_frame(self.reports, per=_per(per))

    def export(self, path: PathLike, *, per: str = "place") -> Path:
        """Write the places as GeoJSON, GeoPackage, GeoParquet or CSV (by *path*'s extension)."""
        from .export import export

        return export(self.reports, path, per=_per(per))

    def summary(self, fmt: str = "text", *, max_places: int | None = None,
                title: str | None = None) -> str:
        """The plain-language summary (see :func:`sitmap.summary.summarize`)."""
        from .summary import summarize

        return summarize(self.reports, fmt=fmt, max_places=max_places,  # type: ignore[arg-type]
                         title=title)

    # -- maps -----------------------------------------------------------------------------
    def render_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """The keyword arguments :mod:`sitmap.render` takes, with this situation's defaults."""
        kw: dict[str, Any] = {
            "title": self.title or _default_title(self.articles),
            "articles": self.articles,
            # None lets the renderer use SOURCE_DATE_EPOCH, else the current time.
            "generated_at": None,
            "cdn": False,
        }
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return kw

    def map(self, **opts: Any) -> folium.Map:
        """A :class:`folium.Map` of the situation (options as :func:`sitmap.render.build_map`)."""
        from .render import build_map as _build

        return _build(self.reports, **self.render_kwargs(**opts))

    def html(self, **opts: Any) -> str:
        """The standalone map page as a string (works from ``file://`` with no network)."""
        from .render import render_html

        return render_html(self.reports, **self.render_kwargs(**opts))

    def save(self, path: PathLike, **opts: Any) -> Path:
        """Write the standalone map page to *path*, atomically."""
        from .render import write_map

        return write_map(self.reports, Path(path), **self.render_kwargs(**opts))

    def embed(self, path: PathLike | None = None, **opts: Any) -> str:
        """An HTML fragment to paste into a page (see :func:`sitmap.embed.embed_fragment`)."""
        from .embed import embed_fragment, write_embed

        if path is not None:
            return write_embed(self.reports, path, **self.render_kwargs(**opts)).read_text(
                encoding="utf-8")
        return embed_fragment(self.reports, **self.render_kwargs(**opts))

    def snapshot(self, path: PathLike, **opts: Any) -> Path:
        """A PNG or PDF picture of the map (see :func:`sitmap.snapshot.snapshot`)."""
        from .snapshot import snapshot as _snap

        render_opts = {k: opts.pop(k) for k in ("title", "generated_at") if k in opts}
        return _snap(self.reports, path, render_kwargs=self.render_kwargs(**render_opts), **opts)

    # -- display --------------------------------------------------------------------------
    def __repr__(self) -> str:
        n, a = len(self.reports), len(self.articles)
        return f"<Situation: {n} place{'s' if n != 1 else ''} from {a} article{'s' if a != 1 else ''}>"

    def _repr_html_(self) -> str:
        """Jupyter's inline display: the standalone map in a sandboxed iframe, and its summary.

        The page goes into ``srcdoc`` rather than a data: URL, so it needs no server and no
        network (Leaflet is inlined), and the ``sandbox`` without ``allow-same-origin`` keeps
        the map's scripts away from the notebook's own page.  The summary is the iframe's
        accessible description and a visible caption.
        """
        page = self.html()
        caption = self.summary("html")
        title = html.escape(self.render_kwargs()["title"], quote=True)
        return (
            '<figure style="margin:0">'
            f'<iframe srcdoc="{html.escape(page, quote=True)}" title="{title}" '
            'sandbox="allow-scripts allow-popups" '
            f'style="width:100%;height:{NOTEBOOK_HEIGHT}px;border:0" loading="lazy"></iframe>'
            f'<figcaption style="font-size:90%">{caption}</figcaption></figure>'
        )


def _per(per: str) -> Any:
    if per not in ("place", "assertion"):
        raise InputError(f"per must be 'place' or 'assertion', not {per!r}")
    return per


def _default_title(articles: Sequence[Article]) -> str:
    if len(articles) == 1 and articles[0].title:
        return articles[0].title
    return "Situation map"


def _is_reports(value: object) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, PlaceReport) for v in value)


def _articles(source: Any, *, text: str | None, date: dt.date | None) -> list[Article]:
    from .ingest import article_from_text, example_article, read_articles

    if text is not None:
        if source is not None:
            raise InputError("give either a source or text=, not both")
        return [article_from_text(text, "<text>", date=date)]
    if source is None:
        art = example_article()
        return [art if date is None else _with_date(art, date)]
    items: Iterable[Any] = [source] if isinstance(source, (str, os.PathLike, Article)) else source
    out: list[Article] = []
    paths: list[PathLike] = []

    def flush() -> None:
        if paths:
            out.extend(read_articles(list(paths), date=date))
            paths.clear()

    for item in items:
        if isinstance(item, Article):
            flush()
            out.append(item if date is None else _with_date(item, date))
        elif isinstance(item, (str, os.PathLike)):
            paths.append(item)
        else:
            raise InputError(f"cannot read articles from {type(item).__name__}")
    flush()
    if not out:
        raise InputError("no articles in the input")
    return out


def _with_date(article: Article, date: dt.date) -> Article:
    from dataclasses import replace

    return replace(article, date=date)


def analyze(
    source: Source = None,
    *,
    text: str | None = None,
    date: dt.date | None = None,
    gazetteer: Gazetteer | None = None,
    online: bool = False,
    title: str | None = None,
) -> Situation:
    """Read articles and run every stage once.

    Parameters
    ----------
    source : source, optional
        What to read (see the module docstring); ``None`` is the built-in example.  A
        :class:`Situation`, :class:`~sitmap.pipeline.PipelineResult` or list of PlaceReports is
        taken as already processed.
    text : str, optional
        Article text in memory instead of *source* (a leading ``date YYYY-MM-DD`` line sets its
        date).
    date : datetime.date, optional
        The date of every article (overrides what the inputs say).
    gazetteer : Gazetteer, optional
        An open gazetteer; the default one is opened (and built on first use) otherwise.
    online : bool
        Ask the online geocoder for names the offline gazetteer lacks.  Off by default.
    title : str, optional
        The map title.

    Returns
    -------
    Situation

    Raises
    ------
    InputError
        When the source cannot be read.
    """
    if isinstance(source, Situation):
        if title is not None:
            from dataclasses import replace

            return replace(source, title=title)
        return source
    if _is_reports(source):
        return Situation(list(source), title=title)  # type: ignore[arg-type]
    if hasattr(source, "reports"):
        from .pipeline import PipelineResult

        if isinstance(source, PipelineResult):
            return Situation(list(source.reports), source.articles, source.mentions,
                             list(source.errors), title)
    articles = _articles(source, text=text, date=date)
    from .pipeline import process

    result = process(articles, gazetteer, online=online, total=len(articles))
    return Situation(list(result.reports), result.articles, result.mentions,
                     list(result.errors), title)


def extract(source: Source = None, *, text: str | None = None, date: dt.date | None = None,
            gazetteer: Gazetteer | None = None, online: bool = False) -> list[Mention]:
    """Every place mention in the source, in text order (the ``sitmap extract`` records).

    Parameters are those of :func:`analyze`.  Each :class:`~sitmap.model.Mention` has
    ``to_dict()`` for the contract's JSON form; unresolved mentions have ``place=None``.
    """
    return analyze(source, text=text, date=date, gazetteer=gazetteer, online=online).mentions


def places(source: Source = None, *, per: str = "place", text: str | None = None,
           date: dt.date | None = None, gazetteer: Gazetteer | None = None,
           online: bool = False) -> gpd.GeoDataFrame:
    """The places (or assertions, ``per="assertion"``) in the source as a GeoDataFrame.

    Parameters are those of :func:`analyze`; *per* as :func:`sitmap.export.to_frame`.
    """
    return analyze(source, text=text, date=date, gazetteer=gazetteer,
                   online=online).places(per=per)


def build_map(source: Source = None, *, text: str | None = None, date: dt.date | None = None,
              gazetteer: Gazetteer | None = None, online: bool = False,
              **render_opts: Any) -> folium.Map:
    """A :class:`folium.Map` of the source; *render_opts* go to :func:`sitmap.render.build_map`
    (``title``, ``generated_at``, ``cdn``)."""
    return analyze(source, text=text, date=date, gazetteer=gazetteer,
                   online=online).map(**render_opts)


def summary(source: Source = None, *, fmt: str = "text", max_places: int | None = None,
            text: str | None = None, date: dt.date | None = None,
            gazetteer: Gazetteer | None = None, online: bool = False) -> str:
    """The plain-language summary of the source (``fmt``: text, markdown or html)."""
    return analyze(source, text=text, date=date, gazetteer=gazetteer,
                   online=online).summary(fmt, max_places=max_places)
