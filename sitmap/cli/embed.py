"""``sitmap embed``: a map to paste into a report page."""

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


def _aspect(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        w, h = (int(x) for x in value.split(":"))
    except ValueError:
        raise click.BadParameter("use WIDTH:HEIGHT, e.g. 16:9") from None
    if w <= 0 or h <= 0:
        raise click.BadParameter("both sides must be positive")
    return w, h


@click.command(name="embed")
@input_options
@gazetteer_options
@map_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the HTML fragment.")
@click.option("--iframe", is_flag=True,
              help="An <iframe> on a standalone map file instead of an inline map.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --iframe: where to write the standalone map "
                   "(default: OUTPUT's name with .map.html, beside it).")
@click.option("--src", default=None,
              help="With --iframe: the URL of a map already published; nothing else is written.")
@click.option("--id", "prefix", default=None,
              help="Namespace for the fragment's ids and CSS (default: derived from the data). "
                   "Give one when the same map appears twice on a page.")
@click.option("--aspect", callback=_aspect, default=None, metavar="W:H",
              help="Aspect ratio of the map; it keeps it at any width. [default: 3:2]")
@click.option("--height", default=None, help="A fixed CSS height instead (480px, 60vh).")
@click.option("--image", default=None,
              help="URL of a snapshot to show where scripts are off (see 'sitmap snapshot').")
def cli(spec: InputSpec, gaz: GazetteerSpec, mapspec: MapSpec, output: Path, iframe: bool,
        map_path: Path | None, src: str | None, prefix: str | None,
        aspect: tuple[int, int] | None, height: str | None, image: str | None) -> None:
    """Write an HTML fragment that shows the map of INPUT inside another page.

    The fragment is self-contained (no other file needed, works offline),
    resizes with its container, and namespaces every id and style, so several
    maps can share a page.  Its caption is the plain-language summary, which
    is also the map's accessible description.  With --iframe, the fragment is
    an <iframe> on a standalone map written beside it.  Prints the path of the
    fragment (and of the map, with --iframe).
    """
    from ..embed import check_prefix, write_embed
    from ..errors import RenderError

    if prefix is not None:
        try:
            check_prefix(prefix)
        except RenderError as exc:
            raise click.BadParameter(str(exc), param_hint="'--id'") from None
    if not iframe and (map_path is not None or src is not None):
        raise click.UsageError("--map and --src need --iframe")
    if map_path is not None and src is not None:
        raise click.UsageError("give --map or --src, not both")
    result = run_pipeline(spec, gaz)
    kwargs = mapspec.render_kwargs(result.articles)
    path = write_embed(result.reports, output, iframe=iframe, map_path=map_path, src=src,
                       prefix=prefix, aspect=aspect, height=height, image=image, **kwargs)
    click.echo(str(path))
    if iframe and src is None:
        click.echo(str(map_path or path.with_name(f"{path.stem}.map.html")))
