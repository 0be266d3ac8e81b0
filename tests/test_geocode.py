"""Resolution rules, each checked with sentences written for the purpose,
against the real gazetteer."""

from __future__ import annotations

import math

from sitmap.geocode import bearing_deg, distance_km, parse_cues, resolve
from sitmap.mentions import recognize
from sitmap.model import Article, Kind, Place
from sitmap.sentences import split_sentences


def run(gazetteer, text: str):
    art = Article(doc_id="t", source="t", text=text)
    sents = split_sentences(text)
    return resolve(art, sents, recognize(art, sents, gazetteer), gazetteer)


def by_text(ms, text):
    hits = [m for m in ms if m.text == text]
    assert hits, f"{text!r} not among {[m.text for m in ms]}"
    return hits[0]


def km(p: Place, lat: float, lon: float) -> float:
    return distance_km(p, Place("x", lat, lon, Kind.CITY))


# -- geometry helpers -----------------------------------------------------------------


def test_bearing_and_distance_are_geodesic():
    kyiv = Place("Kyiv", 50.4547, 30.5238, Kind.CITY)
    borodyanka = Place("Borodyanka", 50.6448, 29.9226, Kind.TOWN)
    assert 45 < distance_km(kyiv, borodyanka) < 50
    assert 285 < bearing_deg(kyiv, borodyanka) < 310  # north-west


def test_parse_cue_distance_bearing_and_near():
    text = "a tiny town 60 kilometres northwest of Kyiv"
    cue = parse_cues(text, text.index("Kyiv"))
    assert cue is not None and cue.distance_km == 60 and cue.bearing == "northwest"
    text = "some 10 miles (16 km) south of Springfield"
    cue = parse_cues(text, text.index("Springfield"))
    assert cue is not None and round(cue.distance_km) == 16 and cue.bearing_deg == 180
    text = "a column stalled outside the capital of Kyiv"
    cue = parse_cues(text, text.index("Kyiv"))
    assert cue is not None and cue.near and cue.bearing is None
    assert parse_cues("talks in Kyiv", len("talks in ")) is None


# -- priors, focus, qualifiers ------------------------------------------------------


def test_population_and_kind_prior(gazetteer):
    ms = run(gazetteer, "Refugees from Odessa reached Moldova.")
    odessa = by_text(ms, "Odessa").place
    assert odessa is not None and odessa.country == "UA"
    moldova = by_text(ms, "Moldova")
    assert moldova.place is not None and moldova.place.kind is Kind.COUNTRY
    assert moldova.precision == 3 and by_text(ms, "Odessa").precision == 1


def test_explicit_qualifier_overrides_the_prior(gazetteer):
    ms = run(gazetteer, "The oil boom reached Odessa, Texas, years ago.")
    odessa = by_text(ms, "Odessa").place
    assert odessa is not None and odessa.country == "US"
    ms = run(gazetteer, "The band played in Paris, Texas, on Friday.")
    paris = by_text(ms, "Paris").place
    assert paris is not None and paris.country == "US"


def test_focus_region_pulls_its_towns(gazetteer):
    text = (
        "Ohio lawmakers met on Monday. In Columbus, the governor signed the bill, "
        "and officials in Dayton welcomed it."
    )
    columbus = by_text(run(gazetteer, text), "Columbus").place
    assert columbus is not None and km(columbus, 39.96, -83.0) < 30


def test_focus_country_from_demonyms(gazetteer):
    # Without context the largest Georgia is the US state or the country; with
    # Georgian and Russian troops in the text it is the country.
    text = "Russian troops crossed into Georgia as Georgian forces pulled back."
    georgia = by_text(run(gazetteer, text), "Georgia").place
    assert georgia is not None and georgia.country == "GE"


UKRAINE_STORY = (
    "Russian shelling hit Kharkiv, Odesa and Mykolaiv overnight, Ukrainian officials said. "
    "Trains left Lviv and Chernivtsi for the border. "
)


def test_country_name_beats_a_focus_country_village_with_that_alternate_name(gazetteer):
    # a Ukrainian village carries "Moldova" as an alternate name; in a story
    # about Ukraine, refugees arriving in Moldova are still in the country
    text = UKRAINE_STORY + "More than 300,000 refugees have arrived in Moldova since the invasion."
    moldova = by_text(run(gazetteer, text), "Moldova")
    assert moldova.place is not None and moldova.place.kind is Kind.COUNTRY
    assert moldova.place.country == "MD" and moldova.precision == 3


def test_an_explicit_qualifier_still_picks_the_namesake(gazetteer):
    # the hold is on context only: "Moldova, Ukraine" names the Ukrainian village
    moldova = by_text(run(gazetteer, "Shelling hit Moldova, Ukraine, overnight."), "Moldova")
    assert moldova.place is not None and moldova.place.country == "UA"
    assert moldova.place.kind is not Kind.COUNTRY


def test_neighbouring_countries_in_a_focus_country_story(gazetteer):
    text = (
        UKRAINE_STORY + "Refugees crossed into Poland, Romania, Hungary, Slovakia and Moldova, "
        "and some flew on to Georgia."
    )
    ms = run(gazetteer, text)
    for name, cc in (
        ("Poland", "PL"),
        ("Romania", "RO"),
        ("Hungary", "HU"),
        ("Slovakia", "SK"),
        ("Moldova", "MD"),
        ("Georgia", "GE"),
    ):
        place = by_text(ms, name).place
        assert place is not None and place.kind is Kind.COUNTRY and place.country == cc, name
    # the Ukrainian places themselves keep their focus
    for name in ("Kharkiv", "Odesa", "Mykolaiv", "Lviv", "Chernivtsi"):
        place = by_text(ms, name).place
        assert place is not None and place.country == "UA", name


def test_host_countries_in_a_syria_story(gazetteer):
    text = (
        "Syrian government forces shelled Aleppo, Idlib and Homs, and families fled Hama "
        "and Deir ez-Zor. Many of the refugees now live in Jordan, Lebanon and Turkey."
    )
    ms = run(gazetteer, text)
    for name, cc in (("Jordan", "JO"), ("Lebanon", "LB"), ("Turkey", "TR")):
        place = by_text(ms, name).place
        assert place is not None and place.kind is Kind.COUNTRY and place.country == cc, name
    aleppo = by_text(ms, "Aleppo").place
    assert aleppo is not None and aleppo.country == "SY"


def test_yielding_is_bounded_by_the_prior_gap():
    # a small alternate-name namesake yields only when the major place's prior
    # is well ahead; when the priors are close, context still decides
    from sitmap.geocode import PRIOR_WEIGHT, _Cand, _mark_yielding

    country = Place("Moldova", 47.0, 29.0, Kind.COUNTRY, country="MD", population=3_500_000)
    village = Place("Krutoiarivka", 46.36, 29.82, Kind.VILLAGE, country="UA", population=1933)
    far = [
        _Cand(country, PRIOR_WEIGHT * 4.46, ("preferred name",)),
        _Cand(village, PRIOR_WEIGHT * 1.29, ("alternate name",)),
    ]
    _mark_yielding(far)
    assert [c.yields for c in far] == [False, True]
    region = Place("North Side", 18.2, -63.1, Kind.ADMIN1, country="AI")
    town = Place("Oildale", 35.42, -119.02, Kind.TOWN, country="US", population=32_684)
    close = [
        _Cand(town, PRIOR_WEIGHT * 1.75, ("alternate name",)),
        _Cand(region, PRIOR_WEIGHT * 1.6, ("preferred name",)),
    ]
    _mark_yielding(close)
    assert not any(c.yields for c in close)


def test_coherence_with_nearby_places(gazetteer):
    text = "Flooding closed roads between Springfield, Peoria and Decatur on Sunday."
    springfield = by_text(run(gazetteer, text), "Springfield").place
    assert springfield is not None and km(springfield, 39.80, -89.64) < 30  # Illinois


# -- relative cues -------------------------------------------------------------------


def test_relative_cue_is_checked_and_kept(gazetteer):
    text = "In Borodyanka, a tiny town 60 kilometres northwest of Kyiv, locals repelled an assault."
    ms = run(gazetteer, text)
    b = by_text(ms, "Borodyanka")
    assert b.place is not None and km(b.place, 50.6448, 29.9226) < 10
    assert b.cue is not None
    assert b.cue.distance_km == 60 and b.cue.bearing == "northwest" and b.cue.anchor == "Kyiv"
    assert b.cue.checked_km is not None and 30 < b.cue.checked_km < 80
    assert b.precision == 1
    assert by_text(ms, "Kyiv").precision == 1


def test_relative_cue_chooses_the_candidate_that_fits(gazetteer):
    # the Egyptian Alexandria is far bigger; only the Virginian one lies a few
    # miles south of Washington
    text = "Protesters gathered in Alexandria, a city about 10 kilometres south of Washington."
    alexandria = by_text(run(gazetteer, text), "Alexandria")
    assert alexandria.place is not None and alexandria.place.country == "US"
    assert alexandria.cue is not None and alexandria.cue.checked_km is not None


def test_outside_a_town_is_precision_two(gazetteer):
    ms = run(gazetteer, "A column of tanks stalled for days outside the capital of Kyiv.")
    kyiv = by_text(ms, "Kyiv")
    assert kyiv.place is not None and km(kyiv.place, 50.4547, 30.5238) < 10
    assert kyiv.precision == 2 and kyiv.cue is not None and kyiv.cue.anchor == "Kyiv"


# -- anaphors --------------------------------------------------------------------------


def test_the_city_refers_to_the_last_named_city(gazetteer):
    text = "Russia's forces claimed Kherson. The mayor said there were no troops in the city."
    ms = run(gazetteer, text)
    city = [m for m in ms if m.anaphor]
    assert len(city) == 1 and city[0].text == "the city"
    assert city[0].place is not None and city[0].place.name == by_text(ms, "Kherson").place.name


def test_the_capital_refers_to_the_countrys_capital(gazetteer):
    text = "Missiles hit Ukraine overnight. Air defences over the capital were busy."
    ms = run(gazetteer, text)
    cap = [m for m in ms if m.anaphor]
    assert len(cap) == 1 and cap[0].place is not None
    assert km(cap[0].place, 50.4547, 30.5238) < 15


def test_unresolvable_anaphor_is_dropped(gazetteer):
    ms = run(gazetteer, "The city council met on Monday.")
    assert ms == []


def test_unknown_name_stays_unresolved(gazetteer):
    ms = run(gazetteer, "Fighting reached the village of Velykozvirivka overnight.")
    assert [(m.text, m.place) for m in ms] == [("Velykozvirivka", None)]


def test_bare_name_prefers_the_town_over_its_county(gazetteer):
    town = by_text(run(gazetteer, "Police in DeKalb arrested two men."), "DeKalb").place
    assert town is not None and town.kind is not Kind.ADMIN2
    county = by_text(run(gazetteer, "DeKalb County commissioners met."), "DeKalb County").place
    assert county is not None and county.kind is Kind.ADMIN2


# -- fast paths give exactly what the plain computations give -------------------------


def test_distance_km_is_geopys_geodesic_exactly():
    import random

    from geopy.distance import geodesic

    rng = random.Random(7)
    pairs = [
        ((0.0, -0.0), (-0.0, 0.0)),
        ((50.45, 30.52), (50.45, 30.52)),
        ((10.0, 20.0), (-10.0, -160.0)),
    ]
    for _ in range(200):
        lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
        far = (rng.uniform(-90, 90), rng.uniform(-180, 180))
        near = (max(-90.0, min(90.0, lat + rng.uniform(-1, 1))), lon + rng.uniform(-0.5, 0.5))
        pairs += [((lat, lon), far), ((lat, lon), near)]
    pairs.append(((10.0, 190.0), (10.0, -170.0)))  # out of range: geopy normalises it
    for a, b in pairs:
        pa, pb = Place("a", a[0], a[1], Kind.CITY), Place("b", b[0], b[1], Kind.CITY)
        assert distance_km(pa, pb) == float(geodesic(a, b).km), (a, b)


def test_resolved_copy_is_dataclasses_replace():
    import dataclasses

    from sitmap.geocode import _with_place
    from sitmap.model import Mention, RelativeCue

    m = Mention("d", "s", 3, 7, "Kyiv", key="kyiv")
    kyiv = Place("Kyiv", 50.45, 30.52, Kind.CITY, country="UA")
    cue = RelativeCue(60.0, "northwest", "Kyiv", kyiv, 58.2)
    got = _with_place(m, kyiv, 2, cue)
    assert got == dataclasses.replace(m, place=kyiv, precision=2, cue=cue)
    assert got.__dict__ == dataclasses.replace(m, place=kyiv, precision=2, cue=cue).__dict__
    assert m.place is None and m.cue is None  # the original is left alone


def test_nearest_anchor_is_the_haversine_minimum():
    import random

    from sitmap.geocode import _haversine_km, _nearest_km, _radians

    rng = random.Random(11)
    for _ in range(300):
        places = [
            Place("p", rng.uniform(-80, 80), rng.uniform(-180, 180), Kind.TOWN)
            for _ in range(rng.randint(1, 12))
        ]
        if rng.random() < 0.3:  # ties and near-ties
            places.append(places[0])
            places.append(Place("q", places[0].lat + 1e-9, places[0].lon, Kind.TOWN))
        owners = [rng.randint(0, 3) for _ in places]
        # as coherence passes them: (lat, owner, lon, cos_lat), by latitude
        anchors = []
        for p, owner in zip(places, owners, strict=True):
            lat, lon, cos_lat = _radians(p)
            anchors.append((lat, owner, lon, cos_lat))
        anchors.sort(key=lambda a: a[0])
        lats = [a[0] for a in anchors]
        target = Place("t", rng.uniform(-80, 80), rng.uniform(-180, 180), Kind.TOWN)
        lat, lon, cos_lat = _radians(target)
        want = min(
            (_haversine_km(lat, lon, cos_lat, a[0], a[2], a[3]) for a in anchors if a[1] != 0),
            default=float("inf"),
        )
        assert _nearest_km(lat, lon, cos_lat, 0, anchors, lats) == want


def test_spherical_screen_never_drops_a_fitting_candidate():
    import random

    from sitmap.geocode import CueMatch, _fits, _may_fit

    rng = random.Random(5)
    for _ in range(400):
        anchor = Place("a", rng.uniform(-85, 85), rng.uniform(-180, 180), Kind.CITY)
        cand = Place(
            "c",
            max(-89.0, min(89.0, anchor.lat + rng.uniform(-8, 8))),
            (anchor.lon + rng.uniform(-8, 8) + 180) % 360 - 180,
            Kind.TOWN,
        )
        km = rng.choice([None, rng.uniform(1, 900)])
        cue = CueMatch(0, 1, km, None, None, near=rng.random() < 0.5)
        d = distance_km(anchor, cand)
        if _fits(cue, d, anchor, cand):
            assert _may_fit(cue, anchor, cand), (anchor, cand, cue, d)


# -- country names, lists of countries, small namesakes in named regions ------------


def test_a_country_name_beside_other_countries_is_the_country(gazetteer):
    ms = run(gazetteer, "Cotton growers in Texas shipped bales to China, Vietnam and Japan.")
    china = by_text(ms, "China").place
    assert china is not None and (china.kind, china.country) == (Kind.COUNTRY, "CN")
    # a qualifier still names the Texan community
    ms = run(gazetteer, "Volunteers in China, Texas, cleared the flooded road.")
    china = by_text(ms, "China").place
    assert china is not None and (china.country, china.admin1) == ("US", "TX")


def test_a_list_of_countries_is_not_a_qualifier(gazetteer):
    ms = run(gazetteer, "The vaccine reached Brazil, China, Japan and Mexico last month.")
    for name, cc in [("China", "CN"), ("Japan", "JP")]:
        place = by_text(ms, name).place
        assert place is not None and (place.kind, place.country) == (Kind.COUNTRY, cc), name
    ms = run(gazetteer, "His sources in Russia, U.S. officials said, were reliable.")
    russia = by_text(ms, "Russia").place
    assert russia is not None and russia.country == "RU"


def test_a_small_namesake_inside_a_named_region_is_a_candidate(gazetteer):
    # Paris, Idaho ranks far below Paris, France and the larger US Parises by
    # prior; the region the article names brings it among the candidates.
    ms = run(gazetteer, "The county fair in Paris drew ranchers from across southeastern Idaho.")
    paris = by_text(ms, "Paris").place
    assert paris is not None and (paris.country, paris.admin1) == ("US", "ID")


def test_region_namesakes_stay_with_their_article(gazetteer):
    from sitmap.geocode import MAX_CANDIDATES, _cache_for

    # the widened candidates are the article's own: the name's shared ones,
    # used by every later article, keep the first MAX_CANDIDATES only
    idaho = "The county fair in Paris drew ranchers from across southeastern Idaho."
    m = by_text(run(gazetteer, idaho), "Paris")
    assert m.place.admin1 == "ID"
    cache = _cache_for(gazetteer)
    assert m.key in cache.prepared  # the article's name is the one checked below
    shared = cache.names(m.key)
    assert len(shared.cands) == MAX_CANDIDATES
    assert all(c.place.admin1 != "ID" or c.place.country != "US" for c in shared.cands)
    paris = by_text(run(gazetteer, "Museums in Paris reopened on Monday."), "Paris").place
    assert paris is not None and paris.country == "FR"
    # the same region again reuses the widened candidates, unchanged
    assert by_text(run(gazetteer, idaho), "Paris").place.admin1 == "ID"


# -- coherence: the shortcuts against the plain computation -------------------------


def _plain_coherence(keys, groups, chosen):
    """Coherence as first written: every total of every ambiguous name, every round."""
    from sitmap.geocode import (
        COHERENCE_ROUNDS,
        NEAR_WEIGHT,
        _haversine_km,
        _held_scores,
        _inside,
        _margin,
    )

    first_of = {}
    for i, key in enumerate(keys):
        first_of.setdefault(key, i)
    rep = list(first_of.values())
    ambiguous = [i for i in rep if len(groups[i].scores) > 1 and _margin(groups[i].scores) < 6.0]
    chosen = list(chosen)
    for _ in range(COHERENCE_ROUNDS if ambiguous else 0):
        anchors, in_country, in_region = [], {}, {}
        for i in rep:
            pick = chosen[i]
            if pick is None:
                continue
            names = groups[i].names
            if names.is_anchor[pick]:
                anchors.append((names.lat[pick], i, names.lon[pick], names.cos_lat[pick]))
                if names.regions[pick] is not None:
                    in_region.setdefault(names.regions[pick], set()).add(i)
            cc = names.countries[pick]
            if cc:
                in_country[cc] = in_country.get(cc, 0) + 1
        best = {}
        for i in ambiguous:
            group, names = groups[i], groups[i].names
            here = names.countries[chosen[i]] if chosen[i] is not None else None
            mine = chosen[i]
            area = names.places[mine] if mine is not None and names.is_country[mine] else None
            totals = []
            for n, score in enumerate(group.scores):
                if area is not None and n != mine and _inside(names.places[n], area):
                    totals.append(None)  # no contender
                    continue
                extra = 0.0
                owners = in_region.get(names.regions[n]) if n in names.open_regions else None
                if (
                    anchors
                    and not names.is_country[n]
                    and owners
                    and (len(owners) > 1 or i not in owners)
                ):
                    extra = NEAR_WEIGHT + 1.0
                elif anchors and not names.is_country[n]:
                    dmin = min(
                        (
                            _haversine_km(names.lat[n], names.lon[n], names.cos_lat[n], a, o, c)
                            for a, owner, o, c in anchors
                            if owner != i
                        ),
                        default=float("inf"),
                    )
                    extra = NEAR_WEIGHT * math.exp(-dmin / 150.0) + 1.0 * math.exp(-dmin / 800.0)
                cc = names.countries[n]
                if cc and in_country.get(cc, 0) > (1 if here == cc else 0):
                    extra += 1.0
                totals.append(score + extra)
            live = [n for n, t in enumerate(totals) if t is not None]
            kept = [totals[n] for n in live]
            if any(group.yields):
                kept = _held_scores(
                    [names.major_own[n] for n in live], [group.yields[n] for n in live], kept
                )
            best[i] = max(zip(live, kept, strict=True), key=lambda nt: (nt[1], -nt[0]))[0]
        new = list(chosen)
        for j, key in enumerate(keys):
            k = first_of[key]
            if k not in best or len(groups[j].scores) < 2:
                continue
            place = groups[k].names.places[best[k]]
            own = next((n for n, p in enumerate(groups[j].names.places) if p is place), None)
            mine = chosen[j]
            if (
                own is None
                or mine is not None
                and groups[j].scores[mine] - groups[j].scores[own] > 6.0
            ):
                continue
            new[j] = own
        if new == chosen:
            break
        chosen = new
    return chosen


def test_coherence_matches_the_plain_computation():
    import random

    from sitmap.geocode import _Cand, _coherence, _Group, _Names

    rng = random.Random(23)
    kinds = [Kind.CITY, Kind.TOWN, Kind.VILLAGE, Kind.COUNTRY, Kind.ADMIN1, Kind.ADMIN2]
    for _ in range(400):
        # a few names, each with candidates scattered over a small or a wide area
        spread = rng.choice([0.5, 3.0, 40.0])
        base = (rng.uniform(-60, 60), rng.uniform(-170, 170))
        keys, groups, chosen = [], [], []
        shared = {}
        for _m in range(rng.randint(1, 14)):
            key = f"name{rng.randint(0, 6)}"
            if key not in shared:
                cands = []
                for _c in range(rng.randint(1, 7)):
                    place = Place(
                        key,
                        base[0] + rng.uniform(-spread, spread),
                        base[1] + rng.uniform(-spread, spread),
                        rng.choice(kinds),
                        country=rng.choice(["AA", "BB", "CC", ""]),
                        population=rng.choice([0, 5_000, 500_000]),
                    )
                    reasons = (rng.choice(["preferred name", "alternate name"]),)
                    cand = _Cand(place, round(rng.uniform(0, 8), 1), reasons)
                    cand.yields = rng.random() < 0.2
                    cands.append(cand)
                names = _Names(cands)
                group = _Group(names)
                # ties on purpose: scores on a coarse grid
                group.scores = [round(rng.uniform(0, 8) * 2) / 2 for _c in cands]
                shared[key] = group
            group = shared[key]
            if rng.random() < 0.15:  # a qualified mention: its own scores
                own = _Group(group.names)
                own.scores = [s + rng.choice([0.0, 7.0, -7.0]) for s in group.scores]
                group = own
            keys.append(key)
            groups.append(group)
            chosen.append(max(range(len(group.scores)), key=lambda n, s=group.scores: (s[n], -n)))
        before = list(chosen)
        assert _coherence(keys, groups, chosen) == _plain_coherence(keys, groups, chosen)
        assert chosen == before  # the caller's choices are left as they were


def test_quick_cue_test_never_hides_a_cue():
    import random

    from sitmap.geocode import _CUE_LAST_WORDS, _may_cue

    texts = [
        "a village 12 km north of Ashgrove",
        "shelling near Ashgrove",
        "just OUTSIDE Ashgrove",
        "the suburbs of the city of Ashgrove",
        "20 miles (32 km) south-east of the port of Ashgrove",
        "about 5 km from\tAshgrove",
        "close to\n\nAshgrove",
        "of Ashgrove",
        "in Ashgrove",
        "Ashgrove",
    ]
    rng = random.Random(3)
    words = [*_CUE_LAST_WORDS, "in", "at", "and", "the", "north", "east", "15", "km", "miles"]
    words += ["OF", "From", "NEAR", "a", "ı", "İ", "ſ", "(", ",", "town-of"]
    spaces = [" ", " ", " ", "  ", "\n", "\t", "\u00a0", ""]
    for _ in range(3000):
        parts = [rng.choice(words) + rng.choice(spaces) for _ in range(rng.randint(0, 8))]
        texts.append("".join(parts) + "Ashgrove")
    for text in texts:
        for start in range(len(text) + 1):
            if parse_cues(text, start) is not None:
                assert _may_cue(text, start), (text, start)


def _plain_parse_cues(text, anchor_start):
    """parse_cues before its searches were narrowed by the word closing the cue."""
    from sitmap.geocode import (
        _COMPASS_WORDS,
        _CUE,
        _CUE_LAST_WORDS,
        _CUE_WORDS,
        _NEAR,
        CueMatch,
        _bearing_value,
        _km,
    )

    window_start = max(0, anchor_start - 90)
    window = text[window_start:anchor_start]
    last = window.rstrip().rsplit(None, 1)[-1:]
    if not window[-1:].isspace() or not last or last[0].lower() not in _CUE_LAST_WORDS:
        return None
    if not any(w in window[-60:].lower() for w in _CUE_WORDS):
        return None
    m = _CUE.search(window) if any(w in window.lower() for w in _COMPASS_WORDS) else None
    if m is not None:
        word = m.group("bearing").lower()
        km = _km(m.group("num"), m.group("unit"))
        return CueMatch(
            window_start + m.start(), anchor_start, km, word, _bearing_value(word), False
        )
    m = _NEAR.search(window)
    if m is not None:
        km = _km(m.group("num"), m.group("unit"))
        return CueMatch(window_start + m.start(), anchor_start, km, None, None, near=True)
    return None


def test_cue_parsing_matches_the_plain_searches():
    import random

    rng = random.Random(17)
    words = ["of", "from", "to", "close", "CLOSE", "cloſe", "near", "nearby", "outside", "around"]
    words += ["north", "South-West", "eastern", "the", "its", "city", "capital", "port", "town"]
    words += ["outskirts", "suburbs", "on", "just", "away", "7", "12.5", "3,000", "km", "miles"]
    words += ["(20 km)", "-", "in", "and", "troops", "village", "ſouth"]
    # the ASCII shortcuts (substring tests, a later search start) against
    # case-insensitive matching: other cases, "K" (Kelvin) and "ı" match too
    words += ["KM", "Miles", "\u212am", "mıles", "kilometres", "2km", "OUTSKIRTS", "Near", "on"]
    words += ["North", "WEST", "northeastern", "army", "Suburb", "ONE", "nonstop", "5-km"]
    spaces = [" ", " ", " ", "  ", "\n", "\t"]
    found = 0
    for _ in range(4000):
        parts = [rng.choice(words) + rng.choice(spaces) for _ in range(rng.randint(1, 9))]
        text = "".join(parts) + "Ashgrove"
        start = len(text) - len("Ashgrove")
        got = parse_cues(text, start)
        assert got == _plain_parse_cues(text, start), text
        found += got is not None
    assert found > 200  # the texts do hold cues of every sort


def test_qualifier_containment_is_kept_per_pair_of_names(gazetteer):
    from sitmap.geocode import _cache_for, _inside, _Names

    text = "Rain flooded the square in Paris, Texas, and in Paris, Kentucky."
    first = [m.place for m in run(gazetteer, text)]
    assert [m.place for m in run(gazetteer, text)] == first
    cache = _cache_for(gazetteer)
    paris, texas = cache.names("paris"), cache.names("texas")
    plain = [any(_inside(p, q) for q in texas.places) for p in paris.places]
    assert cache.inside(paris, texas) == plain and any(plain)
    assert cache.inside(paris, texas) is cache.inside(paris, texas)
    # another object with the same places is another entry, computed afresh
    again = _Names(paris.cands)
    assert cache.inside(again, texas) == plain
    assert cache.inside(again, _Names([])) == []


def test_cue_word_tests_are_the_word_lists():
    import itertools

    from sitmap.geocode import _COMPASS_WORDS, _CUE_WORDS, _has_compass_word, _has_cue_word

    words = [*_CUE_WORDS, "nort", "est", "outsid", "suburbia", "x"]
    for a, b in itertools.product(words, repeat=2):
        low = f"{a} {b}"
        assert _has_cue_word(low) == any(w in low for w in _CUE_WORDS), low
        assert _has_compass_word(low) == any(w in low for w in _COMPASS_WORDS), low
    assert set(_CUE_WORDS) == {
        "north", "south", "east", "west", "outside", "near", "outskirt", "around", "close",
        "suburb", "from",
    }  # fmt: skip
    assert set(_COMPASS_WORDS) == {"north", "south", "east", "west"}


def test_nearest_anchor_within_reach():
    import random

    from sitmap.geocode import _haversine_km, _nearest_km, _radians

    rng = random.Random(13)
    for _ in range(300):
        anchors = []
        for _ in range(rng.randint(0, 8)):
            p = Place("p", rng.uniform(-80, 80), rng.uniform(-180, 180), Kind.TOWN)
            lat, lon, cos_lat = _radians(p)
            anchors.append((lat, rng.randint(0, 2), lon, cos_lat))
        anchors.sort(key=lambda a: a[0])
        lats = [a[0] for a in anchors]
        lat, lon, cos_lat = _radians(
            Place("t", rng.uniform(-80, 80), rng.uniform(-180, 180), Kind.TOWN)
        )
        want = min(
            (_haversine_km(lat, lon, cos_lat, a[0], a[2], a[3]) for a in anchors if a[1] != 0),
            default=float("inf"),
        )
        reach = rng.choice([want, want * 0.999, want * 1.001, rng.uniform(0, 20000)])
        # the nearest distance when below the reach, else the reach itself
        assert _nearest_km(lat, lon, cos_lat, 0, anchors, lats, reach) == min(want, reach)


def test_a_capitalised_compass_word_opens_a_name_not_a_compass_phrase(gazetteer):
    # "in the South Central ..." names a facility; it says nothing about the
    # part of the country, so the named region's Clinton stands
    ms = run(
        gazetteer,
        "Tennessee prison officials said two inmates held in the South Central Correctional "
        "Facility in Clinton escaped on Sunday.",
    )
    clinton = by_text(ms, "Clinton").place
    assert clinton is not None and (clinton.country, clinton.admin1) == ("US", "TN")


def test_a_compass_phrase_does_not_move_a_qualified_name(gazetteer):
    ms = run(
        gazetteer,
        "Storms flooded farms in the south on Monday, and a tornado struck Clinton, Iowa, "
        "late on Tuesday.",
    )
    clinton = by_text(ms, "Clinton").place
    iowa = by_text(ms, "Iowa").place
    assert clinton is not None and (clinton.country, clinton.admin1) == ("US", "IA")
    assert iowa is not None and iowa.kind is Kind.ADMIN1


def test_a_governor_or_legislature_after_a_name_makes_it_the_region(gazetteer):
    # a governor governs the state: "New York Gov." is the state even where
    # the article's other places pull "New York" to the city
    ms = run(
        gazetteer,
        "Former New York Gov. Alma Rieger grew up in Brooklyn and later lived in Manhattan.",
    )
    ny = by_text(ms, "New York").place
    assert ny is not None and (ny.kind, ny.admin1) == (Kind.ADMIN1, "NY")
    # only that mention: the city named before keeps its choice
    ms = run(
        gazetteer, "Rents in New York rose again. New York Gov. Ilse Marrow spoke in Brooklyn."
    )
    city, state = [m.place for m in ms if m.text == "New York"]
    assert city is not None and city.kind is Kind.CITY
    assert state is not None and state.kind is Kind.ADMIN1
    # a country's "state television" is the country's
    panama = by_text(run(gazetteer, "Panama state television showed the canal."), "Panama")
    assert panama.place is not None and panama.place.kind is Kind.COUNTRY
    georgia = by_text(run(gazetteer, "Georgia Gov. Tom Ashdown signed the bill."), "Georgia")
    assert georgia.place is not None and (georgia.place.country, georgia.place.kind) == (
        "US",
        Kind.ADMIN1,
    )


def test_a_qualifier_is_the_region_around_the_place(gazetteer):
    # "Newburgh, New York" is the state even in an article whose other places
    # are in the city; a borough qualified by its city keeps the city
    ms = run(gazetteer, "Buses left Manhattan and Brooklyn for Newburgh, New York, on Monday.")
    ny = by_text(ms, "New York").place
    assert ny is not None and (ny.kind, ny.admin1) == (Kind.ADMIN1, "NY")
    ms = run(gazetteer, "A clinic in Harlem, New York, treated the students.")
    ny = by_text(ms, "New York").place
    assert ny is not None and ny.kind is Kind.CITY


def test_an_unqualified_dateline_is_the_well_known_place(gazetteer):
    # a dateline city standing alone is the well-known one, even in a story
    # about a region that has a small namesake
    text = "WASHINGTON -- The farm bill passed on Friday, and growers in Iowa cheered."
    dc = by_text(run(gazetteer, text), "WASHINGTON").place
    assert dc is not None and (dc.country, dc.admin1) == ("US", "DC")
    # a dateline with its state names the small town
    paris = by_text(run(gazetteer, "PARIS, Mo. -- The county fair opened on Friday."), "PARIS")
    assert paris.place is not None and (paris.place.country, paris.place.admin1) == ("US", "MO")


def test_closeness_does_not_move_a_country_to_a_namesake_inside_it(gazetteer):
    # the capital named beside "Mexico" is inside the country as much as it
    # is inside the capital's district that is also called Mexico
    ms = run(
        gazetteer,
        "Hospitals in Mexico City filled up as the outbreak spread across Mexico, officials said.",
    )
    mexico = by_text(ms, "Mexico").place
    assert mexico is not None and (mexico.kind, mexico.country) == (Kind.COUNTRY, "MX")


def test_a_region_is_close_to_the_places_inside_it(gazetteer):
    # a village near Rochester must not take "Ontario" from the province that
    # holds Toronto: a region is at no distance from a place inside it
    ms = run(
        gazetteer,
        "Doctors in Toronto said some patients from Ontario may be sent to hospitals in "
        "Rochester, New York.",
    )
    ontario = by_text(ms, "Ontario").place
    assert ontario is not None and (ontario.kind, ontario.country) == (Kind.ADMIN1, "CA")
    # a region sharing its name with its city is left to the points
    ms = run(gazetteer, "Rents in New York rose again, and prices in Brooklyn climbed.")
    ny = by_text(ms, "New York").place
    assert ny is not None and ny.kind is Kind.CITY


def test_the_members_of_a_list_of_regions_are_regions(gazetteer):
    ms = run(gazetteer, "Officials counted cases in Idaho, Montana, Washington and Wyoming.")
    wa = by_text(ms, "Washington").place
    assert wa is not None and (wa.kind, wa.admin1) == (Kind.ADMIN1, "WA")
    ms = run(gazetteer, "Farmers in Pennsylvania and Washington lost crops.")
    wa = by_text(ms, "Washington").place
    assert wa is not None and (wa.kind, wa.admin1) == (Kind.ADMIN1, "WA")
    # one place named twice stays that place
    ms = run(gazetteer, "Schools closed in Washington, D.C., Maryland and Virginia on Monday.")
    dc = by_text(ms, "Washington").place
    assert dc is not None and (dc.kind, dc.admin1) == (Kind.CITY, "DC")
    # two names joined by a comma alone are a town and its state
    ms = run(gazetteer, "He grew up in Washington, Missouri.")
    town = by_text(ms, "Washington").place
    assert town is not None and (town.kind, town.admin1) != (Kind.ADMIN1, "WA")
    assert town.admin1 == "MO"
