"""The shortcuts recognition and sentence splitting take must not change results.

Each shortcut is checked against the slower, plain computation it replaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from sitmap import mentions, sentences
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


@pytest.mark.parametrize("text", PLACE_NOUN_TEXTS)
def test_pattern_prefilters_never_hide_a_match(text: str) -> None:
    # the cheap tests may say "maybe" too often, never "no" wrongly
    if mentions._NOUN_OF.search(text):
        assert mentions._may_match_noun_of(text)
    if mentions._APPOSITIVE.search(text):
        assert mentions._may_match_appositive(text)


def test_pattern_prefilters_skip_texts_without_the_cue() -> None:
    assert not mentions._may_match_noun_of("A quiet day, with rain of little note.")
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


class _TinyGazetteer:
    """A gazetteer of two names, enough to build a recogniser."""

    path = None

    def names(self) -> Iterator[tuple[str, SimpleNamespace]]:
        for key in ("hollowmere", "brackenford"):
            yield key, SimpleNamespace(
                population=5000, kind="city", preferred=True, blocked=False, forms=()
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
