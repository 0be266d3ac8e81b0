"""``sitmap snapshot``: a static picture of the map, PNG or PDF."""

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


def _center(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = (float(x) for x in value.split(","))
    except ValueError:
        raise click.BadParameter("use LAT,LON, e.g. 48.5,32.0") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("latitude must be within ±90 and longitude within ±180")
    return lat, lon


@click.command(name="snapshot")
@input_options
@gazetteer_options
@map_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The picture to write: .png or .pdf.")
@click.option("--width", type=click.IntRange(100, 10_000), default=1200, show_default=True,
              help="Width in CSS pixels.")
@click.option("--height", type=click.IntRange(100, 10_000), default=800, show_default=True,
              help="Height in CSS pixels.")
@click.option("--scale", type=click.FloatRange(0.25, 4), default=1.0, show_default=True,
              help="Pixel density of the PNG (2 for print).")
@click.option("--zoom", type=click.IntRange(0, 19), default=None,
              help="Map zoom level (default: the theatre, as the map opens).")
@click.option("--center", callback=_center, default=None, metavar="LAT,LON",
              help="Map centre (default: as the map opens).")
@click.option("--tiles", "allow_network", is_flag=True,
              help="Let the browser fetch online map tiles (off: only the offline outlines, "
                   "nothing leaves the machine).")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30.0, show_default=True,
              help="Seconds to wait for the map to finish drawing.")
def cli(spec: InputSpec, gaz: GazetteerSpec, mapspec: MapSpec, output: Path, width: int,
        height: int, scale: float, zoom: int | None, center: tuple[float, float] | None,
        allow_network: bool, timeout: float) -> None:
    """Write a PNG or PDF picture of the map of INPUT, for print and PDF reports.

    Uses the system's headless Chromium (never downloads one) and waits until
    the map has finished drawing.  Without --tiles no request leaves the
    machine.  The PNG carries the plain-language summary as its description
    (alt text); 'sitmap summary' prints the same words for a caption.  Prints
    the path written.
    """
    from ..errors import RenderError
    from ..snapshot import SnapshotOptions, format_for, snapshot

    try:
        format_for(output)  # a wrong extension is a usage mistake: say so before the slow part
    except RenderError as exc:
        raise click.BadParameter(str(exc), param_hint="'-o' / '--output'") from None
    options = SnapshotOptions(width=width, height=height, scale=scale, zoom=zoom, center=center,
                              allow_network=allow_network, timeout_ms=int(timeout * 1000))
    result = run_pipeline(spec, gaz)
    path = snapshot(result.reports, output, render_kwargs=mapspec.render_kwargs(result.articles),
                    options=options)
    click.echo(str(path))
