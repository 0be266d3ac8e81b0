"""Errors raised by sitmap.

Every error a user can cause derives from :class:`SitmapError`; the CLI turns
these into a one-line message and exit code 1.  Each subclass also inherits the
builtin exception it most resembles, so callers that already catch
``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations


class SitmapError(Exception):
    """Base class for every error sitmap raises on purpose."""

    #: process exit code the CLI uses for this error
    exit_code = 1


class InputError(SitmapError, ValueError):
    """An input could not be read as articles (missing, empty, binary, malformed)."""


class InputNotFound(InputError, FileNotFoundError):
    """A named input path does not exist."""


class InputTooLarge(InputError):
    """An article exceeds the configured size limit."""


class DecodeError(InputError, UnicodeError):
    """An input is binary or not decodable as UTF-8."""


class GazetteerError(SitmapError, RuntimeError):
    """The gazetteer cache is missing, corrupt or cannot be built."""


class GazetteerMissing(GazetteerError, FileNotFoundError):
    """No gazetteer cache exists at the expected location."""


class GazetteerCorrupt(GazetteerError):
    """The gazetteer cache exists but cannot be read."""


class GeocoderError(SitmapError, ConnectionError):
    """The online geocoder failed (timeout, service error, bad answer)."""


class ConfigError(SitmapError, ValueError):
    """A configuration file is missing a key or holds an invalid value."""


class StoreError(SitmapError, RuntimeError):
    """The event store cannot be opened, read or written."""


class LockedError(StoreError, BlockingIOError):
    """Another run holds the lock."""


class RenderError(SitmapError, RuntimeError):
    """A map or other output could not be produced."""


class PublishError(SitmapError, OSError):
    """An output could not be written; the previous version is left in place."""


class BrowserError(SitmapError, RuntimeError):
    """A headless browser needed for snapshots is missing or failed."""
