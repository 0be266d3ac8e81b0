"""Sentence splitting: offsets, abbreviations, quotes, paragraphs and wrapped lines."""

from __future__ import annotations

from sitmap.sentences import split_sentences


def texts(t: str) -> list[str]:
    out = split_sentences(t)
    for s in out:
        assert t[s.start:s.end] == s.text
    return [s.text for s in out]


def test_basic_split_and_offsets() -> None:
    t = "Odesa was quiet. Shelling hit Kherson overnight! Was Sumy spared? Yes."
    assert texts(t) == ["Odesa was quiet.", "Shelling hit Kherson overnight!",
                        "Was Sumy spared?", "Yes."]


def test_abbreviations_and_initials_do_not_split() -> None:
    t = "Gen. Valeriy Zaluzhnyi met U.S. officials in Rzeszow. J. Smith of the U.N. agreed."
    assert texts(t) == ["Gen. Valeriy Zaluzhnyi met U.S. officials in Rzeszow.",
                        "J. Smith of the U.N. agreed."]


def test_decimal_numbers_and_lowercase_continuations() -> None:
    t = "About 1.5 million people live there. e.g. not a break. Next one."
    # "e.g." is an abbreviation; a full stop followed by lower case never splits
    assert texts(t) == ["About 1.5 million people live there. e.g. not a break.", "Next one."]


def test_closing_quotes_stay_with_their_sentence() -> None:
    t = '"We will hold the city," the mayor said. "Nobody is leaving."'
    assert texts(t) == ['"We will hold the city," the mayor said.', '"Nobody is leaving."']


def test_paragraphs_are_numbered() -> None:
    t = "First paragraph here.\n\nSecond paragraph. Still second.\n\n\nThird."
    out = split_sentences(t)
    assert [s.paragraph for s in out] == [0, 1, 1, 2]


def test_hard_wrapped_lines_stay_together_but_headings_split() -> None:
    t = ("Kharkiv under fire\nResidents of the city said the shelling\nlasted all night.\n"
         "Officials counted the damage.")
    assert texts(t) == ["Kharkiv under fire", "Residents of the city said the shelling\nlasted all night.",
                        "Officials counted the damage."]


def test_date_marker_is_skipped_and_crlf_kept() -> None:
    t = "date 2022-03-03 The latest:\r\n\r\nTroops massed near Sumy.\r\nTalks stalled."
    out = split_sentences(t)
    assert [s.text for s in out] == ["The latest:", "Troops massed near Sumy.", "Talks stalled."]
    assert all(t[s.start:s.end] == s.text for s in out)


def test_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n\n ") == []
