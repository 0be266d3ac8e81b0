"""The ``sitmap`` command: a group whose subcommands live one per module.

Subcommand modules are imported only when used, so ``sitmap --help`` and a
quick ``sitmap gazetteer lookup`` do not pay for importing folium or
geopandas.  :func:`main` turns every :class:`~sitmap.errors.SitmapError` into a
one-line message and the exit code the contract fixes (1 for sitmap errors,
2 for usage errors), never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from .. import __version__, progress
from ..errors import SitmapError

#: Subcommand modules under ``sitmap.cli``; each exports a click command ``cli``.
COMMANDS: tuple[str, ...] = (
    "build",
    "embed",
    "export",
    "extract",
    "gazetteer",
    "places",
    "run",
    "snapshot",
    "summary",
)

log = logging.getLogger("sitmap")


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"sitmap.cli.{cmd_name}")
        command: click.Command = module.cli
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sitmap",
                      message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (repeat for debug detail).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn news text into a situation map.

    sitmap finds the places an article mentions, geocodes them against an
    offline gazetteer, tags each with what is reported there and how well it
    is established, and renders a standalone interactive map.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    _configure_logging(level)
    progress.QUIET = quiet
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["quiet"] = quiet


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` is at the time of each message.

    Resolving the stream late keeps messages on the real stderr even when a
    caller (a test harness, a notebook) swaps ``sys.stderr`` after start-up.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"sitmap: {record.levelname.lower()}: {record.getMessage()}"


def _configure_logging(level: int) -> None:
    # The CLI owns the "sitmap" logger's output: one handler, messages in the
    # same "sitmap: ..." voice as errors, not passed on to the root logger
    # (whose configuration belongs to whoever embeds the library).
    logger = logging.getLogger("sitmap")
    for h in list(logger.handlers):
        if isinstance(h, _StderrHandler):
            logger.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (also used by ``python -m sitmap``)."""
    try:
        rv = cli.main(args=argv, prog_name="sitmap", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except SitmapError as exc:
        click.echo(f"sitmap: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("sitmap: aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("sitmap: interrupted", err=True)
        return 130
    except BrokenPipeError:
        # The reader went away (`sitmap extract | head`): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115
        except OSError:
            pass
        return 0
    except MemoryError:
        click.echo("sitmap: error: out of memory (try smaller inputs or --max-bytes)", err=True)
        return 1
    except Exception as exc:  # a bug of ours: say so in one line, details with -v
        if log.isEnabledFor(logging.DEBUG):
            raise
        click.echo(f"sitmap: internal error: {type(exc).__name__}: {exc} "
                   "(run with -vv for the traceback, and please report it)", err=True)
        return 1


