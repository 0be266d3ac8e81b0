"""The seed article against its hand annotation (``../shared/gold``).

Two runs:

- tagging only: mentions are found by the gold names themselves, so a failure
  here is the status tagger's;
- end to end: ``sitmap places SEED --format json`` with the real geoparser.

Both outputs must pass ``check_gold.py`` in full, plus the headline rules the
status taxonomy spells out for the seed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sitmap.model import Article, Kind, Mention, Place
from sitmap.sentences import split_sentences
from sitmap.status import aggregate, tag

GOLD_KINDS = {"sea": Kind.WATER, "continent": Kind.REGION}


def _check_gold(gold_path: Path, places: list[dict[str, Any]], tmp_path: Path) -> str:
    out = tmp_path / "places.json"
    out.write_text(json.dumps(places, ensure_ascii=False), encoding="utf-8")
    script = gold_path.parent / "check_gold.py"
    proc = subprocess.run(
        [sys.executable, str(script), str(gold_path), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _by_name(places: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [p for p in places if p["name"] == name]
    assert found, f"{name} not in {[p['name'] for p in places]}"
    return found[0]


def _headline_rules(places: list[dict[str, Any]]) -> None:
    """What the taxonomy's seed table says, beyond check_gold's own checks."""

    def statuses(name: str) -> set[str]:
        return {a["status"] for a in _by_name(places, name)["assertions"]}

    kherson = _by_name(places, "Kherson")
    assert kherson["headline"]["status"] == "captured"
    assert kherson["headline"]["epistemic"] == "claimed"
    assert kherson["headline"]["hedge"] == "not yet verified"
    assert "Russia" in kherson["headline"]["claimant"]
    mariupol = _by_name(places, "Mariupol")
    assert mariupol["headline"]["status"] == "encircled"
    assert "Herashchenko" in (mariupol["headline"]["claimant"] or "")
    boro = [p for p in places if p["name"] in ("Borodyanka", "Borodianka")][0]
    assert boro["headline"]["status"] == "contested"
    assert {"contested", "struck"} <= {a["status"] for a in boro["assertions"]}
    assert "repelled" in {a["outcome"] for a in boro["assertions"] if a["status"] == "contested"}
    assert {"struck", "displacement"} <= statuses("Kharkiv")
    assert {"held", "struck"} <= statuses("Kyiv")
    assert "displacement" in statuses("Poland")
    assert "diplomacy" in statuses("Belarus")
    beijing = [p for p in places if p["name"] == "Beijing"]
    assert not beijing or statuses("Beijing") == {"mentioned"}
    for p in places:  # every quote is the article's own text at its offsets
        for a in p["assertions"]:
            assert a["quote"] and a["start"] < a["end"]


def test_seed_tagging_with_gold_mentions(seed_path: Path, gold_path: Path, tmp_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = seed_path.read_text(encoding="utf-8")
    places: dict[str, Place] = {}
    for i, g in enumerate(gold["places"]):
        kind = GOLD_KINDS.get(g["kind"]) or Kind(g["kind"])
        place = Place(g["name"], g["lat"], g["lon"], kind, g["country"], geonameid=10_000 + i)
        for name in [g["name"], *g.get("aliases", [])]:
            places[name] = place
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, places), key=len, reverse=True)) + r")\b"
    )
    mentions = [
        Mention("seed", "seed", m.start(), m.end(), m.group(1), places[m.group(1)])
        for m in pattern.finditer(text)
    ]
    article = Article("seed", "seed", text, dt.date(2022, 3, 3))
    assertions = tag(article, split_sentences(text), mentions)
    for a in assertions:
        assert text[a.start : a.end] == a.quote
    out = [r.to_dict() for r in aggregate(assertions)]
    _check_gold(gold_path, out, tmp_path)
    _headline_rules(out)


def test_seed_end_to_end_places_command(seed_path: Path, gold_path: Path, tmp_path: Path) -> None:
    for module in ("sitmap.mentions", "sitmap.geocode"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not available yet")
    proc = subprocess.run(
        [sys.executable, "-m", "sitmap", "places", str(seed_path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    places = json.loads(proc.stdout)
    report = _check_gold(gold_path, places, tmp_path)
    assert report.strip().splitlines()[-1].startswith("gold: ")
    _headline_rules(places)
