"""The real gazetteer: resolution quality, ranking, blocking, names() and cache errors."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from sitmap.errors import GazetteerCorrupt, GazetteerMissing
from sitmap.gazetteer import Candidate, Gazetteer, normalize
from sitmap.model import Kind

# GeoNames points (lat, lon) of the places every build must resolve within 10 km.
CITIES = {
    "Kyiv": (50.4547, 30.5238), "Kiev": (50.4547, 30.5238),
    "Kharkiv": (49.9808, 36.2527), "Kharkov": (49.9808, 36.2527),
    "Mariupol": (47.0951, 37.5413), "Kherson": (46.6558, 32.6178),
    "Borodyanka": (50.6448, 29.9226), "Borodianka": (50.6448, 29.9226),
    "Bucha": (50.5474, 30.2088), "Irpin": (50.5220, 30.2404),
    "Hostomel": (50.5684, 30.2651), "Chernihiv": (51.5054, 31.2866),
    "Sumy": (50.9174, 34.7991), "Mykolaiv": (46.9763, 31.9930),
    "Nikolaev": (46.9763, 31.9930), "Odesa": (46.4857, 30.7438),
    "Odessa": (46.4857, 30.7438), "Zaporizhzhia": (47.8517, 35.1171),
    "Zaporozhye": (47.8517, 35.1171), "Izium": (49.2070, 37.2768),
    "Izyum": (49.2070, 37.2768), "Bakhmut": (48.5942, 37.9999),
    "Artemivsk": (48.5942, 37.9999), "Volnovakha": (47.6008, 37.4936),
    "Melitopol": (46.8474, 35.3820), "Lviv": (49.8383, 24.0232),
    "Lvov": (49.8383, 24.0232), "Donetsk": (48.0230, 37.8022),
    "Luhansk": (48.5681, 39.3055), "Moscow": (55.7520, 37.6178),
    "Minsk": (53.9002, 27.5665), "Beijing": (39.9075, 116.3972),
}
# Country and region label points, within 150 km.
REGIONS = {
    "Ukraine": (49.0, 32.0), "Russia": (60.0, 100.0), "Belarus": (53.0, 28.0),
    "Poland": (52.0, 20.0), "Crimea": (45.0, 34.0), "Donbas": (48.0, 38.0),
}


def _km(c: Candidate, point: tuple[float, float]) -> float:
    return float(geodesic((c.place.lat, c.place.lon), point).km)


@pytest.mark.parametrize("name", sorted(CITIES))
def test_done_when_cities_resolve_within_10_km(gazetteer, name):
    top = gazetteer.lookup(name)[0]
    assert _km(top, CITIES[name]) < 10, (name, top)


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_done_when_regions_resolve_within_150_km(gazetteer, name):
    top = gazetteer.lookup(name)[0]
    assert _km(top, REGIONS[name]) < 150, (name, top)


def test_odessa_is_texan_only_with_a_us_hint(gazetteer):
    assert gazetteer.lookup("Odessa")[0].place.country == "UA"
    top = gazetteer.lookup("Odessa", country="US")[0]
    assert top.place.country == "US" and top.place.admin1 == "TX"
    assert any("hinted country US" in r for r in top.reasons)


def test_near_point_reorders_candidates(gazetteer):
    # Springfield, Illinois is not the most populous Springfield, but is nearest Chicago.
    top = gazetteer.lookup("Springfield", near=(41.88, -87.63))[0]
    assert top.place.admin1 == "IL"
    assert any("km from near point" in r for r in top.reasons)


def test_georgia_is_the_country_by_default_and_the_state_with_a_us_hint(gazetteer):
    assert gazetteer.lookup("Georgia")[0].place.kind is Kind.COUNTRY
    state = gazetteer.lookup("Georgia", country="US")[0].place
    assert state.kind is Kind.ADMIN1 and state.country == "US"


def test_unknown_names_and_stopwords_return_nothing(gazetteer):
    assert gazetteer.lookup("Qwxzyborough") == []
    assert gazetteer.lookup("") == []
    for word in ("the", "had", "was", "and", "will"):
        assert gazetteer.lookup(word) == [], word


def test_airport_codes_are_not_names(gazetteer):
    # GeoNames lists IEV (Kyiv's airport) and HRK among Kyiv's and Kharkiv's alternates.
    for code in ("IEV", "HRK"):
        assert all(c.place.name not in ("Kyiv", "Kharkiv") for c in gazetteer.lookup(code))


def test_news_names_for_countries(gazetteer):
    for name, cc in [("Britain", "GB"), ("UK", "GB"), ("U.S.", "US"), ("United States", "US"),
                     ("America", "US"), ("Holland", "NL"), ("Burma", "MM")]:
        top = gazetteer.lookup(name)[0].place
        assert (top.kind, top.country) == (Kind.COUNTRY, cc), name


def test_curated_water_border_and_continent(gazetteer):
    sea = gazetteer.lookup("Black Sea")[0].place
    assert sea.kind is Kind.WATER
    border = gazetteer.lookup("the Poland-Ukraine border")[0].place
    assert border.kind is Kind.BORDER
    assert border.geometry and border.geometry["type"] in ("LineString", "MultiLineString")
    # The line is the shared boundary, so it runs between Poland's and Ukraine's longitudes.
    assert 22 < border.lon < 25 and 48 < border.lat < 52
    assert gazetteer.lookup("Polish-Ukrainian border")[0].place.name == border.name
    assert gazetteer.lookup("Europe")[0].place.kind is Kind.REGION


def test_reasons_explain_the_score(gazetteer):
    top = gazetteer.lookup("Kiev")[0]
    assert top.matched == "Kiev"
    assert "curated news spelling" in top.reasons
    assert any(r.startswith("population") for r in top.reasons)


def test_names_info_flags_common_words_but_not_countries(gazetteer):
    info = dict(gazetteer.names())
    assert info["kyiv"].preferred and not info["kyiv"].blocked
    assert info["reading"].blocked  # Reading, Berkshire exists, but "reading" is a word
    assert not info["turkey"].blocked and info["turkey"].kind is Kind.COUNTRY
    assert info["us"].blocked and "U.S." in info["us"].forms
    assert "the" not in info


def test_entries_are_prior_ranked_and_cached(gazetteer):
    first = gazetteer.entries("kharkiv")
    assert first[0].place.kind is Kind.CITY
    assert [c.score for c in first] == sorted((c.score for c in first), reverse=True)
    assert gazetteer.entries("kharkiv") == first
    assert gazetteer.entries("no such key at all") == []


def test_country_and_capital(gazetteer):
    assert gazetteer.country("ua").name == "Ukraine"
    assert gazetteer.capital("UA").name == "Kyiv"
    assert gazetteer.capital("FR").name == "Paris"
    assert gazetteer.country("XX") is None


def test_normalize_folds_case_diacritics_apostrophes_hyphens():
    assert normalize("L’viv") == normalize("L'viv") == normalize("LVIV") == "lviv"
    assert normalize("Kyïv") == "kyiv"
    assert normalize("Ivano-Frankivsk") == "ivano frankivsk"
    assert normalize("U.S.") == "us"
    assert normalize("  Poland–Ukraine   border ") == "poland ukraine border"


def test_missing_cache_names_the_rebuild_command(tmp_path):
    with pytest.raises(GazetteerMissing, match="sitmap gazetteer build"):
        Gazetteer.open(tmp_path / "absent.sqlite", build=False)


def test_corrupt_cache_names_the_rebuild_command(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(GazetteerCorrupt, match="sitmap gazetteer build"):
        Gazetteer.open(bad, build=False)


def test_us_states_are_not_shadowed_by_towns_elsewhere(gazetteer):
    # Indiana, Pennsylvania and Florida, Cuba are towns; the states are bigger news.
    for state, code in [("Indiana", "IN"), ("Florida", "FL"), ("Texas", "TX")]:
        top = gazetteer.lookup(state)[0].place
        assert (top.kind, top.country, top.admin1) == (Kind.ADMIN1, "US", code), state


def test_region_named_after_its_city_ranks_below_the_city(gazetteer):
    for name in ("Kharkiv", "Kherson", "Odessa", "Donetsk"):
        found = gazetteer.lookup(name)
        assert found[0].place.kind is Kind.CITY, name
        region = next(c for c in found if c.place.kind is Kind.ADMIN1)
        assert region.place.country == "UA" and "region named after its city" in region.reasons
    region = gazetteer.lookup("Kharkiv Oblast")[0].place
    assert region.kind is Kind.ADMIN1 and region.country == "UA"
    assert gazetteer.lookup("Kherson region")[0].place.kind is Kind.ADMIN1


def test_a_region_many_times_its_namesake_city_keeps_its_name(gazetteer):
    # Quebec City holds a small share of Quebec's people: the bare name is the
    # province, as news uses it ("Quebec City" is the city).
    top = gazetteer.lookup("Quebec")[0]
    assert (top.place.kind, top.place.country) == (Kind.ADMIN1, "CA")
    assert "region named after its city" not in top.reasons
    assert gazetteer.lookup("Quebec City")[0].place.kind is Kind.CITY


def test_country_points_are_centres_not_capitals(gazetteer):
    # GeoNames' points for the US and Australia (not world-countries' 27S 133E);
    # Japan keeps its centre, as GeoNames' point is Tokyo; see gazetteer/README.md
    for cc, lat, lon in [("US", 39.76, -98.5), ("AU", -25.0, 135.0), ("JP", 36.0, 138.0)]:
        country = gazetteer.country(cc)
        assert abs(country.lat - lat) < 0.01 and abs(country.lon - lon) < 0.01, cc


def test_news_abbreviations_of_regions(gazetteer):
    assert gazetteer.lookup("Ill.")[0].place.name == "Illinois"
    assert gazetteer.lookup("B.C.")[0].place.name == "British Columbia"
    assert gazetteer.lookup("D.C.")[0].place.name == "Washington"
    assert gazetteer.lookup("NSW")[0].place.name == "New South Wales"
    info = dict(gazetteer.names())
    assert info["ill"].blocked and "Ill." in info["ill"].forms  # "ill" is a word


def test_demonyms_are_evidence_not_places(gazetteer):
    assert gazetteer.demonym("Russian").country == "RU"
    assert gazetteer.demonym("Ukrainians").country == "UA"
    assert gazetteer.demonym("Kyiv") is None
    assert gazetteer.demonyms()["american"] == "US"
    info = dict(gazetteer.names())
    # Canadian, Alberta exists, but "Canadian" in news is the adjective.
    assert info["canadian"].blocked and info["canadian"].demonym == "CA"


def test_crimea_is_in_ukraine(gazetteer):
    crimea = gazetteer.lookup("Crimea")[0].place
    assert crimea.country == "UA"
    from shapely.geometry import Point, shape

    ukraine = gazetteer.geometry(gazetteer.country("UA"))
    assert shape(ukraine).contains(Point(34.1, 45.0))  # Simferopol's surroundings
    assert not shape(gazetteer.geometry(gazetteer.country("RU"))).contains(Point(34.1, 45.0))


def test_saint_and_st_are_one_spelling(gazetteer):
    assert gazetteer.lookup("St. Petersburg")[0].place.country == "RU"
    assert gazetteer.lookup("Saint Petersburg", country="US")[0].place.admin1 == "FL"
    assert gazetteer.lookup("Mt. Vernon", country="US")[0].place.name == "Mount Vernon"


def test_region_suffixes_name_the_oblast_not_the_city_region(gazetteer):
    oblast = gazetteer.lookup("Kyiv region")[0].place
    assert oblast.kind is Kind.ADMIN1
    # The oblast's label point lies south-west of the city, not on it.
    assert geodesic((oblast.lat, oblast.lon), (50.4547, 30.5238)).km > 30
    assert gazetteer.lookup("Rangoon")[0].place.kind is Kind.CITY


def test_curated_features_regions_and_waters(gazetteer):
    for name, kind, cc in [("Zaporizhzhia nuclear plant", Kind.FEATURE, "UA"),
                           ("Snake Island", Kind.FEATURE, "UA"), ("Darfur", Kind.REGION, "SD"),
                           ("Sea of Azov", Kind.WATER, None), ("Dnieper", Kind.WATER, "UA")]:
        top = gazetteer.lookup(name)[0]
        assert (top.place.kind, top.place.country) == (kind, cc), name
        assert "curated entry" in top.reasons


def test_a_named_file_that_is_not_a_gazetteer_is_never_overwritten(tmp_path, capsys):
    from sitmap.cli.main import main

    precious = tmp_path / "mine.sqlite"
    content = b"SQLite format 3\x00 but really someone's notes" * 50
    precious.write_bytes(content)
    with pytest.raises(GazetteerCorrupt, match="will not overwrite"):
        Gazetteer.open(precious)  # build=True: still refused
    assert main(["places", "--gazetteer", str(precious)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gazetteer build --gazetteer" in err[0]
    assert precious.read_bytes() == content
