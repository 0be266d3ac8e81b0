"""sitmap: news text in, an honest situation map out."""

from __future__ import annotations

__version__ = "0.1.0"
