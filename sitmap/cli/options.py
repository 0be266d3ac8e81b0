"""Options shared by several subcommands, as reusable decorators.

Each bundle adds its options and hands the command one value, so commands
stay short and every command spells a shared option the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..clock import generation_time
from ..errors import InputError
from ..ingest import DEFAULT_MAX_BYTES, example_article, read_articles
from ..model import Article

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("sitmap")


def _bundle(f: F, key: str, make: Callable[[dict[str, Any]], Any],
            *decorators: Callable[[Any], Any]) -> F:
    """Add *decorators*' options to *f* and hand it their values as one object.

    ``make`` pops the bundle's own keyword arguments and returns the object
    passed to *f* as *key*.  ``functools.wraps`` carries click's collected
    parameters over, so bundles stack in any order.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs[key] = make(kwargs)
        return f(*args, **kwargs)

    out: Any = wrapper
    for d in reversed(decorators):
        out = d(out)
    return out  # type: ignore[no-any-return]


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date of the form YYYY-MM-DD", param, ctx)


class DateTimeType(click.ParamType):
    name = "ISO-8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date and time", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@dataclass
class InputSpec:
    """What the input options asked for; :meth:`read` reads them."""

    inputs: tuple[str, ...]
    date: dt.date | None
    max_bytes: int
    strict: bool

    def read(self) -> tuple[list[Article], list[InputError]]:
        """Read every article, collecting bad inputs as warnings.

        No INPUT means the built-in example.  Bad files and bad JSON Lines
        lines are reported and skipped (``--strict`` makes the first one
        fatal).  When nothing readable is left the run fails, so an existing
        good map is never replaced by an empty one.
        """
        if not self.inputs:
            article = example_article()
            if self.date is not None:
                from dataclasses import replace

                article = replace(article, date=self.date)
            return [article], []
        errors: list[InputError] = []

        def on_error(err: InputError) -> None:
            if self.strict:
                raise err
            errors.append(err)

        articles = list(read_articles(self.inputs, date=self.date, max_bytes=self.max_bytes,
                                      on_error=on_error))
        if not articles:
            # Nothing to map: one error line, not a warning per input first.
            if len(errors) == 1:
                raise errors[0]
            raise InputError(f"no readable article in the input ({len(errors)} skipped; "
                             f"first: {errors[0]})" if errors else "no readable article in the input")
        for err in errors:
            log.warning("skipped: %s", err)
        return articles, errors


def input_options(f: F) -> F:
    """INPUT arguments plus --date, --max-bytes and --strict, passed as ``spec``."""

    def make(kw: dict[str, Any]) -> InputSpec:
        return InputSpec(inputs=tuple(kw.pop("inputs")), date=kw.pop("date"),
                         max_bytes=kw.pop("max_bytes"), strict=kw.pop("strict"))

    return _bundle(
        f, "spec", make,
        click.argument("inputs", nargs=-1, metavar="[INPUT]...",
                       type=click.Path(allow_dash=True, dir_okay=True, path_type=str)),
        click.option("--date", type=DateType(), default=None,
                     help="Article date for every input (overrides a 'date YYYY-MM-DD' first line)."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                     show_default=True, help="Refuse articles larger than this many bytes."),
        click.option("--strict", is_flag=True,
                     help="Fail on the first bad input instead of skipping it with a warning."),
    )


@dataclass
class GazetteerSpec:
    path: str | None
    online: bool

    def open(self) -> Any:
        from ..gazetteer import Gazetteer

        # The online fallback exists only when the user asked for it: without
        # --online the gazetteer never builds a geocoder, so nothing can
        # reach the network by accident.
        return Gazetteer.open(self.path, online=True if self.online else None)


def gazetteer_options(f: F) -> F:
    """--gazetteer and --online, passed as ``gaz``."""

    def make(kw: dict[str, Any]) -> GazetteerSpec:
        return GazetteerSpec(path=kw.pop("gazetteer"), online=kw.pop("online"))

    return _bundle(
        f, "gaz", make,
        click.option("--gazetteer", "gazetteer", type=click.Path(dir_okay=False), default=None,
                     envvar="SITMAP_GAZETTEER", show_envvar=True,
                     help="Gazetteer cache file to use instead of the default location."),
        click.option("--online", is_flag=True,
                     help="Ask the online geocoder (Nominatim) for names the offline "
                          "gazetteer lacks. Off by default: nothing touches the network."),
    )


@dataclass
class MapSpec:
    title: str | None
    generated_at: dt.datetime | None
    cdn: bool

    def render_kwargs(self, articles: list[Article]) -> dict[str, Any]:
        title = self.title or _default_title(articles)
        return {"title": title, "articles": articles,
                "generated_at": self.generated_at or generation_time(), "cdn": self.cdn}



def _default_title(articles: list[Article]) -> str:
    if len(articles) == 1 and articles[0].title:
        return articles[0].title
    return "Situation map"


def map_options(f: F) -> F:
    """--title, --generated-at and --cdn, passed as ``mapspec``."""

    def make(kw: dict[str, Any]) -> MapSpec:
        return MapSpec(title=kw.pop("title"), generated_at=kw.pop("generated_at"),
                       cdn=kw.pop("cdn"))

    return _bundle(
        f, "mapspec", make,
        click.option("--title", default=None, help="Map title (default: the article's title)."),
        click.option("--generated-at", type=DateTimeType(), default=None,
                     help="Generation time shown on the map (default: now, or SOURCE_DATE_EPOCH)."),
        click.option("--cdn", is_flag=True,
                     help="Load Leaflet from CDNs for a smaller file (needs the network to view)."),
    )


def run_pipeline(spec: InputSpec, gaz: GazetteerSpec) -> Any:
    """Read the inputs and run every stage; returns a PipelineResult."""
    # Read (and so validate) the inputs before importing the stages: a typo in
    # a path should fail at once, not after loading the gazetteer.
    articles, errors = spec.read()
    from ..pipeline import process

    gazetteer = gaz.open()
    return process(articles, gazetteer, online=gaz.online, errors=errors, total=len(articles))


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` limited to *choices*, the first being the default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")
