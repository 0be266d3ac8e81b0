"""Where the gazetteer cache lives.

Order: an explicit path (``--gazetteer PATH``), then ``$SITMAP_GAZETTEER``,
then ``<checkout>/gazetteer/sitmap-gazetteer.sqlite`` when sitmap runs from a
writable source checkout (the package directory's parent holds a
``gazetteer/`` directory), else the user cache directory from platformdirs
(e.g. ``~/.cache/sitmap/sitmap-gazetteer.sqlite``).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SITMAP_GAZETTEER"
FILENAME = "sitmap-gazetteer.sqlite"


def default_path() -> Path:
    """The cache location when neither a path nor the environment variable is given."""
    checkout = Path(__file__).resolve().parent.parent.parent / "gazetteer"
    if checkout.is_dir() and os.access(checkout, os.W_OK):
        return checkout / FILENAME
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sitmap", appauthor=False)) / FILENAME


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The cache file to use: *path*, else ``$SITMAP_GAZETTEER``, else :func:`default_path`."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_path()


def user_path_for(cache: Path) -> Path:
    """The user-entry file kept beside *cache* (``x.sqlite`` -> ``x.user.sqlite``).

    It is a separate file so that rebuilding the cache never touches it.
    """
    stem = cache.name[: -len(".sqlite")] if cache.name.endswith(".sqlite") else cache.name
    return cache.with_name(f"{stem}.user.sqlite")
