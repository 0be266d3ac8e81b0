"""Finding headless Chromium for snapshots and browser tests.

sitmap never downloads a browser: it uses one installed by the system
(Debian's ``chromium``), or the one named by ``SITMAP_CHROMIUM``.
"""

from __future__ import annotations

import os
import shutil

from .errors import BrowserError

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags that keep a headless browser from phoning home.  Without the
#: background-networking switches Chromium tries to reach update and sync
#: services, which is both noise in a test and a network request the user did
#: not ask for.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--mute-audio",
)


def find_chromium() -> str | None:
    """Return the path of a Chromium-family browser, or None when there is none."""
    explicit = os.environ.get("SITMAP_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    """Like :func:`find_chromium` but raise :class:`BrowserError` when missing."""
    path = find_chromium()
    if path is None:
        raise BrowserError(
            "no Chromium browser found; install one (Debian: apt-get install chromium) "
            "or set SITMAP_CHROMIUM to its path"
        )
    return path


def chromium_args() -> list[str]:
    """Command-line switches for a quiet, offline headless Chromium."""
    return list(CHROMIUM_ARGS)
