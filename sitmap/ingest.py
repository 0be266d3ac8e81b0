"""Reading inputs into :class:`~sitmap.model.Article` records.

Supported inputs: plain text (``.txt`` and any other text file), Markdown
(``.md``), HTML (``.html``/``.htm``: the article text, not the navigation),
JSON Lines (``.jsonl``: one ``{"id","date","title","text","url","source"}``
object per line), directories (read recursively) and ``-`` (standard input).

Offsets everywhere in sitmap index ``Article.text``.  For text files that is
the file exactly as decoded (no newline translation), so the contract's
``text == article[start:end]`` holds against the file itself.  Markdown keeps
its length too: markup characters (emphasis, heading marks, link targets) are
blanked to spaces rather than removed.  HTML has no such correspondence: its
``Article.text`` is the extracted article body.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from .errors import DecodeError, InputError, InputNotFound, InputTooLarge
from .model import Article

#: Largest article accepted by default (bytes).  A news article is rarely more
#: than 100 kB; 20 MB leaves room for whole-site dumps while keeping a
#: runaway input (a log file, a video) from exhausting memory.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

#: Extensions read when walking a directory, by format.
TEXT_EXTS = frozenset({".txt", ".text"})
MARKDOWN_EXTS = frozenset({".md", ".markdown"})
HTML_EXTS = frozenset({".html", ".htm", ".xhtml"})
JSONL_EXTS = frozenset({".jsonl", ".ndjson"})
KNOWN_EXTS = TEXT_EXTS | MARKDOWN_EXTS | HTML_EXTS | JSONL_EXTS

_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)

ErrorHandler = Callable[[InputError], None]


def _raise(err: InputError) -> None:
    raise err


def read_articles(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    date: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_error: ErrorHandler | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Article]:
    """Yield the articles found in *inputs*, in order.

    Parameters
    ----------
    inputs : iterable of path-like
        Files, directories (walked recursively in sorted order) or ``"-"`` for
        standard input.
    date : datetime.date, optional
        Overrides every article's date (the CLI's ``--date``).
    max_bytes : int
        Largest accepted article (a file, or one JSON Lines record).
    on_error : callable, optional
        Called with an :class:`InputError` for a bad file or JSON Lines line,
        after which reading goes on.  Without it the first error is raised.
        A missing input path is always raised: it is a mistake in the
        command, not in the data.
    stdin : binary file, optional
        Where ``-`` reads from (default ``sys.stdin.buffer``).

    Raises
    ------
    InputNotFound
        An input path does not exist.
    InputError
        A directory holds no readable article, or a bad input when *on_error*
        is not given.
    """
    handle = on_error or _raise
    for raw in inputs:
        name = os.fspath(raw)
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            try:
                data = _read_limited(stream, max_bytes, "-")
                ext = ".jsonl" if _looks_like_jsonl(data) else ".txt"
                yield from _articles_from_bytes(data, "-", ext, date, max_bytes, handle)
            except InputError as err:
                handle(err)
            continue
        path = Path(name)
        if not path.exists():
            raise InputNotFound(f"{name}: no such file or directory")
        if path.is_dir():
            found = 0
            for file in _walk(path):
                source = str(file)
                try:
                    for article in _read_file(file, source, date, max_bytes, handle):
                        found += 1
                        yield article
                except InputError as err:
                    found += 1  # a bad file is still an article-shaped file
                    handle(err)
            if found == 0:
                raise InputError(
                    f"{name}: no articles found (looked for {', '.join(sorted(KNOWN_EXTS))})"
                )
            continue
        try:
            yield from _read_file(path, name, date, max_bytes, handle)
        except InputError as err:
            handle(err)


def _walk(directory: Path) -> Iterator[Path]:
    # Sorted so that a run is reproducible; hidden files and folders (.git,
    # editor swap files) are never articles.
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if f.startswith("."):
                continue
            p = Path(root, f)
            if p.suffix.lower() in KNOWN_EXTS:
                yield p


def _read_file(path: Path, source: str, date: dt.date | None, max_bytes: int,
               handle: ErrorHandler) -> Iterator[Article]:
    ext = path.suffix.lower()
    if ext in JSONL_EXTS:
        yield from _read_jsonl(path, source, date, max_bytes, handle)
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from exc
    if size > max_bytes:
        raise InputTooLarge(
            f"{source}: {_mb(size)} is over the {_mb(max_bytes)} article limit "
            f"(raise it with --max-bytes)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from exc
    yield from _articles_from_bytes(data, source, ext, date, max_bytes, handle)


def _read_limited(stream: BinaryIO, max_bytes: int, source: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputTooLarge(
            f"{source}: input is over the {_mb(max_bytes)} article limit (raise it with --max-bytes)"
        )
    return data


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _decode(data: bytes, source: str) -> str:
    # A NUL byte never occurs in text a person wrote; it marks a binary file
    # (image, PDF, archive) that UTF-8 decoding alone might let through.
    if b"\x00" in data[:8192]:
        raise DecodeError(f"{source}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"{source}: not UTF-8 text (invalid byte at offset {exc.start})"
        ) from exc


def _articles_from_bytes(data: bytes, source: str, ext: str, date: dt.date | None,
                         max_bytes: int, handle: ErrorHandler) -> Iterator[Article]:
    text = _decode(data, source)
    if ext in JSONL_EXTS:
        yield from _jsonl_lines(io.StringIO(text), source, date, max_bytes, handle)
        return
    if ext in HTML_EXTS or (ext not in TEXT_EXTS | MARKDOWN_EXTS and _looks_like_html(text)):
        yield _html_article(text, source, date)
        return
    if ext in MARKDOWN_EXTS:
        text = mask_markdown(text)
    yield article_from_text(text, source, date=date)


def _looks_like_jsonl(data: bytes) -> bool:
    """Standard input has no file name: treat it as JSON Lines when its first
    non-blank line is a JSON object with a ``text`` field."""
    for line in data[:1_000_000].splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith(b"{"):
            return False
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(record, dict) and "text" in record
    return False


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def article_from_text(text: str, source: str = "-", *, doc_id: str | None = None,
                      date: dt.date | None = None, title: str | None = None,
                      url: str | None = None, outlet: str | None = None) -> Article:
    """Make an :class:`Article` from text already in memory.

    A leading ``date YYYY-MM-DD`` marker sets the date unless *date* is given;
    the marker stays in the text so offsets still match the file.

    Raises
    ------
    InputError
        When the text is empty or only whitespace.
    """
    if not text.strip():
        raise InputError(f"{source}: empty article")
    if date is None:
        date = date_marker(text)
    return Article(doc_id=doc_id or source, source=source, text=text, date=date,
                   title=title, url=url, outlet=outlet)


def date_marker(text: str) -> dt.date | None:
    """The date of a leading ``date YYYY-MM-DD`` marker, or None."""
    m = _DATE_LINE.match(text)
    if not m:
        return None
    try:
        return dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None


def date_marker_end(text: str) -> int:
    """Offset just past a leading date marker (0 when there is none)."""
    m = _DATE_LINE.match(text)
    return m.end() if m else 0


# --- JSON Lines -------------------------------------------------------------

def _read_jsonl(path: Path, source: str, date: dt.date | None, max_bytes: int,
                handle: ErrorHandler) -> Iterator[Article]:
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
            if b"\x00" in head:
                raise DecodeError(f"{source}: binary file, not JSON Lines")
        # newline="" keeps "\r\n" inside records as written; line splitting
        # still happens on "\n", which is all JSON Lines allows.
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as fh:
            yield from _jsonl_lines(fh, source, date, max_bytes, handle)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{source}: not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from exc


def _jsonl_lines(lines: Iterable[str], source: str, date: dt.date | None, max_bytes: int,
                 handle: ErrorHandler) -> Iterator[Article]:
    count = 0
    seen_line = False
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        seen_line = True
        where = f"{source}:{lineno}"
        if len(line) > max_bytes:
            handle(InputTooLarge(f"{where}: record over the {_mb(max_bytes)} article limit "
                                 f"(raise it with --max-bytes)"))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            handle(InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        try:
            article = _article_from_record(record, source, where, date)
        except InputError as err:
            handle(err)
            continue
        count += 1
        yield article
    if not seen_line:
        raise InputError(f"{source}: empty JSON Lines file")


def _article_from_record(record: Any, source: str, where: str, date: dt.date | None) -> Article:
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: missing or empty \"text\"")
    rec_date = date
    if rec_date is None and record.get("date"):
        rec_date = _parse_date(str(record["date"]), where)
    doc_id = record.get("id")
    return article_from_text(
        text, source,
        doc_id=str(doc_id) if doc_id not in (None, "") else f"{source}:{where.rsplit(':', 1)[1]}",
        date=rec_date,
        title=_opt_str(record.get("title")),
        url=_opt_str(record.get("url")),
        outlet=_opt_str(record.get("source")),
    )


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _parse_date(value: str, where: str) -> dt.date:
    # Feeds and CMS exports carry full timestamps; the article date is the
    # calendar day as written (no time-zone conversion: we have no reader's
    # zone to convert to).
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise InputError(f"{where}: invalid date {value!r} (expected YYYY-MM-DD)") from exc


# --- Markdown ---------------------------------------------------------------

_MD_PATTERNS = [
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),             # images: drop entirely
    re.compile(r"(?<=\])\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets after [text]
    re.compile(r"^\s{0,3}#{1,6}(?=\s)", re.M),       # heading marks
    re.compile(r"^\s{0,3}>+", re.M),                 # blockquote marks
    re.compile(r"^\s*(?:[-*+]|\d+[.)])(?=\s)", re.M),  # list bullets
    re.compile(r"^\s*(?:```|~~~).*$", re.M),         # code fences
    re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.M),  # rules
    re.compile(r"^\[[^\]]+\]:\s*\S+.*$", re.M),      # reference definitions
    re.compile(r"<[^>\n]+>"),                        # inline HTML / autolinks
    re.compile(r"[*_`~]+|[\[\]]"),                   # emphasis, code, link brackets
]


def mask_markdown(text: str) -> str:
    """Blank Markdown markup to spaces, keeping every other character in place.

    Replacing rather than deleting keeps offsets into the result equal to
    offsets into the file, and keeps link targets and image names (which
    often hold place-like words in URLs) out of place recognition.
    """
    chars = list(text)
    for pat in _MD_PATTERNS:
        for m in pat.finditer(text):
            for i in range(m.start(), m.end()):
                if chars[i] not in "\n\r":
                    chars[i] = " "
    return "".join(chars)


# --- HTML -------------------------------------------------------------------

def _html_article(html: str, source: str, date: dt.date | None) -> Article:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    body = trafilatura.extract(html, include_comments=False, include_tables=False,
                               favor_recall=True, with_metadata=False)
    meta = trafilatura.extract_metadata(html)
    if not body or not body.strip():
        body = _html_fallback_text(html)
    if not body.strip():
        raise InputError(f"{source}: no article text found in the HTML")
    title = getattr(meta, "title", None) if meta else None
    url = getattr(meta, "url", None) if meta else None
    if date is None and meta is not None and getattr(meta, "date", None):
        try:
            date = dt.date.fromisoformat(str(meta.date)[:10])
        except ValueError:
            date = None
    return article_from_text(body, source, date=date, title=title, url=url,
                             outlet=getattr(meta, "sitename", None) if meta else None)


def _html_fallback_text(html: str) -> str:
    # trafilatura declines very short pages (a single paragraph); take the
    # visible paragraphs ourselves, still leaving navigation and scripts out.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [el.get_text(" ", strip=True)
              for el in root.find_all(["h1", "h2", "h3", "p", "li", "blockquote", "figcaption"])]
    return "\n\n".join(b for b in blocks if b)


# --- the built-in example ---------------------------------------------------

EXAMPLE_NAME = "example-report.txt"


def example_text() -> str:
    """The text of the built-in example situation report."""
    return resources.files("sitmap.data").joinpath(EXAMPLE_NAME).read_text(encoding="utf-8")


def example_article() -> Article:
    """The built-in example report as an :class:`Article` (source ``example:...``)."""
    return article_from_text(example_text(), f"example:{EXAMPLE_NAME}",
                             title="sitmap example situation report", outlet="sitmap example")
