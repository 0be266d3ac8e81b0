"""The one clock every output reads, so that builds can be reproducible."""

from __future__ import annotations

import datetime as dt
import os

from .errors import ConfigError


def generation_time() -> dt.datetime:
    """Now in UTC (whole seconds), or ``SOURCE_DATE_EPOCH`` when it is set.

    ``SOURCE_DATE_EPOCH`` is the reproducible-builds convention: with it set,
    the same input gives a byte-identical map.

    Raises
    ------
    ConfigError
        When ``SOURCE_DATE_EPOCH`` is set but is not a Unix timestamp.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
