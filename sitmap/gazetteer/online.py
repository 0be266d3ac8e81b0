"""The opt-in online fallback: any geopy geocoder, Nominatim by default.

Nothing here runs unless the user enables it (``--online`` or configuration).
Nominatim's usage policy asks for at most one request per second and a real
User-Agent; :class:`OnlineGeocoder` wraps the geocoder in geopy's
``RateLimiter`` and identifies itself as ``sitmap/<version> (+<project url>)``.
A timeout or a service error is logged as a warning and yields no candidates:
the place stays unresolved and the run goes on.

Configuration (keyword arguments, or the environment for the CLI):

=================  ===========================  ===================================
argument           environment                  meaning
=================  ===========================  ===================================
``service``        ``SITMAP_GEOCODER``          geopy geocoder name (``nominatim``)
``domain``         ``SITMAP_GEOCODER_DOMAIN``   host[:port] of the service
``scheme``         ``SITMAP_GEOCODER_SCHEME``   ``https`` (default) or ``http``
``timeout``        ``SITMAP_GEOCODER_TIMEOUT``  seconds per request (10)
``user_agent``     ``SITMAP_USER_AGENT``        overrides the default User-Agent
=================  ===========================  ===================================
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from .. import __version__
from ..errors import GeocoderError
from ..model import Kind, Place

log = logging.getLogger(__name__)

PROJECT_URL = "https://pypi.org/project/sitmap/"
USER_AGENT = f"sitmap/{__version__} (+{PROJECT_URL})"

#: Nominatim ``addresstype``/``type`` values mapped to sitmap kinds.
_KINDS = {
    "country": Kind.COUNTRY, "state": Kind.ADMIN1, "province": Kind.ADMIN1,
    "region": Kind.REGION, "county": Kind.ADMIN2, "district": Kind.ADMIN2,
    "city": Kind.CITY, "town": Kind.TOWN, "village": Kind.VILLAGE, "hamlet": Kind.VILLAGE,
    "suburb": Kind.VILLAGE, "municipality": Kind.TOWN, "water": Kind.WATER,
    "river": Kind.WATER, "sea": Kind.WATER, "bay": Kind.WATER, "strait": Kind.WATER,
    "lake": Kind.WATER,
}


class OnlineGeocoder:
    """A rate-limited geopy geocoder that never raises on service trouble.

    Parameters
    ----------
    service : str
        A geopy geocoder name (``nominatim``, ``photon``, ``arcgis``...).
    domain, scheme : str or None
        Where the service lives; tests point these at a local server.
    timeout : float
        Seconds per request before giving up.
    min_delay_seconds : float
        Minimum spacing between requests (Nominatim's policy: 1 s).
    user_agent : str or None
        Overrides :data:`USER_AGENT`.
    options : dict
        More keyword arguments for the geopy geocoder's constructor (API keys).
    """

    def __init__(self, service: str = "nominatim", *, domain: str | None = None,
                 scheme: str | None = None, timeout: float = 10.0,
                 min_delay_seconds: float = 1.0, user_agent: str | None = None,
                 **options: Any) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import get_geocoder_for_service

        try:
            cls = get_geocoder_for_service(service)
        except Exception as exc:  # geopy raises its own error type for unknown names
            raise GeocoderError(f"unknown geocoder {service!r}: {exc}") from exc
        kwargs: dict[str, Any] = dict(options)
        kwargs["user_agent"] = user_agent or USER_AGENT
        kwargs["timeout"] = timeout
        if domain:
            kwargs["domain"] = domain
        if scheme:
            kwargs["scheme"] = scheme
        try:
            self.geocoder = cls(**kwargs)
        except TypeError as exc:
            raise GeocoderError(f"geocoder {service!r} does not take these options: {exc}") \
                from exc
        self.service = service
        # One request at a time: RateLimiter spaces calls but is not thread-safe.
        self._lock = threading.Lock()
        self._geocode = RateLimiter(self.geocoder.geocode, min_delay_seconds=min_delay_seconds,
                                    max_retries=0, swallow_exceptions=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> OnlineGeocoder:
        """Build one from the ``SITMAP_GEOCODER*`` environment variables."""
        env = os.environ if environ is None else environ
        try:
            timeout = float(env.get("SITMAP_GEOCODER_TIMEOUT", "10"))
        except ValueError:
            raise GeocoderError("SITMAP_GEOCODER_TIMEOUT must be a number of seconds") from None
        return cls(env.get("SITMAP_GEOCODER", "nominatim"),
                   domain=env.get("SITMAP_GEOCODER_DOMAIN") or None,
                   scheme=env.get("SITMAP_GEOCODER_SCHEME") or None, timeout=timeout,
                   user_agent=env.get("SITMAP_USER_AGENT") or None)

    def geocode(self, name: str, *, country: str | None = None, limit: int = 5) -> list[Any]:
        """Candidates for *name* from the service, best first; [] on any failure."""
        from geopy.exc import GeopyError

        from .lookup import Candidate

        kwargs: dict[str, Any] = {"exactly_one": False}
        if self.service == "nominatim":
            kwargs.update(limit=limit, addressdetails=True)
            if country:
                kwargs["country_codes"] = country.lower()
        try:
            with self._lock:
                found = self._geocode(name, **kwargs)
        except (GeopyError, OSError, ValueError) as exc:
            log.warning("online geocoder %s failed for %r: %s", self.service, name, exc)
            return []
        out = []
        for rank, loc in enumerate(found or []):
            place = place_from_location(name, loc)
            if country and place.country and place.country != country.upper():
                continue
            out.append(Candidate(place, round(1.0 - rank * 0.1, 4),
                                 (f"online geocoder {self.service}", f"rank {rank + 1}"), name))
        return out


def place_from_location(query: str, loc: Any) -> Place:
    """Turn a geopy ``Location`` into a :class:`Place` (Nominatim fields when present)."""
    raw = loc.raw if isinstance(getattr(loc, "raw", None), dict) else {}
    kind = _KINDS.get(str(raw.get("addresstype") or raw.get("type") or ""), Kind.FEATURE)
    address = raw.get("address")
    if not isinstance(address, dict):
        address = {}
    cc = address.get("country_code")
    name = raw.get("name") or (loc.address or query).split(",")[0].strip() or query
    return Place(name=str(name), lat=float(loc.latitude), lon=float(loc.longitude), kind=kind,
                 country=str(cc).upper() if cc else None)
