"""The plain-language summary: honest about claims, complete, and safe as Markdown and HTML."""

from __future__ import annotations

import html.parser

import pytest
from report_samples import HOSTILE, KYIV, _a, _report, hostile_reports, seed_reports

from sitmap.errors import RenderError
from sitmap.model import Epistemic, Status
from sitmap.summary import markdown_escape, summarize


def test_text_names_every_place_with_its_epistemic_status() -> None:
    text = summarize(seed_reports())
    assert text.startswith("9 places from 1 article (2022-03-03); ")
    # The claim reads as a claim, with its claimant and its doubt cue, never as a fact.
    assert "Kherson captured, claimed by Russia's forces and not yet verified" in text
    assert "Mariupol encircled (claimed by interior ministry adviser Anton Herashchenko)" in text
    assert "Borodyanka fought over, attack repelled, also struck" in text
    # A secondary status attributed to someone keeps its epistemic word.
    assert "held by defenders (claimed)" in text
    # Context places come last and do not pose as conflict events.
    assert text.endswith("also mentioned: Poland (people displaced), "
                         "Poland–Ukraine border (people displaced), Belarus (talks), Beijing.")
    assert "\n" not in text


def test_conflict_places_are_ordered_by_severity() -> None:
    text = summarize(seed_reports())
    positions = [text.index(n) for n in ("Kherson", "Mariupol", "Borodyanka", "Kharkiv", "Poland")]
    assert positions == sorted(positions)


def test_denied_claims_never_read_as_statuses() -> None:
    denied = _a(KYIV, Status.CAPTURED, Epistemic.DENIED, "Officials denied Kyiv had fallen.", 1,
                claimant="the general staff")
    held = _a(KYIV, Status.HELD, Epistemic.REPORTED, "Kyiv remains in Ukrainian hands.", 50)
    text = summarize([_report(KYIV, denied, held)])
    assert "Kyiv held by defenders" in text
    assert "captured" not in text
    only_denied = summarize([_report(KYIV, denied)])
    assert "Kyiv captured, a claim denied by the general staff" in only_denied


def test_confirmed_and_reported_wording() -> None:
    conf = _a(KYIV, Status.STRUCK, Epistemic.CONFIRMED, "Verified footage shows strikes.", 1)
    assert "Kyiv struck (confirmed)" in summarize([_report(KYIV, conf)])
    hedged = _a(KYIV, Status.ADVANCE, Epistemic.REPORTED, "Tanks apparently stalled.", 1,
                hedge="apparently")
    assert "Kyiv approached by attacking forces (“apparently”)" in summarize([_report(KYIV, hedged)])


def test_max_places_keeps_alt_text_short() -> None:
    text = summarize(seed_reports(), max_places=2)
    assert "Kherson" in text and "Mariupol" in text
    assert "Kyiv" not in text and "Poland" not in text
    assert text.endswith("and 7 more places.")


def test_markdown_lists_places_and_escapes_article_text() -> None:
    md = summarize(seed_reports(), fmt="markdown", title="Ukraine *today*")
    lines = md.splitlines()
    assert lines[0] == r"### Ukraine \*today\*"
    assert "- **Kherson** captured, claimed by Russia's forces and not yet verified" in md
    hostile = summarize(hostile_reports(), fmt="markdown")
    assert "<script>" not in hostile and "<img" not in hostile
    assert "](javascript" not in hostile
    assert r"\*someone\*" in hostile  # emphasis markers are literal text


def test_markdown_escape_leaves_no_markup() -> None:
    assert markdown_escape("[a](javascript:x) <b>&") == r"\[a\]\(javascript:x\) &lt;b&gt;&amp;"


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_html_has_only_our_own_tags_and_shows_hostile_text_literally() -> None:
    out = summarize(hostile_reports(), fmt="html")
    parsed = _Collector()
    parsed.feed(out)
    assert set(parsed.tags) <= {"p", "ul", "li", "strong"}
    assert parsed.attrs == []
    # The markup is still there for a reader to see, as text.
    assert HOSTILE in "".join(parsed.text)


def test_empty_and_bad_format() -> None:
    assert summarize([]) == "No places found."
    with pytest.raises(RenderError):
        summarize(seed_reports(), fmt="pdf")  # type: ignore[arg-type]


def test_cli_summary_of_the_seed_article(seed_path, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from sitmap.cli.main import main

    assert main(["-q", "summary", str(seed_path)]) == 0
    text = capsys.readouterr().out
    assert text.count("\n") == 1
    assert "Kherson captured, claimed by Russia's forces and not yet verified" in text
    assert "Mariupol encircled (claimed by interior ministry adviser Anton Herashchenko)" in text
    out = tmp_path / "caption.md"
    assert main(["-q", "summary", str(seed_path), "--format", "markdown", "-o", str(out)]) == 0
    md = out.read_text(encoding="utf-8")
    assert "- **Mariupol** encircled" in md
