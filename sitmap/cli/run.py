"""``sitmap run --config FILE``: the scheduled job, once or ``--every`` interval.

Exit codes (docs/scheduling.md): 0 done; 1 a sitmap error (config, store,
output not written: the previous output stays); 2 usage; 3 another run holds
the lock; 4 done, but a source could not be read.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import click

from ..errors import LockedError, SitmapError
from ..runjob import EXIT_ERROR, EXIT_LOCKED, RunSummary, load_config, run


class Interval(click.ParamType):
    """A duration such as ``15m``, ``1h``, ``90s`` or ``1h30m``, in seconds."""

    name = "INTERVAL"
    _PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)
    _UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            text = str(value).strip().replace(" ", "")
            parts = self._PART.findall(text)
            if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
                self.fail(f"{value!r} is not an interval such as 15m, 1h or 90s", param, ctx)
            seconds = sum(float(n) * self._UNIT[u.lower()] for n, u in parts)
        if seconds < 1:
            self.fail(f"{value!r}: the interval must be at least 1s", param, ctx)
        return seconds


def _report(summary: RunSummary, fmt: str, quiet: bool) -> None:
    if fmt == "json":
        if not quiet:
            click.echo(f"sitmap: {summary.log_line()}", err=True)
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    for change in summary.changes:
        click.echo(f"  {change.describe()}")
    click.echo(summary.log_line())


@click.command(name="run")
@click.option("-c", "--config", "config", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The job's TOML configuration (sources, store, outputs).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="text: the changes and one summary line; json: one JSON object per run.")
@click.option("--every", type=Interval(), default=None,
              help="Run again every INTERVAL (15m, 1h, 90s) until interrupted, for hosts "
                   "without cron.")
@click.option("--wait", is_flag=True,
              help="If another run holds the lock, wait for it instead of exiting with code 3.")
@click.option("--wait-timeout", type=click.FloatRange(min=0), default=None,
              help="With --wait, give up (exit 3) after this many seconds.")
@click.option("--runs", type=click.IntRange(min=1), default=None, hidden=True,
              help="With --every, stop after this many runs (for tests).")
@click.pass_context
def cli(ctx: click.Context, config: Path, fmt: str, every: float | None, wait: bool,
        wait_timeout: float | None, runs: int | None) -> int:
    """Bring the store and the published map up to date with the configured sources.

    Reads new and changed articles only, records bad ones with their reason
    and goes on, then rewrites the map and exports atomically when what they
    show changed.  Prints what changed since the previous run (new places,
    status changes) and one summary line; with --format json, one JSON object.

    \b
    Exit codes: 0 done (bad articles skipped and counted); 1 error (the
    previous outputs stay); 2 usage; 3 another run holds the lock; 4 done,
    but a source could not be read.  See docs/scheduling.md.
    """
    quiet = bool((ctx.obj or {}).get("quiet"))
    cfg = load_config(config)
    if every is None:
        try:
            summary = run(cfg, wait=wait, wait_timeout=wait_timeout)
        except LockedError as exc:
            click.echo(f"sitmap: {exc}", err=True)
            return EXIT_LOCKED
        _report(summary, fmt, quiet)
        return summary.exit_code

    done = 0
    code = 0
    while True:
        started = time.monotonic()
        try:
            # Re-read each time so an edited config takes effect at the next tick.
            summary = run(load_config(config), wait=wait, wait_timeout=wait_timeout)
            _report(summary, fmt, quiet)
            code = summary.exit_code
        except LockedError as exc:
            click.echo(f"sitmap: {exc}; trying again at the next interval", err=True)
            code = EXIT_LOCKED
        except SitmapError as exc:
            # One failed run (a full disk, a bad edit of the config) must not
            # end the loop: the next tick may well succeed.
            click.echo(f"sitmap: error: {exc}", err=True)
            code = EXIT_ERROR
        done += 1
        if runs is not None and done >= runs:
            return code
        time.sleep(max(0.0, every - (time.monotonic() - started)))
