"""``sitmap summary``: the situation in plain words, for captions and alt text."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    GazetteerSpec,
    InputSpec,
    format_option,
    gazetteer_options,
    input_options,
    run_pipeline,
)


@click.command(name="summary")
@input_options
@gazetteer_options
@format_option("text", "markdown", "html")
@click.option("--title", default=None, help="A heading above the summary.")
@click.option("--max-places", type=click.IntRange(min=1), default=None,
              help="Name at most this many places and count the rest (short alt text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def cli(spec: InputSpec, gaz: GazetteerSpec, fmt: str, title: str | None,
        max_places: int | None, output: Path | None) -> None:
    """Describe the places in INPUT in plain language.

    One paragraph of text (for alt text and screen readers), or a Markdown or
    HTML list to paste into a report as a caption.  Claims are named as claims
    with who makes them, and doubt is kept.  With no INPUT, describes the
    built-in example.
    """
    from ..publish import atomic_write
    from ..summary import summarize

    result = run_pipeline(spec, gaz)
    text = summarize(result.reports, fmt=fmt, title=title,  # type: ignore[arg-type]
                     max_places=max_places) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(str(atomic_write(output, text)))
