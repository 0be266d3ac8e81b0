"""The shortcuts recognition and sentence splitting take must not change results.

Each shortcut is checked against the slower, plain computation it replaces.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from sitmap import mentions, sentences
from sitmap.model import Article, Kind, Mention, Sentence
from sitmap.sentences import split_sentences

MIXED = [
    " ~the ~mayor of Łódź said ~that ~the Dnipro ~bridge ~was ~closed ",
    " İstanbul ~and São Paulo ~café ~naïve ’ “ ” « » ~straße ",
    " plain ~ascii ~only , ( ) \n ",
    "",
]


@pytest.mark.parametrize("text", MIXED)
def test_fold_tokens_matches_normalize_text(text: str) -> None:
    assert mentions._fold_tokens(text) == mentions.normalize_text(text)


PLACE_NOUN_TEXTS = [
    "Crews reached the town of Hollowmere on Monday.",
    "They left the city\nof  Brackenford before dawn.",
    "Aid went to the villages of Upper Fenwick and Lower Fenwick.",
    "Brackenford, a town of 4,000 people, lost power.",
    "Hollowmere , the small lakeside village where she grew up, flooded.",
    "The history of Rome is long.",
    "Officials of Brackenford spoke.",
    "He said, a week later, that the plan of Mr Smith failed.",
    "Nothing to see here.",
    "",
]


NOUN_OF_TEXTS = [
    *PLACE_NOUN_TEXTS,
    "The towns of Aldwick and Bramleigh, the estate of Corrin and the city of Of Dunmere.",
    "A municipality of Eastholm, then the capital  \n of Farrowby and the port of Gale.",
    "In the cities of Hartfell, Inchmore and the suburb of Jessop-on-Tarn on Monday.",
    "state of State of Kell of Lorne: the region of Mallow upon Nene in May",
    "the county of Norbury of the district of Ostley",
    "City of London and village of Pike, city of",
    "They reached the city of Marsh-town of Yarrow at dusk.",
]


@pytest.mark.parametrize("text", NOUN_OF_TEXTS)
def test_noun_of_matches_are_the_full_search(text: str) -> None:
    got = [(m.span(), m.span(1)) for m in mentions._noun_of_matches(text)]
    assert got == [(m.span(), m.span(1)) for m in mentions._NOUN_OF.finditer(text)]


@pytest.mark.parametrize("text", PLACE_NOUN_TEXTS)
def test_pattern_prefilters_never_hide_a_match(text: str) -> None:
    # the cheap test may say "maybe" too often, never "no" wrongly
    if mentions._APPOSITIVE.search(text):
        assert mentions._may_match_appositive(text)


def test_pattern_prefilters_skip_texts_without_the_cue() -> None:
    assert not mentions._noun_of_matches("A quiet day, with rain of little note.")
    assert not mentions._may_match_appositive("Rain, then sun, then rain again.")


_OLD_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.?$")


@pytest.mark.parametrize(
    "text",
    [
        "Gen. Ortwin spoke. Then J. Barlow left. The U.S. team won. Last one.",
        "It rained... Then it stopped. 4. Five. ..A. b.c. Done.",
        "No. 5 was late. Col. Marsh and Lt. Dray came at 9 a.m. Sunday.",
        "x.y.z. Next. .. . Okay.",
    ],
)
def test_word_before_a_full_stop_matches_the_regular_expression_it_replaced(text: str) -> None:
    for start in range(len(text)):
        for m in re.finditer(r"\.", text[start:]):
            dot = start + m.start()
            wm = _OLD_WORD_BEFORE.search(text, start, dot + 1)
            old = wm.group(1).rstrip(".") if wm else ""
            assert sentences._word_before(text, start, dot) == old
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize("word", ["jordan", "victoria", "will", "north", "marta", "zzqx", ""])
def test_first_name_test_matches_its_definition(gazetteer, word: str) -> None:
    rec = mentions.recognizer_for(gazetteer)
    lex = rec.lex
    found = rec.entry(word)
    expected = (
        word in lex.first_names
        and word not in lex.common_words
        and word not in mentions._DIRECTION_WORDS
        and not (found is not None and found.gaz_key is not None and found.major)
    )
    assert rec.is_first_name(word) is expected
    assert rec.is_first_name(word) is expected  # the cached answer too


@pytest.mark.parametrize(
    "text",
    [
        "The city was calm. Later the capital woke up.",
        "They reached the port, then the settlement.",
        "the town of Hollowmere",
        "Nothing here but weather.",
    ],
)
def test_anaphor_cue_is_found_wherever_the_pattern_matches(text: str) -> None:
    if mentions._ANAPHOR.search(text):
        assert mentions._ANAPHOR_CUE.search(text)


def _doc(gazetteer: Any, text: str) -> Any:
    """*text* as the recogniser prepares it, with the real gazetteer's lexicons."""
    rec = mentions.recognizer_for(gazetteer)
    return mentions._Doc(rec, Article(doc_id="t", source="t", text=text), split_sentences(text))


@pytest.mark.parametrize(
    "text",
    [
        "he city woke. The city of Quarrow and the City slept; Athe town, the towns.",
        "The capital Rill and the capital, then the port. the village\nof Sand. the settlement",
        "Xthe city and the portion of the port near the village Tarn; the town of tarn.",
        "the city",
        "",
    ],
)
def test_anaphors_are_the_full_search(gazetteer: Any, text: str) -> None:
    doc = _doc(gazetteer, text)
    assert mentions._anaphors(doc, []) == [m.span() for m in mentions._ANAPHOR.finditer(text)]


class _TinyGazetteer:
    """A gazetteer of two names, enough to build a recogniser."""

    path = None

    def names(self) -> Iterator[tuple[str, SimpleNamespace]]:
        for key in ("hollowmere", "brackenford"):
            yield (
                key,
                SimpleNamespace(
                    population=5000, kind="city", preferred=True, blocked=False, forms=()
                ),
            )


def test_recognizer_does_not_keep_its_gazetteer_alive() -> None:
    # recognisers are cached per gazetteer in a weak-key dictionary; holding
    # the gazetteer would keep every one ever opened (and its automaton)
    import gc
    import weakref

    gaz = _TinyGazetteer()
    rec = mentions.recognizer_for(gaz)
    assert mentions.recognizer_for(gaz) is rec
    gone_gaz, gone_rec = weakref.ref(gaz), weakref.ref(rec)
    del gaz, rec
    gc.collect()
    assert gone_gaz() is None and gone_rec() is None


class _StampedGazetteer(_TinyGazetteer):
    """A stand-in whose file stamps the test sets by hand."""

    def __init__(self) -> None:
        self.stamp = 0
        self.generation = 0


def test_file_stamps_are_looked_at_again_only_when_they_may_have_changed(monkeypatch) -> None:
    # recognizer_for used to stat the gazetteer's files for every article;
    # it now trusts them for _RESTAT_SECONDS unless the gazetteer's own
    # generation counter says a user entry was added in this process
    looks = []

    def identity(gaz: _StampedGazetteer) -> str:
        looks.append(gaz.stamp)
        return f"stand-in|{id(gaz)}|{gaz.stamp}"

    monkeypatch.setattr(mentions, "_identity", identity)
    monkeypatch.setattr(mentions, "_cache_file", lambda gaz: None)  # no pickle on disk
    clock = [1000.0]
    monkeypatch.setattr(mentions.time, "monotonic", lambda: clock[0])
    gaz = _StampedGazetteer()
    rec = mentions.recognizer_for(gaz)
    assert looks == [0]
    gaz.stamp = 1  # changed by another process: not looked at yet
    clock[0] += mentions._RESTAT_SECONDS / 2
    assert mentions.recognizer_for(gaz) is rec and looks == [0]
    # a change in this process is seen at once
    gaz.generation += 1
    newer = mentions.recognizer_for(gaz)
    assert newer is not rec and looks == [0, 1]
    assert mentions.recognizer_for(gaz) is newer and looks == [0, 1]
    # and a change elsewhere once the stamps are old enough
    gaz.stamp = 2
    clock[0] += mentions._RESTAT_SECONDS
    newest = mentions.recognizer_for(gaz)
    assert newest is not newer and looks == [0, 1, 2]
    # unchanged stamps, looked at again: the same recogniser
    clock[0] += mentions._RESTAT_SECONDS
    assert mentions.recognizer_for(gaz) is newest and looks == [0, 1, 2, 2]
    # another object on the same files looks for itself
    other = _StampedGazetteer()
    mentions.recognizer_for(other)
    assert looks == [0, 1, 2, 2, 0]


def _plain_split_block(text: str, start: int, end: int, para: int, out: list) -> None:
    """The sentence loop as it was before the boundary test and _emit were written out."""

    def is_boundary(sent_start: int, p_start: int, p_end: int, limit: int) -> bool:
        if sentences._NEXT_START.match(text, p_end, limit) is None:
            return False
        if text[p_start] in "!?…":
            return True
        word = sentences._word_before(text, sent_start, p_start)
        return word.lower() not in sentences.ABBREVIATIONS and not (
            len(word) == 1 and word.isupper()
        )

    for line_start, line_end in sentences._line_groups(text, start, end):
        s = line_start
        for m in sentences._BOUNDARY.finditer(text, line_start, line_end):
            if is_boundary(s, m.start(), m.end(), line_end):
                sentences._emit(text, s, m.end(), para, out)
                s = m.end()
        sentences._emit(text, s, line_end, para, out)


SPLIT_TEXTS = [
    "Gen. Ortwin spoke. Then J. Barlow left!  The U.S. team won?\tLast one…  Done.",
    "  Leading space. \u00a0Non-breaking space before this one. \u2003Em space too.  ",
    "A heading line\nA wrapped line that goes on\nand ends here. Next one.\n\nNew block.",
    "Quoted: “Is it over?” she asked. ‘Yes.’ (It was.) [Really.] End",
    "date 2021-05-06 First. Second.\r\n\r\nThird after CRLF.\rFourth?",
    "No. 5 was late. Col. Marsh and Lt. Dray came at 9 a.m. Sunday. x.y. Z.",
    "Ends with a full stop.",
    ".",
    "",
]


@pytest.mark.parametrize("text", SPLIT_TEXTS)
def test_written_out_sentence_loop_matches_the_plain_one(text: str, monkeypatch) -> None:
    fast = split_sentences(text)
    monkeypatch.setattr(sentences, "_split_block", _plain_split_block)
    assert split_sentences(text) == fast


TOKEN_TEXTS = [
    "The mayor of Brackenford met U.S. and E.U. envoys in L'viv on Tuesday.",
    "Hollowmere's council (and the port's) said: \"We're not leaving.\"\nOK?",
    "İzmir, Łódź, São Paulo and Ωmega-town; ßtraße or straße… ‘quoted’ «text» [x]/y|z",
    "Numbers 1.5, 2,000 and 3.14.15; dates 2022-03-03; a.m. and p.m. at No. 10.",
    "Greek ypogegrammeni ͺ and an Arabic form ﱞ fold to spaces; don't ’tis rock`n`roll.",
    "tabs\tand\u00a0spaces\u2003and\u2028line\x0cbreaks\r\nend. Done",
    "",
]

_PLAIN_TOKEN = re.compile(
    r"[^\W_]+(?:['’`](?!(?:[sSdDmM]|[vV][eE]|[lL][lL]|[rR][eE]|[tT])\b)[^\W_]+|\.[^\W_]+)*"
    r"|[,;:()\[\]\"“”«»!?|/\n]|\.(?<=[^\W_]{4}\.)(?=\s)"
)


@pytest.mark.parametrize("text", TOKEN_TEXTS)
def test_possessive_token_pattern_splits_as_the_backtracking_one(text: str) -> None:
    plain = [m.span() for m in _PLAIN_TOKEN.finditer(text)]
    assert [m.span() for m in mentions._TOKEN.finditer(text)] == plain


def _cased(text: str) -> tuple[str, int]:
    toks = mentions._TOKEN.findall(text.translate(mentions._LINE_BREAKS))
    return " " + " ".join(toks) + " ", len(toks)


@pytest.mark.parametrize("text", TOKEN_TEXTS)
def test_marking_lower_case_tokens_matches_the_regular_expression(text: str) -> None:
    cased, _ = _cased(text)
    assert mentions._mark_lower_starts(cased) == mentions._LOWER_START.sub(" ~", cased)


@pytest.mark.parametrize("text", TOKEN_TEXTS)
def test_dropping_inner_joiners_matches_the_regular_expression(text: str) -> None:
    cased, n = _cased(text)
    joined = mentions.normalize_text(mentions._mark_lower_starts(cased))
    assert mentions._drop_inner_joiners(joined, n) == mentions._INNER_JOINER.sub("", joined)


def _plain_doc_fields(text: str, sents: list) -> tuple[list[str], set[int]]:
    """raw_toks and sentence_starts as _Doc first worked them out."""
    doc = mentions._Doc(SimpleNamespace(lex=None), SimpleNamespace(text=text), [])
    raw = doc.joined.replace("~", "").split(" ")[1:-1]
    starts = set()
    for sent in sents:
        j = mentions.bisect_left(doc.starts, sent.start)
        while j < doc.n and not raw[j][0].isalnum():
            j += 1
        starts.add(j)
    return raw, starts


@pytest.mark.parametrize("text", TOKEN_TEXTS)
def test_doc_tokens_and_sentence_starts_match_the_plain_loop(text: str) -> None:
    sents = split_sentences(text)
    doc = mentions._Doc(SimpleNamespace(lex=None), SimpleNamespace(text=text), sents)
    assert (doc.raw_toks, doc.sentence_starts) == _plain_doc_fields(text, sents)


def _plain_scan(rec: mentions.Recognizer, joined: str) -> list:
    """Recognizer.scan before automaton values were looked up once each."""
    hits = []
    for end, value in rec.automaton.iter(joined):
        marks, idx = divmod(value, mentions._MARK_UNIT)
        entry = mentions._Entry._make(rec.raw[idx])
        pos = end - len(entry.key) - marks
        first = joined.count(" ", 0, pos) - 1
        hits.append((first, first + entry.n_tokens, entry))
    return hits


@pytest.mark.parametrize(
    "text",
    [
        "Floods hit Hollowmere and Brackenford; the Hollowmere dam held, Brackenford's did not.",
        "HOLLOWMERE, Brackenford and hollowmere (lower case) and the U.S. and Ukrainian aid.",
        "Nothing known here at all.",
    ],
)
def test_scan_matches_the_plain_loop(text: str) -> None:
    rec = mentions.Recognizer(_TinyGazetteer(), cache=False)
    joined = mentions._Doc(rec, SimpleNamespace(text=text), []).joined
    assert rec.scan(joined) == _plain_scan(rec, joined)
    assert rec.scan(joined) == _plain_scan(rec, joined)  # with the values seen before


@pytest.mark.parametrize("text", SPLIT_TEXTS + TOKEN_TEXTS)
def test_break_pattern_finds_the_candidates_the_next_start_test_keeps(text: str) -> None:
    for limit in range(len(text) + 1):
        plain = [
            m.span()
            for m in sentences._BOUNDARY.finditer(text, 0, limit)
            if sentences._NEXT_START.match(text, m.end(), limit)
        ]
        assert [m.span() for m in sentences._BREAK.finditer(text, 0, limit)] == plain


# -- the context rules ----------------------------------------------------------


def _plain_judge(doc: Any, hit: mentions.Hit, lex: mentions.Lexicons) -> str | None:
    """The context rules as plainly written, through the ``_Doc`` accessors.

    Returns why the hit is rejected, or None to keep it (its evidence then in
    ``hit.reasons``).
    """
    assert hit.entry is not None
    first, last = hit.first, hit.last
    text = doc.text[hit.start : hit.end]
    entry = hit.entry
    if text in lex.not_places:
        return "organisation"
    if entry.demonym is not None and entry.gaz_key is None:
        return "demonym"
    if not mentions._capitalised_as_name(doc, first, last, lex):
        return "lower-case"
    if mentions._is_all_caps(text) and entry.n_tokens == 1:
        neighbours = [doc.word(first - 1), doc.word(last)]
        shouting = any(mentions._is_all_caps(w) and len(w) > 1 for w in neighbours) or (
            doc.is_initial(first)
        )
        if not (shouting and len(text) >= 4):
            return "acronym"
    if entry.demonym is not None and not entry.major:
        return "demonym"
    single = entry.n_tokens == 1
    tok = doc.tok(first)
    if doc.tok(last) in lex.name_heads and not doc.cap_word(last):
        return "part-of-name"
    if mentions._title_before(doc, first, lex):
        if single:
            doc.persons.add(tok)
        return "person-title"
    prev_i = first - 1
    cap_before = doc.cap_word(prev_i) and doc.gap(first).strip() == ""
    if (
        cap_before
        and doc.tok(prev_i) in lex.first_names
        and doc.tok(prev_i) not in lex.common_words
        and doc.tok(prev_i) not in mentions._DIRECTION_WORDS
    ):
        doc.persons.add(tok)
        return "person-first-name"
    if single and tok in doc.persons:
        return "person-surname"
    nxt = doc.tok(last)
    if (
        single
        and tok in lex.first_names
        and doc.cap_word(last)
        and doc.gap(last).strip() == ""
        and not mentions._is_all_caps(doc.word(last))
        and nxt not in lex.common_words
        and nxt not in lex.org_words
        and nxt not in lex.place_nouns
        and nxt not in lex.titles
        and nxt not in lex.titles_capitalised_only
        and not mentions._known_major(doc, last)
        and entry.kind not in mentions._AREA_KIND_VALUES
    ):
        doc.persons.add(nxt)
        return "person-first-name"
    if (
        single
        and not entry.major
        and entry.kind not in mentions._AREA_KIND_VALUES
        and (
            (
                doc.gap(last).strip() == "&"
                and doc.cap_word(last)
                and not mentions._known_major(doc, last)
            )
            or (
                doc.gap(first).strip() == "&"
                and doc.cap_word(prev_i)
                and not mentions._known_major(doc, prev_i)
            )
        )
    ):
        doc.persons.add(tok)
        return "organisation-ampersand"
    if single and nxt in lex.speech_verbs and not entry.major and doc.gap(last).strip() == "":
        doc.persons.add(tok)
        return "person-said"
    if (
        cap_before
        and not doc.is_initial(prev_i)
        and doc.tok(prev_i) not in mentions._DIRECTION_WORDS
        and (doc.tok(prev_i) in lex.common_words or doc.tok(prev_i) in lex.org_words)
        and doc.tok(prev_i) not in lex.titles
        and doc.tok(prev_i) not in lex.titles_capitalised_only
        and not mentions._known_major(doc, prev_i)
    ):
        return "organisation-tail"
    evidence = None
    if (
        single
        and entry.population < mentions.HAMLET_POPULATION
        and entry.kind not in mentions._AREA_KIND_VALUES
    ):
        evidence = mentions._evidence(doc, first, last, lex)
        if mentions._PLACE_EVIDENCE.isdisjoint(evidence):
            return "hamlet"
    if single and tok in lex.first_names and not entry.major and text not in lex.common_places:
        if evidence is None:
            evidence = mentions._evidence(doc, first, last, lex)
        if mentions._PLACE_EVIDENCE.isdisjoint(evidence):
            return "first-name"
    common = (
        (entry.blocked or (single and tok in lex.common_words))
        and text not in lex.common_places
        and entry.kind != Kind.COUNTRY
    )
    if common:
        hit.reasons = (
            evidence if evidence is not None else mentions._evidence(doc, first, last, lex)
        )
        if doc.is_initial(first):
            if mentions._NOUN_EVIDENCE.isdisjoint(hit.reasons):
                return "common-word"
        else:
            if mentions._LOCAL_EVIDENCE.isdisjoint(hit.reasons):
                return "common-word"
            if doc.cap_word(last) and doc.gap(last).strip() == "":
                return "common-word"
            if doc.tok(last) in lex.name_words and doc.cap_word(last + 1):
                return "common-word"
    return None


JUDGE_TEXTS = [
    "Mayor Ortwin Reading met General Paris in Kingston on Monday.",
    "Jordan Henderson played while Victoria Texas stayed home.",
    "Whitfield & Dorsey, a law firm, opened an office in Lincoln.",
    "Walton said the vote in Washington was close, and Walton left for Leeds.",
    "The Save the Children Canada office moved to Toronto.",
    "NATO troops gathered near Kyiv and the IMF met in Berlin.",
    "UKRAINE WAR: SHELLING HITS KHARKIV AND ODESA",
    "Police said the Reading station and the town of Bath were closed.",
    "Will Smith visited Hope, a village near the coast, and Smith then left.",
    "She flew from the United States to the Gambia via Lagos.",
    "Reuters reported that Lucy stayed in Devon while Donald left for Mobile, Ala. on Friday.",
    "West Nile virus spread in Florida and Ebola in Guinea.",
    "Officials of the People's Republic of China met U.S. envoys in Beijing.",
    "Dorla K. Hensley of Springfield met Amy Hope in Salem, Oregon.",
    "The Dorsey & Whitfield firm, based in Lisbon, bought the London & Paris fund.",
    "Still, the Chad delegation arrived in Turkey before Turkey Creek flooded.",
    "In Mobile the port of Mobile reopened; Hastings Road in Hastings, Sussex, too.",
    "Professor Hollis and Dr. Warren spoke at the Paris Club in Warren, Ohio.",
    "A Canadian shop and a Texan ranch opened in Kent.",
    "Officials in the Dalles said the dam held.",
    "Flooding hit the city and the river valley, and ferries left the Isle of man.",
]


def _judged(gazetteer: Any, text: str) -> list[tuple[str | None, Any]]:
    """Every gazetteer hit of *text* judged by the plain rules and by ``_judge``."""
    doc = _doc(gazetteer, text)
    mentions._collect_persons(doc, doc.lex)
    plain_persons = set(doc.persons)
    out = []
    for first, last, entry in doc.rec.scan(doc.joined):
        if entry.gaz_key is None:
            continue
        if last - first > 1 and doc.tok(first) == "the":
            first += 1
        start, end = doc.starts[first], doc.ends[last - 1]
        hit = mentions.Hit(start, end, first, last, entry.gaz_key, entry)
        fast_persons, doc.persons = doc.persons, plain_persons
        why = _plain_judge(doc, hit, doc.lex)
        doc.persons = fast_persons
        got = mentions._judge(doc, first, last, start, end, entry, doc.lex, True)
        # the same verdict, the same evidence, the same persons recorded
        assert got == (hit.reasons if why is None else why)
        assert doc.persons == plain_persons
        out.append((why, got))
    return out


@pytest.mark.parametrize("text", JUDGE_TEXTS)
def test_judge_matches_the_plain_rules(gazetteer: Any, text: str) -> None:
    _judged(gazetteer, text)


def test_judge_texts_reach_every_rule(gazetteer: Any) -> None:
    reasons = {why for text in JUDGE_TEXTS for why, _ in _judged(gazetteer, text)}
    assert reasons >= {
        None,
        "organisation",
        "demonym",
        "lower-case",
        "acronym",
        "part-of-name",
        "person-title",
        "person-first-name",
        "person-surname",
        "organisation-ampersand",
        "person-said",
        "organisation-tail",
        "hamlet",
        "first-name",
        "common-word",
    }


# -- the person pass ------------------------------------------------------------


def _plain_collect_persons(doc: Any, lex: mentions.Lexicons) -> None:
    """The person pass as plainly written: every run folded and tested word by word."""
    rec = doc.rec
    for m in re.finditer(mentions._CAP_RUN_PLAIN, doc.text):
        run_text = m.group()
        words = run_text.split()
        if "." in run_text:
            for k, w in enumerate(words[:-1]):
                if w.endswith(".") and len(w) > 4:
                    words = words[: k + 1]
                    break
        folded = [
            mentions._JOINERS.sub("", w.rstrip("."))
            for w in mentions.normalize_text(" ".join(words)).split(" ")
        ]
        for i, t in enumerate(folded[:-1]):
            title = t in rec.title_words
            first_name = not title and rec.is_first_name(t)
            initialled = (
                not (title or first_name)
                and i + 2 < len(folded)
                and len(folded[i + 1]) == 1
                and words[i + 1 : i + 2] == [folded[i + 1].upper() + "."]
                and len(t) > 1
                and t not in lex.common_words
                and t not in mentions._DIRECTION_WORDS
                and not mentions._major_key(doc, t)
            )
            if not (title or first_name or initialled):
                continue
            run = []
            for k, u in enumerate(folded[i + 1 : i + 4], start=i + 1):
                if u in rec.run_stop_words:
                    break
                if len(u) == 1 and not words[k : k + 1] == [u.upper() + "."]:
                    break
                run.append(u)
            if not run:
                continue
            if first_name and len(run) == 1 and mentions._major_key(doc, run[0]):
                continue
            doc.persons.add(run[-1])
            doc.persons.update(p for p in run[-1].split("-") if p)
            break


PERSON_TEXTS = [
    *JUDGE_TEXTS,
    "Governor\tHalvard  Ostrander-Vale met Sen. Tobias O'Rourke and Dr. Łukasz Żabiński.",
    "Coach Anna Kowalczyk-Brandt said Lt. Col. Pieter van Dam and Mr. A. Quill left.",
    "Ask Amy. A Westbridge family wrote in. Then Kim Lee and Jordan Valley Road met.",
    "The McDonald River Trust hired Ian. Later Ian P. Garrow and Rosa B Kettering came.",
    "Judge Élodie Marchetti’s ruling and President Omar Haddad's speech were brief.",
    "WORLD NEWS TODAY: Minister Karel Dvořák In Prague With Victoria Beckford",
]


@pytest.mark.parametrize("text", PERSON_TEXTS)
def test_person_pass_matches_the_plain_one(gazetteer: Any, text: str) -> None:
    doc = _doc(gazetteer, text)
    mentions._collect_persons(doc, doc.lex)
    fast = doc.persons
    doc.persons = set()
    _plain_collect_persons(doc, doc.lex)
    assert fast == doc.persons


def test_person_texts_find_persons(gazetteer: Any) -> None:
    doc = _doc(gazetteer, " ".join(PERSON_TEXTS[-6:]))
    mentions._collect_persons(doc, doc.lex)
    assert {"ostrander-vale", "vale", "orourke", "kowalczyk-brandt", "garrow"} <= doc.persons


@pytest.mark.parametrize("text", PERSON_TEXTS)
def test_capital_run_pattern_matches_the_plain_one(text: str) -> None:
    plain = [m.span() for m in re.finditer(mentions._CAP_RUN_PLAIN, text)]
    assert [m.span() for m in mentions._CAP_RUN.finditer(text)] == plain


# -- longest match ----------------------------------------------------------------


def _plain_select_longest(hits: list[mentions.Hit]) -> list[mentions.Hit]:
    """Longest match as plainly written: one contest among all hits."""
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), h.start))
    out: list[mentions.Hit] = []
    for h in hits:
        if all(h.end <= k.start or k.end <= h.start for k in out):
            out.append(h)
    return sorted(out, key=lambda h: h.start)


@pytest.mark.parametrize("seed", range(40))
def test_select_longest_matches_one_contest(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    hits = []
    for k in range(rnd.randrange(0, 30)):
        start = rnd.randrange(0, 60)
        end = start + rnd.randrange(1, 12)
        # the key tells apart hits with the same span (the first one wins)
        hits.append(mentions.Hit(start, end, 0, 1, f"k{k}", None))
    expected = [id(h) for h in _plain_select_longest(hits)]
    assert [id(h) for h in mentions._select_longest(list(hits))] == expected


def test_no_place_noun_ends_another() -> None:
    # what lets ``_noun_of_matches`` try a single start before each "of"
    nouns = mentions._NOUN_OF_NOUN.pattern.split("(?:")[1].split(")")[0]
    assert mentions._NOUN_OF.pattern.startswith(r"\b(?:" + nouns + r")\s+of\s+")
    words = nouns.split("|")
    assert len(words) == 20 and max(map(len, words)) == 12
    assert not [(a, b) for a in words for b in words if a != b and a.endswith(b)]


def _plain_evidence(doc: Any, first: int, last: int, lex: mentions.Lexicons) -> list[str]:
    """Place evidence as plainly written, through the ``_Doc`` accessors."""
    out = []
    p = doc.tok(first - 1)
    if p in lex.prepositions and (
        not mentions._is_cap(doc.word(first - 1)) or doc.is_initial(first - 1)
    ):
        out.append("preposition")
    if (p in lex.place_nouns and not mentions._is_cap(doc.word(first - 1))) or (
        p == "of" and doc.tok(first - 2) in lex.place_nouns
    ):
        out.append("place-noun")
    if p in mentions._DIRECTION_WORDS:
        out.append("direction")
    nxt = doc.tok(last)
    if nxt in lex.place_nouns and not mentions._is_cap(doc.word(last)):
        out.append("place-noun-after")
    elif nxt == "s" and doc.tok(last + 1) in lex.place_nouns:
        out.append("place-noun-after")
    if nxt == "," and doc.cap_word(last + 1):
        out.append("comma-qualifier?")
    if (first - 1) >= 0 and doc.tok(first - 1) == "," and doc.cap_word(first - 2):
        out.append("after-comma")
    return out


EVIDENCE_TEXTS = [
    *JUDGE_TEXTS,
    "Of Brackenford little is known. Rain fell north of Hollowmere, in Dunmere's town hall.",
    "In Eastholm, Farrowby. The port Gale and the City Gale; the town of Yarrow, Kent.",
    "of",
    "town",
]


@pytest.mark.parametrize("text", EVIDENCE_TEXTS)
def test_evidence_matches_the_plain_one(gazetteer: Any, text: str) -> None:
    doc = _doc(gazetteer, text)
    for first in range(doc.n):
        for last in range(first + 1, min(first + 3, doc.n) + 1):
            expected = _plain_evidence(doc, first, last, doc.lex)
            assert mentions._evidence(doc, first, last, doc.lex) == expected


@pytest.mark.parametrize(
    ("key", "anaphor"), [("brackenford", False), (None, True), ("united states", False)]
)
def test_new_mention_equals_the_plain_construction(key: str | None, anaphor: bool) -> None:
    fast = mentions._new_mention("d1", "src", 3, 14, "Brackenford", key, anaphor)
    plain = Mention(
        doc_id="d1", source="src", start=3, end=14, text="Brackenford", key=key, anaphor=anaphor
    )
    assert fast == plain
    assert repr(fast) == repr(plain)
    assert hash(fast) == hash(plain)
    # every field is set, in the declared order, and nothing else
    assert list(vars(fast).items()) == list(vars(plain).items())
    assert [f.name for f in dataclasses.fields(Mention)] == list(vars(fast))
    # the shortcut skips __init__, so the class must have nothing to run after it
    assert not hasattr(Mention, "__post_init__")


ASCII_TOKEN_TEXTS = [
    *(t for t in TOKEN_TEXTS if t.isascii()),
    "Ends with a dot.\x1cThen a file separator; Word.\x1d Word.\x1e Word.\x1f and Word.\x0b",
    "under_score __init__ it's I'd we've they'll you're can't O'Neill's rock`n`roll St. Louis",
    "Rural.\tTabs.\rReturns.\fFeeds. x.y.z Abc.def. Abcd.",
]


def test_ascii_token_classes_agree_with_the_unicode_ones() -> None:
    # the only rewrite the ASCII splitter needs is the one for \s
    assert r"(?=\s)" in mentions._TOKEN_SPLIT.pattern
    assert r"(?=\s)" not in mentions._TOKEN_SPLIT_ASCII.pattern
    for c in map(chr, range(128)):
        assert bool(re.match(r"\s", c)) == bool(re.match(r"[\s\x1c-\x1f]", c, re.ASCII))
        assert bool(re.match(r"\w", c)) == bool(re.match(r"\w", c, re.ASCII))


@pytest.mark.parametrize("text", ASCII_TOKEN_TEXTS)
def test_ascii_token_splitter_splits_as_the_unicode_one(text: str) -> None:
    assert text.isascii()
    assert mentions._TOKEN_SPLIT_ASCII.split(text) == mentions._TOKEN_SPLIT.split(text)


@pytest.mark.parametrize("seed", range(20))
def test_ascii_token_splitter_on_random_ascii(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "abcdAB01_ .'`,;:()[]\"!?|/\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f-sdmtvelr"
    text = "".join(rng.choice(alphabet) for _ in range(400))
    assert mentions._TOKEN_SPLIT_ASCII.split(text) == mentions._TOKEN_SPLIT.split(text)


@pytest.mark.parametrize(
    ("start", "end", "text", "paragraph"), [(0, 5, "Hello", 0), (7, 9, "Hi", 3)]
)
def test_new_sentence_equals_the_plain_construction(
    start: int, end: int, text: str, paragraph: int
) -> None:
    fast = sentences._new_sentence(start, end, text, paragraph)
    plain = Sentence(start, end, text, paragraph)
    assert fast == plain
    assert repr(fast) == repr(plain)
    assert hash(fast) == hash(plain)
    assert list(vars(fast).items()) == list(vars(plain).items())
    assert [f.name for f in dataclasses.fields(Sentence)] == list(vars(fast))
    assert not hasattr(Sentence, "__post_init__")
