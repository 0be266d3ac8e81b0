"""The Python API: the same answers as the CLI, as Python objects, and an inline notebook view."""

from __future__ import annotations

import html.parser
from pathlib import Path

import geopandas as gpd
import pytest
from report_samples import hostile_reports, seed_reports

import sitmap.api as api
from sitmap.errors import InputError
from sitmap.model import Article


def test_situation_from_reports_gives_places_summary_and_export(tmp_path: Path) -> None:
    s = api.analyze(seed_reports())
    assert repr(s) == "<Situation: 9 places from 0 articles>"
    gdf = s.places()
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["name"])[:2] == ["Kherson", "Mariupol"]
    per_assertion = s.places(per="assertion")
    assert len(per_assertion) == sum(len(r.assertions) for r in seed_reports())
    assert "Kherson captured, claimed by Russia's forces" in s.summary()
    out = s.export(tmp_path / "x.gpkg", per="assertion")
    assert len(gpd.read_file(out)) == len(per_assertion)
    with pytest.raises(InputError):
        s.places(per="row")


def test_analyze_returns_a_situation_unchanged_or_retitled() -> None:
    s = api.analyze(seed_reports())
    assert api.analyze(s) is s
    assert api.analyze(s, title="T").title == "T"


def test_text_and_source_are_exclusive() -> None:
    with pytest.raises(InputError, match="either"):
        api.analyze("a.txt", text="Kyiv")
    with pytest.raises(InputError, match="cannot read"):
        api.analyze([3.5])  # type: ignore[list-item]


# -- through the real pipeline -------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_situation(seed_path: Path, gazetteer) -> api.Situation:  # type: ignore[no-untyped-def]
    return api.analyze(seed_path, gazetteer=gazetteer)


def test_seed_article_through_the_api(seed_situation: api.Situation) -> None:
    names = {r.place.name: r for r in seed_situation.reports}
    assert {"Kherson", "Mariupol", "Kyiv", "Kharkiv"} <= set(names)
    # Kherson is a claim, not a fact; Mariupol is encircled.
    assert names["Kherson"].headline.status.value == "captured"
    assert names["Kherson"].headline.epistemic.value in ("claimed", "disputed")
    assert names["Mariupol"].headline.status.value == "encircled"
    assert seed_situation.articles[0].date.isoformat() == "2022-03-03"  # type: ignore[union-attr]
    text = seed_situation.summary()
    assert "Kherson captured" in text and "Mariupol encircled" in text


def test_one_shot_helpers_match_the_situation(
    seed_path: Path, gazetteer, seed_situation: api.Situation  # type: ignore[no-untyped-def]
) -> None:
    mentions = api.extract(seed_path, gazetteer=gazetteer)
    assert mentions == seed_situation.mentions
    text = seed_path.read_text(encoding="utf-8")
    assert all(text[m.start:m.end] == m.text for m in mentions)
    gdf = api.places(seed_path, gazetteer=gazetteer)
    assert list(gdf["name"]) == [r.place.name for r in seed_situation.reports]
    assert api.summary(seed_path, gazetteer=gazetteer) == seed_situation.summary()


def test_text_and_articles_as_sources(gazetteer) -> None:  # type: ignore[no-untyped-def]
    s = api.analyze(text="date 2022-03-03\nRussian troops surrounded Mariupol on Thursday.",
                    gazetteer=gazetteer)
    assert [r.place.name for r in s.reports] == ["Mariupol"]
    assert s.reports[0].headline.date.isoformat() == "2022-03-03"  # type: ignore[union-attr]
    art = Article(doc_id="a1", source="mem", text="Shelling hit Kharkiv overnight.")
    s2 = api.analyze([art], gazetteer=gazetteer)
    assert [r.place.name for r in s2.reports] == ["Kharkiv"]
    assert s2.reports[0].headline.doc_id == "a1"


class _Iframes(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.iframes: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "iframe":
            self.iframes.append(dict(attrs))
        if tag == "script":
            self.scripts += 1


def test_notebook_display_is_a_sandboxed_offline_iframe() -> None:
    s = api.analyze(seed_reports() + hostile_reports(), title="Seed <b>map</b>")
    out = s._repr_html_()
    parsed = _Iframes()
    parsed.feed(out)
    # Nothing runs in the notebook's own page: the only live HTML is one iframe.
    assert parsed.scripts == 0 and len(parsed.iframes) == 1
    frame = parsed.iframes[0]
    assert frame["sandbox"] == "allow-scripts allow-popups"  # no allow-same-origin
    assert frame["title"] == "Seed <b>map</b>"
    page = frame["srcdoc"] or ""
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "http://" not in page.split("<body", 1)[0].replace("http://www.w3.org", "")
    assert "<figcaption" in out and "<strong>Kherson</strong> captured" in out  # the caption


def test_build_map_is_a_folium_map_of_the_situation() -> None:
    import folium

    m = api.build_map(seed_reports(), title="Seed", generated_at="2022-03-03T12:00:00Z")
    assert isinstance(m, folium.Map)
    # render_html of the same situation is the document the map itself renders
    s = api.analyze(seed_reports())
    assert s.html(title="Seed", generated_at="2022-03-03T12:00:00Z") == m.to_html()


@pytest.mark.browser
def test_notebook_display_draws_offline_in_a_browser(chromium_path: str, tmp_path: Path) -> None:
    """The inline display, pasted into a page as Jupyter does, draws with the network off."""
    from playwright.sync_api import sync_playwright

    from sitmap.browser import chromium_args

    cell = api.analyze(seed_reports())._repr_html_()
    page_path = tmp_path / "notebook.html"
    page_path.write_text(f"<!doctype html><html><body><div class='cell'>{cell}</div></body></html>",
                         encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=chromium_args())
        try:
            ctx = browser.new_context(offline=True)
            ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:", "about:")) else (requests.append(r.request.url), r.abort()))
            page = ctx.new_page()
            page.goto(page_path.as_uri())
            frame = page.frame_locator("iframe")
            frame.locator("[data-ready='1']").wait_for(timeout=20_000)
            rows = frame.locator("table tbody tr").count()
        finally:
            browser.close()
    assert rows == len(seed_reports())
    assert requests == []


@pytest.mark.browser
@pytest.mark.slow
def test_every_example_in_the_reports_guide_runs(chromium_path: str, tmp_path: Path) -> None:
    """docs/reports.md: run each shell and Python block in order, in a fresh directory."""
    import os
    import re
    import subprocess
    import sys

    doc = (Path(__file__).resolve().parent.parent / "docs" / "reports.md").read_text("utf-8")
    blocks = re.findall(r"^```(sh|python)\n(.*?)^```$", doc, flags=re.M | re.S)
    assert len(blocks) >= 8
    env = dict(os.environ)
    # the documented commands are `sitmap` and `python`: this environment's
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SOURCE_DATE_EPOCH"] = "1646308800"
    namespace: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for lang, code in blocks:
            if lang == "sh":
                run = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=tmp_path,
                                     env=env, capture_output=True, text=True, timeout=600)
                assert run.returncode == 0, f"{code}\n{run.stderr}"
            else:
                exec(compile(code, "docs/reports.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    report = tmp_path / "report"
    for name in ("index.html", "map-embed.html", "map-frame.html", "map-frame.map.html",
                 "map.html", "map.png", "report.md", "caption.md", "map-print.png", "kyiv.pdf"):
        assert (report / name).stat().st_size > 0, name
    md = (report / "report.md").read_text(encoding="utf-8")
    assert re.search(r"\[!\[[^\]]+\]\(map\.png\)\]\(map\.html\)", md)
    index = (report / "index.html").read_text(encoding="utf-8")
    assert 'id="situation-embed"' in index and '<noscript><img src="map.png"' in index
    for name in ("places.geojson", "places.gpkg", "assertions.parquet", "assertions.csv",
                 "office-map.html"):
        assert (tmp_path / name).stat().st_size > 0, name
