"""Progress bars that show on a terminal and stay silent when piped or quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

#: set by the CLI from -q/--quiet; library callers may set it too
QUIET = False


def enabled() -> bool:
    """True when a progress bar should be drawn (stderr is a terminal, not quiet)."""
    return not QUIET and sys.stderr.isatty()


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             unit: str = "it", force: bool | None = None) -> Iterator[T]:
    """Wrap *iterable* in a progress bar on stderr when :func:`enabled` (or *force*)."""
    show = enabled() if force is None else force
    if not show:
        yield from iterable
        return
    yield from tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr,
                    leave=False, dynamic_ncols=True)


def bar(*, desc: str = "", total: int | None = None, unit: str = "it") -> tqdm:
    """A manual progress bar (``update(n)``), disabled when progress is off."""
    return tqdm(desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, disable=not enabled())
