"""Recognising place mentions in article text.

Recognition runs in three steps:

1. **Lexicon scan.**  The article is normalised character by character (lower
   case, diacritics stripped) so that every normalised character sits at the
   same offset as the original one, split into word tokens, and scanned with an
   Aho-Corasick automaton built over the gazetteer's normalised names, the
   demonyms and the abbreviations in ``sitmap/data/geoparse/``.  Keys are padded
   with spaces so that every hit starts and ends on a word boundary.
2. **Context rules** decide, for each hit, whether it is a place: it must be
   capitalised as a name; it must not be a person (after a title, a first name
   before it, a surname seen earlier in a person's name, a lone word before
   "said"), an organisation ("Reuters", the tail of "Save the Children Canada"),
   a demonym ("Ukrainian"), an acronym, or a sentence-initial common word
   ("Will", "Police").  Common English words that are also small places need
   positive evidence: a locative preposition ("in Reading"), a place noun
   ("the town of X", "X, a town of 2,000") or a qualifier ("Mobile, Ala.").
3. **Longest match wins** among the surviving hits ("New York City" over
   "York"), and capitalised names introduced by a place noun that the
   gazetteer does not know ("the settlement of Xyz") are kept as unresolved
   mentions.

Anaphors ("the city", "the capital") are recognised too, marked
``anaphor=True``; :func:`sitmap.geocode.resolve` links them to the place they
refer back to.

The public entry points are :func:`recognize` and :func:`demonyms`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import threading
import time
import unicodedata
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from itertools import accumulate
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick
from anyascii import anyascii

from .model import Article, Kind, Mention, Sentence

__all__ = [
    "Hit",
    "Lexicons",
    "Recognizer",
    "demonyms",
    "lexicons",
    "normalize_text",
    "recognize",
    "recognizer_for",
    "tokenize",
]

# --------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------


_DATA_DIR = Path(__file__).resolve().parent / "data" / "geoparse"


def _data_lines(name: str) -> list[str]:
    """Read one lexicon file from ``sitmap/data/geoparse``, without comments."""
    text = (_DATA_DIR / name).read_text("utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
        if line.strip():
            out.append(line.strip())
    return out


@dataclass(frozen=True)
class Lexicons:
    """The word lists the context rules use (see ``sitmap/data/geoparse/README.md``)."""

    titles: frozenset[str]
    #: titles that count only when capitalised ("General Smith", not "general election")
    titles_capitalised_only: frozenset[str]
    org_words: frozenset[str]
    not_places: frozenset[str]
    place_nouns: frozenset[str]
    prepositions: frozenset[str]
    speech_verbs: frozenset[str]
    name_words: frozenset[str]
    common_places: frozenset[str]
    #: lower-case words after a place that make it part of another name ("virus")
    name_heads: frozenset[str]
    #: demonym as written -> ISO country code ("-" for a region)
    demonyms: dict[str, str]
    #: abbreviation as written -> name to look up
    abbreviations: dict[str, str]
    #: compass word -> bearing in degrees
    bearings: dict[str, float]
    #: lower-case English words (a capitalised one at a sentence start is not a name)
    common_words: frozenset[str]
    #: lower-case first names (a capitalised word after one is a surname)
    first_names: frozenset[str]


def _load_common_words() -> frozenset[str]:
    # SCOWL's common English words (sizes 10-35), the list the gazetteer uses
    # to block common words as names; one list keeps the two stages agreeing.
    from .gazetteer.sources import common_words

    return frozenset(w for w in common_words() if w.isalpha() and len(w) > 1)


def _load_first_names() -> frozenset[str]:
    # gender-guesser ships Jörg Michael's first-name dictionary (~45,000 names
    # from many countries); we only need the set of names.
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    names = set()
    with path.open("r", encoding="iso-8859-1") as fh:
        for line in fh:
            if line.startswith("#") or len(line) < 30:
                continue
            name = line[3:29].strip()
            if not name or "+" in name or " " in name:
                continue
            names.add(_fold(name))
    return frozenset(n for n in names if len(n) > 2)


@lru_cache(maxsize=1)
def lexicons() -> Lexicons:
    """Load (once) and return the geoparser's lexicons."""
    titles: set[str] = set()
    titles_cap: set[str] = set()
    for line in _data_lines("titles.txt"):
        word = line.rstrip(" *").strip().lower()
        (titles_cap if line.endswith("*") else titles).add(word)
    demonyms: dict[str, str] = {}
    for line in _data_lines("demonyms.tsv"):
        word, cc = line.split("\t")
        demonyms[word] = cc
        if not word.endswith(("s", "sh", "ch", "ese", "ss")) and word[-1].isalpha():
            demonyms.setdefault(word + "s", cc)
    abbreviations = dict(line.split("\t", 1) for line in _data_lines("abbreviations.tsv"))
    bearings = {
        w.lower(): float(d) for w, d in (line.split("\t") for line in _data_lines("bearings.tsv"))
    }
    return Lexicons(
        titles=frozenset(titles),
        titles_capitalised_only=frozenset(titles_cap),
        org_words=frozenset(w.lower() for w in _data_lines("org_words.txt")),
        not_places=frozenset(_data_lines("not_places.txt")),
        place_nouns=frozenset(w.lower() for w in _data_lines("place_nouns.txt")),
        prepositions=frozenset(w.lower() for w in _data_lines("prepositions.txt")),
        speech_verbs=frozenset(w.lower() for w in _data_lines("speech_verbs.txt")),
        name_words=frozenset(w.lower() for w in _data_lines("name_words.txt")),
        common_places=frozenset(_data_lines("common_places.txt")),
        name_heads=frozenset(w.lower() for w in _data_lines("name_heads.txt")),
        demonyms=demonyms,
        abbreviations=abbreviations,
        bearings=bearings,
        common_words=_load_common_words(),
        first_names=_load_first_names(),
    )


# --------------------------------------------------------------------------
# Normalisation that keeps offsets
# --------------------------------------------------------------------------


class _FoldTable(dict):
    """A ``str.translate`` table mapping every character to exactly one character.

    Letters become lower-case ASCII where a one-letter transliteration exists
    ("É" -> "e", "ł" -> "l"), so the normalised text has the same length as
    the original and offsets carry over unchanged.  Built lazily: each code
    point is worked out once, on first sight.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = ch
        if ch.isalnum():
            low = ch.lower()
            if len(low) != 1:
                low = ch
            decomposed = "".join(
                c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c)
            )
            if len(decomposed) == 1 and decomposed.isascii():
                out = decomposed
            elif low.isascii():
                out = low
            else:
                ascii_form = anyascii(low).lower()
                out = ascii_form[0] if ascii_form[:1].isalnum() else low
        elif ch.isspace():
            out = "\n" if ch in "\n\r\u2028\u2029" else " "
        self[code] = out
        return out


_FOLD = _FoldTable()


def normalize_text(text: str) -> str:
    """Return *text* lower-cased and stripped of diacritics, with the same length.

    ``normalize_text(t)[i]`` is the normalised form of ``t[i]`` for every ``i``,
    which is what lets recognition report offsets into the original text.
    """
    return text.translate(_FOLD)


def _fold(word: str) -> str:
    return word.translate(_FOLD)


_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f]+)")


def _fold_tokens(joined: str) -> str:
    """:func:`normalize_text` for a scan string of tokens, faster on mostly ASCII text.

    ``str.translate`` looks every character up in the table; ``str.lower``
    is as good for the ASCII characters a token holds (letters, digits,
    punctuation, "\\n"), so the table is used only for the non-ASCII runs.
    """
    parts = _NON_ASCII_RUN.split(joined)
    parts[0::2] = [p.lower() for p in parts[0::2]]
    parts[1::2] = [p.translate(_FOLD) for p in parts[1::2]]
    return "".join(parts)


#: A word token, or punctuation across which no place name may run.  Inner
#: apostrophes and full stops join a word ("L'viv", "U.S"), as the gazetteer's
#: keys drop them, except a possessive "'s", which stays a word of its own so
#: that "Ukraine's" still yields "Ukraine".  A full stop followed by a space
#: blocks only after a word of four or more letters, so "St. Louis" stays
#: joinable while "...in York. New..." does not.
_TOKEN = re.compile(
    # possessive quantifiers: nothing after a word in the pattern can fail,
    # so a word never gives characters back and the matcher need not keep
    # the places it could backtrack to
    r"[^\W_]++(?:['’`](?!(?:[sSdDmM]|[vV][eE]|[lL][lL]|[rR][eE]|[tT])\b)[^\W_]++|\.[^\W_]++)*+"
    # the look-behind comes after the dot so that it is tried only at a dot
    r"|[,;:()\[\]\"“”«»!?|/\n]|\.(?<=[^\W_]{4}\.)(?=\s)"
)
_APOSTROPHES = ("'", "’", "`")
_JOINERS = re.compile(r"['’`.]")
_TOKEN_SPLIT = re.compile("(" + _TOKEN.pattern + ")")
#: ``_TOKEN_SPLIT`` for ASCII text, about a fifth faster: the ASCII classes
#: are cheaper tests than the Unicode ones.  On ASCII characters they agree,
#: but for ``\s``, which in Unicode also takes the separators "\x1c" to
#: "\x1f" (so they are listed here).  A test checks both on every ASCII
#: character and compares the two splitters.
_TOKEN_SPLIT_ASCII = re.compile(
    "(" + _TOKEN.pattern.replace(r"(?=\s)", r"(?=[\s\x1c-\x1f])") + ")", re.ASCII
)
#: a token that does not start with a capital or a digit
_LOWER_START = re.compile(r" (?=[^\W\d_A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ])")
#: a mark not before such a token (or before the end)
_UNMARK = re.compile(r"~(?![^\W\d_A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ])")
#: the same for ASCII text, where those tokens start with a-z
_UNMARK_ASCII = re.compile(r"~(?![a-z])")
_LINE_BREAKS = {ord("\r"): "\n", 0x2028: "\n", 0x2029: "\n", 0x0B: "\n", 0x0C: "\n"}
_HAS_LINE_BREAK = re.compile("[\r\u2028\u2029\x0b\x0c]")
_INNER_JOINER = re.compile(r"['’`.](?<=[^\W_]['’`.])(?=[^\W_])")


def _mark_lower_starts(cased: str) -> str:
    """``_LOWER_START.sub(" ~", cased)``: a "~" before each token that starts in lower case.

    *cased* is tokens joined by single spaces (no token holds a space or a
    "~").  Most tokens start in lower case, so marking after every space and
    taking the marks out again before the fewer others (capitals, digits,
    punctuation) is the cheaper way round.
    """
    marked = cased.replace(" ", " ~")
    return (_UNMARK_ASCII if marked.isascii() else _UNMARK).sub("", marked)


def _drop_inner_joiners(joined: str, n_tokens: int) -> str:
    """``_INNER_JOINER.sub("", joined)`` for a folded scan string of *n_tokens* tokens.

    In a token string every apostrophe joins two halves of a word (none is
    a token), and so does every full stop except a full-stop token, which
    stands between spaces; plain replacements drop them faster than a
    regular expression.  That holds while every letter folded to a letter:
    a handful of rare ones fold to a space (there are more spaces than
    tokens call for), and those strings take the regular expression.
    """
    if joined.count(" ") != n_tokens + 1:
        return _INNER_JOINER.sub("", joined)
    for mark in _APOSTROPHES:
        if mark in joined:
            joined = joined.replace(mark, "")
    if "." in joined:
        # no token holds "\0"; two full-stop tokens are never adjacent (one
        # needs four letters before it), so " . " finds every one of them
        joined = joined.replace(" . ", " \0 ").replace(".", "").replace("\0", ".")
    return joined


def tokenize(norm: str) -> tuple[list[str], list[int], list[int]]:
    """Split normalised text into tokens; return (tokens, starts, ends).

    A token's string drops inner apostrophes and full stops, as gazetteer keys
    do; its offsets still cover the characters as written.
    """
    toks, starts, ends = [], [], []
    for m in _TOKEN.finditer(norm):
        t = m.group()
        if len(t) > 2 and ("." in t or "'" in t or "’" in t or "`" in t):
            t = _JOINERS.sub("", t)
        toks.append(t)
        starts.append(m.start())
        ends.append(m.end())
    return toks, starts, ends


def _key_tokens(name: str) -> str:
    """The space-joined token form of a name, as the automaton stores it."""
    return _normalize_key(name)


def _normalize_key(name: str) -> str:
    try:
        from .gazetteer import normalize
    except ImportError:  # the package exports it; the module always has it
        from .gazetteer.normalize import normalize
    return normalize(name)


# --------------------------------------------------------------------------
# The automaton
# --------------------------------------------------------------------------


class _Entry(NamedTuple):
    """What the automaton knows about one normalised key."""

    key: str
    #: the gazetteer key, when the key is a gazetteer name
    gaz_key: str | None = None
    population: int = 0
    #: the most important kind among the places with this name (a ``Kind`` value)
    kind: str | None = None
    #: True when the key is some entry's preferred name (not only an alternate)
    preferred: bool = True
    #: ISO code when the key is a demonym
    demonym: str | None = None
    #: abbreviations as written that normalise to this key -> name to look up
    abbreviations: tuple[tuple[str, str], ...] = ()
    #: number of tokens
    n_tokens: int = 1
    #: the gazetteer marks the key as a stopword or common word ("reading")
    blocked: bool = False
    #: spellings a blocked key is accepted in, case-sensitively ("US")
    forms: tuple[str, ...] = ()

    @property
    def major(self) -> bool:
        """A country, first-level region or large city."""
        return self.kind in _MAJOR_KINDS or self.population >= 100_000


_MAJOR_KINDS = frozenset(
    k.value for k in (Kind.COUNTRY, Kind.ADMIN1, Kind.WATER, Kind.BORDER, Kind.REGION)
)

#: below this population, a lone name needs place evidence (see ``_judge``)
HAMLET_POPULATION = 1000

_AREA_KIND_VALUES = frozenset({Kind.COUNTRY.value, Kind.ADMIN1.value})

#: bump when the automaton's values change shape, to ignore stale caches
_AUTOMATON_VERSION = 5
#: automaton values are entry index + number of "~" marks in the key * this
_MARK_UNIT = 1 << 24


class Recognizer:
    """The recogniser for one gazetteer: its automaton and lexicons.

    Building the automaton over half a million names takes several seconds, so
    one recogniser is built per gazetteer file and reused
    (:func:`recognizer_for`), and the built automaton is pickled into the user
    cache directory, keyed by the path, size and time of the gazetteer file and
    of the user's own entries beside it, so the next process loads it instead.

    Parameters
    ----------
    gazetteer : sitmap.gazetteer.Gazetteer
        The source of names: ``gazetteer.names()`` yields ``(key, NameInfo)``.
    cache : bool, default True
        Read and write the pickled automaton.
    """

    def __init__(self, gazetteer: Any, *, cache: bool = True) -> None:
        # No reference to the gazetteer is kept: recognisers are shared by
        # every gazetteer object open on the same files, and must not keep
        # any of them alive.
        self.lex = lexicons()
        cache_file = _cache_file(gazetteer) if cache else None
        built = _load_cached(cache_file)
        if built is None:
            built = self._build(gazetteer)
            _save_cached(cache_file, built)
        # the automaton maps each padded key to an index into ``entries``:
        # plain integers and tuples of plain values pickle and load fast
        self.automaton, self.raw = built
        #: entries made from ``raw`` rows so far, by index: the same names
        #: come up again and again, and a row is turned into an entry once
        self._entries: dict[int, _Entry] = {}
        #: automaton values seen by :meth:`scan` so far, worked out once each
        self._found: dict[int, tuple[int, int, _Entry]] = {}
        lex = self.lex
        #: every title, capitalised-only or not (a run of capitals is capitalised)
        self.title_words = lex.titles | lex.titles_capitalised_only
        #: words that end the name after a title or first name
        self.run_stop_words = self.title_words | lex.common_words | lex.org_words
        self._first_names: dict[str, bool] = {}

    def is_first_name(self, word: str) -> bool:
        """Whether a folded word opens a person's name ("Jordan", not "Will" or "North").

        A common word, a direction or a major place name is not taken for
        a first name.  Worked out once per word.
        """
        known = self._first_names.get(word)
        if known is None:
            lex = self.lex
            found = self.entry(word) if word in lex.first_names else None
            known = self._first_names[word] = (
                word in lex.first_names
                and word not in lex.common_words
                and word not in _DIRECTION_WORDS
                and not (found is not None and found.gaz_key is not None and found.major)
            )
        return known

    def entry(self, key: str) -> _Entry | None:
        """The automaton's entry for a normalised key, if any."""
        idx = self.automaton.get(f" {key} ", None)
        if idx is None:
            return None
        entry = self._entries.get(idx)
        if entry is None:
            entry = self._entries[idx] = _Entry._make(self.raw[idx])
        return entry

    def _build(self, gazetteer: Any) -> tuple[Any, list[tuple[Any, ...]]]:
        entries: dict[str, _Entry] = {}
        for key, info in gazetteer_names(gazetteer):
            if key:
                # gazetteer keys are normalised exactly as tokens are
                entries[key] = _Entry(
                    key,
                    key,
                    info.population,
                    str(getattr(info.kind, "value", info.kind)),
                    info.preferred,
                    None,
                    (),
                    key.count(" ") + 1,
                    info.blocked,
                    info.forms,
                )
        for word, cc in self.lex.demonyms.items():
            tkey = _key_tokens(word)
            old = entries.get(tkey)
            entries[tkey] = (
                old._replace(demonym=cc)
                if old
                else _Entry(tkey, demonym=cc, n_tokens=tkey.count(" ") + 1)
            )
        for abbr, name in self.lex.abbreviations.items():
            tkey = _key_tokens(abbr)
            old = entries.get(tkey)
            pair = ((abbr, name),)
            entries[tkey] = (
                old._replace(abbreviations=old.abbreviations + pair)
                if old
                else _Entry(tkey, abbreviations=pair, n_tokens=tkey.count(" ") + 1)
            )
        # Lower-case words are marked with "~" in the scanned text, so a key
        # can only start at a capitalised word.  Names written with lower-case
        # inner words ("Isle of Man", "Poland-Ukraine border", "the United
        # States") get a second, marked spelling of the key.
        markable = self.lex.name_words | self.lex.place_nouns | {"the"}
        connecting = self.lex.name_words | {"the"}
        auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        raw = [tuple(entry) for entry in entries.values()]
        for i, (tkey, entry) in enumerate(entries.items()):
            auto.add_word(f" {tkey} ", i)
            if " " not in tkey:
                continue
            toks = tkey.split(" ")
            for form in _marked_forms(toks, markable, connecting):
                auto.add_word(f" {form} ", i + form.count("~") * _MARK_UNIT)
            if entry.gaz_key is None:
                continue
            # A possessive inside a name ("People's Republic of China",
            # "Martha's Vineyard") is scanned as two tokens ("people ~s"),
            # while the key has one ("peoples"): such names get a spelling
            # with the split too.
            for j, t in enumerate(toks[:-1]):
                if len(t) < 4 or not t.endswith("s"):
                    continue
                split = [*toks[:j], t[:-1], "s", *toks[j + 1 :]]
                idx = len(raw)
                raw.append(tuple(entry._replace(key=" ".join(split), n_tokens=len(split))))
                split[j + 1] = "~s"
                forms = {" ".join(split), *_marked_forms(split, markable, connecting)}
                for form in forms:
                    auto.add_word(f" {form} ", idx + form.count("~") * _MARK_UNIT)
        auto.make_automaton()
        return auto, raw

    # -- scanning ---------------------------------------------------------

    def scan(self, joined: str) -> list[tuple[int, int, _Entry]]:
        """Lexicon hits in a scan string from :class:`_Doc`, as (first, last+1, entry).

        Lower-case words carry a "~" mark in *joined*, so hits start only at
        capitalised words (or digits); no per-hit work is spent on "will" or
        "bath".
        """
        found = self._found
        hits = []
        count = joined.count
        # tokens hold no spaces: a key's token index is the number of spaces
        # before it, counted on from the previous hit rather than from the start
        at, spaces = 0, 0
        for end, value in self.automaton.iter(joined):
            known = found.get(value)
            if known is None:
                known = found[value] = self._found_value(value)
            width, n_tokens, entry = known
            pos = end - width  # index of the key's first character
            if pos >= at:
                spaces += count(" ", at, pos)
            else:
                spaces -= count(" ", pos, at)
            at = pos
            first = spaces - 1
            hits.append((first, first + n_tokens, entry))
        return hits

    def _found_value(self, value: int) -> tuple[int, int, _Entry]:
        """What :meth:`scan` needs of one automaton value, worked out once.

        Returns
        -------
        tuple of (int, int, _Entry)
            How far the key's first character lies before the end the
            automaton reports (the key's length with its "~" marks), its
            number of tokens, and its entry.
        """
        marks, idx = divmod(value, _MARK_UNIT)
        entry = self._entries.get(idx)
        if entry is None:
            entry = self._entries[idx] = _Entry._make(self.raw[idx])
        return len(entry.key) + marks, entry.n_tokens, entry


def _marked_forms(
    toks: list[str], markable: frozenset[str], connecting: frozenset[str]
) -> set[str]:
    """The scanned spellings of a multi-word key with its lower-case inner words marked.

    Inner connecting words ("of", "the") are written in lower case; a place
    noun inside a name either way ("the town of Bucha" but "People's Republic
    of China"), so both readings are kept; a final place noun ("the city",
    "the united states") only in lower case.  The unmarked key itself is not
    included.
    """
    out = set()
    both = toks[-1] not in markable or toks[-1] in connecting
    for marks in (markable, connecting) if both else (markable,):
        form = [
            "~" + t if t in marks and (j or t == "the") and t[0] != "~" else t
            for j, t in enumerate(toks)
        ]
        if any(t[0] == "~" for t in form) and form != toks:
            out.add(" ".join(form))
    return out


def gazetteer_names(gazetteer: Any) -> Iterable[tuple[str, Any]]:
    """The gazetteer's ``(key, NameInfo)`` pairs."""
    return gazetteer.names()


def _identity(gazetteer: Any) -> str | None:
    """What the automaton of *gazetteer* depends on: its files' and lexicons' stamps.

    None when the gazetteer has no file (a stand-in built in memory).
    """
    path = getattr(gazetteer, "path", None)
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    parts = [os.path.abspath(path), str(st.st_size), str(st.st_mtime_ns)]
    # the user's own entries are names too ("sitmap gazetteer add"): adding
    # one must give a new automaton, not the cached one without it
    user = getattr(gazetteer, "user_path", None)
    try:
        ust = os.stat(user) if user is not None else None
    except OSError:
        ust = None
    parts += [str(ust.st_size), str(ust.st_mtime_ns)] if ust else ["-", "-"]
    parts += [str(_lexicon_stamp()), str(_AUTOMATON_VERSION)]
    return "|".join(parts)


@lru_cache(maxsize=1)
def _lexicon_stamp() -> int:
    # the packaged word lists do not change while a process runs
    return max((f.stat().st_mtime_ns for f in _DATA_DIR.iterdir() if f.is_file()), default=0)


def _cache_file(gazetteer: Any) -> Path | None:
    ident = _identity(gazetteer)
    if ident is None:
        return None
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        return None
    digest = hashlib.sha1(ident.encode()).hexdigest()[:16]
    return Path(user_cache_dir("sitmap", appauthor=False)) / f"geoparse-automaton-{digest}.pickle"


def _load_cached(path: Path | None) -> Any:
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # a stale or truncated cache is rebuilt, never fatal
        return None


def _save_cached(path: Path | None, auto: Any) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(auto, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        # keep the few most recent (several gazetteers may be in use), drop the rest
        stale = sorted(
            path.parent.glob("geoparse-automaton-*.pickle"),
            key=lambda f: f.stat().st_mtime,
            reverse=True,
        )[3:]
        for old in stale:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only cache directory only costs time
        pass


#: recognisers by the identity of their files, most recently used last; two
#: are kept, so a process switching between two gazetteers does not rebuild
_SHARED: dict[str, Recognizer] = {}
_SHARED_MAX = 2


class _Known(NamedTuple):
    """The recogniser last handed to a gazetteer object, and when it was checked."""

    ident: str | None
    rec: Recognizer
    #: the gazetteer's ``generation`` at the check (it counts in-process user entries)
    generation: Any
    #: ``time.monotonic()`` at the check
    checked: float


#: the recogniser last handed to each live gazetteer object
_RECOGNIZERS: weakref.WeakKeyDictionary[Any, _Known] = weakref.WeakKeyDictionary()
_RECOGNIZERS_BY_ID: dict[int, tuple[Any, Recognizer]] = {}
_LOCK = threading.Lock()
#: how long a gazetteer object's file stamps are trusted without looking
#: again.  Two ``os.stat`` calls for every article added up to some 0.05 s
#: per megabyte of news; a user entry added through the object bumps its
#: ``generation`` and is seen at once, one added by another process within
#: this many seconds (and always by the next run, which starts afresh).
_RESTAT_SECONDS = 1.0


def recognizer_for(gazetteer: Any) -> Recognizer:
    """Return the (cached) :class:`Recognizer` for *gazetteer*.

    Gazetteer objects open on the same files share one recogniser, and a
    user entry added since the last call gives a new one: at once when it
    was added through this gazetteer object (its ``generation`` changes),
    within ``_RESTAT_SECONDS`` when another object or process added it.
    """
    generation = getattr(gazetteer, "generation", None)
    with _LOCK:
        try:
            known = _RECOGNIZERS.get(gazetteer)
        except TypeError:  # not weak-referenceable
            known = None
    if (
        known is not None
        and known.generation == generation
        and time.monotonic() - known.checked < _RESTAT_SECONDS
    ):
        return known.rec
    checked = time.monotonic()
    ident = _identity(gazetteer)
    with _LOCK:
        if known is not None and known.ident == ident:
            _RECOGNIZERS[gazetteer] = known._replace(generation=generation, checked=checked)
            return known.rec
        if ident is not None:
            shared = _SHARED.pop(ident, None)
            if shared is None:
                # evicted from the shared few, but maybe still in use by
                # another open gazetteer on the same files
                shared = next(
                    (k.rec for k in list(_RECOGNIZERS.values()) if k.ident == ident), None
                )
            rec = shared if shared is not None else Recognizer(gazetteer)
            _SHARED[ident] = rec
            while len(_SHARED) > _SHARED_MAX:
                del _SHARED[next(iter(_SHARED))]
        else:
            # a stand-in without files: a recogniser of its own
            hit = _RECOGNIZERS_BY_ID.get(id(gazetteer))
            if hit is not None and hit[0] is gazetteer:
                return hit[1]
            rec = Recognizer(gazetteer)
        try:
            _RECOGNIZERS[gazetteer] = _Known(ident, rec, generation, checked)
        except TypeError:
            if ident is None:
                # kept by id (strongly, so the id stays its own), few at a time
                if len(_RECOGNIZERS_BY_ID) >= 4:
                    _RECOGNIZERS_BY_ID.clear()
                _RECOGNIZERS_BY_ID[id(gazetteer)] = (gazetteer, rec)
        return rec


# --------------------------------------------------------------------------
# Context rules
# --------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    """A candidate mention with the evidence the rules found for it."""

    start: int
    end: int
    first: int
    last: int  # exclusive token index
    key: str | None
    entry: _Entry | None
    #: why it was rejected, or None when it is kept
    rejected: str | None = None
    #: name to look up when it differs from the text (abbreviations)
    lookup: str | None = None
    reasons: list[str] = field(default_factory=list)


_DIRECTION_WORDS = frozenset(
    """north south east west northern southern eastern western central northeast northwest
    southeast southwest northeastern northwestern southeastern southwestern upper lower
    greater metro metropolitan downtown inner outer coastal rural suburban mid middle far
    new old great little big saint st ste san santa fort ft mount mt port lake cape""".split()
)

_ANAPHOR = re.compile(
    # "[Tt](?<!\w[Tt])" is "\b[Tt]" written so that the search can skip ahead to a "t"
    r"[Tt](?<!\w[Tt])he (city|capital|town|village|port|settlement)\b(?!\s+(?:of\s+[A-Z]|[A-Z]))"
)
#: what every ``_ANAPHOR`` match holds; its literal start makes it quick to
#: search for, so most texts skip the full pattern
_ANAPHOR_CUE = re.compile(r"he (?:city|capital|town|village|port|settlement)")
#: Capitalised words that follow a name in news prose ("... of Xyz on Monday")
#: but are never part of a place's name.
_CALENDAR = (
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|"
    r"March|April|May|June|July|August|September|October|November|December)\b"
)
#: "the town of X", "port of X", "settlement of X".  A connecting word
#: ("Rostov-on-Don", "Stratford upon Avon") must lead to another name word.
_NOUN_OF = re.compile(
    r"\b(?:city|town|village|hamlet|settlement|port|municipality|suburb|district|region|"
    r"province|county|oblast|capital|island|villages|towns|cities|state|republic)\s+of\s+"
    rf"((?:[A-Z][\w’'\-]+)(?:[ \-](?!{_CALENDAR})(?:[A-Z][\w’'\-]+|"
    rf"(?:de|la|el|upon|on)[ \-](?!{_CALENDAR})[A-Z][\w’'\-]+))*)"
)
#: "X, a city of 280,000", "X, a tiny town 60 kilometres northwest of Y"
_APPOSITIVE_TAIL = (
    r",\s+(?:an?|the)\s+(?:[\w\-,]+\s+){0,4}?"
    r"(?:city|town|village|hamlet|settlement|port|municipality|suburb|community|district|"
    r"region|province|county|capital|island)\b"
)
_APPOSITIVE = re.compile(r"((?:[A-Z][\w’'\-]+)(?: [A-Z][\w’'\-]+)*)\s*" + _APPOSITIVE_TAIL)

# Both patterns above are slow to search for (they can start almost
# anywhere), and they rarely match.  These find the few places where they
# could: "of" before a capital, and ", a" / ", the"; ``_NOUN_OF`` is tried
# only just before such an "of", ``_APPOSITIVE`` searched only in a text
# that has such a comma.
_OF_CAPITAL = re.compile(r"of(?<=\sof)\s+[A-Z]")
#: a place noun of ``_NOUN_OF`` ending where the search stops
_NOUN_OF_NOUN = re.compile(
    r"(?:city|town|village|hamlet|settlement|port|municipality|suburb|district|region|"
    r"province|county|oblast|capital|island|villages|towns|cities|state|republic)$"
)
_APPOSITIVE_START = re.compile(r",\s+(?:an?|the)\s")
_APPOSITIVE_TAIL_RX = re.compile(_APPOSITIVE_TAIL)


def _noun_of_matches(text: str) -> list[re.Match[str]]:
    """The matches of ``_NOUN_OF.finditer(text)``, tried only where they can start.

    Every match has an "of" after white space and before a capital, as
    ``_OF_CAPITAL`` finds them, and starts with a place noun of at most 12
    letters ("municipality") ending where the white space before that "of"
    begins; so the pattern is tried only where such a noun ends there,
    leftmost first and never inside the previous match, instead of at every
    position of the text.
    """
    out = []
    done = 0  # where the previous match ended
    for m in _OF_CAPITAL.finditer(text):
        k = m.start()
        while k > 0 and text[k - 1].isspace():
            k -= 1
        # no noun ends another, so at most one start is worth a try
        noun = _NOUN_OF_NOUN.search(text, max(done, k - 12), k)
        if noun is not None:
            found = _NOUN_OF.match(text, noun.start())
            if found is not None:
                out.append(found)
                done = found.end()
    return out


def _may_match_appositive(text: str) -> bool:
    """False only when ``_APPOSITIVE`` cannot match anywhere in *text*."""
    return any(_APPOSITIVE_TAIL_RX.match(text, m.start()) for m in _APPOSITIVE_START.finditer(text))


def _is_cap(word: str) -> bool:
    return bool(word) and word[0].isupper()


def _is_all_caps(word: str) -> bool:
    if len(word) > 1 and word[1].islower() and word[1].isalpha():
        return False  # most words: "Kyiv"
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


class _Doc:
    """Per-article scratch state for the rules.

    Only the token spans are computed for the whole text; words, folded
    tokens and sentence-initial flags are worked out on demand for the few
    tokens around lexicon hits, which keeps recognition fast.
    """

    def __init__(self, rec: Recognizer, article: Article, sentences: Sequence[Sentence]):
        self.rec = rec
        self.lex = rec.lex
        self.text = article.text
        # Token boundaries do not depend on case or accents (folding keeps
        # every character's class, but for a handful of rare letters that
        # fold to a space), so the original text is tokenised and only the
        # joined token string is folded, once.
        text = article.text
        if _HAS_LINE_BREAK.search(text):
            text = text.translate(_LINE_BREAKS)
        # split() interleaves gaps and tokens; running sums of their lengths
        # give every token's offsets without a Python step per token
        parts = (_TOKEN_SPLIT_ASCII if text.isascii() else _TOKEN_SPLIT).split(text)
        bounds = list(accumulate(map(len, parts)))
        #: start and end offset of every token
        self.starts: list[int] = bounds[0:-1:2]
        self.ends: list[int] = bounds[1::2]
        self.n = len(self.ends)
        cased = " " + " ".join(parts[1::2]) + " "
        marked = _mark_lower_starts(cased)
        # ASCII tokens fold by lower-casing alone (their only spaces are " "
        # and "\n", which folding keeps)
        joined = marked.lower() if marked.isascii() else _fold_tokens(marked)
        joined = _drop_inner_joiners(joined, self.n)
        #: the string the automaton scans: folded tokens, lower-case ones marked
        self.joined = joined
        #: folded tokens, one per span (joiners already dropped); the scan
        #: string's outer spaces are cut off before splitting, not after
        self.raw_toks: list[str] = joined[1:-1].replace("~", "").split(" ")
        raw = self.raw_toks
        # the first word of each sentence (past opening quotes and brackets)
        n = self.n
        self.sentence_starts = set()
        for j in set(map(partial(bisect_left, self.starts), map(attrgetter("start"), sentences))):
            while j < n and not raw[j][0].isalnum():
                j += 1
            self.sentence_starts.add(j)
        self.persons: set[str] = set()

    # helpers over tokens
    def tok(self, i: int) -> str:
        """The normalised token i (joiners dropped), or "" out of range."""
        if not 0 <= i < self.n:
            return ""
        return self.raw_toks[i]

    def word(self, i: int) -> str:
        """Token i as written in the article, or "" out of range."""
        if not 0 <= i < self.n:
            return ""
        s, e = self.starts[i], self.ends[i]
        return self.text[s:e]

    def start(self, i: int) -> int:
        return self.starts[i]

    def end(self, i: int) -> int:
        return self.ends[i]

    def gap(self, i: int) -> str:
        """The original text between token i-1 and token i."""
        if i <= 0 or i >= self.n:
            return ""
        return self.text[self.ends[i - 1] : self.starts[i]]

    def is_word(self, i: int) -> bool:
        return 0 <= i < self.n and self.raw_toks[i][0].isalnum()

    def cap_word(self, i: int) -> bool:
        return self.is_word(i) and self.text[self.starts[i]].isupper()

    def is_initial(self, i: int) -> bool:
        """Whether token i starts a sentence, a line, or follows a colon or quote."""
        if i in self.sentence_starts or i == 0:
            return True
        prev = self.raw_toks[i - 1]
        return not prev[0].isalnum() and prev in '\n:"“«(.!?'


def _capitalised_as_name(doc: _Doc, first: int, last: int, lex: Lexicons) -> bool:
    """Every significant word of the span starts with a capital (or digit)."""
    text, starts, toks = doc.text, doc.starts, doc.raw_toks
    for i in range(first, last):
        c = text[starts[i]]
        if c.isupper() or c.isdigit():
            continue
        if i > first and (toks[i] in lex.name_words or toks[i] in lex.place_nouns):
            continue
        if i > first and doc.word(i) == "s" and doc.gap(i) in _APOSTROPHES:
            continue  # the possessive inside "People's Republic of China"
        return False
    # a name cannot end in a connecting word ("Isle of")
    return toks[last - 1] not in lex.name_words or last - first == 1


def _title_before(doc: _Doc, i: int, lex: Lexicons) -> bool:
    """True when token i follows a person's title ("Mayor", "Gen.", "adviser")."""
    # runs for nearly every hit: reads the token arrays directly
    toks, starts, ends, text = doc.raw_toks, doc.starts, doc.ends, doc.text
    j = i - 1
    # skip back over capitalised words of the same name run ("Mayor Vitali Klitschko")
    for _ in range(3):
        if j < 0 or not toks[j][0].isalnum():
            return False
        t = toks[j]
        capitalised = text[starts[j]].isupper()
        if t in lex.titles:
            return True
        if capitalised and t in lex.titles_capitalised_only:
            return True
        # only spaces and full stops between the words of a name run
        if not capitalised or text[ends[j] : starts[j + 1]].strip(" .") != "":
            return False
        j -= 1
    return False


def _evidence(doc: _Doc, first: int, last: int, lex: Lexicons) -> list[str]:
    """Positive context for a place reading of tokens [first, last)."""
    out = []
    toks, n, text, starts = doc.raw_toks, doc.n, doc.text, doc.starts
    place_nouns = lex.place_nouns
    # the tokens around, "" out of range (tokens are never empty)
    p = toks[first - 1] if first > 0 else ""
    if p:
        p_cap = text[starts[first - 1]].isupper()
        if p in lex.prepositions and (not p_cap or doc.is_initial(first - 1)):
            out.append("preposition")
        if (p in place_nouns and not p_cap) or (
            p == "of" and first > 1 and toks[first - 2] in place_nouns
        ):
            # "the port Mariupol"; a capitalised noun is part of another name ("City Council")
            out.append("place-noun")
        if p in _DIRECTION_WORDS:
            out.append("direction")
    nxt = toks[last] if last < n else ""
    if nxt in place_nouns and not text[starts[last]].isupper():
        out.append("place-noun-after")
    elif nxt == "s" and last + 1 < n and toks[last + 1] in place_nouns:
        out.append("place-noun-after")  # "Greer's city limits"
    if nxt == "," and doc.cap_word(last + 1):
        out.append("comma-qualifier?")
    if p == "," and doc.cap_word(first - 2):
        out.append("after-comma")
    return out


def _judge(
    doc: _Doc,
    first: int,
    last: int,
    start: int,
    end: int,
    entry: _Entry,
    lex: Lexicons,
    strict_common: bool,
) -> str | list[str]:
    """Judge the lexicon hit on tokens [first, last) at text offsets [start, end).

    Returns why the hit is not a place (a str), or, to keep it, the evidence
    found for it (a list).  Runs for every hit, so the token arrays are read
    directly rather than through the ``_Doc`` accessors, and the plain
    helpers (``_capitalised_as_name``, ``_title_before``) are called only
    where a cheap test cannot decide.  The rules that record a person must
    stay in this order: each one records only when the rules before it let
    the hit through.
    """
    toks, starts, text, n = doc.raw_toks, doc.starts, doc.text, doc.n
    written = text[start:end]
    if written in lex.not_places:
        return "organisation"
    if entry.demonym is not None and entry.gaz_key is None:
        return "demonym"
    if last - first == 1:
        # one token: capitalised as a name when its first character is
        c = text[start]
        if not (c.isupper() or c.isdigit()):
            return "lower-case"
    elif not _capitalised_as_name(doc, first, last, lex):
        return "lower-case"
    # the span may be one token after "the" was dropped; the rules below
    # are about one-word names
    single = entry.n_tokens == 1
    if single:
        second = written[1:2]
        # "Kyiv": a lower-case second letter rules out capitals at once
        if not (second.islower() and second.isalpha()) and _is_all_caps(written):
            # All-capital words are acronyms ("NATO") unless the line is in
            # capitals (a dateline or headline) and the name is a real word.
            neighbours = [doc.word(first - 1), doc.word(last)]
            shouting = any(_is_all_caps(w) and len(w) > 1 for w in neighbours) or doc.is_initial(
                first
            )
            if not (shouting and len(written) >= 4):
                return "acronym"
    if entry.demonym is not None and not entry.major:
        return "demonym"
    tok = toks[first]
    nxt = toks[last] if last < n else ""
    if nxt in lex.name_heads and not doc.cap_word(last):
        return "part-of-name"  # "West Nile virus"
    # the token before the name, and the text between the words around it
    prev_i = first - 1
    if prev_i >= 0:
        prev = toks[prev_i]
        prev_word = prev[0].isalnum()
        prev_cap = prev_word and text[starts[prev_i]].isupper()
        gap_before = text[doc.ends[prev_i] : start].strip()
    else:
        prev, prev_word, prev_cap, gap_before = "", False, False, ""
    gap_after = text[end : starts[last]].strip() if last < n else ""
    # persons: a lower-case word before the name is a title only if it is
    # one itself; a capitalised one may end a run ("Mayor Vitali Klitschko")
    if prev_word and (prev in lex.titles or (prev_cap and _title_before(doc, first, lex))):
        if single:
            doc.persons.add(tok)
        return "person-title"
    # a capitalised word right before the name, with only white space between
    cap_before = prev_cap and gap_before == ""
    if (
        cap_before
        and prev in lex.first_names
        and prev not in lex.common_words
        and prev not in _DIRECTION_WORDS
    ):
        doc.persons.add(tok)
        return "person-first-name"
    if single and tok in doc.persons:
        return "person-surname"
    if (
        single
        and tok in lex.first_names
        and gap_after == ""
        and doc.cap_word(last)
        and not _is_all_caps(doc.word(last))  # "Paris PD": an agency, not a surname
        and nxt not in lex.common_words
        and nxt not in lex.org_words
        and nxt not in lex.place_nouns
        and nxt not in lex.titles
        and nxt not in lex.titles_capitalised_only
        and not _known_major(doc, last)
        and entry.kind not in _AREA_KIND_VALUES
    ):
        # "Jordan Henderson": a first name before a capitalised non-word
        doc.persons.add(nxt)
        return "person-first-name"
    if (
        single
        and (gap_after == "&" or gap_before == "&")
        and not entry.major
        and entry.kind not in _AREA_KIND_VALUES
        and (
            (gap_after == "&" and doc.cap_word(last) and not _known_major(doc, last))
            or (gap_before == "&" and doc.cap_word(prev_i) and not _known_major(doc, prev_i))
        )
    ):
        # a firm's name of surnames: "Dorsey & Whitfield"
        doc.persons.add(tok)
        return "organisation-ampersand"
    if single and nxt in lex.speech_verbs and gap_after == "" and not entry.major:
        doc.persons.add(tok)
        return "person-said"
    # the tail of an organisation's name: "Save the Children Canada"
    if (
        cap_before
        and (prev in lex.common_words or prev in lex.org_words)
        and prev not in _DIRECTION_WORDS
        and prev not in lex.titles
        and prev not in lex.titles_capitalised_only
        and not doc.is_initial(prev_i)
        and not _known_major(doc, prev_i)
    ):
        return "organisation-tail"
    # the context evidence is worked out at most once (it does not change)
    evidence: list[str] | None = None
    # A name known only as a hamlet (every place so called is tiny) is more
    # often a surname or a word of another name: it needs place evidence.
    if single and entry.population < HAMLET_POPULATION and entry.kind not in _AREA_KIND_VALUES:
        evidence = _evidence(doc, first, last, lex)
        if _PLACE_EVIDENCE.isdisjoint(evidence):
            return "hamlet"
    # A first name standing alone ("Lucy", "Donald") names a person far more
    # often than a village: a small place needs place evidence.
    if single and tok in lex.first_names and not entry.major and written not in lex.common_places:
        if evidence is None:
            evidence = _evidence(doc, first, last, lex)
        if _PLACE_EVIDENCE.isdisjoint(evidence):
            return "first-name"
    # Common words that are also place names ("Hour", "Still", "Police",
    # "Reading"): the gazetteer's blocked flag or the English word list.
    # Countries ("Chad", "Turkey") and the listed exceptions are exempt.
    if (
        (entry.blocked or (single and tok in lex.common_words))
        and written not in lex.common_places
        and entry.kind != _COUNTRY
    ):
        if evidence is None:
            evidence = _evidence(doc, first, last, lex)
        if doc.is_initial(first):
            if _NOUN_EVIDENCE.isdisjoint(evidence):
                return "common-word"
        else:
            if _LOCAL_EVIDENCE.isdisjoint(evidence):
                return "common-word"
            if gap_after == "" and doc.cap_word(last):
                return "common-word"
            if nxt in lex.name_words and doc.cap_word(last + 1):
                # "Save the Children": a common word opening a longer name
                return "common-word"
        return evidence
    return []


#: a country's kind as the automaton's entries store it (a plain str)
_COUNTRY = Kind.COUNTRY.value


#: evidence that lets a small or doubtful name stand as a place
_PLACE_EVIDENCE = frozenset(
    {"preposition", "place-noun", "place-noun-after", "after-comma", "comma-qualifier?"}
)
#: the evidence a common word at a sentence start needs (its capital proves nothing)
_NOUN_EVIDENCE = frozenset({"place-noun", "place-noun-after"})
#: the evidence a common word elsewhere needs
_LOCAL_EVIDENCE = frozenset({"preposition", "place-noun", "place-noun-after", "after-comma"})


def _known_major(doc: _Doc, i: int) -> bool:
    """Whether token i alone is a major place name (country, region, big city)."""
    if not doc.is_word(i):
        return False
    found = doc.rec.entry(doc.tok(i))
    return bool(found is not None and found.gaz_key is not None and found.major)


def _abbreviation_hit(doc: _Doc, hit: Hit) -> Hit | None:
    """Check an abbreviation hit against the text as written (case and dots)."""
    assert hit.entry is not None
    for abbr, name in hit.entry.abbreviations:
        core = abbr.rstrip(".")
        end = hit.start + len(core)
        if doc.text[hit.start : end] != core:
            continue
        if abbr.endswith("."):
            if doc.text[end : end + 1] != ".":
                continue
            # keep the final dot inside the mention unless it ends the sentence
            nxt = doc.text[end + 1 : end + 3]
            if not (nxt.startswith(" ") and nxt[1:2].isupper()) or len(core) > 2:
                end += 1
        if end < len(doc.text) and (doc.text[end].isalnum() or doc.text[end] == "$"):
            continue  # part of a longer word, or a currency ("US$")
        mixed = not _is_all_caps(abbr)
        if mixed and abbr.endswith("."):
            # State abbreviations ("Ill.", "Ga.") are ordinary words too;
            # accept them only as a qualifier after "City, ".
            if not (doc.tok(hit.first - 1) == "," and doc.cap_word(hit.first - 2)):
                continue
        if abbr in ("US", "ACT", "DC", "BC") and doc.word(hit.first) == abbr:
            # an all-capital pronoun or word in a shouted headline
            if _is_all_caps(doc.word(hit.first - 1)) or _is_all_caps(doc.word(hit.last)):
                continue
        return Hit(
            hit.start,
            end,
            hit.first,
            hit.last,
            hit.entry.gaz_key,
            hit.entry,
            lookup=name,
            reasons=["abbreviation"],
        )
    return None


def _select_longest(hits: list[Hit]) -> list[Hit]:
    """Keep the longest non-overlapping hits, leftmost first on ties.

    A hit that overlaps no other is kept as it is; only a cluster of hits
    overlapping one another (each hit starting before the cluster's furthest
    end) holds the contest, which cannot reach outside its cluster.
    """
    order = sorted(hits, key=_hit_start)  # stable: identical spans keep their order
    out: list[Hit] = []
    i, n = 0, len(order)
    while i < n:
        reach = order[i].end
        j = i + 1
        while j < n and order[j].start < reach:
            if order[j].end > reach:
                reach = order[j].end
            j += 1
        if j == i + 1:
            out.append(order[i])
        else:
            out.extend(_longest_of(order[i:j]))
        i = j
    return out


def _hit_start(hit: Hit) -> int:
    return hit.start


def _longest_of(hits: list[Hit]) -> list[Hit]:
    """The contest of ``_select_longest`` among *hits*, in start order."""
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), h.start))
    taken: list[tuple[int, int]] = []
    out = []
    for h in hits:
        i = bisect_right(taken, (h.start, 1 << 62))
        if i and taken[i - 1][1] > h.start:
            continue
        if i < len(taken) and taken[i][0] < h.end:
            continue
        taken.insert(i, (h.start, h.end))
        out.append(h)
    out.sort(key=_hit_start)
    return out


def _pattern_hits(doc: _Doc, taken: list[Hit], lex: Lexicons) -> list[Hit]:
    """Capitalised names introduced by a place noun that the lexicon missed."""
    spans = [(h.start, h.end) for h in taken]
    out = []
    searches: list[tuple[re.Pattern[str], Iterable[re.Match[str]]]] = [
        (_NOUN_OF, _noun_of_matches(doc.text))
    ]
    if _may_match_appositive(doc.text):
        searches.append((_APPOSITIVE, _APPOSITIVE.finditer(doc.text)))
    for rx, matches in searches:
        for m in matches:
            s, e = m.span(1)
            if any(a < e and s < b for a, b in spans):
                continue
            name = m.group(1)
            if name in lex.not_places or name.split()[0].lower() in lex.titles:
                continue
            first = bisect_left(doc.starts, s)
            if first < doc.n and doc.is_initial(first) and rx is _APPOSITIVE:
                # sentence-initial capitals prove nothing on their own
                if _fold(name.split()[0]) in lex.common_words:
                    continue
            if _fold(name) in doc.persons or _fold(name).split()[0] in lex.first_names:
                continue
            if _fold(name) in lex.common_words or _fold(name) in lex.demonyms:
                continue
            if name in lex.demonyms:
                continue
            last = bisect_left(doc.starts, e)
            out.append(Hit(s, e, first, last, None, None, reasons=["place-noun-pattern"]))
            spans.append((s, e))
    return out


def _hits(doc: _Doc, strict_common: bool = True) -> tuple[list[Hit], Counter[str]]:
    rec, lex = doc.rec, doc.lex
    raw = rec.scan(doc.joined)
    demonym_counts: Counter[str] = Counter()
    candidates: list[Hit] = []
    # first pass: persons introduced by titles and first names, so that a
    # surname mentioned earlier or later ("Grandi said") is known everywhere
    _collect_persons(doc, lex)
    toks, starts, ends, text = doc.raw_toks, doc.starts, doc.ends, doc.text
    known_demonyms = lex.demonyms
    for first, last, entry in raw:
        if last - first > 1 and toks[first] == "the":
            # "the United States": the article is not part of the name
            first += 1
        start, end = starts[first], ends[last - 1]
        gaz_key = entry.gaz_key
        demonym = entry.demonym
        if entry.abbreviations:
            ab = _abbreviation_hit(doc, Hit(start, end, first, last, gaz_key, entry))
            if ab is not None:
                candidates.append(ab)
                continue
            if gaz_key is None and demonym is None:
                continue
        if demonym is not None and text[start].isupper():
            written = text[start:end]
            if written in known_demonyms or written.capitalize() in known_demonyms:
                demonym_counts[demonym] += 1
                if gaz_key is None or not entry.major:
                    continue
        if gaz_key is None:
            continue
        # a Hit is made only for a kept name (about half of them)
        why = _judge(doc, first, last, start, end, entry, lex, strict_common)
        if isinstance(why, list):
            candidates.append(Hit(start, end, first, last, gaz_key, entry, reasons=why))
    # one sense per article: a word once shown to be a person's name ("Walsh
    # said") is a person everywhere in the article
    persons = doc.persons
    if persons:
        candidates = [h for h in candidates if h.last - h.first > 1 or toks[h.first] not in persons]
    kept = _select_longest(candidates)
    kept.extend(_pattern_hits(doc, kept, lex))
    kept.sort(key=_hit_start)
    return kept, demonym_counts


#: two or more capitalised words in a row ("Mayor Vitali Klitschko")
_CAP_RUN_PLAIN = r"[A-Z][\w'’\-]*\.?(?:[ \t]+[A-Z][\w'’\-]*\.?)+"
# Giving back a word's letters, its full stop or its spaces can never let
# the pattern match (what follows would be a word character, a full stop or
# a space where a space or a capital is needed), so on Python 3.11+ the
# quantifiers are made possessive: the same matches, found without trying
# every shorter word at each capital that starts no run.
_CAP_RUN = re.compile(
    r"[A-Z][\w'’\-]*+\.?+(?:[ \t]++[A-Z][\w'’\-]*+\.?+)+"
    if sys.version_info >= (3, 11)
    else _CAP_RUN_PLAIN
)


def _collect_persons(doc: _Doc, lex: Lexicons) -> None:
    """Record surnames: capitalised words after a title or a first name.

    Works on runs of capitalised words found by a regular expression, so the
    cost grows with the number of names, not with the length of the text.
    """
    rec = doc.rec
    titles = rec.title_words
    stops = rec.run_stop_words
    known_first = rec._first_names
    for m in _CAP_RUN.finditer(doc.text):
        run_text = m.group()
        if "." not in run_text:
            # The usual run: no initials and no sentence end inside, so it
            # is folded and split once, and only titles and first names
            # open a name (an initial needs its full stop).
            joined = run_text.lower() if run_text.isascii() else _fold(run_text)
            if "'" in joined or "’" in joined:
                # the only joiners a run without a full stop can hold
                # (its words have no "`")
                joined = joined.replace("'", "").replace("’", "")
            folded = joined.split()
            for i in range(len(folded) - 1):
                t = folded[i]
                if t not in titles:
                    first_name = known_first.get(t)
                    if first_name is None:
                        first_name = rec.is_first_name(t)
                    if not first_name:
                        continue
                else:
                    first_name = False  # a title needs no first-name test
                run = []
                for u in folded[i + 1 : i + 4]:
                    if u in stops or len(u) == 1:
                        break  # a lone letter without its full stop is no initial
                    run.append(u)
                if _add_surname(doc, run, first_name):
                    break
            continue
        words = run_text.split()
        # a full stop after a longer word ends a sentence ("...Court
        # Judge. Columbus attorney..."), so the run stops there
        for k, w in enumerate(words[:-1]):
            if w.endswith(".") and len(w) > 4:
                words = words[: k + 1]
                break
        # folding keeps every character in place, so the run is folded once
        # (an ASCII run folds by lower-casing alone)
        joined = " ".join(words)
        joined = joined.lower() if joined.isascii() else _fold(joined)
        # a word's final full stop is a joiner too: the run loses them all
        # at once (its words start with a capital, so none comes out empty)
        folded = _JOINERS.sub("", joined).split(" ")
        for i, t in enumerate(folded[:-1]):
            title = t in titles
            # a title needs no first-name test (whose answers are cached)
            known = None if title else known_first.get(t)
            first_name = not title and (rec.is_first_name(t) if known is None else known)
            # "Dorla K. Hensley": a name, a middle initial, a surname
            initialled = (
                not (title or first_name)
                and i + 2 < len(folded)
                and len(folded[i + 1]) == 1
                and words[i + 1 : i + 2] == [folded[i + 1].upper() + "."]
                and len(t) > 1
                and t not in lex.common_words
                and t not in _DIRECTION_WORDS
                and not _major_key(doc, t)
            )
            if not (title or first_name or initialled):
                continue
            run = []
            for k, u in enumerate(folded[i + 1 : i + 4], start=i + 1):
                if u in stops:
                    break
                if len(u) == 1 and not words[k : k + 1] == [u.upper() + "."]:
                    break  # the article "A" in "...called Amy. A Lakeland family", not an initial
                run.append(u)
            if _add_surname(doc, run, first_name):
                break


def _add_surname(doc: _Doc, run: list[str], first_name: bool) -> bool:
    """Record the last of the folded words *run* that follow a title or first name.

    Returns whether it was recorded: not for an empty run, nor for a first
    name followed by a single major place's name ("Jordan Valley", "Victoria
    Texas"), which is no person.
    """
    if not run or (first_name and len(run) == 1 and _major_key(doc, run[0])):
        return False
    # the surname used later on; a double-barrelled one also by its parts
    surname = run[-1]
    doc.persons.add(surname)
    doc.persons.update(p for p in surname.split("-") if p)
    return True


def _major_key(doc: _Doc, key: str) -> bool:
    found = doc.rec.entry(key)
    return bool(found is not None and found.gaz_key is not None and found.major)


def _anaphors(doc: _Doc, taken: Iterable[Hit]) -> list[tuple[int, int]]:
    spans = [(h.start, h.end) for h in taken]
    out = []
    text = doc.text
    # every match is "[Tt]" and a cue, and cues cannot overlap ("h" is in no
    # noun), so the pattern is tried just before each cue, not all along the text
    for cue in _ANAPHOR_CUE.finditer(text):
        m = _ANAPHOR.match(text, cue.start() - 1) if cue.start() else None
        if m is None:
            continue
        s, e = m.span()
        if any(a < e and s < b for a, b in spans):
            continue
        out.append((s, e))
    return out


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def recognize(
    article: Article,
    sentences: Sequence[Sentence],
    gazetteer: Any,
    *,
    anaphors: bool = True,
) -> list[Mention]:
    """Find the place mentions of *article*.

    Parameters
    ----------
    article : Article
        The article; every offset indexes ``article.text``.
    sentences : sequence of Sentence
        Its sentences (from :func:`sitmap.sentences.split_sentences`); used to
        know which words are capitalised only because they start a sentence.
    gazetteer : sitmap.gazetteer.Gazetteer
        The lexicon of place names.
    anaphors : bool, default True
        Also return "the city" / "the capital" style references, marked
        ``anaphor=True`` with ``key=None``.

    Returns
    -------
    list of Mention
        In text order, with ``place=None``; ``key`` holds the name to look up
        (the normalised gazetteer key, or for an abbreviation such as "U.S."
        the name it stands for, or the text itself for a name found only by a
        place-noun pattern).
    """
    doc = _Doc(recognizer_for(gazetteer), article, sentences)
    hits, counts = _hits(doc)
    _remember_demonyms(article, counts)
    out = []
    doc_id, source, text = article.doc_id, article.source, article.text
    for h in hits:
        written = text[h.start : h.end]
        key = h.lookup or h.key or _key_tokens(written)
        out.append(_new_mention(doc_id, source, h.start, h.end, written, key, False))
    if anaphors:
        for s, e in _anaphors(doc, hits):
            out.append(_new_mention(doc_id, source, s, e, text[s:e], None, True))
        out.sort(key=_mention_start)
    return out


def _new_mention(
    doc_id: str, source: str, start: int, end: int, text: str, key: str | None, anaphor: bool
) -> Mention:
    """``Mention(doc_id, source, start, end, text, key=key, anaphor=anaphor)``, made faster.

    The frozen class's ``__init__`` sets each of its ten fields through
    ``object.__setattr__``, which cost some 3 microseconds per mention, a
    few per cent of recognition; filling the new instance's ``__dict__`` at
    once gives an equal object (a test checks it; ``Mention`` has no
    ``__post_init__`` to skip).  The fields go in their declared order.
    """
    new = object.__new__(Mention)
    new.__dict__.update(
        {
            "doc_id": doc_id,
            "source": source,
            "start": start,
            "end": end,
            "text": text,
            "place": None,
            "precision": 1,
            "key": key,
            "cue": None,
            "anaphor": anaphor,
        }
    )
    return new


def _mention_start(m: Mention) -> int:
    return m.start


_DEMONYM_RX_CACHE: dict[int, re.Pattern[str]] = {}
#: demonym counts of recently recognised articles, so that resolution need
#: not scan the text again (str hashes are cached, so the key is cheap)
_RECENT_DEMONYMS: dict[tuple[str, int], Counter[str]] = {}


def _remember_demonyms(article: Article, counts: Counter[str]) -> None:
    if len(_RECENT_DEMONYMS) > 256:
        _RECENT_DEMONYMS.clear()
    _RECENT_DEMONYMS[(article.doc_id, hash(article.text))] = Counter(
        {cc: n for cc, n in counts.items() if cc != "-"}
    )


def _demonym_rx() -> re.Pattern[str]:
    rx = _DEMONYM_RX_CACHE.get(0)
    if rx is None:
        words = sorted(lexicons().demonyms, key=len, reverse=True)
        rx = re.compile(r"(?<![\w-])(?:pro-|anti-)?(" + "|".join(map(re.escape, words)) + r")\b")
        _DEMONYM_RX_CACHE[0] = rx
    return rx


def demonyms(article: Article) -> Counter[str]:
    """Count the demonyms and place adjectives in *article* by country code.

    "Russian forces", "Ukrainians" and "Belarusian athletes" are not place
    mentions, but they tell the resolver which countries the article is about.

    Parameters
    ----------
    article : Article

    Returns
    -------
    collections.Counter
        ISO 3166-1 alpha-2 code -> number of occurrences (regions such as
        "European" are not counted).
    """
    known = _RECENT_DEMONYMS.get((article.doc_id, hash(article.text)))
    if known is not None:
        return Counter(known)
    lex = lexicons()
    rx = _demonym_rx()
    counts: Counter[str] = Counter()
    for m in rx.finditer(article.text):
        cc = lex.demonyms[m.group(1)]
        if cc != "-" and not m.group(0).startswith(("pro-", "anti-")):
            counts[cc] += 1
    return counts


def demonym_mentions(
    article: Article, sentences: Sequence[Sentence], gazetteer: Any
) -> list[Mention]:
    """Demonyms as mentions of their country ("Russian" -> Russia).

    Not part of :func:`recognize`'s output (the ``extract`` contract leaves
    adjectives out), but some benchmark corpora annotate them as toponyms, so
    the evaluation script can score sitmap with and without them.
    """
    lex = lexicons()
    rx = _demonym_rx()
    out = []
    for m in rx.finditer(article.text):
        cc = lex.demonyms[m.group(1)]
        if cc == "-":
            continue
        country = gazetteer.country(cc) if hasattr(gazetteer, "country") else None
        if country is None:
            continue
        s, e = m.span(1)
        out.append(
            Mention(
                article.doc_id,
                article.source,
                s,
                e,
                article.text[s:e],
                key=_key_tokens(country.name),
            )
        )
    return out
