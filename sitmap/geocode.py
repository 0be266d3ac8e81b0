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
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
from geographiclib.geodesic import Geodesic
from geopy.distance import geodesic

from .mentions import demonyms, lexicons
from .model import Article, Kind, Mention, Place, RelativeCue, Sentence

__all__ = ["parse_cues", "resolve", "CueMatch", "bearing_deg", "distance_km"]

#: kinds that are areas, not points: precision 3
AREA_KINDS = frozenset(
    {Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2, Kind.REGION, Kind.WATER, Kind.BORDER, Kind.FEATURE}
)
SETTLEMENT_KINDS = frozenset({Kind.CITY, Kind.TOWN, Kind.VILLAGE})
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
#: between a place and a cue that describes it: ", a tiny town " / ", some "
_APPOSITION = re.compile(
    r"^\s*,?\s*(?:(?:an?|the|some|about|roughly|around|just)\s+)?(?:[\w\-]+\s+){0,4}?$"
)
_COMPASS_PHRASE = re.compile(
    r"\b(?:in|across)\s+the\s+(north|south|east|west|north-?east|north-?west|south-?east|"
    r"south-?west|center|centre)\b(?!\s+of)",
    re.IGNORECASE,
)


#: what every compass phrase contains, lower-cased (a cheap test before the
#: phrase itself; "ſ" is the one letter that case-insensitive matching would
#: also take for an "s" but lower() keeps)
_COMPASS_HINT = re.compile(r"the\s+(?:north|south|east|west|cent)|ſ")


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
    """Geodesic (WGS84) distance between two places in kilometres, via geopy."""
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).km)


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
    if not last or last[0].lower() not in _CUE_LAST_WORDS:
        return None
    tail = window[-60:].lower()
    if not any(w in tail for w in _CUE_WORDS):
        return None
    low = window.lower()
    # a compass cue needs a compass word somewhere in the window
    m = _CUE.search(window) if any(w in low for w in _COMPASS_WORDS) else None
    if m is not None:
        km = _km(m.group("num"), m.group("unit"))
        word = m.group("bearing").lower()
        return CueMatch(
            window_start + m.start(), anchor_start, km, word, _bearing_value(word), near=False
        )
    m = _NEAR.search(window)
    if m is not None:
        km = _km(m.group("num"), m.group("unit"))
        return CueMatch(window_start + m.start(), anchor_start, km, None, None, near=True)
    return None


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


class _CandidateCache:
    """Gazetteer lookups cached per key for the life of one gazetteer object."""

    def __init__(self, gaz: Any, limit: int = 25) -> None:
        self.gaz = gaz
        self.limit = limit
        self.cache: dict[str, list[_Cand]] = {}
        self.summaries: dict[str, _Summary] = {}
        self.extras: dict[str, dict[tuple[str, str], list[tuple[int, _Cand]]]] = {}

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
        if len(self.cache) > 50_000:
            self.cache.clear()
        self.cache[key] = out
        return out

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
        if len(self.extras) > 50_000:
            self.extras.clear()
        self.extras[key] = hit
        return hit

    def summary(self, key: str) -> _Summary:
        """What the name says about the article's focus, computed once per name."""
        hit = self.summaries.get(key)
        if hit is None:
            if len(self.summaries) > 50_000:
                self.summaries.clear()
            hit = self.summaries[key] = _summary(self.get(key))
        return hit


_CACHES: dict[int, tuple[Any, _CandidateCache]] = {}


def _cache_for(gaz: Any) -> _CandidateCache:
    hit = _CACHES.get(id(gaz))
    if hit is not None and hit[0] is gaz:
        return hit[1]
    cache = _CandidateCache(gaz)
    _CACHES[id(gaz)] = (gaz, cache)
    return cache


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


def _held(cl: list[_Cand], scores: list[float]) -> list[float]:
    """*scores* with each yielding candidate's held below the major place's."""
    top = max(
        (sc for c, sc in zip(cl, scores, strict=True) if _own_name(c) and _is_major(c)),
        default=None,
    )
    if top is None:
        return scores
    return [
        min(sc, top - YIELD_MARGIN) if c.yields else sc for c, sc in zip(cl, scores, strict=True)
    ]


def _add_region_members(
    named: Sequence[Mention],
    cands: list[list[_Cand]],
    cached: list[bool],
    regions: set[tuple[str, str]],
    cache: _CandidateCache,
) -> None:
    """Give each name its namesakes inside the regions the article names.

    A name borne by many places ("Paris") keeps only its first
    :data:`MAX_CANDIDATES` by prior; a small namesake in a region the article
    names ("Paris" in an article about Idaho) joins them, so that the region's
    pull can choose it.
    """
    done: set[int] = set()
    for m, cl, gazetteer_only in zip(named, cands, cached, strict=True):
        if id(cl) in done or not gazetteer_only or len(cl) < MAX_CANDIDATES:
            continue
        done.add(id(cl))
        extras = cache.region_extras(m.key or m.text)
        found = [x for r in regions for x in extras.get(r, ())]
        for _, c in sorted(found, key=lambda x: x[0]):  # in prior order, as the rest
            cl.append(_Cand(c.place, c.prior, c.reasons))


def _is_country_name(cl: list[_Cand]) -> bool:
    """Whether a name's best candidate by prior is a country called by its own name."""
    if not cl:
        return False
    best = max(cl, key=lambda c: c.prior)
    return best.place.kind is Kind.COUNTRY and _own_name(best)


_LIST_JOINERS = frozenset({",", "and", ", and", "or", ", or"})


def _in_country_list(text: str, named: Sequence[Mention], cands: list[list[_Cand]], i: int) -> bool:
    """Whether names i and i+1 ("China, Japan") are items of a list of countries.

    Two country names joined by a comma are a list when a third country name
    joins them ("Brazil, China, Japan"; "China, Japan and Mexico"), and no
    qualifier when the second modifies what follows ("in Russia, U.S. officials
    said"); "Moldova, Ukraine" alone stays a qualifier (the Ukrainian village).
    """
    if not (_is_country_name(cands[i]) and _is_country_name(cands[i + 1])):
        return False
    after = text[named[i + 1].end : named[i + 1].end + 40].lstrip()
    if after[:1].islower():
        return True  # "in Russia, U.S. officials said": the second name is an adjective
    if i > 0 and _is_country_name(cands[i - 1]):
        if text[named[i - 1].end : named[i].start].strip() in _LIST_JOINERS:
            return True
    if i + 2 < len(named) and _is_country_name(cands[i + 2]):
        if text[named[i + 1].end : named[i + 2].start].strip() in _LIST_JOINERS:
            return True
    return False


def _country_namesakes_yield(named: Sequence[Mention], cands: list[list[_Cand]]) -> None:
    """Hold a country's small namesakes below it when the article names foreign countries.

    "China" is a Texas village too, and "Jordan" a Minnesota town; local news
    means the town, while an article that also names other countries ("China,
    Japan and Russia") means the country.  A settlement under
    :data:`LARGE_CITY_POPULATION` bearing a country's own name yields to that
    country (as alternate-name namesakes do, see :func:`_mark_yielding`) when
    another name of the article is a country other than the settlement's own.
    A qualifier ("China, Texas") or a relative cue still chooses the settlement.
    """
    countries: dict[str, str] = {}  # name -> the country its best candidate is
    for m, cl in zip(named, cands, strict=True):
        if _is_country_name(cl):
            cc = max(cl, key=lambda c: c.prior).place.country
            if cc:
                countries[m.key or m.text] = cc
    if len(countries) < 2:
        return
    for m, cl in zip(named, cands, strict=True):
        key = m.key or m.text
        if key not in countries:
            continue
        others = {cc for k, cc in countries.items() if k != key}
        for c in cl:
            if (
                c.place.kind in SETTLEMENT_KINDS
                and c.place.population < LARGE_CITY_POPULATION
                and _own_name(c)
                and others - {c.place.country}
            ):
                c.yields = True


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
    cands: list[list[_Cand]] = []
    # the mentions of one name share their candidates (and so their scores)
    # unless a qualifier gives one its own; "X" and "X County" never share
    shared: dict[tuple[str, bool, str], list[_Cand]] = {}
    from_cache: dict[tuple[str, bool, str], bool] = {}
    cached: list[bool] = []  # candidates straight from the gazetteer (not online)
    for m in named:
        key = m.key or m.text
        said = m.text.lower()
        share_key = (key, said.endswith(_COUNTY_WORDS), m.text if online else "")
        cl = shared.get(share_key)
        if cl is None:
            found = cache.get(key)
            from_cache[share_key] = bool(found)
            if not found and online:
                found = _online(gazetteer, m.text)
            cl = _copies(found)
            shared[share_key] = cl
        cands.append(cl)
        cached.append(from_cache[share_key])

    # -- qualifiers: "X, Y" where Y is a country or first-level region -----
    qualifier_of: dict[int, int] = {}
    for i in range(len(named) - 1):
        a, b = named[i], named[i + 1]
        between = text[a.end : b.start].strip()
        if between == "," or between == "(":
            if _in_country_list(text, named, cands, i):
                continue  # "Brazil, China, Japan": a list, not "village, country"
            if any(c.place.kind in (Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2) for c in cands[i + 1]):
                qualifier_of[i] = i + 1
    for i in qualifier_of:
        cands[i] = _copies(cands[i])  # its scores are its own

    # -- focus countries and regions ---------------------------------------
    focus: Counter[str] = Counter()
    for cc, n in demonyms(article).items():
        focus[cc] += n
    # each name counts once, and never as evidence for itself: five mentions
    # of "Jordan" must not make Jordan the focus that then resolves "Jordan"
    own_focus: dict[str, tuple[str, int]] = {}
    regions: set[tuple[str, str]] = set()
    for m, cl, gazetteer_only in zip(named, cands, cached, strict=True):
        k = m.key or m.text
        summary = cache.summary(k) if gazetteer_only else _summary(cl)
        regions.update(summary.regions)
        if not cl or k in own_focus:
            continue
        own_focus[k] = summary.focus
        if summary.focus[1]:
            focus[summary.focus[0]] += summary.focus[1]
    if regions:
        _add_region_members(named, cands, cached, regions, cache)
    total = sum(focus.values()) or 1
    ranked = focus.most_common(2)
    # the leading country gets a bonus only when it clearly leads
    top_cc = (
        ranked[0][0]
        if ranked and (len(ranked) == 1 or ranked[0][1] >= 1.5 * ranked[1][1])
        else None
    )

    _country_namesakes_yield(named, cands)

    # -- first choice -------------------------------------------------------
    scored: set[int] = set()
    for i, cl in enumerate(cands):
        if id(cl) in scored:
            continue
        scored.add(id(cl))
        q = qualifier_of.get(i)
        qplaces = [c.place for c in cands[q]] if q is not None else []
        own_cc, own_w = own_focus.get(named[i].key or named[i].text, ("", 0))
        rest = max(total - own_w, 1)
        said = named[i].text.lower()
        for c in cl:
            s = c.prior
            if (
                c.place.kind is Kind.ADMIN2
                and c.place.name.lower().endswith(_COUNTY_WORDS)
                and not said.endswith(_COUNTY_WORDS)
            ):
                # "DeKalb" alone is the town; the county is "DeKalb County"
                s -= BARE_COUNTY_PENALTY
            cc = c.place.country or ""
            if cc:
                share = (focus[cc] - (own_w if cc == own_cc else 0)) / rest
                s += 4.0 * share + (1.5 if cc == top_cc else 0.0)
            if c.place.admin1 and cc and (cc, c.place.admin1) in regions:
                # a region the article names ("Ohio") pulls its own towns
                s += REGION_BONUS
            if qplaces:
                if any(_inside(c.place, qp) for qp in qplaces):
                    s += 12.0
                    c.yields = False  # "Moldova, Odesa Oblast" says which one
                else:
                    s -= 4.0
            c.score = s
        if any(c.yields for c in cl):
            for c, s in zip(cl, _held(cl, [c.score for c in cl]), strict=True):
                c.score = s
    chosen: list[_Cand | None] = [max(cl, key=lambda c: c.score) if cl else None for cl in cands]

    # -- coherence: closeness to the other places (two rounds) ---------------
    chosen = _coherence(named, cands, chosen)

    # -- compass qualifier: "in the south, ... port of Mariupol" ------------
    compass: dict[int, str | None] = {}  # per sentence start: its first compass word
    sent_starts = [s.start for s in sentences]
    # most articles have no compass phrase at all: one quick test finds out
    has_compass = bool(top_cc) and _COMPASS_HINT.search(text.lower()) is not None
    for i, m in enumerate(named):
        cl = cands[i]
        if not has_compass or len(cl) <= 1 or chosen[i] is None:
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
            c
            for c in cl
            if c.place.country == top_cc and _angle_diff(bearing_deg(country, c.place), want) <= 60
        ]
        if fits:
            chosen[i] = max(fits, key=lambda c: c.score)

    # -- relative cues ------------------------------------------------------
    cue_for: dict[int, RelativeCue] = {}
    precision_two: set[int] = set()
    for j, anchor in enumerate(named):
        cue = parse_cues(text, anchor.start)
        if cue is None:
            continue
        anchor_choice = chosen[j]
        anchor_place = anchor_choice.place if anchor_choice is not None else None
        target = _cue_target(text, named, j, cue)
        if target is None:
            # the anchor's surroundings are the place meant: "outside Kyiv"
            cue_for[j] = RelativeCue(cue.distance_km, cue.bearing, anchor.text, anchor_place, None)
            if anchor_place is not None and anchor_place.kind in SETTLEMENT_KINDS:
                precision_two.add(j)
            continue
        checked = None
        if anchor_place is not None and cands[target]:
            good: list[tuple[float, float, _Cand]] = []
            for c in cands[target]:
                d = distance_km(anchor_place, c.place)
                if _fits(cue, d, anchor_place, c.place):
                    good.append((c.score, -d, c))
            current = chosen[target]
            if good:
                _, neg_d, fit = max(good, key=lambda f: (f[0], f[1]))
                checked = -neg_d
                chosen[target] = fit
            elif current is not None:
                checked = distance_km(anchor_place, current.place)
        cue_for[target] = RelativeCue(
            cue.distance_km,
            cue.bearing,
            anchor.text,
            anchor_place,
            round(checked, 1) if checked is not None else None,
        )

    # -- build the output ---------------------------------------------------
    out: list[Mention] = []
    resolved_named: list[tuple[int, Mention]] = []
    for i, m in enumerate(named):
        pick = chosen[i]
        where = pick.place if pick is not None else None
        precision = _precision(where)
        if i in precision_two:
            precision = 2
        nm = replace(m, place=where, precision=precision, cue=cue_for.get(i))
        out.append(nm)
        resolved_named.append((m.start, nm))
    for m in mentions:
        if not m.anaphor:
            continue
        referent = _anaphor_place(m, resolved_named, gazetteer, ranked[0][0] if ranked else None)
        if referent is None:
            continue
        out.append(replace(m, place=referent, precision=_precision(referent)))
    out.sort(key=lambda m: (m.start, m.end))
    return out


def _copies(found: Sequence[_Cand]) -> list[_Cand]:
    """Fresh candidates (for one article's scores) from the cached ones."""
    return [_Cand(c.place, c.prior, c.reasons, 0.0, c.yields) for c in found[:MAX_CANDIDATES]]


def _coherence(
    named: Sequence[Mention], cands: list[list[_Cand]], chosen: list[_Cand | None]
) -> list[_Cand | None]:
    """Re-choose ambiguous names by closeness to the article's other places.

    Each name (all mentions of one key together) gains up to 4 points for
    a candidate near the places chosen for the *other* names, and 1 point when
    its country is among theirs.  Distances are computed for all candidates
    against all anchors at once with numpy, twice, so that a second round can
    follow the first round's corrections.
    """
    first_of: dict[str, int] = {}
    for i, m in enumerate(named):
        first_of.setdefault(m.key or m.text, i)
    keys = list(first_of)
    key_of = [first_of[m.key or m.text] for m in named]
    rep = [first_of[k] for k in keys]
    # a name whose best candidate leads by more than coherence can add is
    # settled already; only the close calls are re-weighed
    ambiguous = [i for i in rep if len(cands[i]) > 1 and _margin(cands[i]) < 6.0]
    if not ambiguous:
        return chosen
    flat = [(i, c) for i in ambiguous for c in cands[i]]
    owner = np.array([i for i, _ in flat])
    lat = np.radians([c.place.lat for _, c in flat])
    lon = np.radians([c.place.lon for _, c in flat])
    base_list = [c.score for _, c in flat]
    is_country = np.array([c.place.kind is Kind.COUNTRY for _, c in flat])
    countries = [c.place.country for _, c in flat]
    # names whose small alternate-name namesakes must stay below a major place
    held_owners: dict[int, list[int]] = defaultdict(list)
    for n, (i, _c) in enumerate(flat):
        held_owners[i].append(n)
    segments = [(i, ns[0], ns[-1] + 1) for i, ns in held_owners.items()]
    held_owners = {i: ns for i, ns in held_owners.items() if any(c.yields for c in cands[i])}
    for _ in range(COHERENCE_ROUNDS):
        anchors = [
            (i, chosen[i].place)  # type: ignore[union-attr]
            for i in rep
            if chosen[i] is not None and chosen[i].place.kind in _ANCHOR_KINDS  # type: ignore[union-attr]
        ]
        # how many names' chosen places lie in each country
        in_country: Counter[str] = Counter()
        for i in rep:
            c = chosen[i]
            if c is not None and c.place.country:
                in_country[c.place.country] += 1
        bonus = np.zeros(len(flat))
        if anchors:
            a_owner = np.array([i for i, _ in anchors])
            a_lat = np.radians([p.lat for _, p in anchors])
            a_lon = np.radians([p.lon for _, p in anchors])
            dlat = lat[:, None] - a_lat[None, :]
            dlon = lon[:, None] - a_lon[None, :]
            h = (
                np.sin(dlat / 2) ** 2
                + np.cos(lat[:, None]) * np.cos(a_lat[None, :]) * np.sin(dlon / 2) ** 2
            )
            d = 12742.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
            d[owner[:, None] == a_owner[None, :]] = np.inf
            dmin = d.min(axis=1)
            near = NEAR_WEIGHT * np.exp(-dmin / 150.0) + 1.0 * np.exp(-dmin / 800.0)
            bonus += np.where(is_country, 0.0, near)
        extra = bonus.tolist()
        for n, (i, _) in enumerate(flat):
            cc = countries[n]
            if cc and cc in in_country:
                here = chosen[i]
                itself = 1 if here is not None and here.place.country == cc else 0
                if in_country[cc] > itself:  # another name's place is in the country
                    extra[n] += 1.0
        total = [b + x for b, x in zip(base_list, extra, strict=True)]
        for i, ns in held_owners.items():
            for n, held in zip(ns, _held(cands[i], [total[n] for n in ns]), strict=True):
                total[n] = held
        best: dict[int, tuple[float, _Cand]] = {}
        for i, lo, hi in segments:
            # the first of equal totals, as the candidates are ranked
            n = max(range(lo, hi), key=total.__getitem__)
            best[i] = (total[n], flat[n][1])
        new = list(chosen)
        for j, k in enumerate(key_of):
            if k in best and len(cands[j]) > 1:
                # the same place for every mention of the name, unless this
                # mention has its own evidence (a qualifier) that outweighs it
                pick = best[k][1]
                if cands[j] is cands[k]:  # the name's shared candidates
                    own: _Cand | None = pick
                else:
                    own = next((c for c in cands[j] if c.place is pick.place), None)
                mine = chosen[j]
                if own is not None and mine is not None and mine.score - own.score > 6.0:
                    continue
                new[j] = own if own is not None else chosen[j]
        if all(a is b for a, b in zip(new, chosen, strict=True)):
            break  # settled: a further round would repeat this one
        chosen = new
    return chosen


def _margin(cl: list[_Cand]) -> float:
    """How far the best candidate's score leads the second best."""
    top = sorted((c.score for c in cl), reverse=True)
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
