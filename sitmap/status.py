"""Statuses, claims and verification: what each sentence reports about each place.

The default tagger is rule based and runs offline.  Its cue lexicons live in
``sitmap/data/status/rules.toml`` (see ``docs/status.md``) and can be extended
without editing code through the ``SITMAP_STATUS_RULES`` environment variable
or :func:`load_rules`.

How a sentence is read
----------------------

1. **Clauses.**  The sentence is cut at strong boundaries (``;``, dashes,
   ", but", "while", ...).  A cue only attaches to a place in its own clause,
   so "Kharkiv was shelled while talks went on in Istanbul" does not make
   Istanbul struck.
2. **Roles of place names.**  A name that is an *actor* ("Russia's forces",
   "Ukraine said", "Beijing Paralympics") or a *descriptor* ("Ukraine's capital
   Kyiv") gets no status from the clause; a name that only anchors a relative
   location ("60 km northwest of Kyiv") or sits in an apposition is used only
   when nothing better is available.
3. **Anaphora.**  "the city", "the town", "there", "over it" are resolved to the
   last named place of a compatible kind, and a sentence without any place
   whose speaker continues the previous one ("Klitschko said ...", "He said
   ...") inherits that sentence's place.
4. **Cues.**  Status cues are matched per clause, then dropped when negated
   ("no casualties"), irrealis ("demanded it withdraw"), historical ("the
   fighting in 2014") or figurative ("a battle for hearts and minds").
5. **Attachment.**  A cue goes to the place it governs: the object right after
   it or after a locative preposition ("fighting in X", "fled X", "outside
   X"), else the nearest place before it in the clause, else the nearest after
   it; coordinated names ("Kharkiv, Sumy and Chernihiv") share the cue.
   Where a force comes from or is based ("troops from Kharkiv", "units based
   in Belgorod") yields to the place it acts on.  Talks go only to their
   venue ("met in Antalya", "Qatar-hosted", "the Istanbul talks"), never to
   the parties ("the ministers of Russia and Ukraine"); with no venue they
   locate nothing.  Sanctions go to their target.  Civilian harm is where the
   victims were hurt, not where they are treated.
6. **Epistemic.**  Denial, verification, doubt and attribution cues decide
   ``confirmed`` / ``reported`` / ``claimed`` / ``disputed`` / ``denied``.
   A clause or sentence that carries only doubt or a denial ("Britain's Defence
   Ministry said that was possible, though not yet verified"; "Ukraine denied
   it") modifies the assertions just before it: a hedge is added, or a
   separate ``denied`` (``confirmed``) assertion is recorded next to the claim.

The headline of a place follows :func:`sitmap.model.headline_of`.

A statistical model can replace the cue detection (implement
:class:`CueDetector`) or the whole tagger (implement :class:`StatusTagger`).
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import ConfigError
from .model import (
    CONFLICT_STATUSES,
    Article,
    Assertion,
    Epistemic,
    Kind,
    Mention,
    Place,
    PlaceReport,
    Sentence,
    Status,
    headline_of,
    severity_rank,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "CueDetector",
    "CueHit",
    "LexiconCueDetector",
    "RuleTagger",
    "Rules",
    "StatusTagger",
    "aggregate",
    "load_rules",
    "tag",
]

#: Environment variable naming extra rules files (``os.pathsep`` separated).
RULES_ENV = "SITMAP_STATUS_RULES"

_WORD = re.compile(r"[\w][\w'’-]*|n't")


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def _compile(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """Compile cue patterns: case-insensitive, word-bounded, spaces flexible.

    Each pattern is checked on its own (so a bad one is named in the error),
    then all are joined into one alternation, longest first: one scan of a
    clause per list instead of one per cue keeps large inputs fast.
    """
    bodies = []
    for p in patterns:
        # "air ?strikes?" means an optional space: \s* (not a lazy \s+?)
        body = p.replace(" ?", r"\s*").replace(" ", r"\s+")
        try:
            re.compile(body, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"bad status cue pattern {p!r}: {exc}") from exc
        bodies.append(body)
    if not bodies:
        return []
    bodies.sort(key=len, reverse=True)
    joined = "|".join(f"(?:{b})" for b in bodies)
    return [re.compile(rf"(?<![\w-])(?:{joined})(?![\w])", re.IGNORECASE)]


def _compile_words(words: Iterable[str]) -> re.Pattern[str]:
    body = "|".join(w.replace(" ", r"\s+") for w in words) or r"(?!x)x"
    return re.compile(rf"^(?:{body})$", re.IGNORECASE)


@dataclass
class Rules:
    """The compiled cue lexicons.  Build with :func:`load_rules`.

    Attributes
    ----------
    raw : dict
        The merged TOML data the patterns were compiled from.
    """

    raw: dict[str, Any]
    status: dict[Status, list[re.Pattern[str]]] = field(default_factory=dict)
    outcome: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    hedge: list[re.Pattern[str]] = field(default_factory=list)
    unnamed_source: list[re.Pattern[str]] = field(default_factory=list)
    dispute: list[re.Pattern[str]] = field(default_factory=list)
    denial: list[re.Pattern[str]] = field(default_factory=list)
    confirm: list[re.Pattern[str]] = field(default_factory=list)
    figurative: list[re.Pattern[str]] = field(default_factory=list)
    history: list[re.Pattern[str]] = field(default_factory=list)
    anaphora: list[tuple[re.Pattern[str], frozenset[Kind]]] = field(default_factory=list)
    negators: list[re.Pattern[str]] = field(default_factory=list)
    irrealis: list[re.Pattern[str]] = field(default_factory=list)
    conditionals: list[re.Pattern[str]] = field(default_factory=list)
    non_conflict: list[re.Pattern[str]] = field(default_factory=list)
    negation_window: int = 3
    irrealis_window: int = 6
    irrealis_exempt: frozenset[Status] = frozenset()
    speech_verbs: str = ""
    pronouns: frozenset[str] = frozenset()
    actor_re: re.Pattern[str] | None = None
    event_re: re.Pattern[str] | None = None
    descriptor_re: re.Pattern[str] | None = None
    modifier_re: re.Pattern[str] | None = None
    year_prefix: str = ""
    venue_statuses: frozenset[Status] = frozenset()
    venue_exempt: re.Pattern[str] | None = None
    venue_before: re.Pattern[str] | None = None
    venue_topic: re.Pattern[str] | None = None
    venue_after: re.Pattern[str] | None = None
    venue_meeting: re.Pattern[str] | None = None
    venue_meeting_kinds: frozenset[Kind] = frozenset()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Rules:
        """Compile *raw* (the shape of ``rules.toml``) into a :class:`Rules`."""
        r = cls(raw=raw)
        try:
            for name, table in raw.get("status", {}).items():
                r.status[Status(name)] = _compile(table.get("cues", []))
            for name, table in raw.get("outcome", {}).items():
                r.outcome[name] = _compile(table.get("cues", []))
            ep = raw.get("epistemic", {})
            r.hedge = _compile(ep.get("hedge", []))
            r.unnamed_source = _compile(ep.get("unnamed_source", []))
            r.dispute = _compile(ep.get("dispute", []))
            r.denial = _compile(ep.get("denial", []))
            r.confirm = _compile(ep.get("confirm", []))
            sc = raw.get("scope", {})
            r.figurative = _compile(sc.get("figurative", []))
            r.history = _compile(sc.get("history", []))
            r.negators = _compile(sc.get("negators", []))
            r.irrealis = _compile(sc.get("irrealis", []))
            r.conditionals = _compile(sc.get("conditionals", []))
            r.non_conflict = _compile(sc.get("non_conflict_context", []))
            r.negation_window = int(sc.get("negation_window", 3))
            r.irrealis_window = int(sc.get("irrealis_window", 6))
            r.irrealis_exempt = frozenset(Status(s) for s in sc.get("irrealis_exempt", []))
            prefixes = sc.get("history_year_prefixes", ["in"])
            r.year_prefix = "|".join(p.replace(" ", r"\s+") for p in prefixes)
            att = raw.get("attribution", {})
            r.speech_verbs = "|".join(sorted(att.get("speech_verbs", []), key=len, reverse=True))
            r.pronouns = frozenset(p.lower() for p in att.get("pronouns", []))
            act = raw.get("actors", {})
            nouns = "|".join(act.get("nouns", [])) or r"(?!x)x"
            # "Russia's defence ministry" (possessive, a few words) or "Ukraine
            # forces" (the noun right after); "Kherson fell to Russian troops"
            # is not an actor use of Kherson.
            r.actor_re = re.compile(
                rf"^['’]s\s+(?:[\w-]+\s+){{0,3}}?(?:{nouns})\b|^\s+(?:{nouns})\b"
                r"|^-(?:backed|led|based|controlled|installed|allied)\b",
                re.IGNORECASE,
            )
            r.event_re = re.compile(
                r"^\s+(?:" + "|".join(act.get("event_nouns", [])) + r")\b", re.IGNORECASE
            )
            mods = "|".join(act.get("modifier_nouns", [])) or r"(?!x)x"
            r.modifier_re = re.compile(
                # adjectives may come between ("a Black Sea shipbuilding city"),
                # prepositions may not ("the Red Sea off the coast of Yemen")
                rf"^\s+(?:(?!(?:off|of|in|on|at|near|from|to|by|along)\b)[a-z][\w-]*\s+){{0,2}}?(?:{mods})\b"
                r"(?:\s+of\s+[A-Z])?",
                re.IGNORECASE,
            )
            r.descriptor_re = re.compile(
                r"^['’]s\s+(?:[\w-]+\s+){0,2}?(?:"
                + "|".join(act.get("descriptor_nouns", []))
                + r")\b",
                re.IGNORECASE,
            )
            r._compile_venue(raw.get("venue", {}))
            for phrase, kinds in raw.get("anaphora", {}).items():
                r.anaphora.append(
                    (
                        re.compile(rf"(?<![\w-]){phrase}(?![\w])", re.IGNORECASE),
                        frozenset(Kind(k) for k in kinds),
                    )
                )
        except (ValueError, TypeError, AttributeError, re.error) as exc:
            raise ConfigError(f"invalid status rules: {exc}") from exc
        return r

    def _compile_venue(self, ven: dict[str, Any]) -> None:
        """Compile the ``[venue]`` table: where talks happen, as opposed to who talks.

        Parameters
        ----------
        ven : dict
            The ``[venue]`` table of the merged rules (empty: no status needs a venue).
        """

        def alt(key: str) -> str:
            return "|".join(p.replace(" ", r"\s+") for p in ven.get(key, [])) or r"(?!x)x"

        self.venue_statuses = frozenset(Status(s) for s in ven.get("statuses", []))
        self.venue_exempt = re.compile(rf"(?:{alt('exempt_cues')})", re.IGNORECASE)
        # up to three modifiers between the preposition and the name, none of
        # them a word that hands the name another role ("in talks with Russia")
        # (nor another venue word: "the war in Yemen opened in Stockholm")
        mods = rf"(?:(?!(?:{alt('not_between')}|{alt('before')})\b)[\w'’-]+\s+){{0,3}}?"
        self.venue_before = re.compile(rf"(?<![\w-])(?:{alt('before')})\s+{mods}$", re.IGNORECASE)
        self.venue_topic = re.compile(
            rf"(?<![\w-])(?:{alt('topic_nouns')})\s+(?:{alt('before')})\s+{mods}$", re.IGNORECASE
        )
        self.venue_after = re.compile(rf"^\s*(?:{alt('after')})\b", re.IGNORECASE)
        self.venue_meeting = re.compile(
            r"^\s+(?:[a-z][\w-]*\s+)?(?:" + alt("meeting_nouns") + r")\b"
        )
        self.venue_meeting_kinds = frozenset(Kind(k) for k in ven.get("meeting_kinds", []))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge *extra* over *base*: lists append, ``remove`` lists delete, scalars replace."""
    out = dict(base)
    for key, value in extra.items():
        if key == "remove":
            continue
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merged = _merge(old, value)
            removals = set(value.get("remove", []))
            if removals:
                for k, v in merged.items():
                    if isinstance(v, list):
                        merged[k] = [x for x in v if x not in removals]
            out[key] = merged
        elif isinstance(value, list) and isinstance(old, list):
            out[key] = old + [v for v in value if v not in old]
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"status rules file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"status rules file {path} is not valid TOML: {exc}") from exc


def load_rules(extra: Sequence[str | os.PathLike[str]] = (), *, use_env: bool = True) -> Rules:
    """Load the default rules, merged with user rules files.

    Parameters
    ----------
    extra : sequence of path
        TOML files in the shape of ``sitmap/data/status/rules.toml``, merged
        in order over the defaults (lists are appended, ``remove`` deletes).
    use_env : bool
        Also merge the files named in ``SITMAP_STATUS_RULES`` (before *extra*).

    Returns
    -------
    Rules

    Raises
    ------
    ConfigError
        When a file is missing, not TOML, or holds an invalid pattern or name.
    """
    text = resources.files("sitmap").joinpath("data/status/rules.toml").read_bytes()
    raw: dict[str, Any] = tomllib.loads(text.decode("utf-8"))
    paths: list[Path] = []
    if use_env and os.environ.get(RULES_ENV):
        paths += [Path(p) for p in os.environ[RULES_ENV].split(os.pathsep) if p]
    paths += [Path(p) for p in extra]
    for p in paths:
        raw = _merge(raw, _read_toml(p))
    return Rules.from_dict(raw)


_DEFAULT_RULES: Rules | None = None
_DEFAULT_ENV: str | None = None


def default_rules() -> Rules:
    """The rules used when none are given (cached; reloaded if the env var changes)."""
    global _DEFAULT_RULES, _DEFAULT_ENV
    env = os.environ.get(RULES_ENV)
    if _DEFAULT_RULES is None or env != _DEFAULT_ENV:
        _DEFAULT_RULES = load_rules()
        _DEFAULT_ENV = env
    return _DEFAULT_RULES


# --------------------------------------------------------------------------
# Interfaces
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CueHit:
    """A status cue found in a clause.

    Attributes
    ----------
    status : Status
    start, end : int
        Offsets of the cue in the article text.
    text : str
        The cue as written.
    score : float
        Confidence (1.0 for lexicon cues; a classifier may give less).
    """

    status: Status
    start: int
    end: int
    text: str
    score: float = 1.0


@runtime_checkable
class CueDetector(Protocol):
    """Finds status cues in a clause; the rule tagger then attaches and qualifies them.

    A statistical classifier plugs in here: given the clause text and its
    offset in the article, return the statuses it sees with the span that
    triggered them (a token span, or the whole clause).
    """

    def detect(self, text: str, offset: int) -> list[CueHit]:
        """Return the status cues in *text* (offsets into the article)."""
        ...


@runtime_checkable
class StatusTagger(Protocol):
    """Anything that turns an article's sentences and resolved mentions into assertions."""

    def tag(
        self, article: Article, sentences: Sequence[Sentence], mentions: Sequence[Mention]
    ) -> list[Assertion]:
        """Return the assertions the article makes about its resolved places."""
        ...


class LexiconCueDetector:
    """The default :class:`CueDetector`: regular-expression cue lexicons from the rules."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    def detect(self, text: str, offset: int) -> list[CueHit]:
        hits = []
        for status, patterns in self.rules.status.items():
            for pat in patterns:
                for m in pat.finditer(text):
                    hits.append(CueHit(status, offset + m.start(), offset + m.end(), m.group(0)))
        return hits


# --------------------------------------------------------------------------
# The rule-based tagger
# --------------------------------------------------------------------------

#: Where a clause ends for the purpose of attaching cues to places.
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|\s+[—–]+\s+|\s+--\s+|:\s+(?=[A-Z\"“])|\s*\|\s*"
    r"|,\s+(?=(?:but|while|whereas|although|though|even though|as|yet|and then|however)\b)"
    r"|\s+(?=(?:while|whereas|although)\b)",
)
#: Where a segment ends for the scope of negation, modality and history.
_SEGMENT_BREAK = re.compile(r",\s+|\s+and\s+(?=that\b)|\s+(?=since\s)")
_LOCATIVE = frozenset(
    "in at on near around outside across into of over toward towards from to inside within for "
    "against upon onto throughout along by between beyond off through".split()
)
_CLAUSE_WORDS = frozenset(
    "as and while but when after before where which who that because since until if "
    "said says say told claimed".split()
)
_COORD = re.compile(r"^\s*(?:,|and|or|,\s*and|,\s*or|as well as|&)\s*$", re.IGNORECASE)
_ANCHOR_BEFORE = re.compile(
    r"(?:(?:north|south|east|west|northeast|northwest|southeast|southwest|north-east|north-west|"
    r"south-east|south-west)(?:ern)?|kilometres|kilometers|km|miles)\s+(?:\w+\s+)?(?:of|from)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
#: ", a Black Sea shipbuilding city of 280,000," right after a name describes it.
_APPOSITION = re.compile(
    r"\s*,\s+(?:a|an|another|the)\s+(?:[^,;]|,(?=\d)){1,120}?(?:,|$)", re.IGNORECASE
)
_APPOSITION_VERB = re.compile(r"\b(?:said|says|say|told|is|was|were|are|claimed|announced)\b", re.I)
_QUOTE_ONLY = re.compile(r"^[\"“][^\"“”]*[\"”]?$")
#: Statuses for which "from X" names the place itself (fled from, withdrew from).
#: A wire dateline ("GOMA, Congo (Reuters) - ") is not part of the first sentence's subject.
_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]{1,40},[^-—–\n]{0,80}?(?:\([^)]{1,40}\))?\s*[-—–]+\s*")
#: Words by which a sentence of doubt or denial points back at what was just said.
_REFERS_BACK = re.compile(
    r"\b(?:it|this|that)\s*(?:[.,;:!?]|$)|\b(?:that|this|it)\s+(?:was|is|were|as|had|has)\b"
    r"|\b(?:the|this|that|these|those|such|his|her|their|its)\s+(?:\w+\s+)?"
    r"(?:claims?|reports?|accounts?|statements?|allegations?|assertions?|figures?|version)\b",
    re.IGNORECASE,
)
#: Place-pointing words for carrying a topic into a sentence with no name; an
#: existential "there were ..." points nowhere.
_ANAPHOR_WORD = re.compile(
    r"\bthere\b(?!['’]|\s+(?:is|are|was|were|has|have|had|will|would|could|may|might|seems?|appears?|"
    r"remains?|remained|being)\b)|\bthe (?:city|town|village|capital|port)\b",
    re.IGNORECASE,
)
#: A quote or first-person voice in the paragraph speaks from the place just named.
_VOICE_ON_SCENE = re.compile(r"^\s*[\"“]|\b(?:we|our|us)\b", re.IGNORECASE)
#: Statuses a non-conflict context (sport, markets) cancels.
_CONTEXT_STATUSES = CONFLICT_STATUSES - {Status.CIVILIAN_HARM, Status.UNKNOWN}
_FROM_STATUSES = frozenset({Status.DISPLACEMENT, Status.WITHDRAWN, Status.RECAPTURED})
#: Lower-case modifiers between a preposition and a name ("from southern Lebanon").
_MODS = r"(?:the\s+)?(?:(?-i:[a-z])[\w-]*\s+){0,2}?"
_FROM_BEFORE = re.compile(rf"\bfrom\s+{_MODS}$", re.IGNORECASE)
_LAUNCH_BEFORE = re.compile(
    rf"\b(?:fired|launched|took off|flying|flown|shot|sent)\s+from\s+{_MODS}$", re.IGNORECASE
)
#: Where a force is based is its home, not where it acts: "artillery units based
#: in Belgorod shelled Kharkiv" is about Kharkiv.
_BASE_BEFORE = re.compile(
    rf"\b(?:based|stationed|garrisoned|headquartered|positioned)\s+(?:in|at|near|on)\s+{_MODS}$",
    re.IGNORECASE,
)
#: "Wounded civilians from Mariupol": where victims come from is where they were
#: harmed, unlike where fighters come from.
_VICTIM_FROM = re.compile(
    r"\b(?:civilians|residents|people|families|children|women|men|villagers|patients|victims|"
    rf"evacuees|refugees|inhabitants|survivors)\s+from\s+{_MODS}$",
    re.IGNORECASE,
)
#: "treated in Zaporizhzhia", "taken to a hospital in Dnipro": where victims are
#: cared for is not where they were harmed, when the text names that place too.
_CARE_BEFORE = re.compile(
    r"\b(?:treated|hospitali[sz]ed|admitted|taken|brought|transferred|flown|airlifted|"
    r"recovering|buried)\s+(?:(?:to|in|at)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?"
    r"(?:hospitals?|clinics?|medical\s+cent(?:re|er)s?|facilit(?:y|ies)|morgues?)\s+)?"
    rf"(?:to|in|at)\s+{_MODS}$",
    re.IGNORECASE,
)
_MOVE_BEFORE = re.compile(
    rf"\b(?:from|out of|into|to|towards?|reached|reaching|fled|fleeing|leaving|left|in|near|at)\s+{_MODS}$",
    re.IGNORECASE,
)
_ORGANISATION = re.compile(
    r"\b(?:ministry|government|office|agency|forces|army|military|officials|council|command|"
    r"staff|service|committee|administration|nations|kremlin|embassy|media)\b",
    re.IGNORECASE,
)


@dataclass
class _Cand:
    """A place candidate in a sentence: a named mention or a resolved anaphor."""

    start: int
    end: int
    place: Place
    precision: int
    mention_start: int
    mention_end: int
    #: 0 normal, 1 demoted (relative-location anchor, inside an apposition)
    priority: int = 0
    eligible: bool = True
    anaphor: bool = False


@dataclass
class _Draft:
    """A mutable assertion under construction (frozen into :class:`Assertion` at the end)."""

    cand: _Cand
    status: Status
    epistemic: Epistemic
    claimant: str | None
    hedge: str | None
    outcome: str | None
    sentence: Sentence
    cue: str


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _spans(
    patterns: Iterable[re.Pattern[str]], text: str, offset: int
) -> list[tuple[int, int, str]]:
    out = []
    for p in patterns:
        for m in p.finditer(text):
            out.append((offset + m.start(), offset + m.end(), m.group(0)))
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


_AS_BREAK = re.compile(
    r"\s+as\s+(?!(?:well|a result|part|of|if|though|much|many|far|long|soon|to|for|usual|such|it were)\b)(?=\w)"
)
_AS_NOT_AFTER = re.compile(
    r"\b(?:such|well|many|much|far|long|soon|same|so|just|twice|known|served|serves|used|seen|described|"
    r"regarded|act|acts|acted|acting|listed|identified|named)$",
    re.IGNORECASE,
)


def _clauses(text: str, offset: int) -> list[tuple[int, int]]:
    """Split a sentence into clauses (article spans) for cue attachment.

    A clause that starts with "as" ("... as the fighting spread") is a
    circumstance of the clause before it; :meth:`RuleTagger._sentence` lets
    its conflict cues fall back on that clause's places.
    """
    spans = []
    for c0, c1 in _split(text, offset, _CLAUSE_BREAK):
        piece = text[c0 - offset : c1 - offset]
        pos = 0
        for m in _AS_BREAK.finditer(piece):
            if _AS_NOT_AFTER.search(piece[: m.start()]):
                continue
            spans.append((c0 + pos, c0 + m.start()))
            pos = m.start()
        spans.append((c0 + pos, c1))
    return [s for s in spans if s[1] > s[0]]


def _split(text: str, offset: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Split ``text`` (at article offset ``offset``) at *pattern*; return article spans."""
    spans = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            spans.append((offset + pos, offset + m.start()))
        pos = max(pos, m.end())
    if pos < len(text):
        spans.append((offset + pos, offset + len(text)))
    return spans or [(offset, offset + len(text))]


class RuleTagger:
    """The default, offline :class:`StatusTagger`.

    Parameters
    ----------
    rules : Rules, optional
        Defaults to :func:`default_rules` (the packaged rules plus
        ``SITMAP_STATUS_RULES``).
    detector : CueDetector, optional
        Defaults to :class:`LexiconCueDetector` over *rules*.

    Notes
    -----
    :meth:`tag` keeps per-article working state on the instance, so use one
    tagger per thread (:func:`tag` makes a fresh one per call).
    """

    def __init__(self, rules: Rules | None = None, detector: CueDetector | None = None) -> None:
        self.rules = rules or default_rules()
        self.detector = detector or LexiconCueDetector(self.rules)
        sv = self.rules.speech_verbs or "said"
        aux = r"(?:(?:has|have|had|also|later|earlier|previously|again|separately|publicly|repeatedly)\s+)*"
        subj = (
            r"(?P<c>(?:[A-Z\"'“‘][\w'’.-]*|the|a|an|he|she|they|we|local|regional|military|officials?|"
            r"residents|witnesses|analysts)"
            r"(?:\s+(?!(?:is|was|were|are|be|been|being|has|have|had|also|"
            + sv
            + r")\b)[\w'’.-]+){0,8}?)"
        )
        self._lead = re.compile(
            r"^(?:(?:but|and|yet|however|still|meanwhile|earlier|later|separately|then|though|although|while|whereas|as)\b,?\s+)?"
            r"(?:[A-Z][\w\s]{0,30}?,\s+)?"
            + subj
            # "The minister, speaking in Brussels, said ..."
            + r"(?:,\s+[^,;\"“”]{1,60},)?\s+"
            + aux
            + r"(?:"
            + sv
            + r")\b"
        )
        self._trail = re.compile(
            r"(?:,|[,.!?]?[\"”’]|\))\s*(?P<c>[^,;:\"“”]{2,90}?)\s+" + aux + r"(?:" + sv + r")\b"
            # "said on Thursday", "said in a statement": a short tail, not a new clause
            r"(?:\s+(?:on|in|late|early|last|this)(?:\s+[\w-]+){1,3}|\s+\w+day)?\s*(?:[,.!?]|$)",
        )
        self._inverted = re.compile(
            # '", said the governor.' -- a name, not a clause ("said Odesa had been hit")
            r"(?:,|[\"”])\s*(?:"
            + sv
            + r")\s+(?P<c>(?:(?!\b(?:had|has|have|was|were|is|are|been|would|will)\b)"
            r"[^,.;:\"“”]){2,90}?)\s*(?:[,.!?;]|$)"
        )
        self._actors: set[int] = set()
        self._starts: list[int] = []
        self._year: int | None = None
        self._resolved: list[Mention] = []
        self._according = re.compile(r"\baccording to\s+(?P<c>[^,;.:\"“”]{2,120})", re.IGNORECASE)

    # ---------------------------------------------------------- public --

    def tag(
        self, article: Article, sentences: Sequence[Sentence], mentions: Sequence[Mention]
    ) -> list[Assertion]:
        """Tag every resolved place in *article* with what the text says about it.

        Parameters
        ----------
        article : Article
        sentences : sequence of Sentence
            From :func:`sitmap.sentences.split_sentences`.
        mentions : sequence of Mention
            Resolved mentions; those with ``place`` None are ignored.

        Returns
        -------
        list of Assertion
            In text order.  Every resolved place gets at least a ``mentioned``
            assertion.
        """
        text = article.text
        named = sorted(
            (m for m in mentions if m.place is not None and not m.anaphor),
            key=lambda m: (m.start, m.end),
        )
        given_anaphors = [m for m in mentions if m.place is not None and m.anaphor]
        sents = sorted(sentences, key=lambda s: s.start)
        self._starts = [m.start for m in named]
        self._year = article.date.year if article.date else _latest_year(text)
        # First pass: which names are actors or descriptors ("Russia's forces",
        # "Ukraine said"); anaphors never refer back to those.
        actors: set[int] = set()
        for sent in sents:
            spans = self._claimant_spans(text[sent.start : sent.end], sent.start)
            for c in self._named_candidates(text, sent, named):
                if not c.eligible or any(_is_speaker(text, c, s0, s1) for s0, s1 in spans):
                    actors.add(c.start)
        self._actors = actors
        self._resolved = []
        drafts: list[_Draft] = []
        prev_drafts: list[_Draft] = []
        prev_claimant: str | None = None
        prev_para: int | None = None
        prev_topic: list[_Cand] = []
        prev_quoted_claimant: str | None = None
        for sent in sents:
            if sent.paragraph != prev_para:
                prev_drafts, prev_claimant, prev_topic, prev_quoted_claimant = [], None, [], None
                prev_para = sent.paragraph
            cands = self._candidates(text, sent, named, given_anaphors)
            out, claimant = self._sentence(
                article, sent, cands, prev_drafts, prev_claimant, prev_topic, prev_quoted_claimant
            )
            drafts.extend(out)
            new = [d for d in out if d.status is not Status.MENTIONED]
            if new:
                prev_drafts = new
                prev_topic = _unique_cands([d.cand for d in new])
            else:
                # a sentence that only sets the scene ("Food was scarce in El
                # Fasher.") still makes its one place the topic
                located = _unique_cands([c for c in cands if c.eligible])
                if len(located) == 1:
                    prev_topic = located
            if claimant:
                prev_claimant = claimant
            stext = text[sent.start : sent.end]
            prev_quoted_claimant = claimant if claimant and ('"' in stext or "“" in stext) else None
        return self._finish(article, sents, named, drafts)

    # ------------------------------------------------------ candidates --

    def _candidates(
        self,
        text: str,
        sent: Sentence,
        named: Sequence[Mention],
        given_anaphors: Sequence[Mention],
    ) -> list[_Cand]:
        r = self.rules
        stext = text[sent.start : sent.end]
        cands = self._named_candidates(text, sent, named)
        # anaphors given by the geoparser
        for m in given_anaphors:
            if sent.start <= m.start < sent.end:
                assert m.place is not None
                cands.append(
                    _Cand(m.start, m.end, m.place, m.precision, m.start, m.end, anaphor=True)
                )
        # our own anaphora resolution
        for pat, kinds in r.anaphora:
            for am in pat.finditer(stext):
                a0, a1 = sent.start + am.start(), sent.start + am.end()
                if any(_overlaps((a0, a1), (c.start, c.end)) for c in cands):
                    continue
                if re.match(r"^\s+(?:of|in)\s+[A-Z]", text[a1 : a1 + 6]):
                    continue  # "the capital of Kyiv": the name follows
                ante = self._antecedent(a0, named, kinds)
                if ante is None:
                    continue
                assert ante.place is not None
                # later pronouns may refer to this resolved phrase ("the city ... over it")
                bisect.insort(
                    self._resolved,
                    dataclasses.replace(ante, start=a0, end=a1, text=text[a0:a1], anaphor=True),
                    key=lambda m: m.start,
                )
                cands.append(
                    _Cand(a0, a1, ante.place, ante.precision, ante.start, ante.end, anaphor=True)
                )
        cands.sort(key=lambda c: c.start)
        return cands

    def _named_candidates(self, text: str, sent: Sentence, named: Sequence[Mention]) -> list[_Cand]:
        """Candidates for the named places in *sent*, with their roles."""
        r = self.rules
        stext = text[sent.start : sent.end]
        cands: list[_Cand] = []
        lo = bisect.bisect_left(self._starts, sent.start)
        hi = bisect.bisect_left(self._starts, sent.end)
        inside = [m for m in named[lo:hi] if sent.start <= m.start < sent.end]
        # an apposition directly follows a name and has no verb of its own
        appositions = []
        for head in inside:
            a = _APPOSITION.match(stext, head.end - sent.start)
            if a and not _APPOSITION_VERB.search(a.group(0)):
                appositions.append((sent.start + a.start(), sent.start + a.end()))
        for m in inside:
            assert m.place is not None
            c = _Cand(m.start, m.end, m.place, m.precision, m.start, m.end)
            after = text[m.end : min(sent.end, m.end + 60)]
            before = text[max(sent.start, m.start - 40) : m.start]
            if r.actor_re and r.actor_re.match(after):
                c.eligible = False
            if r.event_re and r.event_re.match(after):
                c.eligible = False
            if r.modifier_re:
                mm = r.modifier_re.match(after)
                if mm and (
                    mm.group(0).rstrip().endswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                    or re.search(r"\b(?:a|an|another)\s+$", before, re.IGNORECASE)
                ):
                    # "a Black Sea port", "the Black Sea port of Odesa"
                    c.eligible = False
            if r.descriptor_re and r.descriptor_re.match(after):
                # "Ukraine's capital Kyiv": describes the place named next
                c.eligible = False
            else:
                nxt = [n for n in inside if n.start > m.end]
                if nxt and re.match(r"^['’]s\s+(?:[\w-]+\s+){0,4}$", text[m.end : nxt[0].start]):
                    c.eligible = False
            if re.search(r"\bbetween\s+$", before) and re.match(r"^\s+and\s+", after):
                nxt = [n for n in inside if n.start > m.end]
                if not nxt or not re.match(r"^\s+and\s+$", text[m.end : nxt[0].start]):
                    c.eligible = False  # "fighting between Israel and Hezbollah": a party
            if _ANCHOR_BEFORE.search(before):
                c.priority = 1
            if any(a0 < m.start and m.end <= a1 for a0, a1 in appositions):
                c.priority = 1
            cands.append(c)
        return cands

    def _antecedent(
        self, pos: int, named: Sequence[Mention], kinds: frozenset[Kind]
    ) -> Mention | None:
        # The last named place of a compatible kind before the anaphor, no more
        # than ~1200 characters back (a paragraph or two of news prose).
        # Earlier resolved anaphors count too ("the city ... over it").
        best: Mention | None = None
        for pool in (named[: bisect.bisect_left(self._starts, pos)], self._resolved):
            for m in reversed(pool):
                if m.start >= pos:
                    continue
                if pos - m.start > 1200 or (best is not None and m.start <= best.start):
                    break
                if m.start in self._actors:
                    continue
                if m.place is not None and m.place.kind in kinds:
                    best = m
                    break
        return best

    # -------------------------------------------------------- sentence --

    def _sentence(
        self,
        article: Article,
        sent: Sentence,
        cands: list[_Cand],
        prev_drafts: list[_Draft],
        prev_claimant: str | None,
        prev_topic: list[_Cand],
        prev_quoted_claimant: str | None,
    ) -> tuple[list[_Draft], str | None]:
        text = article.text
        stext = text[sent.start : sent.end]
        year = self._year
        clauses = _clauses(stext, sent.start)
        # attribution: per clause, falling back to the sentence
        clause_claimants = [self._claimant(text[c0:c1]) for c0, c1 in clauses]
        sentence_claimant = self._claimant(stext)
        if sentence_claimant is None:
            for cc in clause_claimants:
                if cc:
                    sentence_claimant = cc
                    break
        if sentence_claimant is None and prev_quoted_claimant and _QUOTE_ONLY.match(stext.strip()):
            sentence_claimant = prev_quoted_claimant  # a quote running on
        earlier = [prev_claimant] if prev_claimant else []

        def resolve(c: str | None, upto: int = len(clauses)) -> str | None:
            if not c or c.lower() not in self.rules.pronouns:
                return c
            # the nearest earlier speaker: this sentence's earlier clauses first
            pool = [
                x for x in clause_claimants[:upto] if x and x.lower() not in self.rules.pronouns
            ]
            pool = earlier + pool
            if c.lower() in ("he", "she"):
                people = [x for x in pool if not _ORGANISATION.search(x)]
                pool = people or pool
            return pool[-1] if pool else c

        sentence_claimant = resolve(sentence_claimant)
        # places used as claimants are actors, not locations
        claim_spans = self._claimant_spans(stext, sent.start)
        for c in cands:
            if not c.anaphor and any(_is_speaker(text, c, s0, s1) for s0, s1 in claim_spans):
                c.eligible = False
        has_place = any(c.eligible for c in cands)
        same_speaker = _same_speaker(sentence_claimant, prev_claimant) or (
            sentence_claimant is not None and sentence_claimant.lower() in self.rules.pronouns
        )

        out: list[_Draft] = []
        clause_drafts_prev: list[_Draft] = []
        for ci, ((c0, c1), own_claimant) in enumerate(zip(clauses, clause_claimants, strict=True)):
            ctext = text[c0:c1]
            claimant = resolve(own_claimant, ci) or sentence_claimant
            ep = self._epistemic_hits(ctext, c0)
            hits = self._status_hits(ctext, c0, year, ep)
            # words in who speaks are not news about a place: "a Western diplomat
            # said", "the UN refugee agency said"
            hits = [
                h for h in hits if not any(_overlaps((h.start, h.end), sp) for sp in claim_spans)
            ]
            clause_cands = [c for c in cands if c0 <= c.start < c1 and c.eligible]
            new: list[_Draft] = []
            circumstance = bool(re.match(r"\s*as\s", ctext)) and ci > 0
            for hit in hits:
                targets = self._attach(text, hit, clause_cands)
                if not targets and circumstance and hit.status in _CONTEXT_STATUSES:
                    # "Civilians fled Khartoum as the fighting spread": the fighting
                    # is where the main clause is; talks elsewhere are not.
                    c0p, c1p = clauses[ci - 1]
                    main = [c for c in cands if c0p <= c.start < c1p and c.eligible]
                    targets = self._attach(text, hit, main)
                if (
                    not targets
                    and not has_place
                    and prev_topic
                    and (same_speaker or _has_anaphor_word(ctext) or _VOICE_ON_SCENE.search(stext))
                ):
                    targets = prev_topic  # the speaker goes on about the same place
                for t in targets:
                    epistemic, hedge, claim = self._epistemic(hit, ep, claimant)
                    # "attacked a post near Djibo, ..., but were beaten back": the
                    # outcome may sit in a later clause of the same sentence
                    outcome = self._outcome(stext) if hit.status is Status.CONTESTED else None
                    new.append(
                        _Draft(t, hit.status, epistemic, claim, hedge, outcome, sent, hit.text)
                    )
            if (
                not hits
                and (ep["hedge"] or ep["denial"] or ep["dispute"] or ep["confirm"])
                and not any(c.eligible and not c.anaphor for c in clause_cands)
            ):
                # Doubt, denial or confirmation with nothing of its own to qualify:
                # it is about what was said just before.
                target = clause_drafts_prev or out
                if not target and _REFERS_BACK.search(stext):
                    # another sentence: only when it points back ("that was possible",
                    # "the claim"), not "Hamas denied that it used the hospital"
                    target = prev_drafts
                new.extend(self._back_reference(target, ep, claimant, sent))
            new = _dedupe(new)
            out.extend(new)
            if new:
                clause_drafts_prev = new
        return _dedupe(out), sentence_claimant

    # ------------------------------------------------------ attribution --

    def _claimant(self, text: str) -> str | None:
        """Who says so, as written, or None for the outlet's own voice."""
        t = _DATELINE.sub("", text.strip())
        for pat in (self._trail, self._inverted):
            found: re.Match[str] | None = None
            for m in pat.finditer(t):
                found = m
            if found is not None:
                c = _clean_claimant(found.group("c"))
                if c:
                    return c
        for m2 in (self._according.search(t), self._lead.match(t)):
            if m2:
                c = _clean_claimant(m2.group("c"))
                if c:
                    return c
        return None

    def _claimant_spans(self, stext: str, offset: int) -> list[tuple[int, int]]:
        spans = []
        for pat in (self._trail, self._inverted, self._according):
            for m in pat.finditer(stext):
                spans.append((offset + m.start("c"), offset + m.end("c")))
        for c0, c1 in _split(stext, 0, _CLAUSE_BREAK):
            piece = stext[c0:c1]
            lead = piece.lstrip()
            lm = self._lead.match(lead)
            if lm:
                shift = c0 + (len(piece) - len(lead))
                spans.append((offset + shift + lm.start("c"), offset + shift + lm.end("c")))
        return spans

    # ------------------------------------------------------------ cues --

    def _epistemic_hits(self, ctext: str, offset: int) -> dict[str, list[tuple[int, int, str]]]:
        r = self.rules
        hedge = _spans(r.hedge, ctext, offset)
        unnamed = _spans(r.unnamed_source, ctext, offset)
        dispute = [s for s in _spans(r.dispute, ctext, offset)]
        denial = [s for s in _spans(r.denial, ctext, offset)]
        confirm = [
            s
            for s in _spans(r.confirm, ctext, offset)
            if not any(_overlaps(s[:2], h[:2]) for h in hedge + unnamed + denial)
            # "did not make any confirmed advances" confirms nothing
            and not self._windowed(r.negators, ctext[: s[0] - offset], r.negation_window)
        ]
        return {
            "hedge": _longest(hedge),
            "unnamed": _longest(unnamed),
            "dispute": _longest(dispute),
            "denial": _longest(denial),
            "confirm": _longest(confirm),
        }

    def _status_hits(
        self, ctext: str, offset: int, year: int | None, ep: dict[str, list[tuple[int, int, str]]]
    ) -> list[CueHit]:
        r = self.rules
        hits = self.detector.detect(ctext, offset)
        if any(p.search(ctext) for p in r.non_conflict):
            # a sports page or a market report: conflict words are figures of speech
            hits = [h for h in hits if h.status not in _CONTEXT_STATUSES]
        blocked = _spans(r.figurative, ctext, offset)
        blocked += [s for k in ("hedge", "dispute", "denial", "confirm", "unnamed") for s in ep[k]]
        hits = [h for h in hits if not any(_overlaps((h.start, h.end), b[:2]) for b in blocked)]
        # longest cue wins where cues overlap ("troops were killed" over "killed")
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: list[CueHit] = []
        for h in hits:
            if not any(_overlaps((h.start, h.end), (k.start, k.end)) for k in kept):
                kept.append(h)
        segments = _split(ctext, offset, _SEGMENT_BREAK)
        result = []
        for h in sorted(kept, key=lambda h: h.start):
            seg = next(
                ((s0, s1) for s0, s1 in segments if s0 <= h.start < s1),
                (offset, offset + len(ctext)),
            )
            before = ctext[seg[0] - offset : h.start - offset]
            seg_text = ctext[seg[0] - offset : seg[1] - offset]
            if self._windowed(r.negators, before, r.negation_window):
                continue
            if h.status not in r.irrealis_exempt and (
                self._windowed(r.irrealis, before, r.irrealis_window)
                or any(p.search(before) for p in r.conditionals)
            ):
                continue
            idx = segments.index(seg) if seg in segments else 0
            if (
                idx > 0
                and re.match(r"\s*(?:when|where|during which|in which|which)\b", seg_text, re.I)
                and self._historical(
                    ctext[segments[idx - 1][0] - offset : segments[idx - 1][1] - offset], year
                )
            ):
                continue  # "the war in Darfur in 2003, when militias killed ..."
            if self._historical(seg_text, year) or (
                segments[0] != seg
                and len(_words(ctext[: segments[0][1] - offset])) <= 6
                and self._historical(ctext[: segments[0][1] - offset], year)
            ):
                continue  # "In 1944, ..." or "During World War Two, ..." dates the whole clause
            result.append(h)
        return result

    def _windowed(self, patterns: list[re.Pattern[str]], before: str, window: int) -> bool:
        words = _words(before)
        tail = " ".join(words[-window:]) if window > 0 else ""
        if not tail:
            return False
        # a conjunction or a new clause-like word between the trigger and the cue ends its scope
        for pat in patterns:
            for m in pat.finditer(tail):
                between = tail[m.end() :]
                if not re.search(r"\b(?:and|or|but|that|which|where|who)\b", between):
                    return True
        return False

    def _historical(self, seg: str, year: int | None) -> bool:
        if any(p.search(seg) for p in self.rules.history):
            return True
        for m in re.finditer(
            rf"\b(?:{self.rules.year_prefix})\s+(?:the\s+)?(?:(?:early|late|mid|spring|summer|autumn|fall|winter|"
            r"january|february|march|april|may|june|july|august|september|october|november|december)\s+)?"
            r"((?:18|19|20)\d\d)\b",
            seg,
            re.IGNORECASE,
        ):
            if year is None or int(m.group(1)) < year:
                return True
        return False

    def _outcome(self, ctext: str) -> str | None:
        for name, patterns in self.rules.outcome.items():
            if any(p.search(ctext) for p in patterns):
                return name
        return None

    # ------------------------------------------------------- attachment --

    def _attach(self, text: str, hit: CueHit, cands: list[_Cand]) -> list[_Cand]:
        """Choose the place(s) in the clause that *hit* is about."""
        if not cands:
            return []
        if hit.status in self.rules.venue_statuses and not (
            self.rules.venue_exempt and self.rules.venue_exempt.fullmatch(hit.text)
        ):
            # talks are where they are held, not where the parties come from
            cands = self._venues(text, cands)
            if not cands:
                return []
        if hit.status is Status.CIVILIAN_HARM:
            # victims are harmed where it happened, not where they are treated
            cands = [
                c for c in cands if not _CARE_BEFORE.search(text[max(0, c.start - 60) : c.start])
            ] or cands
        # a force's home base yields to the place it acts on, when there is one
        cands = [
            c for c in cands if not _BASE_BEFORE.search(text[max(0, c.start - 40) : c.start])
        ] or cands
        if hit.status not in _FROM_STATUSES:
            # "a missile fired from Crimea hit Odesa": the launch site is never the
            # target; a plain "from X" yields to another place when there is one
            cands = [
                c for c in cands if not _LAUNCH_BEFORE.search(text[max(0, c.start - 45) : c.start])
            ]
            rest = [
                c
                for c in cands
                if not _FROM_BEFORE.search(text[max(0, c.start - 40) : c.start])
                or (
                    hit.status is Status.CIVILIAN_HARM
                    and _VICTIM_FROM.search(text[max(0, c.start - 60) : c.start])
                )
            ]
            cands = rest or cands
            if not cands:
                return []
        chosen: _Cand | None = None
        # 0. a place inside the cue itself ("the situation in X remained unclear")
        inside = [c for c in cands if hit.start <= c.start and c.end <= hit.end]
        if inside:
            chosen = inside[0]
        # 1. the object right after the cue, or after a locative preposition
        for c in cands if chosen is None else []:
            if c.start < hit.end:
                continue
            between = text[hit.end : c.start]
            if re.search(r"[,.;:!?()\"“”—–]", between):
                break
            words = [w.lower() for w in _words(between)]
            if len(words) > 6 or any(w in _CLAUSE_WORDS for w in words):
                break
            if len(words) <= 1 or any(w in _LOCATIVE for w in words) or words[:1] == ["the"]:
                chosen = c
            break
        # 2. the nearest place before the cue (normal places before demoted ones)
        if chosen is None:
            for prio in (0, 1):
                before = [c for c in cands if c.end <= hit.start and c.priority == prio]
                if before:
                    chosen = before[-1]
                    break
        # 3. the nearest place after it
        if chosen is None:
            after = [c for c in cands if c.start >= hit.end]
            after.sort(key=lambda c: (c.priority, c.start))
            if after:
                chosen = after[0]
        if chosen is None:
            return []
        # coordinated names share the cue: "Kharkiv, Sumy and Chernihiv were shelled"
        group = [chosen]
        idx = cands.index(chosen)
        for step in (-1, 1):
            j = idx
            while 0 <= j + step < len(cands):
                a, b = (cands[j + step], cands[j]) if step < 0 else (cands[j], cands[j + step])
                if not _COORD.match(text[a.end : b.start]):
                    break
                j += step
                group.append(cands[j])
        if hit.status is Status.DISPLACEMENT:
            # people leave one place and reach another: both are displacement
            group += [
                c
                for c in cands
                if c not in group and _MOVE_BEFORE.search(text[max(0, c.start - 25) : c.start])
            ]
        return sorted(group, key=lambda c: c.start)

    def _venues(self, text: str, cands: list[_Cand]) -> list[_Cand]:
        """The candidates of a clause that name where a meeting is held.

        A venue follows a locative preposition ("talks in Antalya", "flew to
        Cairo for talks", "hosted by Turkey") that does not hang off a topic
        noun ("talks on the war in Ukraine"); hosts and mediators come before
        their verb ("Qatar-hosted", "Egypt brokered"); a town named before the
        meeting noun is its venue ("the Istanbul talks").  Names coordinated
        with a venue ("Antalya, Turkey") are venues too.  Parties ("the
        ministers of Russia and Ukraine", "talks with Russia", "Russia and
        Ukraine agreed to talk") are none of these, so they are left out.

        Parameters
        ----------
        text : str
            The article text.
        cands : list of _Cand
            The eligible places of one clause, in text order.

        Returns
        -------
        list of _Cand
            The venues among *cands*, in text order; empty when none is named.
        """
        r = self.rules
        marked: list[_Cand] = []
        for c in cands:
            before = text[max(0, c.start - 60) : c.start]
            after = text[c.end : c.end + 40]
            if c.anaphor and text[c.start : c.end].lower() == "there":
                marked.append(c)  # "talks there": the adverb is itself locative
            elif (
                r.venue_before
                and r.venue_before.search(before)
                and not (r.venue_topic and r.venue_topic.search(before))
            ):
                marked.append(c)
            elif r.venue_after and r.venue_after.match(after):
                marked.append(c)
            elif (
                r.venue_meeting
                and c.place.kind in r.venue_meeting_kinds
                and r.venue_meeting.match(after)
            ):
                marked.append(c)
        # "in Antalya, Turkey", "Egypt and Qatar brokered": the neighbours share the role
        grown = True
        while grown:
            grown = False
            for i, c in enumerate(cands):
                if c in marked:
                    continue
                near = [cands[j] for j in (i - 1, i + 1) if 0 <= j < len(cands)]
                for n in near:
                    a, b = (n, c) if n.start < c.start else (c, n)
                    if n in marked and _COORD.match(text[a.end : b.start]):
                        marked.append(c)
                        grown = True
                        break
        return sorted(marked, key=lambda c: c.start)

    # -------------------------------------------------------- epistemic --

    def _epistemic(
        self, hit: CueHit, ep: dict[str, list[tuple[int, int, str]]], claimant: str | None
    ) -> tuple[Epistemic, str | None, str | None]:
        """Return (epistemic, hedge, claimant) for a status cue in a clause."""
        hedge = ep["hedge"][0][2] if ep["hedge"] else None
        if ep["denial"]:
            return Epistemic.DENIED, hedge, claimant
        if ep["dispute"]:
            return Epistemic.DISPUTED, hedge or ep["dispute"][0][2], claimant
        if ep["confirm"] and not hedge:
            return Epistemic.CONFIRMED, None, claimant
        if ep["unnamed"] and not claimant:
            return Epistemic.CLAIMED, hedge or ep["unnamed"][0][2], None
        if claimant:
            return Epistemic.CLAIMED, hedge, claimant
        if hedge:
            return Epistemic.DISPUTED, hedge, None
        return Epistemic.REPORTED, None, None

    def _back_reference(
        self,
        target: list[_Draft],
        ep: dict[str, list[tuple[int, int, str]]],
        claimant: str | None,
        sent: Sentence,
    ) -> list[_Draft]:
        """Apply a clause of pure doubt, denial or confirmation to the assertions before it."""
        out: list[_Draft] = []
        live = [d for d in target if d.status is not Status.MENTIONED]
        for d in live:
            # a denial or a confirmation is a new voice: a second assertion
            # beside the first, so a claim and its denial stay two records
            verdict = (
                (Epistemic.DENIED, ep["denial"])
                if ep["denial"]
                else (Epistemic.CONFIRMED, ep["confirm"])
                if ep["confirm"] and not ep["hedge"]
                else None
            )
            if verdict is not None:
                out.append(
                    dataclasses.replace(
                        d,
                        epistemic=verdict[0],
                        claimant=claimant,
                        hedge=None,
                        sentence=sent,
                        cue=verdict[1][0][2],
                    )
                )
            elif ep["dispute"]:
                d.epistemic = Epistemic.DISPUTED
                d.hedge = d.hedge or ep["dispute"][0][2]
            elif ep["hedge"]:
                # a claim keeps its claimant and gains the doubt; the outlet's
                # own statement becomes disputed
                d.hedge = d.hedge or ep["hedge"][0][2]
                if d.epistemic in (Epistemic.REPORTED, Epistemic.CONFIRMED):
                    d.epistemic = Epistemic.DISPUTED
        return out

    # ------------------------------------------------------------ finish --

    def _finish(
        self,
        article: Article,
        sents: Sequence[Sentence],
        named: Sequence[Mention],
        drafts: list[_Draft],
    ) -> list[Assertion]:
        text = article.text
        covered = {d.cand.place.key for d in drafts}
        for m in named:
            assert m.place is not None
            if m.place.key in covered:
                continue
            covered.add(m.place.key)
            sent = next((s for s in sents if s.start <= m.start < s.end), None)
            if sent is None:
                sent = Sentence(m.start, m.end, text[m.start : m.end])
            c = _Cand(m.start, m.end, m.place, m.precision, m.start, m.end)
            drafts.append(
                _Draft(c, Status.MENTIONED, Epistemic.REPORTED, None, None, None, sent, "")
            )
        out = [
            Assertion(
                place=d.cand.place,
                status=d.status,
                epistemic=d.epistemic,
                quote=text[d.sentence.start : d.sentence.end],
                start=d.sentence.start,
                end=d.sentence.end,
                source=article.source,
                doc_id=article.doc_id,
                date=article.date,
                claimant=d.claimant,
                hedge=d.hedge,
                outcome=d.outcome,
                precision=d.cand.precision,
                mention_start=d.cand.mention_start,
                mention_end=d.cand.mention_end,
                cue=d.cue or None,
                url=article.url,
                outlet=article.outlet,
            )
            for d in drafts
        ]
        out.sort(
            key=lambda a: (
                a.start,
                a.mention_start or 0,
                severity_rank(a.status),
                a.epistemic.value,
            )
        )
        return out


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _longest(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, str]] = []
    for s in spans:
        if not any(_overlaps(s[:2], k[:2]) for k in kept):
            kept.append(s)
    return sorted(kept)


def _clean_claimant(c: str) -> str | None:
    c = c.strip().strip("\"'“”‘’").strip()
    c = re.sub(r"^(?:and|but|as|while|so)\s+", "", c, flags=re.IGNORECASE)
    c = re.sub(r"\s+(?:on|in)\s+(?:a|an)\s+(?:statement|interview|briefing|post|video).*$", "", c)
    if not c or len(c.split()) > 12:
        return None
    if not re.search(r"[A-Za-z]", c):
        return None
    if c.lower() in {"it", "this", "that", "there", "which", "who"}:
        return None
    return c


def _is_speaker(text: str, c: _Cand, s0: int, s1: int) -> bool:
    """True when the place named at *c* is itself the speaker ("Ukraine said").

    A place elsewhere inside the claimant ("the governor of Sumy", "reporters
    who visited Bucha") is where the speaker is from, not an actor, so it stays
    a possible location.
    """
    if not (s0 <= c.start and c.end <= s1):
        return False
    head = text[s0:s1].strip()
    return (
        head == text[c.start : c.end]
        or re.sub(r"^the\s+", "", head, flags=re.I) == text[c.start : c.end]
    )


def _same_speaker(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    wa = {w.lower().strip("'’s") for w in _words(a) if w[:1].isupper()}
    wb = {w.lower().strip("'’s") for w in _words(b) if w[:1].isupper()}
    if wa & wb:
        return True
    # "the mayor" after "Mayor Vitali Klitschko"
    la, lb = a.lower(), b.lower()
    return la.startswith("the ") and la[4:] in lb


def _latest_year(text: str) -> int | None:
    """The latest year an undated article mentions: a stand-in for its own year.

    Without it, every "in 2022" of an undated article would read as history.
    """
    years = [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", text)]
    return max(years) if years else None


def _has_anaphor_word(text: str) -> bool:
    """True when *text* points at a place already named ("there", "the city")."""
    return bool(_ANAPHOR_WORD.search(text))


def _unique_cands(cands: list[_Cand]) -> list[_Cand]:
    seen: set[str] = set()
    out = []
    for c in cands:
        if c.place.key not in seen:
            seen.add(c.place.key)
            out.append(c)
    return out


def _dedupe(drafts: list[_Draft]) -> list[_Draft]:
    """One assertion per (place, status, epistemic, claimant) in a sentence; keep extra detail."""
    out: list[_Draft] = []
    for d in drafts:
        for o in out:
            if (
                o.cand.place.key == d.cand.place.key
                and o.status is d.status
                and o.epistemic is d.epistemic
                and o.claimant == d.claimant
                and o.sentence.start == d.sentence.start
            ):
                o.outcome = o.outcome or d.outcome
                o.hedge = o.hedge or d.hedge
                if d.cue and d.cue not in o.cue.split("; "):
                    o.cue = f"{o.cue}; {d.cue}" if o.cue else d.cue
                break
        else:
            out.append(d)
    return out


# --------------------------------------------------------------------------
# Module-level API
# --------------------------------------------------------------------------


def tag(
    article: Article,
    sentences: Sequence[Sentence],
    mentions: Sequence[Mention],
    *,
    tagger: StatusTagger | None = None,
) -> list[Assertion]:
    """Tag *article*: one or more assertions for every resolved place.

    Parameters
    ----------
    article : Article
    sentences : sequence of Sentence
    mentions : sequence of Mention
        Resolved mentions (unresolved ones are skipped).
    tagger : StatusTagger, optional
        Defaults to a :class:`RuleTagger` with the default rules.

    Returns
    -------
    list of Assertion
    """
    return (tagger or RuleTagger()).tag(article, sentences, mentions)


def aggregate(assertions: Iterable[Assertion]) -> list[PlaceReport]:
    """Group assertions by place and choose each place's headline.

    The headline follows :func:`sitmap.model.headline_of` (most severe, then
    best established, then most recent; a denial never headlines over a live
    assertion).  Every assertion is kept: a claim and its denial stay two.
    Places come out most severe headline first, then by name, so the order is
    deterministic.

    Parameters
    ----------
    assertions : iterable of Assertion

    Returns
    -------
    list of PlaceReport
    """
    groups: dict[str, list[Assertion]] = {}
    places: dict[str, Place] = {}
    for a in assertions:
        groups.setdefault(a.place.key, []).append(a)
        places.setdefault(a.place.key, a.place)
    reports = []
    for key, items in groups.items():
        kept = list(items)
        kept.sort(
            key=lambda a: (
                a.date.toordinal() if a.date else 0,
                a.doc_id,
                a.start,
                a.mention_start or 0,
                severity_rank(a.status),
                a.epistemic.value,
            )
        )
        head = headline_of(kept)
        precision = min(a.precision for a in kept)
        reports.append(PlaceReport(places[key], head, tuple(kept), precision=precision))
    reports.sort(key=lambda r: (r.headline.sort_key(), r.place.name, r.place.key))
    return reports
