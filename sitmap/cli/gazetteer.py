"""``sitmap gazetteer``: build the offline gazetteer, look names up, add your own places."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import GazetteerError
from ..model import Kind

_KINDS = [k.value for k in Kind]


def _path_option(f: Any) -> Any:
    return click.option("--gazetteer", "path", type=click.Path(dir_okay=False), default=None,
                        envvar="SITMAP_GAZETTEER", show_envvar=True,
                        help="Gazetteer cache file to use instead of the default location.")(f)


class LatLon(click.ParamType):
    name = "LAT,LON"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        try:
            lat, lon = (float(x) for x in str(value).split(","))
        except ValueError:
            self.fail(f"{value!r} is not LAT,LON (e.g. 50.45,30.52)", param, ctx)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.fail(f"{value!r} is outside -90..90, -180..180", param, ctx)
        return lat, lon


@click.group(name="gazetteer")
def cli() -> None:
    """Build, query and extend the offline gazetteer."""


@cli.command(name="build")
@_path_option
def build_cmd(path: str | None) -> None:
    """Build (or rebuild) the gazetteer cache from the bundled offline sources.

    Runs automatically on first use; run it by hand after upgrading sitmap or
    when a cache is reported corrupt.  Your own entries (``gazetteer add``)
    live in a separate file beside the cache and survive the rebuild.
    """
    from ..gazetteer import build, resolve_path

    target = resolve_path(path)
    stats = build(target)
    click.echo(f"{target}: {stats['places']:,} places, {stats['keys']:,} names, "
               f"{stats['bytes'] / 1e6:.1f} MB in {stats['seconds']:.1f} s")


@cli.command(name="lookup")
@click.argument("name")
@click.option("--country", metavar="CC", default=None,
              help="ISO 3166-1 alpha-2 code of the country the place is likely in.")
@click.option("--near", type=LatLon(), default=None,
              help="Prefer places near this point, given as LAT,LON.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="Most candidates to print.")
@click.option("--online", is_flag=True,
              help="Ask the online geocoder when the offline gazetteer knows no such name.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@_path_option
def lookup_cmd(name: str, country: str | None, near: tuple[float, float] | None, limit: int,
               online: bool, fmt: str, path: str | None) -> None:
    """Print ranked gazetteer candidates for NAME, best first, with score and reasons."""
    from ..gazetteer import Gazetteer

    if not name.strip():
        raise click.BadParameter("a place name is needed", param_hint="NAME")
    gaz = Gazetteer.open(path, online=True if online else None)
    found = gaz.lookup(name, country=country, near=near, limit=limit)
    if not found and online:
        found = gaz.lookup_online(name, country=country)[:limit]
    if fmt == "json":
        records = []
        for c in found:
            d: dict[str, Any] = c.place.to_dict()
            d.update(admin1=c.place.admin1, population=c.place.population,
                     score=c.score, reasons=list(c.reasons), matched=c.matched)
            if c.place.geometry is not None:  # borders carry their line
                d["geometry"] = c.place.geometry
            records.append(d)
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
        return
    if not found:
        click.echo(f"no place named {name!r}", err=True)
        return
    for i, c in enumerate(found, 1):
        p = c.place
        where = ", ".join(x for x in (p.admin1, p.country) if x)
        click.echo(f"{i:>2}. {p.name} ({p.kind.value}{', ' + where if where else ''}) "
                   f"{p.lat:.4f},{p.lon:.4f}  score {c.score:.2f}  [{'; '.join(c.reasons)}]")


@cli.command(name="add", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("lat", type=click.FloatRange(-90, 90))
@click.argument("lon", type=click.FloatRange(-180, 180))
@click.option("--kind", type=click.Choice(_KINDS), default="city", show_default=True,
              help="What sort of place it is.")
@click.option("--country", metavar="CC", default=None, help="ISO 3166-1 alpha-2 country code.")
@_path_option
def add_cmd(name: str, lat: float, lon: float, kind: str, country: str | None,
            path: str | None) -> None:
    """Add your own place NAME at LAT LON; it outranks the built-in entries.

    Negative coordinates work as written (``sitmap gazetteer add Lima -12.05
    -77.04``).  Entries are kept in a small file beside the cache
    (``<cache>.user.sqlite``), so rebuilding the gazetteer keeps them.
    """
    from ..gazetteer import Gazetteer

    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise GazetteerError(f"--country {country!r} is not a two-letter ISO code")
    gaz = Gazetteer.open(path)
    place = gaz.add_user_entry(name, lat, lon, kind=kind, country=country)
    click.echo(f"added {place.name} ({place.kind.value}) at {place.lat},{place.lon} "
               f"to {gaz.user_path}")
