"""Unit tests for the status tagger: one behaviour per test, on sentences written for it.

Mentions are built straight from ``[Name]`` / ``[Name|kind]`` markers in the
test text, so these tests exercise tagging without the geoparser.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from sitmap.errors import ConfigError
from sitmap.model import Article, Assertion, Epistemic, Kind, Mention, Place, Status
from sitmap.sentences import split_sentences
from sitmap.status import (
    CueDetector,
    CueHit,
    RuleTagger,
    StatusTagger,
    aggregate,
    load_rules,
    tag,
)

KINDS = {"c": Kind.CITY, "t": Kind.TOWN, "C": Kind.COUNTRY, "r": Kind.ADMIN1, "w": Kind.WATER}


def build(marked: str, date: dt.date | None = dt.date(2024, 6, 1)) -> tuple[Article, list[Mention]]:
    """Turn ``"Shelling hit [Kharkiv]."`` into an article and its resolved mentions."""
    text, pos = "", 0
    mentions: list[Mention] = []
    ids: dict[str, int] = {}
    for m in re.finditer(r"\[([^\]|]+)(?:\|(\w))?\]", marked):
        text += marked[pos : m.start()]
        name = m.group(1)
        ids.setdefault(name, len(ids) + 1)
        place = Place(name, 0.0, 0.0, KINDS[m.group(2) or "c"], geonameid=ids[name])
        mentions.append(Mention("t", "t", len(text), len(text) + len(name), name, place))
        text += name
        pos = m.end()
    text += marked[pos:]
    return Article(doc_id="t", source="t", text=text, date=date), mentions


def run(marked: str, **kw: object) -> list[Assertion]:
    article, mentions = build(marked, **kw)  # type: ignore[arg-type]
    return tag(article, split_sentences(article.text), mentions)


def statuses(assertions: list[Assertion], name: str) -> set[str]:
    return {a.status.value for a in assertions if a.place.name == name}


def only(assertions: list[Assertion], name: str, status: str) -> Assertion:
    found = [a for a in assertions if a.place.name == name and a.status.value == status]
    assert len(found) == 1, f"{name}/{status}: {found}"
    return found[0]


# ---------------------------------------------------------------- statuses --


@pytest.mark.parametrize(
    ("marked", "name", "status"),
    [
        ("Rebel fighters seized [Goma] on Monday.", "Goma", "captured"),
        ("The army retook [Ramadi] after a long campaign.", "Ramadi", "recaptured"),
        ("Paramilitary units have besieged [El Fasher] for months.", "El Fasher", "encircled"),
        ("Street battles continued in [Khartoum].", "Khartoum", "contested"),
        ("A Russian column was advancing on [Kyiv] from the north.", "Kyiv", "advance"),
        ("Artillery shells hit a market in [Donetsk].", "Donetsk", "struck"),
        ("Gunmen abducted twenty villagers near [Kidal|t].", "Kidal", "civilian_harm"),
        ("The garrison pulled out of [Lyman|t] overnight.", "Lyman", "withdrawn"),
        ("[Kharkiv] remains in Ukrainian hands.", "Kharkiv", "held"),
        ("Thousands of families fled [Rafah] on foot.", "Rafah", "displacement"),
        ("Negotiators met in [Jeddah] to discuss a truce.", "Jeddah", "diplomacy"),
        ("It was unclear who controlled [Kreminna|t].", "Kreminna", "unknown"),
        ("The president flew to [Warsaw] on Tuesday.", "Warsaw", "mentioned"),
    ],
)
def test_each_status_has_a_cue(marked: str, name: str, status: str) -> None:
    assert statuses(run(marked), name) == {status}


def test_contested_records_repelled_outcome() -> None:
    a = only(run("Local defenders repelled an assault on [Vuhledar|t]."), "Vuhledar", "contested")
    assert a.outcome == "repelled"


def test_surrounded_by_buildings_is_not_a_siege() -> None:
    out = run(
        "In [Borodyanka|t], wrecked tanks lay on the road, surrounded by buildings blasted into ruins."
    )
    assert "encircled" not in statuses(out, "Borodyanka")
    assert "struck" in statuses(out, "Borodyanka")


# ------------------------------------------------------------- attribution --


def test_trailing_attribution_names_the_claimant_as_written() -> None:
    out = run(
        "[Mariupol] has been surrounded by Russian units, defence ministry adviser Petro Hrytsenko said."
    )
    a = only(out, "Mariupol", "encircled")
    assert a.epistemic is Epistemic.CLAIMED
    assert a.claimant == "defence ministry adviser Petro Hrytsenko"


def test_leading_attribution_and_according_to() -> None:
    a = only(run("The governor said missiles struck [Lviv] overnight."), "Lviv", "struck")
    assert (a.epistemic, a.claimant) == (Epistemic.CLAIMED, "The governor")
    b = only(
        run("Shelling hit [Sumy], according to the regional administration."), "Sumy", "struck"
    )
    assert b.claimant == "the regional administration"


def test_plain_statement_is_reported() -> None:
    a = only(run("Explosions were heard in [Odesa] early on Saturday."), "Odesa", "struck")
    assert (a.epistemic, a.claimant) == (Epistemic.REPORTED, None)


def test_attribution_carries_to_the_next_sentence_of_the_same_speaker() -> None:
    out = run(
        "The situation in [Kyiv] is under control, Mayor Vitali Klitschko said.\n"
        "Klitschko said nighttime explosions were air defences striking down missiles.\n"
        "He said a heating plant was damaged by shelling."
    )
    struck = [a for a in out if a.place.name == "Kyiv" and a.status is Status.STRUCK]
    assert len(struck) == 2
    assert {a.claimant for a in struck} == {"Klitschko"}  # "He" resolved to the speaker
    assert only(out, "Kyiv", "held").claimant == "Mayor Vitali Klitschko"


def test_a_new_speaker_without_a_place_does_not_inherit_it() -> None:
    out = run(
        "Shelling hit [Kharkiv] overnight, the governor said.\n"
        "Separately, the UN said 300 civilians had been killed since the war began."
    )
    assert statuses(out, "Kharkiv") == {"struck"}


def test_quote_running_on_keeps_its_speaker() -> None:
    out = run(
        '"[Chernihiv] is cut off," the regional governor said. "Families are fleeing the city."'
    )
    assert only(out, "Chernihiv", "displacement").claimant == "the regional governor"


def test_place_that_speaks_is_an_actor_not_a_location() -> None:
    out = run("[Ukraine|C] said its troops had repelled an attack near [Kupiansk].")
    assert statuses(out, "Ukraine") == {"mentioned"}
    a = only(out, "Kupiansk", "contested")
    assert (a.claimant, a.outcome) == ("Ukraine", "repelled")


def test_place_in_the_speakers_title_is_still_a_location() -> None:
    out = run("The city council of [Mykolaiv] said a missile hit the administration building.")
    assert statuses(out, "Mykolaiv") == {"struck"}


# -------------------------------------------------- hedges and contradiction --


def test_doubt_in_the_next_sentence_hedges_the_claim() -> None:
    out = run(
        "The situation in [Kherson] remained unclear. Russia's army claimed it had seized full control of the city. "
        "Western officials said that was plausible, though not yet verified."
    )
    a = only(out, "Kherson", "captured")
    assert (a.epistemic, a.claimant, a.hedge) == (
        Epistemic.CLAIMED,
        "Russia's army",
        "not yet verified",
    )


def test_doubt_about_the_outlets_own_statement_makes_it_disputed() -> None:
    a = only(
        run("A hospital in [Gaza City] was hit, though this could not be independently verified."),
        "Gaza City",
        "struck",
    )
    assert a.epistemic is Epistemic.DISPUTED
    assert a.hedge == "could not be independently verified"


def test_claim_and_its_denial_stay_two_assertions() -> None:
    out = run(
        "[Goma] fell on Monday night, the M23 group claimed. The government said the claim was false."
    )
    captured = sorted((a.epistemic.value, a.claimant) for a in out if a.status is Status.CAPTURED)
    assert captured == [("claimed", "the M23 group"), ("denied", "The government")]
    report = aggregate(out)[0]
    assert len(report.assertions) == 2
    assert report.headline.epistemic is Epistemic.CLAIMED  # a denial never headlines


def test_denial_in_the_same_sentence() -> None:
    a = only(
        run("Ukrainian officials denied that [Bakhmut] was surrounded."), "Bakhmut", "encircled"
    )
    assert (a.epistemic, a.claimant) == (Epistemic.DENIED, "Ukrainian officials")


def test_confirmation_by_imagery() -> None:
    a = only(
        run("Satellite images show that the airport in [Kherson] was heavily damaged."),
        "Kherson",
        "struck",
    )
    assert a.epistemic is Epistemic.CONFIRMED


def test_reportedly_is_a_claim_with_its_hedge() -> None:
    a = only(run("[Wad Madani] has reportedly fallen to the RSF."), "Wad Madani", "captured")
    assert (a.epistemic, a.hedge) == (Epistemic.CLAIMED, "reportedly")


# ----------------------------------------------------- negation, mood, time --


@pytest.mark.parametrize(
    "marked",
    [
        "The mayor said there were no casualties in [Kyiv] overnight.",
        "Nobody was killed in [Haifa], police said.",
        "The rebels did not capture [Bukavu].",
    ],
)
def test_negated_cues_assert_nothing(marked: str) -> None:
    name = re.search(r"\[([^\]|]+)", marked).group(1)  # type: ignore[union-attr]
    assert statuses(run(marked), name) == {"mentioned"}


def test_demands_and_conditions_are_not_events() -> None:
    out = run("Most of the world demanded it withdraw from [Ukraine|C].")
    assert statuses(out, "Ukraine") == {"mentioned"}
    out = run("Unless the fighting stops, [Sumy] could be encircled within days.")
    assert statuses(out, "Sumy") == {"mentioned"}


def test_planned_talks_are_still_diplomacy() -> None:
    out = run("A second round of talks could come later on Thursday in neighbouring [Belarus|C].")
    assert statuses(out, "Belarus") == {"diplomacy"}


def test_history_is_not_todays_status() -> None:
    assert statuses(run("The fighting in 2014 in [Donetsk] left thousands dead."), "Donetsk") == {
        "mentioned"
    }
    assert statuses(
        run("During World War Two, [Stalingrad] saw street fighting."), "Stalingrad"
    ) == {"mentioned"}
    # the same year as the article is today
    out = run("Shelling in 2024 hit [Kharkiv] again.", date=dt.date(2024, 6, 1))
    assert statuses(out, "Kharkiv") == {"struck"}


@pytest.mark.parametrize(
    "marked",
    [
        "The campaign was a battle for hearts and minds in [Kabul].",
        "The minister came under fire from critics in [London] over the budget.",
        "The film captured the imagination of audiences in [Paris].",
        "Tourism in [Sharm el-Sheikh] has fallen sharply.",
        "[Barcelona] beat back [Madrid] in a thrilling football match.",
    ],
)
def test_figurative_language_is_not_conflict(marked: str) -> None:
    out = run(marked)
    assert {a.status.value for a in out} == {"mentioned"}


def test_sports_event_named_after_a_city_is_only_mentioned() -> None:
    out = run("Russian and Belarusian athletes were banned from the [Beijing] Paralympics.")
    assert statuses(out, "Beijing") == {"mentioned"}


# ---------------------------------------------------------------- anaphora --


def test_the_city_and_it_refer_back() -> None:
    out = run(
        "Control of [Kherson], a port on the [Black Sea|w], was unclear. "
        "Russian troops claimed to have taken the city. "
        "The mayor said the Ukrainian flag was still flying over it."
    )
    assert {"captured", "held", "unknown"} <= statuses(out, "Kherson")
    assert statuses(out, "Black Sea") == {"mentioned"}
    assert only(out, "Kherson", "held").claimant == "The mayor"


def test_the_country_skips_an_actor_name() -> None:
    out = run(
        "A million people have fled [Ukraine|C] since [Russia|C]'s invasion. "
        '"Countless more have been displaced inside the country," the UN said.'
    )
    assert statuses(out, "Russia") == {"mentioned"}
    assert [
        a.claimant for a in out if a.place.name == "Ukraine" and a.status is Status.DISPLACEMENT
    ].count("the UN") == 1


def test_existential_there_is_not_a_place() -> None:
    out = run("Troops reached [Izium|t]. There were explosions across the region later.")
    assert statuses(out, "Izium") == {"mentioned"}


# ------------------------------------------------------------------- scope --


def test_cue_attaches_to_its_own_clause() -> None:
    out = run("Missiles hit [Kharkiv] while talks continued in [Istanbul].")
    assert statuses(out, "Kharkiv") == {"struck"}
    assert statuses(out, "Istanbul") == {"diplomacy"}


def test_objects_of_verbs_get_their_own_cue() -> None:
    out = run("Russian troops captured [Izium] and shelled [Kharkiv].")
    assert statuses(out, "Izium") == {"captured"}
    assert statuses(out, "Kharkiv") == {"struck"}


def test_coordinated_places_share_a_cue() -> None:
    out = run("Shelling hit [Kharkiv], [Sumy] and [Chernihiv] overnight.")
    assert all(statuses(out, n) == {"struck"} for n in ("Kharkiv", "Sumy", "Chernihiv"))


def test_possessive_descriptor_gives_the_status_to_the_named_place() -> None:
    out = run("[Ukraine|C]'s southern port of [Mariupol] is surrounded by Russian troops.")
    assert statuses(out, "Ukraine") == {"mentioned"}
    assert statuses(out, "Mariupol") == {"encircled"}


def test_relative_location_anchor_does_not_take_the_status() -> None:
    out = run(
        "In [Borodyanka|t], a town 60 kilometres northwest of [Kyiv], locals repelled a Russian assault."
    )
    assert statuses(out, "Borodyanka") == {"contested"}
    assert statuses(out, "Kyiv") == {"mentioned"}


def test_outside_the_capital_is_an_advance_on_it() -> None:
    out = run(
        "With a column of tanks stalled outside the capital of [Kyiv], fighting continued across [Ukraine|C]."
    )
    assert statuses(out, "Kyiv") == {"advance"}
    assert statuses(out, "Ukraine") == {"contested"}


def test_fled_from_and_arriving_in() -> None:
    out = run(
        "More than a million people have fled [Ukraine|C], and many are arriving in [Poland|C] daily."
    )
    assert statuses(out, "Ukraine") == {"displacement"}
    assert statuses(out, "Poland") == {"displacement"}


def test_origin_of_a_strike_is_not_its_target() -> None:
    out = run("A missile fired from [Crimea|r] hit an apartment block in [Odesa].")
    assert statuses(out, "Odesa") == {"struck"}
    assert statuses(out, "Crimea") == {"mentioned"}


# ------------------------------------------------------------ talks venue --


@pytest.mark.parametrize(
    ("marked", "venues", "parties"),
    [
        # the parties follow "of", "between", "from" or a possessive
        (
            "The defence ministers of [Peru|C] and [Chile|C] met for talks in [Lima].",
            {"Lima"},
            {"Peru", "Chile"},
        ),
        (
            "Talks between [Georgia|C] and [Abkhazia|r] reopened in [Geneva] on Monday.",
            {"Geneva"},
            {"Georgia", "Abkhazia"},
        ),
        (
            "Envoys from [Kinshasa] and [Kigali] gathered in [Luanda] for a summit.",
            {"Luanda"},
            {"Kinshasa", "Kigali"},
        ),
        (
            "[Mali|C]'s foreign minister met his [Niger|C] counterpart in [Dakar].",
            {"Dakar"},
            {"Mali", "Niger"},
        ),
        # a venue several words after its preposition, and one reached by travel
        (
            "A new round of talks may open next week in neighbouring [Belarus|C].",
            {"Belarus"},
            set(),
        ),
        (
            "The envoy flew to [Ankara] for negotiations with [Syria|C]'s rulers.",
            {"Ankara"},
            {"Syria"},
        ),
    ],
)
def test_talks_are_diplomacy_at_the_venue_not_at_the_parties(
    marked: str, venues: set[str], parties: set[str]
) -> None:
    out = run(marked)
    for name in venues:
        assert statuses(out, name) == {"diplomacy"}, name
    for name in parties:
        assert statuses(out, name) == {"mentioned"}, name


def test_a_venue_named_with_its_country_shares_the_cue() -> None:
    out = run("Delegates of [Sudan|C] met for talks in [Jeddah], [Saudi Arabia|C], on Saturday.")
    assert statuses(out, "Jeddah") == {"diplomacy"}
    assert statuses(out, "Saudi Arabia") == {"diplomacy"}
    assert statuses(out, "Sudan") == {"mentioned"}


@pytest.mark.parametrize(
    "marked",
    [
        "[Serbia|C] and [Kosovo|C] agreed to hold talks.",
        "[Ethiopia|C] and [Eritrea|C] signed a peace agreement.",
        "[Russia|C] said it was open to negotiations with [Ukraine|C].",
    ],
)
def test_talks_without_a_venue_locate_nothing(marked: str) -> None:
    # the countries are who talks; where they talk is not said, so no place
    # on the map gets the diplomacy status
    assert {a.status.value for a in run(marked)} == {"mentioned"}


@pytest.mark.parametrize(
    ("marked", "host"),
    [
        ("[Qatar|C]-hosted talks between the two sides stalled.", "Qatar"),
        ("[Turkey|C] hosted a meeting of the two delegations.", "Turkey"),
        ("Negotiations hosted by [Oman|C] resumed on Sunday.", "Oman"),
        ("[Egypt|C] has been mediating between the factions.", "Egypt"),
        ("The [Istanbul] talks ended without a deal.", "Istanbul"),
    ],
)
def test_hosts_mediators_and_named_talks_are_venues(marked: str, host: str) -> None:
    assert statuses(run(marked), host) == {"diplomacy"}


@pytest.mark.parametrize(
    ("marked", "expected"),
    [
        # "the Ukraine talks" are talks on Ukraine; a town in that slot is a venue
        (
            "The [Ukraine|C] talks resumed in [Vienna].",
            {"Ukraine": "mentioned", "Vienna": "diplomacy"},
        ),
        # the topic of the talks is not where they are held
        (
            "Negotiations to end the war in [Yemen|C] opened in [Stockholm].",
            {"Yemen": "mentioned", "Stockholm": "diplomacy"},
        ),
        (
            "Talks on a ceasefire in [Gaza] were held in [Cairo].",
            {"Gaza": "mentioned", "Cairo": "diplomacy"},
        ),
        # where sanctions are decided is rarely named; the place they hit is
        (
            "[Canada|C] imposed new sanctions on [Iran|C].",
            {"Canada": "mentioned", "Iran": "diplomacy"},
        ),
    ],
)
def test_what_talks_are_about_is_not_where_they_are_held(
    marked: str, expected: dict[str, str]
) -> None:
    out = run(marked)
    assert {name: statuses(out, name) for name in expected} == {
        name: {status} for name, status in expected.items()
    }


def test_venue_words_come_from_the_rules_file(tmp_path: Path) -> None:
    marked = "Delegations convened beside [Lake Geneva|w] for talks."
    assert statuses(run(marked), "Lake Geneva") == {"mentioned"}
    extra = tmp_path / "venue.toml"
    extra.write_text('[venue]\nbefore = ["beside"]\n', encoding="utf-8")
    article, mentions = build(marked)
    tagger = RuleTagger(load_rules([extra], use_env=False))
    out = tagger.tag(article, split_sentences(article.text), mentions)
    assert statuses(out, "Lake Geneva") == {"diplomacy"}


# ------------------------------------------------------- where forces act --


@pytest.mark.parametrize(
    ("marked", "home", "target", "status"),
    [
        ("Artillery units based in [Belgorod] shelled [Kharkiv].", "Belgorod", "Kharkiv", "struck"),
        (
            "Gunners positioned near [Horlivka] pounded [Bakhmut|t] for hours.",
            "Horlivka",
            "Bakhmut",
            "struck",
        ),
        (
            "Rockets fired from southern [Lebanon|C] hit [Safed|t].",
            "Lebanon",
            "Safed",
            "struck",
        ),
        (
            "Ukrainian troops from [Kharkiv] shelled [Belgorod].",
            "Kharkiv",
            "Belgorod",
            "struck",
        ),
        (
            "Volunteers from [Chechnya|r] were sent to fight in [Mariupol].",
            "Chechnya",
            "Mariupol",
            "contested",
        ),
        (
            "A column of tanks from neighbouring [Belarus|C] rolled toward [Kyiv].",
            "Belarus",
            "Kyiv",
            "advance",
        ),
    ],
)
def test_where_a_force_comes_from_is_not_where_it_acts(
    marked: str, home: str, target: str, status: str
) -> None:
    out = run(marked)
    assert statuses(out, target) == {status}
    assert statuses(out, home) == {"mentioned"}


def test_a_home_base_alone_keeps_the_event() -> None:
    # with no other place, the base is where the event happened
    out = run("Troops stationed in [Kursk] came under artillery fire.")
    assert statuses(out, "Kursk") == {"struck"}


def test_fight_needs_a_named_place() -> None:
    assert statuses(run("Recruits were sent to fight in [Avdiivka|t]."), "Avdiivka") == {
        "contested"
    }
    out = run("Officials in [Kyiv] vowed to fight corruption.")
    assert statuses(out, "Kyiv") == {"mentioned"}


@pytest.mark.parametrize(
    ("marked", "harmed", "care"),
    [
        # where victims come from is where they were hurt, unlike fighters
        (
            "Wounded civilians from [Mariupol] were treated in [Zaporizhzhia].",
            "Mariupol",
            "Zaporizhzhia",
        ),
        # the place of care is skipped even when it is the first place after the cue
        ("The injured were airlifted to [Kyiv] from [Sumy].", "Sumy", "Kyiv"),
        ("Hospital staff in [Dnipro] treated people wounded in [Nikopol].", "Nikopol", "Dnipro"),
    ],
)
def test_harm_is_where_it_happened_not_where_victims_are_treated(
    marked: str, harmed: str, care: str
) -> None:
    out = run(marked)
    assert statuses(out, harmed) == {"civilian_harm"}
    assert statuses(out, care) == {"mentioned"}


def test_a_place_of_care_alone_keeps_the_harm() -> None:
    # no other place: the report of casualties is all the map has
    out = run("Twelve wounded civilians were taken to hospital in [Kramatorsk].")
    assert statuses(out, "Kramatorsk") == {"civilian_harm"}


def test_refugees_are_displaced_at_origin_and_destination() -> None:
    # "in eastern Chad": a modifier between the preposition and the name
    out = run("Refugees from [Sudan|C] arrived in eastern [Chad|C].")
    assert statuses(out, "Sudan") == {"displacement"}
    assert statuses(out, "Chad") == {"displacement"}


# ------------------------------------------------------------- assertions --


def test_assertion_fields_come_from_article_and_mention() -> None:
    article, mentions = build("Intro line.\n\nShelling hit [Sumy] overnight.")
    article = Article(
        "doc", "src.txt", article.text, dt.date(2024, 6, 1), url="https://x", outlet="Out"
    )
    mentions = [
        Mention("doc", "src.txt", m.start, m.end, m.text, m.place, precision=2) for m in mentions
    ]
    [a] = tag(article, split_sentences(article.text), mentions)
    assert article.text[a.start : a.end] == a.quote == "Shelling hit Sumy overnight."
    assert article.text[a.mention_start : a.mention_end] == "Sumy"  # type: ignore[index]
    assert (a.source, a.doc_id, a.date, a.url, a.outlet) == (
        "src.txt",
        "doc",
        dt.date(2024, 6, 1),
        "https://x",
        "Out",
    )
    assert a.precision == 2
    assert a.cue == "Shelling"


def test_unresolved_mentions_are_ignored_and_every_place_gets_an_assertion() -> None:
    article, mentions = build("The band toured [Vilnius] and [Riga].")
    unresolved = Mention("t", "t", 0, 3, "The", None)
    out = tag(article, split_sentences(article.text), [*mentions, unresolved])
    assert sorted((a.place.name, a.status.value) for a in out) == [
        ("Riga", "mentioned"),
        ("Vilnius", "mentioned"),
    ]


# -------------------------------------------------------------- aggregate --


def test_headline_is_most_severe_then_best_established() -> None:
    out = run(
        "[Kyiv] is under control, the mayor said. Russian missiles struck [Kyiv] overnight, the mayor said. "
        "Satellite images show that [Kyiv] was struck."
    )
    [report] = aggregate(out)
    assert report.headline.status is Status.STRUCK
    assert report.headline.epistemic is Epistemic.CONFIRMED
    assert {a.status for a in report.assertions} == {Status.HELD, Status.STRUCK}


def test_aggregate_is_deterministic_and_keeps_every_assertion() -> None:
    out = run(
        "Shelling hit [Sumy]. Talks were held in [Geneva]. Rebels seized [Goma]. [Lviv] was quiet."
    )
    reports = aggregate(out)
    assert [r.place.name for r in reports] == ["Goma", "Sumy", "Geneva", "Lviv"]
    assert [r.place.name for r in aggregate(list(reversed(out)))] == [r.place.name for r in reports]
    assert sum(len(r.assertions) for r in reports) == len(out)


def test_aggregate_prefers_the_most_recent_of_equals() -> None:
    a1, m1 = build("Shelling hit [Sumy].", date=dt.date(2024, 1, 1))
    a2 = Article("u", "u", a1.text, dt.date(2024, 3, 1))
    out = tag(a1, split_sentences(a1.text), m1) + tag(a2, split_sentences(a2.text), m1)
    [report] = aggregate(out)
    assert report.headline.date == dt.date(2024, 3, 1)
    assert len(report.assertions) == 2


# ------------------------------------------------------------------ rules --


def test_user_rules_file_extends_the_lexicon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = "Drones swarmed over [Kursk] all night."
    assert statuses(run(marked), "Kursk") == {"mentioned"}
    extra = tmp_path / "extra.toml"
    extra.write_text('[status.struck]\ncues = ["drones swarmed"]\n', encoding="utf-8")
    monkeypatch.setenv("SITMAP_STATUS_RULES", str(extra))
    assert statuses(run(marked), "Kursk") == {"struck"}
    article, mentions = build(marked)
    tagger = RuleTagger(load_rules([extra], use_env=False))
    assert {
        a.status.value for a in tagger.tag(article, split_sentences(article.text), mentions)
    } == {"struck"}


def test_user_rules_can_remove_a_default_cue(tmp_path: Path) -> None:
    extra = tmp_path / "fewer.toml"
    extra.write_text('[status.diplomacy]\nremove = ["summit"]\n', encoding="utf-8")
    rules = load_rules([extra], use_env=False)
    article, mentions = build("Leaders held a summit in [Doha].")
    out = RuleTagger(rules).tag(article, split_sentences(article.text), mentions)
    assert {a.status.value for a in out} == {"mentioned"}


@pytest.mark.parametrize(
    "content",
    [
        '[status.struck\ncues = ["x"]',
        '[status.struck]\ncues = ["(unclosed"]',
        '[status.nonsense]\ncues = ["x"]',
    ],
)
def test_bad_rules_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_rules([bad], use_env=False)
    with pytest.raises(ConfigError):
        load_rules([tmp_path / "missing.toml"], use_env=False)


def test_a_statistical_detector_plugs_in_through_the_protocol() -> None:
    class WholeClause:
        """A stand-in for a classifier: calls every clause mentioning 'xyz' struck."""

        def detect(self, text: str, offset: int) -> list[CueHit]:
            i = text.find("xyz")
            return [CueHit(Status.STRUCK, offset + i, offset + i + 3, "xyz", 0.7)] if i >= 0 else []

    assert isinstance(WholeClause(), CueDetector)
    tagger = RuleTagger(detector=WholeClause())
    assert isinstance(tagger, StatusTagger)
    article, mentions = build("Something xyz happened in [Aleppo], officials said.")
    [a] = tag(article, split_sentences(article.text), mentions, tagger=tagger)
    assert (a.status, a.epistemic, a.claimant) == (Status.STRUCK, Epistemic.CLAIMED, "officials")


# ------------------------------------------------------- wire-copy details --


def test_dateline_is_not_part_of_the_claimant() -> None:
    out = run(
        "GOMA, Congo (Reuters) - M23 rebels said on Tuesday they had taken control of [Goma]."
    )
    assert only(out, "Goma", "captured").claimant == "M23 rebels"


def test_denial_of_a_new_proposition_leaves_the_claim_alone() -> None:
    out = run(
        "Israeli troops raided a hospital in [Gaza City], the military said. "
        "Hamas denied that it used the hospital as a command centre."
    )
    assert {a.epistemic for a in out if a.place.name == "Gaza City"} == {Epistemic.CLAIMED}


def test_party_between_x_and_a_group_is_not_a_location() -> None:
    out = run(
        "Fighting between [Israel|C] and Hezbollah continued along the border with [Lebanon|C]."
    )
    assert statuses(out, "Israel") == {"mentioned"}
    assert statuses(out, "Lebanon") == {"contested"}


def test_occupied_as_a_description_is_not_a_capture() -> None:
    assert statuses(run("Arrests were made in the occupied [West Bank|r]."), "West Bank") == {
        "mentioned"
    }
    assert statuses(run("Militants occupied [Palma|t] in March."), "Palma") == {"captured"}


def test_as_clause_fighting_belongs_to_the_main_clause_place() -> None:
    out = run("Civilians fled [Khartoum] as the fighting spread.")
    assert statuses(out, "Khartoum") == {"displacement", "contested"}
    out = run("Troops massed near [Rafah] as negotiations stalled.")
    assert statuses(out, "Rafah") == {"advance"}


def test_quote_after_a_place_speaks_from_it() -> None:
    out = run(
        'Aid workers said food was scarce in [El Fasher]. "We are completely cut off," one doctor said.'
    )
    assert only(out, "El Fasher", "encircled").claimant == "one doctor"


def test_negated_confirmation_confirms_nothing() -> None:
    out = run("Russian forces attacked near [Kupiansk] but did not make any confirmed advances.")
    assert {a.epistemic for a in out if a.place.name == "Kupiansk"} == {Epistemic.REPORTED}


def test_a_country_that_disputes_or_denies_is_a_voice_not_a_place() -> None:
    out = run(
        "[Kharkiv] remains under Ukrainian control, Ukrainian commanders said. [Russia|C] disputes that."
    )
    assert (only(out, "Kharkiv", "held").epistemic, statuses(out, "Russia")) == (
        Epistemic.DISPUTED,
        {"mentioned"},
    )
    out = run(
        "Russian forces have captured [Krasnohorivka], Russia's defence ministry said, though [Ukraine|C] denied it."
    )
    got = sorted((a.epistemic.value, a.claimant) for a in out if a.place.name == "Krasnohorivka")
    assert got == [("claimed", "Russia's defence ministry"), ("denied", "Ukraine")]


def test_undated_article_takes_its_latest_year_as_today() -> None:
    out = run(
        "In 2014, fighting hit [Donetsk]. In 2022, Russian missiles struck [Kharkiv].", date=None
    )
    assert statuses(out, "Donetsk") == {"mentioned"}
    assert statuses(out, "Kharkiv") == {"struck"}
