"""sitmap: news text in, an honest situation map out.

The library comes first; the ``sitmap`` command is a thin layer over it::

    import sitmap

    s = sitmap.analyze("articles/")     # run every stage once
    s.places()                          # a GeoDataFrame, one row per place
    sitmap.build_map(s)                 # a folium.Map (shows inline in Jupyter)

The functions below are imported on first use, so ``import sitmap`` stays
cheap (no folium, geopandas or gazetteer until they are needed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY = {
    "Situation": "sitmap.api",
    "analyze": "sitmap.api",
    "build_map": "sitmap.api",
    "extract": "sitmap.api",
    "places": "sitmap.api",
    "summary": "sitmap.api",
    "Gazetteer": "sitmap.gazetteer",
    "SitmapError": "sitmap.errors",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:
    from .api import Situation as Situation
    from .api import analyze as analyze
    from .api import build_map as build_map
    from .api import extract as extract
    from .api import places as places
    from .api import summary as summary
    from .errors import SitmapError as SitmapError
    from .gazetteer import Gazetteer as Gazetteer


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sitmap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
