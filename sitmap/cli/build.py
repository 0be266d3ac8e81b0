"""``sitmap build``: articles in, one standalone situation map out."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    GazetteerSpec,
    InputSpec,
    MapSpec,
    gazetteer_options,
    input_options,
    map_options,
    run_pipeline,
)

DEFAULT_OUTPUT = Path("outputs") / "map.html"


@click.command(name="build")
@input_options
@gazetteer_options
@map_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT, show_default=True, help="Where to write the map.")
def cli(spec: InputSpec, gaz: GazetteerSpec, mapspec: MapSpec, output: Path) -> None:
    """Build a situation map from INPUT (files, directories, or - for stdin).

    With no INPUT, maps the built-in example report.  The map is one HTML file
    that works offline; it replaces OUTPUT only once it is completely written.
    Prints the path of the map.
    """
    result = run_pipeline(spec, gaz)
    from ..render import write_map

    path = write_map(result.reports, output, **mapspec.render_kwargs(result.articles))
    click.echo(str(path))
