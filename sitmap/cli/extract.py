"""``sitmap extract``: every place mention, in text order, as JSON Lines."""

from __future__ import annotations

import json
import sys

import click

from .options import GazetteerSpec, InputSpec, format_option, gazetteer_options, input_options


@click.command(name="extract")
@input_options
@gazetteer_options
@format_option("jsonl")
def cli(spec: InputSpec, gaz: GazetteerSpec, fmt: str) -> None:
    """Print every place mention in INPUT, one JSON object per line.

    Each line gives the mention's exact character offsets into the article
    text, the resolved place (name, lat, lon, country, kind, geonameid) and
    its precision; unresolved mentions carry null coordinates.  With no
    INPUT, reads the built-in example.
    """
    articles, _errors = spec.read()
    from ..pipeline import locate

    gazetteer = gaz.open()
    out = sys.stdout
    for article in articles:
        _sentences, mentions = locate(article, gazetteer, online=gaz.online)
        for m in mentions:
            out.write(json.dumps(m.to_dict(), ensure_ascii=False) + "\n")
    out.flush()
