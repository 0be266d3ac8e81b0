"""Name normalisation shared by the gazetteer build, lookups and the geoparser.

One function makes every key, so a name in an article and a name in GeoNames
meet when they differ only in case, diacritics, apostrophes, hyphens or
full stops: "L’viv", "L'viv" and "Lviv" all become ``lviv``; "U.S." becomes
``us``; "Ivano-Frankivsk" becomes ``ivano frankivsk``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Apostrophes and full stops vanish ("L'viv" -> "lviv", "U.S." -> "us"); any other
# run of non-alphanumerics (hyphens, dashes, commas, slashes, spaces) is one space.
_DROP = re.compile(r"['`.]")
_SPACE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=262144)
def normalize(name: str) -> str:
    """Return the lookup key for *name*.

    Parameters
    ----------
    name : str
        A place name as written anywhere (article text, GeoNames, user input).

    Returns
    -------
    str
        Lower-case ASCII words separated by single spaces; ``""`` when the
        name has no letters or digits.

    Examples
    --------
    >>> normalize("Zaporizhzhia")
    'zaporizhzhia'
    >>> normalize("L’viv")
    'lviv'
    >>> normalize("Poland–Ukraine border")
    'poland ukraine border'
    """
    text = unicodedata.normalize("NFKC", name)
    if not text.isascii():
        # anyascii folds diacritics (Kyïv -> Kyiv) and typographic apostrophes.
        text = anyascii(text)
    text = _DROP.sub("", text.lower())
    return _SPACE.sub(" ", text).strip()
