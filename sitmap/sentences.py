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
#: the characters of an abbreviation or initial before a full stop ("U.S", "Gen")
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


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
    for line_start, line_end in _line_groups(text, start, end):
        s = line_start
        for m in _BOUNDARY.finditer(text, line_start, line_end):
            if _is_boundary(text, s, m.start(), m.end(), line_end):
                _emit(text, s, m.end(), para, out)
                s = m.end()
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
        following = text[nxt[0]:nxt[1]].lstrip()
        ends_sentence = line.endswith((".", "!", "?", ":", "…", '"', "”", "'", "’"))
        heading = (0 < len(line) < 60 and not line.endswith((",", ";", "-", "—"))
                   and following[:1].isupper())
        if ends_sentence or heading or not line:
            groups.append((g_start, b))
            g_start = nxt[0]
    return groups


def _is_boundary(text: str, sent_start: int, p_start: int, p_end: int, limit: int) -> bool:
    nxt = _NEXT_START.match(text, p_end, limit)
    if nxt is None:
        # Followed by lower case or the end of the line: not a break, unless
        # it is "?" / "!" (questions in quotes often continue in lower case
        # and are not a reason to split).
        return False
    mark = text[p_start]
    if mark in "!?…":
        return True
    word = _word_before(text, sent_start, p_start)
    if word.lower() in ABBREVIATIONS:
        return False
    # An initial ("J. Smith") or an acronym with dots ("U.S."): a single
    # capital letter before the dot.
    if len(word) == 1 and word.isupper():
        return False
    # A number with a decimal point never reaches here (no space after the
    # dot); "No. 5" is handled by the abbreviation list.
    return True


def _word_before(text: str, start: int, dot: int) -> str:
    """The word a full stop at *dot* ends ("Gen", "U.S"), or "" when there is none.

    The word is the run of letters and dots before the full stop (not
    before *start*), from its first letter, without final dots.  Walking
    back over a few characters is much cheaper than a regular expression
    searching the sentence for the run's start.
    """
    i = dot
    while i > start and text[i - 1] in _WORD_CHARS:
        i -= 1
    while i < dot and text[i] == ".":
        i += 1
    return text[i : dot + 1].rstrip(".")


def _emit(text: str, start: int, end: int, para: int, out: list[Sentence]) -> None:
    span = text[start:end]
    # str.strip() strips exactly the characters str.isspace() accepts
    body = span.strip()
    if body:
        start += len(span) - len(span.lstrip())
        out.append(Sentence(start=start, end=start + len(body), text=body, paragraph=para))
