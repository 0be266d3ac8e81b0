"""``sitmap export``: the places and assertions as GIS data."""

from __future__ import annotations

from pathlib import Path

import click

from .options import GazetteerSpec, InputSpec, gazetteer_options, input_options, run_pipeline


@click.command(name="export")
@input_options
@gazetteer_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output file; its extension picks the format: .geojson, .gpkg, .parquet, .csv.")
@click.option("--per", type=click.Choice(["place", "assertion"]), default="place",
              show_default=True,
              help="One row per place (headline plus every assertion as JSON) or per assertion.")
def cli(spec: InputSpec, gaz: GazetteerSpec, output: Path, per: str) -> None:
    """Export the places in INPUT as GIS data for QGIS, ArcGIS, pandas or DuckDB.

    Every field of every place and assertion is kept; points are WGS84
    longitude/latitude.  GeoJSON follows RFC 7946, CSV carries the geometry as
    WKT in a ``geometry`` column.  With no INPUT, exports the built-in example.
    Prints the path written.
    """
    from ..errors import RenderError
    from ..export import export, format_for

    try:
        format_for(output)  # a wrong extension is a usage mistake: say so before the slow part
    except RenderError as exc:
        raise click.BadParameter(str(exc), param_hint="'-o' / '--output'") from None
    result = run_pipeline(spec, gaz)
    path = export(result.reports, output, per="place" if per == "place" else "assertion")
    click.echo(str(path))
