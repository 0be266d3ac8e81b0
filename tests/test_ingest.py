"""Reading inputs: formats, dates, offsets, and every kind of bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from sitmap.errors import DecodeError, InputError, InputNotFound, InputTooLarge
from sitmap.ingest import (
    article_from_text,
    example_article,
    mask_markdown,
    read_articles,
)


def read(*inputs: object, **kw: object) -> list:
    return list(read_articles([str(i) for i in inputs], **kw))  # type: ignore[arg-type]


def test_text_file_keeps_exact_text_and_date_marker(tmp_path: Path) -> None:
    raw = "date 2022-03-05\r\nShelling hit Chernihiv.\r\n"
    p = tmp_path / "a.txt"
    p.write_bytes(raw.encode("utf-8"))
    [a] = read(p)
    assert a.text == raw  # no newline translation: offsets are file offsets
    assert a.date == dt.date(2022, 3, 5)
    assert a.source == a.doc_id == str(p)


def test_date_option_overrides_marker(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("date 2022-03-05 Text about Sumy.", encoding="utf-8")
    [a] = read(p, date=dt.date(2023, 1, 2))
    assert a.date == dt.date(2023, 1, 2)


def test_markdown_markup_is_blanked_in_place(tmp_path: Path) -> None:
    md = "# Kyiv update\n\n**Shelling** hit [Irpin](https://example.org/irpin) today.\n"
    masked = mask_markdown(md)
    assert len(masked) == len(md)
    assert "#" not in masked and "*" not in masked and "example.org" not in masked
    i = md.index("Irpin")
    assert masked[i:i + 5] == "Irpin"
    p = tmp_path / "a.md"
    p.write_text(md, encoding="utf-8")
    [a] = read(p)
    assert a.text == masked


def test_html_takes_article_not_navigation(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>Port under siege</title>
    <link rel="canonical" href="https://news.example/port"></head><body>
    <nav><a href="/">Home</a> <a href="/paris">Paris desk</a> <a href="/lagos">Lagos desk</a></nav>
    <article><h1>Port under siege</h1>
    <p>The port city of Berdyansk was encircled on Monday, local officials said, and
    residents reported shortages of food and water across the city.</p>
    <p>Further west, convoys left Zaporizhzhia for the front as fighting continued
    through the night along the main road.</p></article>
    <footer>Copyright Example News, Madrid office</footer></body></html>"""
    p = tmp_path / "page.html"
    p.write_text(html, encoding="utf-8")
    [a] = read(p)
    assert "Berdyansk" in a.text and "Zaporizhzhia" in a.text
    assert "Paris desk" not in a.text and "Madrid" not in a.text
    assert a.title == "Port under siege"


def test_jsonl_records_and_bad_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "date": "2022-03-01T09:00:00Z", "title": "T1",
                    "text": "Fighting near Izium.", "url": "https://x.example/1", "source": "Wire"}),
        "{not json",
        json.dumps({"id": "a3", "text": ""}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "a6", "text": "Talks in Istanbul.", "date": "2022-03-29"}),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors: list[InputError] = []
    arts = read(p, on_error=errors.append)
    assert [a.doc_id for a in arts] == ["a1", "a6"]
    assert arts[0].date == dt.date(2022, 3, 1) and arts[0].outlet == "Wire"
    assert arts[0].url == "https://x.example/1" and arts[0].source == str(p)
    assert [str(e).split(": ")[0] for e in errors] == [f"{p}:2", f"{p}:3", f"{p}:4"]
    with pytest.raises(InputError, match=":2: invalid JSON"):
        read(p)


def test_directory_is_walked_recursively_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.md").write_text("Second about Lviv.", encoding="utf-8")
    (tmp_path / "one.txt").write_text("First about Lutsk.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_text("Hidden about Rivne.", encoding="utf-8")
    arts = read(tmp_path)
    assert [a.source for a in arts] == [str(tmp_path / "one.txt"), str(tmp_path / "b" / "two.md")]


def test_stdin() -> None:
    [a] = read("-", stdin=io.BytesIO(b"date 2022-03-02\nKherson news."))
    assert a.source == "-" and a.date == dt.date(2022, 3, 2)


def test_missing_path() -> None:
    with pytest.raises(InputNotFound, match="no such file"):
        read("/nonexistent/article.txt")


def test_directory_without_articles(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="no articles found"):
        read(tmp_path)


def test_binary_and_undecodable_and_empty(tmp_path: Path) -> None:
    b = tmp_path / "b.txt"
    b.write_bytes(b"GIF89a\x00\x01\x02")
    with pytest.raises(DecodeError, match="binary"):
        read(b)
    latin = tmp_path / "l.txt"
    latin.write_bytes("Kharkiv caf\xe9".encode("latin-1"))
    with pytest.raises(DecodeError, match="not UTF-8"):
        read(latin)
    e = tmp_path / "e.txt"
    e.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read(e)


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # a sparse 100 MB file: refused by size, never read
        fh.truncate(100 * 1024 * 1024)
    with pytest.raises(InputTooLarge, match=r"100\.0 MB.*--max-bytes"):
        read(big)
    with pytest.raises(InputTooLarge, match="--max-bytes"):
        read("-", stdin=io.BytesIO(b"x" * 2000), max_bytes=1000)


def test_article_from_text_and_example() -> None:
    with pytest.raises(InputError):
        article_from_text("   ")
    ex = example_article()
    assert ex.date == dt.date(2022, 3, 10)
    assert "Mykolaiv" in ex.text and ex.source.startswith("example:")


def test_stdin_json_lines_is_recognised() -> None:
    feed = (json.dumps({"id": "w1", "date": "2022-03-07", "text": "Shelling hit Irpin."}) + "\n"
            + json.dumps({"id": "w2", "text": "Talks in Istanbul."}) + "\n").encode()
    arts = read("-", stdin=io.BytesIO(feed))
    assert [a.doc_id for a in arts] == ["w1", "w2"]
    assert arts[0].text == "Shelling hit Irpin." and arts[0].date == dt.date(2022, 3, 7)
    # A text that merely starts with a brace is still text.
    [a] = read("-", stdin=io.BytesIO(b"{Editor's note} Fighting near Sumy."))
    assert a.text.startswith("{Editor")
