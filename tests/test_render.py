"""Unit tests of the situation map renderer (the HTML source, without a browser).

The browser tests (``test_render_browser.py``) import :func:`sample_reports`
and :func:`hostile_reports` from here, so both test files draw the same places.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from report_samples import BEIJING, BELARUS, BORODYANKA, KHARKIV, KHERSON, KYIV, MARIUPOL, POLAND

from sitmap.errors import ConfigError, PublishError, RenderError
from sitmap.model import (
    Article,
    Assertion,
    Epistemic,
    Kind,
    Place,
    PlaceReport,
    Status,
    headline_of,
)

ROOT = Path(__file__).resolve().parent.parent
GENERATED = dt.datetime(2022, 3, 4, 12, 0, tzinfo=dt.timezone.utc)

# Real coordinates (GeoNames), shared with the other report-output tests.
PL_UA_BORDER = Place(
    "Poland-Ukraine border", 50.8, 23.9, Kind.BORDER, "UA",
    geometry={"type": "LineString",
              "coordinates": [[23.63, 51.51], [24.1, 50.84], [23.6, 50.4], [22.66, 49.55],
                              [22.88, 49.0]]},
)

ART1 = Article(doc_id="a1", source="articles/a1.txt", text="", date=dt.date(2022, 3, 1),
               title="Russian forces press on Kyiv", url="https://example.org/news/a1",
               outlet="Example Wire")
ART2 = Article(doc_id="a2", source="articles/a2.txt", text="", date=dt.date(2022, 3, 3),
               title="Kherson falls, Russia says", url="https://example.org/news/a2",
               outlet="Example Wire")


def _a(place: Place, status: Status, epi: Epistemic, quote: str, *, day: int = 3,
       doc: Article = ART2, **kw: object) -> Assertion:
    return Assertion(place=place, status=status, epistemic=epi, quote=quote, start=0,
                     end=len(quote), source=doc.source, doc_id=doc.doc_id,
                     date=dt.date(2022, 3, day), url=doc.url, outlet=doc.outlet,
                     **kw)  # type: ignore[arg-type]


def _r(place: Place, *assertions: Assertion, precision: int = 1) -> PlaceReport:
    return PlaceReport(place=place, headline=headline_of(list(assertions)),
                       assertions=tuple(assertions), precision=precision)


KHERSON_QUOTE = ("Russia's forces claimed they now held the whole city, a claim that could "
                 "not be independently verified.")
MARIUPOL_QUOTE = "The port city of Mariupol was surrounded, an interior ministry adviser said."


def sample_reports() -> list[PlaceReport]:
    """The seed article's reading, spread over two dates (1 and 3 March 2022)."""
    return [
        _r(KHERSON,
           _a(KHERSON, Status.CAPTURED, Epistemic.CLAIMED, KHERSON_QUOTE,
              claimant="Russia's forces", hedge="could not be independently verified"),
           _a(KHERSON, Status.UNKNOWN, Epistemic.DISPUTED,
              "The situation in Kherson remained unclear.", day=1, doc=ART1)),
        _r(MARIUPOL,
           _a(MARIUPOL, Status.ENCIRCLED, Epistemic.CLAIMED, MARIUPOL_QUOTE,
              claimant="interior ministry adviser Anton Herashchenko")),
        _r(BORODYANKA,
           _a(BORODYANKA, Status.CONTESTED, Epistemic.REPORTED,
              "Ukrainian forces repelled an assault on Borodyanka.", day=1, doc=ART1,
              outcome="repelled"),
           _a(BORODYANKA, Status.STRUCK, Epistemic.REPORTED,
              "A building in Borodyanka was destroyed by shelling.", day=1, doc=ART1)),
        _r(KHARKIV,
           _a(KHARKIV, Status.STRUCK, Epistemic.CONFIRMED,
              "Missiles struck the centre of Kharkiv, footage verified by reporters shows.", day=1,
              doc=ART1),
           _a(KHARKIV, Status.DISPLACEMENT, Epistemic.REPORTED,
              "A mass evacuation of Kharkiv began.")),
        _r(KYIV,
           _a(KYIV, Status.STRUCK, Epistemic.CLAIMED,
              "Explosions were heard in Kyiv overnight, the mayor said.", claimant="the mayor"),
           _a(KYIV, Status.HELD, Epistemic.CLAIMED,
              "The situation is difficult but under control, the mayor said.", day=1, doc=ART1,
              claimant="the mayor")),
        _r(POLAND,
           _a(POLAND, Status.DISPLACEMENT, Epistemic.REPORTED,
              "Hundreds of thousands have fled to Poland."), precision=3),
        _r(BELARUS,
           _a(BELARUS, Status.DIPLOMACY, Epistemic.REPORTED,
              "Talks were held in Belarus.", day=1, doc=ART1), precision=3),
        _r(BEIJING,
           _a(BEIJING, Status.MENTIONED, Epistemic.REPORTED,
              "The Paralympics open in Beijing on Friday.")),
        _r(PL_UA_BORDER,
           _a(PL_UA_BORDER, Status.DISPLACEMENT, Epistemic.REPORTED,
              "Queues at the Poland-Ukraine border stretched for kilometres."), precision=2),
    ]


#: Payloads that would run if any article text reached the page as markup.
XSS_NAME = "Kyiv<script>window.__pwned=1</script>\"'<img src=x onerror=\"window.__pwned=2\">"
XSS_QUOTE = ("</script><script>window.__pwned=3</script><img src=x onerror=window.__pwned=4>"
             "<svg onload=window.__pwned=5> \u2028 \u2029 & \"quoted\" 'single' <!-- -->")
XSS_URL = "javascript:window.__pwned=6"


def hostile_reports() -> list[PlaceReport]:
    """Places whose names, quotes, claimants and links try to become markup or script."""
    evil = Place(XSS_NAME, 50.45, 30.52, Kind.CITY, "UA<b>")
    doc = Article(doc_id="x<script>", source="x.txt", text="", title="<img src=x onerror=alert(1)>",
                  url=XSS_URL, outlet="<b onmouseover=window.__pwned=7>Outlet</b>")
    a = Assertion(place=evil, status=Status.CAPTURED, epistemic=Epistemic.CLAIMED, quote=XSS_QUOTE,
                  start=0, end=len(XSS_QUOTE), source=doc.source, doc_id=doc.doc_id,
                  date=dt.date(2022, 3, 3), claimant="<script>window.__pwned=8</script>",
                  hedge="\"><img src=x onerror=window.__pwned=9>", url=XSS_URL,
                  outlet=doc.outlet)
    b = Assertion(place=KHARKIV, status=Status.STRUCK, epistemic=Epistemic.REPORTED,
                  quote="Shelling hit Kharkiv.", start=0, end=21, source="y.txt", doc_id="y",
                  date=dt.date(2022, 3, 2),
                  url="JaVaScRiPt:window.__pwned=10", outlet="Y")
    return [_r(evil, a), _r(KHARKIV, b)]


def _data(html_text: str, prefix: str = "sitmap") -> dict:
    m = re.search(rf'<script type="application/json" id="{prefix}-data">(.*?)</script>',
                  html_text, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


# ---------------------------------------------------------------------------------- tests


def test_same_input_gives_byte_identical_file(tmp_path: Path) -> None:
    from sitmap.render import write_map

    a = write_map(sample_reports(), tmp_path / "a.html", articles=[ART1, ART2],
                  generated_at=GENERATED, title="Ukraine")
    # Reversed input order must not change the file either: the map sorts.
    b = write_map(list(reversed(sample_reports())), tmp_path / "b.html", articles=[ART1, ART2],
                  generated_at=GENERATED, title="Ukraine")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    # folium's random element ids would look like map_<32 hex digits>.
    assert not re.search(r"[0-9a-f]{32}", text)
    assert "var map_sitmap = SitmapMap.init(\"sitmap\");" in text


def test_generation_time_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitmap.render import render_html

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1646395200")  # 2022-03-04 12:00 UTC
    one = render_html(sample_reports())
    two = render_html(sample_reports())
    assert one == two
    assert "Generated 2022-03-04 12:00 UTC" in one
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        render_html(sample_reports())


def test_standalone_file_references_nothing_remote() -> None:
    from sitmap.render import render_html

    text = render_html(sample_reports(), generated_at=GENERATED, articles=[ART1, ART2])
    # No script or stylesheet is loaded from anywhere; every image is inline.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+stylesheet", text)
    assert "url(images/" not in text
    assert "Leaflet 1.9.3" in text
    assert "L.MarkerClusterGroup" in text
    # The only remote URLs are the tile template (requested only when online),
    # its attribution, the source links, and licence/comment URLs inside the libraries.
    data = _data(text)
    assert data["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    assert data["base"]["type"] == "FeatureCollection"
    # Ukraine's first-level regions are outlined when the gazetteer ships them.
    regions = [f for f in data["base"]["features"] if f["properties"].get("l") == 1]
    if (ROOT / "sitmap" / "data" / "gazetteer" / "admin1_shapes.json.gz").exists():
        assert len(regions) >= 24


def test_cdn_mode_links_pinned_assets_with_integrity() -> None:
    from sitmap.render import render_html

    small = render_html(sample_reports(), generated_at=GENERATED, cdn=True)
    big = render_html(sample_reports(), generated_at=GENERATED)
    assert 'src="https://unpkg.com/leaflet@1.9.3/dist/leaflet.js"' in small
    # The published SRI hash of Leaflet 1.9.3's leaflet.js.
    assert 'integrity="sha256-WBkoXOwTeyKclOHuWtc+i2uENFpDZ9YPdf5Hf+D7ewM="' in small
    assert "leaflet.markercluster@1.4.1" in small
    assert len(small) < len(big) / 4
    assert _data(small)["base"] is None


def test_data_block_escapes_markup_and_line_separators() -> None:
    from sitmap.render import render_html

    text = render_html(hostile_reports(), generated_at=GENERATED, title="<b>T</b>&")
    found = re.search(r'id="sitmap-data">(.*?)</script>', text, re.S)
    assert found is not None
    block = found.group(1)
    for raw in ("<", ">", "\u2028", "\u2029"):
        assert raw not in block
    assert "&" not in block.replace("\\u0026", "")
    # No article string appears unescaped anywhere in the document.
    for needle in ("<script>window.__pwned", "<img src=x", "<svg onload", "<b onmouseover",
                   "<img src=x onerror=alert"):
        assert needle not in text
    assert "<title>&lt;b&gt;T&lt;/b&gt;&amp;</title>" in text
    data = _data(text)
    names = {p[0] for p in data["p"]}
    assert XSS_NAME in names  # escaped in the file, intact once parsed
    quotes = [a[5] for a in data["a"]]
    assert XSS_QUOTE in quotes
    # javascript: links are dropped before they reach the page, whatever their case.
    assert "javascript:" not in text.lower().replace("javascript:window.__pwned", "!")
    assert all(s[1] is None for s in data["src"])


def test_payload_content_and_headline_order() -> None:
    from sitmap.render import payload_json

    data = json.loads(payload_json(sample_reports(), generated_at=GENERATED,
                                   articles=[ART1, ART2]))
    assert data["dates"] == ["2022-03-01", "2022-03-03"]
    by_name = {p[0]: p for p in data["p"]}
    assert set(by_name) == {"Kherson", "Mariupol", "Borodyanka", "Kharkiv", "Kyiv", "Poland",
                            "Belarus", "Beijing", "Poland-Ukraine border"}
    kherson = by_name["Kherson"]
    assert kherson[8] == 2  # its rows are contiguous, headline first
    head = data["a"][kherson[7]]
    assert data["st"][head[1]] == "captured" and data["ep"][head[2]] == "claimed"
    assert head[5] == KHERSON_QUOTE and head[6] == "Russia's forces"
    assert data["src"][head[4]][1] == "https://example.org/news/a2"
    # A country is an area, never a point; a city is a point.
    assert by_name["Poland"][3] == 3 and by_name["Poland"][6] > 100
    assert by_name["Kyiv"][3] == 1 and by_name["Kyiv"][6] == 0
    # The view opens on the theatre: Beijing and Poland are context, not conflict.
    (s, w), (n, e) = data["view"]
    assert 46 < s < n < 51 and 29 < w < e < 38
    assert data["all"][1][1] > 116  # Beijing still reachable through "show every place"
    # Encircled Mariupol gets a ring, the border is a line.
    kinds = {(data["p"][g[0]][0], g[1]) for g in data["g"]}
    assert ("Mariupol", "ring") in kinds and ("Poland-Ukraine border", "line") in kinds


def test_legend_lists_only_symbols_used() -> None:
    from sitmap.render import payload_json

    data = json.loads(payload_json(sample_reports(), generated_at=GENERATED))
    used = data["used"]
    # Headlines at some slider date: Kherson's "unknown" headlines on 1 March
    # (before the capture claim), Kharkiv's displacement never headlines.
    assert used["s"] == ["captured", "encircled", "contested", "struck", "displacement", "held",
                         "unknown", "diplomacy", "mentioned"]
    assert "civilian_harm" not in used["s"] and "recaptured" not in used["s"]
    assert used["e"] == ["confirmed", "reported", "claimed", "disputed"]
    assert used["area"] and used["ring"] and used["line"]

    only_kyiv = json.loads(payload_json([sample_reports()[4]], generated_at=GENERATED))
    assert only_kyiv["used"] == {"s": ["struck", "held"], "e": ["claimed"], "area": False,
                                 "ring": False, "line": False}


def test_render_parts_are_namespaced_and_compose_the_document() -> None:
    from sitmap.render import build_map, render_html, render_parts

    parts = render_parts(sample_reports(), prefix="m2", generated_at=GENERATED)
    assert parts.html.startswith('<div id="m2" class="m2-root">')
    assert 'id="m2-data"' in parts.html and 'id="m2-map"' in parts.html
    assert parts.script.strip() == '<script>\nvar map_m2 = SitmapMap.init("m2");\n</script>'
    own_rules = parts.css.split("<style>")[-1]
    selectors = [ln.split("{")[0] for ln in own_rules.splitlines() if "{" in ln]
    assert selectors and all("#m2" in s or s.startswith("@media") for s in selectors)
    assert "PFX" not in parts.css
    # The full document is built from the very same pieces.
    doc = render_html(sample_reports(), prefix="m2", generated_at=GENERATED)
    for piece in (parts.css, parts.js, parts.html):
        assert piece in doc
    assert 'var map_m2 = SitmapMap.init("m2");' in doc
    m = build_map(sample_reports(), prefix="m2", generated_at=GENERATED)
    assert m.get_name() == "map_m2"
    with pytest.raises(RenderError, match="prefix"):
        render_parts(sample_reports(), prefix="2 maps<")


def test_folium_layers_added_by_a_caller_draw_on_the_same_map() -> None:
    import folium

    from sitmap.render import build_map

    m = build_map(sample_reports(), generated_at=GENERATED)
    assert isinstance(m, folium.Map)
    folium.Marker([50.0, 30.0], tooltip="extra").add_to(m)
    doc = m.to_html()
    init = doc.index('var map_sitmap = SitmapMap.init("sitmap");')
    assert doc.index(".addTo(map_sitmap)") > init
    assert "<iframe" in m._repr_html_()


def test_invalid_input_raises_render_error(tmp_path: Path) -> None:
    from sitmap.render import render_html, write_map

    bad = Place("Nowhere", float("nan"), 30.0, Kind.CITY)
    with pytest.raises(RenderError, match="Nowhere"):
        render_html([_r(bad, _a(bad, Status.STRUCK, Epistemic.REPORTED, "x"))])
    with pytest.raises(RenderError, match="basemap"):
        render_html(sample_reports(), basemap="satellite")
    with pytest.raises(RenderError, match="tiles"):
        render_html(sample_reports(), tiles="javascript:alert(1)")
    # A target that cannot be replaced (a directory stands there) keeps the old
    # content and raises PublishError, as every output of sitmap does.
    target = tmp_path / "map.html"
    target.mkdir()
    (target / "keep").write_text("old")
    with pytest.raises(PublishError):
        write_map(sample_reports(), target, generated_at=GENERATED)
    assert (target / "keep").read_text() == "old"


def test_empty_map_renders() -> None:
    from sitmap.render import render_html

    data = _data(render_html([], generated_at=GENERATED))
    assert data["p"] == [] and data["view"] is None


def test_only_render_imports_folium() -> None:
    offenders = []
    for path in sorted((ROOT / "sitmap").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Imports under ``if TYPE_CHECKING:`` never run; annotations may name folium.Map.
        type_only = {id(n) for top in ast.walk(tree) if isinstance(top, ast.If)
                     and isinstance(top.test, ast.Name) and top.test.id == "TYPE_CHECKING"
                     for stmt in top.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == "folium" or n.startswith("folium.") or n == "branca"
                   or n.startswith("branca.") for n in names):
                rel = path.relative_to(ROOT).as_posix()
                if rel not in ("sitmap/render.py",) and not rel.startswith("sitmap/render/"):
                    offenders.append(f"{rel}:{getattr(node, 'lineno', 0)}")
    assert offenders == []


def test_changes_and_notes_are_shown_escaped() -> None:
    from sitmap.render import render_html

    doc = render_html(sample_reports(), generated_at=GENERATED, notes=["<i>note</i>"],
                      changes=[{"kind": "changed", "name": "Kherson",
                                "before": {"status": "captured", "epistemic": "claimed"},
                                "after": {"status": "captured", "epistemic": "confirmed"}}])
    assert "<li>&lt;i&gt;note&lt;/i&gt;</li>" in doc
    assert "<li>Kherson: claimed captured -&gt; confirmed captured</li>" in doc


def test_template_syntax_in_articles_stays_text() -> None:
    # folium's figure compiles rendered HTML as Jinja; article text must never reach it.
    from sitmap.render import render_html

    quote = "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {# c #} {{ config }}"
    place = Place("{{ name }}", 50.0, 30.0, Kind.CITY, "UA")
    doc = render_html([_r(place, _a(place, Status.STRUCK, Epistemic.REPORTED, quote))],
                      generated_at=GENERATED, title="{{ title }}")
    data = _data(doc)
    assert data["a"][0][5] == quote and data["p"][0][0] == "{{ name }}"
    assert "49" not in doc.split('id="sitmap-data">')[1][:200]
    assert "<title>{{ title }}</title>" in doc


def test_build_restores_garbage_collector_state() -> None:
    import gc

    from sitmap.render import render_html

    assert gc.isenabled()
    render_html(sample_reports(), generated_at=GENERATED)
    assert gc.isenabled()
    gc.disable()
    try:
        render_html(sample_reports(), generated_at=GENERATED)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RenderError):
        render_html(sample_reports(), basemap="nope")
    assert gc.isenabled()


def test_country_discs_mark_events_not_passing_mentions() -> None:
    from sitmap.render import render_html

    fled = _r(POLAND, _a(POLAND, Status.DISPLACEMENT, Epistemic.REPORTED,
                         "Refugees kept arriving in Poland."), precision=3)
    named = _r(BELARUS, _a(BELARUS, Status.MENTIONED, Epistemic.REPORTED,
                           "Belarus was named in passing."), precision=3)
    rows = {p[0]: p for p in _data(render_html([fled, named], generated_at=GENERATED))["p"]}
    # Both stay approximate (precision 3, a shaded area), but only the place
    # where something happened gets a country-sized area.
    assert rows["Poland"][3] == rows["Belarus"][3] == 3
    assert rows["Poland"][6] > 100
    assert 0 < rows["Belarus"][6] <= 20


def test_quote_with_a_lone_surrogate_still_writes_a_valid_map(tmp_path: Path) -> None:
    # JSON Lines input may carry a "\ud800" escape, which Python decodes to a
    # lone surrogate that strict UTF-8 writers refuse.
    from sitmap.render import write_map

    odd = "Shelling near the station \ud83d was reported overnight."
    path = write_map([_r(KHARKIV, _a(KHARKIV, Status.STRUCK, Epistemic.REPORTED, odd))],
                     tmp_path / "map.html", generated_at=GENERATED)
    text = path.read_bytes().decode("utf-8")  # strict: the file is valid UTF-8
    assert "\\ud83d" in text
    assert [a[5] for a in _data(text)["a"]] == [odd]
