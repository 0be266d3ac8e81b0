"""The offline gazetteer: GeoNames places, Natural Earth regions, curated names.

>>> from sitmap.gazetteer import Gazetteer, normalize
>>> gaz = Gazetteer.open()                       # builds the cache on first use
>>> gaz.lookup("Kiev")[0].place.name
'Kyiv'

See ``docs/gazetteer.md`` for sources, ranking and the cache's location.
"""

from __future__ import annotations

from .build import SCHEMA_VERSION, build
from .lookup import Candidate, Gazetteer, NameInfo
from .normalize import normalize
from .paths import default_path, resolve_path

__all__ = ["Candidate", "Gazetteer", "NameInfo", "SCHEMA_VERSION", "build", "default_path",
           "normalize", "resolve_path"]
