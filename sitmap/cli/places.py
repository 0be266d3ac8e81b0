"""``sitmap places``: one record per place with its headline and all assertions."""

from __future__ import annotations

import json
import sys

import click

from .options import (
    GazetteerSpec,
    InputSpec,
    format_option,
    gazetteer_options,
    input_options,
    run_pipeline,
)


@click.command(name="places")
@input_options
@gazetteer_options
@format_option("json")
def cli(spec: InputSpec, gaz: GazetteerSpec, fmt: str) -> None:
    """Print every place in INPUT with its headline status and assertions.

    The output is one JSON array; each place carries its headline (status,
    epistemic, claimant, hedge, outcome) and every assertion behind it with
    its quote, source and date.  With no INPUT, reads the built-in example.
    """
    result = run_pipeline(spec, gaz)
    out = sys.stdout
    json.dump([r.to_dict() for r in result.reports], out, ensure_ascii=False, indent=1)
    out.write("\n")
    out.flush()
