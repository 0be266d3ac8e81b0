"""Resolution rules, each checked with sentences written for the purpose,
against the real gazetteer."""

from __future__ import annotations

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
        "Former New York Gov. Hugh Carey grew up in Brooklyn and later lived in Manhattan.",
    )
    ny = by_text(ms, "New York").place
    assert ny is not None and (ny.kind, ny.admin1) == (Kind.ADMIN1, "NY")
    # only that mention: the city named before keeps its choice
    ms = run(gazetteer, "Rents in New York rose again. New York Gov. Kathy Hochul spoke in Brooklyn.")
    city, state = [m.place for m in ms if m.text == "New York"]
    assert city is not None and city.kind is Kind.CITY
    assert state is not None and state.kind is Kind.ADMIN1
    # a country's "state television" is the country's
    panama = by_text(run(gazetteer, "Panama state television showed the canal."), "Panama")
    assert panama.place is not None and panama.place.kind is Kind.COUNTRY
    georgia = by_text(run(gazetteer, "Georgia Gov. Brian Kemp signed the bill."), "Georgia")
    assert georgia.place is not None and (georgia.place.country, georgia.place.kind) == (
        "US",
        Kind.ADMIN1,
    )


def test_a_qualifier_is_the_region_around_the_place(gazetteer):
    # "Buffalo, New York" is the state even in an article whose other places
    # are in the city; a borough qualified by its city keeps the city
    ms = run(gazetteer, "Buses left Manhattan and Brooklyn for Buffalo, New York, on Monday.")
    ny = by_text(ms, "New York").place
    assert ny is not None and (ny.kind, ny.admin1) == (Kind.ADMIN1, "NY")
    ms = run(gazetteer, "A clinic in Queens, New York, treated the students.")
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
    # a village near Buffalo must not take "Ontario" from the province that
    # holds Toronto: a region is at no distance from a place inside it
    ms = run(
        gazetteer,
        "Doctors in Toronto said some patients from Ontario may be sent to hospitals in "
        "Buffalo, New York.",
    )
    ontario = by_text(ms, "Ontario").place
    assert ontario is not None and (ontario.kind, ontario.country) == (Kind.ADMIN1, "CA")
    # a region sharing its name with its city is left to the points
    ms = run(gazetteer, "Rents in New York rose again, and prices in Brooklyn climbed.")
    ny = by_text(ms, "New York").place
    assert ny is not None and ny.kind is Kind.CITY


def test_the_members_of_a_list_of_regions_are_regions(gazetteer):
    ms = run(gazetteer, "Cases were reported in Ohio, Oregon, Washington and Texas, the agency said.")
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
    ms = run(gazetteer, "He grew up in Washington, Pennsylvania.")
    town = by_text(ms, "Washington").place
    assert town is not None and (town.kind, town.admin1) != (Kind.ADMIN1, "WA")
    assert town.admin1 == "PA"
