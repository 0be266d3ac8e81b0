"""Wiring the stages: articles in, mentions, assertions and place reports out.

Each stage is a plain function over the records of :mod:`sitmap.model`; this
module only calls them in order, so any stage can be used on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import geocode, mentions, sentences, status
from .errors import InputError
from .model import Article, Assertion, Mention, PlaceReport, Sentence
from .progress import progress

if TYPE_CHECKING:
    from .gazetteer import Gazetteer


@dataclass(frozen=True)
class ArticleResult:
    """What the stages found in one article."""

    article: Article
    sentences: list[Sentence]
    mentions: list[Mention]
    assertions: list[Assertion]


@dataclass
class PipelineResult:
    """What a whole run found: per-article results and the places they add up to."""

    results: list[ArticleResult] = field(default_factory=list)
    reports: list[PlaceReport] = field(default_factory=list)
    #: inputs that were skipped, with their reasons (bad files, bad JSONL lines)
    errors: list[InputError] = field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        return [r.article for r in self.results]

    @property
    def mentions(self) -> list[Mention]:
        return [m for r in self.results for m in r.mentions]

    @property
    def assertions(self) -> list[Assertion]:
        return [a for r in self.results for a in r.assertions]


def locate(article: Article, gazetteer: Gazetteer, *,
           online: bool = False) -> tuple[list[Sentence], list[Mention]]:
    """Split *article* into sentences and find and resolve its place mentions.

    The first three stages, shared by :func:`process_article` and
    ``sitmap extract`` (which stops here).
    """
    sents = sentences.split_sentences(article.text)
    found = mentions.recognize(article, sents, gazetteer)
    return sents, geocode.resolve(article, sents, found, gazetteer, online=online)


def process_article(article: Article, gazetteer: Gazetteer, *, online: bool = False) -> ArticleResult:
    """Run every stage over one article.

    Parameters
    ----------
    article : Article
    gazetteer : Gazetteer
        An open gazetteer (see :meth:`sitmap.gazetteer.Gazetteer.open`).
    online : bool
        Let the geocoder ask the configured online service for names the
        offline gazetteer does not know.
    """
    sents, resolved = locate(article, gazetteer, online=online)
    asserted = status.tag(article, sents, resolved)
    return ArticleResult(article, sents, resolved, asserted)


def process(
    articles: Iterable[Article],
    gazetteer: Gazetteer | None = None,
    *,
    online: bool = False,
    errors: list[InputError] | None = None,
    total: int | None = None,
    on_article: Callable[[ArticleResult], None] | None = None,
) -> PipelineResult:
    """Process *articles* and aggregate their assertions into place reports.

    Parameters
    ----------
    articles : iterable of Article
        Consumed lazily, so a large directory is never held in memory at once
        beyond the results themselves.
    gazetteer : Gazetteer, optional
        Opened (and built on first use) when not given.
    errors : list, optional
        Input errors already collected by :func:`sitmap.ingest.read_articles`;
        they are carried into the result.
    on_article : callable, optional
        Called with each article's result as soon as it is ready.
    """
    if gazetteer is None:
        from .gazetteer import Gazetteer

        gazetteer = Gazetteer.open()
    result = PipelineResult(errors=errors if errors is not None else [])
    for article in progress(articles, desc="articles", total=total, unit="article"):
        r = process_article(article, gazetteer, online=online)
        result.results.append(r)
        if on_article is not None:
            on_article(r)
    result.reports = status.aggregate(result.assertions)
    return result
