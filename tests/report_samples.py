"""PlaceReports built by hand for tests of the report outputs.

They follow the seed article's expected reading (status-taxonomy.md, "example: the seed
article") with real coordinates, so the export, summary, embed and snapshot tests do not depend
on the extraction pipeline being right, and include the awkward cases a real run produces: a
place with no geonameid, a precision-3 country centroid, nulls in every optional field, and
article text that tries to become HTML.
"""

from __future__ import annotations

import datetime as dt

from sitmap.model import Assertion, Epistemic, Kind, Place, PlaceReport, Status, headline_of

SOURCE = "seed/2022-03-03-ukraine-article.txt"
DAY = dt.date(2022, 3, 3)


def _a(place: Place, status: Status, epistemic: Epistemic, quote: str, start: int, **kw) -> Assertion:
    return Assertion(
        place=place,
        status=status,
        epistemic=epistemic,
        quote=quote,
        start=start,
        end=start + len(quote),
        source=kw.pop("source", SOURCE),
        doc_id=kw.pop("doc_id", SOURCE),
        date=kw.pop("date", DAY),
        **kw,
    )


def _report(place: Place, *assertions: Assertion, precision: int = 1) -> PlaceReport:
    return PlaceReport(
        place=place,
        headline=headline_of(list(assertions)),
        assertions=tuple(assertions),
        precision=precision,
    )


KYIV = Place("Kyiv", 50.4547, 30.5238, Kind.CITY, "UA", geonameid=703448, population=2797553)
KHARKIV = Place("Kharkiv", 49.9808, 36.2527, Kind.CITY, "UA", geonameid=706483)
MARIUPOL = Place("Mariupol", 47.0951, 37.5413, Kind.CITY, "UA", geonameid=701822)
KHERSON = Place("Kherson", 46.6558, 32.6178, Kind.CITY, "UA", geonameid=706448)
BORODYANKA = Place("Borodyanka", 50.6448, 29.9226, Kind.TOWN, "UA", geonameid=711369)
POLAND = Place("Poland", 52.0, 19.0, Kind.COUNTRY, "PL", geonameid=798544)
BELARUS = Place("Belarus", 53.0, 28.0, Kind.COUNTRY, "BY", geonameid=630336)
BEIJING = Place("Beijing", 39.9075, 116.3972, Kind.CITY, "CN", geonameid=1816670)
BORDER = Place(
    "Poland–Ukraine border", 50.6, 23.9, Kind.BORDER, None, geonameid=None,
    geometry={"type": "LineString", "coordinates": [[22.6, 49.1], [23.6, 50.4], [24.1, 51.6]]},
)


def seed_reports() -> list[PlaceReport]:
    """The seed article's places as the taxonomy expects them."""
    return [
        _report(
            KHERSON,
            _a(KHERSON, Status.CAPTURED, Epistemic.CLAIMED,
               "Russia's forces claimed they now held the whole of the port city, which would "
               "make it the largest city lost so far.", 4021,
               claimant="Russia's forces", hedge="not yet verified", cue="taken complete control",
               mention_start=3950, mention_end=3957),
            _a(KHERSON, Status.UNKNOWN, Epistemic.DISPUTED,
               "Who controls Kherson, a shipyard city on the Black Sea coast, remained unclear "
               "on Thursday evening.", 3916, hedge="remained unclear",
               mention_start=3950, mention_end=3957),
        ),
        _report(
            MARIUPOL,
            _a(MARIUPOL, Status.ENCIRCLED, Epistemic.CLAIMED,
               "Russian units have surrounded the southern port of Mariupol, interior ministry "
               "adviser Anton Herashchenko told reporters.", 3780,
               claimant="interior ministry adviser Anton Herashchenko", cue="surrounded"),
        ),
        _report(
            BORODYANKA,
            _a(BORODYANKA, Status.CONTESTED, Epistemic.REPORTED,
               "Residents of Borodyanka, a small town northwest of Kyiv, repelled a Russian "
               "assault and wrecked armoured vehicles now line the main road.", 3600,
               outcome="repelled", cue="repelled"),
            _a(BORODYANKA, Status.STRUCK, Epistemic.REPORTED,
               "Drone footage shows an apartment block in Borodyanka destroyed by shelling "
               "overnight.", 3100,
               cue="destroyed by shelling"),
        ),
        _report(
            KHARKIV,
            _a(KHARKIV, Status.STRUCK, Epistemic.REPORTED,
               "Shells kept falling on Kharkiv, and families packed the platforms of the main "
               "railway station to get out.", 2300, cue="shells kept falling"),
            _a(KHARKIV, Status.DISPLACEMENT, Epistemic.REPORTED,
               "Thousands of people left Kharkiv by train.", 2300, cue="left"),
        ),
        _report(
            KYIV,
            _a(KYIV, Status.STRUCK, Epistemic.CLAIMED,
               "Klitschko said the blasts heard over the city at night came from air defences "
               "shooting down Russian missiles.", 3400,
               claimant="Mayor Vitali Klitschko", cue="missiles"),
            _a(KYIV, Status.HELD, Epistemic.CLAIMED,
               "Kyiv remains under control despite the strain, Mayor Vitali Klitschko said on "
               "Thursday.", 3300,
               claimant="Mayor Vitali Klitschko", cue="under control"),
            _a(KYIV, Status.ADVANCE, Epistemic.REPORTED,
               "A long armoured column appears to have been stuck outside Kyiv for several days.",
               2500,
               hedge="apparently", cue="stalled", precision=2),
        ),
        _report(
            POLAND,
            _a(POLAND, Status.DISPLACEMENT, Epistemic.REPORTED,
               "Large numbers of Ukrainians cross into Poland every day looking for safety.",
               1500, precision=3, url="https://news.example.org/poland-arrivals",
               outlet="Example Broadcaster"),
            precision=3,
        ),
        _report(
            BELARUS,
            _a(BELARUS, Status.DIPLOMACY, Epistemic.REPORTED,
               "Negotiators may meet again in Belarus later this week to discuss a ceasefire.",
               2700, precision=3),
            precision=3,
        ),
        _report(
            BORDER,
            _a(BORDER, Status.DISPLACEMENT, Epistemic.REPORTED,
               "Aid workers describe crowded, freezing stations along the Poland-Ukraine "
               "border.", 1700, precision=2),
            precision=2,
        ),
        _report(
            BEIJING,
            _a(BEIJING, Status.MENTIONED, Epistemic.REPORTED,
               "Athletes from two countries were barred from the Paralympics in Beijing.", 400,
               date=None),
        ),
    ]


HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def hostile_reports() -> list[PlaceReport]:
    """A place whose name, claimant and quote are markup, as an article could carry."""
    place = Place(f"Evil{HOSTILE}", 48.5, 35.0, Kind.TOWN, "UA", geonameid=None)
    return [
        _report(
            place,
            _a(place, Status.CAPTURED, Epistemic.CLAIMED, f"It fell {HOSTILE} **bold** [x](javascript:alert(1))", 10,
               claimant=f"*someone* {HOSTILE}", hedge="_unverified_ `code`",
               url="javascript:alert(1)", outlet="<b>Outlet</b>", date=None),
        )
    ]
