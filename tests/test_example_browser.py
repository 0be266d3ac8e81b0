"""The main job end to end, as a person sees it: ``sitmap build`` on the built-in
example, opened from ``file://`` in headless Chromium with the network off.

Set ``SITMAP_README_SCREENSHOT=docs/screenshot.png`` to refresh the README's
picture from this run.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sitmap.cli.main import main

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.usefixtures("gazetteer")
def test_example_map_draws_every_place_offline(
        tmp_path: Path, chromium_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sitmap.browser import chromium_args

    out = tmp_path / "map.html"
    assert main(["build", "-o", str(out), "--generated-at", "2022-03-10T18:00:00Z"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert main(["places"]) == 0
    places = json.loads(capsys.readouterr().out)

    requests: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=chromium_args())
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 860}, offline=True)
            page = ctx.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if not url.startswith(("file:", "data:")):
                    requests.append(url)
                    r.abort()  # type: ignore[attr-defined]
                else:
                    r.continue_()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.goto(out.as_uri())
            page.wait_for_function("window.sitmapReady === true", timeout=30_000)

            drawn = page.evaluate("SitmapMap.maps.sitmap.d.p.map(p => p[0])")
            assert sorted(drawn) == sorted(p["name"] for p in places)
            assert page.evaluate("SitmapMap.maps.sitmap.markers.filter(m => m).length") == len(places)
            # Every status of the example appears in the legend, and the table lists every place.
            legend = page.inner_text(".sitmap-legend").lower()
            for status in {p["headline"]["status"] for p in places}:
                assert status.replace("_", " ") in legend or status in legend
            table = page.inner_text("table")
            assert all(p["name"] in table for p in places)
            # A claimed capture (Melitopol) is drawn as a claim, not as a fact.
            claimed = sum(1 for p in places if p["headline"]["status"] == "captured"
                          and p["headline"]["epistemic"] == "claimed")
            assert claimed >= 1
            assert page.eval_on_selector_all(
                "path.sitmap-s-captured.sitmap-e-claimed", "e => e.length") == claimed
            shot = tmp_path / "example.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000
            target = os.environ.get("SITMAP_README_SCREENSHOT")
            if target:
                shutil.copyfile(shot, target)
        finally:
            browser.close()
    assert errors == []
    assert requests == []
