"""The records that flow between sitmap's stages.

Data flows one way::

    ingest -> Article
    sentences -> Sentence
    mentions (recognition) -> Mention (place is None)
    geocode (resolution) -> Mention (place set, or None when unresolved)
    status -> Assertion, then PlaceReport (one per place, with a headline)
    render / export / store consume PlaceReport and Assertion

Every record is immutable and JSON-friendly through ``to_dict``; field names
follow ``shared/design/cli-contract.md`` so the CLI can print them directly.
Status names follow ``shared/design/status-taxonomy.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    """What an assertion reports about a place."""

    CAPTURED = "captured"
    RECAPTURED = "recaptured"
    ENCIRCLED = "encircled"
    CONTESTED = "contested"
    ADVANCE = "advance"
    STRUCK = "struck"
    CIVILIAN_HARM = "civilian_harm"
    WITHDRAWN = "withdrawn"
    HELD = "held"
    DISPLACEMENT = "displacement"
    DIPLOMACY = "diplomacy"
    UNKNOWN = "unknown"
    MENTIONED = "mentioned"

    def __str__(self) -> str:  # so f-strings print "captured", not "Status.CAPTURED"
        return self.value


class Epistemic(str, enum.Enum):
    """How well established an assertion is."""

    CONFIRMED = "confirmed"
    REPORTED = "reported"
    CLAIMED = "claimed"
    DISPUTED = "disputed"
    DENIED = "denied"

    def __str__(self) -> str:
        return self.value


class Kind(str, enum.Enum):
    """What sort of place a gazetteer entry is (the contract's ``kind`` values)."""

    COUNTRY = "country"
    ADMIN1 = "admin1"
    ADMIN2 = "admin2"
    CITY = "city"
    TOWN = "town"
    VILLAGE = "village"
    REGION = "region"
    WATER = "water"
    BORDER = "border"
    FEATURE = "feature"

    def __str__(self) -> str:
        return self.value


#: The one documented severity order for choosing a place's headline, most
#: severe first (status-taxonomy.md).  Every module that ranks statuses uses
#: this tuple; nothing else may hard-code an order.
SEVERITY_ORDER: tuple[Status, ...] = (
    Status.CAPTURED,
    Status.ENCIRCLED,
    Status.CONTESTED,
    Status.STRUCK,
    Status.CIVILIAN_HARM,
    Status.ADVANCE,
    Status.RECAPTURED,
    Status.WITHDRAWN,
    Status.DISPLACEMENT,
    Status.HELD,
    Status.UNKNOWN,
    Status.DIPLOMACY,
    Status.MENTIONED,
)

#: Best established first; the second key of the headline order.
EPISTEMIC_ORDER: tuple[Epistemic, ...] = (
    Epistemic.CONFIRMED,
    Epistemic.REPORTED,
    Epistemic.CLAIMED,
    Epistemic.DISPUTED,
    Epistemic.DENIED,
)

#: Statuses that describe the conflict itself; a place whose headline is not
#: one of these (diplomacy, displacement elsewhere, mere mention) is context.
CONFLICT_STATUSES: frozenset[Status] = frozenset(
    {
        Status.CAPTURED,
        Status.RECAPTURED,
        Status.ENCIRCLED,
        Status.CONTESTED,
        Status.ADVANCE,
        Status.STRUCK,
        Status.CIVILIAN_HARM,
        Status.WITHDRAWN,
        Status.HELD,
        Status.UNKNOWN,
    }
)


def severity_rank(status: Status) -> int:
    """Return the position of *status* in :data:`SEVERITY_ORDER` (0 = most severe)."""
    return SEVERITY_ORDER.index(Status(status))


def epistemic_rank(epistemic: Epistemic) -> int:
    """Return the position of *epistemic* in :data:`EPISTEMIC_ORDER` (0 = best established)."""
    return EPISTEMIC_ORDER.index(Epistemic(epistemic))


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Article:
    """One article as read from an input.

    Attributes
    ----------
    doc_id : str
        The article's id: a JSON Lines record's ``id``, else the same as ``source``.
    source : str
        The input path as given (a file's path under a directory; ``-`` for stdin).
    text : str
        The article body exactly as decoded; every offset in sitmap points into it.
    date : datetime.date or None
        The article's date (``date YYYY-MM-DD`` first line, JSONL ``date``, or ``--date``).
    title, url, outlet : str or None
        Metadata when the input carries it (``outlet`` is JSONL's ``source`` field).
    """

    doc_id: str
    source: str
    text: str
    date: _dt.date | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article, located by character offsets (end exclusive)."""

    start: int
    end: int
    text: str
    #: index of the paragraph (blank-line separated block) the sentence is in
    paragraph: int = 0


@dataclass(frozen=True)
class Place:
    """A resolved gazetteer entry.

    ``geometry`` is an optional GeoJSON geometry mapping (a border line, a
    country outline) for stages that draw more than a point; ``lat``/``lon`` is
    always the representative point.
    """

    name: str
    lat: float
    lon: float
    kind: Kind
    country: str | None = None
    admin1: str | None = None
    geonameid: int | None = None
    population: int = 0
    geometry: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """A stable identity for grouping assertions by place."""
        if self.geonameid is not None:
            return f"gn:{self.geonameid}"
        return f"{self.kind.value}:{self.name}:{self.lat:.4f},{self.lon:.4f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "country": self.country,
            "kind": self.kind.value,
            "geonameid": self.geonameid,
        }


@dataclass(frozen=True)
class RelativeCue:
    """A relative location cue such as "60 kilometres northwest of Kyiv"."""

    distance_km: float | None
    bearing: str | None
    anchor: str
    #: the resolved anchor place, when it could be resolved
    anchor_place: Place | None = None
    #: geodesic distance from the anchor to the chosen place, as checked
    checked_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "km": self.distance_km,
            "bearing": self.bearing,
            "of": self.anchor,
            "checked_km": self.checked_km,
        }


@dataclass(frozen=True)
class Mention:
    """One occurrence of a place name in an article.

    After recognition ``place`` is None; after resolution it holds the chosen
    gazetteer entry, or stays None when no candidate fits (still reported).
    ``text == article.text[start:end]`` always holds.
    """

    doc_id: str
    source: str
    start: int
    end: int
    text: str
    place: Place | None = None
    precision: int = 1
    #: the gazetteer lookup key the recogniser matched (normalised name)
    key: str | None = None
    cue: RelativeCue | None = None
    #: True when the mention is an anaphor ("the city", "the capital")
    anaphor: bool = False

    def to_dict(self) -> dict[str, Any]:
        p = self.place
        d: dict[str, Any] = {
            "source": self.source,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "name": p.name if p else None,
            "lat": p.lat if p else None,
            "lon": p.lon if p else None,
            "country": p.country if p else None,
            "kind": p.kind.value if p else None,
            "geonameid": p.geonameid if p else None,
            "precision": self.precision,
        }
        if self.cue is not None:
            d["cue"] = self.cue.to_dict()
        if self.anaphor:
            # "the city", "the capital": a reference back, not a new name.
            d["anaphor"] = True
        return d


@dataclass(frozen=True)
class Assertion:
    """One sentence (or clause) of one article saying something about one place."""

    place: Place
    status: Status
    epistemic: Epistemic
    quote: str
    start: int
    end: int
    source: str
    doc_id: str
    date: _dt.date | None = None
    claimant: str | None = None
    hedge: str | None = None
    outcome: str | None = None
    precision: int = 1
    #: offsets of the mention this assertion is about
    mention_start: int | None = None
    mention_end: int | None = None
    #: the cue words that triggered the status ("surrounded", "shelling")
    cue: str | None = None
    url: str | None = None
    outlet: str | None = None

    def sort_key(self) -> tuple[int, int, float]:
        """Headline order: most severe, then best established, then most recent."""
        recency = -self.date.toordinal() if self.date else 0.0
        return (severity_rank(self.status), epistemic_rank(self.epistemic), recency)

    def headline_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "epistemic": self.epistemic.value,
            "claimant": self.claimant,
            "hedge": self.hedge,
            "outcome": self.outcome,
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.headline_dict()
        d.update(
            {
                "quote": self.quote,
                "source": self.source,
                "doc_id": self.doc_id,
                "date": self.date.isoformat() if self.date else None,
                "start": self.start,
                "end": self.end,
                "precision": self.precision,
                "cue": self.cue,
                "url": self.url,
                "outlet": self.outlet,
            }
        )
        return d


@dataclass(frozen=True)
class PlaceReport:
    """Everything known about one place: its headline and all assertions behind it."""

    place: Place
    headline: Assertion
    assertions: tuple[Assertion, ...]
    precision: int = 1

    @property
    def is_conflict(self) -> bool:
        return self.headline.status in CONFLICT_STATUSES

    def to_dict(self) -> dict[str, Any]:
        d = self.place.to_dict()
        d["precision"] = self.precision
        d["headline"] = self.headline.headline_dict()
        d["assertions"] = [a.to_dict() for a in self.assertions]
        return d


def headline_of(assertions: list[Assertion] | tuple[Assertion, ...]) -> Assertion:
    """Choose the headline assertion by the documented order.

    Most severe status first (:data:`SEVERITY_ORDER`), then best established
    (:data:`EPISTEMIC_ORDER`), then most recent.  A denied claim never
    outranks an undenied assertion of a lower severity: a place whose capture is
    denied should not headline as captured.
    """
    if not assertions:
        raise ValueError("a place needs at least one assertion")
    live = [a for a in assertions if a.epistemic is not Epistemic.DENIED]
    return min(live or list(assertions), key=Assertion.sort_key)


def to_jsonable(value: Any) -> Any:
    """Convert records, enums and dates to plain JSON types."""
    return _jsonable(value)
