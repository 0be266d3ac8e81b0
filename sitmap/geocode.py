"""Resolving recognised place mentions to gazetteer entries.

:func:`resolve` chooses, for every mention, one candidate from the gazetteer
(or none) by adding up evidence:

* **prior**: the kind of place (countries and first-level regions first) and
  its population, and the gazetteer's own ranking of the name match;
* **focus countries**: countries named in the article, countries of its
  unambiguous places, and the countries of its demonyms ("Russian forces");
* **focus regions**: first-level regions named in the article ("Ohio") pull
  their towns ("Columbus" in Ohio, not Georgia);
* **qualifiers**: "Kherson, Ukraine", "Paris, Texas", "Springfield, Ill.";
* **coherence**: a candidate close (geodesic distance) to the article's other
  places wins over a far one;
* **relative cues**: "a tiny town 60 kilometres northwest of Kyiv" is parsed
  into distance, bearing and anchor, each candidate is checked with geopy's
  geodesic distance and the bearing from the anchor, and the one that fits is
  preferred; the cue is kept on the mention with the checked distance.

Precision follows ``status-taxonomy.md``: 1 for a town itself, 2 for the
surroundings of a town ("outside Kyiv", "60 km northwest of Kyiv" when no
named place carries the cue), 3 for countries, regions, water and borders.

Anaphors ("the city", "the capital") found by recognition are resolved to the
last named city, town or village before them, or for "the capital" to the
capital of the country in focus; the ones that refer to nothing are dropped.
They stay in the output (``anaphor=True``) because the status tagger attaches
"the city" statements through them.
"""

from __future__ import annotations

import math
import re
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, TypeVar

from geographiclib.geodesic import Geodesic
from geopy.distance import ELLIPSOIDS, geodesic

from .mentions import demonyms, lexicons
from .model import Article, Kind, Mention, Place, RelativeCue, Sentence

__all__ = ["parse_cues", "resolve", "CueMatch", "bearing_deg", "distance_km"]

#: kinds that are areas, not points: precision 3
AREA_KINDS = frozenset(
    {Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2, Kind.REGION, Kind.WATER, Kind.BORDER, Kind.FEATURE}
)
SETTLEMENT_KINDS = frozenset({Kind.CITY, Kind.TOWN, Kind.VILLAGE})
#: kinds that can qualify the name before them: "Kherson, Ukraine"
_QUALIFIER_KINDS = frozenset({Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2})
_ANCHOR_KINDS = SETTLEMENT_KINDS | {Kind.ADMIN2}

#: candidates considered per mention (the gazetteer ranks them by prior)
MAX_CANDIDATES = 12

#: penalty for a county reached by its bare name ("DeKalb" for DeKalb County)
BARE_COUNTY_PENALTY = 3.0
_COUNTY_WORDS = ("county", "parish", "borough", "district")

#: weight of closeness (within about 150 km) to the article's other places
NEAR_WEIGHT = 3.0

#: rounds of re-choosing by closeness (each follows the previous corrections)
COHERENCE_ROUNDS = 3

#: the most closeness can add to a candidate's score (NEAR_WEIGHT within
#: 150 km and 1 within 800 km, both at distance 0)
_MAX_NEAR = NEAR_WEIGHT + 1.0

#: km per radian of latitude difference, a lower bound of the haversine
#: distance (the earth's radius, a hair less so that rounding cannot break it)
_LAT_BOUND_KM = 6371.0 * (1.0 - 1e-9)

#: a place this close to a city's point can be a part of it ("Harlem, New York")
CITY_PART_KM = 25.0

#: bonus for a candidate inside a first-level region the article names
REGION_BONUS = 5.0

#: scale of the gazetteer's prior against the evidence scores below
PRIOR_WEIGHT = 2.0

#: a city this large, named by its preferred name, outranks small namesakes
#: that only carry the name as an alternate
LARGE_CITY_POPULATION = 100_000

#: how far ahead (in the gazetteer's prior units) that city, country or region
#: must already rank for its namesakes to yield to it
YIELD_PRIOR_GAP = 1.0

#: how far below such a place an alternate-name namesake's score is held
YIELD_MARGIN = 0.5

#: the gazetteer's reasons for a name that is a place's own (not an alternate)
_OWN_NAME_REASONS = frozenset({"preferred name", "curated news spelling"})

_UNIT_KM = {"km": 1.0, "kilometre": 1.0, "kilometer": 1.0, "mile": 1.609344, "mi": 1.609344}

_BEARING_WORDS = (
    r"(?:north|south)(?:[- ]?(?:north|south)?[- ]?(?:east|west))?(?:ern)?|east(?:ern)?|west(?:ern)?"
)
#: "60 kilometres northwest of", "10 miles (16 km) south of", "northwest of"
_CUE = re.compile(
    r"(?:(?P<num>\d+(?:[.,]\d+)?)(?:\s*(?:-|to)\s*\d+(?:[.,]\d+)?)?\s*-?\s*"
    r"(?P<unit>km|kilomet(?:re|er)s?|miles?|mi)\b\.?\s+(?:\([^)]{0,30}\)\s+)?)?"
    r"(?P<bearing>" + _BEARING_WORDS + r")\s+of\s+"
    r"(?:(?:the|its)\s+(?:\w+\s+)?(?:city|capital|town|village|port)(?:\s+of)?\s+)?$",
    re.IGNORECASE,
)
#: "60 km from", "outside", "near", "on the outskirts of"
_NEAR = re.compile(
    r"(?:(?P<num>\d+(?:[.,]\d+)?)\s*-?\s*(?P<unit>km|kilomet(?:re|er)s?|miles?|mi)\b\.?\s+"
    r"(?:away\s+)?from|(?P<word>just\s+outside|outside|near|nearby|close\s+to|"
    r"on\s+the\s+outskirts\s+of|outskirts\s+of|around|suburbs?\s+of))\s+"
    r"(?:(?:the|its)\s+(?:\w+\s+)?(?:city|capital|town|village|port)(?:\s+of)?\s+)?$",
    re.IGNORECASE,
)
#: a cheap first test: some cue word just before the anchor
_CUE_WORDS = (
    "north",
    "south",
    "east",
    "west",
    "outside",
    "near",
    "outskirt",
    "around",
    "close",
    "suburb",
    "from",
)
_COMPASS_WORDS = ("north", "south", "east", "west")
#: the words a cue can end with, just before its anchor
_CUE_LAST_WORDS = frozenset(
    {"of", "from", "outside", "near", "nearby", "to", "around"}
    | {"city", "capital", "town", "village", "port"}
)
#: the words a compass cue can end with
_COMPASS_LAST_WORDS = frozenset({"of", "city", "capital", "town", "village", "port"})
_DIGIT = re.compile(r"\d")
#: in a lower-cased ASCII window, what every :data:`_CUE` match holds: a
#: bearing word (each ends in "th", "st" or "rn") right before "of"
_BEARING_OF = re.compile(r"(?:th|st|rn)\s+of\s")
#: how a near cue closed by "to" ends (as :data:`_NEAR` spells it)
_CLOSE_TO = re.compile(r"close\s+to\s+$", re.IGNORECASE)
#: between a place and a cue that describes it: ", a tiny town " / ", some "
_APPOSITION = re.compile(
    r"^\s*,?\s*(?:(?:an?|the|some|about|roughly|around|just)\s+)?(?:[\w\-]+\s+){0,4}?$"
)
_COMPASS_PHRASE = re.compile(
    r"\b(?:in|across)\s+the\s+(north|south|east|west|north-?east|north-?west|south-?east|"
    r"south-?west|center|centre)\b(?!\s+of)"
    # "in the South Central Correctional Facility": the compass word opens a
    # proper name (capitalised word after it), not a part of the country
    r"(?![ \t]+(?-i:[A-Z]))",
    re.IGNORECASE,
)


#: words after a name that make it a first-level region: an office or body of
#: a state or province ("New York Gov. ...", "the Ontario legislature",
#: "Washington state")
_REGION_WORD = re.compile(
    r"[ \t]+(?:(?:Lt\.?[ \t]+)?Gov\b|Governor|Premier|[Ll]egislature|(state)\b|"
    r"State[ \t]+(?:Senate|Assembly|House|Legislature|Police|Capitol|Trooper))"
)

#: what every compass phrase contains, lower-cased (a cheap test before the
#: phrase itself; besides, "ſ" is the one letter that case-insensitive matching
#: would also take for an "s" but lower() keeps)
_COMPASS_HINT = re.compile(r"the\s+(?:north|south|east|west|cent)")

#: geopy's WGS-84 geodesic, in kilometres
_GEODESIC_KM = Geodesic(ELLIPSOIDS["WGS-84"][0], ELLIPSOIDS["WGS-84"][2])


@dataclass(frozen=True)
class CueMatch:
    """A relative cue found before an anchor mention."""

    start: int
    end: int
    distance_km: float | None
    bearing: str | None
    bearing_deg: float | None
    #: "near" for outside/near/around phrases without a compass bearing
    near: bool


def distance_km(a: Place, b: Place) -> float:
    """Geodesic (WGS84) distance between two places in kilometres, as geopy measures it."""
    if _plain(a) and _plain(b):
        # geopy's own computation without its per-call parsing: the same
        # ellipsoid (in km), the same call, the same sum
        s12 = _GEODESIC_KM.Inverse(
            float(a.lat or 0.0),
            float(a.lon or 0.0),
            float(b.lat or 0.0),
            float(b.lon or 0.0),
            Geodesic.DISTANCE,
        )["s12"]
        return float(0 + s12 + 0.0)
    # out of range or not finite: geopy normalises or refuses
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).km)


def _plain(p: Place) -> bool:
    """Whether *p*'s coordinates are finite and in range (geopy takes them as they are)."""
    return -90.0 <= p.lat <= 90.0 and -180.0 <= p.lon <= 180.0


def bearing_deg(a: Place, b: Place) -> float:
    """Initial geodesic bearing from *a* to *b*, degrees clockwise from north."""
    az = Geodesic.WGS84.Inverse(a.lat, a.lon, b.lat, b.lon)["azi1"]
    return float(az % 360.0)


def _angle_diff(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def _bearing_value(word: str) -> float | None:
    bearings = lexicons().bearings
    w = word.lower().replace(" ", "-")
    if w in bearings:
        return bearings[w]
    w2 = w.replace("-", "")
    for k, v in bearings.items():
        if k.replace("-", "") == w2:
            return v
    return None


def parse_cues(text: str, anchor_start: int) -> CueMatch | None:
    """Parse a relative cue that ends right before an anchor name.

    Parameters
    ----------
    text : str
        The article text.
    anchor_start : int
        Where the anchor's name starts ("Kyiv" in "60 km northwest of Kyiv").

    Returns
    -------
    CueMatch or None
    """
    window_start = max(0, anchor_start - 90)
    window = text[window_start:anchor_start]
    # most names have no cue: skip the costly patterns unless the window ends
    # in a space after a word that can close one ("of", "near", "the city")
    if not window[-1:].isspace():
        return None
    last = window.rstrip().rsplit(None, 1)[-1:]
    closing = last[0].lower() if last else ""
    if closing not in _CUE_LAST_WORDS:
        return None
    tail = window[-60:].lower()
    if not _has_cue_word(tail):
        return None
    low = window.lower()
    # the two patterns are searched case-insensitively from every offset of
    # the window, tens of microseconds each.  On ASCII text (where that
    # matching is plain lower-casing: no "ſ" matching "s", no "ı" matching
    # "i") a few substring tests on the lower-cased window first rule out
    # most windows that cannot match; other text goes straight to the search
    plain = window.isascii()
    # a compass cue ends in "of" or a place noun ("north of the city of"), and
    # needs a compass word somewhere in the window, right before "of"
    m = (
        _CUE.search(window, _earliest(low, _COMPASS_WORDS) if plain else 0)
        if closing in _COMPASS_LAST_WORDS
        and _has_compass_word(low)
        and (not plain or _BEARING_OF.search(low) is not None)
        else None
    )
    if m is not None:
        km = _km(m.group("num"), m.group("unit"))
        word = m.group("bearing").lower()
        return CueMatch(
            window_start + m.start(), anchor_start, km, word, _bearing_value(word), near=False
        )
    # a near cue ends in "from" only after a distance ("60 km from"), and in
    # "to" only as "close to": cheaper searches than the whole pattern's
    if closing == "from" and _DIGIT.search(window) is None:
        return None
    if closing == "to" and _CLOSE_TO.search(window) is None:
        return None
    if plain and not _may_be_near(low):
        return None
    m = _NEAR.search(window, _earliest(low, _NEAR_STARTS) if plain else 0)
    if m is not None:
        km = _km(m.group("num"), m.group("unit"))
        return CueMatch(window_start + m.start(), anchor_start, km, None, None, near=True)
    return None


def _has_cue_word(low: str) -> bool:
    """``any(w in low for w in _CUE_WORDS)``, spelt out (a generator costs more than the tests)."""
    return (
        "north" in low
        or "south" in low
        or "east" in low
        or "west" in low
        or "outside" in low
        or "near" in low
        or "outskirt" in low
        or "around" in low
        or "close" in low
        or "suburb" in low
        or "from" in low
    )


#: the words a :data:`_NEAR` match without a distance starts with
_NEAR_STARTS = ("just", "outside", "near", "close", "on", "outskirts", "around", "suburb")


def _earliest(low: str, starts: tuple[str, ...]) -> int:
    """The first offset in *low* of a digit or of one of *starts*; ``len(low)`` for none.

    A cue pattern's match begins with a distance or with one of its first
    words (*starts*, lower-cased), so on a lower-cased ASCII window none
    begins before this offset, and the search may start there: the same
    leftmost match, without trying every offset before it.
    """
    first = len(low)
    for word in starts:
        at = low.find(word, 0, first + len(word) - 1)  # a start before first
        if at >= 0:
            first = at
    digit = _DIGIT.search(low, 0, first)
    return digit.start() if digit is not None else first


def _may_be_near(low: str) -> bool:
    """Whether the lower-cased ASCII *low* holds what every :data:`_NEAR` match holds.

    A near cue has a near word ("outside", "nearby", "close to", "on the
    outskirts of", "around", "suburbs of") or a distance with its unit before
    "from" ("5 km from", "3 miles away from"; "mi" is in "mile").
    """
    return (
        "near" in low
        or "outside" in low
        or "around" in low
        or "close" in low
        or "outskirts" in low
        or "suburb" in low
        or ("from" in low and ("km" in low or "mi" in low or "kilomet" in low))
    )


def _has_compass_word(low: str) -> bool:
    """``any(w in low for w in _COMPASS_WORDS)``, spelt out."""
    return "north" in low or "south" in low or "east" in low or "west" in low


#: the last two letters of every word a cue can end with
_CUE_LAST_PAIRS = frozenset(w[-2:] for w in _CUE_LAST_WORDS)


def _may_cue(text: str, anchor_start: int) -> bool:
    """Whether :func:`parse_cues` can find a cue before *anchor_start* (a quick test).

    False only where parse_cues finds none: a cue ends in a space after a word
    of :data:`_CUE_LAST_WORDS`, and when a single space separates that word
    from the anchor, the two letters before the space end one of those words.
    Most names follow "in" or a comma; this test passes them over for a few
    character comparisons instead of parse_cues' slicing and splitting.
    """
    if anchor_start < 3:
        return True
    if not text[anchor_start - 1].isspace():
        return False
    if text[anchor_start - 2].isspace():
        return True  # more space: let parse_cues look further back
    # every cue word is two or more ASCII letters, so its last two are these
    return text[anchor_start - 3 : anchor_start - 1].lower() in _CUE_LAST_PAIRS


def _km(num: str | None, unit: str | None) -> float | None:
    if not num or not unit:
        return None
    value = (
        float(num.replace(",", ""))
        if num.count(",") and len(num.split(",")[-1]) == 3
        else float(num.replace(",", "."))
    )
    u = unit.lower().rstrip("s")
    return round(value * _UNIT_KM.get(u, 1.0), 3)


# --------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------


@dataclass
class _Cand:
    place: Place
    prior: float
    reasons: tuple[str, ...]
    score: float = 0.0
    #: a small place that only bears the name as an alternate while a country,
    #: region or large city bears it as its own: context may not overturn that
    yields: bool = False


class _Summary(NamedTuple):
    """What a name's candidates alone say about an article's focus."""

    #: (country, weight) the name adds to the focus, or ("", 0)
    focus: tuple[str, int]
    #: first-level regions the name stands for (a region pulls its towns)
    regions: tuple[tuple[str, str], ...]


def _summary(cl: list[_Cand]) -> _Summary:
    focus: tuple[str, int] = ("", 0)
    if cl:
        best = max(cl, key=lambda c: c.prior)
        countries = {c.place.country for c in cl if c.place.country}
        if len(countries) == 1 or _is_big(best) and best.prior - _second(cl) > 2.0:
            if best.place.country:
                # a named country or region says more about the article's
                # scope than a town that merely has a unique name
                weight = 3 if best.place.kind in (Kind.COUNTRY, Kind.ADMIN1) else 2
                focus = (best.place.country, weight)
    regions = []
    for c in cl[:3]:
        if c.place.kind is Kind.ADMIN1 and c.place.country and c.place.admin1:
            if len(cl) == 1 or c is max(cl, key=lambda x: x.prior):
                regions.append((c.place.country, c.place.admin1))
    return _Summary(focus, tuple(regions))


def _radians(p: Place) -> tuple[float, float, float]:
    """A place's latitude and longitude in radians, and the latitude's cosine."""
    lat = math.radians(p.lat)
    return lat, math.radians(p.lon), math.cos(lat)


class _Names:
    """A name's candidates with what resolution reads of them, prepared once.

    Resolution reads the same few attributes of every candidate in every
    article that mentions the name; reading them here, once per name for the
    life of the cache, keeps the per-article work to list look-ups.  Nothing
    here changes after construction: an article's scores and yielding flags
    live in its own :class:`_Group`.
    """

    __slots__ = (
        "cands",
        "places",
        "priors",
        "yields",
        "any_yields",
        "major_own",
        "priors_bare",
        "countries",
        "country_set",
        "regions",
        "with_region",
        "qualifies",
        "is_country",
        "is_anchor",
        "admin1s",
        "open_regions",
        "is_country_name",
        "country_of_name",
        "small_own",
        "lat",
        "lon",
        "cos_lat",
    )

    def __init__(self, cands: Sequence[_Cand]) -> None:
        self.cands = list(cands)
        places = self.places = [c.place for c in cands]
        self.priors = [c.prior for c in cands]
        self.yields = [c.yields for c in cands]
        self.any_yields = any(self.yields)
        #: the places a small alternate-name namesake is held below
        self.major_own = [_own_name(c) and _is_major(c) for c in cands]
        #: the priors when the name is said without "County": a county's own
        #: name ("DeKalb County") then loses to the town
        self.priors_bare = [
            c.prior - BARE_COUNTY_PENALTY
            if c.place.kind is Kind.ADMIN2 and c.place.name.lower().endswith(_COUNTY_WORDS)
            else c.prior
            for c in cands
        ]
        self.countries = [p.country or "" for p in places]
        self.country_set = [cc for cc in dict.fromkeys(self.countries) if cc]
        self.regions: list[tuple[str, str] | None] = [
            (p.country, p.admin1) if p.admin1 and p.country else None for p in places
        ]
        self.with_region = [n for n, r in enumerate(self.regions) if r is not None]
        #: whether the name can qualify the one before it ("Kherson, Ukraine")
        self.qualifies = any(p.kind in _QUALIFIER_KINDS for p in places)
        self.is_country = [p.kind is Kind.COUNTRY for p in places]
        self.is_anchor = [p.kind in _ANCHOR_KINDS for p in places]
        #: the candidates that are first-level regions ("New York" the state)
        self.admin1s = [n for n, p in enumerate(places) if p.kind is Kind.ADMIN1]
        #: the regions that are as close as can be to any place inside them,
        #: for closeness; a region with a namesake city inside ("New York")
        #: is left to the points, as closeness cannot tell the two apart
        self.open_regions = frozenset(
            n
            for n in self.admin1s
            if not any(
                p.kind in SETTLEMENT_KINDS and (p.country, p.admin1) == self.regions[n]
                for p in places
            )
        )
        #: whether the best candidate by prior is a country called by its own
        #: name ("China"), and that country's code ("" when it has none)
        best = max(cands, key=attrgetter("prior")) if cands else None
        self.is_country_name = (
            best is not None and best.place.kind is Kind.COUNTRY and _own_name(best)
        )
        self.country_of_name = (best.place.country or "") if best and self.is_country_name else ""
        #: the small settlements bearing the name as their own, which yield to
        #: the country of that name when the article names foreign countries
        self.small_own = [
            n
            for n, c in enumerate(cands)
            if c.place.kind in SETTLEMENT_KINDS
            and c.place.population < LARGE_CITY_POPULATION
            and _own_name(c)
        ]
        # coherence measures distances in radians, from these
        radians = [_radians(p) for p in places]
        self.lat = [r[0] for r in radians]
        self.lon = [r[1] for r in radians]
        self.cos_lat = [r[2] for r in radians]


class _Group:
    """The candidates one or more mentions of an article share, with their scores."""

    __slots__ = ("names", "scores", "yields")

    def __init__(self, names: _Names) -> None:
        self.names = names
        self.scores: list[float] = []
        # copied only when the article changes a flag (a qualifier does)
        self.yields = names.yields


_K = TypeVar("_K")
_V = TypeVar("_V")
#: entries a per-gazetteer memo holds before it starts afresh (bounds memory
#: in a long-running job that meets ever new names)
_MEMO_MAX = 50_000


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store *value* in *memo* under *key* and return it, emptying a full memo first."""
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value


class _CandidateCache:
    """Gazetteer lookups cached per key for the life of one gazetteer object."""

    def __init__(self, gaz: Any, limit: int = 25) -> None:
        self.gaz = gaz
        self.limit = limit
        #: the gazetteer's ``generation`` the entries below were read at
        self.generation = 0
        self.cache: dict[str, list[_Cand]] = {}
        self.summaries: dict[str, _Summary] = {}
        self.prepared: dict[str, _Names] = {}
        self.extras: dict[str, dict[tuple[str, str], list[tuple[int, _Cand]]]] = {}
        #: a name's candidates with its namesakes in some regions added
        self.widened: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[_Names, _Names]] = {}
        #: per pair of names (qualified, qualifier): which places lie in the qualifier
        self.insides: dict[tuple[int, int], tuple[_Names, _Names, list[bool]]] = {}

    def get(self, key: str) -> list[_Cand]:
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        try:
            raw = self.gaz.entries(key)[: self.limit]
            if not raw:
                raw = self.gaz.lookup(key, limit=self.limit)
        except Exception:  # a malformed name must not stop the article
            raw = []
        out = []
        for c in raw:
            # the gazetteer's prior already weighs name quality (preferred,
            # alternate, a region shadowed by its city), kind, population,
            # capitals and curated entries; the evidence below is on its scale
            out.append(_Cand(c.place, PRIOR_WEIGHT * float(c.score), tuple(c.reasons)))
        out = out[:MAX_CANDIDATES]
        _mark_yielding(out)
        return _remember(self.cache, key, out)

    def names(self, key: str) -> _Names:
        """The name's candidates, prepared for resolution once per name."""
        hit = self.prepared.get(key)
        return hit if hit is not None else _remember(self.prepared, key, _Names(self.get(key)))

    def region_extras(self, key: str) -> dict[tuple[str, str], list[tuple[int, _Cand]]]:
        """A name's places beyond its first candidates, by (country, first-level region).

        Only places called by their own name (or a county by its bare name) are
        kept, each with its rank among all the name's places.
        """
        hit = self.extras.get(key)
        if hit is not None:
            return hit
        hit = {}
        try:
            entries = self.gaz.entries(key)
        except Exception:  # a malformed name must not stop the article
            entries = []
        for n, e in enumerate(entries[MAX_CANDIDATES:]):
            pl = e.place
            if (
                pl.admin1
                and pl.country
                and (e.reasons[:1] != ("alternate name",) or pl.kind is Kind.ADMIN2)
            ):
                c = _Cand(pl, PRIOR_WEIGHT * float(e.score), tuple(e.reasons))
                hit.setdefault((pl.country, pl.admin1), []).append((n, c))
        return _remember(self.extras, key, hit)

    def names_in(self, key: str, base: _Names, regions: set[tuple[str, str]]) -> _Names:
        """*base* (the name's prepared candidates) with its namesakes in *regions*.

        A name borne by many places ("Paris") keeps only its first
        :data:`MAX_CANDIDATES` by prior; a small namesake in a region the
        article names ("Paris" in an article about Idaho) joins them, so that
        the region's pull can choose it.  The widened candidates are a new
        :class:`_Names` (the shared *base* stays as every other article needs
        it), kept per name and set of regions, as articles about the same
        region repeat them.

        Returns
        -------
        _Names
            *base* itself when no namesake lies in *regions*.
        """
        extras = self.region_extras(key)
        if not extras:
            return base
        found = tuple(sorted(r for r in regions if r in extras))
        if not found:
            return base
        hit = self.widened.get((key, found))
        # the places must be *base*'s own objects: coherence matches a
        # qualified mention's candidates to its name's by identity
        if hit is not None and hit[0] is base:
            return hit[1]
        members = sorted((x for r in found for x in extras[r]), key=lambda x: x[0])
        # in prior order, as the rest; fresh candidates, none yielding (the
        # gazetteer's yielding marks concern the first candidates only)
        added = [_Cand(c.place, c.prior, c.reasons) for _, c in members]
        widened = _Names(base.cands + added)
        _remember(self.widened, (key, found), (base, widened))
        return widened

    def inside(self, names: _Names, qualifier: _Names) -> list[bool]:
        """Whether each of *names*' places lies in one of *qualifier*'s places.

        Kept per pair of prepared names, as the same pairs recur ("Kherson,
        Ukraine"); the entry holds both, so their ids stay theirs.

        Returns
        -------
        list of bool
            Per candidate of *names*; empty when *qualifier* has no candidates.
        """
        pair = (id(names), id(qualifier))
        hit = self.insides.get(pair)
        if hit is not None and hit[0] is names and hit[1] is qualifier:
            return hit[2]
        qplaces = qualifier.places
        flags = [any(_inside(p, q) for q in qplaces) for p in names.places] if qplaces else []
        _remember(self.insides, pair, (names, qualifier, flags))
        return flags

    def summary(self, key: str) -> _Summary:
        """What the name says about the article's focus, computed once per name."""
        hit = self.summaries.get(key)
        return hit if hit is not None else _remember(self.summaries, key, _summary(self.get(key)))


#: one lookup cache per live gazetteer object.  The cache reaches its
#: gazetteer through a weak proxy, so closing or dropping a gazetteer frees
#: both (a strong reference here kept every gazetteer ever opened in a
#: process alive, with its recogniser: hundreds of megabytes each).
_CACHES: weakref.WeakKeyDictionary[Any, _CandidateCache] = weakref.WeakKeyDictionary()


def _cache_for(gaz: Any) -> _CandidateCache:
    generation = getattr(gaz, "generation", 0)
    try:
        cache = _CACHES.get(gaz)
        if cache is None or cache.generation != generation:
            # new, or the user's entries changed since: start afresh
            cache = _CACHES[gaz] = _CandidateCache(weakref.proxy(gaz))
            cache.generation = generation
        return cache
    except TypeError:  # not weak-referenceable: a stand-in, cached per call
        return _CandidateCache(gaz)


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------


def _is_big(c: _Cand) -> bool:
    return c.place.kind in (Kind.COUNTRY, Kind.ADMIN1) or c.place.population >= 1_000_000


def _is_major(c: _Cand) -> bool:
    """A country, first-level region or large city."""
    return (
        c.place.kind in (Kind.COUNTRY, Kind.ADMIN1) or c.place.population >= LARGE_CITY_POPULATION
    )


def _own_name(c: _Cand) -> bool:
    return bool(c.reasons) and c.reasons[0] in _OWN_NAME_REASONS


def _mark_yielding(cl: list[_Cand]) -> None:
    """Mark the small alternate-name namesakes of a major place's own name.

    "Moldova" is the country's name and only an alternate name of a Ukrainian
    village: an article about Ukraine must not hand the name to the village
    because of its country.  A settlement under :data:`LARGE_CITY_POPULATION`
    that bears the name only as an alternate yields to a country, first-level
    region or large city whose own name it is, when the gazetteer's prior
    already puts that place :data:`YIELD_PRIOR_GAP` ahead.  Yielding candidates
    stay in the list (a qualifier or a relative cue can still choose them), but
    focus and coherence cannot lift them over the major place.
    """
    top = max((c.prior for c in cl if _own_name(c) and _is_major(c)), default=None)
    if top is None:
        return
    for c in cl:
        if (
            not _own_name(c)
            and c.place.kind in SETTLEMENT_KINDS
            and c.place.population < LARGE_CITY_POPULATION
            and top - c.prior >= PRIOR_WEIGHT * YIELD_PRIOR_GAP
        ):
            c.yields = True


def _add_region_members(
    keys: Sequence[str],
    groups: Sequence[_Group],
    cached: Sequence[bool],
    regions: set[tuple[str, str]],
    cache: _CandidateCache,
) -> None:
    """Give each name its namesakes inside the regions the article names.

    See :meth:`_CandidateCache.names_in`.  A group whose name has all its
    candidates already (fewer than :data:`MAX_CANDIDATES`), or whose
    candidates come from the online geocoder, keeps them.

    Parameters
    ----------
    keys : sequence of str
        Each named mention's key.
    groups : sequence of _Group
        Each named mention's candidates: a group that gains namesakes is given
        the widened candidates (the name's shared ones stay as they are).
    cached : sequence of bool
        Whether each mention's candidates come from the gazetteer.
    regions : set of (country, admin1)
        First-level regions the article names.
    cache : _CandidateCache
    """
    done: set[int] = set()
    for key, group, gazetteer_only in zip(keys, groups, cached, strict=True):
        if id(group) in done or not gazetteer_only or len(group.names.cands) < MAX_CANDIDATES:
            continue
        done.add(id(group))
        names = cache.names_in(key, group.names, regions)
        if names is not group.names:
            group.names = names
            group.yields = names.yields


_LIST_JOINERS = frozenset({",", "and", ", and", "or", ", or"})


def _in_country_list(text: str, named: Sequence[Mention], groups: Sequence[_Group], i: int) -> bool:
    """Whether names i and i+1 ("China, Japan") are items of a list of countries.

    Two country names joined by a comma are a list when a third country name
    joins them ("Brazil, China, Japan"; "China, Japan and Mexico"), and no
    qualifier when the second modifies what follows ("in Russia, U.S. officials
    said"); "Moldova, Ukraine" alone stays a qualifier (the Ukrainian village).
    """
    if not (groups[i].names.is_country_name and groups[i + 1].names.is_country_name):
        return False
    after = text[named[i + 1].end : named[i + 1].end + 40].lstrip()
    if after[:1].islower():
        return True  # "in Russia, U.S. officials said": the second name is an adjective
    if i > 0 and groups[i - 1].names.is_country_name:
        if text[named[i - 1].end : named[i].start].strip() in _LIST_JOINERS:
            return True
    if i + 2 < len(named) and groups[i + 2].names.is_country_name:
        if text[named[i + 1].end : named[i + 2].start].strip() in _LIST_JOINERS:
            return True
    return False


def _list_kinds(
    text: str, named: Sequence[Mention], groups: Sequence[_Group], chosen: list[int | None]
) -> None:
    """Make the members of a list of regions (or countries) all regions (or countries).

    Names joined by commas and "and"/"or" ("Idaho, Montana, Washington and
    Wyoming"; "Georgia and Florida") are items of one kind: a member chosen as
    something else whose name is also a first-level region in the country of
    the list's regions (or a country, in a list of countries) is taken as
    that, when most of the other members are of that kind.  Two names joined
    by a comma alone are a qualifier ("Washington, Missouri"), not a list,
    and a name followed by another name of the same place ("Washington, D.C.,
    Maryland and Virginia") stays as it is.

    Parameters
    ----------
    text : str
    named : sequence of Mention
        The article's named mentions, in text order.
    groups : sequence of _Group
        Each mention's scored candidates.
    chosen : list of int or None
        Each mention's candidate index; changed in place.
    """
    runs: list[list[int]] = []
    run: list[int] = []
    for i in range(len(named)):
        if run and text[named[i - 1].end : named[i].start].strip() in _LIST_JOINERS:
            run.append(i)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [i]
    if len(run) > 1:
        runs.append(run)
    for run in runs:
        if len(run) == 2 and text[named[run[0]].end : named[run[1]].start].strip() == ",":
            continue
        picked = [
            groups[i].names.places[pick] if (pick := chosen[i]) is not None else None for i in run
        ]
        for kind in (Kind.ADMIN1, Kind.COUNTRY):
            members = [p for p in picked if p is not None and p.kind is kind]
            # most of the others are of this kind (a member is not its own evidence)
            if 2 * len(members) <= len(run) - 1:
                continue
            countries = {p.country for p in members}
            for i, place in zip(run, picked, strict=True):
                if place is None or place.kind is kind:
                    continue
                nxt = i + 1
                npick = chosen[nxt] if nxt < len(named) else None
                if (
                    npick is not None
                    and text[named[i].end : named[nxt].start].strip() == ","
                    and _fast_km(place, groups[nxt].names.places[npick]) <= CITY_PART_KM
                ):
                    continue  # "Washington, D.C.": one place named twice
                places = groups[i].names.places
                fit = [
                    n
                    for n, p in enumerate(places)
                    if p.kind is kind and (kind is Kind.COUNTRY or p.country in countries)
                ]
                if fit:
                    chosen[i] = max(fit, key=groups[i].scores.__getitem__)


def _country_namesakes_yield(keys: Sequence[str], groups: Sequence[_Group]) -> None:
    """Hold a country's small namesakes below it when the article names foreign countries.

    "China" is a Texas village too, and "Jordan" a Minnesota town; local news
    means the town, while an article that also names other countries ("China,
    Japan and Russia") means the country.  A settlement under
    :data:`LARGE_CITY_POPULATION` bearing a country's own name yields to that
    country (as alternate-name namesakes do, see :func:`_mark_yielding`) when
    another name of the article is a country other than the settlement's own.
    A qualifier ("China, Texas") or a relative cue still chooses the settlement.

    Parameters
    ----------
    keys : sequence of str
        Each named mention's key.
    groups : sequence of _Group
        Each named mention's candidates; the yielding flags of the ones that
        yield are set (on the group's own copy of its flags).
    """
    countries: dict[str, str] = {}  # name -> the country its best candidate is
    for key, group in zip(keys, groups, strict=True):
        if group.names.country_of_name:
            countries[key] = group.names.country_of_name
    if len(countries) < 2:
        return
    done: set[int] = set()
    for key, group in zip(keys, groups, strict=True):
        if key not in countries or id(group) in done:
            continue
        done.add(id(group))
        names = group.names
        others = {cc for k, cc in countries.items() if k != key}
        for n in names.small_own:
            if others - {names.countries[n]} and not group.yields[n]:
                if group.yields is names.yields:
                    group.yields = list(names.yields)  # the shared flags stay as they are
                group.yields[n] = True


def _is_dateline(text: str, m: Mention) -> bool:
    """Whether *m* is a dateline: the article's first word(s), in capitals ("BERLIN --")."""
    return len(m.text) > 2 and m.text.isupper() and not text[: m.start].strip()


def _dateline_namesakes_yield(group: _Group) -> None:
    """Hold a dateline's small namesakes below the major place of that name.

    News style writes a city alone in a dateline ("WASHINGTON --", "BERLIN --")
    only when it is the well-known one; any other town gets its state or
    country ("PARIS, Mo. --"), which is a qualifier.  So an unqualified
    dateline's settlements under :data:`LARGE_CITY_POPULATION` yield, as
    alternate-name namesakes do (:func:`_mark_yielding`), to a country,
    first-level region or large city bearing the name as its own, whatever
    the article's focus; a name with no such place keeps its choice.
    """
    names = group.names
    if not any(names.major_own):
        return
    small = [
        p.kind in SETTLEMENT_KINDS and p.population < LARGE_CITY_POPULATION for p in names.places
    ]
    if any(s and not y for s, y in zip(small, group.yields, strict=True)):
        group.yields = [s or y for s, y in zip(small, group.yields, strict=True)]


def resolve(
    article: Article,
    sentences: Sequence[Sentence],
    mentions: Sequence[Mention],
    gazetteer: Any,
    *,
    online: bool | None = False,
) -> list[Mention]:
    """Resolve *mentions* of *article* to places.

    Parameters
    ----------
    article : Article
    sentences : sequence of Sentence
        The article's sentences (qualifiers and cues never cross a sentence).
    mentions : sequence of Mention
        From :func:`sitmap.mentions.recognize`.
    gazetteer : sitmap.gazetteer.Gazetteer
    online : bool, default False
        Ask the gazetteer's online geocoder for names it does not know (only
        when the user enabled it).

    Returns
    -------
    list of Mention
        The same mentions in text order with ``place`` set (or None when no
        candidate fits), ``precision`` 1/2/3 and ``cue`` for relative cues;
        anaphors that refer to nothing are dropped.
    """
    text = article.text
    cache = _cache_for(gazetteer)
    named = [m for m in mentions if not m.anaphor]
    keys = [m.key or m.text for m in named]
    groups: list[_Group] = []
    # the mentions of one name share their candidates (and so their scores)
    # unless a qualifier gives one its own; "X" and "X County" never share
    shared: dict[tuple[str, bool, str], tuple[_Group, bool]] = {}
    cached: list[bool] = []  # candidates straight from the gazetteer (not online)
    # whether each mention says "County" (or "Parish", ...) itself
    said_county = [m.text.lower().endswith(_COUNTY_WORDS) for m in named]
    for m, key, county in zip(named, keys, said_county, strict=True):
        share_key = (key, county, m.text if online else "")
        hit = shared.get(share_key)
        if hit is None:
            names = cache.names(key)
            from_cache = bool(names.cands)
            if not names.cands and online:
                names = _Names(_online(gazetteer, m.text)[:MAX_CANDIDATES])
            hit = shared[share_key] = (_Group(names), from_cache)
        groups.append(hit[0])
        cached.append(hit[1])

    # -- qualifiers: "X, Y" where Y is a country or first-level region -----
    qualifier_of: dict[int, int] = {}
    for i in range(len(named) - 1):
        if not groups[i + 1].names.qualifies:
            continue
        between = text[named[i].end : named[i + 1].start].strip()
        if (
            (between == "," or between == "(")
            # "Brazil, China, Japan": a list, not "village, country"
            and not _in_country_list(text, named, groups, i)
        ):
            qualifier_of[i] = i + 1
    for i in qualifier_of:
        groups[i] = _Group(groups[i].names)  # its scores are its own

    # -- focus countries and regions ---------------------------------------
    focus: Counter[str] = Counter()
    for cc, n in demonyms(article).items():
        focus[cc] += n
    # each name counts once, and never as evidence for itself: five mentions
    # of "Jordan" must not make Jordan the focus that then resolves "Jordan"
    own_focus: dict[str, tuple[str, int]] = {}
    regions: set[tuple[str, str]] = set()
    for k, group, gazetteer_only in zip(keys, groups, cached, strict=True):
        if gazetteer_only:
            if k in own_focus:
                continue  # the name's summary is the same for all its mentions
            summary = cache.summary(k)
        else:
            summary = _summary(group.names.cands)
        if summary.regions:
            regions.update(summary.regions)
        if not group.names.cands or k in own_focus:
            continue
        own_focus[k] = summary.focus
        if summary.focus[1]:
            focus[summary.focus[0]] += summary.focus[1]
    if regions:
        _add_region_members(keys, groups, cached, regions, cache)
    total = sum(focus.values()) or 1
    ranked = focus.most_common(2)
    # the leading country gets a bonus only when it clearly leads
    top_cc = (
        ranked[0][0]
        if ranked and (len(ranked) == 1 or ranked[0][1] >= 1.5 * ranked[1][1])
        else None
    )

    _country_namesakes_yield(keys, groups)
    if named and 0 not in qualifier_of and _is_dateline(text, named[0]):
        _dateline_namesakes_yield(groups[0])

    # -- first choice -------------------------------------------------------
    chosen: list[int | None] = []  # per named mention: its candidate's index
    best_of: dict[int, int | None] = {}  # per group
    for i, group in enumerate(groups):
        pick = best_of.get(id(group), -1)
        if pick == -1 and len(group.names.cands) == 1:
            # a lone candidate is chosen whatever its score, and no later step
            # compares the scores of a name with fewer than two candidates
            group.scores = group.names.priors
            pick = best_of[id(group)] = 0
        elif pick == -1:
            q = qualifier_of.get(i)
            own_cc, own_w = own_focus.get(keys[i], ("", 0))
            _score(
                group,
                said_county[i],
                focus,
                max(total - own_w, 1),
                own_cc,
                own_w,
                top_cc,
                regions,
                cache.inside(group.names, groups[q].names) if q is not None else None,
            )
            pick = best_of[id(group)] = _argmax(group.scores)
        chosen.append(pick)

    # -- coherence: closeness to the other places ---------------------------
    chosen = _coherence(keys, groups, chosen)

    # -- a state's office or body: "New York Gov. ...", "Washington state";
    # a country stays one before "state" ("Panama state media") -------------
    for i, m in enumerate(named):
        admin1s = groups[i].names.admin1s
        pick = chosen[i]
        if not admin1s or pick is None:
            continue
        office = _REGION_WORD.match(text, m.end)
        if office is not None and not (office.group(1) and groups[i].names.is_country[pick]):
            chosen[i] = max(admin1s, key=groups[i].scores.__getitem__)

    # -- a qualifier is the area around the place it qualifies: in "Long
    # Island, New York" the second name is the state, not the city; a city
    # right around the first place ("Harlem, New York") is its container too
    for i, q in qualifier_of.items():
        pick, qpick = chosen[i], chosen[q]
        if pick is None or qpick is None:
            continue
        qnames = groups[q].names
        qplace = qnames.places[qpick]
        place = groups[i].names.places[pick]
        if qplace.kind in _QUALIFIER_KINDS or _fast_km(place, qplace) <= CITY_PART_KM:
            continue
        around = [
            n
            for n, qp in enumerate(qnames.places)
            if qp.kind in _QUALIFIER_KINDS and _inside(place, qp)
        ]
        if around:
            chosen[q] = max(around, key=groups[q].scores.__getitem__)

    # -- lists: "Idaho, Montana, Washington and Wyoming" are all states -
    _list_kinds(text, named, groups, chosen)

    # -- compass qualifier: "in the south, ... port of Mariupol" ------------
    compass: dict[int, str | None] = {}  # per sentence start: its first compass word
    # most articles have no compass phrase at all: one quick test finds out
    has_compass = bool(top_cc) and ("ſ" in text or _COMPASS_HINT.search(text.lower()) is not None)
    sent_starts = [s.start for s in sentences] if has_compass else []
    # "Clinton, Iowa" says which one itself: a compass phrase elsewhere in
    # the sentence moves neither name
    qualified = set(qualifier_of) | set(qualifier_of.values()) if has_compass else set()
    for i, m in enumerate(named):
        group = groups[i]
        if not has_compass or len(group.scores) <= 1 or chosen[i] is None or i in qualified:
            continue
        sent = _sentence_of(sentences, m.start, sent_starts)
        if sent is None:
            continue
        if sent.start not in compass:
            compass[sent.start] = _compass_word(text, sent)
        word = compass[sent.start]
        if word is None:
            continue
        country = gazetteer.country(top_cc) if hasattr(gazetteer, "country") else None
        if country is None:
            continue
        want = _bearing_value(word.replace("center", "").replace("centre", ""))
        if want is None:
            continue
        fits = [
            n
            for n, p in enumerate(group.names.places)
            if p.country == top_cc and _angle_diff(bearing_deg(country, p), want) <= 60
        ]
        if fits:
            chosen[i] = max(fits, key=group.scores.__getitem__)

    # -- relative cues ------------------------------------------------------
    cue_for: dict[int, RelativeCue] = {}
    precision_two: set[int] = set()
    for j, anchor in enumerate(named):
        cue = parse_cues(text, anchor.start) if _may_cue(text, anchor.start) else None
        if cue is None:
            continue
        anchor_pick = chosen[j]
        anchor_place = groups[j].names.places[anchor_pick] if anchor_pick is not None else None
        target = _cue_target(text, named, j, cue)
        if target is None:
            # the anchor's surroundings are the place meant: "outside Kyiv"
            cue_for[j] = RelativeCue(cue.distance_km, cue.bearing, anchor.text, anchor_place, None)
            if anchor_place is not None and anchor_place.kind in SETTLEMENT_KINDS:
                precision_two.add(j)
            continue
        checked = None
        tgroup = groups[target]
        if anchor_place is not None and tgroup.scores:
            good: list[tuple[float, float, int]] = []
            for n, p in enumerate(tgroup.names.places):
                if not _may_fit(cue, anchor_place, p):
                    continue
                d = distance_km(anchor_place, p)
                if _fits(cue, d, anchor_place, p):
                    good.append((tgroup.scores[n], -d, n))
            current = chosen[target]
            if good:
                _, neg_d, fit = max(good, key=lambda f: (f[0], f[1]))
                checked = -neg_d
                chosen[target] = fit
            elif current is not None:
                checked = distance_km(anchor_place, tgroup.names.places[current])
        cue_for[target] = RelativeCue(
            cue.distance_km,
            cue.bearing,
            anchor.text,
            anchor_place,
            round(checked, 1) if checked is not None else None,
        )

    # -- build the output ---------------------------------------------------
    out: list[Mention] = []
    for i, m in enumerate(named):
        pick = chosen[i]
        if pick is None:
            where, precision = None, 1
        else:
            where = groups[i].names.places[pick]
            precision = 3 if where.kind in AREA_KINDS else 1  # as _precision(where)
        if i in precision_two:
            precision = 2
        out.append(_with_place(m, where, precision, cue_for.get(i)))
    # the anaphors, in a text that has any
    resolved_named = [(m.start, m) for m in out] if len(named) < len(mentions) else []
    for m in mentions:
        if not m.anaphor:
            continue
        referent = _anaphor_place(m, resolved_named, gazetteer, ranked[0][0] if ranked else None)
        if referent is None:
            continue
        out.append(_with_place(m, referent, _precision(referent), m.cue))
    out.sort(key=_START_END)
    return out


_START_END = attrgetter("start", "end")


def _with_place(
    m: Mention, place: Place | None, precision: int, cue: RelativeCue | None
) -> Mention:
    """*m* resolved: a copy with its place, precision and cue set.

    The same as ``dataclasses.replace(m, place=..., precision=..., cue=...)``
    (a test checks it): resolution copies every mention, and replace() or the
    frozen class's ``__init__`` (one ``object.__setattr__`` per field) cost
    several times more than copying the instance's fields.  ``Mention`` has no
    ``__post_init__`` to skip.
    """
    new = object.__new__(Mention)
    fields = new.__dict__
    fields.update(m.__dict__)
    fields["place"] = place
    fields["precision"] = precision
    fields["cue"] = cue
    return new


def _argmax(scores: list[float]) -> int | None:
    """The index of the highest score (the first of equal ones), None for none."""
    if not scores:
        return None
    return scores.index(max(scores))


def _score(
    group: _Group,
    said_county: bool,
    focus: Counter[str],
    rest: int,
    own_cc: str,
    own_w: int,
    top_cc: str | None,
    regions: set[tuple[str, str]],
    inside: Sequence[bool] | None,
) -> None:
    """Score a group's candidates by prior and the article's evidence (first choice).

    Parameters
    ----------
    group : _Group
        Its ``scores`` are set (and ``yields`` cleared where a qualifier says
        which place is meant).
    said_county : bool
        Whether the mention says "County" (or "Parish", ...) itself.
    focus : Counter
        The article's focus weight per country; *rest* is its total less the
        name's own contribution *own_w* (to country *own_cc*).
    top_cc : str or None
        The country that clearly leads the focus.
    regions : set of (country, admin1)
        First-level regions the article names.
    inside : sequence of bool or None
        For a name qualified by the next ("Paris, Texas"), whether each
        candidate lies in one of the qualifier's (:meth:`_CandidateCache.inside`).
    """
    names = group.names
    # "DeKalb" alone is the town; the county is "DeKalb County"
    scores = list(names.priors_bare if not said_county else names.priors)
    # the focus a country adds, once per country (a name's candidates mostly
    # share a few)
    add: dict[str, float] = {}
    for cc in names.country_set:
        share = (focus.get(cc, 0) - (own_w if cc == own_cc else 0)) / rest
        add[cc] = 4.0 * share + (1.5 if cc == top_cc else 0.0)
    scores = [s + add[cc] if cc else s for s, cc in zip(scores, names.countries, strict=True)]
    if regions:
        for n in names.with_region:
            if names.regions[n] in regions:
                # a region the article names ("Ohio") pulls its own towns
                scores[n] += REGION_BONUS
    if inside:
        for n, within in enumerate(inside):
            if within:
                scores[n] += 12.0
                if group.yields[n]:
                    if group.yields is names.yields:
                        group.yields = list(names.yields)
                    group.yields[n] = False  # "Moldova, Odesa Oblast" says which one
            else:
                scores[n] -= 4.0
    if any(group.yields):
        scores = _held_scores(names.major_own, group.yields, scores)
    group.scores = scores


def _held_scores(
    major_own: Sequence[bool], yields: Sequence[bool], scores: list[float]
) -> list[float]:
    """*scores* with each yielding candidate's held below the major place's."""
    top = max((sc for sc, major in zip(scores, major_own, strict=True) if major), default=None)
    if top is None:
        return scores
    return [min(sc, top - YIELD_MARGIN) if y else sc for sc, y in zip(scores, yields, strict=True)]


def _coherence(
    keys: Sequence[str], groups: Sequence[_Group], chosen: list[int | None]
) -> list[int | None]:
    """Re-choose ambiguous names by closeness to the article's other places.

    Each name (all mentions of one key together) gains up to 4 points for
    a candidate near the places chosen for the *other* names, and 1 point when
    its country is among theirs.  Up to :data:`COHERENCE_ROUNDS` rounds, so
    that a round can follow the previous one's corrections.

    Parameters
    ----------
    keys : sequence of str
        Each named mention's key.
    groups : sequence of _Group
        Each named mention's scored candidates.
    chosen : list of int or None
        Each named mention's candidate index so far (left as it is).

    Returns
    -------
    list of int or None
        The candidate index per mention after coherence.
    """
    first_of: dict[str, int] = {}
    for i, key in enumerate(keys):
        first_of.setdefault(key, i)
    rep = list(first_of.values())
    # a name whose best candidate leads by more than coherence can add is
    # settled already; only the close calls are re-weighed
    ambiguous = [i for i in rep if len(groups[i].scores) > 1 and _margin(groups[i].scores) < 6.0]
    if not ambiguous:
        return chosen
    # the mentions that follow each ambiguous name's choice (its first one
    # among them), found once: only they can change from round to round
    followers: dict[int, list[int]] = {i: [] for i in ambiguous}
    for j, key in enumerate(keys):
        some = followers.get(first_of[key])
        if some is not None and len(groups[j].scores) > 1:
            some.append(j)
    # per ambiguous name its candidates, best first: once the leader's total is
    # known, a candidate that cannot reach it even with the most coherence can
    # add is passed over without measuring its distances, and so is every
    # candidate after it (none scores higher)
    plans = [
        (
            i,
            sorted(range(len(groups[i].scores)), key=groups[i].scores.__getitem__, reverse=True),
            # held scores depend on all of the name's major places: no shortcut
            any(groups[i].yields),
        )
        for i in ambiguous
    ]
    chosen = list(chosen)
    for _ in range(COHERENCE_ROUNDS):
        anchors: list[tuple[float, int, float, float]] = []
        # how many names' chosen places lie in each country
        in_country: dict[str, int] = {}
        # which names' chosen places lie in each first-level region
        in_region: dict[tuple[str, str], set[int]] = {}
        for i in rep:
            pick = chosen[i]
            if pick is None:
                continue
            names = groups[i].names
            if names.is_anchor[pick]:
                anchors.append((names.lat[pick], i, names.lon[pick], names.cos_lat[pick]))
                region = names.regions[pick]
                if region is not None:
                    in_region.setdefault(region, set()).add(i)
            cc = names.countries[pick]
            if cc:
                in_country[cc] = in_country.get(cc, 0) + 1
        anchors.sort(key=_FIRST)
        anchor_lats = [a[0] for a in anchors]
        picks = [
            _closest_choice(
                groups[i], ns, held, chosen[i], anchors, anchor_lats, in_country, in_region, i
            )
            for i, ns, held in plans
        ]
        changed = False
        for (k, _ns, _held), pick in zip(plans, picks, strict=True):
            group_k = groups[k]
            for j in followers[k]:
                # the same place for every mention of the name, unless this
                # mention has its own evidence (a qualifier) that outweighs it
                group_j = groups[j]
                own: int | None
                if group_j is group_k:  # the name's shared candidates
                    own = pick
                else:
                    place = group_k.names.places[pick]
                    own = next((n for n, p in enumerate(group_j.names.places) if p is place), None)
                if own is None:
                    continue
                mine = chosen[j]
                if mine is not None and group_j.scores[mine] - group_j.scores[own] > 6.0:
                    continue
                if own != mine:
                    chosen[j] = own
                    changed = True
        if not changed:
            break  # settled: a further round would repeat this one
    return chosen


_FIRST = itemgetter(0)

#: widens the distance beyond which closeness cannot help a candidate, so
#: that rounding in log() and exp() cannot tip it
_REACH_SLACK = 1.0 + 1e-9

#: the most coherence can add to any candidate (closeness and a shared
#: country), with the slack the pruning test allows
_MAX_EXTRA = _MAX_NEAR + 1.0 + 1e-6


def _closest_choice(
    group: _Group,
    ns: Sequence[int],
    held: bool,
    mine: int | None,
    anchors: Sequence[tuple[float, int, float, float]],
    anchor_lats: Sequence[float],
    in_country: dict[str, int],
    in_region: dict[tuple[str, str], set[int]],
    owner: int,
) -> int:
    """One coherence round's choice for a name: its best candidate by score plus closeness.

    The same choice as adding closeness to every candidate, holding the
    yielding ones below the major place (:func:`_held_scores`) and taking the
    first of the highest totals; but a candidate that cannot reach the lead
    even with everything coherence can add is passed over unmeasured.

    Parameters
    ----------
    group : _Group
        The name's scored candidates.
    ns : sequence of int
        Their indices, best score first.
    held : bool
        Whether some candidate yields.
    mine : int or None
        The candidate chosen so far.
    anchors, anchor_lats
        The chosen places of the article, as :func:`_nearest_km` takes them.
    in_country : dict
        How many names' chosen places lie in each country.
    in_region : dict
        Which names' chosen places lie in each first-level region.
    owner : int
        The name's index (its own anchor does not count).

    Returns
    -------
    int
        The candidate index.
    """
    names = group.names
    scores = group.scores
    countries = names.countries
    is_country = names.is_country
    here = countries[mine] if mine is not None else None
    has_anchors = bool(anchors)
    # closeness to places inside the country chosen for the name is evidence
    # for that country too (which gains nothing from closeness): it cannot
    # move the name to a namesake inside it ("Mexico" stays the country
    # beside "Mexico City", not the capital's district of that name)
    area = names.places[mine] if mine is not None and is_country[mine] else None

    def total(n: int) -> float:
        if area is not None and n != mine and _inside(names.places[n], area):
            return -math.inf  # not a contender at all
        near = has_anchors and not is_country[n]
        cc = countries[n]
        # another name's place is in the candidate's country
        shared = bool(cc) and in_country.get(cc, 0) > (1 if here == cc else 0)
        if scores[n] + (_MAX_NEAR if near else 0.0) + (1.0 if shared else 0.0) + 1e-6 < lead:
            return -math.inf  # out of reach: never the lead
        extra = 0.0
        # a region holding another name's place is at no distance from it
        region = names.regions[n] if near and n in names.open_regions else None
        owners = in_region.get(region) if region is not None else None
        if owners and (len(owners) > 1 or owner not in owners):
            extra = _MAX_NEAR
        elif near:
            # closeness adds at most (NEAR_WEIGHT + 1) exp(-d / 800): beyond
            # `reach` km it adds less than the candidate needs to reach the lead
            # (by the same slack as above), so the search may stop there
            need = lead - scores[n] - (1.0 if shared else 0.0) - 1e-6
            if need > 0.0:
                reach = 800.0 * math.log(_MAX_NEAR / need) * _REACH_SLACK
                dmin = _nearest_km(
                    names.lat[n], names.lon[n], names.cos_lat[n], owner, anchors, anchor_lats, reach
                )
                if dmin >= reach:
                    return -math.inf
            else:
                dmin = _nearest_km(
                    names.lat[n], names.lon[n], names.cos_lat[n], owner, anchors, anchor_lats
                )
            extra = NEAR_WEIGHT * math.exp(-dmin / 150.0) + 1.0 * math.exp(-dmin / 800.0)
        if shared:
            extra += 1.0
        return scores[n] + extra

    lead = -math.inf
    # yielding candidates are held below the best total of the name's major
    # places, so all of those are needed first
    known: dict[int, float] = {}
    cap: float | None = None
    if held:
        known = {n: total(n) for n in ns if names.major_own[n]}
        # a major place that is no contender holds nothing below it
        contenders = [t for t in known.values() if t > -math.inf]
        if contenders:
            cap = max(contenders) - YIELD_MARGIN
    yields = group.yields
    best_n = -1
    for n in ns:
        if scores[n] + _MAX_EXTRA < lead:
            # neither this candidate nor a later one (none scores higher) can
            # reach the lead even with everything coherence can add
            break
        t = known[n] if n in known else total(n)
        if cap is not None and yields[n]:
            t = min(t, cap)
        # the first of equal totals, as the candidates are ranked
        if t > lead or (t == lead and n < best_n):
            best_n = n
            lead = t
    return best_n


def _nearest_km(
    lat: float,
    lon: float,
    cos_lat: float,
    owner: int,
    anchors: Sequence[tuple[float, int, float, float]],
    anchor_lats: Sequence[float],
    reach: float = math.inf,
) -> float:
    """Distance from a point to the nearest anchor of another name, in km.

    Parameters
    ----------
    lat, lon, cos_lat : float
        The point, in radians, and the cosine of its latitude.
    owner : int
        The name the point is a candidate of (its own anchor does not count).
    anchors : sequence of (lat, owner, lon, cos_lat)
        The chosen places, sorted by latitude.
    anchor_lats : sequence of float
        Their latitudes.
    reach : float, default inf
        Only distances below this matter to the caller.

    Returns
    -------
    float
        The nearest distance when it is below *reach*, else *reach* (``inf``
        when no other name has an anchor).
    """
    # two places are at least the earth's radius times their difference in
    # latitude apart: visiting the anchors outward in latitude, the search
    # stops once that bound passes the nearest distance found
    best = reach
    above = bisect_left(anchor_lats, lat)
    below = above - 1
    count = len(anchor_lats)
    sin = math.sin
    while below >= 0 or above < count:
        if above < count and (below < 0 or anchor_lats[above] - lat <= lat - anchor_lats[below]):
            k = above
            above += 1
            gap = anchor_lats[k] - lat
        else:
            k = below
            below -= 1
            gap = lat - anchor_lats[k]
        if _LAT_BOUND_KM * gap >= best:
            break
        a_lat, a_owner, a_lon, a_cos = anchors[k]
        if a_owner != owner:
            # _haversine_km written out (the same operations in the same
            # order): this is coherence's innermost loop
            s_lat = sin((lat - a_lat) / 2)
            s_lon = sin((lon - a_lon) / 2)
            h = s_lat * s_lat + cos_lat * a_cos * (s_lon * s_lon)
            d = 12742.0 * math.asin(min(1.0, math.sqrt(h)))
            if d < best:
                best = d
    return best


def _haversine_km(
    lat1: float, lon1: float, cos1: float, lat2: float, lon2: float, cos2: float
) -> float:
    """Great-circle distance between two points given in radians (with their cosines)."""
    # haversine; coherence compares many pairs and needs no geodesic precision
    s_lat = math.sin((lat1 - lat2) / 2)
    s_lon = math.sin((lon1 - lon2) / 2)
    h = s_lat * s_lat + cos1 * cos2 * (s_lon * s_lon)
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _margin(scores: Sequence[float]) -> float:
    """How far the best score leads the second best."""
    top = sorted(scores, reverse=True)
    return top[0] - top[1] if len(top) > 1 else float("inf")


def _second(cl: list[_Cand]) -> float:
    if len(cl) < 2:
        return -1e9
    return sorted((c.prior for c in cl), reverse=True)[1]


def _inside(p: Place, q: Place) -> bool:
    """Whether place *p* lies in the country or region *q*."""
    if q.kind is Kind.COUNTRY:
        return p.country == q.country and p.key != q.key
    if q.kind is Kind.ADMIN1:
        return p.country == q.country and p.admin1 == q.admin1 and p.key != q.key
    if q.kind is Kind.ADMIN2:
        return p.country == q.country and _fast_km(p, q) < 80
    return False


def _fast_km(a: Place, b: Place) -> float:
    # haversine: coherence compares many pairs and needs no geodesic precision
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _may_fit(cue: CueMatch, anchor: Place, cand: Place) -> bool:
    """Whether *cand* is at about the cue's distance from *anchor* (a quick test).

    The spherical distance is within 1% (and 1 km) of the geodesic one that
    :func:`_fits` checks, so a candidate well outside the cue's range is passed
    over without the costlier geodesic.
    """
    d = _fast_km(anchor, cand)
    slack = 0.01 * d + 1.0
    if cue.distance_km is not None:
        tol = max(15.0, 0.4 * cue.distance_km)
        return abs(d - cue.distance_km) <= tol + slack
    return d <= (60.0 if cue.near else 400.0) + slack


def _fits(cue: CueMatch, d: float, anchor: Place, cand: Place) -> bool:
    if cand.key == anchor.key:
        return False
    if cue.distance_km is not None:
        tol = max(15.0, 0.4 * cue.distance_km)
        if abs(d - cue.distance_km) > tol:
            return False
    elif d > (60.0 if cue.near else 400.0):
        return False
    if cue.bearing_deg is not None:
        if _angle_diff(bearing_deg(anchor, cand), cue.bearing_deg) > 50.0:
            return False
    return True


def _cue_target(text: str, named: Sequence[Mention], j: int, cue: CueMatch) -> int | None:
    """The mention a cue describes: the named place right before it, if any."""
    if j == 0:
        return None
    prev = named[j - 1]
    if prev.end > cue.start:
        return None
    between = text[prev.end : cue.start]
    if len(between) > 60 or any(ch in between for ch in ".;:!?\n"):
        return None
    if _APPOSITION.match(between):
        return j - 1
    return None


def _sentence_of(sentences: Sequence[Sentence], pos: int, starts: Sequence[int]) -> Sentence | None:
    """The sentence holding offset *pos* (*starts*: the sentences' start offsets)."""
    k = bisect_right(starts, pos) - 1
    if k >= 0 and sentences[k].start <= pos < sentences[k].end:
        return sentences[k]
    return None


def _compass_word(text: str, sent: Sentence) -> str | None:
    """The first compass phrase ("in the south") starting inside *sent*, lower-cased."""
    # the phrase may run a little past the sentence's end; the rest of the
    # text is not needed to find it
    m = _COMPASS_PHRASE.search(text, sent.start, min(len(text), sent.end + 80))
    if m is None or m.start() >= sent.end:
        return None
    return m.group(1).lower()


def _precision(place: Place | None) -> int:
    if place is None:
        return 1
    return 3 if place.kind in AREA_KINDS else 1


def _anaphor_place(
    m: Mention, resolved: list[tuple[int, Mention]], gazetteer: Any, top_cc: str | None
) -> Place | None:
    head = m.text.lower().split()[-1]
    before = [r for pos, r in resolved if pos < m.start and r.place is not None]
    if head == "capital":
        # "Ukraine's capital ... the capital": the capital of the last country
        # named, else of the country the article is about
        for r in reversed(before[-3:]):
            assert r.place is not None
            if r.place.kind is Kind.COUNTRY and r.place.country:
                cap = _capital(gazetteer, r.place.country)
                if cap is not None:
                    return cap
        if top_cc:
            return _capital(gazetteer, top_cc)
        return None
    for r in reversed(before):
        assert r.place is not None
        if r.place.kind in SETTLEMENT_KINDS:
            return r.place
    return None


def _capital(gazetteer: Any, cc: str) -> Place | None:
    fn = getattr(gazetteer, "capital", None)
    if fn is None:
        return None
    try:
        place = fn(cc)
    except Exception:
        return None
    return place if isinstance(place, Place) else None


def _online(gazetteer: Any, name: str) -> list[_Cand]:
    """Ask the gazetteer's online fallback, when it has one and it answers."""
    for attr in ("lookup_online", "geocode_online"):
        fn = getattr(gazetteer, attr, None)
        if fn is None:
            continue
        try:
            found = fn(name)
        except Exception:
            return []
        if found is None:
            return []
        items = found if isinstance(found, list) else [found]
        out = []
        for c in items:
            place = getattr(c, "place", c)
            if isinstance(place, Place):
                out.append(_Cand(place, 0.0, ("online",)))
        return out
    return []


def group_by_key(mentions: Sequence[Mention]) -> dict[str, list[Mention]]:
    """Group resolved mentions by their place's key (unresolved ones left out)."""
    out: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.place is not None:
            out[m.place.key].append(m)
    return dict(out)
