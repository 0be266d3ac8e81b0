"""Fixtures shared by the whole test suite.

``../shared`` (beside the checkout) holds the seed article, its gold annotation
and the benchmark data.  Tests that need it use the ``shared_dir`` fixture, which
skips with a reason when it is absent.  Browser tests use ``chromium_path``,
which skips without a browser, except under CI (``CI=true``) where a missing
browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SITMAP_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "2022-03-03-ukraine-article.txt"
GOLD = SHARED / "gold" / "2022-03-03-ukraine-article.gold.json"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "seed").is_dir():
        pytest.skip(f"shared data not found at {SHARED} (set SITMAP_SHARED to its path)")
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared_dir: Path) -> Path:
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED}")
    return SEED


@pytest.fixture(scope="session")
def gold_path(shared_dir: Path) -> Path:
    if not GOLD.is_file():
        pytest.skip(f"gold annotation not found at {GOLD}")
    return GOLD


@pytest.fixture(scope="session")
def gazetteer():
    """The real gazetteer, built on first use (shared by the whole session)."""
    from sitmap.gazetteer import Gazetteer

    return Gazetteer.open()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    from sitmap.browser import find_chromium

    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium is installed: .ci/run must install it")
        pytest.skip("no Chromium browser installed (Debian: apt-get install chromium)")
    return path
