"""Splitting article text into sentences with exact offsets.

News text breaks sentences at ``.``, ``!`` and ``?`` followed by space and a
capital, digit or opening quote, except after abbreviations ("Gen.", "U.S.",
"Jan.") and initials ("J. Smith").  Blank lines end a paragraph; a single line
break ends a sentence when the line before it is a heading or ends in
punctuation, so hard-wrapped paragraphs stay whole.  Each sentence is trimmed
of surrounding white space but keeps its offsets into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .ingest import date_marker_end
from .model import Sentence

#: Abbreviations after which a full stop does not end a sentence (lower case,
#: without the final dot).  Titles and months are the ones news uses most.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl pvt gov sen rep pres
    rev hon st mt ft jr sr no nos vs etc approx est inc ltd corp co dept univ
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    a.m p.m u.s u.k u.n e.u i.e e.g al fig vol
    """.split()
)

# A candidate boundary: terminal punctuation, optional closing quotes or
# brackets, then white space.  Whether it really ends the sentence is decided
# by looking at the word before and the character after.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_NEXT_START = re.compile(r"\s+([\"'“‘(\[]?)([A-Z0-9À-ÖØ-ÞА-ЯЁІЇЄҐ])")
#: a candidate boundary followed by what ``_NEXT_START`` matches: the splitter
#: finds these at once instead of testing each candidate after it (a
#: candidate followed by lower case has no shorter match inside it either)
_BREAK = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-ÞА-ЯЁІЇЄҐ])")
#: the characters of an abbreviation or initial before a full stop ("U.S", "Gen")
_WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."


def split_sentences(text: str) -> list[Sentence]:
    """Split *text* into sentences.

    Parameters
    ----------
    text : str
        The article text.  A leading ``date YYYY-MM-DD`` marker is skipped.

    Returns
    -------
    list of Sentence
        In text order, non-overlapping, each with ``text == text[start:end]``.
    """
    out: list[Sentence] = []
    pos = date_marker_end(text)
    para = 0
    for pm in _PARAGRAPH.finditer(text, pos):
        _split_block(text, pos, pm.start(), para, out)
        pos = pm.end()
        para += 1
    _split_block(text, pos, len(text), para, out)
    return out


def _split_block(text: str, start: int, end: int, para: int, out: list[Sentence]) -> None:
    # A block without a line break is one run of lines; most paragraphs of
    # news text are (no list of lines to build).
    if text.find("\n", start, end) == -1:
        groups: Iterable[tuple[int, int]] = ((start, end),) if start < end else ()
    else:
        groups = _line_groups(text, start, end)
    # the boundary test and _emit are written out: this loop runs once per
    # sentence of every article, and a call costs as much as the work it does
    for line_start, line_end in groups:
        s = line_start
        # Only candidates followed by a capital, digit or opening quote on
        # the same line are breaks (questions in quotes often continue in
        # lower case); the line's end bounds the look-ahead.
        for m in _BREAK.finditer(text, line_start, line_end):
            p_start, p_end = m.span()
            # "!", "?" and "…" always end a sentence here; a full stop not
            # after an abbreviation, an initial ("J. Smith") or an acronym
            # with dots ("U.S."), which is a single capital before the dot.
            # A number with a decimal point never reaches here (no space
            # after the dot); "No. 5" is handled by the abbreviation list.
            if text[p_start] == ".":
                word = _word_before(text, s, p_start)
                if word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                    continue
            span = text[s:p_end]
            body = span.strip()
            if body:
                # str.strip() strips exactly the characters str.isspace() accepts
                b_start = s + len(span) - len(span.lstrip()) if text[s].isspace() else s
                out.append(_new_sentence(b_start, b_start + len(body), body, para))
            s = p_end
        _emit(text, s, line_end, para, out)


def _line_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Group the lines of one paragraph into runs that belong together.

    A line break ends a run when the line before ends in sentence punctuation
    or a colon, or looks like a heading (short, no final punctuation, and the
    next line starts with a capital).  Hard-wrapped prose lines run on.
    """
    groups: list[tuple[int, int]] = []
    lines: list[tuple[int, int]] = []
    i = start
    while i < end:
        j = text.find("\n", i, end)
        if j == -1:
            j = end
        lines.append((i, j))
        i = j + 1
    if not lines:
        return groups
    g_start = lines[0][0]
    for (a, b), nxt in zip(lines, [*lines[1:], None], strict=True):
        if nxt is None:
            groups.append((g_start, b))
            break
        line = text[a:b].rstrip()
        following = text[nxt[0] : nxt[1]].lstrip()
        ends_sentence = line.endswith((".", "!", "?", ":", "…", '"', "”", "'", "’"))
        heading = (
            0 < len(line) < 60
            and not line.endswith((",", ";", "-", "—"))
            and following[:1].isupper()
        )
        if ends_sentence or heading or not line:
            groups.append((g_start, b))
            g_start = nxt[0]
    return groups


def _word_before(text: str, start: int, dot: int) -> str:
    """The word a full stop at *dot* ends ("Gen", "U.S"), or "" when there is none.

    The word is the run of letters and dots before the full stop (not
    before *start*), from its first letter, without final dots.  Stripping
    the run's characters off the end of the sentence so far finds where it
    starts in C, which is much cheaper than walking back a character at a
    time or a regular expression searching the sentence for it.
    """
    before = text[start:dot]
    return before[len(before.rstrip(_WORD_CHARS)) :].strip(".")


def _emit(text: str, start: int, end: int, para: int, out: list[Sentence]) -> None:
    span = text[start:end]
    # str.strip() strips exactly the characters str.isspace() accepts
    body = span.strip()
    if body:
        start += len(span) - len(span.lstrip())
        out.append(_new_sentence(start, start + len(body), body, para))


def _new_sentence(start: int, end: int, text: str, paragraph: int) -> Sentence:
    """``Sentence(start, end, text, paragraph)``, made faster.

    The frozen class's ``__init__`` sets each field through
    ``object.__setattr__``; filling the new instance's ``__dict__`` at once
    gives an equal object in about half the time, and every sentence of
    every article is made here (a test checks the two agree; ``Sentence``
    has no ``__post_init__`` to skip).  The fields go in their declared order.
    """
    new = object.__new__(Sentence)
    new.__dict__.update({"start": start, "end": end, "text": text, "paragraph": paragraph})
    return new
