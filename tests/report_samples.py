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
               "Russia's forces claimed to have taken complete control of the city, which would "
               "be the biggest city to fall in the invasion thus far.", 4021,
               claimant="Russia's forces", hedge="not yet verified", cue="taken complete control",
               mention_start=3950, mention_end=3957),
            _a(KHERSON, Status.UNKNOWN, Epistemic.DISPUTED,
               "The status of another vital port, Kherson, a Black Sea shipbuilding city of "
               "280,000, remained unclear.", 3916, hedge="remained unclear",
               mention_start=3950, mention_end=3957),
        ),
        _report(
            MARIUPOL,
            _a(MARIUPOL, Status.ENCIRCLED, Epistemic.CLAIMED,
               "In the south, Ukraine's southern port of Mariupol is surrounded by Russian "
               "troops, interior ministry adviser Anton Herashchenko said on Thursday.", 3780,
               claimant="interior ministry adviser Anton Herashchenko", cue="surrounded"),
        ),
        _report(
            BORODYANKA,
            _a(BORODYANKA, Status.CONTESTED, Epistemic.REPORTED,
               "In Borodyanka , a tiny town 60 kilometres northwest of Kyiv where locals had "
               "repelled a Russian assault, burnt out hulks of destroyed Russian armour were "
               "scattered on a highway.", 3600, outcome="repelled", cue="repelled"),
            _a(BORODYANKA, Status.STRUCK, Epistemic.REPORTED,
               "An aerial photo taken with a drone shows a residential building destroyed by "
               "shelling in the settlement of Borodyanka, northwest of Kyiv, on Thursday.", 3100,
               cue="destroyed by shelling"),
        ),
        _report(
            KHARKIV,
            _a(KHARKIV, Status.STRUCK, Epistemic.REPORTED,
               "The mass evacuation could be seen in Kharkiv, a city of about 1.5 million people "
               "where residents desperate to escape falling shells and bombs crowded the city's "
               "train station.", 2300, cue="falling shells"),
            _a(KHARKIV, Status.DISPLACEMENT, Epistemic.REPORTED,
               "The mass evacuation could be seen in Kharkiv.", 2300, cue="mass evacuation"),
        ),
        _report(
            KYIV,
            _a(KYIV, Status.STRUCK, Epistemic.CLAIMED,
               "Klitschko said there were no casualties overnight and that nighttime explosions "
               "were Ukrainian air defences striking down incoming Russian missiles.", 3400,
               claimant="Mayor Vitali Klitschko", cue="missiles"),
            _a(KYIV, Status.HELD, Epistemic.CLAIMED,
               'The situation in Ukraine\'s capital Kyiv is "difficult but under control," Mayor '
               "Vitali Klitschko said on Thursday.", 3300,
               claimant="Mayor Vitali Klitschko", cue="under control"),
            _a(KYIV, Status.ADVANCE, Epistemic.REPORTED,
               "With a column of tanks and other vehicles apparently stalled for days outside the "
               "capital of Kyiv, fighting continued on multiple fronts across Ukraine.", 2500,
               hedge="apparently", cue="stalled", precision=2),
        ),
        _report(
            POLAND,
            _a(POLAND, Status.DISPLACEMENT, Epistemic.REPORTED,
               "The National's Adrienne Arsenault reports from Poland, where a huge number of "
               "Ukrainians are arriving daily in search of safety.", 1500, precision=3,
               url="https://www.cbc.ca/news/world/ukraine-1.6371185", outlet="CBC"),
            precision=3,
        ),
        _report(
            BELARUS,
            _a(BELARUS, Status.DIPLOMACY, Epistemic.REPORTED,
               "A second round of talks aimed at ending the fighting could come later Thursday "
               "in neighbouring Belarus.", 2700, precision=3),
            precision=3,
        ),
        _report(
            BORDER,
            _a(BORDER, Status.DISPLACEMENT, Epistemic.REPORTED,
               "A train station near the Poland-Ukraine border is the site of a growing "
               "humanitarian crisis.", 1700, precision=2),
            precision=2,
        ),
        _report(
            BEIJING,
            _a(BEIJING, Status.MENTIONED, Epistemic.REPORTED,
               "Russian and Belarusian athletes banned from Beijing Paralympics.", 400, date=None),
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
