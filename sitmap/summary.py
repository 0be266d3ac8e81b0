"""Words for the map: a plain-language summary generated from the place reports.

The same sentence serves as the map's screen-reader description, the alt text of a snapshot and
a caption a report can paste, so it has to be honest about how well each status is established:
a claim reads as a claim and names who makes it, doubt cues are kept, and nothing is stated more
firmly than the assertion behind it.  For example::

    8 places from 1 article (2022-03-03); Kherson captured, claimed by Russia's forces and not
    yet verified; Mariupol encircled (claimed by interior ministry adviser Anton Herashchenko);
    ...; also mentioned: Poland (people displaced), Belarus (talks), Beijing.

Three formats: ``text`` (plain, for alt text and ``aria`` descriptions), ``markdown`` and
``html``.  Place names, claimants and hedges come from articles, so both markup formats escape
them: an article cannot inject a link, an image or a script into a report through the summary.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import RenderError
from .model import Assertion, Epistemic, PlaceReport, Status

Format = Literal["text", "markdown", "html"]

#: How each status reads after a place name ("Kherson captured").  Plain words, no jargon: the
#: summary is read aloud by screen readers.
STATUS_PHRASES: dict[Status, str] = {
    Status.CAPTURED: "captured",
    Status.RECAPTURED: "retaken",
    Status.ENCIRCLED: "encircled",
    Status.CONTESTED: "fought over",
    Status.ADVANCE: "approached by attacking forces",
    Status.STRUCK: "struck",
    Status.CIVILIAN_HARM: "civilians harmed",
    Status.WITHDRAWN: "forces withdrew",
    Status.HELD: "held by defenders",
    Status.DISPLACEMENT: "people displaced",
    Status.DIPLOMACY: "talks",
    Status.UNKNOWN: "situation unclear",
    Status.MENTIONED: "mentioned",
}

_WS = re.compile(r"\s+")
# Control characters other than whitespace would reach a screen reader or a PNG text chunk
# verbatim; nothing legitimate in a place name needs them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Everything CommonMark lets a backslash escape that could start markup inside a line.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _clean(value: str) -> str:
    return _WS.sub(" ", _CONTROL.sub("", value)).strip()


@dataclass(frozen=True)
class _Run:
    """A piece of the summary: literal wording, or text taken from an article."""

    text: str
    from_article: bool = False
    strong: bool = False


def _epistemic_runs(a: Assertion) -> list[_Run]:
    """How well the headline is established, in words, with its claimant and doubt cue."""
    claimant = _clean(a.claimant) if a.claimant else ""
    hedge = _clean(a.hedge) if a.hedge else ""
    runs: list[_Run] = []
    if a.epistemic is Epistemic.CONFIRMED:
        runs.append(_Run(" (confirmed"))
        if claimant:
            runs += [_Run(" by "), _Run(claimant, True)]
        runs.append(_Run(")"))
    elif a.epistemic is Epistemic.DENIED:
        runs.append(_Run(", a claim denied"))
        if claimant:
            runs += [_Run(" by "), _Run(claimant, True)]
    elif a.epistemic in (Epistemic.CLAIMED, Epistemic.DISPUTED):
        word = "claimed" if a.epistemic is Epistemic.CLAIMED else "disputed"
        if hedge:
            # "claimed by Russia's forces and not yet verified" reads naturally when the cue is a
            # negation; other cues ("remained unclear", "apparently") are quoted as written.
            runs.append(_Run(f", {word}"))
            if claimant:
                runs += [_Run(" by "), _Run(claimant, True)]
            if hedge.lower().startswith("not "):
                runs += [_Run(" and "), _Run(hedge, True)]
            else:
                runs += [_Run(" (“"), _Run(hedge, True), _Run("”)")]
            return runs
        if claimant:
            runs += [_Run(f" ({word} by "), _Run(claimant, True), _Run(")")]
        else:
            runs.append(_Run(f" ({word})"))
        return runs
    # REPORTED: the outlet's own voice, stated plainly; a hedge still shows.
    if hedge:
        runs += [_Run(" (“"), _Run(hedge, True), _Run("”)")]
    return runs


def _headline_runs(report: PlaceReport) -> list[_Run]:
    h = report.headline
    runs = [_Run(_clean(report.place.name), True, strong=True), _Run(" " + STATUS_PHRASES[h.status])]
    if h.status is Status.CONTESTED and h.outcome:
        outcome = _clean(h.outcome)
        runs.append(_Run(", attack repelled") if outcome == "repelled" else _Run(", "))
        if outcome != "repelled":
            runs.append(_Run(outcome, True))
    if h.status is not Status.MENTIONED:
        runs += _epistemic_runs(h)
    others = [a for a in _best_per_status(report) if a.status not in (h.status, Status.MENTIONED)]
    if others:
        # Secondary statuses carry their epistemic word too: "also held by defenders (claimed)"
        # must not read as the outlet's own statement when it was the mayor's.
        words = [
            STATUS_PHRASES[a.status]
            + ("" if a.epistemic is Epistemic.REPORTED else f" ({a.epistemic.value})")
            for a in others
        ]
        runs.append(_Run(", also " + ", ".join(words)))
    return runs


def _context_runs(report: PlaceReport) -> list[_Run]:
    runs = [_Run(_clean(report.place.name), True, strong=True)]
    if report.headline.status is not Status.MENTIONED:
        runs.append(_Run(f" ({STATUS_PHRASES[report.headline.status]})"))
    return runs


def _best_per_status(report: PlaceReport) -> list[Assertion]:
    """The best established assertion of each status of *report*, in headline order.

    Denied assertions are left out: "also captured" must never come from a denial.
    """
    seen: dict[Status, Assertion] = {}
    for a in sorted(report.assertions, key=Assertion.sort_key):
        if a.epistemic is not Epistemic.DENIED:
            seen.setdefault(a.status, a)
    return list(seen.values())


def _scope(reports: Sequence[PlaceReport]) -> str:
    n = len(reports)
    docs = {a.doc_id for r in reports for a in r.assertions}
    dates = sorted({a.date for r in reports for a in r.assertions if a.date})
    text = f"{n} place{'s' if n != 1 else ''} from {len(docs)} article{'s' if len(docs) != 1 else ''}"
    if dates:
        first, last = dates[0].isoformat(), dates[-1].isoformat()
        text += f" ({first})" if first == last else f" ({first} to {last})"
    return text


def order(reports: Sequence[PlaceReport]) -> tuple[list[PlaceReport], list[PlaceReport]]:
    """Split *reports* into conflict places (most severe first) and context places."""
    key = lambda r: (r.headline.sort_key(), r.place.name)  # noqa: E731
    conflict = sorted((r for r in reports if r.is_conflict), key=key)
    context = sorted((r for r in reports if not r.is_conflict), key=key)
    return conflict, context


def _render(runs: list[_Run], fmt: Format) -> str:
    out = []
    for run in runs:
        text = run.text
        if fmt == "markdown":
            text = markdown_escape(text) if run.from_article else text
            text = f"**{text}**" if run.strong else text
        elif fmt == "html":
            text = html.escape(text, quote=True)
            text = f"<strong>{text}</strong>" if run.strong else text
        out.append(text)
    return "".join(out)


def markdown_escape(text: str) -> str:
    """Escape *text* so Markdown renders it literally, never as markup or raw HTML."""
    text = _MD_SPECIAL.sub(r"\\\1", _clean(text))
    # Raw HTML passes through Markdown renderers; entities make <, > and & literal text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summarize(
    reports: Sequence[PlaceReport],
    *,
    fmt: Format = "text",
    max_places: int | None = None,
    title: str | None = None,
) -> str:
    """Describe the situation in plain language.

    Parameters
    ----------
    reports : sequence of PlaceReport
        The places on the map.
    fmt : {"text", "markdown", "html"}
        ``text`` is one paragraph (alt text, screen-reader description); ``markdown`` and
        ``html`` are a lead sentence and a list, with article text escaped.
    max_places : int, optional
        Name at most this many conflict places and say how many more there are (alt text should
        stay short); context places are dropped first.
    title : str, optional
        A heading (Markdown ``###``, HTML ``<p><strong>``; prefixed to plain text).

    Returns
    -------
    str
        The summary, ending without a newline.
    """
    if fmt not in ("text", "markdown", "html"):
        raise RenderError(f"summary format must be text, markdown or html, not {fmt!r}")
    conflict, context = order(reports)
    more = 0
    if max_places is not None:
        if len(conflict) > max_places:
            more = len(conflict) - max_places + len(context)
            conflict, context = conflict[:max_places], []
        elif len(conflict) + len(context) > max_places:
            more = len(conflict) + len(context) - max_places
            context = context[: max_places - len(conflict)]
    scope = _scope(reports) if reports else "No places found"
    items = [_render(_headline_runs(r), fmt) for r in conflict]
    extra = ", ".join(_render(_context_runs(r), fmt) for r in context)
    tail = f"and {more} more place{'s' if more != 1 else ''}" if more else ""

    if fmt == "text":
        parts = [scope] + items
        if extra:
            parts.append(f"{'also ' if items else ''}mentioned: {extra}")
        if tail:
            parts.append(tail)
        body = "; ".join(parts) + "."
        return f"{_clean(title)}: {body}" if title else body

    if fmt == "markdown":
        lines = [f"### {markdown_escape(title)}", ""] if title else []
        lines.append(f"{scope}.")
        if items:
            lines.append("")
            lines += [f"- {item}" for item in items]
        if extra or tail:
            lines.append("")
            lines.append(
                ("Also mentioned: " if items else "Mentioned: ")
                + ", ".join(x for x in (extra, tail) if x)
                + "."
            )
        return "\n".join(lines)

    # html
    parts_html = [f"<p><strong>{html.escape(title)}</strong></p>"] if title else []
    parts_html.append(f"<p>{html.escape(scope)}.</p>")
    if items:
        parts_html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    if extra or tail:
        lead = "Also mentioned: " if items else "Mentioned: "
        parts_html.append(f"<p>{lead}{', '.join(x for x in (extra, html.escape(tail)) if x)}.</p>")
    return "".join(parts_html)
