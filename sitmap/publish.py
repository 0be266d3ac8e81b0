"""Atomic publication of output files.

A reader (a web server, a person opening the map) must never see a half-written
file, and a failed write must leave the previous version in place.  We write to
a temporary file in the same directory (same filesystem, so ``os.replace`` is
atomic), flush and fsync it, rename it over the target, then fsync the
directory so the rename itself survives a power cut.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import PublishError


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write *data* to *path* atomically and return the path.

    Parameters
    ----------
    path : path-like
        The file to (re)place.  Its directory is created when missing.
    data : bytes or str
        The whole new content; ``str`` is encoded as UTF-8.
    mode : int
        Permission bits of the published file (temporary files are 0600).

    Raises
    ------
    PublishError
        When the directory cannot be created or written; the old file is kept.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise PublishError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise PublishError(f"cannot write {target}: {exc.strerror or exc}") from exc
    _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    # Not every platform lets us open a directory (Windows); the rename is
    # still atomic there, only its durability across a power cut is weaker.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
